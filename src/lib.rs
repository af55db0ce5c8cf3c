// SPDX-License-Identifier: BSD-2-Clause

//! Plumbing for the mapping tutorial's root task, kept out of the learner's `src/main.rs`.
//!
//! - [`ObjectAllocator`] retypes untyped memory into the paging structures and the frame.
//! - [`mapping_failed_lookup_level`] plays the part of libsel4's `seL4_MappingFailedLookupLevel()`.
//! - [`Context`] turns a kernel error into a [`Failure`] that says what failed, how and where.
//! - [`logging`] sends `log` records to the kernel's debug console.
//! - [`missing_level`] and [`paging`] serve the further exercises (`src/bin/`): which structure a
//!   failed mapping lacks, making and mapping it, and the page table's unmap.
//! - `freestanding` supplies what a hosted target's C library would (see its comments).

#![no_std]

mod failure;
mod freestanding;
mod lookup_level;
mod object_allocator;

pub mod logging;
pub mod missing_level;
pub mod paging;

pub use failure::{Context, Failure, c_name};
pub use lookup_level::mapping_failed_lookup_level;
pub use object_allocator::ObjectAllocator;

/// The root task's stack size, for `#[root_task(stack_size = STACK_SIZE)]`: 64 KiB, plus 8 bytes.
///
/// The 8 bytes are an alignment fix. rust-sel4 v5.0.0's x86_64 start-up code calls the first Rust
/// function with the stack 8 bytes off the 16-byte alignment the System V ABI promises (its own
/// x86_64 targets are soft-float and never notice). Optimised code that keeps SSE registers on the
/// stack (`movaps`, here in the prebuilt `core` and in sel4-runtime-common) then faults. The stack
/// starts at its top, so a size of 16n + 8 bytes puts that first call back on the ABI's alignment.
pub const STACK_SIZE: usize = 64 * 1024 + 8;

// The exercises use x86_64 paging structures (PML4, PDPT, page directory, page table). The kernel
// configuration comes from the seL4 build named by SEL4_PREFIX; refuse anything else up front.
const _: () = assert!(
    sel4_config::sel4_cfg_bool!(ARCH_X86_64),
    "this tutorial needs an x86_64 seL4 kernel: SEL4_PREFIX names a kernel built for another architecture"
);
