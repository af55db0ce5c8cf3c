// SPDX-License-Identifier: BSD-2-Clause

//! ARM's cache maintenance, of a page (`seL4_ARM_Page_Clean_Data` and its siblings: offsets within
//! the page, which must be mapped) and of a range of a VSpace (`seL4_ARM_VSpace_Clean_Data` on
//! aarch64, `seL4_ARM_PageDirectory_Clean_Data` on aarch32: addresses within one page of the
//! VSpace). rust-sel4 has no wrapper: libsel4's calls, through the IPC buffer. The kernel at EL2
//! flushes through its own window onto physical memory, the ones at EL1 through the mapping, so
//! they check different things. A flush that succeeds leaves the page's contents: each success
//! reads back what was written there first.

use mapping_tutorial::{Context, Failure};
use sel4::CapRights;
use sel4::Error::{IllegalOperation, TruncatedMessage};
use sel4::init_thread::slot::VSPACE;

use crate::arch::{DEPTH, ENTRIES, HIGHEST_PAGE, PAGE, USER_TOP_PAGE, VSpaceType, label, span};
use crate::case::{by_arch, cases};
use crate::env::{Env, delete, invoke, map_frame, rw};
use crate::outcome::{Effect, Outcome, outcome};

/// Which maintenance.
#[derive(Clone, Copy)]
enum Flush {
    Clean,
    Invalidate,
}

/// libsel4's page flush on `frame`, offsets `start..end` of the page.
fn flush(frame: sel4::cap::Granule, which: Flush, start: usize, end: usize) -> sel4::Result<()> {
    let (cptr, start, end) = (frame.bits(), start as sel4::Word, end as sel4::Word);
    let error = sel4::with_ipc_buffer_mut(|buffer| {
        let buffer = buffer.inner_mut();
        match which {
            Flush::Clean => buffer.seL4_ARM_Page_Clean_Data(cptr, start, end),
            Flush::Invalidate => buffer.seL4_ARM_Page_Invalidate_Data(cptr, start, end),
        }
    });
    sel4::Error::from_sys(error).map_or(Ok(()), Err)
}

/// The VSpace's flush of the addresses `start..end` of `vspace`.
fn flush_vspace(vspace: sel4::CPtr, which: Flush, start: usize, end: usize) -> sel4::Result<()> {
    let label = match which {
        Flush::Clean => label::VSPACE_CLEAN_DATA,
        Flush::Invalidate => label::VSPACE_INVALIDATE_DATA,
    };
    invoke(
        vspace,
        label,
        &[start as sel4::Word, end as sel4::Word],
        &[],
    )
}

/// The word a flushed page holds.
const WORD: sel4::Word = 0x5e14;

/// A fresh frame mapped read-write at a fresh page, [`WORD`] written into it: the address.
#[track_caller]
fn written_page(env: &mut Env) -> Result<(usize, sel4::cap::Granule), Failure> {
    let vaddr = env.page_region()?;
    let frame = env.mapped_frame_at(vaddr, rw())?;
    env.write(vaddr, WORD)?;
    Ok((vaddr, frame))
}

/// A flush's answer, seen: where it succeeded, `vaddr` still reads [`WORD`].
#[track_caller]
fn kept(env: &mut Env, result: Outcome, vaddr: usize) -> Result<Outcome, Failure> {
    env.then(result, Effect::KeepsItsContents, |env| {
        env.reads(vaddr, WORD)
    })
}

/// A page written and cleaned (to memory, so that invalidating loses nothing), and a copy of its
/// frame's capability mapped read-only at a second page: that page's address and the copy.
#[track_caller]
fn read_only_copy(env: &mut Env) -> Result<(usize, sel4::cap::Granule), Failure> {
    let (_, frame) = written_page(env)?;
    flush(frame, Flush::Clean, 0, PAGE).context("prepare: clean the page")?;
    let copy = env.copy(frame)?;
    let other = env.page_region()?;
    map_frame(copy, other, CapRights::read_only()).context("prepare: map the copy read-only")?;
    Ok((other, copy))
}

