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
use crate::fault::{Cause, Direction};
use crate::outcome::{Effect, Outcome, outcome};

cases! {
    frame_unmapped_twice_is_ok {
        expected: Outcome::Seen(Effect::CapMapsAgain),
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
            let result = outcome(frame.frame_unmap());
            env.then(result, Effect::CapMapsAgain, |_| {
                map_frame(frame, vaddr + PAGE, rw()).context("the frame does not map again")
            })
        },
    }

    frame_unmapped_can_map_at_another_address {
        expected: Outcome::Seen(Effect::ReadsAndWrites),
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
            let result = outcome(map_frame(frame, vaddr + PAGE, rw()));
            env.mapped_read_write(result, vaddr + PAGE)
        },
    }

    page_table_unmap_then_frame_fails_at_the_last_level {
        expected: Outcome::Lookup(LEVELS[DEPTH - 1]),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:879 createSafeMappingEntries_PTE: no page table, since performX86PageTableInvocationUnmap -> unmapPageTable removed it",
            aarch64 = "arm/64/kernel/vspace.c:1593 decodeARMFrameInvocation: no page table, since performPageTableInvocationUnmap -> unmapPageTable removed it",
            aarch32 = "arm/32/kernel/vspace.c:1584 createSafeMappingEntries_PTE: no page table, since performPageTableInvocationUnmap -> unmapPageTable removed it",
            riscv = "riscv/kernel/vspace.c:860 decodeRISCVFrameInvocation: no page table, since performPageTableInvocationUnmap -> unmapPageTable removed it",
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
            x86_64 = "x86/kernel/vspace.c:1157 decodeX86PageTableInvocation: isFinalCapability",
            aarch64 = "arm/64/kernel/vspace.c:1430 decodeARMPageTableInvocation: isFinalCapability",
            aarch32 = "arm/32/kernel/vspace.c:2126 decodeARMPageTableInvocation: isFinalCapability",
            riscv = "riscv/kernel/vspace.c:687 decodeRISCVPageTableInvocation: isFinalCapability",
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
        kernel: "x86/64/kernel/vspace.c:1315 decodeX64PDPTInvocation: isFinalCapability",
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
        kernel: "x86/64/kernel/vspace.c:1152 decodeX64PageDirectoryInvocation: isFinalCapability",
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
            x86_64 = "x86/object/objecttype.c:32 Arch_deriveCap: an unmapped page table",
            aarch64 = "arm/64/object/objecttype.c:51 Arch_deriveCap: a PT without an ASID",
            aarch32 = "arm/32/object/objecttype.c:45 Arch_deriveCap: an unmapped page table",
            riscv = "riscv/object/objecttype.c:26 Arch_deriveCap: an unmapped page table",
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
            x86_64 = "x86/kernel/vspace.c:879 createSafeMappingEntries_PTE: no page table, since Arch_finaliseCap -> unmapPageTable removed it",
            aarch64 = "arm/64/kernel/vspace.c:1593 decodeARMFrameInvocation: no page table, since Arch_finaliseCap -> unmapPageTable removed it",
            aarch32 = "arm/32/kernel/vspace.c:1584 createSafeMappingEntries_PTE: no page table, since Arch_finaliseCap -> unmapPageTable removed it",
            riscv = "riscv/kernel/vspace.c:860 decodeRISCVFrameInvocation: no page table, since Arch_finaliseCap -> unmapPageTable removed it",
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
            x86_64 = "x86/kernel/vspace.c:879 createSafeMappingEntries_PTE: nothing below the PML4, since performX64PDPTInvocationUnmap -> unmapPDPT removed it",
            aarch64 = "arm/64/kernel/vspace.c:1593 decodeARMFrameInvocation: nothing below the VSpace, since performPageTableInvocationUnmap -> unmapPageTable removed it",
            riscv64 = "riscv/kernel/vspace.c:860 decodeRISCVFrameInvocation: nothing below the root, since performPageTableInvocationUnmap -> unmapPageTable removed it",
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
        kernel: "x86/kernel/vspace.c:1229 decodeX86PageTableInvocation: no page directory, since performX64PageDirectoryInvocationUnmap removed it",
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
        kernel: "x86/64/kernel/vspace.c:1222 decodeX64PageDirectoryInvocation: no PDPT, since performX64PDPTInvocationUnmap -> unmapPDPT removed it",
        run: |env| {
            let vaddr = env.region(0)?;
            let pdpt = env.map_table(vaddr, 0)?;
            pdpt.unmap().context("prepare: unmap the PDPT")?;
            Ok(outcome(env.make_table(1)?.map_into(VSPACE.cap(), vaddr)))
        },
    }

    /// An unmapped table's capability maps again.
    unmapped_page_table_maps_again {
        expected: Outcome::Seen(Effect::FrameMapsBelow),
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
            let result = outcome(Table::PageTable(table).map_into(VSPACE.cap(), vaddr));
            env.frame_maps_below(result, vaddr)
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
        expected: Outcome::Seen(Effect::ReadsTheFrame),
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
            env.then(result, Effect::ReadsTheFrame, |env| env.reads(vaddr, 0x5e14))
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
            x86_64 = "x86/kernel/vspace.c:994 decodeX86FrameInvocation: capFMappedAddress != vaddr",
            aarch64 = "arm/64/kernel/vspace.c:1573 decodeARMFrameInvocation: capFMappedAddress != vaddr",
            aarch32 = "arm/32/kernel/vspace.c:2285 decodeARMFrameInvocation: capFMappedAddress != vaddr",
            riscv = "riscv/kernel/vspace.c:860 decodeRISCVFrameInvocation: lookupPTSlot comes first",
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

    /// seL4 16.0.0's fix of "a potential kernel crash in cache maintenance operations on AArch32
    /// (Armv7)": a frame's capability that records a mapping its page table took away (map the
    /// frame, map a page table, unmap the page table; here the table first, as the frame needs
    /// it). A kernel that flushes through the mapping (aarch32, and aarch64 at EL1) now checks it,
    /// and refuses the stale capability (capability 0); aarch64 at EL2 flushes through its own
    /// window onto the frame's memory, for which the stale mapping does not matter. x86_64 and
    /// RISC-V have no cache maintenance in their API: there the capability's unmap, which also
    /// acts on the mapping it records, finds nothing of the frame at its address, changes nothing
    /// in the VSpace, and clears the capability.
    stale_frame_cap_after_its_page_table_is_unmapped {
        expected: by_arch!(
            aarch64_el1 = Outcome::InvalidCapability(0),
            aarch32 = Outcome::InvalidCapability(0),
            aarch64 = Outcome::Seen(Effect::KeepsItsContents),
            other = Outcome::Seen(Effect::CapMapsAgain),
        ),
        kernel: by_arch!(
            aarch64_el1 = "arm/64/kernel/vspace.c:1676 decodeARMFrameInvocation: the mapping the capability records is gone",
            aarch32 = "arm/32/kernel/vspace.c:2464 decodeARMFrameInvocation: the mapping the capability records is gone (the 16.0.0 check)",
            aarch64 = "arm/64/kernel/vspace.c decodeARMFrameInvocation: at EL2 through the kernel's window -> performPageFlush",
            x86_64 = "x86/kernel/vspace.c performX86FrameInvocationUnmap -> unmapPage: nothing of the frame there",
            riscv = "riscv/kernel/vspace.c performPageInvocationUnmap -> unmapPage: nothing of the frame there",
        ),
        run: |env| {
            let vaddr = env.region(DEPTH - 1)?;
            let table = env.map_page_table(vaddr)?;
            let frame = env.mapped_frame_at(vaddr, rw())?;
            env.write(vaddr, STALE_WORD)?;
            page_table_unmap(table).context("prepare: unmap the page table")?;
            through_a_stale_frame_cap(env, frame)
        },
    }
}

