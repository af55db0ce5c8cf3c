// SPDX-License-Identifier: BSD-2-Clause

/// The Rust counterpart of libsel4's `seL4_MappingFailedLookupLevel()`, which rust-sel4 v5.0.0
/// does not wrap: after a map invocation failed with `seL4_FailedLookup`, the kernel leaves in
/// message register `SEL4_MAPPING_LOOKUP_LEVEL` (libsel4's `sel4_arch/mapping.h`) how many bits of
/// the virtual address it could not resolve.
///
/// Only meaningful right after a map invocation returned [`sel4::Error::FailedLookup`]: the next
/// invocation overwrites the message registers. On x86_64 it is 39 when the PDPT is missing, 30
/// when the page directory is missing and 21 when the page table is missing; the book's Levels
/// chapter has every architecture's.
pub fn mapping_failed_lookup_level() -> sel4::Word {
    let register = sel4::sys::SEL4_MAPPING_LOOKUP_LEVEL as usize;
    sel4::with_ipc_buffer(|ipc_buffer| ipc_buffer.msg_regs()[register])
}
