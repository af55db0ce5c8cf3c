// SPDX-License-Identifier: BSD-2-Clause

//! Mapping where something is already mapped: the same size, a larger page, a smaller page, a
//! table. Here the kernels differ most: x86_64 and ARM replace a frame silently where RISC-V
//! refuses, and a large page where a table is fails differently on each.

use mapping_tutorial::{Context, Failure};
use sel4::Error::DeleteFirst;
use sel4::init_thread::slot::VSPACE;

use crate::arch::{DEPTH, LEVELS, PAGE};
use crate::case::{by_arch, cases};
use crate::env::{map_frame, rw};
use crate::outcome::{Effect, Outcome, outcome};

/// The marks of the frame mapped first and of the one mapped over it: no fresh (zeroed) frame
/// holds either, so a read at the address says which frame is there.
const OLD: sel4::Word = 0x5e14;
const NEW: sel4::Word = 0x4e3e;

/// What a read at the address gives after `result`: the new frame where the map succeeded (then
/// seen), the old one where it was refused; an error otherwise.
fn visible(result: Outcome, read: sel4::Word) -> Result<Outcome, Failure> {
    match (result == Outcome::Ok, read) {
        (true, NEW) => Ok(Outcome::Seen(Effect::ReadsTheFrame)),
        (false, OLD) => Ok(result),
        (true, _) => Err(Failure::new("the new frame is not the one at the address")),
        (false, _) => Err(Failure::new(
            "a refused map changed the frame at the address",
        )),
    }
}

