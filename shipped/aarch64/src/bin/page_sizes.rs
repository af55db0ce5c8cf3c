// SPDX-License-Identifier: BSD-2-Clause

//! Further exercise: page sizes, on aarch64. A 2 MiB large page is mapped by an entry of a
//! level-2 page table (no level-3 table), a 1 GiB huge page by an entry of a level-1 page table
//! (no level-2 table either). `make simulate ARCH=aarch64 EXERCISE=page-sizes` boots this file;
//! the book, "Page sizes", walks through it.

#![no_std]
#![no_main]

use mapping_tutorial::paging::write_and_read_both_ends;
use mapping_tutorial::{Context, Failure, ObjectAllocator, mapping_failed_lookup_level};
use sel4::init_thread::slot::VSPACE;
use sel4::{CapRights, FrameObjectType, VmAttributes};
use sel4_root_task::{Never, root_task};

/// The first 1 GiB of VSpace entry 1 (entry 0 maps this program): the large page goes here.
const LARGE_VADDR: usize = 0xA0_0000_0000;
/// The next 1 GiB, served by the same level-1 page table: the huge page goes here.
const HUGE_VADDR: usize = 0xA0_4000_0000;

#[root_task]
#[allow(unused_variables)] // `pt_l2` and `bootinfo` wait for the TODOs below.
fn main(bootinfo: &sel4::BootInfoPtr) -> Result<Never, Failure> {
    mapping_tutorial::logging::init();
    let (vspace, attributes) = (VSPACE.cap(), VmAttributes::default());

    // 4 MiB of untyped memory: room for a 2 MiB page at a 2 MiB-aligned place, and the tables.
    let mut objects = ObjectAllocator::with_untyped_of_at_least(bootinfo, 22)?;
    let pt_l1 = objects.allocate::<sel4::cap_type::PT>()?;
    let pt_l2 = objects.allocate::<sel4::cap_type::PT>()?;
    let large_page = objects.allocate::<sel4::cap_type::LargePage>()?;
    pt_l1
        .pt_map(vspace, LARGE_VADDR, attributes)
        .context("Failed to map level-1 page table")?;

    // TODO map a level-2 page table: a large page needs one, but no level-3 table
    // pt_l2
    //     .pt_map(vspace, LARGE_VADDR, attributes)
    //     .context("Failed to map level-2 page table")?;

    // Map the 2 MiB page (seL4_ARM_Page_Map on a seL4_ARM_LargePageObject).
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

    // TODO map a 1 GiB huge page straight into the level-1 page table
    // map_huge_page(&mut objects, bootinfo)?;

    log::info!("Success!");
    sel4::init_thread::suspend_self()
}

/// Allocates a 1 GiB page from an untyped region large enough and maps it at HUGE_VADDR.
#[allow(dead_code)] // Called by the TODO's solution.
fn map_huge_page(objects: &mut ObjectAllocator, bootinfo: &sel4::BootInfo) -> Result<(), Failure> {
    // 2^30 bytes: the page takes a whole 1 GiB untyped region of its own.
    objects.use_untyped_of_at_least(bootinfo, 30)?;
    let huge_page = objects.allocate::<sel4::cap_type::HugePage>()?;
    huge_page
        .frame_map(
            VSPACE.cap(),
            HUGE_VADDR,
            CapRights::read_write(),
            VmAttributes::default(),
        )
        .context("Failed to map huge page")?;
    // SAFETY: the huge page is mapped read-write at HUGE_VADDR, and nothing else uses it.
    unsafe { write_and_read_both_ends(HUGE_VADDR, FrameObjectType::HugePage.bits()) };
    Ok(())
}
