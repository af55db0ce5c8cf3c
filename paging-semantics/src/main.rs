// SPDX-License-Identifier: BSD-2-Clause

//! The paging-semantics suite: what seL4 16.0.0 (x86_64) answers to mapping invocations, checked
//! case by case against the kernel itself instead of against the tutorial's text.
//!
//! Each case in [`CASES`] is data (a name, the expected outcome, the kernel function that decides
//! it) plus a small function that prepares what it needs and returns the outcome of the one
//! invocation (or, for the access cases, the one memory access) under test. The root task runs
//! them in order and prints one line each, then a summary:
//!
//! ```text
//! paging semantics: 52 cases
//! case frame_at_unaligned_address_is_alignment_error ... ok
//! case frame_at_unaligned_address_is_alignment_error ... FAILED: expected seL4_AlignmentError, got seL4_NoError (kernel: ...)
//! paging semantics: 51 passed, 1 failed
//! ```
//!
//! A preparation step that fails is reported as a failure too (`FAILED: expected X, but <step>:
//! seL4_Y at <file:line>`): the case could not ask its question. `make test` boots this image and
//! fails on any FAILED line (tests/paging_semantics.rs).
//!
//! Kernel references are to build/seL4-src at the pinned commit: "x86/vspace.c" is
//! src/arch/x86/kernel/vspace.c, "x86_64/vspace.c" is src/arch/x86/64/kernel/vspace.c.

#![no_std]
#![no_main]

use core::fmt;
use core::ops::Range;

use mapping_tutorial::paging::{page_directory_unmap, page_table_unmap, pdpt_unmap};
use mapping_tutorial::{Context, Failure, ObjectAllocator, mapping_failed_lookup_level};
use sel4::init_thread::slot::{ASID_POOL, CNODE, VSPACE};
use sel4::{CapRights, CapTypeForObjectOfFixedSize, VmAttributes, cap, cap_type};
use sel4_root_task::{Never, root_task};

/// What an invocation did: succeeded, failed with an error, or failed with `seL4_FailedLookup`
/// and the number of address bits the kernel could not resolve (the tutorial's "level"). For
/// an access made by a probe thread ([`Env::probe`]): a VM fault at an address, or none.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Ok,
    Err(sel4::Error),
    Lookup(sel4::Word),
    /// A VM fault at the probed address (a fault elsewhere fails the case).
    VmFault,
    NoFault,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            // libsel4's name for "no error", so that both sides of a mismatch read alike.
            Outcome::Ok => f.write_str("seL4_NoError"),
            Outcome::Err(e) => f.write_str(mapping_tutorial::c_name(*e)),
            Outcome::Lookup(level) => write!(f, "seL4_FailedLookup at level {level}"),
            Outcome::VmFault => f.write_str("a VM fault at the address"),
            Outcome::NoFault => f.write_str("no fault"),
        }
    }
}

/// Turns an invocation's result into an [`Outcome`]. Must be called straight after the
/// invocation: the lookup level lives in a message register that the next one overwrites.
fn outcome(result: sel4::Result<()>) -> Outcome {
    match result {
        Ok(()) => Outcome::Ok,
        Err(sel4::Error::FailedLookup) => Outcome::Lookup(mapping_failed_lookup_level()),
        Err(e) => Outcome::Err(e),
    }
}

struct Case {
    name: &'static str,
    expected: Outcome,
    /// The kernel function whose check produces the expected outcome.
    kernel: &'static str,
    run: fn(&mut Env) -> Result<Outcome, Failure>,
}

use sel4::Error::{AlignmentError, DeleteFirst, IllegalOperation, InvalidArgument};
use sel4::Error::{InvalidCapability, RevokeFirst};

