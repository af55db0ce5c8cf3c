// SPDX-License-Identifier: BSD-2-Clause

//! What differs between the architectures, for the suite: the levels, the structure at each, the
//! VSpace entries the suite may use, a second VSpace, and the probe threads' code.

use crate::fault::{Cause, Direction, Fault};
use sel4::{VmAttributes, cap, cap_type};

use mapping_tutorial::paging::PageTable;

/// The failed lookup's level for a 4 KiB frame with `k` paging structures on its way below the
/// VSpace (`LEVELS[k]`, k = 0, 1, ...): the number of address bits left, which is also the span
/// of one entry of the structure at depth `k` (libsel4's SEL4_MAPPING_LOOKUP_* constants).
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
pub const LEVELS: &[sel4::Word] = &[39, 30, 21];
#[cfg(target_arch = "riscv64")]
pub const LEVELS: &[sel4::Word] = &[30, 21];
#[cfg(target_arch = "arm")]
pub const LEVELS: &[sel4::Word] = &[20];
#[cfg(target_arch = "riscv32")]
pub const LEVELS: &[sel4::Word] = &[22];

/// How many structures lie between the VSpace and a 4 KiB page.
pub const DEPTH: usize = LEVELS.len();

/// The address span of one entry of the structure at depth `k`.
pub const fn span(k: usize) -> usize {
    1 << LEVELS[k]
}

/// The highest user address, inclusive on every architecture: libsel4's `seL4_UserVSpaceTop`
/// (seL4 16.0.0), generated from the kernel's configuration. It replaces `seL4_UserTop`, now
/// deprecated, which meant the last user address on aarch64 but the first address past the user
/// range elsewhere, and on x86_64 one page below the kernel's own limit (0x7fffffffffff, whose
/// last page the kernel refuses to a frame).
pub const USER_VSPACE_TOP: usize = sel4::sys::seL4_UserVSpaceTop as usize;

/// A 4 KiB page.
pub const PAGE: usize = 1 << 12;

/// The page just past [`USER_VSPACE_TOP`]: the first one no frame can be mapped at.
pub const USER_TOP_PAGE: usize = USER_VSPACE_TOP + 1;
const _: () = assert!(
    USER_TOP_PAGE.is_multiple_of(PAGE),
    "the user range ends at a page"
);

/// The last page below [`USER_TOP_PAGE`]: the highest a frame can be mapped at.
pub const HIGHEST_PAGE: usize = USER_TOP_PAGE - PAGE;

/// The page that fills one entry of the structure above the page table (where a page table
/// could be instead): the 2 MiB large page of x86_64 and aarch64, RISC-V's megapage (2 MiB; 4 MiB
/// on riscv32), aarch32's 1 MiB section.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
pub type BigPage = cap_type::LargePage;
#[cfg(target_arch = "arm")]
pub type BigPage = cap_type::Section;
#[cfg(any(target_arch = "riscv64", target_arch = "riscv32"))]
pub type BigPage = cap_type::MegaPage;

/// The 1 GiB page of the 64-bit architectures: one entry of the structure two levels above the
/// page table (x86_64's PDPT, aarch64's level-1 table, riscv64's root).
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
pub type HugePage = cap_type::HugePage;
#[cfg(target_arch = "riscv64")]
pub type HugePage = cap_type::GigaPage;

/// The VSpace entries the suite hands out, from the first to the last before the probe's: clear
/// of this program's image (entry 0) and of the tutorial's TEST_VADDR.
#[cfg(target_arch = "x86_64")]
pub const ENTRIES: core::ops::Range<usize> = 32..253;
#[cfg(target_arch = "aarch64")]
pub const ENTRIES: core::ops::Range<usize> = 2..30;
#[cfg(target_arch = "riscv64")]
pub const ENTRIES: core::ops::Range<usize> = 32..250;
#[cfg(target_arch = "arm")]
pub const ENTRIES: core::ops::Range<usize> = 0x200..0x9f0;
#[cfg(target_arch = "riscv32")]
pub const ENTRIES: core::ops::Range<usize> = 0x80..0x1f0;

/// The probe threads' entry: the last entry before the end of [`ENTRIES`]' range and the top.
pub const PROBE_ENTRY: usize = ENTRIES.end;

