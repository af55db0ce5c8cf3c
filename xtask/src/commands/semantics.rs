// SPDX-License-Identifier: BSD-2-Clause

//! `make semantics`: the paging-semantics suite built and booted, its output shown; fails on any
//! failed case or a report that does not add up. The suite ends on its own: nothing to quit.
//! Without ARCH=, on every kernel (each architecture's, and those the suite alone boots:
//! catalogue::suite_kernels), and then docs/kernel-semantics-cases.md is made from their reports
//! (when every case passed on every one).

use std::process::ExitCode;

use anyhow::{Context, Result};

use super::{RunLimits, SuiteKernels, exit};
use crate::command::Output;
use crate::project::Project;
use crate::semantics;

pub fn run(project: &Project, picked: &SuiteKernels, limits: RunLimits) -> Result<ExitCode> {
    let mut reports = Vec::new();
    let mut ok = true;
    for &arch in &picked.kernels {
        eprintln!("==> Building and booting the paging-semantics suite ({arch})");
        let booted = semantics::boot(project, arch, Output::Shown, true, limits.timeout)?;
        match semantics::verdict(&booted) {
            None => eprintln!(
                "==> Every case got the answer it expects; the log is in {}",
                booted.run.log_path.display()
            ),
            Some(message) => {
                eprintln!("==> {message}");
                ok = false;
            }
        }
        reports.push((arch.name, booted.report));
    }
    if ok && picked.all {
        let columns: Vec<(&str, &semantics::Report)> = reports
            .iter()
            .map(|(arch, report)| (*arch, report))
            .collect();
        let path = project.docs_semantics_cases();
        crate::files::write_if_changed(&path, semantics::cases_table(&columns))
            .with_context(|| path.display().to_string())?;
        eprintln!("==> Every case on every kernel: {}", path.display());
    }
    Ok(exit(ok))
}