/// The cases, run in this order. Each uses its own 512 GiB regions ([`Env::region`]), so no case
/// depends on what another left mapped.
static CASES: &[Case] = &[
    // --- Missing paging structures: the level is the number of unresolved address bits. ---
    Case {
        name: "frame_without_pdpt_fails_at_level_39",
        expected: Outcome::Lookup(39),
        kernel: "x86_64/vspace.c lookupPDPTSlot (PML4 entry not present), via lookupPTSlot",
        run: |env| {
            let frame = env.alloc::<cap_type::Granule>()?;
            Ok(outcome(map_frame(
                frame,
                env.region(),
                CapRights::read_write(),
            )))
        },
    },
    Case {
        name: "page_directory_without_pdpt_fails_at_level_39",
        expected: Outcome::Lookup(39),
        kernel: "x86_64/vspace.c decodeX64PageDirectoryInvocation -> lookupPDPTSlot",
        run: |env| {
            let pd = env.alloc::<cap_type::PageDirectory>()?;
            Ok(outcome(pd.page_directory_map(
                VSPACE.cap(),
                env.region(),
                ATTRS,
            )))
        },
    },
    Case {
        name: "page_table_without_pdpt_fails_at_level_39",
        expected: Outcome::Lookup(39),
        kernel: "x86/vspace.c decodeX86PageTableInvocation -> lookupPDSlot -> lookupPDPTSlot",
        run: |env| {
            let pt = env.alloc::<cap_type::PageTable>()?;
            Ok(outcome(pt.page_table_map(
                VSPACE.cap(),
                env.region(),
                ATTRS,
            )))
        },
    },
    Case {
        name: "page_table_without_page_directory_fails_at_level_30",
        expected: Outcome::Lookup(30),
        kernel: "x86_64/vspace.c lookupPDSlot (PDPT entry not a present PD)",
        run: |env| {
            let base = env.region();
            env.map_pdpt(base)?;
            let pt = env.alloc::<cap_type::PageTable>()?;
            Ok(outcome(pt.page_table_map(VSPACE.cap(), base, ATTRS)))
        },
    },
    Case {
        name: "frame_without_page_directory_fails_at_level_30",
        expected: Outcome::Lookup(30),
        kernel: "x86_64/vspace.c lookupPDSlot, via x86/vspace.c createSafeMappingEntries_PTE",
        run: |env| {
            let base = env.region();
            env.map_pdpt(base)?;
            let frame = env.alloc::<cap_type::Granule>()?;
            Ok(outcome(map_frame(frame, base, CapRights::read_write())))
        },
    },
    Case {
        name: "large_page_without_page_directory_fails_at_level_30",
        expected: Outcome::Lookup(30),
        kernel: "x86_64/vspace.c lookupPDSlot, via x86/vspace.c createSafeMappingEntries_PDE",
        run: |env| {
            let base = env.region();
            env.map_pdpt(base)?;
            let page = env.alloc::<cap_type::LargePage>()?;
            Ok(outcome(map_frame(page, base, CapRights::read_write())))
        },
    },
    Case {
        name: "frame_without_page_table_fails_at_level_21",
        expected: Outcome::Lookup(21),
        kernel: "x86/vspace.c lookupPTSlot (PD entry not a present PT)",
        run: |env| {
            let base = env.region();
            env.map_pdpt(base)?;
            env.map_pd(base)?;
            let frame = env.alloc::<cap_type::Granule>()?;
            Ok(outcome(map_frame(frame, base, CapRights::read_write())))
        },
    },
    Case {
        name: "frame_with_all_structures_maps",
        expected: Outcome::Ok,
        kernel: "x86/vspace.c decodeX86FrameInvocation (X86PageMap), all checks pass",
        run: |env| {
            let base = env.region();
            env.map_chain(base)?;
            let frame = env.alloc::<cap_type::Granule>()?;
            Ok(outcome(map_frame(frame, base, CapRights::read_write())))
        },
    },
    Case {
        name: "large_page_with_page_directory_maps",
        expected: Outcome::Ok,
        kernel: "x86/vspace.c createSafeMappingEntries_PDE, all checks pass",
        run: |env| {
            let base = env.region();
            env.map_pdpt(base)?;
            env.map_pd(base)?;
            let page = env.alloc::<cap_type::LargePage>()?;
            Ok(outcome(map_frame(page, base, CapRights::read_write())))
        },
    },
    // --- A slot that is already in use. ---
    Case {
        name: "pdpt_where_a_pdpt_is_mapped_is_delete_first",
        expected: Outcome::Err(DeleteFirst),
        kernel: "x86_64/vspace.c decodeX64PDPTInvocation (PML4 entry present)",
        run: |env| {
            let base = env.region();
            env.map_pdpt(base)?;
            let second = env.alloc::<cap_type::PDPT>()?;
            Ok(outcome(second.pdpt_map(VSPACE.cap(), base, ATTRS)))
        },
    },
    Case {
        name: "page_directory_where_one_is_mapped_is_delete_first",
        expected: Outcome::Err(DeleteFirst),
        kernel: "x86_64/vspace.c decodeX64PageDirectoryInvocation (PDPT entry present)",
        run: |env| {
            let base = env.region();
            env.map_pdpt(base)?;
            env.map_pd(base)?;
            let second = env.alloc::<cap_type::PageDirectory>()?;
            Ok(outcome(second.page_directory_map(
                VSPACE.cap(),
                base,
                ATTRS,
            )))
        },
    },
    Case {
        name: "page_table_where_one_is_mapped_is_delete_first",
        expected: Outcome::Err(DeleteFirst),
        kernel: "x86/vspace.c decodeX86PageTableInvocation (PD entry is a present PT)",
        run: |env| {
            let base = env.region();
            env.map_chain(base)?;
            let second = env.alloc::<cap_type::PageTable>()?;
            Ok(outcome(second.page_table_map(VSPACE.cap(), base, ATTRS)))
        },
    },
    Case {
        name: "page_table_where_a_large_page_is_mapped_is_delete_first",
        expected: Outcome::Err(DeleteFirst),
        kernel: "x86/vspace.c decodeX86PageTableInvocation (PD entry is a present large page)",
        run: |env| {
            let base = env.region();
            env.map_pdpt(base)?;
            env.map_pd(base)?;
            let page = env.alloc::<cap_type::LargePage>()?;
            map_frame(page, base, CapRights::read_write()).context("map the large page first")?;
            let pt = env.alloc::<cap_type::PageTable>()?;
            Ok(outcome(pt.page_table_map(VSPACE.cap(), base, ATTRS)))
        },
    },
    Case {
        name: "large_page_where_a_page_table_is_mapped_is_delete_first",
        expected: Outcome::Err(DeleteFirst),
        kernel: "x86/vspace.c createSafeMappingEntries_PDE (check for existing page table)",
        run: |env| {
            let base = env.region();
            env.map_chain(base)?;
            let page = env.alloc::<cap_type::LargePage>()?;
            Ok(outcome(map_frame(page, base, CapRights::read_write())))
        },
    },
    Case {
        // No check for a present PTE: the new frame silently replaces the old one.
        name: "frame_where_another_frame_is_mapped_replaces_it",
        expected: Outcome::Ok,
        kernel: "x86/vspace.c createSafeMappingEntries_PTE (no check of the old PTE)",
        run: |env| {
            let base = env.region();
            env.map_chain(base)?;
            let first = env.alloc::<cap_type::Granule>()?;
            map_frame(first, base, CapRights::read_write()).context("map the first frame")?;
            // SAFETY: `first` is mapped read-write at `base`; nothing else uses it.
            unsafe { (base as *mut sel4::Word).write_volatile(0x5e14) };
            let second = env.alloc::<cap_type::Granule>()?;
            let result = outcome(map_frame(second, base, CapRights::read_write()));
            // The second frame is fresh (zeroed): seeing the old value would mean the mapping
            // was not replaced after all.
            // SAFETY: a frame is mapped read-write at `base`, whichever one it is.
            if result == Outcome::Ok && unsafe { (base as *const sel4::Word).read_volatile() } != 0
            {
                return Err(Failure::new(
                    "the old frame is still visible at the address",
                ));
            }
            Ok(result)
        },
    },
    // --- Capabilities that are already mapped. ---
    Case {
        name: "mapped_pdpt_cap_is_invalid_capability",
        expected: Outcome::Err(InvalidCapability),
        kernel: "x86_64/vspace.c decodeX64PDPTInvocation (capPDPTIsMapped)",
        run: |env| {
            let base = env.region();
            let pdpt = env.map_pdpt(base)?;
            Ok(outcome(pdpt.pdpt_map(VSPACE.cap(), env.region(), ATTRS)))
        },
    },
    Case {
        name: "mapped_page_directory_cap_is_invalid_capability",
        expected: Outcome::Err(InvalidCapability),
        kernel: "x86_64/vspace.c decodeX64PageDirectoryInvocation (capPDIsMapped)",
        run: |env| {
            let base = env.region();
            env.map_pdpt(base)?;
            let pd = env.map_pd(base)?;
            let other = base + (1 << 30);
            Ok(outcome(pd.page_directory_map(VSPACE.cap(), other, ATTRS)))
        },
    },
    Case {
        name: "mapped_page_table_cap_is_invalid_capability",
        expected: Outcome::Err(InvalidCapability),
        kernel: "x86/vspace.c decodeX86PageTableInvocation (capPTIsMapped)",
        run: |env| {
            let base = env.region();
            let pt = env.map_chain(base)?;
            let other = base + (1 << 21);
            Ok(outcome(pt.page_table_map(VSPACE.cap(), other, ATTRS)))
        },
    },
    Case {
        name: "mapped_frame_cap_at_another_address_is_invalid_argument",
        expected: Outcome::Err(InvalidArgument),
        kernel: "x86/vspace.c decodeX86FrameInvocation (capFMappedAddress != vaddr)",
        run: |env| {
            let base = env.region();
            env.map_chain(base)?;
            let frame = env.alloc::<cap_type::Granule>()?;
            map_frame(frame, base, CapRights::read_write()).context("map the frame")?;
            Ok(outcome(map_frame(
                frame,
                base + PAGE,
                CapRights::read_write(),
            )))
        },
    },
    Case {
        name: "copy_of_mapped_frame_cap_maps_at_a_second_address",
        expected: Outcome::Ok,
        kernel: "x86/vspace.c decodeX86FrameInvocation (the copy has no mapping of its own)",
        run: |env| {
            let base = env.region();
            env.map_chain(base)?;
            let frame = env.alloc::<cap_type::Granule>()?;
            map_frame(frame, base, CapRights::read_write()).context("map the frame")?;
            let copy = env.copy(frame)?;
            let result = outcome(map_frame(copy, base + PAGE, CapRights::read_write()));
            if result == Outcome::Ok {
                // Both addresses now show the same memory.
                // SAFETY: the frame is mapped read-write at both addresses.
                let seen = unsafe {
                    (base as *mut sel4::Word).write_volatile(0x5e14);
                    ((base + PAGE) as *const sel4::Word).read_volatile()
                };
                if seen != 0x5e14 {
                    return Err(Failure::new("the two mappings show different memory"));
                }
            }
            Ok(result)
        },
    },
    Case {
        name: "remap_with_other_rights_at_the_same_address",
        expected: Outcome::Ok,
        kernel: "x86/vspace.c decodeX86FrameInvocation (same ASID and address: a remap)",
        run: |env| {
            let base = env.region();
            env.map_chain(base)?;
            let frame = env.alloc::<cap_type::Granule>()?;
            map_frame(frame, base, CapRights::read_only()).context("map the frame read-only")?;
            let result = outcome(map_frame(frame, base, CapRights::read_write()));
            if result == Outcome::Ok {
                // A fault here would end the suite with the kernel's fault report.
                // SAFETY: the frame is now mapped read-write at `base`.
                unsafe { (base as *mut sel4::Word).write_volatile(5) };
            }
            Ok(result)
        },
    },
    Case {
        name: "remap_with_other_rights_at_another_address_is_invalid_argument",
        expected: Outcome::Err(InvalidArgument),
        kernel: "x86/vspace.c decodeX86FrameInvocation (capFMappedAddress != vaddr)",
        run: |env| {
            let base = env.region();
            env.map_chain(base)?;
            let frame = env.alloc::<cap_type::Granule>()?;
            map_frame(frame, base, CapRights::read_only()).context("map the frame read-only")?;
            Ok(outcome(map_frame(
                frame,
                base + PAGE,
                CapRights::read_write(),
            )))
        },
    },
    // --- Unaligned addresses: frames are refused, paging structures are masked. ---
    Case {
        name: "frame_at_unaligned_address_is_alignment_error",
        expected: Outcome::Err(AlignmentError),
        kernel: "x86/vspace.c decodeX86FrameInvocation -> checkVPAlignment",
        run: |env| {
            let base = env.region();
            env.map_chain(base)?;
            let frame = env.alloc::<cap_type::Granule>()?;
            Ok(outcome(map_frame(
                frame,
                base + 0x123,
                CapRights::read_write(),
            )))
        },
    },
    Case {
        // The tutorial's own example: "a 4KiB page mapped at 0xDEADBEEF will end up mapped at
        // 0xDEADB000". The alignment check comes before the lookup, so no paging structures are
        // needed to see the answer (and nothing near this program's image is touched).
        name: "frame_at_0xdeadbeef_is_alignment_error_not_masked",
        expected: Outcome::Err(AlignmentError),
        kernel: "x86/vspace.c decodeX86FrameInvocation -> checkVPAlignment, before any lookup",
        run: |env| {
            let frame = env.alloc::<cap_type::Granule>()?;
            Ok(outcome(map_frame(
                frame,
                0xdead_beef,
                CapRights::read_write(),
            )))
        },
    },
    Case {
        name: "large_page_at_4k_aligned_address_is_alignment_error",
        expected: Outcome::Err(AlignmentError),
        kernel: "x86/vspace.c decodeX86FrameInvocation -> checkVPAlignment (2 MiB)",
        run: |env| {
            let base = env.region();
            env.map_pdpt(base)?;
            env.map_pd(base)?;
            let page = env.alloc::<cap_type::LargePage>()?;
            Ok(outcome(map_frame(
                page,
                base + PAGE,
                CapRights::read_write(),
            )))
        },
    },
    Case {
        name: "page_table_at_unaligned_address_is_masked",
        expected: Outcome::Ok,
        kernel: "x86/vspace.c decodeX86PageTableInvocation (vaddr & ~MASK(21))",
        run: |env| {
            let base = env.region();
            env.map_pdpt(base)?;
            env.map_pd(base)?;
            let pt = env.alloc::<cap_type::PageTable>()?;
            let result = outcome(pt.page_table_map(VSPACE.cap(), base + 0x1_2345, ATTRS));
            // The page table must cover `base`, the start of its 2 MiB.
            env.expect_frame_maps_at(result, base)?;
            Ok(result)
        },
    },
    Case {
        name: "page_directory_at_unaligned_address_is_masked",
        expected: Outcome::Ok,
        kernel: "x86_64/vspace.c decodeX64PageDirectoryInvocation (vaddr & ~MASK(30))",
        run: |env| {
            let base = env.region();
            env.map_pdpt(base)?;
            let pd = env.alloc::<cap_type::PageDirectory>()?;
            let result = outcome(pd.page_directory_map(VSPACE.cap(), base + 0x1234_5678, ATTRS));
            // The page directory must cover `base`, the start of its 1 GiB.
            if result == Outcome::Ok {
                env.map_pt(base)?;
                env.expect_frame_maps_at(result, base)?;
            }
            Ok(result)
        },
    },
    Case {
        name: "pdpt_at_unaligned_address_is_masked",
        expected: Outcome::Ok,
        kernel: "x86_64/vspace.c decodeX64PDPTInvocation (vaddr & ~MASK(39))",
        run: |env| {
            let base = env.region();
            let pdpt = env.alloc::<cap_type::PDPT>()?;
            let result = outcome(pdpt.pdpt_map(VSPACE.cap(), base + 0x12_3456_789a, ATTRS));
            // The PDPT must cover `base`, the start of its 512 GiB.
            if result == Outcome::Ok {
                env.map_pd(base)?;
                env.map_pt(base)?;
                env.expect_frame_maps_at(result, base)?;
            }
            Ok(result)
        },
    },
    // --- Addresses outside the user range (USER_TOP = 0x7fff_ffff_ffff). ---
    Case {
        name: "frame_in_kernel_window_is_invalid_argument",
        expected: Outcome::Err(InvalidArgument),
        kernel: "x86/vspace.c decodeX86FrameInvocation (vaddr > USER_TOP)",
        run: |env| {
            let frame = env.alloc::<cap_type::Granule>()?;
            Ok(outcome(map_frame(
                frame,
                KERNEL_ELF_BASE,
                CapRights::read_write(),
            )))
        },
    },
    Case {
        name: "pdpt_in_kernel_window_is_invalid_argument",
        expected: Outcome::Err(InvalidArgument),
        kernel: "x86_64/vspace.c decodeX64PDPTInvocation (vaddr > USER_TOP)",
        run: |env| {
            let pdpt = env.alloc::<cap_type::PDPT>()?;
            Ok(outcome(pdpt.pdpt_map(VSPACE.cap(), KERNEL_ELF_BASE, ATTRS)))
        },
    },
    Case {
        name: "pdpt_just_above_user_top_is_invalid_argument",
        expected: Outcome::Err(InvalidArgument),
        kernel: "x86_64/vspace.c decodeX64PDPTInvocation (vaddr > USER_TOP)",
        run: |env| {
            let pdpt = env.alloc::<cap_type::PDPT>()?;
            Ok(outcome(pdpt.pdpt_map(VSPACE.cap(), USER_TOP + 1, ATTRS)))
        },
    },
    Case {
        // The paging structures reach the last page, but the frame check compares the end of
        // the frame (exclusive) with USER_TOP (inclusive), so the last page is refused.
        name: "frame_at_highest_user_page_is_invalid_argument",
        expected: Outcome::Err(InvalidArgument),
        kernel: "x86/vspace.c decodeX86FrameInvocation (vtop = vaddr + 4096 > USER_TOP)",
        run: |env| {
            let last = USER_TOP + 1 - PAGE;
            env.map_chain(last)?;
            let below = env.alloc::<cap_type::Granule>()?;
            map_frame(below, last - PAGE, CapRights::read_write())
                .context("map the frame below the highest page")?;
            let frame = env.alloc::<cap_type::Granule>()?;
            Ok(outcome(map_frame(frame, last, CapRights::read_write())))
        },
    },
    // --- The VSpace argument. ---
    Case {
        name: "frame_into_a_cnode_is_invalid_capability",
        expected: Outcome::Err(InvalidCapability),
        kernel: "x86/vspace.c decodeX86FrameInvocation -> isValidNativeRoot (x86_64/vspace.c)",
        run: |env| {
            let frame = env.alloc::<cap_type::Granule>()?;
            let not_a_vspace = CNODE.cap().cast::<cap_type::VSpace>();
            Ok(outcome(frame.frame_map(
                not_a_vspace,
                env.region(),
                CapRights::read_write(),
                ATTRS,
            )))
        },
    },
    Case {
        name: "pdpt_into_a_cnode_is_invalid_capability",
        expected: Outcome::Err(InvalidCapability),
        kernel: "x86_64/vspace.c decodeX64PDPTInvocation -> isValidNativeRoot",
        run: |env| {
            let pdpt = env.alloc::<cap_type::PDPT>()?;
            let not_a_vspace = CNODE.cap().cast::<cap_type::VSpace>();
            Ok(outcome(pdpt.pdpt_map(not_a_vspace, env.region(), ATTRS)))
        },
    },
    Case {
        name: "pml4_without_asid_is_invalid_capability",
        expected: Outcome::Err(InvalidCapability),
        kernel: "x86_64/vspace.c isValidNativeRoot (capPML4IsMapped is false)",
        run: |env| {
            let pml4 = env.alloc::<cap_type::VSpace>()?;
            let pdpt = env.alloc::<cap_type::PDPT>()?;
            Ok(outcome(pdpt.pdpt_map(pml4, env.region(), ATTRS)))
        },
    },
    Case {
        name: "pdpt_into_a_second_vspace_maps",
        expected: Outcome::Ok,
        kernel: "x86_64/vspace.c decodeX64PDPTInvocation, all checks pass",
        run: |env| {
            let pml4 = env.second_vspace()?;
            let pdpt = env.alloc::<cap_type::PDPT>()?;
            Ok(outcome(pdpt.pdpt_map(pml4, env.region(), ATTRS)))
        },
    },
    Case {
        name: "frame_mapped_here_into_a_second_vspace_is_invalid_capability",
        expected: Outcome::Err(InvalidCapability),
        kernel: "x86/vspace.c decodeX86FrameInvocation (capFMappedASID != asid)",
        run: |env| {
            let base = env.region();
            env.map_chain(base)?;
            let frame = env.alloc::<cap_type::Granule>()?;
            map_frame(frame, base, CapRights::read_write()).context("map the frame")?;
            let pml4 = env.second_vspace()?;
            Ok(outcome(frame.frame_map(
                pml4,
                base,
                CapRights::read_write(),
                ATTRS,
            )))
        },
    },
    // --- Unmapping and deleting. ---
    Case {
        name: "frame_unmapped_twice_is_ok",
        expected: Outcome::Ok,
        kernel: "x86/vspace.c performX86FrameInvocationUnmap (nothing to do when not mapped)",
        run: |env| {
            let base = env.region();
            env.map_chain(base)?;
            let frame = env.alloc::<cap_type::Granule>()?;
            map_frame(frame, base, CapRights::read_write()).context("map the frame")?;
            frame.frame_unmap().context("unmap the frame")?;
            Ok(outcome(frame.frame_unmap()))
        },
    },
    Case {
        name: "frame_unmapped_can_map_at_another_address",
        expected: Outcome::Ok,
        kernel: "x86/vspace.c performX86PageInvocationUnmap (clears the cap's mapping)",
        run: |env| {
            let base = env.region();
            env.map_chain(base)?;
            let frame = env.alloc::<cap_type::Granule>()?;
            map_frame(frame, base, CapRights::read_write()).context("map the frame")?;
            frame.frame_unmap().context("unmap the frame")?;
            Ok(outcome(map_frame(
                frame,
                base + PAGE,
                CapRights::read_write(),
            )))
        },
    },
    Case {
        name: "page_table_unmap_then_frame_fails_at_level_21",
        expected: Outcome::Lookup(21),
        kernel: "x86/vspace.c performX86PageTableInvocationUnmap -> unmapPageTable",
        run: |env| {
            let base = env.region();
            let pt = env.map_chain(base)?;
            page_table_unmap(pt).context("unmap the page table")?;
            let frame = env.alloc::<cap_type::Granule>()?;
            Ok(outcome(map_frame(frame, base, CapRights::read_write())))
        },
    },
    Case {
        name: "page_table_unmap_with_a_copy_is_revoke_first",
        expected: Outcome::Err(RevokeFirst),
        kernel: "x86/vspace.c decodeX86PageTableInvocation (X86PageTableUnmap: isFinalCapability)",
        run: |env| {
            let base = env.region();
            let pt = env.map_chain(base)?;
            env.copy(pt)?;
            Ok(outcome(page_table_unmap(pt)))
        },
    },
    Case {
        name: "copy_of_unmapped_page_table_cap_is_illegal_operation",
        expected: Outcome::Err(IllegalOperation),
        kernel: "x86/object/objecttype.c Arch_deriveCap (unmapped PT cap)",
        run: |env| {
            let pt = env.alloc::<cap_type::PageTable>()?;
            Ok(outcome(env.try_copy(pt)))
        },
    },
    Case {
        name: "page_table_cap_deleted_then_frame_fails_at_level_21",
        expected: Outcome::Lookup(21),
        kernel: "x86/object/objecttype.c Arch_finaliseCap -> unmapPageTable",
        run: |env| {
            let base = env.region();
            let pt = env.map_chain(base)?;
            CNODE
                .cap()
                .absolute_cptr(pt)
                .delete()
                .context("delete the page table cap")?;
            let frame = env.alloc::<cap_type::Granule>()?;
            Ok(outcome(map_frame(frame, base, CapRights::read_write())))
        },
    },
    Case {
        name: "page_directory_unmap_then_page_table_fails_at_level_30",
        expected: Outcome::Lookup(30),
        kernel: "x86_64/vspace.c performX64PageDirectoryInvocationUnmap -> unmapPageDirectory",
        run: |env| {
            let base = env.region();
            env.map_pdpt(base)?;
            let pd = env.map_pd(base)?;
            page_directory_unmap(pd).context("unmap the page directory")?;
            let pt = env.alloc::<cap_type::PageTable>()?;
            Ok(outcome(pt.page_table_map(VSPACE.cap(), base, ATTRS)))
        },
    },
    Case {
        name: "pdpt_unmap_then_page_directory_fails_at_level_39",
        expected: Outcome::Lookup(39),
        kernel: "x86_64/vspace.c performX64PDPTInvocationUnmap -> unmapPDPT",
        run: |env| {
            let base = env.region();
            let pdpt = env.map_pdpt(base)?;
            pdpt_unmap(pdpt).context("unmap the PDPT")?;
            let pd = env.alloc::<cap_type::PageDirectory>()?;
            Ok(outcome(pd.page_directory_map(VSPACE.cap(), base, ATTRS)))
        },
    },
    // --- Accesses, made by a probe thread whose faults come to this task (Env::probe). ---
    Case {
        // The control: shows that the probe itself works and reports no fault.
        name: "write_to_read_write_mapping_does_not_fault",
        expected: Outcome::NoFault,
        kernel: "no kernel involvement: the MMU allows the write",
        run: |env| {
            let base = env.mapped_frame(CapRights::read_write())?;
            env.probe(Access::Write, base)
        },
    },
    Case {
        name: "read_from_read_only_mapping_does_not_fault",
        expected: Outcome::NoFault,
        kernel: "x86/vspace.c maskVMRights (read-only cap rights give VMReadOnly)",
        run: |env| {
            let base = env.mapped_frame(CapRights::read_only())?;
            env.probe(Access::Read, base)
        },
    },
    Case {
        // The tutorial's `pt` stage, caught by a fault handler instead of ending the task.
        name: "write_to_read_only_mapping_faults",
        expected: Outcome::VmFault,
        kernel: "x86/vspace.c handleVMFault (page present, write not allowed)",
        run: |env| {
            let base = env.mapped_frame(CapRights::read_only())?;
            env.probe(Access::Write, base)
        },
    },
    Case {
        name: "read_after_frame_unmap_faults",
        expected: Outcome::VmFault,
        kernel: "x86/vspace.c performX86PageInvocationUnmap -> unmapPage (PTE cleared)",
        run: |env| {
            let base = env.mapped_frame(CapRights::read_write())?;
            env.frame_at(base)
                .frame_unmap()
                .context("unmap the frame")?;
            env.probe(Access::Read, base)
        },
    },
    Case {
        // The text: pages are unmapped "using Unmap invocations on the page or any
        // intermediate paging structure".
        name: "read_after_page_table_unmap_faults",
        expected: Outcome::VmFault,
        kernel: "x86/vspace.c performX86PageTableInvocationUnmap -> unmapPageTable (PDE cleared)",
        run: |env| {
            let base = env.mapped_frame(CapRights::read_write())?;
            page_table_unmap(env.probe_pt()?).context("unmap the page table")?;
            env.probe(Access::Read, base)
        },
    },
    Case {
        // The text: "or deleting the final capability to any of the paging structure".
        name: "read_after_page_table_cap_deleted_faults",
        expected: Outcome::VmFault,
        kernel: "x86/object/objecttype.c Arch_finaliseCap -> unmapPageTable",
        run: |env| {
            let base = env.mapped_frame(CapRights::read_write())?;
            let pt = env.probe_pt()?;
            CNODE
                .cap()
                .absolute_cptr(pt)
                .delete()
                .context("delete the page table cap")?;
            env.probe(Access::Read, base)
        },
    },
    Case {
        // Each cap tracks its own mapping: unmapping through one leaves the other's in place.
        name: "read_through_copy_after_original_unmapped_does_not_fault",
        expected: Outcome::NoFault,
        kernel: "x86/vspace.c unmapPage (only the PTE at the unmapped cap's address)",
        run: |env| {
            let base = env.mapped_frame(CapRights::read_write())?;
            let frame = env.frame_at(base);
            let copy = env.copy(frame)?;
            let other = env.probe_page()?;
            map_frame(copy, other, CapRights::read_write()).context("map the copy")?;
            frame.frame_unmap().context("unmap the original")?;
            env.probe(Access::Read, other)
        },
    },
];