cases! {
    /// Where the kernel allows this, the new frame is at the address afterwards; where it
    /// refuses, the old one still is (each frame is marked, so a read tells which).
    frame_where_another_frame_is_mapped {
        expected: by_arch!(
            riscv = Outcome::Err(DeleteFirst),
            other = Outcome::Seen(Effect::ReadsTheFrame),
        ),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c createSafeMappingEntries_PTE: old entry unchecked",
            aarch64 = "arm/64/kernel/vspace.c performPageInvocationMap: overwrites the entry",
            aarch32 = "arm/32/kernel/vspace.c createSafeMappingEntries_PTE: only a large page",
            riscv = "riscv/kernel/vspace.c:892 decodeRISCVFrameInvocation: the entry is valid",
        ),
        run: |env| {
            let vaddr = env.page_region()?;
            env.mapped_frame_at(vaddr, rw())?;
            env.write(vaddr, OLD)?;
            let new = env.frame()?;
            let elsewhere = env.page_region()?;
            env.mark(new, elsewhere, NEW)?;
            let result = outcome(map_frame(new, vaddr, rw()));
            visible(result, env.read(vaddr)?)
        },
    }

    big_page_where_another_big_page_is_mapped {
        expected: by_arch!(
            riscv = Outcome::Err(DeleteFirst),
            other = Outcome::Seen(Effect::ReadsTheFrame),
        ),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c createSafeMappingEntries_PDE: rejects only a page table",
            aarch64 = "arm/64/kernel/vspace.c performPageInvocationMap: overwrites the entry",
            aarch32 = "arm/32/kernel/vspace.c createSafeMappingEntries_PDE: a section is allowed",
            riscv = "riscv/kernel/vspace.c:892 decodeRISCVFrameInvocation: the entry is valid",
        ),
        run: |env| {
            let vaddr = env.region(DEPTH - 1)?;
            map_frame(env.big_page()?, vaddr, rw()).context("prepare: map the first big page")?;
            env.write(vaddr, OLD)?;
            let new = env.big_page()?;
            let elsewhere = env.region(DEPTH - 1)?;
            env.mark(new, elsewhere, NEW)?;
            let result = outcome(map_frame(new, vaddr, rw()));
            visible(result, env.read(vaddr)?)
        },
    }

    /// The walk stops at the big page's entry, which is no table: the same answer as with
    /// nothing there.
    frame_inside_a_big_page_fails_at_the_last_level {
        expected: Outcome::Lookup(LEVELS[DEPTH - 1]),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:879 createSafeMappingEntries_PTE -> lookupPTSlot: the PD entry is a large page, not a table",
            aarch64 = "arm/64/kernel/vspace.c:1593 decodeARMFrameInvocation -> lookupPTSlot: stops at the block entry",
            aarch32 = "arm/32/kernel/vspace.c:1584 createSafeMappingEntries_PTE -> lookupPTSlot: the PD entry is a section, not a table",
            riscv = "riscv/kernel/vspace.c:860 decodeRISCVFrameInvocation -> lookupPTSlot: stops at the megapage's leaf entry",
        ),
        run: |env| {
            let vaddr = env.region(DEPTH - 1)?;
            map_frame(env.big_page()?, vaddr, rw()).context("prepare: map the big page")?;
            Ok(outcome(map_frame(env.frame()?, vaddr + PAGE, rw())))
        },
    }

    page_table_where_a_big_page_is_mapped_is_delete_first {
        expected: Outcome::Err(DeleteFirst),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:1236 decodeX86PageTableInvocation: the PD entry is present",
            aarch64 = "arm/64/kernel/vspace.c:1488 decodeARMPageTableInvocation: the slot is valid",
            aarch32 = "arm/32/kernel/vspace.c:2207 decodeARMPageTableInvocation: the PD entry is in use",
            riscv = "riscv/kernel/vspace.c:770 decodeRISCVPageTableInvocation: the slot is valid",
        ),
        run: |env| {
            let vaddr = env.region(DEPTH - 1)?;
            map_frame(env.big_page()?, vaddr, rw()).context("prepare: map the big page")?;
            let table = env.make_table(DEPTH - 1)?;
            Ok(outcome(table.map_into(VSPACE.cap(), vaddr)))
        },
    }

    /// ARM64 and RISC-V walk down into the page table and find no room for the big page there.
    big_page_where_a_page_table_is_mapped {
        expected: by_arch!(
            x86_64 = Outcome::Err(DeleteFirst),
            aarch32 = Outcome::Err(DeleteFirst),
            other = Outcome::Lookup(12),
        ),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:918 createSafeMappingEntries_PDE: check for a page table",
            aarch64 = "arm/64/kernel/vspace.c:1593 decodeARMFrameInvocation: ptBitsLeft 12 is not 21",
            aarch32 = "arm/32/kernel/vspace.c:1687 createSafeMappingEntries_PDE: the PD entry is in use",
            riscv = "riscv/kernel/vspace.c:860 decodeRISCVFrameInvocation: ptBitsLeft 12 is not 21",
        ),
        run: |env| {
            let vaddr = env.page_region()?;
            Ok(outcome(map_frame(env.big_page()?, vaddr, rw())))
        },
    }

    /// The same for the 1 GiB page, one level up.
    #[cfg(target_pointer_width = "64")]
    big_page_inside_a_huge_page_fails_at_the_huge_page_level {
        expected: Outcome::Lookup(LEVELS[DEPTH - 2]),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:908 createSafeMappingEntries_PDE -> lookupPDSlot: the PDPT entry is a huge page",
            aarch64 = "arm/64/kernel/vspace.c:1593 decodeARMFrameInvocation -> lookupPTSlot: stops at the 1 GiB block entry",
            riscv64 = "riscv/kernel/vspace.c:860 decodeRISCVFrameInvocation -> lookupPTSlot: stops at the gigapage's leaf entry",
        ),
        run: |env| {
            let vaddr = env.region(DEPTH - 2)?;
            map_frame(env.huge_page()?, vaddr, rw()).context("prepare: map the huge page")?;
            Ok(outcome(map_frame(env.big_page()?, vaddr + crate::arch::span(DEPTH - 1), rw())))
        },
    }

    #[cfg(target_pointer_width = "64")]
    frame_inside_a_huge_page_fails_at_the_huge_page_level {
        expected: Outcome::Lookup(LEVELS[DEPTH - 2]),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:879 createSafeMappingEntries_PTE -> lookupPDSlot: the PDPT entry is a huge page",
            aarch64 = "arm/64/kernel/vspace.c:1593 decodeARMFrameInvocation -> lookupPTSlot: stops at the 1 GiB block entry",
            riscv64 = "riscv/kernel/vspace.c:860 decodeRISCVFrameInvocation -> lookupPTSlot: stops at the gigapage's leaf entry",
        ),
        run: |env| {
            let vaddr = env.region(DEPTH - 2)?;
            map_frame(env.huge_page()?, vaddr, rw()).context("prepare: map the huge page")?;
            Ok(outcome(map_frame(env.frame()?, vaddr + PAGE, rw())))
        },
    }

    /// A page directory on x86_64, a page table elsewhere.
    #[cfg(target_pointer_width = "64")]
    table_where_a_huge_page_is_mapped_is_delete_first {
        expected: Outcome::Err(DeleteFirst),
        kernel: by_arch!(
            x86_64 = "x86/64/kernel/vspace.c:1229 decodeX64PageDirectoryInvocation: PDPT entry present",
            aarch64 = "arm/64/kernel/vspace.c:1488 decodeARMPageTableInvocation: the slot is valid",
            riscv64 = "riscv/kernel/vspace.c:770 decodeRISCVPageTableInvocation: the slot is valid",
        ),
        run: |env| {
            let vaddr = env.region(DEPTH - 2)?;
            map_frame(env.huge_page()?, vaddr, rw()).context("prepare: map the huge page")?;
            let table = env.make_table(DEPTH - 2)?;
            Ok(outcome(table.map_into(VSPACE.cap(), vaddr)))
        },
    }

    #[cfg(target_pointer_width = "64")]
    huge_page_where_a_table_is_mapped {
        expected: by_arch!(
            x86_64 = Outcome::Err(DeleteFirst),
            other = Outcome::Lookup(21),
        ),
        kernel: by_arch!(
            x86_64 = "x86/64/kernel/vspace.c:1495 createSafeMappingEntries_PDPTE: a page directory",
            aarch64 = "arm/64/kernel/vspace.c:1593 decodeARMFrameInvocation: ptBitsLeft 21 is not 30",
            riscv64 = "riscv/kernel/vspace.c:860 decodeRISCVFrameInvocation: ptBitsLeft 21 is not 30",
        ),
        run: |env| {
            let vaddr = env.region(DEPTH - 2)?;
            env.map_table(vaddr, DEPTH - 2)?;
            Ok(outcome(map_frame(env.huge_page()?, vaddr, rw())))
        },
    }

    #[cfg(target_arch = "x86_64")]
    pdpt_where_a_pdpt_is_mapped_is_delete_first {
        expected: Outcome::Err(DeleteFirst),
        kernel: "x86/64/kernel/vspace.c:1387 decodeX64PDPTInvocation: the PML4 entry is present",
        run: |env| {
            let vaddr = env.region(0)?;
            env.map_table(vaddr, 0)?;
            let pdpt = env.make_table(0)?;
            Ok(outcome(pdpt.map_into(VSPACE.cap(), vaddr)))
        },
    }

    #[cfg(target_arch = "x86_64")]
    page_directory_where_one_is_mapped_is_delete_first {
        expected: Outcome::Err(DeleteFirst),
        kernel: "x86/64/kernel/vspace.c:1229 decodeX64PageDirectoryInvocation: PDPT entry present",
        run: |env| {
            let vaddr = env.region(1)?;
            env.map_table(vaddr, 1)?;
            let page_directory = env.make_table(1)?;
            Ok(outcome(page_directory.map_into(VSPACE.cap(), vaddr)))
        },
    }

    /// aarch32's 64 KiB large page fills 16 entries of a page table: a 4 KiB frame in one of
    /// them is refused, not replaced.
    #[cfg(target_arch = "arm")]
    frame_inside_a_64k_large_page_is_delete_first {
        expected: Outcome::Err(DeleteFirst),
        kernel: "arm/32/kernel/vspace.c:1597 createSafeMappingEntries_PTE: the entry is a large page",
        run: |env| {
            let vaddr = env.page_region()?;
            let large = env.alloc::<sel4::cap_type::LargePage>()?;
            map_frame(large, vaddr, rw()).context("prepare: map the 64 KiB page")?;
            Ok(outcome(map_frame(env.frame()?, vaddr + PAGE, rw())))
        },
    }

    #[cfg(target_arch = "arm")]
    large_64k_page_over_a_frame_is_delete_first {
        expected: Outcome::Err(DeleteFirst),
        kernel: "arm/32/kernel/vspace.c:1638 createSafeMappingEntries_PTE: one of 16 entries in use",
        run: |env| {
            let vaddr = env.page_region()?;
            env.mapped_frame_at(vaddr + PAGE, rw())?;
            let large = env.alloc::<sel4::cap_type::LargePage>()?;
            Ok(outcome(map_frame(large, vaddr, rw())))
        },
    }

    /// aarch32's 16 MiB supersection fills 16 page directory entries: a section in one of them
    /// is refused, not replaced (as the 64 KiB page over a frame).
    #[cfg(target_arch = "arm")]
    supersection_over_a_section_is_delete_first {
        expected: Outcome::Err(DeleteFirst),
        kernel: "arm/32/kernel/vspace.c:1718 createSafeMappingEntries_PDE: one of 16 entries in use",
        run: |env| {
            let vaddr = env.aligned_entries(16)?;
            map_frame(env.big_page()?, vaddr + crate::arch::span(0), rw())
                .context("prepare: map a section")?;
            let supersection = env.supersection()?;
            Ok(outcome(map_frame(supersection, vaddr, rw())))
        },
    }
}
