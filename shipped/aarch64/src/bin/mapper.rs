// SPDX-License-Identifier: BSD-2-Clause

//! Further exercise: a generic mapper, on aarch64. When a mapping fails with `seL4_FailedLookup`,
//! the lookup level says which page table is missing; make one, map it, and try again, until the
//! frame maps. Every structure below an aarch64 VSpace is a page table (`seL4_ARM_PageTable`): the
//! level tells which one. `make simulate ARCH=aarch64 EXERCISE=mapper` boots this file;
//! the book, "A generic mapper", walks through it.

#![no_std]
#![no_main]

use mapping_tutorial::missing_level::Made;
#[allow(unused_imports)] // The TODOs' solutions use it.
use mapping_tutorial::missing_level::PagingObject;
use mapping_tutorial::{Context, Failure, ObjectAllocator, mapping_failed_lookup_level};
use sel4::init_thread::slot::VSPACE;
use sel4::{CapRights, VmAttributes};
use sel4_root_task::{Never, root_task};

/// Four pages, each needing one page table fewer than the one before: 0xA0_0000_0000 is in a
/// 512 GiB region with nothing below the VSpace yet (entry 1; entry 0 maps this program), the
/// next is under the same level-1 table but in another 1 GiB, the next under the same level-2
/// table but in another 2 MiB, and the last shares the level-3 table of the one before it.
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

/// Maps `frame` read-write at `vaddr`, making each missing page table on the way, and returns the
/// page tables it made.
#[allow(unused_mut, unused_variables)] // `objects` and `made` wait for the TODOs below.
fn map_frame(
    objects: &mut ObjectAllocator,
    frame: sel4::cap::Granule,
    vaddr: usize,
) -> Result<Made, Failure> {
    let mut made = Made::default();
    // At most three page tables below the VSpace: a fourth failure means no progress.
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

        // TODO name the page table that is missing at this level
        // let missing = PagingObject::missing_at_level(level).map_err(|unknown| {
        //     log::error!("{unknown}");
        //     Failure::new("Failed to name the missing page table")
        // })?;
        // log::info!("{vaddr:#x}: the {missing} is missing");

        // TODO make a page table, map it (it goes where the walk stopped), and try again
        // objects
        //     .allocate::<sel4::cap_type::PT>()?
        //     .pt_map(VSPACE.cap(), vaddr, VmAttributes::default())
        //     .context("Failed to map page table")?;
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
