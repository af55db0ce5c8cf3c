// SPDX-License-Identifier: BSD-2-Clause

//! The paging-semantics suite (paging-semantics/), booted on each architecture's seL4 kernel
//! under QEMU: every case gets the answer it expects from that kernel, and the suite has at
//! least as many cases as it promises.

use xtask::boot::BOOT_TIMEOUT;
use xtask::catalogue;
use xtask::command::Output;
use xtask::project::Project;
use xtask::semantics;

/// One module per architecture, with the fewest cases its suite may have: a case lost from the
/// suite (a `#[cfg]` too narrow, a topic left out of the list) fails here.
macro_rules! per_arch {
    ($($arch:ident: $at_least:expr),+ $(,)?) => {$(
        mod $arch {
            #[test]
            fn every_case_gets_the_kernel_answer_it_expects() {
                super::every_case_gets_the_kernel_answer_it_expects(stringify!($arch), $at_least);
            }
        }
    )+};
}

per_arch! {
    x86_64: 60,
    aarch64: 40,
    riscv64: 40,
    aarch32: 30,
    riscv32: 30,
}

fn every_case_gets_the_kernel_answer_it_expects(arch: &str, at_least: usize) {
    let project = Project::here();
    let arch = catalogue::find_arch(arch).unwrap();
    let booted = semantics::boot(&project, arch, Output::Captured, false, BOOT_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e:#}"));
    if let Some(message) = semantics::verdict(&booted) {
        panic!("{message}");
    }
    let ran = booted.report.names().len();
    assert!(
        ran >= at_least,
        "{arch}'s suite ran {ran} cases, fewer than the {at_least} it should have; the log is {}",
        booted.run.log_path.display()
    );
}