cases! {
    clean_data_over_a_mapped_page {
        expected: Outcome::Seen(Effect::KeepsItsContents),
        kernel: by_arch!(
            aarch64 = "arm/64/kernel/vspace.c decodeARMFrameInvocation -> doFlush",
            aarch32 = "arm/32/kernel/vspace.c decodeARMFrameInvocation -> doFlush",
        ),
        run: |env| {
            let (vaddr, frame) = written_page(env)?;
            let result = outcome(flush(frame, Flush::Clean, 0, PAGE));
            kept(env, result, vaddr)
        },
    }

    /// A start and no end.
    clean_data_with_one_word_is_truncated {
        expected: Outcome::Err(TruncatedMessage),
        kernel: by_arch!(
            aarch64 = "arm/64/kernel/vspace.c:1619 decodeARMFrameInvocation: length < 2",
            aarch32 = "arm/32/kernel/vspace.c:2415 decodeARMFrameInvocation: length < 2",
        ),
        run: |env| {
            let (_, frame) = written_page(env)?;
            Ok(outcome(invoke(frame.cptr(), label::PAGE_CLEAN_DATA, &[0], &[])))
        },
    }

    clean_data_of_an_unmapped_frame_is_illegal_operation {
        expected: Outcome::Err(IllegalOperation),
        kernel: by_arch!(
            aarch64 = "arm/64/kernel/vspace.c:1625 decodeARMFrameInvocation: Page Flush: Frame is not mapped",
            aarch32 = "arm/32/kernel/vspace.c:2429 decodeARMFrameInvocation: Page Flush: Frame is not mapped",
        ),
        run: |env| {
            Ok(outcome(flush(env.frame()?, Flush::Clean, 0, PAGE)))
        },
    }

    /// The frame is mapped in a VSpace whose ASID pool was deleted since: the ASID it records
    /// leads nowhere.
    clean_data_through_a_frame_of_a_vspace_whose_asid_pool_was_deleted {
        expected: Outcome::OtherLookup {
            source: 0,
            kind: sel4::sys::seL4_LookupFailureType::seL4_InvalidRoot as sel4::Word,
        },
        kernel: by_arch!(
            aarch64 = "arm/64/kernel/vspace.c:1635 decodeARMFrameInvocation: findVSpaceForASID fails",
            aarch32 = "arm/32/kernel/vspace.c:2436 decodeARMFrameInvocation: findPDForASID fails",
        ),
        run: |env| {
            let (vspace, pool) = env.vspace_of_a_new_pool()?;
            let vaddr = ENTRIES.start * span(0);
            for depth in 0..DEPTH {
                env.make_table(depth)?
                    .map_into(vspace, vaddr)
                    .context("prepare: map a table into the new VSpace")?;
            }
            let frame = env.frame()?;
            frame.frame_map(vspace, vaddr, rw(), Default::default())
                .context("prepare: map a frame into the new VSpace")?;
            delete(pool.cptr()).context("prepare: delete the ASID pool")?;
            Ok(outcome(flush(frame, Flush::Clean, 0, PAGE)))
        },
    }

    /// The end is exclusive: an empty range names the end (argument 1).
    clean_data_of_an_empty_range_is_invalid_argument {
        expected: Outcome::InvalidArgument(1),
        kernel: by_arch!(
            aarch64 = "arm/64/kernel/vspace.c:1646 decodeARMFrameInvocation: end <= start",
            aarch32 = "arm/32/kernel/vspace.c:2448 decodeARMFrameInvocation: end <= start",
        ),
        run: |env| {
            let (_, frame) = written_page(env)?;
            Ok(outcome(flush(frame, Flush::Clean, 8, 8)))
        },
    }

    /// Offsets past the page name the start (argument 0), whichever of the two is out.
    clean_data_past_the_page_is_invalid_argument {
        expected: Outcome::InvalidArgument(0),
        kernel: by_arch!(
            aarch64 = "arm/64/kernel/vspace.c:1655 decodeARMFrameInvocation: end > page_size",
            aarch32 = "arm/32/kernel/vspace.c:2474 decodeARMFrameInvocation: end > page_size",
        ),
        run: |env| {
            let (_, frame) = written_page(env)?;
            Ok(outcome(flush(frame, Flush::Clean, 0, PAGE + 8)))
        },
    }

    /// At EL2 the kernel flushes through its own window onto physical memory, which ends at
    /// PADDR_TOP (2^39 - 2^30 here): a frame past it (device memory at 512 GiB) is refused. The
    /// kernels at EL1 flush through the mapping and have no such check.
    #[cfg(target_arch = "aarch64")]
    clean_data_of_a_frame_past_the_kernels_window_is_illegal_operation {
        applies: by_arch!(aarch64_el1 = false, other = true),
        expected: Outcome::Err(IllegalOperation),
        kernel: "arm/64/kernel/vspace.c:1665 decodeARMFrameInvocation: pstart + size > PADDR_TOP",
        run: |env| {
            let frame = env.device_frame(0x80_0000_0000)?;
            let vaddr = env.page_region()?;
            frame.frame_map(VSPACE.cap(), vaddr, rw(), crate::arch::DEVICE_ATTRIBUTES)
                .context("prepare: map the device frame")?;
            Ok(outcome(flush(frame, Flush::Clean, 0, PAGE)))
        },
    }

    /// Invalidating discards what a program may have written, yet a read-only mapping may: the
    /// aarch64 kernel at EL1 asks for a writable one (vmRightsFromPTE), since it invalidates
    /// through the mapping (`dc ivac`); at EL2 (KernelArmHypervisorSupport) it flushes through
    /// its own window and checks only that; aarch32 never asks.
    invalidate_data_of_a_read_only_mapping {
        expected: by_arch!(
            aarch64_el1 = Outcome::Err(IllegalOperation),
            other = Outcome::Seen(Effect::KeepsItsContents),
        ),
        kernel: by_arch!(
            aarch64_el1 = "arm/64/kernel/vspace.c:1686 decodeARMFrameInvocation: at EL1 vmRightsFromPTE is VMReadWrite",
            aarch64 = "arm/64/kernel/vspace.c decodeARMFrameInvocation: at EL2 no rights check -> doFlush",
            aarch32 = "arm/32/kernel/vspace.c decodeARMFrameInvocation -> doFlush",
        ),
        run: |env| {
            let (vaddr, copy) = read_only_copy(env)?;
            let result = outcome(flush(copy, Flush::Invalidate, 0, PAGE));
            kept(env, result, vaddr)
        },
    }

    vspace_clean_data_over_a_mapped_page {
        expected: Outcome::Seen(Effect::KeepsItsContents),
        kernel: by_arch!(
            aarch64 = "arm/64/kernel/vspace.c decodeARMVSpaceRootInvocation -> performVSpaceFlush",
            aarch32 = "arm/32/kernel/vspace.c decodeARMPageDirectoryInvocation -> performPDFlush",
        ),
        run: |env| {
            let (vaddr, _) = written_page(env)?;
            let result = outcome(flush_vspace(VSPACE.cap().cptr(), Flush::Clean, vaddr, vaddr + PAGE));
            kept(env, result, vaddr)
        },
    }

    vspace_clean_data_with_one_word_is_truncated {
        expected: Outcome::Err(TruncatedMessage),
        kernel: by_arch!(
            aarch64 = "arm/64/kernel/vspace.c:1320 decodeARMVSpaceRootInvocation: length < 2",
            aarch32 = "arm/32/kernel/vspace.c:2017 decodeARMPageDirectoryInvocation: length < 2",
        ),
        run: |env| {
            let (vaddr, _) = written_page(env)?;
            let (vspace, word) = (VSPACE.cap().cptr(), vaddr as sel4::Word);
            Ok(outcome(invoke(vspace, label::VSPACE_CLEAN_DATA, &[word], &[])))
        },
    }

    vspace_clean_data_of_an_empty_range_is_invalid_argument {
        expected: Outcome::InvalidArgument(1),
        kernel: by_arch!(
            aarch64 = "arm/64/kernel/vspace.c:1330 decodeARMVSpaceRootInvocation: end <= start",
            aarch32 = "arm/32/kernel/vspace.c:2027 decodeARMPageDirectoryInvocation: end <= start",
        ),
        run: |env| {
            let (vaddr, _) = written_page(env)?;
            Ok(outcome(flush_vspace(VSPACE.cap().cptr(), Flush::Clean, vaddr + 8, vaddr + 8)))
        },
    }

    /// A range that ends past the user range: the kernel's own addresses are not the thread's
    /// to flush.
    vspace_clean_data_past_the_user_range_is_illegal_operation {
        expected: Outcome::Err(IllegalOperation),
        kernel: by_arch!(
            aarch64 = "arm/64/kernel/vspace.c:1338 decodeARMVSpaceRootInvocation: end > USER_TOP",
            aarch32 = "arm/32/kernel/vspace.c:2035 decodeARMPageDirectoryInvocation: end > USER_TOP",
        ),
        run: |_env| {
            let (start, end) = (HIGHEST_PAGE, USER_TOP_PAGE + PAGE);
            Ok(outcome(flush_vspace(VSPACE.cap().cptr(), Flush::Clean, start, end)))
        },
    }

    /// A VSpace object with no ASID is no VSpace yet, to flush either; the capability invoked is
    /// capability 0.
    vspace_clean_data_of_a_vspace_without_asid_is_invalid_capability {
        expected: Outcome::InvalidCapability(0),
        kernel: by_arch!(
            aarch64 = "arm/64/kernel/vspace.c:1344 decodeARMVSpaceRootInvocation -> isValidNativeRoot",
            aarch32 = "arm/32/kernel/vspace.c:2041 decodeARMPageDirectoryInvocation: capPDIsMapped is false",
        ),
        run: |env| {
            let vspace = env.alloc::<VSpaceType>()?;
            let vaddr = ENTRIES.start * span(0);
            Ok(outcome(flush_vspace(vspace.cptr(), Flush::Clean, vaddr, vaddr + PAGE)))
        },
    }

    vspace_clean_data_of_a_vspace_whose_asid_pool_was_deleted {
        expected: Outcome::OtherLookup {
            source: 0,
            kind: sel4::sys::seL4_LookupFailureType::seL4_InvalidRoot as sel4::Word,
        },
        kernel: by_arch!(
            aarch64 = "arm/64/kernel/vspace.c:1355 decodeARMVSpaceRootInvocation: findVSpaceForASID fails",
            aarch32 = "arm/32/kernel/vspace.c:2055 decodeARMPageDirectoryInvocation: findPDForASID fails",
        ),
        run: |env| {
            let vspace = env.orphan_vspace()?;
            let vaddr = ENTRIES.start * span(0);
            Ok(outcome(flush_vspace(vspace.cptr(), Flush::Clean, vaddr, vaddr + PAGE)))
        },
    }

    /// The VSpace's ASID was given to another VSpace since (its pool deleted, a new pool in the
    /// same place): the ASID leads to the other.
    vspace_clean_data_of_a_vspace_whose_asid_went_to_another {
        expected: Outcome::InvalidCapability(0),
        kernel: by_arch!(
            aarch64 = "arm/64/kernel/vspace.c:1362 decodeARMVSpaceRootInvocation: the ASID's VSpace is another",
            aarch32 = "arm/32/kernel/vspace.c:2062 decodeARMPageDirectoryInvocation: the ASID's PD is another",
        ),
        run: |env| {
            let vspace = env.vspace_whose_asid_went_to_another()?;
            let vaddr = ENTRIES.start * span(0);
            Ok(outcome(flush_vspace(vspace.cptr(), Flush::Clean, vaddr, vaddr + PAGE)))
        },
    }

    /// A range over the end of the page its start is in: the kernel says which range is valid,
    /// from the start to the page's last byte (here as offsets from the page).
    vspace_clean_data_across_a_page_boundary_is_range_error {
        expected: Outcome::RangeError { min: PAGE as sel4::Word - 8, max: PAGE as sel4::Word - 1 },
        kernel: by_arch!(
            aarch64 = "arm/64/kernel/vspace.c:1384 decodeARMVSpaceRootInvocation: start and end - 1 in two pages",
            aarch32 = "arm/32/kernel/vspace.c:2082 decodeARMPageDirectoryInvocation: start and end - 1 in two pages",
        ),
        run: |env| {
            let (vaddr, _) = written_page(env)?;
            let (start, end) = (vaddr + PAGE - 8, vaddr + PAGE + 8);
            let result = outcome(flush_vspace(VSPACE.cap().cptr(), Flush::Clean, start, end));
            Ok(result.relative_to(vaddr))
        },
    }

    /// As the page's own invalidation: the EL1 kernel asks for a writable mapping.
    vspace_invalidate_data_of_a_read_only_mapping {
        expected: by_arch!(
            aarch64_el1 = Outcome::Err(IllegalOperation),
            other = Outcome::Seen(Effect::KeepsItsContents),
        ),
        kernel: by_arch!(
            aarch64_el1 = "arm/64/kernel/vspace.c:1396 decodeARMVSpaceRootInvocation: at EL1 vmRightsFromPTE is VMReadWrite",
            aarch64 = "arm/64/kernel/vspace.c decodeARMVSpaceRootInvocation: at EL2 no rights check -> performVSpaceFlush",
            aarch32 = "arm/32/kernel/vspace.c decodeARMPageDirectoryInvocation -> performPDFlush",
        ),
        run: |env| {
            let (vaddr, _) = read_only_copy(env)?;
            let result =
                outcome(flush_vspace(VSPACE.cap().cptr(), Flush::Invalidate, vaddr, vaddr + PAGE));
            kept(env, result, vaddr)
        },
    }
}