/// Where the access cases map their frames: one page each, in consecutive pages of one 512 GiB
/// region (PML4 slot 253), under one page table that the cases replace when they unmap it.
const PROBE_REGION: usize = 253 << 39;

/// What a probe thread does at an address.
#[derive(Clone, Copy)]
enum Access {
    Read,
    Write,
}

/// The probe threads' code: one access to the address in rdi, then `ud2`. The `ud2` raises a
/// user exception, so the handler gets exactly one fault message either way: a VM fault if the
/// access faulted, a user exception if it did not. Neither touches the stack.
#[unsafe(naked)]
extern "C" fn probe_read() -> ! {
    core::arch::naked_asm!("mov rax, qword ptr [rdi]", "ud2")
}

#[unsafe(naked)]
extern "C" fn probe_write() -> ! {
    core::arch::naked_asm!("mov qword ptr [rdi], rdi", "ud2")
}

const PAGE: usize = 1 << 12;
const ATTRS: VmAttributes = VmAttributes::DEFAULT;
/// The highest user address on x86_64 (USER_TOP in include/plat/pc99/plat/64/plat_mode/machine/hardware.h).
const USER_TOP: usize = 0x7fff_ffff_ffff;
/// Where the kernel image lives (KERNEL_ELF_BASE, same file): the top 2 GiB.
const KERNEL_ELF_BASE: usize = 0xffff_ffff_8000_0000;

