// SPDX-License-Identifier: BSD-2-Clause

//! Invocations on the wrong kind of object: the kernel picks the decoder by the capability's
//! type, and that decoder refuses a method that is not its own.

use sel4::Error::IllegalOperation;
use sel4::cap_type::Granule;
use sel4::init_thread::slot::{CNODE, VSPACE};

use crate::arch::{PageTableType, Table};
use crate::case::{by_arch, cases};
use crate::env::rw;
use crate::outcome::{Outcome, outcome};

cases! {
    page_table_map_on_a_frame_cap_is_illegal_operation {
        expected: Outcome::Err(IllegalOperation),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:1106 decodeX86FrameInvocation: default case",
            aarch64 = "arm/64/kernel/vspace.c:1701 decodeARMFrameInvocation: default case",
            aarch32 = "arm/32/kernel/vspace.c:2509 decodeARMFrameInvocation: default case",
            riscv = "riscv/kernel/vspace.c:924 decodeRISCVFrameInvocation: default case",
        ),
        run: |env| {
            let vaddr = env.page_region()?;
            let frame = env.frame()?;
            Ok(outcome(Table::PageTable(frame.cast()).map_into(VSPACE.cap(), vaddr)))
        },
    }

    frame_map_on_a_page_table_cap_is_illegal_operation {
        expected: Outcome::Err(IllegalOperation),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:1166 decodeX86PageTableInvocation: not its method",
            aarch64 = "arm/64/kernel/vspace.c:1439 decodeARMPageTableInvocation: not its method",
            aarch32 = "arm/32/kernel/vspace.c:2135 decodeARMPageTableInvocation: not its method",
            riscv = "riscv/kernel/vspace.c:709 decodeRISCVPageTableInvocation: not its method",
        ),
        run: |env| {
            let vaddr = env.page_region()?;
            let table = env.alloc::<PageTableType>()?;
            let not_a_frame = table.cast::<Granule>();
            Ok(outcome(not_a_frame.frame_map(VSPACE.cap(), vaddr, rw(), Default::default())))
        },
    }

    frame_map_on_an_untyped_cap_is_illegal_operation {
        expected: Outcome::Err(IllegalOperation),
        kernel: "object/untyped.c:44 decodeUntypedInvocation: not UntypedRetype",
        run: |env| {
            let vaddr = env.page_region()?;
            let untyped = env.untyped().cast::<Granule>();
            Ok(outcome(untyped.frame_map(VSPACE.cap(), vaddr, rw(), Default::default())))
        },
    }

    frame_map_on_a_cnode_cap_is_illegal_operation {
        expected: Outcome::Err(IllegalOperation),
        kernel: "object/cnode.c:53 decodeCNodeInvocation: not a CNode method",
        run: |env| {
            let vaddr = env.page_region()?;
            let cnode = CNODE.cap().cast::<Granule>();
            Ok(outcome(cnode.frame_map(VSPACE.cap(), vaddr, rw(), Default::default())))
        },
    }

    frame_map_on_the_vspace_cap_is_illegal_operation {
        expected: Outcome::Err(IllegalOperation),
        kernel: by_arch!(
            x86_64 = "x86/64/kernel/vspace.c:1416 decodeX86ModeMMUInvocation: a PML4 has no methods",
            aarch64 = "arm/64/kernel/vspace.c:1411 decodeARMVSpaceRootInvocation: not a VSpace method",
            aarch32 = "arm/32/kernel/vspace.c:2103 decodeARMPageDirectoryInvocation: not a PD method",
            riscv = "riscv/kernel/vspace.c:709 decodeRISCVPageTableInvocation: not its method",
        ),
        run: |env| {
            let vaddr = env.page_region()?;
            let vspace = VSPACE.cap().cast::<Granule>();
            Ok(outcome(vspace.frame_map(VSPACE.cap(), vaddr, rw(), Default::default())))
        },
    }

    /// On RISC-V the VSpace is a page table, one that counts as mapped (by its ASID).
    page_table_map_on_the_vspace_cap {
        expected: by_arch!(
            riscv = Outcome::InvalidCapability(0),
            other = Outcome::Err(IllegalOperation),
        ),
        kernel: by_arch!(
            x86_64 = "x86/64/kernel/vspace.c:1416 decodeX86ModeMMUInvocation: a PML4 has no methods",
            aarch64 = "arm/64/kernel/vspace.c:1411 decodeARMVSpaceRootInvocation: not a VSpace method",
            aarch32 = "arm/32/kernel/vspace.c:2103 decodeARMPageDirectoryInvocation: not a PD method",
            riscv = "riscv/kernel/vspace.c:720 decodeRISCVPageTableInvocation: capPTIsMapped",
        ),
        run: |env| {
            let vaddr = env.region(0)?;
            Ok(outcome(Table::PageTable(VSPACE.cap().cast()).map_into(VSPACE.cap(), vaddr)))
        },
    }

    /// x86_64's PDPT and page directory have a map and an unmap, nothing else.
    #[cfg(target_arch = "x86_64")]
    frame_map_on_a_pdpt_cap_is_illegal_operation {
        expected: Outcome::Err(IllegalOperation),
        kernel: "x86/64/kernel/vspace.c:1326 decodeX64PDPTInvocation: not X86PDPTMap",
        run: |env| {
            let vaddr = env.page_region()?;
            let pdpt = env.alloc::<sel4::cap_type::PDPT>()?.cast::<Granule>();
            Ok(outcome(pdpt.frame_map(VSPACE.cap(), vaddr, rw(), Default::default())))
        },
    }

    #[cfg(target_arch = "x86_64")]
    frame_map_on_a_page_directory_cap_is_illegal_operation {
        expected: Outcome::Err(IllegalOperation),
        kernel: "x86/64/kernel/vspace.c:1162 decodeX64PageDirectoryInvocation: not X86PageDirectoryMap",
        run: |env| {
            let vaddr = env.page_region()?;
            let directory = env.alloc::<sel4::cap_type::PageDirectory>()?.cast::<Granule>();
            Ok(outcome(directory.frame_map(VSPACE.cap(), vaddr, rw(), Default::default())))
        },
    }
}
