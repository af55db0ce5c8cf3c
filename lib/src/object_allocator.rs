// SPDX-License-Identifier: BSD-2-Clause

use core::ops::Range;

use sel4::CapTypeForObjectOfFixedSize;

use crate::{Context, Failure};

/// 64 KiB: room for the tutorial's four 4 KiB objects and more.
pub const MIN_UNTYPED_BITS: usize = 16;

/// Makes kernel objects (paging structures, frames) by retyping untyped memory into the root
/// task's empty CSlots, as the C tutorial's helpers do before `main` begins.
pub struct ObjectAllocator {
    empty_slots: Range<usize>,
    untyped: sel4::cap::Untyped,
}

impl ObjectAllocator {
    /// Uses the root task's empty slots and the smallest non-device untyped of at least
    /// [`MIN_UNTYPED_BITS`] that the kernel hands it.
    ///
    /// The smallest, because the kernel zeroes an untyped's whole memory on its first retype: the
    /// largest one here (128 MiB) would cost about 80 million instructions before the first map.
    pub fn new(bootinfo: &sel4::BootInfo) -> Result<Self, Failure> {
        Self::with_untyped_of_at_least(bootinfo, MIN_UNTYPED_BITS)
    }

    /// As [`ObjectAllocator::new`], from the smallest non-device untyped of at least
    /// 2^`size_bits` bytes, for programs that make more objects than the tutorial.
    pub fn with_untyped_of_at_least(
        bootinfo: &sel4::BootInfo,
        size_bits: usize,
    ) -> Result<Self, Failure> {
        Ok(Self {
            empty_slots: bootinfo.empty().range(),
            untyped: smallest_untyped_of_at_least(bootinfo, size_bits)?,
        })
    }

    /// Makes the objects allocated from now on from the smallest non-device untyped of at
    /// least 2^`size_bits` bytes (a 1 GiB huge page needs 2^30), into the same empty slots.
    pub fn use_untyped_of_at_least(
        &mut self,
        bootinfo: &sel4::BootInfo,
        size_bits: usize,
    ) -> Result<(), Failure> {
        self.untyped = smallest_untyped_of_at_least(bootinfo, size_bits)?;
        Ok(())
    }

    /// Retypes one object of type `T` (for example `sel4::cap_type::PDPT`) into a fresh slot.
    #[track_caller]
    pub fn allocate<T: CapTypeForObjectOfFixedSize>(&mut self) -> Result<sel4::Cap<T>, Failure> {
        self.allocate_from(self.untyped)
    }

    /// As [`ObjectAllocator::allocate`], from `untyped` instead of the allocator's own: for an
    /// object too large for it (a 1 GiB page), from [`ObjectAllocator::untyped_of_at_least`].
    #[track_caller]
    pub fn allocate_from<T: CapTypeForObjectOfFixedSize>(
        &mut self,
        untyped: sel4::cap::Untyped,
    ) -> Result<sel4::Cap<T>, Failure> {
        let slot = self
            .empty_slots
            .next()
            .ok_or_else(|| Failure::new("No empty CSlot left for a new object"))?;
        untyped
            .untyped_retype(
                &T::object_blueprint(),
                &sel4::init_thread::slot::CNODE
                    .cap()
                    .absolute_cptr_for_self(),
                slot,
                1,
            )
            .context("Failed to retype untyped memory")?;
        Ok(sel4::init_thread::Slot::<T>::from_index(slot).cap())
    }

    /// Retypes one 16 MiB supersection (`seL4_ARM_SuperSectionObject`) into a fresh slot.
    /// rust-sel4 v5.0.0 has no type for it, so this calls libsel4's `seL4_Untyped_Retype` itself,
    /// and returns the capability typed as a section's: both are frames, mapped by
    /// `seL4_ARM_Page_Map`.
    #[cfg(target_arch = "arm")]
    #[track_caller]
    pub fn allocate_supersection(&mut self) -> Result<sel4::Cap<sel4::cap_type::Section>, Failure> {
        let slot = self
            .empty_slots
            .next()
            .ok_or_else(|| Failure::new("No empty CSlot left for a new object"))?;
        let cnode = sel4::init_thread::slot::CNODE.cap();
        let error = sel4::with_ipc_buffer_mut(|buffer| {
            buffer.inner_mut().seL4_Untyped_Retype(
                self.untyped.bits(),
                sel4::sys::_object::seL4_ARM_SuperSectionObject,
                0,
                cnode.bits(),
                0,
                0,
                slot as sel4::Word,
                1,
            )
        });
        sel4::Error::from_sys(error)
            .map_or(Ok(()), Err)
            .context("Failed to retype untyped memory")?;
        Ok(sel4::init_thread::Slot::<sel4::cap_type::Section>::from_index(slot).cap())
    }

    /// The smallest non-device untyped of at least 2^`size_bits` bytes the kernel handed over.
    pub fn untyped_of_at_least(
        bootinfo: &sel4::BootInfo,
        size_bits: usize,
    ) -> Result<sel4::cap::Untyped, Failure> {
        smallest_untyped_of_at_least(bootinfo, size_bits)
    }
}

fn smallest_untyped_of_at_least(
    bootinfo: &sel4::BootInfo,
    size_bits: usize,
) -> Result<sel4::cap::Untyped, Failure> {
    let (index, _) = bootinfo
        .untyped_list()
        .iter()
        .enumerate()
        .filter(|(_, desc)| !desc.is_device() && desc.size_bits() >= size_bits)
        .min_by_key(|(_, desc)| desc.size_bits())
        .ok_or_else(|| Failure::new("No untyped memory large enough for the objects"))?;
    Ok(bootinfo.untyped().index(index).cap())
}
