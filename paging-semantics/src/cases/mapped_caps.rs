// SPDX-License-Identifier: BSD-2-Clause

//! Capabilities that are already mapped: a capability records its one mapping, so mapping it
//! again elsewhere is refused; a copy starts unmapped (frames) or counts as mapped (tables).

use mapping_tutorial::Failure;
use sel4::CapRights;
use sel4::init_thread::slot::VSPACE;

use crate::arch::{DEPTH, PAGE, Table, span};
use crate::case::{by_arch, cases};
use crate::env::{map_frame, rw};
use crate::outcome::{Effect, Outcome, outcome};

cases! {
    mapped_page_table_cap_at_another_address_is_invalid_capability {
        expected: Outcome::InvalidCapability(0),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:1178 decodeX86PageTableInvocation: capPTIsMapped",
            aarch64 = "arm/64/kernel/vspace.c:1449 decodeARMPageTableInvocation: capPTIsMapped",
            aarch32 = "arm/32/kernel/vspace.c:2147 decodeARMPageTableInvocation: capPTIsMapped",
            riscv = "riscv/kernel/vspace.c:720 decodeRISCVPageTableInvocation: capPTIsMapped",
        ),
        run: |env| {
            let vaddr = env.region(DEPTH - 1)?;
            let table = env.map_table(vaddr, DEPTH - 1)?;
            Ok(outcome(table.map_into(VSPACE.cap(), vaddr + span(DEPTH - 1))))
        },
    }

    mapped_page_table_cap_at_its_own_address_is_invalid_capability {
        expected: Outcome::InvalidCapability(0),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:1178 decodeX86PageTableInvocation: capPTIsMapped",
            aarch64 = "arm/64/kernel/vspace.c:1449 decodeARMPageTableInvocation: capPTIsMapped",
            aarch32 = "arm/32/kernel/vspace.c:2147 decodeARMPageTableInvocation: capPTIsMapped",
            riscv = "riscv/kernel/vspace.c:720 decodeRISCVPageTableInvocation: capPTIsMapped",
        ),
        run: |env| {
            let vaddr = env.region(DEPTH - 1)?;
            let table = env.map_table(vaddr, DEPTH - 1)?;
            Ok(outcome(table.map_into(VSPACE.cap(), vaddr)))
        },
    }

    #[cfg(target_arch = "x86_64")]
    mapped_pdpt_cap_is_invalid_capability {
        expected: Outcome::InvalidCapability(0),
        kernel: "x86/64/kernel/vspace.c:1338 decodeX64PDPTInvocation: capPDPTIsMapped",
        run: |env| {
            let vaddr = env.region(0)?;
            let pdpt = env.map_table(vaddr, 0)?;
            Ok(outcome(pdpt.map_into(VSPACE.cap(), env.region(0)?)))
        },
    }

    #[cfg(target_arch = "x86_64")]
    mapped_page_directory_cap_is_invalid_capability {
        expected: Outcome::InvalidCapability(0),
        kernel: "x86/64/kernel/vspace.c:1174 decodeX64PageDirectoryInvocation: capPDIsMapped",
        run: |env| {
            let vaddr = env.region(1)?;
            let page_directory = env.map_table(vaddr, 1)?;
            Ok(outcome(page_directory.map_into(VSPACE.cap(), vaddr + span(1))))
        },
    }

    /// A copy of a mapped table's capability says "mapped" too.
    copy_of_a_mapped_page_table_cap_is_invalid_capability {
        expected: Outcome::InvalidCapability(0),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:1178 decodeX86PageTableInvocation: capPTIsMapped, which Arch_deriveCap keeps in a copy",
            aarch64 = "arm/64/kernel/vspace.c:1449 decodeARMPageTableInvocation: capPTIsMapped, which Arch_deriveCap keeps in a copy",
            aarch32 = "arm/32/kernel/vspace.c:2147 decodeARMPageTableInvocation: capPTIsMapped, which Arch_deriveCap keeps in a copy",
            riscv = "riscv/kernel/vspace.c:720 decodeRISCVPageTableInvocation: capPTIsMapped, which Arch_deriveCap keeps in a copy",
        ),
        run: |env| {
            let vaddr = env.region(DEPTH - 1)?;
            let table = env.map_page_table(vaddr)?;
            let copy = Table::PageTable(env.copy(table)?);
            Ok(outcome(copy.map_into(VSPACE.cap(), vaddr + span(DEPTH - 1))))
        },
    }

    mapped_frame_cap_at_another_address_is_invalid_argument {
        expected: Outcome::InvalidArgument(0),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:994 decodeX86FrameInvocation: capFMappedAddress != vaddr",
            aarch64 = "arm/64/kernel/vspace.c:1573 decodeARMFrameInvocation: capFMappedAddress != vaddr",
            aarch32 = "arm/32/kernel/vspace.c:2285 decodeARMFrameInvocation: capFMappedAddress != vaddr",
            riscv = "riscv/kernel/vspace.c:877 decodeRISCVFrameInvocation: capFMappedAddress != vaddr",
        ),
        run: |env| {
            let vaddr = env.page_region()?;
            let frame = env.mapped_frame_at(vaddr, rw())?;
            Ok(outcome(map_frame(frame, vaddr + PAGE, rw())))
        },
    }

    /// A copy has no mapping of its own: both addresses then show the same memory.
    copy_of_mapped_frame_cap_maps_at_a_second_address {
        expected: Outcome::Seen(Effect::ReadsTheFrame),
        kernel: by_arch!(
            x86_64 = "x86/object/objecttype.c Arch_deriveCap: the copy is unmapped",
            aarch64 = "arm/64/object/objecttype.c Arch_deriveCap: the copy is unmapped",
            aarch32 = "arm/32/object/objecttype.c Arch_deriveCap: the copy is unmapped",
            riscv = "riscv/object/objecttype.c Arch_deriveCap: the copy is unmapped",
        ),
        run: |env| {
            let vaddr = env.page_region()?;
            let frame = env.mapped_frame_at(vaddr, rw())?;
            let copy = env.copy(frame)?;
            let result = outcome(map_frame(copy, vaddr + PAGE, rw()));
            env.then(result, Effect::ReadsTheFrame, |env| {
                env.write(vaddr, 0x5e14)?;
                env.reads(vaddr + PAGE, 0x5e14)
                    .map_err(|_| Failure::new("the two mappings show different memory"))
            })
        },
    }

    /// The same capability at the same address: a remap, which the tutorial's last step is.
    remap_with_other_rights_at_the_same_address {
        expected: Outcome::Seen(Effect::ReadsAndWrites),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c decodeX86FrameInvocation: same ASID and address",
            aarch64 = "arm/64/kernel/vspace.c decodeARMFrameInvocation: same ASID and address",
            aarch32 = "arm/32/kernel/vspace.c decodeARMFrameInvocation: same ASID and address",
            riscv = "riscv/kernel/vspace.c decodeRISCVFrameInvocation: same ASID and address",
        ),
        run: |env| {
            let vaddr = env.page_region()?;
            let frame = env.mapped_frame_at(vaddr, CapRights::read_only())?;
            let result = outcome(map_frame(frame, vaddr, rw()));
            env.mapped_read_write(result, vaddr)
        },
    }

    remap_with_other_rights_at_another_address_is_invalid_argument {
        expected: Outcome::InvalidArgument(0),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:994 decodeX86FrameInvocation: capFMappedAddress != vaddr",
            aarch64 = "arm/64/kernel/vspace.c:1573 decodeARMFrameInvocation: capFMappedAddress != vaddr",
            aarch32 = "arm/32/kernel/vspace.c:2285 decodeARMFrameInvocation: capFMappedAddress != vaddr",
            riscv = "riscv/kernel/vspace.c:877 decodeRISCVFrameInvocation: capFMappedAddress != vaddr",
        ),
        run: |env| {
            let vaddr = env.page_region()?;
            let frame = env.mapped_frame_at(vaddr, CapRights::read_only())?;
            Ok(outcome(map_frame(frame, vaddr + PAGE, rw())))
        },
    }
}
