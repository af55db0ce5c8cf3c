// SPDX-License-Identifier: BSD-2-Clause

//! Addresses: unaligned ones (frames are refused, paging structures are masked), and the top of
//! the user range: `seL4_UserVSpaceTop`, the highest user address on every architecture (the
//! deprecated `seL4_UserTop` drew it differently on each: [`crate::arch::USER_VSPACE_TOP`]).

use mapping_tutorial::Context;
use sel4::Error::AlignmentError;
use sel4::init_thread::slot::VSPACE;

use crate::arch::{DEPTH, HIGHEST_PAGE, PAGE, USER_TOP_PAGE};
use crate::case::{by_arch, cases};
use crate::env::{map_frame, rw};
use crate::outcome::{Effect, Outcome, outcome};

/// The last page of the address space, far into the kernel's part on every architecture.
const LAST_PAGE: usize = 0usize.wrapping_sub(PAGE);

cases! {
    frame_at_unaligned_address_is_alignment_error {
        expected: Outcome::Err(AlignmentError),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:1035 decodeX86FrameInvocation -> checkVPAlignment",
            aarch64 = "arm/64/kernel/vspace.c:1558 decodeARMFrameInvocation -> checkVPAlignment",
            aarch32 = "arm/32/kernel/vspace.c:2332 decodeARMFrameInvocation -> checkVPAlignment",
            riscv = "riscv/kernel/vspace.c:853 decodeRISCVFrameInvocation -> checkVPAlignment",
        ),
        run: |env| {
            let vaddr = env.page_region()?;
            Ok(outcome(map_frame(env.frame()?, vaddr + 0x123, rw())))
        },
    }

    /// The tutorial's own example: "a 4KiB page mapped at 0xDEADBEEF will end up mapped at
    /// 0xDEADB000". No kernel masks it; the 32-bit ones find it above their user range first.
    frame_at_0xdeadbeef_is_not_masked {
        expected: by_arch!(
            aarch32 = Outcome::InvalidArgument(0),
            riscv32 = Outcome::InvalidArgument(0),
            other = Outcome::Err(AlignmentError),
        ),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:1035 decodeX86FrameInvocation: checkVPAlignment first",
            aarch64 = "arm/64/kernel/vspace.c:1558 decodeARMFrameInvocation: checkVPAlignment first",
            aarch32 = "arm/32/kernel/vspace.c:2295 decodeARMFrameInvocation: vtop >= 0xa0000000",
            riscv64 = "riscv/kernel/vspace.c:853 decodeRISCVFrameInvocation: checkVPAlignment first",
            riscv32 = "riscv/kernel/vspace.c:848 decodeRISCVFrameInvocation: vtop >= 0x80000000",
        ),
        run: |env| {
            Ok(outcome(map_frame(env.frame()?, 0xdead_beef, rw())))
        },
    }

    big_page_at_a_page_aligned_address_is_alignment_error {
        expected: Outcome::Err(AlignmentError),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:1035 decodeX86FrameInvocation -> checkVPAlignment (2 MiB)",
            aarch64 = "arm/64/kernel/vspace.c:1558 decodeARMFrameInvocation -> checkVPAlignment (2 MiB)",
            aarch32 = "arm/32/kernel/vspace.c:2332 decodeARMFrameInvocation -> checkVPAlignment (1 MiB)",
            riscv = "riscv/kernel/vspace.c:853 decodeRISCVFrameInvocation -> checkVPAlignment",
        ),
        run: |env| {
            let vaddr = env.region(DEPTH - 1)?;
            Ok(outcome(map_frame(env.big_page()?, vaddr + PAGE, rw())))
        },
    }

    /// The table covers the start of its span whatever the address: a frame there maps.
    page_table_at_unaligned_address_is_masked {
        expected: Outcome::Seen(Effect::FrameMapsBelow),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c decodeX86PageTableInvocation: vaddr & ~MASK(21)",
            aarch64 = "arm/64/kernel/vspace.c decodeARMPageTableInvocation: no alignment check",
            aarch32 = "arm/32/kernel/vspace.c decodeARMPageTableInvocation: no alignment check",
            riscv = "riscv/kernel/vspace.c decodeRISCVPageTableInvocation: no alignment check",
        ),
        run: |env| {
            let vaddr = env.region(DEPTH - 1)?;
            let table = env.make_table(DEPTH - 1)?;
            let result = outcome(table.map_into(VSPACE.cap(), vaddr + 0x1_2345));
            env.frame_maps_below(result, vaddr)
        },
    }

    /// The same for the structure right below the VSpace, at an address halfway into its span.
    #[cfg(target_pointer_width = "64")]
    top_structure_at_unaligned_address_is_masked {
        expected: Outcome::Seen(Effect::FrameMapsBelow),
        kernel: by_arch!(
            x86_64 = "x86/64/kernel/vspace.c decodeX64PDPTInvocation: vaddr & ~MASK(39)",
            aarch64 = "arm/64/kernel/vspace.c decodeARMPageTableInvocation: no alignment check",
            riscv64 = "riscv/kernel/vspace.c decodeRISCVPageTableInvocation: no alignment check",
        ),
        run: |env| {
            let vaddr = env.region(0)?;
            let table = env.make_table(0)?;
            let halfway = vaddr + crate::arch::span(0) / 2 + 0x123;
            let result = outcome(table.map_into(VSPACE.cap(), halfway));
            if result == Outcome::Ok {
                env.map_tables(vaddr, 1..DEPTH)?;
            }
            env.frame_maps_below(result, vaddr)
        },
    }

    #[cfg(target_arch = "x86_64")]
    page_directory_at_unaligned_address_is_masked {
        expected: Outcome::Seen(Effect::FrameMapsBelow),
        kernel: "x86/64/kernel/vspace.c decodeX64PageDirectoryInvocation: vaddr & ~MASK(30)",
        run: |env| {
            let vaddr = env.region(1)?;
            let page_directory = env.make_table(1)?;
            let result = outcome(page_directory.map_into(VSPACE.cap(), vaddr + 0x1234_5678));
            if result == Outcome::Ok {
                env.map_table(vaddr, 2)?;
            }
            env.frame_maps_below(result, vaddr)
        },
    }

    /// The page just past `seL4_UserVSpaceTop`.
    frame_at_user_top_is_invalid_argument {
        expected: Outcome::InvalidArgument(0),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:1005 decodeX86FrameInvocation: vaddr + 4096 > 0x7fffffffffff",
            aarch64 = "arm/64/kernel/vspace.c:1580 decodeARMFrameInvocation: vaddr + 4095 > USER_TOP",
            aarch32 = "arm/32/kernel/vspace.c:2295 decodeARMFrameInvocation: vaddr + 4095 >= USER_TOP",
            riscv = "riscv/kernel/vspace.c:848 decodeRISCVFrameInvocation: vaddr + 4095 >= USER_TOP",
        ),
        run: |env| {
            Ok(outcome(map_frame(env.frame()?, USER_TOP_PAGE, rw())))
        },
    }

    frame_at_the_last_page_of_the_address_space_is_invalid_argument {
        expected: Outcome::InvalidArgument(0),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:1005 decodeX86FrameInvocation: vaddr > USER_TOP",
            aarch64 = "arm/64/kernel/vspace.c:1580 decodeARMFrameInvocation: last byte > USER_TOP",
            aarch32 = "arm/32/kernel/vspace.c:2295 decodeARMFrameInvocation: vtop >= USER_TOP",
            riscv = "riscv/kernel/vspace.c:848 decodeRISCVFrameInvocation: last byte >= USER_TOP",
        ),
        run: |env| {
            Ok(outcome(map_frame(env.frame()?, LAST_PAGE, rw())))
        },
    }

    /// x86_64's kernel checks a structure's address against its own limit, a page above libsel4's
    /// `seL4_UserVSpaceTop`: a PDPT at the page past it maps. (In the second VSpace, whose top entries are free: this
    /// VSpace's serve the highest page below.)
    top_structure_at_user_top {
        expected: by_arch!(
            x86_64 = Outcome::Seen(Effect::FrameMapsBelowInTheSecondVSpace),
            other = Outcome::InvalidArgument(0),
        ),
        kernel: by_arch!(
            x86_64 = "x86/64/kernel/vspace.c decodeX64PDPTInvocation: vaddr <= 0x7fffffffffff",
            aarch64 = "arm/64/kernel/vspace.c:1467 decodeARMPageTableInvocation: vaddr > USER_TOP",
            aarch32 = "arm/32/kernel/vspace.c:2174 decodeARMPageTableInvocation: vaddr >= USER_TOP",
            riscv = "riscv/kernel/vspace.c:742 decodeRISCVPageTableInvocation: vaddr >= USER_TOP",
        ),
        run: |env| {
            let second = env.second_vspace()?;
            let result = outcome(env.make_table(0)?.map_into(second, USER_TOP_PAGE));
            // The frame can only go a page below, on the highest page.
            env.then(result, Effect::FrameMapsBelowInTheSecondVSpace, |env| {
                env.frame_maps_in(second, HIGHEST_PAGE, 1..DEPTH)
            })
        },
    }

    top_structure_at_the_last_page_of_the_address_space_is_invalid_argument {
        expected: Outcome::InvalidArgument(0),
        kernel: by_arch!(
            x86_64 = "x86/64/kernel/vspace.c:1360 decodeX64PDPTInvocation: vaddr > USER_TOP",
            aarch64 = "arm/64/kernel/vspace.c:1467 decodeARMPageTableInvocation: vaddr > USER_TOP",
            aarch32 = "arm/32/kernel/vspace.c:2174 decodeARMPageTableInvocation: vaddr >= USER_TOP",
            riscv = "riscv/kernel/vspace.c:742 decodeRISCVPageTableInvocation: vaddr >= USER_TOP",
        ),
        run: |env| {
            let table = env.make_table(0)?;
            Ok(outcome(table.map_into(VSPACE.cap(), LAST_PAGE)))
        },
    }

    /// The structures reach the page that holds `seL4_UserVSpaceTop`, and a frame maps there.
    frame_at_the_highest_user_page_maps {
        expected: Outcome::Seen(Effect::ReadsAndWrites),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c decodeX86FrameInvocation: vaddr + 4096 <= USER_TOP",
            aarch64 = "arm/64/kernel/vspace.c decodeARMFrameInvocation: vaddr + 4095 == USER_TOP",
            aarch32 = "arm/32/kernel/vspace.c decodeARMFrameInvocation: vaddr + 4095 < USER_TOP",
            riscv = "riscv/kernel/vspace.c decodeRISCVFrameInvocation: vaddr + 4095 < USER_TOP",
        ),
        run: |env| {
            env.map_tables(HIGHEST_PAGE, 0..DEPTH)?;
            map_frame(env.frame()?, HIGHEST_PAGE - PAGE, rw())
                .context("prepare: map the frame below the highest page")?;
            let result = outcome(map_frame(env.frame()?, HIGHEST_PAGE, rw()));
            env.mapped_read_write(result, HIGHEST_PAGE)
        },
    }

    /// Every structure's decoder checks its address against the user range too.
    page_table_at_the_last_page_of_the_address_space_is_invalid_argument {
        expected: Outcome::InvalidArgument(0),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:1201 decodeX86PageTableInvocation: vaddr > USER_TOP",
            aarch64 = "arm/64/kernel/vspace.c:1467 decodeARMPageTableInvocation: vaddr > USER_TOP",
            aarch32 = "arm/32/kernel/vspace.c:2174 decodeARMPageTableInvocation: vaddr >= USER_TOP",
            riscv = "riscv/kernel/vspace.c:742 decodeRISCVPageTableInvocation: vaddr >= USER_TOP",
        ),
        run: |env| {
            let table = env.make_table(DEPTH - 1)?;
            Ok(outcome(table.map_into(VSPACE.cap(), LAST_PAGE)))
        },
    }

    #[cfg(target_arch = "x86_64")]
    page_directory_at_the_last_page_of_the_address_space_is_invalid_argument {
        expected: Outcome::InvalidArgument(0),
        kernel: "x86/64/kernel/vspace.c:1196 decodeX64PageDirectoryInvocation: vaddr > USER_TOP",
        run: |env| {
            let directory = env.make_table(1)?;
            Ok(outcome(directory.map_into(VSPACE.cap(), LAST_PAGE)))
        },
    }
}
