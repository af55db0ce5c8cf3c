// SPDX-License-Identifier: BSD-2-Clause

//! What the kernel answered to one invocation or one access: what a case expects and gets, with
//! everything the kernel says with it. Both the cases (case.rs) and their environment (env.rs)
//! speak of it.

use core::fmt;

use sel4::sys::seL4_LookupFailureType;

use crate::arch;

/// What an invocation did, or what an access made by a probe thread ([`crate::env::Env::probe`])
/// did, with what the kernel says besides the error's name:
/// - `seL4_InvalidArgument` and `seL4_InvalidCapability`: which argument or capability (message
///   register 0; arguments count from 0 after the invoked capability, capabilities from 0 for the
///   first one passed with the invocation);
/// - `seL4_FailedLookup`: a mapping's failed lookup is never the source capability's (message
///   register 0 is 0) and always a missing capability (register 1), with the number of address
///   bits the kernel could not resolve (register 2: the tutorial's "level"); anything else is
///   [`Outcome::OtherLookup`];
/// - a VM fault: at the probed address (a fault elsewhere fails the case), with its status,
///   decoded for the architecture ([`Fault`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// An error that the kernel says nothing more about.
    Err(sel4::Error),
    InvalidArgument(sel4::Word),
    InvalidCapability(sel4::Word),
    Lookup(sel4::Word),
    /// A failed lookup that is not a mapping's: its source flag and failure type.
    OtherLookup {
        source: sel4::Word,
        kind: sel4::Word,
    },
    VmFault(Fault),
    NoFault,
}

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

/// A VM fault's status, decoded ([`arch::decode_fault`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fault {
    pub direction: Direction,
    pub cause: Cause,
}

impl Outcome {
    /// A VM fault of `direction` for `cause`, as the architecture reports it: on RISC-V the cause
    /// is not reported ([`Cause::Unsaid`]).
    pub const fn fault(direction: Direction, cause: Cause) -> Self {
        let cause = match arch::FAULT_CAUSE_REPORTED {
            true => cause,
            false => Cause::Unsaid,
        };
        Outcome::VmFault(Fault { direction, cause })
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let direction = match self.direction {
            Direction::Read => "read",
            Direction::Write => "write",
            Direction::Fetch => "instruction fetch",
        };
        match self.cause {
            Cause::NotMapped => write!(
                f,
                "a VM fault: {} {direction} where nothing is mapped",
                article(direction)
            ),
            Cause::NoRight => write!(
                f,
                "a VM fault: {} {direction} the mapping does not allow",
                article(direction)
            ),
            Cause::Unsaid => write!(
                f,
                "a VM fault: {} {direction} access fault",
                article(direction)
            ),
        }
    }
}

/// "a" or "an" before `word`.
fn article(word: &str) -> &'static str {
    match word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        true => "an",
        false => "a",
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            // libsel4's name for "no error", so that both sides of a mismatch read alike.
            Outcome::Ok => f.write_str("seL4_NoError"),
            Outcome::Err(e) => f.write_str(mapping_tutorial::c_name(*e)),
            Outcome::InvalidArgument(n) => write!(f, "seL4_InvalidArgument (argument {n})"),
            Outcome::InvalidCapability(n) => write!(f, "seL4_InvalidCapability (capability {n})"),
            Outcome::Lookup(level) => write!(f, "seL4_FailedLookup at level {level}"),
            Outcome::OtherLookup { source, kind } => {
                // libsel4's seL4_LookupFailureType, in its order.
                let name = match kind {
                    1 => "seL4_InvalidRoot",
                    2 => "seL4_MissingCapability",
                    3 => "seL4_DepthMismatch",
                    4 => "seL4_GuardMismatch",
                    _ => "an unknown failure type",
                };
                let of = if *source == 0 {
                    "not the source"
                } else {
                    "the source"
                };
                write!(f, "seL4_FailedLookup: {name} ({of})")
            }
            Outcome::VmFault(fault) => fault.fmt(f),
            Outcome::NoFault => f.write_str("no fault"),
        }
    }
}

/// Turns an invocation's result into an [`Outcome`]. Must be called straight after the
/// invocation: what the kernel says with an error lives in message registers that the next one
/// overwrites.
pub fn outcome(result: sel4::Result<()>) -> Outcome {
    let register = |n: usize| sel4::with_ipc_buffer(|ipc_buffer| ipc_buffer.msg_regs()[n]);
    match result {
        Ok(()) => Outcome::Ok,
        Err(sel4::Error::FailedLookup) => {
            let (source, kind) = (register(0), register(1));
            let missing = seL4_LookupFailureType::seL4_MissingCapability as sel4::Word;
            match (source, kind) {
                (0, kind) if kind == missing => {
                    Outcome::Lookup(register(sel4::sys::SEL4_MAPPING_LOOKUP_LEVEL as usize))
                }
                _ => Outcome::OtherLookup { source, kind },
            }
        }
        Err(sel4::Error::InvalidArgument) => Outcome::InvalidArgument(register(0)),
        Err(sel4::Error::InvalidCapability) => Outcome::InvalidCapability(register(0)),
        Err(e) => Outcome::Err(e),
    }
}
