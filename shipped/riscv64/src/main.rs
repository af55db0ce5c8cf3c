// SPDX-License-Identifier: BSD-2-Clause

//! The seL4 "Mapping" tutorial on riscv64, in Rust: map page tables and a frame into this root
//! task's own address space (its VSpace), then read and write through the mapping.
//!
//! Work through the three TODOs in order: under each, uncomment the solution and run
//! `make simulate ARCH=riscv64` again. The book explains each step and what it prints.

#![no_std]
#![no_main]

use mapping_tutorial::{Context, Failure, ObjectAllocator, mapping_failed_lookup_level};
use sel4::init_thread::slot::VSPACE;
use sel4::{CapRights, VmAttributes};
use sel4_root_task::{Never, root_task};

/// Where the exercise maps its page: 64 GiB, in entry 64 of the root page table (Sv39: each of
/// its 512 entries covers 1 GiB, and user addresses end below 256 GiB). Entry 0 already leads to
/// the page tables that map this program's own image.
const TEST_VADDR: usize = 0x10_0000_0000;

#[root_task]
fn main(bootinfo: &sel4::BootInfoPtr) -> Result<Never, Failure> {
    mapping_tutorial::logging::init();

    // The objects this exercise maps, made from untyped memory as the C tutorial's helpers do.
    // On RISC-V the VSpace is itself a page table, and so is every structure below it
    // (seL4_RISCV_PageTable).
    let mut objects = ObjectAllocator::new(bootinfo)?;
    let pt_l1 = objects.allocate::<sel4::cap_type::PageTable>()?;
    let pt_l0 = objects.allocate::<sel4::cap_type::PageTable>()?;
    let frame = objects.allocate::<sel4::cap_type::Granule>()?;
    // Each capability is a slot in the root task's CNode: `make simulate ARCH=riscv64
    // LOG_LEVEL=debug` shows which.
    log::debug!(
        "Capabilities: level-1 page table {}, level-0 page table {}, frame {}",
        pt_l1.bits(),
        pt_l0.bits(),
        frame.bits(),
    );

    // TODO map a level-1 page table
    // pt_l1
    //     .page_table_map(VSPACE.cap(), TEST_VADDR, VmAttributes::default())
    //     .context("Failed to map level-1 page table")?;

    // TODO map a level-0 page table
    // pt_l0
    //     .page_table_map(VSPACE.cap(), TEST_VADDR, VmAttributes::default())
    //     .context("Failed to map level-0 page table")?;

    // Map a read-only page at TEST_VADDR (seL4_RISCV_Page_Map with seL4_CanRead).
    let mapped = frame.frame_map(
        VSPACE.cap(),
        TEST_VADDR,
        CapRights::read_only(),
        VmAttributes::default(),
    );
    if mapped == Err(sel4::Error::FailedLookup) {
        log::info!(
            "Missing intermediate paging structure at level {}",
            mapping_failed_lookup_level()
        );
    }
    mapped.context("Failed to map page")?;

    // Read from the page we mapped.
    let x = TEST_VADDR as *mut sel4::Word;
    // SAFETY: the frame is mapped at TEST_VADDR, and nothing else uses that memory.
    log::info!("Read x: {}", unsafe { x.read_volatile() });

    // TODO remap the page
    // frame
    //     .frame_map(
    //         VSPACE.cap(),
    //         TEST_VADDR,
    //         CapRights::read_write(),
    //         VmAttributes::default(),
    //     )
    //     .context("Failed to remap page")?;

    // Write to the page we mapped.
    log::info!("Set x to 5");
    // SAFETY: as above; with a read-only mapping the kernel reports a VM fault here.
    unsafe { x.write_volatile(5) };

    log::info!("Success!");
    sel4::init_thread::suspend_self()
}