/// A device that a frame of device memory shows: its physical address (in memory the kernel
/// hands over as device untyped), and the bits of the word read there that say it is the device.
pub struct Device {
    pub paddr: usize,
    pub mask: sel4::Word,
    pub value: sel4::Word,
}

/// QEMU's HPET (the `pc` machine has one; seL4 does not use it): its capabilities register,
/// whose bits 31..16 are the vendor, Intel's 0x8086.
#[cfg(target_arch = "x86_64")]
pub const DEVICE: Device = Device {
    paddr: 0xfed0_0000,
    mask: 0xffff_0000,
    value: 0x8086_0000,
};
/// QEMU's fw_cfg on the `virt` board: reading its data register first gives its signature,
/// "QEMU".
#[cfg(any(target_arch = "aarch64", target_arch = "arm"))]
pub const DEVICE: Device = Device {
    paddr: 0x0902_0000,
    mask: 0xffff_ffff,
    value: 0x554d_4551,
};
/// QEMU's boot ROM on the `virt` board: its first instruction, `auipc t0, 0`.
#[cfg(any(target_arch = "riscv64", target_arch = "riscv32"))]
pub const DEVICE: Device = Device {
    paddr: 0x1000,
    mask: 0xffff_ffff,
    value: 0x0000_0297,
};

/// Uncached, as device memory is mapped (`seL4_X86_CacheDisabled`; on ARM without
/// `seL4_ARM_PageCacheable`; RISC-V has no caching attributes).
#[cfg(target_arch = "x86_64")]
pub const DEVICE_ATTRIBUTES: sel4::VmAttributes = sel4::VmAttributes::CACHE_DISABLED;
#[cfg(any(target_arch = "aarch64", target_arch = "arm"))]
pub const DEVICE_ATTRIBUTES: sel4::VmAttributes = sel4::VmAttributes::NONE;
#[cfg(any(target_arch = "riscv64", target_arch = "riscv32"))]
pub const DEVICE_ATTRIBUTES: sel4::VmAttributes = sel4::VmAttributes::DEFAULT;

/// The page table's capability type (`seL4_X86_PageTableObject`, `seL4_ARM_PageTableObject`,
/// `seL4_RISCV_PageTableObject`).
#[cfg(target_arch = "x86_64")]
pub type PageTableType = cap_type::PageTable;
#[cfg(any(target_arch = "aarch64", target_arch = "arm"))]
pub type PageTableType = cap_type::PT;
#[cfg(any(target_arch = "riscv64", target_arch = "riscv32"))]
pub type PageTableType = cap_type::PageTable;

/// A paging structure the suite made and mapped.
#[derive(Clone, Copy)]
pub enum Table {
    #[cfg(target_arch = "x86_64")]
    Pdpt(cap::PDPT),
    #[cfg(target_arch = "x86_64")]
    PageDirectory(cap::PageDirectory),
    PageTable(PageTable),
}

impl Table {
    /// The structure at depth `k` below the VSpace, made by `make` from untyped memory: on x86_64
    /// a PDPT, a page directory or a page table; elsewhere always a page table.
    pub fn make(
        k: usize,
        objects: &mut mapping_tutorial::ObjectAllocator,
    ) -> Result<Self, mapping_tutorial::Failure> {
        #[cfg(target_arch = "x86_64")]
        return Ok(match k {
            0 => Table::Pdpt(objects.allocate::<cap_type::PDPT>()?),
            1 => Table::PageDirectory(objects.allocate::<cap_type::PageDirectory>()?),
            _ => Table::PageTable(objects.allocate::<PageTableType>()?),
        });
        #[cfg(not(target_arch = "x86_64"))]
        return {
            let _ = k;
            Ok(Table::PageTable(objects.allocate::<PageTableType>()?))
        };
    }

