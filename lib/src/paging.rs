// SPDX-License-Identifier: BSD-2-Clause

//! Paging-structure helpers for the further exercises, the paging-semantics suite and the
//! benchmark: making a missing structure and mapping it, and (x86_64) the unmap invocations that
//! rust-sel4 v5.0.0 does not wrap.

use sel4::init_thread::slot::VSPACE;
use sel4::{CapRights, VmAttributes, cap_type};

#[cfg(target_arch = "x86_64")]
use crate::missing_level::PagingObject;
use crate::{Context, Failure, ObjectAllocator, mapping_failed_lookup_level};

/// The page table's capability type: `seL4_X86_PageTable`, `seL4_ARM_PageTable` or
/// `seL4_RISCV_PageTable`.
#[cfg(target_arch = "x86_64")]
pub type PageTable = sel4::cap::PageTable;
#[cfg(any(target_arch = "aarch64", target_arch = "arm"))]
pub type PageTable = sel4::cap::PT;
#[cfg(any(target_arch = "riscv64", target_arch = "riscv32"))]
pub type PageTable = sel4::cap::PageTable;

/// More structures than any architecture here has between a VSpace and a page.
const MOST_STRUCTURES: usize = 4;

/// What [`map_frame_with_structures`] made on its way.
pub struct Made {
    /// How many paging structures.
    pub count: usize,
    /// The last page table: the one the frame is mapped in, if it was made here.
    pub page_table: Option<PageTable>,
}

/// Maps `frame` at `vaddr` with `rights`, first making and mapping each paging structure the
/// kernel reports missing (the failed lookup's level), from the top down.
pub fn map_frame_with_structures(
    objects: &mut ObjectAllocator,
    frame: sel4::cap::Granule,
    vaddr: usize,
    rights: CapRights,
) -> Result<Made, Failure> {
    let mut made = Made {
        count: 0,
        page_table: None,
    };
    while made.count <= MOST_STRUCTURES {
        let mapped = frame.frame_map(VSPACE.cap(), vaddr, rights.clone(), VmAttributes::default());
        if mapped != Err(sel4::Error::FailedLookup) {
            return mapped.context("Failed to map page").map(|()| made);
        }
        made.page_table = make_structure_for_level(objects, mapping_failed_lookup_level(), vaddr)?;
        made.count += 1;
    }
    Err(Failure::new(
        "Failed to map page: still a structure missing after making one for every level",
    ))
}

/// A 4 KiB page mapped with every structure above it: where the main exercise ends.
pub struct MappedPage {
    pub page_table: PageTable,
    pub frame: sel4::cap::Granule,
}

/// Makes a 4 KiB frame and every paging structure above `vaddr`, and maps them, the frame with
/// `rights`: the main exercise's mappings, for the exercises that start from there.
pub fn map_page_with_structures(
    objects: &mut ObjectAllocator,
    vaddr: usize,
    rights: CapRights,
) -> Result<MappedPage, Failure> {
    let frame = objects.allocate::<cap_type::Granule>()?;
    let made = map_frame_with_structures(objects, frame, vaddr, rights)?;
    let page_table = made
        .page_table
        .ok_or_else(|| Failure::new("Failed to map page: its page table was there already"))?;
    Ok(MappedPage { page_table, frame })
}

/// Makes the structure that is missing when a lookup fails at `level`, and maps it at `vaddr`;
/// returns it if it is a page table.
#[cfg(target_arch = "x86_64")]
fn make_structure_for_level(
    objects: &mut ObjectAllocator,
    level: sel4::Word,
    vaddr: usize,
) -> Result<Option<PageTable>, Failure> {
    let object = PagingObject::missing_at_level(level as usize)
        .map_err(|_| Failure::new("Failed to map page: the lookup level names no structure"))?;
    if object != PagingObject::PageTable {
        return make_and_map(objects, object, vaddr).map(|()| None);
    }
    let page_table = objects.allocate::<cap_type::PageTable>()?;
    page_table
        .page_table_map(VSPACE.cap(), vaddr, VmAttributes::default())
        .context("Failed to map page table")?;
    Ok(Some(page_table))
}