/// What the stale frame capability's case writes into its frame.
const STALE_WORD: sel4::Word = 0x16_00;

/// ARM: the page's cache maintenance through `frame`'s stale capability; where the kernel does
/// it, the frame's memory still holds what was written (read through a copy mapped anew).
#[cfg(any(target_arch = "aarch64", target_arch = "arm"))]
fn through_a_stale_frame_cap(
    env: &mut crate::env::Env,
    frame: sel4::cap::Granule,
) -> Result<Outcome, Failure> {
    let error = sel4::with_ipc_buffer_mut(|buffer| {
        let end = PAGE as sel4::Word;
        buffer
            .inner_mut()
            .seL4_ARM_Page_Clean_Data(frame.bits(), 0, end)
    });
    let result = outcome(sel4::Error::from_sys(error).map_or(Ok(()), Err));
    env.then(result, Effect::KeepsItsContents, |env| {
        let copy = env.copy(frame)?;
        let elsewhere = env.page_region()?;
        map_frame(copy, elsewhere, rw()).context("prepare: map a copy of the frame")?;
        env.reads(elsewhere, STALE_WORD)
    })
}

/// x86_64 and RISC-V: the frame's unmap through its stale capability; where it succeeds, the
/// capability is unmapped: it maps at another address.
#[cfg(not(any(target_arch = "aarch64", target_arch = "arm")))]
fn through_a_stale_frame_cap(
    env: &mut crate::env::Env,
    frame: sel4::cap::Granule,
) -> Result<Outcome, Failure> {
    let result = outcome(frame.frame_unmap());
    env.then(result, Effect::CapMapsAgain, |env| {
        let elsewhere = env.page_region()?;
        map_frame(frame, elsewhere, rw()).context("the frame's capability does not map again")?;
        env.reads(elsewhere, STALE_WORD)
    })
}
