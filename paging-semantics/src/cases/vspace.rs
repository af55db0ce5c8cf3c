// SPDX-License-Identifier: BSD-2-Clause

//! The VSpace argument: it must be a VSpace root with an ASID, and for a frame that is already
//! mapped, the one it is mapped in.

use sel4::init_thread::slot::CNODE;

use crate::arch::{DEPTH, LEVELS, VSpaceType};
use crate::case::{by_arch, cases};
use crate::env::rw;
use crate::outcome::{Outcome, outcome};

cases! {
    frame_into_a_cnode_is_invalid_capability {
        expected: Outcome::InvalidCapability(1),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c decodeX86FrameInvocation -> isValidNativeRoot",
            aarch64 = "arm/64/kernel/vspace.c decodeARMFrameInvocation -> isValidNativeRoot",
            aarch32 = "arm/32/kernel/vspace.c decodeARMFrameInvocation: not a page directory",
            riscv = "riscv/kernel/vspace.c decodeRISCVFrameInvocation: not a page table",
        ),
        run: |env| {
            let vaddr = env.region(0)?;
            let not_a_vspace = CNODE.cap().cast::<sel4::cap_type::VSpace>();
            Ok(outcome(env.frame()?.frame_map(not_a_vspace, vaddr, rw(), Default::default())))
        },
    }

    top_structure_into_a_cnode_is_invalid_capability {
        expected: Outcome::InvalidCapability(1),
        kernel: by_arch!(
            x86_64 = "x86/64/kernel/vspace.c decodeX64PDPTInvocation -> isValidNativeRoot",
            aarch64 = "arm/64/kernel/vspace.c decodeARMPageTableInvocation -> isValidNativeRoot",
            aarch32 = "arm/32/kernel/vspace.c decodeARMPageTableInvocation: not a page directory",
            riscv = "riscv/kernel/vspace.c decodeRISCVPageTableInvocation: not a page table",
        ),
        run: |env| {
            let vaddr = env.region(0)?;
            let not_a_vspace = CNODE.cap().cast::<sel4::cap_type::VSpace>();
            Ok(outcome(env.make_table(0)?.map_into(not_a_vspace, vaddr)))
        },
    }

    /// A VSpace object is no VSpace until an ASID pool assigns it an ASID.
    top_structure_into_a_vspace_without_asid_is_invalid_capability {
        expected: Outcome::InvalidCapability(1),
        kernel: by_arch!(
            x86_64 = "x86/64/kernel/vspace.c isValidNativeRoot: capPML4IsMapped is false",
            aarch64 = "arm/64/kernel/vspace.c isValidNativeRoot: capVSIsMapped is false",
            aarch32 = "arm/32/kernel/vspace.c decodeARMPageTableInvocation: capPDIsMapped is false",
            riscv = "riscv/kernel/vspace.c decodeRISCVPageTableInvocation: capPTIsMapped is false",
        ),
        run: |env| {
            let vaddr = env.region(0)?;
            let vspace = env.alloc::<VSpaceType>()?.cast();
            Ok(outcome(env.make_table(0)?.map_into(vspace, vaddr)))
        },
    }

    frame_into_a_vspace_without_asid_is_invalid_capability {
        expected: Outcome::InvalidCapability(1),
        kernel: by_arch!(
            x86_64 = "x86/64/kernel/vspace.c isValidNativeRoot: capPML4IsMapped is false",
            aarch64 = "arm/64/kernel/vspace.c isValidNativeRoot: capVSIsMapped is false",
            aarch32 = "arm/32/kernel/vspace.c decodeARMFrameInvocation: capPDIsMapped is false",
            riscv = "riscv/kernel/vspace.c decodeRISCVFrameInvocation: capPTIsMapped is false",
        ),
        run: |env| {
            let vaddr = env.region(0)?;
            let vspace = env.alloc::<VSpaceType>()?.cast();
            Ok(outcome(env.frame()?.frame_map(vspace, vaddr, rw(), Default::default())))
        },
    }

    top_structure_into_a_second_vspace_maps {
        expected: Outcome::Ok,
        kernel: by_arch!(
            x86_64 = "x86/64/kernel/vspace.c decodeX64PDPTInvocation: every check passes",
            aarch64 = "arm/64/kernel/vspace.c decodeARMPageTableInvocation: every check passes",
            aarch32 = "arm/32/kernel/vspace.c decodeARMPageTableInvocation: every check passes",
            riscv = "riscv/kernel/vspace.c decodeRISCVPageTableInvocation: every check passes",
        ),
        run: |env| {
            let vaddr = env.region(0)?;
            let second = env.second_vspace()?;
            Ok(outcome(env.make_table(0)?.map_into(second, vaddr)))
        },
    }

    /// A mapped frame capability belongs to its VSpace. RISC-V looks up the address in the other
    /// VSpace before it looks at the capability's mapping, and finds nothing there.
    frame_mapped_here_into_a_second_vspace {
        expected: by_arch!(
            riscv = Outcome::Lookup(LEVELS[0]),
            other = Outcome::InvalidCapability(1),
        ),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c decodeX86FrameInvocation: capFMappedASID != asid",
            aarch64 = "arm/64/kernel/vspace.c decodeARMFrameInvocation: capFMappedASID != asid",
            aarch32 = "arm/32/kernel/vspace.c decodeARMFrameInvocation: capFMappedASID != asid",
            riscv = "riscv/kernel/vspace.c decodeRISCVFrameInvocation: lookupPTSlot comes first",
        ),
        run: |env| {
            let vaddr = env.page_region()?;
            let frame = env.mapped_frame_at(vaddr, rw())?;
            let second = env.second_vspace()?;
            Ok(outcome(frame.frame_map(second, vaddr, rw(), Default::default())))
        },
    }

    /// A page table is not a VSpace, even on RISC-V where a VSpace is a page table: there its
    /// ASID's root is another one.
    page_table_as_the_vspace_is_invalid_capability {
        expected: Outcome::InvalidCapability(1),
        kernel: by_arch!(
            x86_64 = "x86/64/kernel/vspace.c isValidNativeRoot: not a PML4",
            aarch64 = "arm/64/kernel/vspace.c isValidNativeRoot: not a VSpace",
            aarch32 = "arm/32/kernel/vspace.c decodeARMFrameInvocation: not a page directory",
            riscv = "riscv/kernel/vspace.c decodeRISCVFrameInvocation: not its ASID's root",
        ),
        run: |env| {
            let vaddr = env.page_region()?;
            let region = env.region(DEPTH - 1)?;
            let table = env.map_page_table(region)?;
            Ok(outcome(env.frame()?.frame_map(table.cast(), vaddr, rw(), Default::default())))
        },
    }
}
