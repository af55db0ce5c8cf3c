// SPDX-License-Identifier: BSD-2-Clause

//! Further exercise: the rights of a mapping. The same page is mapped read-only, then read-write,
//! then write-only — which x86 page tables cannot express. `make simulate ARCH=x86_64
//! EXERCISE=rights` boots this file; the book, "Rights", walks through it and the kernel's answer.

#![no_std]
#![no_main]

#[allow(unused_imports)] // The TODOs' solutions use it.
use mapping_tutorial::Context;
use mapping_tutorial::paging::{MappedPage, map_page_with_structures};
use mapping_tutorial::{Failure, ObjectAllocator};
use sel4::init_thread::slot::VSPACE;
use sel4::{CapRights, VmAttributes};
use sel4_root_task::{Never, root_task};

/// As in the main exercise: PML4 slot 1, clear of this program's own image in slot 0.
const TEST_VADDR: usize = 0xA0_0000_0000;

#[root_task]
#[allow(unused_variables)] // `vspace` and `attributes` wait for the TODOs below.
fn main(bootinfo: &sel4::BootInfoPtr) -> Result<Never, Failure> {
    mapping_tutorial::logging::init();
    let (vspace, attributes) = (VSPACE.cap(), VmAttributes::default());

    // The main exercise's mappings (mapping_tutorial::paging), with the page read-only.
    let mut objects = ObjectAllocator::new(bootinfo)?;
    let MappedPage { frame, .. } =
        map_page_with_structures(&mut objects, TEST_VADDR, CapRights::read_only())?;
    log::info!("Mapped the page read-only");

    // TODO remap the page read-write
    // frame
    //     .frame_map(vspace, TEST_VADDR, CapRights::read_write(), attributes)
    //     .context("Failed to remap page")?;
    // log::info!("Remapped the page read-write");

    // TODO remap the page write-only
    // frame
    //     .frame_map(vspace, TEST_VADDR, CapRights::write_only(), attributes)
    //     .context("Failed to remap page")?;
    // log::info!("Remapped the page write-only");

    // Read, then write, through the mapping as it is now; a right it lacks is a VM fault.
    let x = TEST_VADDR as *mut sel4::Word;
    log::info!("Reading x");
    // SAFETY: the frame is mapped at TEST_VADDR, and nothing else uses that memory. An access the
    // mapping does not allow faults and ends the program.
    log::info!("Read x: {}", unsafe { x.read_volatile() });
    log::info!("Writing x");
    // SAFETY: as above.
    unsafe { x.write_volatile(5) };
    // SAFETY: as above.
    log::info!("Wrote x: {}", unsafe { x.read_volatile() });

    log::info!("Success!");
    sel4::init_thread::suspend_self()
}