/// What the cases share: the object allocator and fresh address regions.
struct Env {
    objects: ObjectAllocator,
    /// The next PML4 slot to hand out. Slot 0 holds this program's image.
    next_slot: usize,
    /// Slots for cap copies, taken from the top of the empty range (the allocator takes them
    /// from the bottom).
    spare_slots: Range<usize>,
    /// A VSpace of our own besides the root task's, made on first use.
    second_vspace: Option<cap::VSpace>,
    /// The endpoint the probe threads' faults go to, made on first use.
    fault_endpoint: Option<cap::Endpoint>,
    /// The access cases' frames, by page index in [`PROBE_REGION`].
    probe_frames: [Option<cap::Granule>; 16],
    /// The next page index in [`PROBE_REGION`].
    probe_next: usize,
    /// The page table that serves [`PROBE_REGION`], if one is mapped.
    probe_pt: Option<cap::PageTable>,
}

/// The first PML4 slot handed out: clear of the image (slot 0) and of the tutorial's
/// 0xA0_0000_0000 (slot 1), should the two ever share an address space.
const FIRST_SLOT: usize = 32;
/// The last one: slot 253 is the access cases' ([`PROBE_REGION`]), slot 255 holds the highest
/// user page, which one case uses.
const LAST_SLOT: usize = 252;