    /// Maps it into `vspace` at `vaddr` (`seL4_X86_PDPT_Map`, `seL4_ARM_PageTable_Map`, ...).
    pub fn map_into(self, vspace: cap::VSpace, vaddr: usize) -> sel4::Result<()> {
        let attrs = VmAttributes::default();
        match self {
            #[cfg(target_arch = "x86_64")]
            Table::Pdpt(c) => c.pdpt_map(vspace, vaddr, attrs),
            #[cfg(target_arch = "x86_64")]
            Table::PageDirectory(c) => c.page_directory_map(vspace, vaddr, attrs),
            #[cfg(target_arch = "x86_64")]
            Table::PageTable(c) => c.page_table_map(vspace, vaddr, attrs),
            #[cfg(any(target_arch = "aarch64", target_arch = "arm"))]
            Table::PageTable(c) => c.pt_map(vspace, vaddr, attrs),
            #[cfg(any(target_arch = "riscv64", target_arch = "riscv32"))]
            Table::PageTable(c) => c.page_table_map(vspace, vaddr, attrs),
        }
    }

    /// Unmaps it (`seL4_X86_PDPT_Unmap`, `seL4_ARM_PageTable_Unmap`, ...): for the structures
    /// above the page table, which only the 64-bit architectures have.
    #[cfg(target_pointer_width = "64")]
    pub fn unmap(self) -> sel4::Result<()> {
        use mapping_tutorial::paging;
        match self {
            #[cfg(target_arch = "x86_64")]
            Table::Pdpt(c) => paging::pdpt_unmap(c),
            #[cfg(target_arch = "x86_64")]
            Table::PageDirectory(c) => paging::page_directory_unmap(c),
            Table::PageTable(c) => paging::page_table_unmap(c),
        }
    }
}

/// A VSpace object of the architecture's kind (PML4, aarch64 VSpace, page directory, root page
/// table), for a second VSpace.
#[cfg(target_arch = "x86_64")]
pub type VSpaceType = cap_type::PML4;
#[cfg(target_arch = "aarch64")]
pub type VSpaceType = cap_type::VSpace;
#[cfg(target_arch = "arm")]
pub type VSpaceType = cap_type::PD;
#[cfg(any(target_arch = "riscv64", target_arch = "riscv32"))]
pub type VSpaceType = cap_type::PageTable;

/// Whether a VM fault's status says why it happened (nothing mapped, or no right): not on RISC-V,
/// where seL4 reports an access fault either way.
pub const FAULT_CAUSE_REPORTED: bool =
    cfg!(not(any(target_arch = "riscv64", target_arch = "riscv32")));

/// A data fault's status, as seL4 reports it in the VM fault message (`seL4_VMFault_FSR`), decoded:
/// - x86_64: the page fault error code: bit 0 (P) set for a protection violation, clear where
///   nothing is present; bit 1 (W/R) for a write (x86/kernel/vspace.c handleVMFault).
/// - aarch64 (this hypervisor kernel): ESR_EL2 of a data abort from EL1/EL0 (class 0x24): DFSC,
///   bits 5..0, 0b0001xx a translation fault, 0b0011xx a permission fault (xx the table level);
///   WnR, bit 6, for a write (arm/64/kernel/vspace.c handleVMFault).
/// - aarch32: the DFSR, short descriptors: FS (bit 10, bits 3..0) 0b00101/0b00111 a translation
///   fault (section/page), 0b01101/0b01111 a permission fault; WnR, bit 11, for a write.
/// - RISC-V: the cause seL4 reports, 5 (load access fault) or 7 (store access fault), for a page
///   fault and an access fault alike (riscv/kernel/vspace.c handleVMFault).
///
/// An instruction fetch's fault (`fetch`: seL4's PrefetchFault) has the same causes: x86_64's
/// error code sets I/D (bit 4); aarch64's ESR is an instruction abort (class 0x20, IFSC as DFSC);
/// aarch32 reports the IFSR; RISC-V's cause is 1, an instruction access fault.
///
/// `None`: a status this suite does not expect.
#[cfg(target_arch = "x86_64")]
pub fn decode_fault(status: sel4::Word, fetch: bool) -> Option<Fault> {
    Some(Fault {
        direction: direction(status >> 1 & 1 == 1, fetch || status >> 4 & 1 == 1),
        cause: if status & 1 == 1 {
            Cause::NoRight
        } else {
            Cause::NotMapped
        },
    })
}