/// Every structure below an ARM VSpace is a page table (`seL4_ARM_PageTable_Map`).
#[cfg(any(target_arch = "aarch64", target_arch = "arm"))]
fn make_structure_for_level(
    objects: &mut ObjectAllocator,
    _level: sel4::Word,
    vaddr: usize,
) -> Result<Option<PageTable>, Failure> {
    let page_table = objects.allocate::<cap_type::PT>()?;
    page_table
        .pt_map(VSPACE.cap(), vaddr, VmAttributes::default())
        .context("Failed to map page table")?;
    Ok(Some(page_table))
}

/// Every structure below a RISC-V root page table is a page table (`seL4_RISCV_PageTable_Map`).
#[cfg(any(target_arch = "riscv64", target_arch = "riscv32"))]
fn make_structure_for_level(
    objects: &mut ObjectAllocator,
    _level: sel4::Word,
    vaddr: usize,
) -> Result<Option<PageTable>, Failure> {
    let page_table = objects.allocate::<cap_type::PageTable>()?;
    page_table
        .page_table_map(VSPACE.cap(), vaddr, VmAttributes::default())
        .context("Failed to map page table")?;
    Ok(Some(page_table))
}

/// Makes `object` from untyped memory and maps it into this task's VSpace at `vaddr`
/// (`seL4_X86_PDPT_Map`, `seL4_X86_PageDirectory_Map` or `seL4_X86_PageTable_Map`).
#[cfg(target_arch = "x86_64")]
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
        PagingObject::LevelPageTable(_) => Err(Failure::new(
            "Failed to map: x86_64 numbers no page table levels (that is ARM's and RISC-V's)",
        )),
    }
}

/// `seL4_X86_PageTable_Unmap` (`seL4_ARM_PageTable_Unmap`, `seL4_RISCV_PageTable_Unmap`): removes
/// the page table from its VSpace, and with it every page mapped through it.
pub fn page_table_unmap(page_table: PageTable) -> sel4::Result<()> {
    #[cfg(target_arch = "x86_64")]
    let unmap = sel4::sys::seL4_IPCBuffer::seL4_X86_PageTable_Unmap;
    #[cfg(any(target_arch = "aarch64", target_arch = "arm"))]
    let unmap = sel4::sys::seL4_IPCBuffer::seL4_ARM_PageTable_Unmap;
    #[cfg(any(target_arch = "riscv64", target_arch = "riscv32"))]
    let unmap = sel4::sys::seL4_IPCBuffer::seL4_RISCV_PageTable_Unmap;
    unmap_invocation(|buffer| unmap(buffer, page_table.bits()))
}

/// `seL4_X86_PageDirectory_Unmap`.
#[cfg(target_arch = "x86_64")]
pub fn page_directory_unmap(page_directory: sel4::cap::PageDirectory) -> sel4::Result<()> {
    unmap_invocation(|buffer| buffer.seL4_X86_PageDirectory_Unmap(page_directory.bits()))
}

/// `seL4_X86_PDPT_Unmap`.
#[cfg(target_arch = "x86_64")]
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

/// Writes the first and the last word of the page of 2^`size_bits` bytes mapped at `vaddr`, reads
/// both back, and logs it: the whole page is there, with no structure below the one that maps it.
///
/// # Safety
///
/// A page of that size must be mapped read-write at `vaddr`, and nothing else may use its memory.
pub unsafe fn write_and_read_both_ends(vaddr: usize, size_bits: usize) {
    let size = 1 << size_bits;
    let first = vaddr as *mut sel4::Word;
    let last = (vaddr + size - size_of::<sel4::Word>()) as *mut sel4::Word;
    // SAFETY: the caller's promise: [vaddr, vaddr + size) is ours, mapped read-write.
    let (read_first, read_last) = unsafe {
        first.write_volatile(1);
        last.write_volatile(2);
        (first.read_volatile(), last.read_volatile())
    };
    let (amount, unit) = match size {
        s if s >= 1 << 30 => (s >> 30, "GiB"),
        s if s >= 1 << 20 => (s >> 20, "MiB"),
        s => (s >> 10, "KiB"),
    };
    log::info!(
        "{amount} {unit} page at {vaddr:#x}: wrote 1 at {:#x} and 2 at {:#x}, read back \
         {read_first} and {read_last}",
        first as usize,
        last as usize,
    );
}
