// SPDX-License-Identifier: BSD-2-Clause

//! The VSpace argument: it must be a VSpace root with an ASID, and for a frame that is already
//! mapped, the one it is mapped in.

use sel4::init_thread::slot::CNODE;

use crate::arch::{DEPTH, LEVELS, VSpaceType};
use crate::case::{by_arch, cases};
use crate::env::rw;
use crate::outcome::{Effect, Outcome, outcome};

cases! {
    frame_into_a_cnode_is_invalid_capability {
        expected: Outcome::InvalidCapability(1),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:969 decodeX86FrameInvocation -> isValidNativeRoot",
            aarch64 = "arm/64/kernel/vspace.c:1536 decodeARMFrameInvocation -> isValidNativeRoot",
            aarch32 = "arm/32/kernel/vspace.c:2264 decodeARMFrameInvocation: not a page directory",
            riscv = "riscv/kernel/vspace.c:820 decodeRISCVFrameInvocation: not a page table",
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
            x86_64 = "x86/64/kernel/vspace.c:1350 decodeX64PDPTInvocation -> isValidNativeRoot",
            aarch64 = "arm/64/kernel/vspace.c:1458 decodeARMPageTableInvocation -> isValidNativeRoot",
            aarch32 = "arm/32/kernel/vspace.c:2162 decodeARMPageTableInvocation: not a page directory",
            riscv = "riscv/kernel/vspace.c:730 decodeRISCVPageTableInvocation: not a page table",
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
            x86_64 = "x86/64/kernel/vspace.c:1350 decodeX64PDPTInvocation -> isValidNativeRoot: capPML4IsMapped is false",
            aarch64 = "arm/64/kernel/vspace.c:1458 decodeARMPageTableInvocation -> isValidNativeRoot: capVSIsMapped is false",
            aarch32 = "arm/32/kernel/vspace.c:2162 decodeARMPageTableInvocation: capPDIsMapped is false",
            riscv = "riscv/kernel/vspace.c:730 decodeRISCVPageTableInvocation: capPTIsMapped is false",
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
            x86_64 = "x86/kernel/vspace.c:969 decodeX86FrameInvocation -> isValidNativeRoot: capPML4IsMapped is false",
            aarch64 = "arm/64/kernel/vspace.c:1536 decodeARMFrameInvocation -> isValidNativeRoot: capVSIsMapped is false",
            aarch32 = "arm/32/kernel/vspace.c:2264 decodeARMFrameInvocation: capPDIsMapped is false",
            riscv = "riscv/kernel/vspace.c:820 decodeRISCVFrameInvocation: capPTIsMapped is false",
        ),
        run: |env| {
            let vaddr = env.region(0)?;
            let vspace = env.alloc::<VSpaceType>()?.cast();
            Ok(outcome(env.frame()?.frame_map(vspace, vaddr, rw(), Default::default())))
        },
    }

    top_structure_into_a_second_vspace_maps {
        expected: Outcome::Seen(Effect::FrameMapsBelowInTheSecondVSpace),
        kernel: by_arch!(
            x86_64 = "x86/64/kernel/vspace.c decodeX64PDPTInvocation: every check passes",
            aarch64 = "arm/64/kernel/vspace.c decodeARMPageTableInvocation: every check passes",
            aarch32 = "arm/32/kernel/vspace.c decodeARMPageTableInvocation: every check passes",
            riscv = "riscv/kernel/vspace.c decodeRISCVPageTableInvocation: every check passes",
        ),
        run: |env| {
            let vaddr = env.region(0)?;
            let second = env.second_vspace()?;
            let result = outcome(env.make_table(0)?.map_into(second, vaddr));
            env.then(result, Effect::FrameMapsBelowInTheSecondVSpace, |env| {
                env.frame_maps_in(second, vaddr, 1..DEPTH)
            })
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
            x86_64 = "x86/kernel/vspace.c:980 decodeX86FrameInvocation: capFMappedASID != asid",
            aarch64 = "arm/64/kernel/vspace.c:1567 decodeARMFrameInvocation: capFMappedASID != asid",
            aarch32 = "arm/32/kernel/vspace.c:2278 decodeARMFrameInvocation: capFMappedASID != asid",
            riscv = "riscv/kernel/vspace.c:860 decodeRISCVFrameInvocation: lookupPTSlot comes first",
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
            x86_64 = "x86/kernel/vspace.c:969 decodeX86FrameInvocation -> isValidNativeRoot: not a PML4",
            aarch64 = "arm/64/kernel/vspace.c:1536 decodeARMFrameInvocation -> isValidNativeRoot: not a VSpace",
            aarch32 = "arm/32/kernel/vspace.c:2264 decodeARMFrameInvocation: not a page directory",
            riscv = "riscv/kernel/vspace.c:839 decodeRISCVFrameInvocation: not its ASID's root",
        ),
        run: |env| {
            let vaddr = env.page_region()?;
            let region = env.region(DEPTH - 1)?;
            let table = env.map_page_table(region)?;
            Ok(outcome(env.frame()?.frame_map(table.cast(), vaddr, rw(), Default::default())))
        },
    }

    /// A page table's VSpace must be one too (on x86_64 the page table's own decoder asks).
    page_table_into_a_cnode_is_invalid_capability {
        expected: Outcome::InvalidCapability(1),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:1191 decodeX86PageTableInvocation -> isValidNativeRoot",
            aarch64 = "arm/64/kernel/vspace.c:1458 decodeARMPageTableInvocation -> isValidNativeRoot",
            aarch32 = "arm/32/kernel/vspace.c:2162 decodeARMPageTableInvocation: not a page directory",
            riscv = "riscv/kernel/vspace.c:730 decodeRISCVPageTableInvocation: not a page table",
        ),
        run: |env| {
            let vaddr = env.region(DEPTH - 1)?;
            let not_a_vspace = CNODE.cap().cast::<sel4::cap_type::VSpace>();
            Ok(outcome(env.make_table(DEPTH - 1)?.map_into(not_a_vspace, vaddr)))
        },
    }

    #[cfg(target_arch = "x86_64")]
    page_directory_into_a_cnode_is_invalid_capability {
        expected: Outcome::InvalidCapability(1),
        kernel: "x86/64/kernel/vspace.c:1186 decodeX64PageDirectoryInvocation -> isValidNativeRoot",
        run: |env| {
            let vaddr = env.region(1)?;
            let not_a_vspace = CNODE.cap().cast::<sel4::cap_type::VSpace>();
            Ok(outcome(env.make_table(1)?.map_into(not_a_vspace, vaddr)))
        },
    }

    /// With the structures in the second VSpace too, RISC-V finds the address and then the
    /// capability's mapping, in this VSpace: every kernel refuses the VSpace (capability 1).
    frame_mapped_here_into_a_second_vspace_with_its_tables {
        expected: Outcome::InvalidCapability(1),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:980 decodeX86FrameInvocation: capFMappedASID != asid",
            aarch64 = "arm/64/kernel/vspace.c:1567 decodeARMFrameInvocation: capFMappedASID != asid",
            aarch32 = "arm/32/kernel/vspace.c:2278 decodeARMFrameInvocation: capFMappedASID != asid",
            riscv = "riscv/kernel/vspace.c:870 decodeRISCVFrameInvocation: capFMappedASID != asid",
        ),
        run: |env| {
            let vaddr = env.page_region()?;
            let frame = env.mapped_frame_at(vaddr, rw())?;
            let second = env.second_vspace()?;
            let elsewhere = env.region(0)?;
            for depth in 0..DEPTH {
                env.make_table(depth)?
                    .map_into(second, elsewhere)
                    .map_err(|_| mapping_tutorial::Failure::new("prepare: map a table into the second VSpace"))?;
            }
            Ok(outcome(frame.frame_map(second, elsewhere, rw(), Default::default())))
        },
    }
}