#[cfg(target_arch = "aarch64")]
pub fn decode_fault(status: sel4::Word, fetch: bool) -> Option<Fault> {
    let cause = match status & 0x3c {
        0x04 => Cause::NotMapped,
        0x0c => Cause::NoRight,
        _ => return None,
    };
    let class = if fetch { 0x20 } else { 0x24 };
    (status >> 26 == class).then_some(Fault {
        direction: direction(status >> 6 & 1 == 1, fetch),
        cause,
    })
}

#[cfg(target_arch = "arm")]
pub fn decode_fault(status: sel4::Word, fetch: bool) -> Option<Fault> {
    let cause = match (status >> 6 & 0x10) | (status & 0xf) {
        0b00101 | 0b00111 => Cause::NotMapped,
        0b01101 | 0b01111 => Cause::NoRight,
        _ => return None,
    };
    Some(Fault {
        direction: direction(status >> 11 & 1 == 1, fetch),
        cause,
    })
}

#[cfg(any(target_arch = "riscv64", target_arch = "riscv32"))]
pub fn decode_fault(status: sel4::Word, fetch: bool) -> Option<Fault> {
    let write = match status {
        1 if fetch => false,
        5 if !fetch => false,
        7 if !fetch => true,
        _ => return None,
    };
    Some(Fault {
        direction: direction(write, fetch),
        cause: Cause::Unsaid,
    })
}

fn direction(write: bool, fetch: bool) -> Direction {
    match (fetch, write) {
        (true, _) => Direction::Fetch,
        (false, true) => Direction::Write,
        (false, false) => Direction::Read,
    }
}

/// The code an instruction-fetch probe runs where the fetch does not fault: three instructions
/// that do nothing, then one that stops the probe with a user exception, whose address says that
/// this code ran (a zeroed page's first word stops it at once on aarch64 and RISC-V, where 0 is
/// no instruction, and on aarch32 it runs on through the page). No word of it is 0.
#[cfg(target_arch = "aarch64")]
pub const CODE: [u32; 4] = [NOP, NOP, NOP, 0x0000_5e14]; // nop x3, udf #0x5e14
#[cfg(target_arch = "aarch64")]
const NOP: u32 = 0xd503_201f;
#[cfg(target_arch = "arm")]
pub const CODE: [u32; 4] = [NOP, NOP, NOP, 0xe7f5_e1f4]; // nop x3, udf #0x5e14
#[cfg(target_arch = "arm")]
const NOP: u32 = 0xe320_f000;
#[cfg(any(target_arch = "riscv64", target_arch = "riscv32"))]
pub const CODE: [u32; 4] = [NOP, NOP, NOP, 0xc000_1073]; // nop x3, unimp (csrrw zero, cycle, zero)
#[cfg(any(target_arch = "riscv64", target_arch = "riscv32"))]
const NOP: u32 = 0x0000_0013; // addi zero, zero, 0

/// Where in [`CODE`] its trap is, in bytes.
#[cfg(not(target_arch = "x86_64"))]
pub const CODE_TRAP: usize = 12;

/// The invocation labels the suite sends by hand (env::invoke): a method of each object, for a
/// message cut short or sent to another object.
pub mod label {
    #[cfg(any(target_arch = "aarch64", target_arch = "arm"))]
    pub use sel4::sys::invocation_label::{
        ARMASIDControlMakePool as ASID_CONTROL_MAKE_POOL, ARMASIDPoolAssign as ASID_POOL_ASSIGN,
        ARMPageClean_Data as PAGE_CLEAN_DATA, ARMPageMap as FRAME_MAP,
        ARMPageTableMap as PAGE_TABLE_MAP,
    };
    #[cfg(target_arch = "arm")]
    pub use sel4::sys::invocation_label::{
        ARMPDClean_Data as VSPACE_CLEAN_DATA, ARMPDInvalidate_Data as VSPACE_INVALIDATE_DATA,
    };
    /// The VSpace's own cache maintenance (aarch64's VSpace, aarch32's page directory).
    #[cfg(target_arch = "aarch64")]
    pub use sel4::sys::invocation_label::{
        ARMVSpaceClean_Data as VSPACE_CLEAN_DATA,
        ARMVSpaceInvalidate_Data as VSPACE_INVALIDATE_DATA,
    };
    #[cfg(any(target_arch = "riscv64", target_arch = "riscv32"))]
    pub use sel4::sys::invocation_label::{
        RISCVASIDControlMakePool as ASID_CONTROL_MAKE_POOL,
        RISCVASIDPoolAssign as ASID_POOL_ASSIGN, RISCVPageMap as FRAME_MAP,
        RISCVPageTableMap as PAGE_TABLE_MAP,
    };
    #[cfg(target_arch = "x86_64")]
    pub use sel4::sys::invocation_label::{
        X86ASIDControlMakePool as ASID_CONTROL_MAKE_POOL, X86ASIDPoolAssign as ASID_POOL_ASSIGN,
        X86PDPTMap as PDPT_MAP, X86PageDirectoryMap as PAGE_DIRECTORY_MAP, X86PageMap as FRAME_MAP,
        X86PageTableMap as PAGE_TABLE_MAP,
    };
}

