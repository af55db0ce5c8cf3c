// SPDX-License-Identifier: BSD-2-Clause

//! What the cases share: the object allocator, fresh address regions at each depth, capability
//! copies, a second VSpace, and the probe threads that make every memory access a case needs.
//!
//! Every helper returns an error rather than panicking, and carries `#[track_caller]`, so that a
//! case whose preparation fails is reported with its own line ("FAILED: ... at cases/x.rs:12").

use core::ops::Range;

use mapping_tutorial::paging::PageTable;
use mapping_tutorial::{Context, Failure, ObjectAllocator};
use sel4::init_thread::slot::{ASID_POOL, CNODE, VSPACE};
use sel4::{CapRights, CapTypeForObjectOfFixedSize, VmAttributes, cap, cap_type};

use crate::arch::{self, DEPTH, PAGE, Table};
use crate::outcome::{Effect, Outcome};

/// What a probe thread does at an address.
#[derive(Clone, Copy)]
pub enum Access {
    Read,
    Write(sel4::Word),
    /// Run the instruction at the address (the probe jumps there). No x86_64 case fetches: its
    /// API has no execute-never attribute (cases/execute.rs).
    #[cfg_attr(target_arch = "x86_64", allow(dead_code))]
    Fetch,
}

/// Fresh entries of one table: `next` of them handed out so far.
#[derive(Clone, Copy)]
struct Pool {
    base: usize,
    next: usize,
}

pub struct Env {
    objects: ObjectAllocator,
    /// The untyped memory the objects come from (as a capability to invoke wrongly).
    untyped: cap::Untyped,
    /// A small untyped no other object comes from, for the case that revokes one.
    spare_untyped: Option<cap::Untyped>,
    /// A 1 GiB untyped for the huge page, if the kernel handed one over, and the page once made.
    #[cfg(target_pointer_width = "64")]
    huge_untyped: Option<cap::Untyped>,
    #[cfg(target_pointer_width = "64")]
    huge_page: Option<sel4::Cap<arch::HugePage>>,
    /// The next VSpace entry to hand out ([`arch::ENTRIES`]).
    next_entry: usize,
    /// For each depth k >= 1, the table whose entries [`Env::region`] hands out.
    pools: [Option<Pool>; DEPTH],
    /// Slots for capability copies, taken from the top of the empty range (the allocator takes
    /// them from the bottom).
    spare_slots: Range<usize>,
    second_vspace: Option<cap::VSpace>,
    /// The endpoint the probe threads' faults go to.
    fault_endpoint: Option<cap::Endpoint>,
    /// The probe's frames, by page index in its region, and the next page index.
    probe_frames: [Option<cap::Granule>; 64],
    probe_next: usize,
    /// The page table that serves the probe's region, if one is mapped.
    probe_table: Option<PageTable>,
    /// The untyped memory of the devices, as the kernel handed it over.
    devices: [Option<DeviceUntyped>; 128],
    /// The untyped memory of RAM, and each one's size (bits).
    ram: [Option<(cap::Untyped, usize)>; 128],
    /// The device frames made so far, by physical address.
    device_frames: [Option<(usize, cap::Granule)>; 4],
    /// The pool of the VSpace that took another's ASID ([`Env::vspace_whose_asid_went_to_another`]).
    reusing_pool: Option<cap::AsidPool>,
}

/// An untyped of device memory, and where it is.
#[derive(Clone, Copy)]
struct DeviceUntyped {
    cap: cap::Untyped,
    paddr: usize,
    size_bits: usize,
}

/// The spare untyped's size, at least: a page table and a frame.
const SPARE_UNTYPED_BITS: usize = 14;

