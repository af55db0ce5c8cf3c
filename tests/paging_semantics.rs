// SPDX-License-Identifier: BSD-2-Clause

//! The paging-semantics suite (paging-semantics/): its case table is well formed, and booted on
//! the seL4 kernel under QEMU, every case gets the answer it expects.

use std::fs;

use xtask::boot_check::BOOT_TIMEOUT;
use xtask::catalogue;
use xtask::command::Output;
use xtask::project::Project;
use xtask::semantics::{self, source_cases};

fn table() -> Vec<String> {
    let path = semantics::source_path(&Project::here());
    let source = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    source_cases(&source).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Without booting: every case has a name of its own, an expected outcome, a kernel reference
/// and a function (`source_cases` fails on any that has not).
#[test]
fn the_case_table_is_well_formed() {
    table();
}

/// x86_64's suite (the other architectures' come with their cases).
mod x86_64 {
    #[test]
    fn every_case_gets_the_kernel_answer_it_expects() {
        super::every_case_gets_the_kernel_answer_it_expects("x86_64");
    }
}

fn every_case_gets_the_kernel_answer_it_expects(arch: &str) {
    let project = Project::here();
    let arch = catalogue::find_arch(arch).unwrap();
    let booted = semantics::boot(&project, arch, Output::Captured, false, BOOT_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    if let Some(message) = semantics::verdict(&booted) {
        panic!("{message}");
    }
    // The boot ran exactly the table's cases, in its order: none skipped, none unknown.
    assert_eq!(
        booted.report.names(),
        table(),
        "the booted cases differ from the table"
    );
}