impl Env {
    /// The start of a 512 GiB region (one PML4 slot) that no other case uses.
    fn region(&mut self) -> usize {
        let slot = self.next_slot;
        // Running out is a bug in the case list, not a kernel answer.
        assert!(slot <= LAST_SLOT, "out of PML4 slots: too many cases");
        self.next_slot += 1;
        slot << 39
    }

    #[track_caller]
    fn alloc<T: CapTypeForObjectOfFixedSize>(&mut self) -> Result<sel4::Cap<T>, Failure> {
        self.objects.allocate::<T>()
    }

    fn map_pdpt(&mut self, vaddr: usize) -> Result<cap::PDPT, Failure> {
        let pdpt = self.alloc::<cap_type::PDPT>()?;
        pdpt.pdpt_map(VSPACE.cap(), vaddr, ATTRS)
            .context("prepare: map a PDPT")?;
        Ok(pdpt)
    }

    fn map_pd(&mut self, vaddr: usize) -> Result<cap::PageDirectory, Failure> {
        let pd = self.alloc::<cap_type::PageDirectory>()?;
        pd.page_directory_map(VSPACE.cap(), vaddr, ATTRS)
            .context("prepare: map a page directory")?;
        Ok(pd)
    }

    fn map_pt(&mut self, vaddr: usize) -> Result<cap::PageTable, Failure> {
        let pt = self.alloc::<cap_type::PageTable>()?;
        pt.page_table_map(VSPACE.cap(), vaddr, ATTRS)
            .context("prepare: map a page table")?;
        Ok(pt)
    }

