// SPDX-License-Identifier: BSD-2-Clause

//! ASIDs: a VSpace other than the root task's needs one from an ASID pool before anything maps
//! into it (the init thread's pool, `seL4_CapInitThreadASIDPool`, has free ones).

use mapping_tutorial::{Context, Failure};
use sel4::CapTypeForObjectOfFixedSize;
use sel4::Error::{DeleteFirst, RevokeFirst};
use sel4::cap_type;
use sel4::init_thread::slot::{ASID_CONTROL, ASID_POOL, CNODE, VSPACE};

use crate::arch::{PageTableType, VSpaceType, label};
use crate::case::{by_arch, cases};
use crate::env::{Env, delete, invoke, rw};
use crate::outcome::{Effect, Outcome, outcome};

cases! {
    /// What every VSpace after the first needs: its ASID, from the init thread's pool.
    asid_pool_assigns_a_new_vspace {
        expected: Outcome::Seen(Effect::TakesMappings),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c decodeX86MMUInvocation: the pool's first free ASID",
            aarch64 = "arm/64/kernel/vspace.c decodeARMMMUInvocation: the pool's first free ASID",
            aarch32 = "arm/32/kernel/vspace.c decodeARMMMUInvocation: the pool's first free ASID",
            riscv = "riscv/kernel/vspace.c decodeRISCVMMUInvocation: the pool's first free ASID",
        ),
        run: |env| {
            let vspace = env.alloc::<VSpaceType>()?;
            let result = outcome(ASID_POOL.cap().asid_pool_assign(vspace));
            env.then(result, Effect::TakesMappings, |env| {
                let vaddr = crate::arch::ENTRIES.start * crate::arch::span(0);
                env.make_table(0)?
                    .map_into(vspace.cast(), vaddr)
                    .context("a table does not map into it")
            })
        },
    }

    /// A VSpace has one ASID: the second assignment is refused, naming the VSpace (capability 1).
    assigning_a_vspace_twice_is_invalid_capability {
        expected: Outcome::InvalidCapability(1),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:1368 decodeX86MMUInvocation: cap_get_capMappedASID != asidInvalid",
            aarch64 = "arm/64/kernel/vspace.c:1814 decodeARMMMUInvocation: capVSIsMapped",
            aarch32 = "arm/32/kernel/vspace.c:2635 decodeARMMMUInvocation: capPDIsMapped",
            riscv = "riscv/kernel/vspace.c:1039 decodeRISCVMMUInvocation: capPTIsMapped",
        ),
        run: |env| {
            let vspace = env.second_vspace()?;
            Ok(outcome(ASID_POOL.cap().asid_pool_assign(vspace)))
        },
    }

    /// Only a VSpace root takes an ASID; but on RISC-V every page table is one, until it is mapped.
    asid_for_a_page_table {
        expected: by_arch!(
            riscv = Outcome::Seen(Effect::TakesMappings),
            other = Outcome::InvalidCapability(1),
        ),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:1368 decodeX86MMUInvocation -> isVTableRoot",
            aarch64 = "arm/64/kernel/vspace.c:1814 decodeARMMMUInvocation -> isVTableRoot",
            aarch32 = "arm/32/kernel/vspace.c:2635 decodeARMMMUInvocation: not a page directory",
            riscv = "riscv/kernel/vspace.c decodeRISCVMMUInvocation: an unmapped page table",
        ),
        run: |env| {
            let table = env.alloc::<PageTableType>()?;
            let result = outcome(ASID_POOL.cap().asid_pool_assign(table.cast()));
            env.then(result, Effect::TakesMappings, |env| {
                let vaddr = crate::arch::ENTRIES.start * crate::arch::span(0);
                env.make_table(0)?
                    .map_into(table.cast(), vaddr)
                    .context("a table does not map into it")
            })
        },
    }

    /// Deleting an ASID pool (its last capability) takes the ASIDs it gave. A VSpace assigned
    /// from it still holds the ASID, but the ASID leads nowhere: a table mapped into it is a failed
    /// lookup of an invalid root (not the source), where a VSpace that never had an ASID is an
    /// invalid capability (`vspace::*`).
    mapping_into_a_vspace_whose_asid_pool_was_deleted {
        expected: Outcome::OtherLookup {
            source: 0,
            kind: sel4::sys::seL4_LookupFailureType::seL4_InvalidRoot as sel4::Word,
        },
        kernel: by_arch!(
            x86_64 = "x86/64/kernel/vspace.c:1371 decodeX64PDPTInvocation: findVSpaceForASID fails",
            aarch64 = "arm/64/kernel/vspace.c:1474 decodeARMPageTableInvocation: findVSpaceForASID fails",
            aarch32 = "arm/32/kernel/vspace.c:2187 decodeARMPageTableInvocation: findPDForASID fails",
            riscv = "riscv/kernel/vspace.c:751 decodeRISCVPageTableInvocation: findVSpaceForASID fails",
        ),
        run: |env| {
            let vspace = env.orphan_vspace()?;
            let table = env.make_table(0)?;
            Ok(outcome(table.map_into(vspace, somewhere())))
        },
    }

    /// The same for a frame.
    frame_into_a_vspace_whose_asid_pool_was_deleted {
        expected: INVALID_ROOT,
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:1018 decodeX86FrameInvocation: findVSpaceForASID fails",
            aarch64 = "arm/64/kernel/vspace.c:1546 decodeARMFrameInvocation: findVSpaceForASID fails",
            aarch32 = "arm/32/kernel/vspace.c:2309 decodeARMFrameInvocation: findPDForASID fails",
            riscv = "riscv/kernel/vspace.c:832 decodeRISCVFrameInvocation: findVSpaceForASID fails",
        ),
        run: |env| {
            let vspace = env.orphan_vspace()?;
            Ok(outcome(env.frame()?.frame_map(vspace, somewhere(), rw(), Default::default())))
        },
    }

    /// ... and, on x86_64, for the structures below the PDPT.
    #[cfg(target_arch = "x86_64")]
    page_directory_into_a_vspace_whose_asid_pool_was_deleted {
        expected: INVALID_ROOT,
        kernel: "x86/64/kernel/vspace.c:1207 decodeX64PageDirectoryInvocation: findVSpaceForASID fails",
        run: |env| {
            let vspace = env.orphan_vspace()?;
            Ok(outcome(env.make_table(1)?.map_into(vspace, somewhere())))
        },
    }

    #[cfg(target_arch = "x86_64")]
    page_table_into_a_vspace_whose_asid_pool_was_deleted {
        expected: INVALID_ROOT,
        kernel: "x86/kernel/vspace.c:1213 decodeX86PageTableInvocation: findVSpaceForASID fails",
        run: |env| {
            let vspace = env.orphan_vspace()?;
            Ok(outcome(env.make_table(2)?.map_into(vspace, somewhere())))
        },
    }

    /// A VSpace whose ASID was given to another VSpace since (its pool deleted, a new pool in the
    /// same place in the ASID table, whose first ASID is the same number): the ASID leads to the
    /// other VSpace, and the kernel refuses the VSpace it was given (capability 1).
    frame_into_a_vspace_whose_asid_went_to_another {
        expected: Outcome::InvalidCapability(1),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:1025 decodeX86FrameInvocation: the ASID's VSpace is another",
            aarch64 = "arm/64/kernel/vspace.c:1552 decodeARMFrameInvocation: the ASID's VSpace is another",
            aarch32 = "arm/32/kernel/vspace.c:2319 decodeARMFrameInvocation: the ASID's PD is another",
            riscv = "riscv/kernel/vspace.c:839 decodeRISCVFrameInvocation: the ASID's root is another",
        ),
        run: |env| {
            let vspace = env.vspace_whose_asid_went_to_another()?;
            Ok(outcome(env.frame()?.frame_map(vspace, somewhere(), rw(), Default::default())))
        },
    }

    table_into_a_vspace_whose_asid_went_to_another {
        expected: Outcome::InvalidCapability(1),
        kernel: by_arch!(
            x86_64 = "x86/64/kernel/vspace.c:1378 decodeX64PDPTInvocation: the ASID's VSpace is another",
            aarch64 = "arm/64/kernel/vspace.c:1480 decodeARMPageTableInvocation: the ASID's VSpace is another",
            aarch32 = "arm/32/kernel/vspace.c:2195 decodeARMPageTableInvocation: the ASID's PD is another",
            riscv = "riscv/kernel/vspace.c:758 decodeRISCVPageTableInvocation: the ASID's root is another",
        ),
        run: |env| {
            let vspace = env.vspace_whose_asid_went_to_another()?;
            Ok(outcome(env.make_table(0)?.map_into(vspace, somewhere())))
        },
    }

    #[cfg(target_arch = "x86_64")]
    page_directory_into_a_vspace_whose_asid_went_to_another {
        expected: Outcome::InvalidCapability(1),
        kernel: "x86/64/kernel/vspace.c:1214 decodeX64PageDirectoryInvocation: the ASID's VSpace is another",
        run: |env| {
            let vspace = env.vspace_whose_asid_went_to_another()?;
            Ok(outcome(env.make_table(1)?.map_into(vspace, somewhere())))
        },
    }

    #[cfg(target_arch = "x86_64")]
    page_table_into_a_vspace_whose_asid_went_to_another {
        expected: Outcome::InvalidCapability(1),
        kernel: "x86/kernel/vspace.c:1220 decodeX86PageTableInvocation: the ASID's VSpace is another",
        run: |env| {
            let vspace = env.vspace_whose_asid_went_to_another()?;
            Ok(outcome(env.make_table(2)?.map_into(vspace, somewhere())))
        },
    }

    /// A pool holds 2^seL4_ASIDPoolIndexBits ASIDs: a VSpace more finds none free. (The VSpaces
    /// come from an untyped of their own, revoked afterwards, which frees their ASIDs.)
    a_full_asid_pool_assigns_no_more {
        expected: Outcome::Err(DeleteFirst),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:1396 decodeX86MMUInvocation: no free ASID",
            aarch64 = "arm/64/kernel/vspace.c:1843 decodeARMMMUInvocation: no free ASID",
            aarch32 = "arm/32/kernel/vspace.c:2667 decodeARMMMUInvocation: no free ASID",
            riscv = "riscv/kernel/vspace.c:1067 decodeRISCVMMUInvocation: no free ASID",
        ),
        run: |env| {
            let pool = env.new_asid_pool()?;
            let index_bits = sel4::sys::seL4_ASIDPoolIndexBits as usize;
            let blueprint = VSpaceType::object_blueprint();
            let size_bits = blueprint.physical_size_bits() + index_bits;
            let parent = env.other_untyped(size_bits)?;
            let untyped = env.child_untyped(parent, size_bits)?;
            let slots = env.spare_slot_range(1 << index_bits)?;
            // No more objects a retype than the kernel's fan-out limit allows.
            for start in slots.clone().step_by(256) {
                let count = (slots.end - start).min(256);
                untyped
                    .untyped_retype(&blueprint, &CNODE.cap().absolute_cptr_for_self(), start, count)
                    .context("prepare: make the VSpaces")?;
            }
            for slot in slots {
                let vspace = sel4::init_thread::Slot::<VSpaceType>::from_index(slot).cap();
                pool.asid_pool_assign(vspace).context("prepare: fill the pool")?;
            }
            let one_more = env.alloc::<VSpaceType>()?;
            let result = outcome(pool.asid_pool_assign(one_more));
            CNODE
                .cap()
                .absolute_cptr(untyped.cptr())
                .revoke()
                .context("prepare: destroy the VSpaces")?;
            delete(pool.cptr()).context("prepare: delete the pool")?;
            Ok(result)
        },
    }

    /// The ASID table has 2^seL4_NumASIDPoolsBits pools: once each is taken, a new one has no
    /// place. (The pools are deleted again afterwards.)
    asid_control_with_every_pool_taken_is_delete_first {
        expected: Outcome::Err(DeleteFirst),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:1306 decodeX86MMUInvocation: no unallocated pool",
            aarch64 = "arm/64/kernel/vspace.c:1752 decodeARMMMUInvocation: no unallocated pool",
            aarch32 = "arm/32/kernel/vspace.c:2566 decodeARMMMUInvocation: no unallocated pool",
            riscv = "riscv/kernel/vspace.c:978 decodeRISCVMMUInvocation: no unallocated pool",
        ),
        run: |env| {
            let mut made = [None; 1 << sel4::sys::seL4_NumASIDPoolsBits as usize];
            let mut result = Outcome::Ok;
            for pool in made.iter_mut() {
                let untyped = env.child_untyped(env.untyped(), sel4::sys::seL4_ASIDPoolBits as usize)?;
                let slot = pool_slot(env)?;
                result = outcome(make_pool(untyped, slot));
                if result != Outcome::Ok {
                    break;
                }
                *pool = Some(slot);
            }
            for slot in made.into_iter().flatten() {
                delete(slot.cptr()).context("prepare: delete a pool")?;
            }
            Ok(result)
        },
    }

    /// The memory of a pool is an untyped of exactly its size (capability 1), here a frame.
    asid_control_given_a_frame_for_its_untyped_is_invalid_capability {
        expected: Outcome::InvalidCapability(1),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:1316 decodeX86MMUInvocation: not an untyped of seL4_ASIDPoolBits",
            aarch64 = "arm/64/kernel/vspace.c:1761 decodeARMMMUInvocation: not an untyped of seL4_ASIDPoolBits",
            aarch32 = "arm/32/kernel/vspace.c:2575 decodeARMMMUInvocation: not an untyped of seL4_ASIDPoolBits",
            riscv = "riscv/kernel/vspace.c:987 decodeRISCVMMUInvocation: not an untyped of seL4_ASIDPoolBits",
        ),
        run: |env| {
            let frame = env.frame()?;
            let slot = pool_slot(env)?;
            Ok(outcome(make_pool(frame.cast(), slot)))
        },
    }

    /// ... which nothing has been made from yet.
    asid_control_given_an_untyped_with_children_is_revoke_first {
        expected: Outcome::Err(RevokeFirst),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:1326 decodeX86MMUInvocation -> ensureNoChildren",
            aarch64 = "arm/64/kernel/vspace.c:1771 decodeARMMMUInvocation -> ensureNoChildren",
            aarch32 = "arm/32/kernel/vspace.c:2586 decodeARMMMUInvocation -> ensureNoChildren",
            riscv = "riscv/kernel/vspace.c:997 decodeRISCVMMUInvocation -> ensureNoChildren",
        ),
        run: |env| {
            let untyped = env.child_untyped(env.untyped(), sel4::sys::seL4_ASIDPoolBits as usize)?;
            env.alloc_from::<sel4::cap_type::Endpoint>(untyped)?;
            let slot = pool_slot(env)?;
            Ok(outcome(make_pool(untyped, slot)))
        },
    }

    /// The pool's slot is looked up at the depth the message gives, which is at least 1 and at
    /// most a word's bits: the kernel says so.
    asid_control_at_depth_0_is_range_error {
        expected: Outcome::RangeError { min: 1, max: sel4::WORD_SIZE as sel4::Word },
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:1333 decodeX86MMUInvocation -> lookupTargetSlot -> lookupSlotForCNodeOp: depth < 1",
            aarch64 = "arm/64/kernel/vspace.c:1778 decodeARMMMUInvocation -> lookupTargetSlot -> lookupSlotForCNodeOp: depth < 1",
            aarch32 = "arm/32/kernel/vspace.c:2594 decodeARMMMUInvocation -> lookupTargetSlot -> lookupSlotForCNodeOp: depth < 1",
            riscv = "riscv/kernel/vspace.c:1004 decodeRISCVMMUInvocation -> lookupTargetSlot -> lookupSlotForCNodeOp: depth < 1",
        ),
        run: |env| {
            let untyped = env.child_untyped(env.untyped(), sel4::sys::seL4_ASIDPoolBits as usize)?;
            let slot = env.spare_slot()? as sel4::Word;
            let caps = [untyped.cptr(), CNODE.cap().cptr()];
            let control = ASID_CONTROL.cap().cptr();
            Ok(outcome(invoke(control, label::ASID_CONTROL_MAKE_POOL, &[slot, 0], &caps)))
        },
    }

    /// ... and must be empty.
    asid_control_into_an_occupied_slot_is_delete_first {
        expected: Outcome::Err(DeleteFirst),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c:1339 decodeX86MMUInvocation -> ensureEmptySlot",
            aarch64 = "arm/64/kernel/vspace.c:1784 decodeARMMMUInvocation -> ensureEmptySlot",
            aarch32 = "arm/32/kernel/vspace.c:2601 decodeARMMMUInvocation -> ensureEmptySlot",
            riscv = "riscv/kernel/vspace.c:1010 decodeRISCVMMUInvocation -> ensureEmptySlot",
        ),
        run: |env| {
            let untyped = env.child_untyped(env.untyped(), sel4::sys::seL4_ASIDPoolBits as usize)?;
            let occupied = sel4::init_thread::Slot::from_index(VSPACE.index());
            Ok(outcome(make_pool(untyped, occupied)))
        },
    }

    /// A page table with an ASID is a VSpace root on RISC-V: Unmap, which removes a table from
    /// the table above, refuses it.
    #[cfg(any(target_arch = "riscv64", target_arch = "riscv32"))]
    unmapping_a_page_table_assigned_as_a_vspace_is_revoke_first {
        expected: Outcome::Err(RevokeFirst),
        kernel: "riscv/kernel/vspace.c:697 decodeRISCVPageTableInvocation: a top-level page table",
        run: |env| {
            let table = env.alloc::<PageTableType>()?;
            ASID_POOL
                .cap()
                .asid_pool_assign(table.cast())
                .context("prepare: assign the page table an ASID")?;
            Ok(outcome(mapping_tutorial::paging::page_table_unmap(table)))
        },
    }
}

/// A failed lookup of an invalid root that is not the source: an ASID that leads nowhere.
const INVALID_ROOT: Outcome = Outcome::OtherLookup {
    source: 0,
    kind: sel4::sys::seL4_LookupFailureType::seL4_InvalidRoot as sel4::Word,
};

/// An address in any VSpace: the first entry this suite hands out.
fn somewhere() -> usize {
    crate::arch::ENTRIES.start * crate::arch::span(0)
}

/// A spare slot, for a pool's capability.
fn pool_slot(env: &mut Env) -> Result<sel4::init_thread::Slot<cap_type::AsidPool>, Failure> {
    Ok(sel4::init_thread::Slot::from_index(env.spare_slot()?))
}

/// seL4_*_ASIDControl_MakePool: a pool made of `untyped`, its capability into `slot`.
fn make_pool(
    untyped: sel4::cap::Untyped,
    slot: sel4::init_thread::Slot<cap_type::AsidPool>,
) -> sel4::Result<()> {
    ASID_CONTROL
        .cap()
        .asid_control_make_pool(untyped, &CNODE.cap().absolute_cptr(slot.cap()))
}