impl Env {
    pub fn new(bootinfo: &sel4::BootInfo, untyped_bits: usize) -> Result<Self, Failure> {
        let empty = bootinfo.empty().range();
        let mut devices = [None; 128];
        let described = bootinfo.untyped_list().iter().enumerate();
        for (slot, (index, desc)) in devices
            .iter_mut()
            .zip(described.filter(|(_, d)| d.is_device()))
        {
            *slot = Some(DeviceUntyped {
                cap: bootinfo.untyped().index(index).cap(),
                paddr: desc.paddr(),
                size_bits: desc.size_bits(),
            });
        }
        let mut ram = [None; 128];
        let described = bootinfo.untyped_list().iter().enumerate();
        for (slot, (index, desc)) in ram
            .iter_mut()
            .zip(described.filter(|(_, d)| !d.is_device()))
        {
            *slot = Some((bootinfo.untyped().index(index).cap(), desc.size_bits()));
        }
        Ok(Self {
            objects: ObjectAllocator::with_untyped_of_at_least(bootinfo, untyped_bits)?,
            untyped: ObjectAllocator::untyped_of_at_least(bootinfo, untyped_bits)?,
            spare_untyped: ObjectAllocator::untyped_of_at_least(bootinfo, SPARE_UNTYPED_BITS).ok(),
            #[cfg(target_pointer_width = "64")]
            huge_untyped: ObjectAllocator::untyped_of_at_least(bootinfo, 30).ok(),
            #[cfg(target_pointer_width = "64")]
            huge_page: None,
            next_entry: arch::ENTRIES.start,
            pools: [None; DEPTH],
            // The top quarter of the empty slots; the allocator uses far fewer than the rest.
            spare_slots: (empty.end - (empty.end - empty.start) / 4)..empty.end,
            second_vspace: None,
            fault_endpoint: None,
            probe_frames: [None; 64],
            probe_next: 0,
            probe_table: None,
            devices,
            ram,
            device_frames: [None; 4],
            reusing_pool: None,
        })
    }

    /// A 4 KiB frame of device memory at physical address `paddr`, made from the device untyped
    /// that holds it. An untyped hands out its memory from the start, each object aligned to its
    /// size: child untypeds, each as large as the alignment and the distance allow, use up what
    /// lies before `paddr`, so that the frame is the next object. Asked again, a copy of it (a
    /// frame's memory is made once).
    #[track_caller]
    pub fn device_frame(&mut self, paddr: usize) -> Result<cap::Granule, Failure> {
        if let Some((_, frame)) = self
            .device_frames
            .iter()
            .flatten()
            .find(|(p, _)| *p == paddr)
        {
            let frame = *frame;
            return self.copy(frame);
        }
        let frame = self.new_device_frame(paddr)?;
        match self.device_frames.iter_mut().find(|f| f.is_none()) {
            Some(free) => *free = Some((paddr, frame)),
            None => return Err(Failure::new("prepare: too many device frames")),
        }
        Ok(frame)
    }

    #[track_caller]
    fn new_device_frame(&mut self, paddr: usize) -> Result<cap::Granule, Failure> {
        let device = self
            .devices
            .iter()
            .flatten()
            .find(|d| d.paddr <= paddr && paddr - d.paddr < 1 << d.size_bits)
            .copied()
            .ok_or_else(|| Failure::new("prepare: no device untyped holds the device"))?;
        let mut next = device.paddr;
        while next < paddr {
            let aligned = next.trailing_zeros() as usize;
            let room = (paddr - next).ilog2() as usize;
            let size_bits = aligned.min(room);
            self.child_untyped(device.cap, size_bits)?;
            next += 1 << size_bits;
        }
        let frame = self.alloc_from::<cap_type::Granule>(device.cap)?;
        let got = frame
            .frame_get_address()
            .context("prepare: the device frame's address")?;
        if got != paddr {
            return Err(Failure::new(
                "prepare: the device frame is not at the device",
            ));
        }
        Ok(frame)
    }

    /// A new ASID pool, made by the init thread's ASID control from a child untyped of the
    /// pool's size; the caller deletes it.
    #[track_caller]
    pub fn new_asid_pool(&mut self) -> Result<cap::AsidPool, Failure> {
        let untyped = self.child_untyped(self.untyped, sel4::sys::seL4_ASIDPoolBits as usize)?;
        let pool =
            sel4::init_thread::Slot::<cap_type::AsidPool>::from_index(self.spare_slot()?).cap();
        sel4::init_thread::slot::ASID_CONTROL
            .cap()
            .asid_control_make_pool(untyped, &CNODE.cap().absolute_cptr(pool))
            .context("prepare: make an ASID pool")?;
        Ok(pool)
    }

