// SPDX-License-Identifier: BSD-2-Clause

//! A VM fault as the suite speaks of it, whatever the architecture: what the access did and why
//! it faulted. Each architecture decodes its own fault status into these (arch.rs), and the
//! cases' outcomes hold them (outcome.rs).

/// Whether the access read, wrote, or fetched an instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Read,
    Write,
    Fetch,
}

/// Why the access faulted, as far as the architecture's status says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// Nothing is mapped there (x86's "not present", ARM's translation fault).
    NotMapped,
    /// A page is mapped, without the right (x86's protection violation, ARM's permission fault).
    NoRight,
    /// RISC-V: seL4 reports a load or store access fault whether the page is missing or lacks the
    /// right (riscv/kernel/vmfault.c... handleVMFault turns both page faults into access faults).
    Unsaid,
}

/// A VM fault's status, decoded ([`crate::arch::decode_fault`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fault {
    pub direction: Direction,
    pub cause: Cause,
}
