// SPDX-License-Identifier: BSD-2-Clause

//! The rights model: a mapping gets the rights it asks for masked by the rights of the capability
//! it is made from (`maskVMRights`). No kernel here refuses a mapping for its rights; a
//! write-only request, which no MMU here can express, becomes a mapping the thread cannot use at
//! all (kernel-only; on RISC-V an execute-only page).

use mapping_tutorial::Failure;
use sel4::CapRights;

use crate::case::{by_arch, cases};
use crate::env::{Access, Env, map_frame};
use crate::fault::{Cause, Direction};
use crate::outcome::{Effect, Outcome, outcome};

/// Maps a fresh frame at the next probe page, asking for `requested`, through a copy of its
/// capability with `cap_rights`; returns the address and what the map did.
#[track_caller]
fn map_through(
    env: &mut Env,
    cap_rights: CapRights,
    requested: CapRights,
) -> Result<(usize, Outcome), Failure> {
    let vaddr = env.probe_page()?;
    let frame = env.frame()?;
    let copy = env.copy_with(frame, cap_rights)?;
    Ok((vaddr, outcome(map_frame(copy, vaddr, requested))))
}

/// As [`map_through`], for a case about an access: the map must succeed.
#[track_caller]
fn mapped_through(
    env: &mut Env,
    cap_rights: CapRights,
    requested: CapRights,
) -> Result<usize, Failure> {
    match map_through(env, cap_rights, requested)? {
        (vaddr, Outcome::Ok) => Ok(vaddr),
        _ => Err(Failure::new("prepare: the map failed")),
    }
}

/// An error unless a read at `vaddr` faults on a mapped page the thread has no right to (where
/// the architecture says why).
#[track_caller]
fn kernel_only(env: &mut Env, vaddr: usize) -> Result<(), Failure> {
    match env.probe(Access::Read, vaddr)? {
        outcome if outcome == Outcome::fault(Direction::Read, Cause::NoRight) => Ok(()),
        _ => Err(Failure::new(
            "a read there does not fault for want of the right",
        )),
    }
}