/// Makes instructions written through `frame`'s mapping visible to instruction fetches: ARM's
/// cache maintenance (`seL4_ARM_Page_Unify_Instruction`), RISC-V's `fence.i`.
#[cfg(any(target_arch = "aarch64", target_arch = "arm"))]
pub fn sync_instructions(frame: cap::Granule) -> sel4::Result<()> {
    let error = sel4::with_ipc_buffer_mut(|buffer| {
        let end = PAGE as sel4::Word;
        buffer
            .inner_mut()
            .seL4_ARM_Page_Unify_Instruction(frame.bits(), 0, end)
    });
    sel4::Error::from_sys(error).map_or(Ok(()), Err)
}

#[cfg(any(target_arch = "riscv64", target_arch = "riscv32"))]
pub fn sync_instructions(_frame: cap::Granule) -> sel4::Result<()> {
    // SAFETY: fence.i only orders this hart's instruction fetches after its stores.
    unsafe { core::arch::asm!("fence.i") };
    Ok(())
}

/// The probe threads' code: one access to the address in the first argument register (reading
/// into the second, or writing it), then an undefined instruction. That raises a user exception,
/// so the handler gets exactly one fault message either way: a VM fault if the access faulted, a
/// user exception if it did not. Neither touches the stack.
#[cfg(target_arch = "x86_64")]
mod probe_code {
    #[unsafe(naked)]
    pub extern "C" fn read() -> ! {
        core::arch::naked_asm!("mov rsi, qword ptr [rdi]", "ud2")
    }

    #[unsafe(naked)]
    pub extern "C" fn write() -> ! {
        core::arch::naked_asm!("mov qword ptr [rdi], rsi", "ud2")
    }
}

#[cfg(target_arch = "aarch64")]
mod probe_code {
    #[unsafe(naked)]
    pub extern "C" fn read() -> ! {
        core::arch::naked_asm!("ldr x1, [x0]", "udf #0")
    }

    #[unsafe(naked)]
    pub extern "C" fn write() -> ! {
        core::arch::naked_asm!("str x1, [x0]", "udf #0")
    }
}

#[cfg(target_arch = "arm")]
mod probe_code {
    #[unsafe(naked)]
    pub extern "C" fn read() -> ! {
        core::arch::naked_asm!("ldr r1, [r0]", "udf #0")
    }

    #[unsafe(naked)]
    pub extern "C" fn write() -> ! {
        core::arch::naked_asm!("str r1, [r0]", "udf #0")
    }
}

#[cfg(target_arch = "riscv64")]
mod probe_code {
    #[unsafe(naked)]
    pub extern "C" fn read() -> ! {
        core::arch::naked_asm!("ld a1, 0(a0)", "unimp")
    }

    #[unsafe(naked)]
    pub extern "C" fn write() -> ! {
        core::arch::naked_asm!("sd a1, 0(a0)", "unimp")
    }
}

#[cfg(target_arch = "riscv32")]
mod probe_code {
    #[unsafe(naked)]
    pub extern "C" fn read() -> ! {
        core::arch::naked_asm!("lw a1, 0(a0)", "unimp")
    }

    #[unsafe(naked)]
    pub extern "C" fn write() -> ! {
        core::arch::naked_asm!("sw a1, 0(a0)", "unimp")
    }
}

pub use probe_code::{read as probe_read, write as probe_write};
