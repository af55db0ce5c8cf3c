// SPDX-License-Identifier: BSD-2-Clause

//! Further exercise: page sizes, on riscv32. Sv32 has two: a 4 KiB page, mapped by an entry of a
//! level-0 page table, and a 4 MiB megapage, an entry of the root page table itself (no page
//! table). `make simulate ARCH=riscv32 EXERCISE=page-sizes` boots this file; the book, "Page
//! sizes", walks through it.

#![no_std]
#![no_main]

use mapping_tutorial::paging::write_and_read_both_ends;
use mapping_tutorial::{Context, Failure, ObjectAllocator, mapping_failed_lookup_level};
use sel4::init_thread::slot::VSPACE;
use sel4::{CapRights, FrameObjectType, VmAttributes};
use sel4_root_task::{Never, root_task};

/// Root entry 0x100 (entry 0 maps this program): the 4 KiB page goes here.
const SMALL_VADDR: usize = 0x4000_0000;
/// Root entry 0x101, the next 4 MiB: the megapage goes here.
const MEGA_VADDR: usize = 0x4040_0000;

#[root_task]
#[allow(unused_variables)] // `pt_l0` waits for the TODOs below.
fn main(bootinfo: &sel4::BootInfoPtr) -> Result<Never, Failure> {
    mapping_tutorial::logging::init();
    let (vspace, attributes) = (VSPACE.cap(), VmAttributes::default());

    // 8 MiB of untyped memory: room for a 4 MiB page at a 4 MiB-aligned place, and the rest.
    let mut objects = ObjectAllocator::with_untyped_of_at_least(bootinfo, 23)?;
    let pt_l0 = objects.allocate::<sel4::cap_type::PageTable>()?;
    let small_page = objects.allocate::<sel4::cap_type::Granule>()?;

    // TODO map a level-0 page table: a 4 KiB page needs one
    // pt_l0
    //     .page_table_map(vspace, SMALL_VADDR, attributes)
    //     .context("Failed to map level-0 page table")?;

    // Map the 4 KiB page (seL4_RISCV_Page_Map on a seL4_RISCV_4K_Page).
    let mapped = small_page.frame_map(vspace, SMALL_VADDR, CapRights::read_write(), attributes);
    if mapped == Err(sel4::Error::FailedLookup) {
        log::info!(
            "Missing intermediate paging structure at level {}",
            mapping_failed_lookup_level()
        );
    }
    mapped.context("Failed to map page")?;
    // SAFETY: the page is mapped read-write at SMALL_VADDR, and nothing else uses it.
    unsafe { write_and_read_both_ends(SMALL_VADDR, FrameObjectType::GRANULE.bits()) };

    // TODO map a 4 MiB megapage straight into the root page table
    // map_mega_page(&mut objects)?;

    log::info!("Success!");
    sel4::init_thread::suspend_self()
}

/// Allocates a 4 MiB page and maps it at MEGA_VADDR.
#[allow(dead_code)] // Called by the TODO's solution.
fn map_mega_page(objects: &mut ObjectAllocator) -> Result<(), Failure> {
    let mega_page = objects.allocate::<sel4::cap_type::MegaPage>()?;
    mega_page
        .frame_map(
            VSPACE.cap(),
            MEGA_VADDR,
            CapRights::read_write(),
            VmAttributes::default(),
        )
        .context("Failed to map megapage")?;
    // SAFETY: the megapage is mapped read-write at MEGA_VADDR, and nothing else uses it.
    unsafe { write_and_read_both_ends(MEGA_VADDR, FrameObjectType::MegaPage.bits()) };
    Ok(())
}
