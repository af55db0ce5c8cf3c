// SPDX-License-Identifier: BSD-2-Clause

/// Message register in which the kernel reports, after a mapping invocation failed with
/// `seL4_FailedLookup`, how many bits of the virtual address it could not resolve
/// (`SEL4_MAPPING_LOOKUP_LEVEL` in libsel4's `sel4_arch/mapping.h` for x86_64).
const SEL4_MAPPING_LOOKUP_LEVEL: usize = 2;

/// The Rust counterpart of libsel4's `seL4_MappingFailedLookupLevel()`, which rust-sel4 v5.0.0
/// does not wrap.
///
/// Only meaningful right after a map invocation returned [`sel4::Error::FailedLookup`]: the next
/// invocation overwrites the message registers. On x86_64 it is 39 when the PDPT is missing, 30
/// when the page directory is missing and 21 when the page table is missing.
pub fn mapping_failed_lookup_level() -> sel4::Word {
    sel4::with_ipc_buffer(|ipc_buffer| ipc_buffer.msg_regs()[SEL4_MAPPING_LOOKUP_LEVEL])
}