    /// A VSpace whose ASID leads nowhere: assigned from a new ASID pool, which is then deleted
    /// (the VSpace keeps the ASID, whose pool is gone).
    #[track_caller]
    pub fn orphan_vspace(&mut self) -> Result<cap::VSpace, Failure> {
        let (vspace, pool) = self.vspace_of_a_new_pool()?;
        delete(pool.cptr()).context("prepare: delete the ASID pool")?;
        Ok(vspace)
    }

    /// A VSpace whose ASID now belongs to another: assigned from a new pool, which is deleted; a
    /// pool made then takes the deleted one's place in the ASID table (the first free one), and
    /// its first ASID, the same number, goes to another VSpace.
    /// The other VSpace's pool stays until the next such VSpace is asked for: at most one such
    /// pool takes a place in the ASID table (x86_64's has eight).
    #[track_caller]
    pub fn vspace_whose_asid_went_to_another(&mut self) -> Result<cap::VSpace, Failure> {
        if let Some(pool) = self.reusing_pool.take() {
            delete(pool.cptr()).context("prepare: delete the last such pool")?;
        }
        let stale = self.orphan_vspace()?;
        let (_, pool) = self.vspace_of_a_new_pool()?;
        self.reusing_pool = Some(pool);
        Ok(stale)
    }

    /// A new VSpace with an ASID from a new pool, and the pool.
    #[track_caller]
    pub fn vspace_of_a_new_pool(&mut self) -> Result<(cap::VSpace, cap::AsidPool), Failure> {
        let pool = self.new_asid_pool()?;
        let vspace = self.alloc::<arch::VSpaceType>()?;
        pool.asid_pool_assign(vspace)
            .context("prepare: assign an ASID from the new pool")?;
        Ok((vspace.cast(), pool))
    }

    /// A spare slot of the root CNode, for an object or a capability the allocator does not make.
    pub fn spare_slot(&mut self) -> Result<usize, Failure> {
        self.spare_slots
            .next_back()
            .ok_or_else(|| Failure::new("prepare: no spare slot"))
    }

    /// `n` spare slots in a row, for objects made at once.
    pub fn spare_slot_range(&mut self, n: usize) -> Result<Range<usize>, Failure> {
        let end = self.spare_slots.end;
        let start = end
            .checked_sub(n)
            .filter(|start| *start >= self.spare_slots.start)
            .ok_or_else(|| Failure::new("prepare: not enough spare slots"))?;
        self.spare_slots.end = start;
        Ok(start..end)
    }

    /// An untyped of RAM of at least 2^`size_bits` bytes that is not the suite's own (nor the
    /// huge page's or the spare one), for objects a case makes and destroys again.
    pub fn other_untyped(&self, size_bits: usize) -> Result<cap::Untyped, Failure> {
        let used = [
            Some(self.untyped),
            self.huge_untyped_if_any(),
            self.spare_untyped,
        ];
        self.ram
            .iter()
            .flatten()
            .filter(|(_, bits)| *bits >= size_bits)
            .map(|(cap, _)| *cap)
            .find(|cap| !used.iter().flatten().any(|u| u.bits() == cap.bits()))
            .ok_or_else(|| Failure::new("prepare: no other untyped that large"))
    }

    /// A child untyped of 2^`size_bits` bytes, retyped from `parent` (at its next free, aligned
    /// place) into a spare slot.
    #[track_caller]
    pub fn child_untyped(
        &mut self,
        parent: cap::Untyped,
        size_bits: usize,
    ) -> Result<cap::Untyped, Failure> {
        let slot = self.spare_slot()?;
        parent
            .untyped_retype(
                &sel4::ObjectBlueprint::Untyped { size_bits },
                &CNODE.cap().absolute_cptr_for_self(),
                slot,
                1,
            )
            .context("prepare: a child untyped")?;
        Ok(sel4::init_thread::Slot::<cap_type::Untyped>::from_index(slot).cap())
    }