cases! {
    read_only_cap_asked_for_read_write_maps {
        expected: Outcome::Seen(Effect::ReadOnly),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c maskVMRights: never an error",
            aarch64 = "arm/64/kernel/vspace.c maskVMRights: never an error",
            aarch32 = "arm/32/kernel/vspace.c maskVMRights: never an error",
            riscv = "riscv/kernel/vspace.c maskVMRights: never an error",
        ),
        run: |env| {
            let (vaddr, result) = map_through(env, CapRights::read_only(), CapRights::read_write())?;
            env.then(result, Effect::ReadOnly, |env| {
                env.read(vaddr)?;
                match env.probe(Access::Write(1), vaddr)? {
                    Outcome::VmFault(_) => Ok(()),
                    _ => Err(Failure::new("a write there does not fault")),
                }
            })
        },
    }

    /// The capability's rights win, silently.
    read_only_cap_asked_for_read_write_gives_read_only {
        expected: Outcome::fault(Direction::Write, Cause::NoRight),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c maskVMRights: VMReadOnly cap, so VMReadOnly",
            aarch64 = "arm/64/kernel/vspace.c maskVMRights: VMReadOnly cap, so VMReadOnly",
            aarch32 = "arm/32/kernel/vspace.c maskVMRights: VMReadOnly cap, so VMReadOnly",
            riscv = "riscv/kernel/vspace.c maskVMRights: VMReadOnly cap, so VMReadOnly",
        ),
        run: |env| {
            let vaddr = mapped_through(env, CapRights::read_only(), CapRights::read_write())?;
            env.probe(Access::Write(1), vaddr)
        },
    }

    read_only_cap_asked_for_read_write_can_be_read {
        expected: Outcome::NoFault,
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c maskVMRights: VMReadOnly cap, so VMReadOnly",
            aarch64 = "arm/64/kernel/vspace.c maskVMRights: VMReadOnly cap, so VMReadOnly",
            aarch32 = "arm/32/kernel/vspace.c maskVMRights: VMReadOnly cap, so VMReadOnly",
            riscv = "riscv/kernel/vspace.c maskVMRights: VMReadOnly cap, so VMReadOnly",
        ),
        run: |env| {
            let vaddr = mapped_through(env, CapRights::read_only(), CapRights::read_write())?;
            env.probe(Access::Read, vaddr)
        },
    }

    /// The kernel prints "Attempted to make unsupported write only mapping", and maps.
    write_only_request_maps {
        expected: Outcome::Seen(Effect::KernelOnly),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c maskVMRights: write-only gives VMKernelOnly",
            aarch64 = "arm/64/kernel/vspace.c maskVMRights: write-only gives VMKernelOnly",
            aarch32 = "arm/32/kernel/vspace.c maskVMRights: write-only gives VMKernelOnly",
            riscv = "riscv/kernel/vspace.c maskVMRights: write-only gives VMKernelOnly",
        ),
        // It maps the page for the kernel alone (VMKernelOnly), and says so.
        warns: Some("Attempted to make unsupported write only mapping"),
        run: |env| {
            let (vaddr, result) = map_through(env, CapRights::read_write(), CapRights::write_only())?;
            env.then(result, Effect::KernelOnly, |env| kernel_only(env, vaddr))
        },
    }

    write_only_mapping_cannot_be_written {
        expected: Outcome::fault(Direction::Write, Cause::NoRight),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c makeUserPTE: VMKernelOnly is a supervisor page",
            aarch64 = "arm/64/kernel/vspace.c APFromVMRights: VMKernelOnly is S2AP 00, no access",
            aarch32 = "arm/32/kernel/vspace.c APFromVMRights: VMKernelOnly is AP 1, no user access",
            riscv = "riscv/kernel/vspace.c makeUserPTE: VMKernelOnly is execute-only, W clear",
        ),
        // It maps the page for the kernel alone (VMKernelOnly), and says so.
        warns: Some("Attempted to make unsupported write only mapping"),
        run: |env| {
            let vaddr = mapped_through(env, CapRights::read_write(), CapRights::write_only())?;
            env.probe(Access::Write(1), vaddr)
        },
    }

    write_only_mapping_cannot_be_read {
        expected: Outcome::fault(Direction::Read, Cause::NoRight),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c makeUserPTE: VMKernelOnly is a supervisor page",
            aarch64 = "arm/64/kernel/vspace.c APFromVMRights: VMKernelOnly is S2AP 00, no access",
            aarch32 = "arm/32/kernel/vspace.c APFromVMRights: VMKernelOnly is AP 1, no user access",
            riscv = "riscv/kernel/vspace.c makeUserPTE: VMKernelOnly is execute-only, R clear",
        ),
        // It maps the page for the kernel alone (VMKernelOnly), and says so.
        warns: Some("Attempted to make unsupported write only mapping"),
        run: |env| {
            let vaddr = mapped_through(env, CapRights::read_write(), CapRights::write_only())?;
            env.probe(Access::Read, vaddr)
        },
    }

    no_rights_request_maps {
        expected: Outcome::Seen(Effect::KernelOnly),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c maskVMRights: no rights give VMKernelOnly",
            aarch64 = "arm/64/kernel/vspace.c maskVMRights: no rights give VMKernelOnly",
            aarch32 = "arm/32/kernel/vspace.c maskVMRights: no rights give VMKernelOnly",
            riscv = "riscv/kernel/vspace.c maskVMRights: no rights give VMKernelOnly",
        ),
        run: |env| {
            let (vaddr, result) = map_through(env, CapRights::read_write(), CapRights::none())?;
            env.then(result, Effect::KernelOnly, |env| kernel_only(env, vaddr))
        },
    }

    no_rights_mapping_cannot_be_read {
        expected: Outcome::fault(Direction::Read, Cause::NoRight),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c makeUserPTE: VMKernelOnly is a supervisor page",
            aarch64 = "arm/64/kernel/vspace.c APFromVMRights: VMKernelOnly is S2AP 00, no access",
            aarch32 = "arm/32/kernel/vspace.c APFromVMRights: VMKernelOnly is AP 1, no user access",
            riscv = "riscv/kernel/vspace.c makeUserPTE: VMKernelOnly is execute-only, R clear",
        ),
        run: |env| {
            let vaddr = mapped_through(env, CapRights::read_write(), CapRights::none())?;
            env.probe(Access::Read, vaddr)
        },
    }

    /// A write-only copy of a frame capability is a kernel-only capability: whatever a mapping
    /// made from it asks for, the thread cannot read it.
    write_only_cap_asked_for_read_write_cannot_be_read {
        expected: Outcome::fault(Direction::Read, Cause::NoRight),
        kernel: by_arch!(
            x86_64 = "x86/object/objecttype.c Arch_maskCapRights -> maskVMRights: VMKernelOnly",
            aarch64 = "arm/64/object/objecttype.c Arch_maskCapRights -> maskVMRights: VMKernelOnly",
            aarch32 = "arm/32/object/objecttype.c Arch_maskCapRights -> maskVMRights: VMKernelOnly",
            riscv = "riscv/object/objecttype.c Arch_maskCapRights -> maskVMRights: VMKernelOnly",
        ),
        // It maps the page for the kernel alone (VMKernelOnly), and says so.
        warns: Some("Attempted to make unsupported write only mapping"),
        run: |env| {
            let vaddr = mapped_through(env, CapRights::write_only(), CapRights::read_write())?;
            env.probe(Access::Read, vaddr)
        },
    }
}
