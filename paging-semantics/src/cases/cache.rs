// SPDX-License-Identifier: BSD-2-Clause

//! ARM's cache maintenance on a mapped page (`seL4_ARM_Page_Clean_Data` and its siblings): the
//! range is offsets within the page and the frame must be mapped. (rust-sel4 has no wrapper:
//! libsel4's call, through the IPC buffer.)

use mapping_tutorial::Context;
use sel4::CapRights;
use sel4::Error::IllegalOperation;

use crate::arch::PAGE;
use crate::case::{by_arch, cases};
use crate::env::{map_frame, rw};
use crate::outcome::{Outcome, outcome};

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

cases! {
    clean_data_over_a_mapped_page {
        expected: Outcome::Ok,
        kernel: by_arch!(
            aarch64 = "arm/64/kernel/vspace.c decodeARMFrameInvocation -> doFlush",
            aarch32 = "arm/32/kernel/vspace.c decodeARMFrameInvocation -> doFlush",
        ),
        run: |env| {
            let vaddr = env.page_region()?;
            let frame = env.mapped_frame_at(vaddr, rw())?;
            Ok(outcome(flush(frame, Flush::Clean, 0, PAGE)))
        },
    }

    clean_data_of_an_unmapped_frame_is_illegal_operation {
        expected: Outcome::Err(IllegalOperation),
        kernel: by_arch!(
            aarch64 = "arm/64/kernel/vspace.c decodeARMFrameInvocation: Page Flush: Frame is not mapped",
            aarch32 = "arm/32/kernel/vspace.c decodeARMFrameInvocation: Page Flush: Frame is not mapped",
        ),
        run: |env| {
            Ok(outcome(flush(env.frame()?, Flush::Clean, 0, PAGE)))
        },
    }

    /// The end is exclusive: an empty range names the end (argument 1).
    clean_data_of_an_empty_range_is_invalid_argument {
        expected: Outcome::InvalidArgument(1),
        kernel: by_arch!(
            aarch64 = "arm/64/kernel/vspace.c decodeARMFrameInvocation: end <= start",
            aarch32 = "arm/32/kernel/vspace.c decodeARMFrameInvocation: end <= start",
        ),
        run: |env| {
            let vaddr = env.page_region()?;
            let frame = env.mapped_frame_at(vaddr, rw())?;
            Ok(outcome(flush(frame, Flush::Clean, 8, 8)))
        },
    }

    /// Offsets past the page name the start (argument 0), whichever of the two is out.
    clean_data_past_the_page_is_invalid_argument {
        expected: Outcome::InvalidArgument(0),
        kernel: by_arch!(
            aarch64 = "arm/64/kernel/vspace.c decodeARMFrameInvocation: end > page_size",
            aarch32 = "arm/32/kernel/vspace.c decodeARMFrameInvocation: end > page_size",
        ),
        run: |env| {
            let vaddr = env.page_region()?;
            let frame = env.mapped_frame_at(vaddr, rw())?;
            Ok(outcome(flush(frame, Flush::Clean, 0, PAGE + 8)))
        },
    }

    /// Invalidating discards what a program may have written, yet a read-only mapping may: the
    /// aarch64 kernel at EL1 asks for a writable one (vmRightsFromPTE), since it invalidates
    /// through the mapping (`dc ivac`); at EL2 (KernelArmHypervisorSupport) it flushes through
    /// its own window and checks only that; aarch32 never asks.
    invalidate_data_of_a_read_only_mapping {
        expected: by_arch!(
            aarch64_el1 = Outcome::Err(IllegalOperation),
            other = Outcome::Ok,
        ),
        kernel: by_arch!(
            aarch64_el1 = "arm/64/kernel/vspace.c decodeARMFrameInvocation: at EL1 vmRightsFromPTE is VMReadWrite",
            aarch64 = "arm/64/kernel/vspace.c decodeARMFrameInvocation: at EL2 no rights check -> doFlush",
            aarch32 = "arm/32/kernel/vspace.c decodeARMFrameInvocation -> doFlush",
        ),
        run: |env| {
            let vaddr = env.page_region()?;
            let frame = env.frame()?;
            map_frame(frame, vaddr, CapRights::read_only())
                .context("prepare: map the frame read-only")?;
            Ok(outcome(flush(frame, Flush::Invalidate, 0, PAGE)))
        },
    }
}