    /// Writes `marker` into `frame` through a mapping of its own at `vaddr`, which is then undone:
    /// wherever the frame is mapped next, a read there that gives `marker` shows this frame.
    #[track_caller]
    pub fn mark<T: sel4::CapTypeForFrameObject>(
        &mut self,
        frame: sel4::Cap<T>,
        vaddr: usize,
        marker: sel4::Word,
    ) -> Result<(), Failure> {
        map_frame(frame, vaddr, rw()).context("prepare: map the frame to mark it")?;
        self.write(vaddr, marker)?;
        frame
            .frame_unmap()
            .context("prepare: unmap the marked frame")?;
        Ok(())
    }

    /// An address, aligned to one entry at depth `depth`, whose way from the VSpace has exactly
    /// `depth` paging structures, all present, and nothing below them: depth 0 is a VSpace entry
    /// with nothing under it; depth [`DEPTH`] - 1 a page table's page. No other case uses it.
    #[track_caller]
    pub fn region(&mut self, depth: usize) -> Result<usize, Failure> {
        if depth == 0 {
            if self.next_entry >= arch::ENTRIES.end {
                return Err(Failure::new("out of VSpace entries: too many cases"));
            }
            self.next_entry += 1;
            return Ok((self.next_entry - 1) * arch::span(0));
        }
        let entries = 1 << (arch::LEVELS[depth - 1] - arch::LEVELS[depth]);
        let pool = match self.pools[depth] {
            Some(pool) if pool.next < entries => pool,
            _ => {
                let base = self.region(depth - 1)?;
                self.map_table(base, depth - 1)?;
                Pool { base, next: 0 }
            }
        };
        self.pools[depth] = Some(Pool {
            next: pool.next + 1,
            ..pool
        });
        Ok(pool.base + pool.next * arch::span(depth))
    }

    /// The address of `n` VSpace entries in a row, the first aligned to `n` entries, with nothing
    /// under them: for a page that fills several entries (aarch32's supersection).
    #[cfg(target_arch = "arm")]
    pub fn aligned_entries(&mut self, n: usize) -> Result<usize, Failure> {
        let start = self.next_entry.next_multiple_of(n);
        if start + n > arch::ENTRIES.end {
            return Err(Failure::new("out of VSpace entries: too many cases"));
        }
        self.next_entry = start + n;
        Ok(start * arch::span(0))
    }

    /// An address with every paging structure present above its page, and nothing mapped there.
    #[track_caller]
    pub fn page_region(&mut self) -> Result<usize, Failure> {
        let base = self.region(DEPTH - 1)?;
        self.map_table(base, DEPTH - 1)?;
        Ok(base)
    }

    /// A small untyped that nothing else is made from: revoking it destroys only what a case
    /// made from it ([`Env::alloc_from`]).
    #[track_caller]
    pub fn spare_untyped(&self) -> Result<cap::Untyped, Failure> {
        let used = [Some(self.untyped), self.huge_untyped_if_any()];
        match self.spare_untyped {
            Some(spare) if !used.iter().flatten().any(|u| u.bits() == spare.bits()) => Ok(spare),
            _ => Err(Failure::new("prepare: no spare untyped of 16 KiB or more")),
        }
    }

    fn huge_untyped_if_any(&self) -> Option<cap::Untyped> {
        #[cfg(target_pointer_width = "64")]
        return self.huge_untyped;
        #[cfg(not(target_pointer_width = "64"))]
        return None;
    }

    /// An object made from `untyped` rather than the suite's own.
    #[track_caller]
    pub fn alloc_from<T: CapTypeForObjectOfFixedSize>(
        &mut self,
        untyped: cap::Untyped,
    ) -> Result<sel4::Cap<T>, Failure> {
        self.objects.allocate_from::<T>(untyped)
    }

    /// The untyped memory the suite's objects are made from.
    pub fn untyped(&self) -> cap::Untyped {
        self.untyped
    }

    /// The suite's one 1 GiB page (made once: each takes a whole 1 GiB untyped), unmapped from
    /// wherever the last case put it.
    #[cfg(target_pointer_width = "64")]
    #[track_caller]
    pub fn huge_page(&mut self) -> Result<sel4::Cap<arch::HugePage>, Failure> {
        let page = match self.huge_page {
            Some(page) => page,
            None => {
                let untyped = self
                    .huge_untyped
                    .ok_or_else(|| Failure::new("prepare: no 1 GiB untyped for a huge page"))?;
                *self.huge_page.insert(self.objects.allocate_from(untyped)?)
            }
        };
        page.frame_unmap().context("prepare: unmap the huge page")?;
        Ok(page)
    }

