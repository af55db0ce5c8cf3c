// SPDX-License-Identifier: BSD-2-Clause

//! Further exercise: page sizes. A 2 MiB large page is mapped by a page directory entry (no page
//! table), a 1 GiB huge page by a PDPT entry (no page directory either). `make simulate
//! ARCH=x86_64 EXERCISE=page-sizes` boots this file; the book, "Page sizes", walks through it.

#![no_std]
#![no_main]

use mapping_tutorial::paging::write_and_read_both_ends;
use mapping_tutorial::{Context, Failure, ObjectAllocator, mapping_failed_lookup_level};
use sel4::init_thread::slot::VSPACE;
use sel4::{CapRights, FrameObjectType, VmAttributes};
use sel4_root_task::{Never, root_task};

/// The first 1 GiB of PML4 slot 1 (slot 0 maps this program): the large page goes here.
const LARGE_VADDR: usize = 0xA0_0000_0000;
/// The next 1 GiB, served by the same PDPT: the huge page goes here.
const HUGE_VADDR: usize = 0xA0_4000_0000;

#[root_task]
#[allow(unused_variables)] // `pd` and `bootinfo` wait for the TODOs below.
fn main(bootinfo: &sel4::BootInfoPtr) -> Result<Never, Failure> {
    mapping_tutorial::logging::init();
    let (vspace, attributes) = (VSPACE.cap(), VmAttributes::default());

    // 4 MiB of untyped memory: room for a 2 MiB page at a 2 MiB-aligned place, and the structures.
    let mut objects = ObjectAllocator::with_untyped_of_at_least(bootinfo, 22)?;
    let pdpt = objects.allocate::<sel4::cap_type::PDPT>()?;
    let pd = objects.allocate::<sel4::cap_type::PageDirectory>()?;
    let large_page = objects.allocate::<sel4::cap_type::LargePage>()?;
    pdpt.pdpt_map(vspace, LARGE_VADDR, attributes)
        .context("Failed to map PDPT")?;

    // TODO map a page directory: a large page needs one, but no page table
    // pd.page_directory_map(vspace, LARGE_VADDR, attributes)
    //     .context("Failed to map page directory")?;

    // Map the 2 MiB page (seL4_X86_Page_Map on a seL4_X86_LargePageObject).
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

    // TODO map a 1 GiB huge page straight into the PDPT, where the kernel supports them
    // map_huge_page(&mut objects, bootinfo)?;

    log::info!("Success!");
    sel4::init_thread::suspend_self()
}

/// Allocates a 1 GiB page from an untyped region large enough and maps it at HUGE_VADDR.
#[sel4_config::sel4_cfg(HUGE_PAGE)]
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

/// Without the kernel's huge-page support (KernelHugePage), there is no such object to map.
#[sel4_config::sel4_cfg(not(HUGE_PAGE))]
#[allow(dead_code)] // Called by the TODO's solution.
fn map_huge_page(_: &mut ObjectAllocator, _: &sel4::BootInfo) -> Result<(), Failure> {
    log::info!("This kernel has no 1 GiB pages (KernelHugePage is off): no huge page mapped");
    Ok(())
}
