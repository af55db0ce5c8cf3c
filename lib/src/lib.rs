// SPDX-License-Identifier: BSD-2-Clause

//! Plumbing for the mapping tutorial's root tasks, kept out of the learners' files.
//!
//! - [`ObjectAllocator`] retypes untyped memory into the paging structures and the frame.
//! - [`mapping_failed_lookup_level`] plays the part of libsel4's `seL4_MappingFailedLookupLevel()`.
//! - [`Context`] turns a kernel error into a [`Failure`] that says what failed, how and where.
//! - [`logging`] sends `log` records to the kernel's debug console.
//! - [`missing_level`] and [`paging`] serve the further exercises (`src/bin/`): which structure a
//!   failed mapping lacks, making and mapping it, and the page table's unmap.
//! - `abort` makes a panic end the root task quietly after its message.

#![no_std]

mod abort;
mod failure;
mod lookup_level;
mod object_allocator;

#[cfg(feature = "instruction-count")]
pub mod instruction_count;
pub mod logging;
pub mod missing_level;
pub mod paging;

pub use failure::{Context, Failure, c_name};
pub use lookup_level::mapping_failed_lookup_level;
pub use object_allocator::ObjectAllocator;
