// SPDX-License-Identifier: BSD-2-Clause

//! Missing paging structures: the failed lookup's level is the number of address bits the kernel
//! could not resolve, so it names the structure that is missing. On x86_64 each level has its
//! own structure type; on ARM and RISC-V every structure is a page table, which goes wherever
//! the walk from the VSpace stops.

use sel4::init_thread::slot::VSPACE;

use crate::arch::{DEPTH, LEVELS};
use crate::case::{by_arch, cases};
use crate::env::{map_frame, rw};
use crate::outcome::{Effect, Outcome, outcome};

cases! {
    /// Nothing below the VSpace: the walk stops at the top.
    frame_with_no_structure_fails_at_the_top_level {
        expected: Outcome::Lookup(LEVELS[0]),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:879 createSafeMappingEntries_PTE -> lookupPDPTSlot: the PML4 entry is not present",
            aarch64 = "arm/64/kernel/vspace.c:1593 decodeARMFrameInvocation -> lookupPTSlot: stops at the empty VSpace entry",
            aarch32 = "arm/32/kernel/vspace.c:1584 createSafeMappingEntries_PTE -> lookupPTSlot: the PD entry is no page table",
            riscv = "riscv/kernel/vspace.c:860 decodeRISCVFrameInvocation -> lookupPTSlot: stops at the empty root entry",
        ),
        run: |env| {
            let vaddr = env.region(0)?;
            Ok(outcome(map_frame(env.frame()?, vaddr, rw())))
        },
    }

    /// One structure below the VSpace.
    #[cfg(target_pointer_width = "64")]
    frame_with_one_structure_fails_at_the_second_level {
        expected: Outcome::Lookup(LEVELS[1]),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:879 createSafeMappingEntries_PTE -> lookupPDSlot: the PDPT entry is no page directory",
            aarch64 = "arm/64/kernel/vspace.c:1593 decodeARMFrameInvocation -> lookupPTSlot: stops in the level-1 table",
            riscv64 = "riscv/kernel/vspace.c:860 decodeRISCVFrameInvocation -> lookupPTSlot: stops in the level-1 table",
        ),
        run: |env| {
            let vaddr = env.region(1)?;
            Ok(outcome(map_frame(env.frame()?, vaddr, rw())))
        },
    }

    /// Two structures below the VSpace, on the four-level architectures.
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    frame_with_two_structures_fails_at_the_third_level {
        expected: Outcome::Lookup(LEVELS[2]),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:879 createSafeMappingEntries_PTE -> lookupPTSlot: the page directory entry is no page table",
            aarch64 = "arm/64/kernel/vspace.c:1593 decodeARMFrameInvocation -> lookupPTSlot: stops in the level-2 table",
        ),
        run: |env| {
            let vaddr = env.region(2)?;
            Ok(outcome(map_frame(env.frame()?, vaddr, rw())))
        },
    }

    frame_with_every_structure_maps {
        expected: Outcome::Seen(Effect::ReadsAndWrites),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c decodeX86FrameInvocation: every check passes",
            aarch64 = "arm/64/kernel/vspace.c decodeARMFrameInvocation: every check passes",
            aarch32 = "arm/32/kernel/vspace.c decodeARMFrameInvocation: every check passes",
            riscv = "riscv/kernel/vspace.c decodeRISCVFrameInvocation: every check passes",
        ),
        run: |env| {
            let vaddr = env.page_region()?;
            let result = outcome(map_frame(env.frame()?, vaddr, rw()));
            env.mapped_read_write(result, vaddr)
        },
    }

    /// The page one size up goes in the structure above the page table: on the two-level
    /// architectures that is the VSpace itself.
    big_page_with_no_structure {
        expected: by_arch!(
            x86_64 = Outcome::Lookup(39),
            aarch64 = Outcome::Lookup(39),
            riscv64 = Outcome::Lookup(30),
            other = Outcome::Seen(Effect::ReadsAndWrites),
        ),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:908 createSafeMappingEntries_PDE -> lookupPDSlot: the PML4 entry is not present",
            aarch64 = "arm/64/kernel/vspace.c:1593 decodeARMFrameInvocation: ptBitsLeft 39 is not 21",
            riscv64 = "riscv/kernel/vspace.c:860 decodeRISCVFrameInvocation: ptBitsLeft 30 is not 21",
            aarch32 = "arm/32/kernel/vspace.c createSafeMappingEntries_PDE: a PD entry",
            riscv32 = "riscv/kernel/vspace.c decodeRISCVFrameInvocation: a root entry",
        ),
        run: |env| {
            let vaddr = env.region(0)?;
            let result = outcome(map_frame(env.big_page()?, vaddr, rw()));
            env.mapped_read_write(result, vaddr)
        },
    }

    #[cfg(target_pointer_width = "64")]
    big_page_with_one_structure {
        expected: by_arch!(
            riscv64 = Outcome::Seen(Effect::ReadsAndWrites),
            other = Outcome::Lookup(30),
        ),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:908 createSafeMappingEntries_PDE -> lookupPDSlot: the PDPT entry is no page directory",
            aarch64 = "arm/64/kernel/vspace.c:1593 decodeARMFrameInvocation: ptBitsLeft 30 is not 21",
            riscv64 = "riscv/kernel/vspace.c decodeRISCVFrameInvocation: ptBitsLeft 21 matches",
        ),
        run: |env| {
            let vaddr = env.region(1)?;
            let result = outcome(map_frame(env.big_page()?, vaddr, rw()));
            env.mapped_read_write(result, vaddr)
        },
    }

    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    big_page_with_two_structures_maps {
        expected: Outcome::Seen(Effect::ReadsAndWrites),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c createSafeMappingEntries_PDE: every check passes",
            aarch64 = "arm/64/kernel/vspace.c decodeARMFrameInvocation: ptBitsLeft 21 matches",
        ),
        run: |env| {
            let vaddr = env.region(2)?;
            let result = outcome(map_frame(env.big_page()?, vaddr, rw()));
            env.mapped_read_write(result, vaddr)
        },
    }

    /// The 1 GiB page goes two levels above the page table: riscv64's root.
    #[cfg(target_pointer_width = "64")]
    huge_page_with_no_structure {
        expected: by_arch!(
            riscv64 = Outcome::Seen(Effect::ReadsAndWrites),
            other = Outcome::Lookup(39),
        ),
        kernel: by_arch!(
            x86_64 = "x86/64/kernel/vspace.c:1485 createSafeMappingEntries_PDPTE -> lookupPDPTSlot",
            aarch64 = "arm/64/kernel/vspace.c:1593 decodeARMFrameInvocation: ptBitsLeft 39 is not 30",
            riscv64 = "riscv/kernel/vspace.c decodeRISCVFrameInvocation: ptBitsLeft 30 matches",
        ),
        run: |env| {
            let vaddr = env.region(0)?;
            let result = outcome(map_frame(env.huge_page()?, vaddr, rw()));
            env.mapped_read_write(result, vaddr)
        },
    }

    #[cfg(target_pointer_width = "64")]
    huge_page_with_one_structure {
        expected: by_arch!(
            riscv64 = Outcome::Lookup(21),
            other = Outcome::Seen(Effect::ReadsAndWrites),
        ),
        kernel: by_arch!(
            x86_64 = "x86/64/kernel/vspace.c createSafeMappingEntries_PDPTE: every check passes",
            aarch64 = "arm/64/kernel/vspace.c decodeARMFrameInvocation: ptBitsLeft 30 matches",
            riscv64 = "riscv/kernel/vspace.c:860 decodeRISCVFrameInvocation -> lookupPTSlot: goes down into the table, stops at 21",
        ),
        run: |env| {
            // region(1)'s addresses are aligned to one entry of the first structure, which on
            // riscv64 is less than the huge page's 1 GiB.
            let vaddr = env.region(0)?;
            env.map_table(vaddr, 0)?;
            let result = outcome(map_frame(env.huge_page()?, vaddr, rw()));
            env.mapped_read_write(result, vaddr)
        },
    }

    /// A page table straight below the VSpace: x86_64 needs a PDPT and a page directory first;
    /// elsewhere the table becomes the first level below the VSpace.
    page_table_with_no_structure {
        expected: by_arch!(
            x86_64 = Outcome::Lookup(39),
            other = Outcome::Seen(Effect::FrameMapsBelow),
        ),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:1229 decodeX86PageTableInvocation -> lookupPDPTSlot",
            aarch64 = "arm/64/kernel/vspace.c decodeARMPageTableInvocation: in the VSpace entry",
            aarch32 = "arm/32/kernel/vspace.c decodeARMPageTableInvocation: the PD entry is free",
            riscv = "riscv/kernel/vspace.c decodeRISCVPageTableInvocation: goes in the root entry",
        ),
        run: |env| {
            let vaddr = env.region(0)?;
            let table = env.make_table(DEPTH - 1)?;
            let result = outcome(table.map_into(VSPACE.cap(), vaddr));
            // Below it, the page tables of the levels still missing (none on the 32-bit
            // architectures), then a frame.
            let mut depth = 1;
            while result == Outcome::Ok && depth < DEPTH {
                env.map_page_table(vaddr)?;
                depth += 1;
            }
            env.frame_maps_below(result, vaddr)
        },
    }

    #[cfg(target_pointer_width = "64")]
    page_table_with_one_structure {
        expected: by_arch!(
            x86_64 = Outcome::Lookup(30),
            other = Outcome::Seen(Effect::FrameMapsBelow),
        ),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:1229 decodeX86PageTableInvocation -> lookupPDSlot: the PDPT entry is no page directory",
            aarch64 = "arm/64/kernel/vspace.c decodeARMPageTableInvocation: in the level-1 table",
            riscv64 = "riscv/kernel/vspace.c decodeRISCVPageTableInvocation: in the level-1 table",
        ),
        run: |env| {
            let vaddr = env.region(1)?;
            let table = env.make_table(DEPTH - 1)?;
            let result = outcome(table.map_into(VSPACE.cap(), vaddr));
            // Below it, the page tables of the levels still missing (none on riscv64).
            let mut depth = 2;
            while result == Outcome::Ok && depth < DEPTH {
                env.map_page_table(vaddr)?;
                depth += 1;
            }
            env.frame_maps_below(result, vaddr)
        },
    }

    #[cfg(target_arch = "x86_64")]
    page_directory_without_pdpt_fails_at_level_39 {
        expected: Outcome::Lookup(39),
        kernel: "x86/64/kernel/vspace.c:1222 decodeX64PageDirectoryInvocation -> lookupPDPTSlot",
        run: |env| {
            let vaddr = env.region(0)?;
            let table = env.make_table(1)?;
            Ok(outcome(table.map_into(VSPACE.cap(), vaddr)))
        },
    }

    /// With one page table type, a table mapped below an empty VSpace entry is the level-1 table:
    /// the frame then misses the next level.
    #[cfg(any(target_arch = "aarch64", target_arch = "riscv64"))]
    page_table_lands_at_the_first_missing_level {
        expected: Outcome::Lookup(LEVELS[1]),
        kernel: by_arch!(
            aarch64 = "arm/64/kernel/vspace.c:1593 decodeARMFrameInvocation -> lookupPTSlot: the table went to level 1 (decodeARMPageTableInvocation maps at the slot the walk stops at), level 2 is missing",
            riscv64 = "riscv/kernel/vspace.c:860 decodeRISCVFrameInvocation -> lookupPTSlot: the table went to level 1 (decodeRISCVPageTableInvocation maps at the slot the walk stops at), level 0 is missing",
        ),
        run: |env| {
            let vaddr = env.region(0)?;
            env.map_page_table(vaddr)?;
            Ok(outcome(map_frame(env.frame()?, vaddr, rw())))
        },
    }

    /// As many page tables as there are levels, mapped one after another at one address, fill
    /// the way down: the frame maps.
    #[cfg(not(target_arch = "x86_64"))]
    page_tables_fill_the_way_down_from_the_vspace {
        expected: Outcome::Seen(Effect::ReadsAndWrites),
        kernel: by_arch!(
            arm = "arm/*/kernel/vspace.c decodeARMPageTableInvocation: lookupPTSlot's slot",
            riscv = "riscv/kernel/vspace.c decodeRISCVPageTableInvocation: lookupPTSlot's slot",
        ),
        run: |env| {
            let vaddr = env.region(0)?;
            for _ in 0..DEPTH {
                env.map_page_table(vaddr)?;
            }
            let result = outcome(map_frame(env.frame()?, vaddr, rw()));
            env.mapped_read_write(result, vaddr)
        },
    }

    /// Every structure there: another page table has no place to go.
    page_table_where_one_is_mapped_is_delete_first {
        expected: Outcome::Err(sel4::Error::DeleteFirst),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:1236 decodeX86PageTableInvocation: a table in the PD entry",
            aarch64 = "arm/64/kernel/vspace.c:1488 decodeARMPageTableInvocation: ptBitsLeft is 12",
            aarch32 = "arm/32/kernel/vspace.c:2207 decodeARMPageTableInvocation: the PD entry is in use",
            riscv = "riscv/kernel/vspace.c:770 decodeRISCVPageTableInvocation: ptBitsLeft is 12",
        ),
        run: |env| {
            let vaddr = env.page_region()?;
            let table = env.make_table(DEPTH - 1)?;
            Ok(outcome(table.map_into(VSPACE.cap(), vaddr)))
        },
    }

    /// aarch32's 64 KiB page goes in 16 entries of a page table: with none there, the lookup
    /// fails at the page directory.
    #[cfg(target_arch = "arm")]
    large_64k_page_with_no_page_table_fails_at_level_20 {
        expected: Outcome::Lookup(20),
        kernel: "arm/32/kernel/vspace.c:1624 createSafeMappingEntries_PTE -> lookupPTSlot: the PD entry is no page table",
        run: |env| {
            let vaddr = env.region(0)?;
            Ok(outcome(map_frame(env.alloc::<sel4::cap_type::LargePage>()?, vaddr, rw())))
        },
    }
}
