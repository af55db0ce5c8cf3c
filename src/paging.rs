// SPDX-License-Identifier: BSD-2-Clause

//! Paging-structure helpers for the further exercises: making a missing structure and mapping
//! it, and the unmap invocation that rust-sel4 v5.0.0 does not wrap.

use sel4::init_thread::slot::VSPACE;
use sel4::{VmAttributes, cap_type};

use crate::missing_level::PagingObject;
use crate::{Context, Failure, ObjectAllocator};

/// Makes `object` from untyped memory and maps it into this task's VSpace at `vaddr`
/// (`seL4_X86_PDPT_Map`, `seL4_X86_PageDirectory_Map` or `seL4_X86_PageTable_Map`).
pub fn make_and_map(
    objects: &mut ObjectAllocator,
    object: PagingObject,
    vaddr: usize,
) -> Result<(), Failure> {
    let (vspace, attributes) = (VSPACE.cap(), VmAttributes::default());
    match object {
        PagingObject::Pdpt => objects
            .allocate::<cap_type::PDPT>()?
            .pdpt_map(vspace, vaddr, attributes)
            .context("Failed to map PDPT"),
        PagingObject::PageDirectory => objects
            .allocate::<cap_type::PageDirectory>()?
            .page_directory_map(vspace, vaddr, attributes)
            .context("Failed to map page directory"),
        PagingObject::PageTable => objects
            .allocate::<cap_type::PageTable>()?
            .page_table_map(vspace, vaddr, attributes)
            .context("Failed to map page table"),
    }
}

/// `seL4_X86_PageTable_Unmap`: removes the page table from the VSpace, and with it every page
/// mapped through it. rust-sel4 v5.0.0 has no wrapper; this calls libsel4's generated stub.
pub fn page_table_unmap(page_table: sel4::cap::PageTable) -> sel4::Result<()> {
    let error = sel4::with_ipc_buffer_mut(|buffer| {
        buffer
            .inner_mut()
            .seL4_X86_PageTable_Unmap(page_table.bits())
    });
    sel4::Error::from_sys(error).map_or(Ok(()), Err)
}