    #[track_caller]
    pub fn alloc<T: CapTypeForObjectOfFixedSize>(&mut self) -> Result<sel4::Cap<T>, Failure> {
        self.objects.allocate::<T>()
    }

    /// Makes the structure for depth `depth` and maps it at `vaddr` in this task's VSpace.
    #[track_caller]
    pub fn map_table(&mut self, vaddr: usize, depth: usize) -> Result<Table, Failure> {
        let table = self.make_table(depth)?;
        table
            .map_into(VSPACE.cap(), vaddr)
            .context("prepare: map a paging structure")?;
        Ok(table)
    }

    /// Makes the structures for `depths` (a range of depths, from the top) and maps them all at
    /// `vaddr`; returns the last.
    #[track_caller]
    pub fn map_tables(
        &mut self,
        vaddr: usize,
        depths: Range<usize>,
    ) -> Result<Option<Table>, Failure> {
        let mut last = None;
        for depth in depths {
            last = Some(self.map_table(vaddr, depth)?);
        }
        Ok(last)
    }

    /// Makes a page table and maps it at `vaddr` (the structures above it must be there).
    #[track_caller]
    pub fn map_page_table(&mut self, vaddr: usize) -> Result<PageTable, Failure> {
        let table = self.alloc::<arch::PageTableType>()?;
        Table::PageTable(table)
            .map_into(VSPACE.cap(), vaddr)
            .context("prepare: map a page table")?;
        Ok(table)
    }

    /// Makes (but does not map) the structure for depth `depth`.
    #[track_caller]
    pub fn make_table(&mut self, depth: usize) -> Result<Table, Failure> {
        Table::make(depth, &mut self.objects)
    }

    /// A fresh 4 KiB frame.
    #[track_caller]
    pub fn frame(&mut self) -> Result<cap::Granule, Failure> {
        self.alloc::<cap_type::Granule>()
    }

    /// A fresh 16 MiB supersection (aarch32), typed as a section (rust-sel4 has no type for it).
    #[cfg(target_arch = "arm")]
    #[track_caller]
    pub fn supersection(&mut self) -> Result<sel4::Cap<cap_type::Section>, Failure> {
        self.objects.allocate_supersection()
    }

    /// A fresh page of the size one level up ([`arch::BigPage`]).
    #[track_caller]
    pub fn big_page(&mut self) -> Result<sel4::Cap<arch::BigPage>, Failure> {
        self.alloc::<arch::BigPage>()
    }

    /// What a case that expects success answers: where the kernel said NoError, `look` shows
    /// what it did (an error where it did not do it), and the answer is [`Outcome::Seen`] with
    /// `effect`; any other answer as it is.
    #[track_caller]
    pub fn then(
        &mut self,
        result: Outcome,
        effect: Effect,
        look: impl FnOnce(&mut Self) -> Result<(), Failure>,
    ) -> Result<Outcome, Failure> {
        match result {
            Outcome::Ok => {
                look(self)?;
                Ok(Outcome::Seen(effect))
            }
            other => Ok(other),
        }
    }

    /// A map's answer, seen: where it succeeded, a fresh frame maps at `vaddr` with no further
    /// structure and reads back what is written there: the structures just mapped cover `vaddr`.
    #[track_caller]
    pub fn frame_maps_below(&mut self, result: Outcome, vaddr: usize) -> Result<Outcome, Failure> {
        self.then(result, Effect::FrameMapsBelow, |env| {
            env.mapped_frame_at(vaddr, CapRights::read_write())?;
            env.reads_and_writes(vaddr)
        })
    }

    /// A frame map's answer, seen: where it succeeded, a write at `vaddr` reads back.
    #[track_caller]
    pub fn mapped_read_write(&mut self, result: Outcome, vaddr: usize) -> Result<Outcome, Failure> {
        self.then(result, Effect::ReadsAndWrites, |env| {
            env.reads_and_writes(vaddr)
        })
    }

