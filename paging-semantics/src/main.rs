// SPDX-License-Identifier: BSD-2-Clause

//! The paging-semantics suite: what seL4 16.0.0 answers to mapping invocations on the
//! architecture it is built for, checked case by case against the kernel itself instead of
//! against the tutorial's text.
//!
//! The cases are grouped by topic (cases/): each is a function that prepares what it needs and
//! returns the outcome of the one invocation (or the one memory access, made by a probe thread)
//! it asks about, with the outcome it expects and the place in the kernel's source at the pinned
//! commit that decides it (a path below the kernel's src/arch/, or src/ for the code all
//! architectures share). A case written once serves every architecture it applies to, with its
//! expectation and reference per architecture where they differ (`by_arch!`). The suite runs them
//! in order and prints libtest's format, then an end marker the host stops on:
//!
//! ```text
//! running 139 tests
//! test missing::frame_with_no_structure_fails_at_the_top_level ... ok: seL4_FailedLookup at level 39 [x86/kernel/vspace.c:879]
//! test rights::write_only_request_maps ... ok: seL4_NoError, then a read there faults, the kernel warns "Attempted to ..."
//! test occupied::frame_where_another_frame_is_mapped ... FAILED: expected seL4_NoError, then ..., got ...
//! test result: FAILED. 138 passed; 1 failed
//! paging semantics: end
//! ```
//!
//! A refusal's `ok` line ends with the error site the case names (`[file:line]`); a success's says
//! what the case saw of it (`seL4_NoError, then ...`): the host holds both (xtask/src/semantics/coverage.rs).
//!
//! A preparation step that fails is a failure too (`FAILED: expected X, but <step>: seL4_Y at
//! <file:line>`): the case could not ask its question. `make test` boots this image on every
//! architecture and fails on any FAILED line (tests/paging_semantics.rs).

#![no_std]
#![no_main]

mod arch;
mod case;
mod cases;
mod env;
mod fault;
mod outcome;

use mapping_tutorial::Failure;
use sel4_root_task::{Never, root_task};

use crate::env::Env;

/// With the `mutation` feature: three expectations made wrong, each of a kind the checks must
/// catch: a fault's status (a read where nothing is mapped, for a write to a read-only page), a
/// capability's index (0, the frame, for 1, the CNode passed as its VSpace), and a kernel warning
/// left undeclared. The host boots this build and expects exactly these three cases to fail
/// (xtask/src/semantics/mod.rs, `MUTATED`).
#[cfg(feature = "mutation")]
fn mutated(topic: &str, case: &case::Case) -> case::Case {
    use crate::fault::{Cause, Direction};
    use crate::outcome::Outcome;
    match (topic, case.name) {
        ("access", "write_to_read_only_mapping_faults") => case::Case {
            expected: Outcome::fault(Direction::Read, Cause::NotMapped),
            ..*case
        },
        ("vspace", "frame_into_a_cnode_is_invalid_capability") => case::Case {
            expected: Outcome::InvalidCapability(0),
            ..*case
        },
        ("rights", "write_only_request_maps") => case::Case {
            warns: None,
            ..*case
        },
        _ => *case,
    }
}

/// The line after the summary: the host stops reading here.
const END: &str = "paging semantics: end";

/// 64 MiB of untyped memory for the suite's objects (objects are never freed), some of them
/// large pages: more than the tutorial's 64 KiB. riscv32's large pages are 4 MiB megapages, and
/// its cases take more than 64 MiB: 128 MiB there.
#[cfg(not(target_arch = "riscv32"))]
const SUITE_UNTYPED_BITS: usize = 26;
#[cfg(target_arch = "riscv32")]
const SUITE_UNTYPED_BITS: usize = 27;

#[root_task]
fn main(bootinfo: &sel4::BootInfoPtr) -> Result<Never, Failure> {
    mapping_tutorial::logging::init();
    let mut env = Env::new(bootinfo, SUITE_UNTYPED_BITS)?;

    let total: usize = cases::TOPICS
        .iter()
        .map(|(_, cases)| cases.iter().filter(|c| c.applies).count())
        .sum();
    log::info!("running {total} tests");
    let (mut passed, mut failed) = (0, 0);
    for (topic, cases) in cases::TOPICS {
        for case in cases.iter().filter(|c| c.applies) {
            #[cfg(feature = "mutation")]
            let case = &mutated(topic, case);
            let name = case.name;
            match (case.run)(&mut env) {
                Ok(got) if got == case.expected => {
                    passed += 1;
                    // What was checked, for the reader and for the host, which holds the kernel's
                    // console to it and a refusal to the source at its site (semantics.rs,
                    // coverage.rs): `ok: <answer> [<site>], the kernel warns "<warning>"`.
                    let site = case::Site(case::site(case.kernel));
                    match case.warns {
                        None => log::info!("test {topic}::{name} ... ok: {got}{site}"),
                        Some(warning) => log::info!(
                            "test {topic}::{name} ... ok: {got}{site}, the kernel warns \"{warning}\""
                        ),
                    }
                }
                Ok(got) => {
                    failed += 1;
                    log::info!(
                        "test {topic}::{name} ... FAILED: expected {}, got {got} (kernel: {})",
                        case.expected,
                        case.kernel
                    );
                }
                Err(failure) => {
                    failed += 1;
                    log::info!(
                        "test {topic}::{name} ... FAILED: expected {}, but {failure}",
                        case.expected
                    );
                }
            }
        }
    }
    let result = if failed == 0 { "ok" } else { "FAILED" };
    log::info!("test result: {result}. {passed} passed; {failed} failed");
    log::info!("{END}");
    sel4::init_thread::suspend_self()
}
