// SPDX-License-Identifier: BSD-2-Clause

//! Execute permission: a probe jumps to code in a page mapped with and without it (ARM's and
//! RISC-V's `seL4_*_ExecuteNever` attribute; seL4's x86 API has none, so x86_64 maps every user
//! page executable and has no case here). The code ([`arch::CODE`]) ends in an undefined
//! instruction, so where the fetch works the probe stops with a user exception at that
//! instruction, which says the code written there ran.

use mapping_tutorial::Context;
use sel4::VmAttributes;
use sel4::init_thread::slot::VSPACE;

use crate::arch::{self, PAGE};
use crate::case::{by_arch, cases};
use crate::env::{Access, Env, rw};
use crate::fault::{Cause, Direction};
use crate::outcome::Outcome;

/// A page holding [`arch::CODE`], mapped (a copy of its capability) at a second address with
/// `attributes`: the address.
fn code_page(env: &mut Env, attributes: VmAttributes) -> Result<usize, mapping_tutorial::Failure> {
    let vaddr = env.page_region()?;
    let frame = env.mapped_frame_at(vaddr, rw())?;
    // The instructions, little-endian, a word of the suite at a time.
    let per_word = size_of::<sel4::Word>() / size_of::<u32>();
    for (k, chunk) in arch::CODE.chunks(per_word).enumerate() {
        let word = chunk
            .iter()
            .rev()
            .fold(0, |word: sel4::Word, &i| word << 16 << 16 | i as sel4::Word);
        env.write(vaddr + k * size_of::<sel4::Word>(), word)?;
    }
    arch::sync_instructions(frame).context("prepare: make the instructions visible to fetches")?;
    let code = env.copy(frame)?;
    code.frame_map(VSPACE.cap(), vaddr + PAGE, rw(), attributes)
        .context("prepare: map the code page")?;
    Ok(vaddr + PAGE)
}

cases! {
    /// The default attributes leave a page executable.
    fetch_from_a_page_mapped_with_default_attributes_runs {
        expected: Outcome::Ran(arch::CODE_TRAP),
        kernel: by_arch!(
            aarch64 = "arm/64/kernel/vspace.c makeUserPagePTE: no UXN without ExecuteNever",
            aarch32 = "arm/32/kernel/vspace.c makeUserPTE: no XN without ExecuteNever",
            riscv = "riscv/kernel/vspace.c makeUserPTE: X set without ExecuteNever",
        ),
        run: |env| {
            let vaddr = code_page(env, VmAttributes::default())?;
            env.probe(Access::Fetch, vaddr)
        },
    }

    fetch_from_an_execute_never_page_faults {
        expected: Outcome::fault(Direction::Fetch, Cause::NoRight),
        kernel: by_arch!(
            aarch64 = "arm/64/kernel/vspace.c makeUserPagePTE: UXN for ExecuteNever",
            aarch32 = "arm/32/kernel/vspace.c makeUserPTE: XN for ExecuteNever",
            riscv = "riscv/kernel/vspace.c makeUserPTE: X clear for ExecuteNever",
        ),
        run: |env| {
            let vaddr = code_page(env, VmAttributes::EXECUTE_NEVER)?;
            env.probe(Access::Fetch, vaddr)
        },
    }
}