    /// Maps a PDPT, a page directory and a page table for `vaddr`; returns the page table.
    fn map_chain(&mut self, vaddr: usize) -> Result<cap::PageTable, Failure> {
        self.map_pdpt(vaddr)?;
        self.map_pd(vaddr)?;
        self.map_pt(vaddr)
    }

    /// After a paging structure was mapped at an unaligned address, checks that it serves the
    /// aligned address below it, by mapping a frame there.
    fn expect_frame_maps_at(&mut self, result: Outcome, vaddr: usize) -> Result<(), Failure> {
        if result != Outcome::Ok {
            return Ok(());
        }
        let frame = self.alloc::<cap_type::Granule>()?;
        map_frame(frame, vaddr, CapRights::read_write())
            .context("check: map a frame at the aligned address")
    }

    /// Copies `cap` into a spare slot (seL4_CNode_Copy) and returns the copy.
    fn try_copy_into<T: sel4::CapType>(&mut self, cap: sel4::Cap<T>) -> (sel4::Result<()>, usize) {
        let Some(slot) = self.spare_slots.next_back() else {
            return (Err(sel4::Error::NotEnoughMemory), 0);
        };
        let cnode = CNODE.cap();
        let dst = cnode.absolute_cptr(sel4::init_thread::Slot::<T>::from_index(slot).cap());
        (dst.copy(&cnode.absolute_cptr(cap), CapRights::all()), slot)
    }

