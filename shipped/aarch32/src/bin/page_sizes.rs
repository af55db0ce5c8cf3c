// SPDX-License-Identifier: BSD-2-Clause

//! Further exercise: page sizes, on aarch32. A 64 KiB large page fills 16 entries of a page
//! table; a 1 MiB section is an entry of the page directory itself (no page table), and a 16 MiB
//! supersection fills 16 of its entries. `make simulate ARCH=aarch32 EXERCISE=page-sizes` boots
//! this file; the book, "Page sizes", walks through it.

#![no_std]
#![no_main]

use mapping_tutorial::paging::write_and_read_both_ends;
use mapping_tutorial::{Context, Failure, ObjectAllocator, mapping_failed_lookup_level};
use sel4::init_thread::slot::VSPACE;
use sel4::{CapRights, FrameObjectType, VmAttributes};
use sel4_root_task::{Never, root_task};

/// Page directory entry 0x400 (entry 0 maps this program): the large page goes here.
const LARGE_VADDR: usize = 0x4000_0000;
/// The next 1 MiB, entry 0x401: the section goes here.
const SECTION_VADDR: usize = 0x4010_0000;
/// The next 16 MiB-aligned address, entries 0x410 to 0x41f: the supersection goes here.
const SUPERSECTION_VADDR: usize = 0x4100_0000;

#[root_task]
#[allow(unused_variables)] // `pt` and `bootinfo` wait for the TODOs below.
fn main(bootinfo: &sel4::BootInfoPtr) -> Result<Never, Failure> {
    mapping_tutorial::logging::init();
    let (vspace, attributes) = (VSPACE.cap(), VmAttributes::default());

    // 4 MiB of untyped memory: room for the large page, the page table and a 1 MiB section.
    let mut objects = ObjectAllocator::with_untyped_of_at_least(bootinfo, 22)?;
    let pt = objects.allocate::<sel4::cap_type::PT>()?;
    let large_page = objects.allocate::<sel4::cap_type::LargePage>()?;

    // TODO map a page table: a 64 KiB page is 16 of its entries
    // pt.pt_map(vspace, LARGE_VADDR, attributes)
    //     .context("Failed to map page table")?;

    // Map the 64 KiB page (seL4_ARM_Page_Map on a seL4_ARM_LargePageObject).
    let mapped = large_page.frame_map(vspace, LARGE_VADDR, CapRights::read_write(), attributes);
    if mapped == Err(sel4::Error::FailedLookup) {
        log::info!(
            "Missing intermediate paging structure at level {}",
            mapping_failed_lookup_level()
        );
    }
    mapped.context("Failed to map large page")?;
    // SAFETY: the large page is mapped read-write at LARGE_VADDR, and nothing else uses it.
    unsafe { write_and_read_both_ends(LARGE_VADDR, FrameObjectType::LargePage.bits()) };

    // TODO map a 1 MiB section and a 16 MiB supersection straight into the page directory
    // map_sections(&mut objects, bootinfo)?;

    log::info!("Success!");
    sel4::init_thread::suspend_self()
}

/// Maps a section at SECTION_VADDR and a supersection, from an untyped region large enough, at
/// SUPERSECTION_VADDR.
#[allow(dead_code)] // Called by the TODO's solution.
fn map_sections(objects: &mut ObjectAllocator, bootinfo: &sel4::BootInfo) -> Result<(), Failure> {
    let (vspace, attributes) = (VSPACE.cap(), VmAttributes::default());
    let section = objects.allocate::<sel4::cap_type::Section>()?;
    section
        .frame_map(vspace, SECTION_VADDR, CapRights::read_write(), attributes)
        .context("Failed to map section")?;
    // SAFETY: the section is mapped read-write at SECTION_VADDR, and nothing else uses it.
    unsafe { write_and_read_both_ends(SECTION_VADDR, FrameObjectType::Section.bits()) };

    // 2^24 bytes: the supersection takes a 16 MiB untyped region, or part of a larger one.
    objects.use_untyped_of_at_least(bootinfo, 24)?;
    let supersection = objects.allocate_supersection()?;
    supersection
        .frame_map(
            vspace,
            SUPERSECTION_VADDR,
            CapRights::read_write(),
            attributes,
        )
        .context("Failed to map supersection")?;
    // SAFETY: the supersection (2^24 bytes) is mapped read-write at SUPERSECTION_VADDR, and
    // nothing else uses it.
    unsafe { write_and_read_both_ends(SUPERSECTION_VADDR, 24) };
    Ok(())
}
