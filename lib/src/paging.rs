// SPDX-License-Identifier: BSD-2-Clause

//! Paging-structure helpers for the further exercises and the paging-semantics suite: making a
//! missing structure and mapping it, and the unmap invocations that rust-sel4 v5.0.0 does not
//! wrap.

use sel4::init_thread::slot::VSPACE;
use sel4::{CapRights, VmAttributes, cap_type};

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

/// A 4 KiB page mapped with every structure above it: where the main exercise ends.
pub struct MappedPage {
    pub page_table: sel4::cap::PageTable,
    pub frame: sel4::cap::Granule,
}

/// Makes a PDPT, a page directory, a page table and a 4 KiB frame, and maps them at `vaddr`, the
/// frame with `rights`: the main exercise's mappings, for the exercises that start from there.
pub fn map_page_with_structures(
    objects: &mut ObjectAllocator,
    vaddr: usize,
    rights: CapRights,
) -> Result<MappedPage, Failure> {
    make_and_map(objects, PagingObject::Pdpt, vaddr)?;
    make_and_map(objects, PagingObject::PageDirectory, vaddr)?;
    let page_table = objects.allocate::<cap_type::PageTable>()?;
    page_table
        .page_table_map(VSPACE.cap(), vaddr, VmAttributes::default())
        .context("Failed to map page table")?;
    let frame = objects.allocate::<cap_type::Granule>()?;
    frame
        .frame_map(VSPACE.cap(), vaddr, rights, VmAttributes::default())
        .context("Failed to map page")?;
    Ok(MappedPage { page_table, frame })
}

/// `seL4_X86_PageTable_Unmap`: removes the page table from the VSpace, and with it every page
/// mapped through it.
pub fn page_table_unmap(page_table: sel4::cap::PageTable) -> sel4::Result<()> {
    unmap_invocation(|buffer| buffer.seL4_X86_PageTable_Unmap(page_table.bits()))
}

/// `seL4_X86_PageDirectory_Unmap`.
pub fn page_directory_unmap(page_directory: sel4::cap::PageDirectory) -> sel4::Result<()> {
    unmap_invocation(|buffer| buffer.seL4_X86_PageDirectory_Unmap(page_directory.bits()))
}

/// `seL4_X86_PDPT_Unmap`.
pub fn pdpt_unmap(pdpt: sel4::cap::PDPT) -> sel4::Result<()> {
    unmap_invocation(|buffer| buffer.seL4_X86_PDPT_Unmap(pdpt.bits()))
}

/// The paging structures' unmaps, which rust-sel4 v5.0.0 does not wrap: libsel4's generated stub,
/// called on this thread's IPC buffer.
fn unmap_invocation(
    invoke: impl FnOnce(&mut sel4::sys::seL4_IPCBuffer) -> sel4::sys::seL4_Error::Type,
) -> sel4::Result<()> {
    let error = sel4::with_ipc_buffer_mut(|buffer| invoke(buffer.inner_mut()));
    sel4::Error::from_sys(error).map_or(Ok(()), Err)
}