    fn try_copy<T: sel4::CapType>(&mut self, cap: sel4::Cap<T>) -> sel4::Result<()> {
        self.try_copy_into(cap).0
    }

    fn copy<T: sel4::CapType>(&mut self, cap: sel4::Cap<T>) -> Result<sel4::Cap<T>, Failure> {
        let (result, slot) = self.try_copy_into(cap);
        result.context("prepare: copy a capability")?;
        Ok(sel4::init_thread::Slot::<T>::from_index(slot).cap())
    }

    /// Maps a fresh frame at the next page of [`PROBE_REGION`] (mapping a page table there first
    /// if a previous case removed it) and returns its address.
    fn mapped_frame(&mut self, rights: CapRights) -> Result<usize, Failure> {
        let base = self.probe_page()?;
        let frame = self.alloc::<cap_type::Granule>()?;
        map_frame(frame, base, rights).context("prepare: map the probed frame")?;
        self.probe_frames[(base - PROBE_REGION) / PAGE] = Some(frame);
        Ok(base)
    }

    /// The next unused page of [`PROBE_REGION`], with the paging structures to map it.
    fn probe_page(&mut self) -> Result<usize, Failure> {
        let index = self.probe_next;
        if index >= self.probe_frames.len() {
            return Err(Failure::new("out of probe pages: too many access cases"));
        }
        self.probe_next += 1;
        if self.probe_pt.is_none() {
            if index == 0 {
                self.map_pdpt(PROBE_REGION)?;
                self.map_pd(PROBE_REGION)?;
            }
            self.probe_pt = Some(self.map_pt(PROBE_REGION)?);
        }
        Ok(PROBE_REGION + index * PAGE)
    }

