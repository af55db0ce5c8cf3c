// SPDX-License-Identifier: BSD-2-Clause

//! ASIDs: a VSpace other than the root task's needs one from an ASID pool before anything maps
//! into it (the init thread's pool, `seL4_CapInitThreadASIDPool`, has free ones).

use sel4::init_thread::slot::ASID_POOL;

use mapping_tutorial::Context;

use crate::arch::{PageTableType, VSpaceType};
use crate::case::{by_arch, cases};
use crate::env::delete;
use crate::outcome::{Outcome, outcome};

cases! {
    /// What every VSpace after the first needs: its ASID, from the init thread's pool.
    asid_pool_assigns_a_new_vspace {
        expected: Outcome::Ok,
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c decodeX86MMUInvocation: the pool's first free ASID",
            aarch64 = "arm/64/kernel/vspace.c decodeARMMMUInvocation: the pool's first free ASID",
            aarch32 = "arm/32/kernel/vspace.c decodeARMMMUInvocation: the pool's first free ASID",
            riscv = "riscv/kernel/vspace.c decodeRISCVMMUInvocation: the pool's first free ASID",
        ),
        run: |env| {
            let vspace = env.alloc::<VSpaceType>()?;
            Ok(outcome(ASID_POOL.cap().asid_pool_assign(vspace)))
        },
    }

    /// A VSpace has one ASID: the second assignment is refused, naming the VSpace (capability 1).
    assigning_a_vspace_twice_is_invalid_capability {
        expected: Outcome::InvalidCapability(1),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c decodeX86MMUInvocation: cap_get_capMappedASID != asidInvalid",
            aarch64 = "arm/64/kernel/vspace.c decodeARMMMUInvocation: capVSIsMapped",
            aarch32 = "arm/32/kernel/vspace.c decodeARMMMUInvocation: capPDIsMapped",
            riscv = "riscv/kernel/vspace.c decodeRISCVMMUInvocation: capPTIsMapped",
        ),
        run: |env| {
            let vspace = env.second_vspace()?;
            Ok(outcome(ASID_POOL.cap().asid_pool_assign(vspace)))
        },
    }

    /// Only a VSpace root takes an ASID; but on RISC-V every page table is one, until it is mapped.
    asid_for_a_page_table {
        expected: by_arch!(
            riscv = Outcome::Ok,
            other = Outcome::InvalidCapability(1),
        ),
        kernel: by_arch!(
            x86_64 = "x86/kernel/vspace.c decodeX86MMUInvocation -> isVTableRoot",
            aarch64 = "arm/64/kernel/vspace.c decodeARMMMUInvocation -> isVTableRoot",
            aarch32 = "arm/32/kernel/vspace.c decodeARMMMUInvocation: not a page directory",
            riscv = "riscv/kernel/vspace.c decodeRISCVMMUInvocation: an unmapped page table",
        ),
        run: |env| {
            let table = env.alloc::<PageTableType>()?;
            Ok(outcome(ASID_POOL.cap().asid_pool_assign(table.cast())))
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
            x86_64 = "x86/64/kernel/vspace.c decodeX64PDPTInvocation: findVSpaceForASID fails",
            aarch64 = "arm/64/kernel/vspace.c decodeARMPageTableInvocation: findVSpaceForASID fails",
            aarch32 = "arm/32/kernel/vspace.c decodeARMPageTableInvocation: findPDForASID fails",
            riscv = "riscv/kernel/vspace.c decodeRISCVPageTableInvocation: findVSpaceForASID fails",
        ),
        warns: by_arch!(
            aarch32 = Some("ASID lookup failed"),
            riscv = Some("ASID lookup failed"),
            other = None,
        ),
        run: |env| {
            let pool = env.new_asid_pool()?;
            let vspace = env.alloc::<VSpaceType>()?;
            pool.asid_pool_assign(vspace)
                .context("prepare: assign an ASID from the new pool")?;
            delete(pool.cptr()).context("prepare: delete the ASID pool")?;
            let table = env.make_table(0)?;
            let vaddr = crate::arch::ENTRIES.start * crate::arch::span(0);
            Ok(outcome(table.map_into(vspace, vaddr)))
        },
    }
}
