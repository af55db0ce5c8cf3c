// SPDX-License-Identifier: BSD-2-Clause

//! What happens to the other mappings when one is replaced, remapped or removed.

use mapping_tutorial::paging::page_table_unmap;
use mapping_tutorial::{Context, Failure};
use sel4::CapRights;

use crate::arch::PAGE;
use crate::case::{by_arch, cases};
use crate::env::{Access, map_frame, rw};
use crate::fault::{Cause, Direction};
use crate::outcome::{Effect, Outcome, outcome};

/// Values no fresh (zeroed) frame holds, one per frame.
const FIRST: sel4::Word = 0x11;
const SECOND: sel4::Word = 0x22;

cases! {
    unmapping_a_frame_leaves_its_neighbour {
        expected: Outcome::NoFault,
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c unmapPage: clears its own entry only",
            aarch64 = "arm/64/kernel/vspace.c unmapPage: clears its own entry only",
            aarch32 = "arm/32/kernel/vspace.c unmapPage: clears its own entries only",
            riscv = "riscv/kernel/vspace.c unmapPage: clears its own entry only",
        ),
        run: |env| {
            let vaddr = env.page_region()?;
            let first = env.mapped_frame_at(vaddr, rw())?;
            env.mapped_frame_at(vaddr + PAGE, rw())?;
            first.frame_unmap().context("prepare: unmap the first frame")?;
            env.probe(Access::Read, vaddr + PAGE)
        },
    }

    unmapping_a_page_table_removes_every_page_below_it {
        expected: Outcome::fault(Direction::Read, Cause::NotMapped),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c unmapPageTable: clears the page directory entry",
            aarch64 = "arm/64/kernel/vspace.c unmapPageTable: clears the parent entry",
            aarch32 = "arm/32/kernel/vspace.c unmapPageTable: clears the page directory entry",
            riscv = "riscv/kernel/vspace.c unmapPageTable: clears the parent entry",
        ),
        run: |env| {
            let vaddr = env.region(crate::arch::DEPTH - 1)?;
            let table = env.map_page_table(vaddr)?;
            env.mapped_frame_at(vaddr, rw())?;
            env.mapped_frame_at(vaddr + PAGE, rw())?;
            page_table_unmap(table).context("prepare: unmap the page table")?;
            env.probe(Access::Read, vaddr + PAGE)
        },
    }

    /// Whether or not the kernel lets the second frame replace the first, the page next to them
    /// keeps its frame and contents.
    replacing_a_frame_leaves_its_neighbour {
        expected: Outcome::NoFault,
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c performX86PageInvocationMapPTE: writes one entry",
            aarch64 = "arm/64/kernel/vspace.c performPageInvocationMap: writes one entry",
            aarch32 = "arm/32/kernel/vspace.c performPageInvocationMapPTE: writes its own entries",
            riscv = "riscv/kernel/vspace.c decodeRISCVFrameInvocation: refuses, changes nothing",
        ),
        // RISC-V refuses the replacing map, and says so.
        warns: by_arch!(riscv = Some("already mapped"), other = None),
        run: |env| {
            let vaddr = env.page_region()?;
            env.mapped_frame_at(vaddr, rw())?;
            env.mapped_frame_at(vaddr + PAGE, rw())?;
            env.write(vaddr + PAGE, SECOND)?;
            let _ = map_frame(env.frame()?, vaddr, rw());
            match env.probe_reading(Access::Read, vaddr + PAGE)? {
                (Outcome::NoFault, Some(SECOND)) => Ok(Outcome::NoFault),
                (Outcome::NoFault, _) => Err(Failure::new("the neighbour's contents changed")),
                (other, _) => Ok(other),
            }
        },
    }

    remapping_a_frame_read_only_leaves_its_neighbour_writable {
        expected: Outcome::NoFault,
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c performX86PageInvocationMapPTE: writes one entry",
            aarch64 = "arm/64/kernel/vspace.c performPageInvocationMap: writes one entry",
            aarch32 = "arm/32/kernel/vspace.c performPageInvocationMapPTE: writes its own entries",
            riscv = "riscv/kernel/vspace.c updatePTE: writes one entry",
        ),
        run: |env| {
            let vaddr = env.page_region()?;
            let first = env.mapped_frame_at(vaddr, rw())?;
            env.mapped_frame_at(vaddr + PAGE, rw())?;
            map_frame(first, vaddr, CapRights::read_only()).context("prepare: remap read-only")?;
            env.probe(Access::Write(1), vaddr + PAGE)
        },
    }

    /// Where the first frame was replaced, its capability still claims the address, but its
    /// unmap finds another frame there and leaves it; RISC-V never replaced it.
    unmapping_a_replaced_frame_leaves_its_replacement {
        expected: by_arch!(
            riscv = Outcome::fault(Direction::Read, Cause::NotMapped),
            other = Outcome::NoFault,
        ),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c unmapPage: the entry holds another frame",
            aarch64 = "arm/64/kernel/vspace.c unmapPage: the entry holds another frame",
            aarch32 = "arm/32/kernel/vspace.c unmapPage: the entry holds another frame",
            riscv = "riscv/kernel/vspace.c decodeRISCVFrameInvocation: never replaced",
        ),
        // RISC-V refuses the replacing map, and says so.
        warns: by_arch!(riscv = Some("already mapped"), other = None),
        run: |env| {
            let vaddr = env.page_region()?;
            let first = env.mapped_frame_at(vaddr, rw())?;
            let _ = map_frame(env.frame()?, vaddr, rw());
            first.frame_unmap().context("prepare: unmap the first frame")?;
            env.probe(Access::Read, vaddr)
        },
    }

    /// The replaced frame's capability maps back over its replacement: to the kernel it is a
    /// remap at its own address.
    replaced_frame_cap_maps_back_at_its_address {
        expected: Outcome::Seen(Effect::ReadsTheFrame),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c decodeX86FrameInvocation: same ASID and address",
            aarch64 = "arm/64/kernel/vspace.c decodeARMFrameInvocation: same ASID and address",
            aarch32 = "arm/32/kernel/vspace.c decodeARMFrameInvocation: same ASID and address",
            riscv = "riscv/kernel/vspace.c decodeRISCVFrameInvocation: same ASID and address",
        ),
        // RISC-V refuses the replacing map, and says so.
        warns: by_arch!(riscv = Some("already mapped"), other = None),
        run: |env| {
            let vaddr = env.page_region()?;
            let first = env.mapped_frame_at(vaddr, rw())?;
            env.write(vaddr, FIRST)?;
            let _ = map_frame(env.frame()?, vaddr, rw());
            let result = outcome(map_frame(first, vaddr, rw()));
            env.then(result, Effect::ReadsTheFrame, |env| env.reads(vaddr, FIRST))
        },
    }
}
