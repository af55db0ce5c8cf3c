// SPDX-License-Identifier: BSD-2-Clause

//! The physical address of a frame (`seL4_*_Page_GetAddress`): the frame's, not its mapping's,
//! so it is the same mapped or not, and through any capability to it.

use mapping_tutorial::{Context, Failure};

use crate::arch::PAGE;
use crate::case::{by_arch, cases};
use crate::env::{map_frame, rw};
use crate::outcome::{Effect, Outcome, outcome};
use sel4::init_thread::slot::VSPACE;

cases! {
    /// Unmapped, mapped, unmapped again, and through a copy of its capability: one address, a
    /// page-aligned one that is not 0.
    frame_address_is_the_frames_mapped_or_not_and_through_a_copy {
        expected: Outcome::Seen(Effect::OneAddress),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c decodeX86FrameInvocation -> performPageGetAddress",
            aarch64 = "arm/64/kernel/vspace.c decodeARMFrameInvocation -> performPageGetAddress",
            aarch32 = "arm/32/kernel/vspace.c decodeARMFrameInvocation -> performPageGetAddress",
            riscv = "riscv/kernel/vspace.c decodeRISCVFrameInvocation -> performPageGetAddress",
        ),
        run: |env| {
            let frame = env.frame()?;
            let unmapped = frame.frame_get_address().context("get the unmapped frame's address")?;
            let vaddr = env.page_region()?;
            map_frame(frame, vaddr, rw()).context("prepare: map the frame")?;
            let mapped = frame.frame_get_address().context("get the mapped frame's address")?;
            let copy = env.copy(frame)?;
            let through_copy = copy.frame_get_address().context("get the address through a copy")?;
            frame.frame_unmap().context("prepare: unmap the frame")?;
            let after = frame.frame_get_address().context("get the address after the unmap")?;
            if unmapped == 0 || !unmapped.is_multiple_of(PAGE) {
                return Err(Failure::new("the frame's address is 0 or not page-aligned"));
            }
            if [mapped, through_copy, after] != [unmapped; 3] {
                return Err(Failure::new("the frame's address changed"));
            }
            Ok(Outcome::Seen(Effect::OneAddress))
        },
    }

    /// A big page's address is aligned to its size (2 MiB; aarch32's section 1 MiB, riscv32's
    /// megapage 4 MiB).
    big_page_address_is_aligned_to_its_size {
        expected: Outcome::Seen(Effect::AlignedAddress),
        kernel: by_arch!(
            x86_64 = "object/untyped.c decodeUntypedInvocation: objects are aligned to their size",
            other = "object/untyped.c decodeUntypedInvocation: objects are aligned to their size",
        ),
        run: |env| {
            let big = env.big_page()?;
            let address = big.frame_get_address().context("get the big page's address")?;
            let size = crate::arch::span(crate::arch::DEPTH - 1);
            if !address.is_multiple_of(size) {
                return Err(Failure::new("the big page's address is not aligned to its size"));
            }
            Ok(Outcome::Seen(Effect::AlignedAddress))
        },
    }

    /// A frame made from device memory (an untyped the kernel hands over as a device's) maps,
    /// uncached, and is not cleared: it reads the device ([`crate::arch::DEVICE`]: QEMU's HPET on
    /// x86_64, fw_cfg's signature on ARM, the boot ROM on RISC-V), never the zeroes of a frame
    /// made from RAM.
    device_frame_maps_and_reads_the_device_not_zeroes {
        expected: Outcome::Seen(Effect::ReadsTheDevice),
        kernel: "object/untyped.c resetUntypedCap: device memory is never cleared",
        run: |env| {
            let device = crate::arch::DEVICE;
            let frame = env.device_frame(device.paddr)?;
            let vaddr = env.page_region()?;
            let result = outcome(frame.frame_map(
                VSPACE.cap(),
                vaddr,
                rw(),
                crate::arch::DEVICE_ATTRIBUTES,
            ));
            env.then(result, Effect::ReadsTheDevice, |env| {
                match env.read(vaddr)? & device.mask == device.value {
                    true => Ok(()),
                    false => Err(Failure::new("the device frame does not read the device")),
                }
            })
        },
    }
}
