// SPDX-License-Identifier: BSD-2-Clause

//! Further exercise: unmapping, in each of the three ways the tutorial names — the page's own
//! unmap, unmapping a paging structure above it, deleting the last capability to that structure —
//! and mapping again after each. `make simulate ARCH=x86_64 EXERCISE=unmapping` boots this
//! file; the book, "Unmapping, three ways", walks through it.

#![no_std]
#![no_main]

use mapping_tutorial::paging::{MappedPage, map_page_with_structures};
#[allow(unused_imports)] // The TODOs' solutions use them.
use mapping_tutorial::{Context, paging::page_table_unmap};
use mapping_tutorial::{Failure, ObjectAllocator};
use sel4::init_thread::slot::{CNODE, VSPACE};
use sel4::{CapRights, VmAttributes};
use sel4_root_task::{Never, root_task};

/// As in the main exercise: PML4 slot 1, clear of this program's own image in slot 0.
const TEST_VADDR: usize = 0xA0_0000_0000;

#[root_task]
#[allow(unused_variables)] // `pt` and the capability space wait for the TODOs below.
fn main(bootinfo: &sel4::BootInfoPtr) -> Result<Never, Failure> {
    mapping_tutorial::logging::init();
    let (vspace, attributes, cspace) = (VSPACE.cap(), VmAttributes::default(), CNODE.cap());

    // Where the main exercise ends (mapping_tutorial::paging): every structure mapped, and a
    // read-write page at TEST_VADDR.
    let mut objects = ObjectAllocator::new(bootinfo)?;
    let MappedPage {
        page_table: pt,
        frame,
    } = map_page_with_structures(&mut objects, TEST_VADDR, CapRights::read_write())?;
    let x = TEST_VADDR as *mut sel4::Word;
    // SAFETY: the frame is mapped read-write at TEST_VADDR, and nothing else uses that memory.
    unsafe { x.write_volatile(5) };
    log::info!("Set x to 5");

    // TODO unmap the page
    // frame.frame_unmap().context("Failed to unmap page")?;
    // log::info!("Unmapped the page");

    // TODO map the same page again
    // frame
    //     .frame_map(vspace, TEST_VADDR, CapRights::read_write(), attributes)
    //     .context("Failed to map the page again")?;
    // log::info!("Mapped the page again");

    // TODO unmap the page table, and with it the page
    // page_table_unmap(pt).context("Failed to unmap page table")?;
    // log::info!("Unmapped the page table");

    // TODO map the page table again, then the page
    // pt.page_table_map(vspace, TEST_VADDR, attributes)
    //     .context("Failed to map the page table again")?;
    // frame
    //     .frame_map(vspace, TEST_VADDR, CapRights::read_write(), attributes)
    //     .context("Failed to map the page again")?;
    // log::info!("Mapped the page table and the page again");

    // TODO delete the last capability to the page table
    // cspace
    //     .absolute_cptr(pt)
    //     .delete()
    //     .context("Failed to delete the page table capability")?;
    // log::info!("Deleted the page table's capability");

    // TODO make a new page table, map it, then map the page again
    // objects
    //     .allocate::<sel4::cap_type::PageTable>()?
    //     .page_table_map(vspace, TEST_VADDR, attributes)
    //     .context("Failed to map a new page table")?;
    // frame
    //     .frame_map(vspace, TEST_VADDR, CapRights::read_write(), attributes)
    //     .context("Failed to map the page again")?;
    // log::info!("Mapped a new page table and the page again");

    // Read the page: where nothing maps TEST_VADDR, the kernel reports a VM fault instead.
    log::info!("Reading x at {TEST_VADDR:#x}");
    // SAFETY: as above while the page is mapped; unmapped, the read faults and ends the program.
    log::info!("Read x: {}", unsafe { x.read_volatile() });

    log::info!("Success!");
    sel4::init_thread::suspend_self()
}
