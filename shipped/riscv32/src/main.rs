// SPDX-License-Identifier: BSD-2-Clause

//! The seL4 "Mapping" tutorial on riscv32, in Rust: map a page table and a frame into this root
//! task's own address space (its VSpace), then read and write through the mapping.
//!
//! Work through the two TODOs in order: under each, uncomment the solution and run
//! `make simulate ARCH=riscv32` again. The book explains each step and what it prints.

#![no_std]
#![no_main]

use mapping_tutorial::{Context, Failure, ObjectAllocator, mapping_failed_lookup_level};
use sel4::init_thread::slot::VSPACE;
use sel4::{CapRights, VmAttributes};
use sel4_root_task::{Never, root_task};

/// Where the exercise maps its page: 1 GiB, in entry 0x100 of the root page table (Sv32: each of
/// its 1024 entries covers 4 MiB; user addresses end at 0x80000000). Entry 0 already leads to the
/// page table that maps this program's own image.
const TEST_VADDR: usize = 0x4000_0000;

#[root_task]
fn main(bootinfo: &sel4::BootInfoPtr) -> Result<Never, Failure> {
    mapping_tutorial::logging::init();

    // The objects this exercise maps, made from untyped memory as the C tutorial's helpers do.
    // On RISC-V the VSpace is itself a page table; with Sv32 one more (seL4_RISCV_PageTable)
    // goes below it.
    let mut objects = ObjectAllocator::new(bootinfo)?;
    let pt = objects.allocate::<sel4::cap_type::PageTable>()?;
    let frame = objects.allocate::<sel4::cap_type::Granule>()?;
    // Each capability is a slot in the root task's CNode: `make simulate ARCH=riscv32
    // LOG_LEVEL=debug` shows which.
    log::debug!(
        "Capabilities: page table {}, frame {}",
        pt.bits(),
        frame.bits()
    );

    // TODO map a level-0 page table
    // pt.page_table_map(VSPACE.cap(), TEST_VADDR, VmAttributes::default())
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
