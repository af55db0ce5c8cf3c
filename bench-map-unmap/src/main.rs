// SPDX-License-Identifier: BSD-2-Clause

//! Maps and unmaps one 4 KiB frame `PAIRS` times and prints the guest instructions per pair,
//! kernel and root task together. `make bench` runs it under QEMU's `-icount shift=0`, and
//! counts the root task's own share from QEMU's trace of the code in [`map_unmap_pairs`].

#![no_std]
#![no_main]

use mapping_tutorial::instruction_count;
use mapping_tutorial::{Context, Failure, ObjectAllocator, paging};
use sel4::init_thread::slot::VSPACE;
use sel4::{CapRights, VmAttributes};
use sel4_root_task::{Never, root_task};

const PAIRS: u64 = 1000;

/// The tutorial's address on each architecture: clear of this program's own image.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
const VADDR: usize = 0xA0_0000_0000;
#[cfg(target_arch = "riscv64")]
const VADDR: usize = 0x10_0000_0000;
#[cfg(any(target_arch = "arm", target_arch = "riscv32"))]
const VADDR: usize = 0x4000_0000;

#[root_task]
fn main(bootinfo: &sel4::BootInfoPtr) -> Result<Never, Failure> {
    mapping_tutorial::logging::init();
    let mut objects = ObjectAllocator::new(bootinfo)?;
    let frame = objects.allocate::<sel4::cap_type::Granule>()?;
    paging::map_frame_with_structures(&mut objects, frame, VADDR, CapRights::read_write())?;
    frame.frame_unmap().context("Failed to unmap page")?;

    let start = instruction_count::now();
    map_unmap_pairs(frame)?;
    let total = instruction_count::now() - start;
    log::info!(
        "map+unmap pairs: {PAIRS}, instructions: {total}, per pair: {}",
        total / PAIRS
    );
    sel4::init_thread::suspend_self()
}

/// The measured loop, a function of its own so that its code can be told apart in a trace.
#[inline(never)]
fn map_unmap_pairs(frame: sel4::cap::Granule) -> Result<(), Failure> {
    for _ in 0..PAIRS {
        frame
            .frame_map(
                VSPACE.cap(),
                VADDR,
                CapRights::read_write(),
                VmAttributes::default(),
            )
            .context("Failed to map page")?;
        frame.frame_unmap().context("Failed to unmap page")?;
    }
    Ok(())
}
