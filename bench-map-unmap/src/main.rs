// SPDX-License-Identifier: BSD-2-Clause

//! Maps and unmaps one 4 KiB frame `PAIRS` times and prints the guest instructions per pair,
//! kernel and root task together. `make bench` runs it under QEMU's `-icount shift=0`.

#![no_std]
#![no_main]

use mapping_tutorial::logging::instruction_count;
use mapping_tutorial::{Context, Failure, ObjectAllocator};
use sel4::init_thread::slot::VSPACE;
use sel4::{CapRights, VmAttributes};
use sel4_root_task::{Never, root_task};

const PAIRS: u64 = 1000;

/// The tutorial's address: a PML4 slot of its own, away from this program's image.
const VADDR: usize = 0xA0_0000_0000;

#[root_task]
fn main(bootinfo: &sel4::BootInfoPtr) -> Result<Never, Failure> {
    mapping_tutorial::logging::init();
    let mut objects = ObjectAllocator::new(bootinfo)?;
    let pdpt = objects.allocate::<sel4::cap_type::PDPT>()?;
    let pd = objects.allocate::<sel4::cap_type::PageDirectory>()?;
    let pt = objects.allocate::<sel4::cap_type::PageTable>()?;
    let frame = objects.allocate::<sel4::cap_type::Granule>()?;
    let attrs = VmAttributes::default();
    pdpt.pdpt_map(VSPACE.cap(), VADDR, attrs)
        .context("Failed to map PDPT")?;
    pd.page_directory_map(VSPACE.cap(), VADDR, attrs)
        .context("Failed to map page directory")?;
    pt.page_table_map(VSPACE.cap(), VADDR, attrs)
        .context("Failed to map page table")?;

    let start = instruction_count::now();
    for _ in 0..PAIRS {
        frame
            .frame_map(VSPACE.cap(), VADDR, CapRights::read_write(), attrs)
            .context("Failed to map page")?;
        frame.frame_unmap().context("Failed to unmap page")?;
    }
    let total = instruction_count::now() - start;
    log::info!(
        "map+unmap pairs: {PAIRS}, instructions: {total}, per pair: {}",
        total / PAIRS
    );
    sel4::init_thread::suspend_self()
}