    /// An error unless `depths`' structures (made now) and then a fresh frame map at `vaddr` in
    /// `vspace`: what is already there covers the rest of the way (no probe runs in another VSpace,
    /// so the frame's map is what shows it).
    #[track_caller]
    pub fn frame_maps_in(
        &mut self,
        vspace: cap::VSpace,
        vaddr: usize,
        depths: Range<usize>,
    ) -> Result<(), Failure> {
        for depth in depths {
            self.make_table(depth)?
                .map_into(vspace, vaddr)
                .context("a structure below it does not map")?;
        }
        self.frame()?
            .frame_map(
                vspace,
                vaddr,
                CapRights::read_write(),
                VmAttributes::default(),
            )
            .context("a frame below it does not map")
    }

    /// An error unless a word written at `vaddr` (a probe's write) reads back.
    #[track_caller]
    pub fn reads_and_writes(&mut self, vaddr: usize) -> Result<(), Failure> {
        let word = 0x5e14_0000 | (vaddr as sel4::Word >> 12 & 0xffff);
        self.write(vaddr, word)?;
        match self.read(vaddr)? {
            read if read == word => Ok(()),
            _ => Err(Failure::new("the word written there does not read back")),
        }
    }

    /// An error unless a read at `vaddr` gives `word`: the frame that holds it is mapped there.
    #[track_caller]
    pub fn reads(&mut self, vaddr: usize, word: sel4::Word) -> Result<(), Failure> {
        match self.read(vaddr)? {
            read if read == word => Ok(()),
            _ => Err(Failure::new("a read there does not give the frame's word")),
        }
    }

    /// A fresh 4 KiB frame mapped at `vaddr` with `rights` (the structures must be there).
    #[track_caller]
    pub fn mapped_frame_at(
        &mut self,
        vaddr: usize,
        rights: CapRights,
    ) -> Result<cap::Granule, Failure> {
        let frame = self.alloc::<cap_type::Granule>()?;
        map_frame(frame, vaddr, rights).context("prepare: map a frame")?;
        Ok(frame)
    }

    /// Copies `cap` into a spare slot (`seL4_CNode_Copy`, all of its rights, or those of
    /// `rights`) and returns what the copy did and the slot.
    pub fn try_copy_into<T: sel4::CapType>(
        &mut self,
        cap: sel4::Cap<T>,
        rights: CapRights,
    ) -> (sel4::Result<()>, usize) {
        let Some(slot) = self.spare_slots.next_back() else {
            return (Err(sel4::Error::NotEnoughMemory), 0);
        };
        let cnode = CNODE.cap();
        let dst = cnode.absolute_cptr(sel4::init_thread::Slot::<T>::from_index(slot).cap());
        (dst.copy(&cnode.absolute_cptr(cap), rights), slot)
    }

    /// A copy of `cap` with `rights` (a copy may only drop rights).
    #[track_caller]
    pub fn copy_with<T: sel4::CapType>(
        &mut self,
        cap: sel4::Cap<T>,
        rights: CapRights,
    ) -> Result<sel4::Cap<T>, Failure> {
        let (result, slot) = self.try_copy_into(cap, rights);
        result.context("prepare: copy a capability")?;
        Ok(sel4::init_thread::Slot::<T>::from_index(slot).cap())
    }

    #[track_caller]
    pub fn copy<T: sel4::CapType>(&mut self, cap: sel4::Cap<T>) -> Result<sel4::Cap<T>, Failure> {
        self.copy_with(cap, CapRights::all())
    }

    /// A second VSpace with an ASID from the root task's ASID pool.
    #[track_caller]
    pub fn second_vspace(&mut self) -> Result<cap::VSpace, Failure> {
        if let Some(vspace) = self.second_vspace {
            return Ok(vspace);
        }
        let vspace = self.alloc::<arch::VSpaceType>()?;
        ASID_POOL
            .cap()
            .asid_pool_assign(vspace)
            .context("prepare: assign an ASID to a second VSpace")?;
        self.second_vspace = Some(vspace);
        Ok(vspace)
    }

