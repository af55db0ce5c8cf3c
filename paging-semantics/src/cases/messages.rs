// SPDX-License-Identifier: BSD-2-Clause

//! Messages that libsel4's wrappers never send, made by hand (env::invoke): a map cut short, an
//! ASID control or pool sent the other one's method. Each decoder checks the length of the message
//! and its extra capabilities before anything else, and the method before that.

use sel4::Error::{IllegalOperation, TruncatedMessage};
use sel4::init_thread::slot::{ASID_CONTROL, ASID_POOL, CNODE, VSPACE};

use crate::arch::{DEPTH, label};
use crate::case::{by_arch, cases};
use crate::env::invoke;
use crate::outcome::{Outcome, outcome};

cases! {
    /// A frame's map is an address, rights and attributes, and the VSpace: without the
    /// attributes it is cut short.
    frame_map_with_two_words_is_truncated {
        expected: Outcome::Err(TruncatedMessage),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:955 decodeX86FrameInvocation: length < 3",
            aarch64 = "arm/64/kernel/vspace.c:1523 decodeARMFrameInvocation: length < 3",
            aarch32 = "arm/32/kernel/vspace.c:2248 decodeARMFrameInvocation: length < 3",
            riscv = "riscv/kernel/vspace.c:806 decodeRISCVFrameInvocation: length < 3",
        ),
        run: |env| {
            let vaddr = env.page_region()?;
            let words = [vaddr as sel4::Word, 0];
            let frame = env.frame()?;
            Ok(outcome(invoke(frame.cptr(), label::FRAME_MAP, &words, &[VSPACE.cap().cptr()])))
        },
    }

    /// A page table's map is an address and attributes, and the VSpace.
    page_table_map_with_one_word_is_truncated {
        expected: Outcome::Err(TruncatedMessage),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:1172 decodeX86PageTableInvocation: length < 2",
            aarch64 = "arm/64/kernel/vspace.c:1444 decodeARMPageTableInvocation: length < 2",
            aarch32 = "arm/32/kernel/vspace.c:2141 decodeARMPageTableInvocation: length < 2",
            riscv = "riscv/kernel/vspace.c:715 decodeRISCVPageTableInvocation: length < 2",
        ),
        run: |env| {
            let vaddr = env.region(DEPTH - 1)?;
            let table = env.alloc::<crate::arch::PageTableType>()?;
            let words = [vaddr as sel4::Word];
            Ok(outcome(invoke(table.cptr(), label::PAGE_TABLE_MAP, &words, &[VSPACE.cap().cptr()])))
        },
    }

    #[cfg(target_arch = "x86_64")]
    pdpt_map_with_one_word_is_truncated {
        expected: Outcome::Err(TruncatedMessage),
        kernel: "x86/64/kernel/vspace.c:1332 decodeX64PDPTInvocation: length < 2",
        run: |env| {
            let vaddr = env.region(0)?;
            let pdpt = env.alloc::<sel4::cap_type::PDPT>()?;
            let words = [vaddr as sel4::Word];
            Ok(outcome(invoke(pdpt.cptr(), label::PDPT_MAP, &words, &[VSPACE.cap().cptr()])))
        },
    }

    #[cfg(target_arch = "x86_64")]
    page_directory_map_with_one_word_is_truncated {
        expected: Outcome::Err(TruncatedMessage),
        kernel: "x86/64/kernel/vspace.c:1168 decodeX64PageDirectoryInvocation: length < 2",
        run: |env| {
            let vaddr = env.region(1)?;
            let directory = env.alloc::<sel4::cap_type::PageDirectory>()?;
            let words = [vaddr as sel4::Word];
            let vspace = [VSPACE.cap().cptr()];
            Ok(outcome(invoke(directory.cptr(), label::PAGE_DIRECTORY_MAP, &words, &vspace)))
        },
    }

    /// Making an ASID pool takes an index and a depth (where the pool's capability goes), the
    /// untyped and the CNode.
    asid_control_make_pool_with_one_word_is_truncated {
        expected: Outcome::Err(TruncatedMessage),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:1291 decodeX86MMUInvocation: length < 2",
            aarch64 = "arm/64/kernel/vspace.c:1735 decodeARMMMUInvocation: length < 2",
            aarch32 = "arm/32/kernel/vspace.c:2549 decodeARMMMUInvocation: length < 2",
            riscv = "riscv/kernel/vspace.c:963 decodeRISCVMMUInvocation: length < 2",
        ),
        run: |env| {
            let slot = env.spare_slot()? as sel4::Word;
            let caps = [env.untyped().cptr(), CNODE.cap().cptr()];
            let control = ASID_CONTROL.cap().cptr();
            Ok(outcome(invoke(control, label::ASID_CONTROL_MAKE_POOL, &[slot], &caps)))
        },
    }

    /// Assigning an ASID takes the VSpace.
    asid_pool_assign_without_a_vspace_is_truncated {
        expected: Outcome::Err(TruncatedMessage),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:1359 decodeX86MMUInvocation: no extra capability",
            aarch64 = "arm/64/kernel/vspace.c:1805 decodeARMMMUInvocation: no extra capability",
            aarch32 = "arm/32/kernel/vspace.c:2625 decodeARMMMUInvocation: no extra capability",
            riscv = "riscv/kernel/vspace.c:1030 decodeRISCVMMUInvocation: no extra capability",
        ),
        run: |_env| {
            Ok(outcome(invoke(ASID_POOL.cap().cptr(), label::ASID_POOL_ASSIGN, &[], &[])))
        },
    }

    /// The ASID control has one method.
    asid_control_asked_to_assign_is_illegal_operation {
        expected: Outcome::Err(IllegalOperation),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:1285 decodeX86MMUInvocation: not X86ASIDControlMakePool",
            aarch64 = "arm/64/kernel/vspace.c:1729 decodeARMMMUInvocation: not ARMASIDControlMakePool",
            aarch32 = "arm/32/kernel/vspace.c:2542 decodeARMMMUInvocation: not ARMASIDControlMakePool",
            riscv = "riscv/kernel/vspace.c:957 decodeRISCVMMUInvocation: not RISCVASIDControlMakePool",
        ),
        run: |env| {
            let vspace = env.alloc::<crate::arch::VSpaceType>()?;
            let control = ASID_CONTROL.cap().cptr();
            Ok(outcome(invoke(control, label::ASID_POOL_ASSIGN, &[], &[vspace.cptr()])))
        },
    }

    /// ... and so has an ASID pool.
    asid_pool_asked_to_make_a_pool_is_illegal_operation {
        expected: Outcome::Err(IllegalOperation),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:1354 decodeX86MMUInvocation: not X86ASIDPoolAssign",
            aarch64 = "arm/64/kernel/vspace.c:1799 decodeARMMMUInvocation: not ARMASIDPoolAssign",
            aarch32 = "arm/32/kernel/vspace.c:2618 decodeARMMMUInvocation: not ARMASIDPoolAssign",
            riscv = "riscv/kernel/vspace.c:1025 decodeRISCVMMUInvocation: not RISCVASIDPoolAssign",
        ),
        run: |env| {
            let slot = env.spare_slot()? as sel4::Word;
            let words = [slot, sel4::WORD_SIZE as sel4::Word];
            let caps = [env.untyped().cptr(), CNODE.cap().cptr()];
            let pool = ASID_POOL.cap().cptr();
            Ok(outcome(invoke(pool, label::ASID_CONTROL_MAKE_POOL, &words, &caps)))
        },
    }
}
