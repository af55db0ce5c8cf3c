// SPDX-License-Identifier: BSD-2-Clause

//! Unmapping and deleting: a page's unmap, a table's unmap (which needs its only capability and
//! empties the table), deleting a table's last capability (which unmaps it), and what the
//! capabilities of the pages below remember afterwards.

use mapping_tutorial::paging::page_table_unmap;
use mapping_tutorial::{Context, Failure};
use sel4::Error::{IllegalOperation, RevokeFirst};
use sel4::init_thread::slot::{CNODE, VSPACE};

use crate::arch::{DEPTH, LEVELS, PAGE, PageTableType, Table};
use crate::case::{by_arch, cases};
use crate::env::{Access, delete, map_frame, rw};
use crate::outcome::{Cause, Direction, Outcome, outcome};

cases! {
    frame_unmapped_twice_is_ok {
        expected: Outcome::Ok,
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c performX86FrameInvocationUnmap: nothing mapped",
            aarch64 = "arm/64/kernel/vspace.c performPageInvocationUnmap: nothing mapped",
            aarch32 = "arm/32/kernel/vspace.c performPageInvocationUnmap: nothing mapped",
            riscv = "riscv/kernel/vspace.c performPageInvocationUnmap: nothing mapped",
        ),
        run: |env| {
            let vaddr = env.page_region()?;
            let frame = env.mapped_frame_at(vaddr, rw())?;
            frame.frame_unmap().context("prepare: unmap the frame")?;
            Ok(outcome(frame.frame_unmap()))
        },
    }

    frame_unmapped_can_map_at_another_address {
        expected: Outcome::Ok,
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c performX86PageInvocationUnmap: clears the cap's mapping",
            aarch64 = "arm/64/kernel/vspace.c performPageInvocationUnmap: clears the cap's mapping",
            aarch32 = "arm/32/kernel/vspace.c performPageInvocationUnmap: clears the cap's mapping",
            riscv = "riscv/kernel/vspace.c performPageInvocationUnmap: clears the cap's mapping",
        ),
        run: |env| {
            let vaddr = env.page_region()?;
            let frame = env.mapped_frame_at(vaddr, rw())?;
            frame.frame_unmap().context("prepare: unmap the frame")?;
            Ok(outcome(map_frame(frame, vaddr + PAGE, rw())))
        },
    }

    page_table_unmap_then_frame_fails_at_the_last_level {
        expected: Outcome::Lookup(LEVELS[DEPTH - 1]),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c performX86PageTableInvocationUnmap -> unmapPageTable",
            aarch64 = "arm/64/kernel/vspace.c performPageTableInvocationUnmap -> unmapPageTable",
            aarch32 = "arm/32/kernel/vspace.c performPageTableInvocationUnmap -> unmapPageTable",
            riscv = "riscv/kernel/vspace.c performPageTableInvocationUnmap -> unmapPageTable",
        ),
        run: |env| {
            let vaddr = env.region(DEPTH - 1)?;
            let table = env.map_page_table(vaddr)?;
            page_table_unmap(table).context("prepare: unmap the page table")?;
            Ok(outcome(map_frame(env.frame()?, vaddr, rw())))
        },
    }

    /// Unmapping a table needs its only capability.
    page_table_unmap_with_a_copy_is_revoke_first {
        expected: Outcome::Err(RevokeFirst),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c decodeX86PageTableInvocation: isFinalCapability",
            aarch64 = "arm/64/kernel/vspace.c decodeARMPageTableInvocation: isFinalCapability",
            aarch32 = "arm/32/kernel/vspace.c decodeARMPageTableInvocation: isFinalCapability",
            riscv = "riscv/kernel/vspace.c decodeRISCVPageTableInvocation: isFinalCapability",
        ),
        run: |env| {
            let vaddr = env.region(DEPTH - 1)?;
            let table = env.map_page_table(vaddr)?;
            env.copy(table)?;
            Ok(outcome(page_table_unmap(table)))
        },
    }

    /// On x86_64 the PDPT needs its only capability too.
    #[cfg(target_arch = "x86_64")]
    pdpt_unmap_with_a_copy_is_revoke_first {
        expected: Outcome::Err(RevokeFirst),
        kernel: "x86/64/kernel/vspace.c decodeX64PDPTInvocation: isFinalCapability",
        run: |env| {
            let vaddr = env.region(0)?;
            let Table::Pdpt(pdpt) = env.map_table(vaddr, 0)? else {
                return Err(Failure::new("prepare: the structure at depth 0 is not a PDPT"));
            };
            env.copy(pdpt)?;
            Ok(outcome(Table::Pdpt(pdpt).unmap()))
        },
    }

    /// ... and so does the page directory.
    #[cfg(target_arch = "x86_64")]
    page_directory_unmap_with_a_copy_is_revoke_first {
        expected: Outcome::Err(RevokeFirst),
        kernel: "x86/64/kernel/vspace.c decodeX64PageDirectoryInvocation: isFinalCapability",
        run: |env| {
            let vaddr = env.region(1)?;
            let Table::PageDirectory(directory) = env.map_table(vaddr, 1)? else {
                return Err(Failure::new("prepare: the structure at depth 1 is not a page directory"));
            };
            env.copy(directory)?;
            Ok(outcome(Table::PageDirectory(directory).unmap()))
        },
    }

    /// The kernel copies a table's capability only once the table is mapped.
    copy_of_unmapped_page_table_cap_is_illegal_operation {
        expected: Outcome::Err(IllegalOperation),
        kernel: by_arch!(
            x86_64 = "x86/object/objecttype.c Arch_deriveCap: an unmapped page table",
            aarch64 = "arm/64/object/objecttype.c Arch_deriveCap: a PT without an ASID",
            aarch32 = "arm/32/object/objecttype.c Arch_deriveCap: an unmapped page table",
            riscv = "riscv/object/objecttype.c Arch_deriveCap: an unmapped page table",
        ),
        run: |env| {
            let table = env.alloc::<PageTableType>()?;
            let (result, _) = env.try_copy_into(table, sel4::CapRights::all());
            Ok(outcome(result))
        },
    }

    /// The text: mappings go when "deleting the final capability to any of the paging
    /// structures".
    page_table_cap_deleted_then_frame_fails_at_the_last_level {
        expected: Outcome::Lookup(LEVELS[DEPTH - 1]),
        kernel: by_arch!(
            x86_64 = "x86/object/objecttype.c Arch_finaliseCap -> unmapPageTable",
            aarch64 = "arm/64/object/objecttype.c Arch_finaliseCap -> unmapPageTable",
            aarch32 = "arm/32/object/objecttype.c Arch_finaliseCap -> unmapPageTable",
            riscv = "riscv/object/objecttype.c Arch_finaliseCap -> unmapPageTable",
        ),
        run: |env| {
            let vaddr = env.region(DEPTH - 1)?;
            let table = env.map_page_table(vaddr)?;
            delete(table.cptr()).context("prepare: delete the page table's capability")?;
            Ok(outcome(map_frame(env.frame()?, vaddr, rw())))
        },
    }

    /// Deleting a copy is not deleting the last capability: the table stays.
    deleting_a_copy_of_a_page_table_cap_leaves_it_mapped {
        expected: Outcome::NoFault,
        kernel: by_arch!(
            x86_64 = "object/cnode.c finaliseSlot: not the final capability, nothing unmapped",
            aarch64 = "object/cnode.c finaliseSlot: not the final capability, nothing unmapped",
            aarch32 = "object/cnode.c finaliseSlot: not the final capability, nothing unmapped",
            riscv = "object/cnode.c finaliseSlot: not the final capability, nothing unmapped",
        ),
        run: |env| {
            let vaddr = env.region(DEPTH - 1)?;
            let table = env.map_page_table(vaddr)?;
            env.mapped_frame_at(vaddr, rw())?;
            let copy = env.copy(table)?;
            delete(copy.cptr()).context("prepare: delete the copy")?;
            env.probe(Access::Read, vaddr)
        },
    }

    /// The structure below the VSpace, and with it the whole way down.
    #[cfg(target_pointer_width = "64")]
    top_structure_unmap_then_frame_fails_at_the_top_level {
        expected: Outcome::Lookup(LEVELS[0]),
        kernel: by_arch!(
            x86_64 = "x86/64/kernel/vspace.c performX64PDPTInvocationUnmap -> unmapPDPT",
            aarch64 = "arm/64/kernel/vspace.c performPageTableInvocationUnmap -> unmapPageTable",
            riscv64 = "riscv/kernel/vspace.c performPageTableInvocationUnmap -> unmapPageTable",
        ),
        run: |env| {
            let vaddr = env.region(0)?;
            let top = env.map_table(vaddr, 0)?;
            env.map_tables(vaddr, 1..DEPTH)?;
            top.unmap().context("prepare: unmap the top structure")?;
            Ok(outcome(map_frame(env.frame()?, vaddr, rw())))
        },
    }

    #[cfg(target_arch = "x86_64")]
    page_directory_unmap_then_page_table_fails_at_level_30 {
        expected: Outcome::Lookup(30),
        kernel: "x86/64/kernel/vspace.c performX64PageDirectoryInvocationUnmap",
        run: |env| {
            let vaddr = env.region(1)?;
            let page_directory = env.map_table(vaddr, 1)?;
            page_directory.unmap().context("prepare: unmap the page directory")?;
            Ok(outcome(env.make_table(2)?.map_into(VSPACE.cap(), vaddr)))
        },
    }

    #[cfg(target_arch = "x86_64")]
    pdpt_unmap_then_page_directory_fails_at_level_39 {
        expected: Outcome::Lookup(39),
        kernel: "x86/64/kernel/vspace.c performX64PDPTInvocationUnmap -> unmapPDPT",
        run: |env| {
            let vaddr = env.region(0)?;
            let pdpt = env.map_table(vaddr, 0)?;
            pdpt.unmap().context("prepare: unmap the PDPT")?;
            Ok(outcome(env.make_table(1)?.map_into(VSPACE.cap(), vaddr)))
        },
    }

    /// An unmapped table's capability maps again.
    unmapped_page_table_maps_again {
        expected: Outcome::Ok,
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c performX86PageTableInvocationUnmap: unmapped cap",
            aarch64 = "arm/64/kernel/vspace.c performPageTableInvocationUnmap: unmapped cap",
            aarch32 = "arm/32/kernel/vspace.c performPageTableInvocationUnmap: unmapped cap",
            riscv = "riscv/kernel/vspace.c performPageTableInvocationUnmap: unmapped cap",
        ),
        run: |env| {
            let vaddr = env.region(DEPTH - 1)?;
            let table = env.map_page_table(vaddr)?;
            page_table_unmap(table).context("prepare: unmap the page table")?;
            Ok(outcome(Table::PageTable(table).map_into(VSPACE.cap(), vaddr)))
        },
    }

    /// ... but empty: Unmap clears the table, so its pages do not come back with it.
    unmapped_page_table_comes_back_empty {
        expected: Outcome::fault(Direction::Read, Cause::NotMapped),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c performX86PageTableInvocationUnmap: clearMemory",
            aarch64 = "arm/64/kernel/vspace.c performPageTableInvocationUnmap: clearMemory_PT",
            aarch32 = "arm/32/kernel/vspace.c performPageTableInvocationUnmap: clearMemory_PT",
            riscv = "riscv/kernel/vspace.c performPageTableInvocationUnmap: clearMemory",
        ),
        run: |env| {
            let vaddr = env.region(DEPTH - 1)?;
            let table = env.map_page_table(vaddr)?;
            env.mapped_frame_at(vaddr, rw())?;
            page_table_unmap(table).context("prepare: unmap the page table")?;
            Table::PageTable(table)
                .map_into(VSPACE.cap(), vaddr)
                .context("prepare: map the page table again")?;
            env.probe(Access::Read, vaddr)
        },
    }

    /// The frame's capability still records its mapping after its table went: mapping it again
    /// at that address is a remap, and brings it back.
    stale_frame_cap_maps_again_at_its_old_address {
        expected: Outcome::Ok,
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c decodeX86FrameInvocation: same ASID and address",
            aarch64 = "arm/64/kernel/vspace.c decodeARMFrameInvocation: same ASID and address",
            aarch32 = "arm/32/kernel/vspace.c decodeARMFrameInvocation: same ASID and address",
            riscv = "riscv/kernel/vspace.c decodeRISCVFrameInvocation: same ASID and address",
        ),
        run: |env| {
            let vaddr = env.region(DEPTH - 1)?;
            let table = env.map_page_table(vaddr)?;
            let frame = env.mapped_frame_at(vaddr, rw())?;
            env.write(vaddr, 0x5e14)?;
            page_table_unmap(table).context("prepare: unmap the page table")?;
            env.map_page_table(vaddr)?;
            let result = outcome(map_frame(frame, vaddr, rw()));
            if result == Outcome::Ok && env.read(vaddr)? != 0x5e14 {
                return Err(Failure::new("the frame came back without its contents"));
            }
            Ok(result)
        },
    }

    /// ... and elsewhere it is refused as a second mapping, except that RISC-V first finds no
    /// table at the new address.
    stale_frame_cap_at_a_new_address {
        expected: by_arch!(
            riscv = Outcome::Lookup(LEVELS[DEPTH - 1]),
            other = Outcome::InvalidArgument(0),
        ),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c decodeX86FrameInvocation: capFMappedAddress != vaddr",
            aarch64 = "arm/64/kernel/vspace.c decodeARMFrameInvocation: capFMappedAddress != vaddr",
            aarch32 = "arm/32/kernel/vspace.c decodeARMFrameInvocation: capFMappedAddress != vaddr",
            riscv = "riscv/kernel/vspace.c decodeRISCVFrameInvocation: lookupPTSlot comes first",
        ),
        run: |env| {
            let vaddr = env.region(DEPTH - 1)?;
            let table = env.map_page_table(vaddr)?;
            let frame = env.mapped_frame_at(vaddr, rw())?;
            page_table_unmap(table).context("prepare: unmap the page table")?;
            Ok(outcome(map_frame(frame, vaddr + PAGE, rw())))
        },
    }

    /// Deleting a mapped frame's capability unmaps it.
    deleting_a_frame_cap_unmaps_it {
        expected: Outcome::fault(Direction::Read, Cause::NotMapped),
        kernel: by_arch!(
            x86_64 = "x86/object/objecttype.c Arch_finaliseCap -> unmapPage",
            aarch64 = "arm/64/object/objecttype.c Arch_finaliseCap -> unmapPage",
            aarch32 = "arm/32/object/objecttype.c Arch_finaliseCap -> unmapPage",
            riscv = "riscv/object/objecttype.c Arch_finaliseCap -> unmapPage",
        ),
        run: |env| {
            let vaddr = env.page_region()?;
            let frame = env.mapped_frame_at(vaddr, rw())?;
            delete(frame.cptr()).context("prepare: delete the frame's capability")?;
            env.probe(Access::Read, vaddr)
        },
    }

    /// Revoking the untyped a mapped page table and frame were made from destroys both, which
    /// unmaps them, and the untyped can be retyped again.
    revoking_an_untyped_unmaps_what_was_made_from_it {
        expected: Outcome::fault(Direction::Read, Cause::NotMapped),
        kernel: "object/cnode.c invokeCNodeRevoke -> cteRevoke -> finaliseCap -> unmapPage",
        run: |env| {
            let untyped = env.spare_untyped()?;
            let vaddr = env.region(DEPTH - 1)?;
            let table = env.alloc_from::<PageTableType>(untyped)?;
            Table::PageTable(table)
                .map_into(VSPACE.cap(), vaddr)
                .context("prepare: map a page table made from the spare untyped")?;
            let frame = env.alloc_from::<sel4::cap_type::Granule>(untyped)?;
            map_frame(frame, vaddr, rw()).context("prepare: map a frame made from it")?;
            env.read(vaddr)?;
            CNODE
                .cap()
                .absolute_cptr(untyped.cptr())
                .revoke()
                .context("prepare: revoke the untyped")?;
            let after = env.probe(Access::Read, vaddr)?;
            env.alloc_from::<sel4::cap_type::Granule>(untyped)
                .map_err(|_| Failure::new("the revoked untyped cannot be retyped again"))?;
            Ok(after)
        },
    }
}