    /// The next page of the probe's region (a VSpace entry of its own), with every structure to
    /// map a frame there: the access cases' frames share one page table.
    #[track_caller]
    pub fn probe_page(&mut self) -> Result<usize, Failure> {
        let index = self.probe_next;
        if index >= self.probe_frames.len() {
            return Err(Failure::new("out of probe pages: too many access cases"));
        }
        self.probe_next += 1;
        let base = arch::PROBE_ENTRY * arch::span(0);
        if self.probe_table.is_none() {
            if index == 0 {
                // The structures above the page table, once: cases remove only the page table.
                self.map_tables(base, 0..DEPTH - 1)?;
            }
            self.probe_table = Some(self.map_page_table(base)?);
        }
        Ok(base + index * PAGE)
    }

    /// A fresh frame mapped with `rights` at the next probe page; returns its address.
    #[track_caller]
    pub fn probe_frame(&mut self, rights: CapRights) -> Result<usize, Failure> {
        let vaddr = self.probe_page()?;
        let frame = self.mapped_frame_at(vaddr, rights)?;
        self.probe_frames[self.probe_next - 1] = Some(frame);
        Ok(vaddr)
    }

    /// The frame that [`Env::probe_frame`] mapped at `vaddr`.
    #[track_caller]
    pub fn frame_at(&self, vaddr: usize) -> Result<cap::Granule, Failure> {
        let base = arch::PROBE_ENTRY * arch::span(0);
        vaddr
            .checked_sub(base)
            .and_then(|offset| self.probe_frames.get(offset / PAGE).copied().flatten())
            .ok_or_else(|| Failure::new("no probe frame at that address"))
    }

    /// The page table serving the probe's region; the caller removes it (unmap or delete), so the
    /// next access case maps a new one.
    #[track_caller]
    pub fn take_probe_table(&mut self) -> Result<PageTable, Failure> {
        self.probe_table
            .take()
            .ok_or_else(|| Failure::new("no page table in the probe region"))
    }

    /// Starts a thread in this VSpace that makes one `access` at `vaddr`, with this task's
    /// endpoint as its fault handler, and reports what fault it got (and, for a read that did not
    /// fault, the word it read). The thread is suspended afterwards; it never runs again. Every
    /// memory access of the suite goes through here, so a wrong answer from the kernel fails one
    /// case rather than the whole suite.
    #[track_caller]
    pub fn probe_reading(
        &mut self,
        access: Access,
        vaddr: usize,
    ) -> Result<(Outcome, Option<sel4::Word>), Failure> {
        let endpoint = match self.fault_endpoint {
            Some(endpoint) => endpoint,
            None => {
                let endpoint = self.alloc::<cap_type::Endpoint>()?;
                *self.fault_endpoint.insert(endpoint)
            }
        };
        let tcb = self.alloc::<cap_type::Tcb>()?;
        tcb.tcb_configure(
            endpoint.cptr(),
            CNODE.cap(),
            // Zero leaves the root CNode cap's guard as it is.
            sel4::CNodeCapData::new(0, 0),
            VSPACE.cap(),
            // No IPC buffer: the probe makes no system calls.
            0,
            sel4::init_thread::slot::NULL.cap().cast(),
        )
        .context("prepare: configure the probe thread")?;
        let mut regs = sel4::UserContext::default();
        let code = |f: extern "C" fn() -> !| f as usize as sel4::Word;
        let (pc, value) = match access {
            Access::Read => (code(arch::probe_read), 0),
            Access::Write(value) => (code(arch::probe_write), value),
            Access::Fetch => (vaddr as sel4::Word, 0),
        };
        *regs.pc_mut() = pc;
        *regs.c_param_mut(0) = vaddr as sel4::Word;
        *regs.c_param_mut(1) = value;
        tcb.tcb_write_all_registers(true, &mut regs)
            .context("prepare: start the probe thread")?;
        // The probe's priority (0) is below this task's, so it runs once this task blocks here.
        let (info, _) = endpoint.recv(());
        let fault = sel4::with_ipc_buffer(|buffer| sel4::Fault::new(buffer, &info));
        tcb.tcb_suspend().context("suspend the probe thread")?;
        match fault {
            sel4::Fault::VmFault(f) if f.inner().get_Addr() == vaddr as sel4::Word => {
                let status = f.inner().get_FSR();
                let fetch = f.inner().get_PrefetchFault() != 0;
                match arch::decode_fault(status, fetch) {
                    Some(fault) => Ok((Outcome::VmFault(fault), None)),
                    None => Err(Failure::new(
                        "a VM fault whose status says neither a translation nor a permission fault of an access",
                    )),
                }
            }
            sel4::Fault::VmFault(_) => Err(Failure::new("a VM fault at another address")),
            // A fetch's code ends in a trap: where it stopped says which code ran.
            #[cfg(not(target_arch = "x86_64"))]
            sel4::Fault::UserException(f) if matches!(access, Access::Fetch) => {
                let offset = (f.inner().get_FaultIP() as usize).wrapping_sub(vaddr);
                Ok((Outcome::Ran(offset), None))
            }
            sel4::Fault::UserException(_) => {
                let regs = tcb
                    .tcb_read_all_registers(false)
                    .context("read the probe thread's registers")?;
                Ok((Outcome::NoFault, Some(*regs.c_param(1))))
            }
            _ => Err(Failure::new(
                "the probe thread stopped with another kind of fault",
            )),
        }
    }