    /// The frame that [`Env::mapped_frame`] mapped at `base`.
    fn frame_at(&self, base: usize) -> cap::Granule {
        // Only called with an address that mapped_frame returned: a bug otherwise.
        self.probe_frames[(base - PROBE_REGION) / PAGE].expect("a frame mapped by mapped_frame")
    }

    /// The page table serving [`PROBE_REGION`]; the caller removes it (unmap or delete), so the
    /// next access case maps a new one.
    fn probe_pt(&mut self) -> Result<cap::PageTable, Failure> {
        self.probe_pt
            .take()
            .ok_or_else(|| Failure::new("no page table in the probe region"))
    }

    /// Starts a thread in this VSpace that makes one `access` at `vaddr`, with this task's
    /// endpoint as its fault handler, and reports what fault it got. The thread is suspended
    /// afterwards; it never runs again.
    fn probe(&mut self, access: Access, vaddr: usize) -> Result<Outcome, Failure> {
        let endpoint = match self.fault_endpoint {
            Some(endpoint) => endpoint,
            None => {
                let endpoint = self.alloc::<cap_type::Endpoint>()?;
                *self.fault_endpoint.insert(endpoint)
            }
        };
        let tcb = self.alloc::<cap_type::Tcb>()?;
        tcb.tcb_configure(
            endpoint.cptr(),
            CNODE.cap(),
            // Zero leaves the root CNode cap's guard as it is.
            sel4::CNodeCapData::new(0, 0),
            VSPACE.cap(),
            // No IPC buffer: the probe makes no system calls.
            0,
            sel4::init_thread::slot::NULL.cap().cast(),
        )
        .context("prepare: configure the probe thread")?;
        let mut regs = sel4::UserContext::default();
        *regs.pc_mut() = match access {
            Access::Read => probe_read as *const () as usize,
            Access::Write => probe_write as *const () as usize,
        } as sel4::Word;
        *regs.c_param_mut(0) = vaddr as sel4::Word;
        tcb.tcb_write_all_registers(true, &mut regs)
            .context("prepare: start the probe thread")?;
        // The probe's priority (0) is below this task's, so it runs once this task blocks here.
        let (info, _) = endpoint.recv(());
        let fault = sel4::with_ipc_buffer(|buffer| sel4::Fault::new(buffer, &info));
        tcb.tcb_suspend().context("suspend the probe thread")?;
        match fault {
            sel4::Fault::VmFault(f) if f.inner().get_Addr() == vaddr as sel4::Word => {
                Ok(Outcome::VmFault)
            }
            sel4::Fault::VmFault(_) => Err(Failure::new("a VM fault at another address")),
            sel4::Fault::UserException(_) => Ok(Outcome::NoFault),
            _ => Err(Failure::new(
                "the probe thread stopped with another kind of fault",
            )),
        }
    }

    /// A second VSpace: a PML4 given an ASID from the root task's ASID pool.
    fn second_vspace(&mut self) -> Result<cap::VSpace, Failure> {
        if let Some(vspace) = self.second_vspace {
            return Ok(vspace);
        }
        let pml4 = self.alloc::<cap_type::VSpace>()?;
        ASID_POOL
            .cap()
            .asid_pool_assign(pml4)
            .context("prepare: assign an ASID to a second VSpace")?;
        self.second_vspace = Some(pml4);
        Ok(pml4)
    }
}

/// Maps a frame of any size into this root task's VSpace (seL4_X86_Page_Map).
fn map_frame<T: sel4::CapTypeForFrameObject>(
    frame: sel4::Cap<T>,
    vaddr: usize,
    rights: CapRights,
) -> sel4::Result<()> {
    frame.frame_map(VSPACE.cap(), vaddr, rights, ATTRS)
}

/// 64 MiB of untyped memory for the suite's objects (objects are never freed).
const SUITE_UNTYPED_BITS: usize = 26;

#[root_task]
fn main(bootinfo: &sel4::BootInfoPtr) -> Result<Never, Failure> {
    mapping_tutorial::logging::init();

    let empty = bootinfo.empty().range();
    let mut env = Env {
        // 52 cases' objects, some of them 2 MiB large pages: more than the tutorial's 64 KiB.
        objects: ObjectAllocator::with_untyped_of_at_least(bootinfo, SUITE_UNTYPED_BITS)?,
        next_slot: FIRST_SLOT,
        // The top quarter of the empty slots; the allocator uses far fewer than the rest.
        spare_slots: (empty.end - (empty.end - empty.start) / 4)..empty.end,
        second_vspace: None,
        fault_endpoint: None,
        probe_frames: [None; 16],
        probe_next: 0,
        probe_pt: None,
    };

    log::info!("paging semantics: {} cases", CASES.len());
    let (mut passed, mut failed) = (0, 0);
    for case in CASES {
        match (case.run)(&mut env) {
            Ok(got) if got == case.expected => {
                passed += 1;
                log::info!("case {} ... ok", case.name);
            }
            Ok(got) => {
                failed += 1;
                log::info!(
                    "case {} ... FAILED: expected {}, got {} (kernel: {})",
                    case.name,
                    case.expected,
                    got,
                    case.kernel
                );
            }
            Err(failure) => {
                failed += 1;
                log::info!(
                    "case {} ... FAILED: expected {}, but {failure}",
                    case.name,
                    case.expected
                );
            }
        }
    }
    log::info!("paging semantics: {passed} passed, {failed} failed");
    sel4::init_thread::suspend_self()
}
