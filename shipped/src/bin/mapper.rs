// SPDX-License-Identifier: BSD-2-Clause

//! Further exercise: a generic mapper. When a mapping fails with `seL4_FailedLookup`, the lookup
//! level says which paging structure is missing; make it, map it, and try again, until the frame
//! maps. `make simulate ARCH=x86_64 EXERCISE=mapper` boots this file; the book, "A generic
//! mapper", walks through it.

#![no_std]
#![no_main]

use mapping_tutorial::missing_level::Made;
use mapping_tutorial::{Context, Failure, ObjectAllocator, mapping_failed_lookup_level};
#[allow(unused_imports)] // The TODOs' solutions use them.
use mapping_tutorial::{missing_level::PagingObject, paging::make_and_map};
use sel4::init_thread::slot::VSPACE;
use sel4::{CapRights, VmAttributes};
use sel4_root_task::{Never, root_task};

/// Four pages, each needing one structure fewer than the one before: 0xA0_0000_0000 is in a
/// 512 GiB region with no PDPT yet (PML4 slot 1; slot 0 maps this program), the next is in the
/// same PDPT but another 1 GiB region, the next in the same page directory but another 2 MiB
/// region, and the last shares the page table of the one before it.
const ADDRESSES: [usize; 4] = [
    0xA0_0000_0000,
    0xA0_4000_0000,
    0xA0_4020_0000,
    0xA0_4020_1000,
];

#[root_task]
fn main(bootinfo: &sel4::BootInfoPtr) -> Result<Never, Failure> {
    mapping_tutorial::logging::init();
    let mut objects = ObjectAllocator::new(bootinfo)?;

    for vaddr in ADDRESSES {
        let frame = objects.allocate::<sel4::cap_type::Granule>()?;
        let made = map_frame(&mut objects, frame, vaddr)?;
        log::info!("{vaddr:#x}: mapped, after making {made}");

        let x = vaddr as *mut sel4::Word;
        // SAFETY: the frame is mapped read-write at vaddr, and nothing else uses that memory.
        let read = unsafe {
            x.write_volatile(vaddr as sel4::Word);
            x.read_volatile()
        };
        log::info!("{vaddr:#x}: wrote and read back {read:#x}");
    }

    log::info!("Success!");
    sel4::init_thread::suspend_self()
}

/// Maps `frame` read-write at `vaddr`, making each missing paging structure on the way, and
/// returns the structures it made.
#[allow(unused_mut, unused_variables)] // `objects` and `made` wait for the TODOs below.
fn map_frame(
    objects: &mut ObjectAllocator,
    frame: sel4::cap::Granule,
    vaddr: usize,
) -> Result<Made, Failure> {
    let mut made = Made::default();
    // x86_64 has three structures below the PML4: a fourth failure means no progress.
    for _ in 0..4 {
        let mapped = frame.frame_map(
            VSPACE.cap(),
            vaddr,
            CapRights::read_write(),
            VmAttributes::default(),
        );
        if mapped != Err(sel4::Error::FailedLookup) {
            mapped.context("Failed to map page")?;
            return Ok(made);
        }
        let level = mapping_failed_lookup_level() as usize;
        log::info!("{vaddr:#x}: missing intermediate paging structure at level {level}");
        let before = made.len();

        // TODO name the paging object that is missing at this level
        // let missing = PagingObject::missing_at_level(level).map_err(|unknown| {
        //     log::error!("{unknown}");
        //     Failure::new("Failed to name the missing paging object")
        // })?;
        // log::info!("{vaddr:#x}: the {missing} is missing");

        // TODO make the missing object, map it, and let the loop try the frame again
        // make_and_map(objects, missing, vaddr)?;
        // made.push(missing);

        if made.len() == before {
            return Err(Failure::new(
                "Failed to map page: nothing was made for the missing level",
            ));
        }
    }
    Err(Failure::new(
        "Failed to map page: still missing a paging structure",
    ))
}