    /// As [`Env::probe_reading`], the outcome only.
    #[track_caller]
    pub fn probe(&mut self, access: Access, vaddr: usize) -> Result<Outcome, Failure> {
        self.probe_reading(access, vaddr)
            .map(|(outcome, _)| outcome)
    }

    /// The word at `vaddr`, read by a probe thread; an error if the read faults.
    #[track_caller]
    pub fn read(&mut self, vaddr: usize) -> Result<sel4::Word, Failure> {
        match self.probe_reading(Access::Read, vaddr)? {
            (_, Some(value)) => Ok(value),
            _ => Err(Failure::new("the read faulted")),
        }
    }

    /// Writes `value` at `vaddr` by a probe thread; an error if the write faults.
    #[track_caller]
    pub fn write(&mut self, vaddr: usize, value: sel4::Word) -> Result<(), Failure> {
        match self.probe(Access::Write(value), vaddr)? {
            Outcome::NoFault => Ok(()),
            _ => Err(Failure::new("the write faulted")),
        }
    }
}

/// Deletes the capability in `cptr`'s slot of the root CNode (`seL4_CNode_Delete`).
pub fn delete(cptr: sel4::CPtr) -> sel4::Result<()> {
    CNODE.cap().absolute_cptr(cptr).delete()
}

/// Read and write rights, the most a mapping has.
pub fn rw() -> CapRights {
    CapRights::read_write()
}

/// Maps a frame of any size into this root task's VSpace.
pub fn map_frame<T: sel4::CapTypeForFrameObject>(
    frame: sel4::Cap<T>,
    vaddr: usize,
    rights: CapRights,
) -> sel4::Result<()> {
    frame.frame_map(VSPACE.cap(), vaddr, rights, VmAttributes::default())
}

/// An invocation made by hand, through the IPC buffer: `label` on `service`, with `words` as its
/// message and `caps` as its extra capabilities, whatever libsel4's wrapper for it would send (a
/// message cut short, another object's method).
pub fn invoke(
    service: sel4::CPtr,
    label: u32,
    words: &[sel4::Word],
    caps: &[sel4::CPtr],
) -> sel4::Result<()> {
    let error = sel4::with_ipc_buffer_mut(|buffer| {
        buffer.msg_regs_mut()[..words.len()].copy_from_slice(words);
        for (slot, cap) in buffer.caps_or_badges_mut().iter_mut().zip(caps) {
            *slot = cap.bits();
        }
        // The label's type is the word's: u64 or u32.
        #[allow(clippy::useless_conversion)]
        let info =
            sel4::sys::seL4_MessageInfo::new(label.into(), 0, caps.len() as _, words.len() as _);
        let reply = buffer.inner_mut().seL4_Call(service.bits(), info);
        reply.get_label()
    });
    match sel4::sys::seL4_Error::Type::try_from(error) {
        Ok(error) => sel4::Error::from_sys(error).map_or(Ok(()), Err),
        Err(_) => Err(sel4::Error::InvalidArgument),
    }
}
