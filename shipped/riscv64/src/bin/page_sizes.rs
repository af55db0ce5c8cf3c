// SPDX-License-Identifier: BSD-2-Clause

//! Further exercise: page sizes, on riscv64. A 2 MiB megapage is mapped by an entry of a level-1
//! page table (no level-0 table), a 1 GiB gigapage by an entry of the root page table itself (no
//! page table at all). `make simulate ARCH=riscv64 EXERCISE=page-sizes` boots this file;
//! the book, "Page sizes", walks through it.

#![no_std]
#![no_main]

use mapping_tutorial::paging::write_and_read_both_ends;
use mapping_tutorial::{Context, Failure, ObjectAllocator, mapping_failed_lookup_level};
use sel4::init_thread::slot::VSPACE;
use sel4::{CapRights, FrameObjectType, VmAttributes};
use sel4_root_task::{Never, root_task};

/// The first 2 MiB of root entry 64 (entry 0 maps this program): the megapage goes here.
const MEGA_VADDR: usize = 0x10_0000_0000;
/// Root entry 65, the next 1 GiB: the gigapage goes here.
const GIGA_VADDR: usize = 0x10_4000_0000;

#[root_task]
#[allow(unused_variables)] // `pt_l1` and `bootinfo` wait for the TODOs below.
fn main(bootinfo: &sel4::BootInfoPtr) -> Result<Never, Failure> {
    mapping_tutorial::logging::init();
    let (vspace, attributes) = (VSPACE.cap(), VmAttributes::default());

    // 4 MiB of untyped memory: room for a 2 MiB page at a 2 MiB-aligned place, and the table.
    let mut objects = ObjectAllocator::with_untyped_of_at_least(bootinfo, 22)?;
    let pt_l1 = objects.allocate::<sel4::cap_type::PageTable>()?;
    let mega_page = objects.allocate::<sel4::cap_type::MegaPage>()?;

    // TODO map a level-1 page table: a megapage needs one, but no level-0 table
    // pt_l1
    //     .page_table_map(vspace, MEGA_VADDR, attributes)
    //     .context("Failed to map level-1 page table")?;

    // Map the 2 MiB page (seL4_RISCV_Page_Map on a seL4_RISCV_Mega_Page).
    let mapped = mega_page.frame_map(vspace, MEGA_VADDR, CapRights::read_write(), attributes);
    if mapped == Err(sel4::Error::FailedLookup) {
        log::info!(
            "Missing intermediate paging structure at level {}",
            mapping_failed_lookup_level()
        );
    }
    mapped.context("Failed to map megapage")?;
    // SAFETY: the megapage is mapped read-write at MEGA_VADDR, and nothing else uses it.
    unsafe { write_and_read_both_ends(MEGA_VADDR, FrameObjectType::MegaPage.bits()) };

    // TODO map a 1 GiB gigapage straight into the root page table
    // map_giga_page(&mut objects, bootinfo)?;

    log::info!("Success!");
    sel4::init_thread::suspend_self()
}

/// Allocates a 1 GiB page from an untyped region large enough and maps it at GIGA_VADDR.
#[allow(dead_code)] // Called by the TODO's solution.
fn map_giga_page(objects: &mut ObjectAllocator, bootinfo: &sel4::BootInfo) -> Result<(), Failure> {
    // 2^30 bytes: the page takes a whole 1 GiB untyped region of its own.
    objects.use_untyped_of_at_least(bootinfo, 30)?;
    let giga_page = objects.allocate::<sel4::cap_type::GigaPage>()?;
    giga_page
        .frame_map(
            VSPACE.cap(),
            GIGA_VADDR,
            CapRights::read_write(),
            VmAttributes::default(),
        )
        .context("Failed to map gigapage")?;
    // SAFETY: the gigapage is mapped read-write at GIGA_VADDR, and nothing else uses it.
    unsafe { write_and_read_both_ends(GIGA_VADDR, FrameObjectType::GigaPage.bits()) };
    Ok(())
}
