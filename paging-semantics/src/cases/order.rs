// SPDX-License-Identifier: BSD-2-Clause

//! Which check comes first: one frame map that breaks two rules at once gets the error of the
//! check its kernel makes first, and the kernels do not make them in one order. Each kernel's
//! decode function for a frame map, in order (line numbers at the pinned commit):
//! - x86_64, x86/kernel/vspace.c decodeX86FrameInvocation: the VSpace cap; a mapped frame's
//!   ASID and address (994); the user range (1005); the ASID's VSpace; alignment (1035); then the
//!   structures (decodeX86ModeMapPage).
//! - aarch64, arm/64/kernel/vspace.c decodeARMFrameInvocation: the VSpace cap; the ASID's VSpace;
//!   alignment (1558); a mapped frame's ASID and address (1573), or the user range (1580); the
//!   structures (lookupPTSlot, 1592).
//! - aarch32, arm/32/kernel/vspace.c decodeARMFrameInvocation: the page directory cap; a mapped
//!   frame's ASID and address (2285), or the user range (2295); the ASID's page directory;
//!   alignment (2332); the structures.
//! - RISC-V, riscv/kernel/vspace.c decodeRISCVFrameInvocation: the VSpace cap; the ASID's VSpace;
//!   the user range (848); alignment (853); the structures (lookupPTSlot, 859); a mapped frame's
//!   ASID and address (877).

use sel4::Error::AlignmentError;

use crate::arch::{LEVELS, PAGE, USER_TOP_PAGE};
use crate::case::{by_arch, cases};
use crate::env::{map_frame, rw};
use crate::outcome::{Outcome, outcome};

/// A misalignment inside the page.
const OFF: usize = 8;

cases! {
    /// The user range before alignment, except on aarch64.
    misaligned_frame_above_the_user_range {
        expected: by_arch!(
            aarch64 = Outcome::Err(AlignmentError),
            other = Outcome::InvalidArgument(0),
        ),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:1005 decodeX86FrameInvocation: USER_TOP (1005) before checkVPAlignment (1035)",
            aarch64 = "arm/64/kernel/vspace.c:1558 decodeARMFrameInvocation: checkVPAlignment (1558) before USER_TOP (1580)",
            aarch32 = "arm/32/kernel/vspace.c:2295 decodeARMFrameInvocation: USER_TOP (2295) before checkVPAlignment (2332)",
            riscv = "riscv/kernel/vspace.c:848 decodeRISCVFrameInvocation: USER_TOP (848) before checkVPAlignment (853)",
        ),
        run: |env| {
            Ok(outcome(map_frame(env.frame()?, USER_TOP_PAGE + OFF, rw())))
        },
    }

    /// A mapped frame's capability at a second, misaligned address: the one-mapping rule first
    /// on x86_64 and aarch32, alignment first on aarch64 and RISC-V.
    mapped_frame_cap_at_another_misaligned_address {
        expected: by_arch!(
            x86_64 = Outcome::InvalidArgument(0),
            aarch32 = Outcome::InvalidArgument(0),
            other = Outcome::Err(AlignmentError),
        ),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:994 decodeX86FrameInvocation: capFMappedAddress (994) before checkVPAlignment (1035)",
            aarch64 = "arm/64/kernel/vspace.c:1558 decodeARMFrameInvocation: checkVPAlignment (1558) before capFMappedAddress (1573)",
            aarch32 = "arm/32/kernel/vspace.c:2285 decodeARMFrameInvocation: capFMappedAddress (2285) before checkVPAlignment (2332)",
            riscv = "riscv/kernel/vspace.c:853 decodeRISCVFrameInvocation: checkVPAlignment (853) before the mapped address (877)",
        ),
        run: |env| {
            let vaddr = env.page_region()?;
            let frame = env.mapped_frame_at(vaddr, rw())?;
            Ok(outcome(map_frame(frame, vaddr + PAGE + OFF, rw())))
        },
    }

    /// A mapped frame's capability at a second address where no structure is: the one-mapping
    /// rule first, except on RISC-V, which looks the address up first.
    mapped_frame_cap_at_another_address_without_structures {
        expected: by_arch!(
            riscv = Outcome::Lookup(LEVELS[0]),
            other = Outcome::InvalidArgument(0),
        ),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:994 decodeX86FrameInvocation: capFMappedAddress (994) before decodeX86ModeMapPage",
            aarch64 = "arm/64/kernel/vspace.c:1573 decodeARMFrameInvocation: capFMappedAddress (1573) before lookupPTSlot (1592)",
            aarch32 = "arm/32/kernel/vspace.c:2285 decodeARMFrameInvocation: capFMappedAddress (2285) before createSafeMappingEntries_PTE",
            riscv = "riscv/kernel/vspace.c:860 decodeRISCVFrameInvocation: lookupPTSlot (859) before the mapped address (877)",
        ),
        run: |env| {
            let vaddr = env.page_region()?;
            let frame = env.mapped_frame_at(vaddr, rw())?;
            let nowhere = env.region(0)?;
            Ok(outcome(map_frame(frame, nowhere, rw())))
        },
    }

    /// A misaligned address where no structure is: alignment first on every kernel.
    misaligned_frame_where_no_structure_is {
        expected: Outcome::Err(AlignmentError),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:1035 decodeX86FrameInvocation: checkVPAlignment (1035) before decodeX86ModeMapPage",
            aarch64 = "arm/64/kernel/vspace.c:1558 decodeARMFrameInvocation: checkVPAlignment (1558) before lookupPTSlot (1592)",
            aarch32 = "arm/32/kernel/vspace.c:2332 decodeARMFrameInvocation: checkVPAlignment (2332) before createSafeMappingEntries_PTE",
            riscv = "riscv/kernel/vspace.c:853 decodeRISCVFrameInvocation: checkVPAlignment (853) before lookupPTSlot (859)",
        ),
        run: |env| {
            let nowhere = env.region(0)?;
            Ok(outcome(map_frame(env.frame()?, nowhere + OFF, rw())))
        },
    }
}
