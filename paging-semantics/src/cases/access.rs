// SPDX-License-Identifier: BSD-2-Clause

//! Memory accesses, each made by a probe thread whose fault comes back to the suite
//! ([`Env::probe`](crate::env::Env::probe)): what a mapping lets a thread do, and what is left
//! after an unmap.

use mapping_tutorial::paging::page_table_unmap;
use mapping_tutorial::{Context, Failure};
use sel4::CapRights;

use crate::case::{by_arch, cases};
use crate::env::{Access, delete, map_frame, rw};
use crate::fault::{Cause, Direction};
use crate::outcome::Outcome;

cases! {
    /// The control: the probe itself works and reports no fault.
    write_to_read_write_mapping_does_not_fault {
        expected: Outcome::NoFault,
        kernel: "no kernel involvement: the MMU allows the write",
        run: |env| {
            let vaddr = env.probe_frame(rw())?;
            env.probe(Access::Write(1), vaddr)
        },
    }

    /// The tutorial's read: a new frame is zeroed.
    fresh_frame_reads_zero {
        expected: Outcome::NoFault,
        kernel: "object/untyped.c invokeUntyped_Retype -> resetUntypedCap: new frames are cleared",
        run: |env| {
            let vaddr = env.probe_frame(rw())?;
            match env.probe_reading(Access::Read, vaddr)? {
                (Outcome::NoFault, Some(0)) => Ok(Outcome::NoFault),
                (Outcome::NoFault, _) => Err(Failure::new("the fresh frame does not read 0")),
                (other, _) => Ok(other),
            }
        },
    }

    read_from_read_only_mapping_does_not_fault {
        expected: Outcome::NoFault,
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c maskVMRights: read-only rights give VMReadOnly",
            aarch64 = "arm/64/kernel/vspace.c maskVMRights: read-only rights give VMReadOnly",
            aarch32 = "arm/32/kernel/vspace.c maskVMRights: read-only rights give VMReadOnly",
            riscv = "riscv/kernel/vspace.c maskVMRights: read-only rights give VMReadOnly",
        ),
        run: |env| {
            let vaddr = env.probe_frame(CapRights::read_only())?;
            env.probe(Access::Read, vaddr)
        },
    }

    /// The tutorial's `pt` stage, caught by a fault handler instead of ending the task.
    write_to_read_only_mapping_faults {
        expected: Outcome::fault(Direction::Write, Cause::NoRight),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c makeUserPTE: no write bit for VMReadOnly",
            aarch64 = "arm/64/kernel/vspace.c APFromVMRights: S2AP read-only",
            aarch32 = "arm/32/kernel/vspace.c APFromVMRights: AP 2, user read-only",
            riscv = "riscv/kernel/vspace.c makeUserPTE: W clear for VMReadOnly",
        ),
        run: |env| {
            let vaddr = env.probe_frame(CapRights::read_only())?;
            env.probe(Access::Write(1), vaddr)
        },
    }

    read_from_an_address_with_nothing_mapped_faults {
        expected: Outcome::fault(Direction::Read, Cause::NotMapped),
        kernel: "hardware: no valid entry; the kernel sends the fault to the handler",
        run: |env| {
            let vaddr = env.probe_page()?;
            env.probe(Access::Read, vaddr)
        },
    }

    read_after_frame_unmap_faults {
        expected: Outcome::fault(Direction::Read, Cause::NotMapped),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c performX86PageInvocationUnmap -> unmapPage",
            aarch64 = "arm/64/kernel/vspace.c performPageInvocationUnmap -> unmapPage",
            aarch32 = "arm/32/kernel/vspace.c performPageInvocationUnmap -> unmapPage",
            riscv = "riscv/kernel/vspace.c performPageInvocationUnmap -> unmapPage",
        ),
        run: |env| {
            let vaddr = env.probe_frame(rw())?;
            env.frame_at(vaddr)?.frame_unmap().context("prepare: unmap the frame")?;
            env.probe(Access::Read, vaddr)
        },
    }

    /// The text: pages are unmapped "using Unmap invocations on the page or any intermediate
    /// paging structure".
    read_after_page_table_unmap_faults {
        expected: Outcome::fault(Direction::Read, Cause::NotMapped),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c performX86PageTableInvocationUnmap -> unmapPageTable",
            aarch64 = "arm/64/kernel/vspace.c performPageTableInvocationUnmap -> unmapPageTable",
            aarch32 = "arm/32/kernel/vspace.c performPageTableInvocationUnmap -> unmapPageTable",
            riscv = "riscv/kernel/vspace.c performPageTableInvocationUnmap -> unmapPageTable",
        ),
        run: |env| {
            let vaddr = env.probe_frame(rw())?;
            let table = env.take_probe_table()?;
            page_table_unmap(table).context("prepare: unmap the page table")?;
            env.probe(Access::Read, vaddr)
        },
    }

    read_after_page_table_cap_deleted_faults {
        expected: Outcome::fault(Direction::Read, Cause::NotMapped),
        kernel: by_arch!(
            x86_64 = "x86/object/objecttype.c Arch_finaliseCap -> unmapPageTable",
            aarch64 = "arm/64/object/objecttype.c Arch_finaliseCap -> unmapPageTable",
            aarch32 = "arm/32/object/objecttype.c Arch_finaliseCap -> unmapPageTable",
            riscv = "riscv/object/objecttype.c Arch_finaliseCap -> unmapPageTable",
        ),
        run: |env| {
            let vaddr = env.probe_frame(rw())?;
            let table = env.take_probe_table()?;
            delete(table.cptr()).context("prepare: delete the page table's capability")?;
            env.probe(Access::Read, vaddr)
        },
    }

    /// Each capability tracks its own mapping: unmapping through one leaves the other's.
    read_through_copy_after_original_unmapped_does_not_fault {
        expected: Outcome::NoFault,
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c unmapPage: only the entry at the cap's own address",
            aarch64 = "arm/64/kernel/vspace.c unmapPage: only the entry at the cap's own address",
            aarch32 = "arm/32/kernel/vspace.c unmapPage: only the entry at the cap's own address",
            riscv = "riscv/kernel/vspace.c unmapPage: only the entry at the cap's own address",
        ),
        run: |env| {
            let vaddr = env.probe_frame(rw())?;
            let frame = env.frame_at(vaddr)?;
            let copy = env.copy(frame)?;
            let other = env.probe_page()?;
            map_frame(copy, other, rw()).context("prepare: map the copy")?;
            frame.frame_unmap().context("prepare: unmap the original")?;
            env.probe(Access::Read, other)
        },
    }
}
