// SPDX-License-Identifier: BSD-2-Clause

//! `make semantics`: the paging-semantics suite built and booted, its output shown; fails on any
//! failed case or a report that does not add up. The suite ends on its own: nothing to quit.
//! Without ARCH=, on every kernel (each architecture's, and those the suite alone boots:
//! catalogue::suite_kernels), and then docs/kernel-semantics-cases.md and
//! docs/kernel-semantics-coverage.md are made from their reports (when every case passed on every
//! one, and every error site of each kernel's VSpace decoders is reached or said unreachable).

use std::process::ExitCode;

use anyhow::{Context, Result};

use super::RunLimits;
use super::pick::SuiteKernels;
use super::shared::exit;
use crate::project::Project;
use crate::semantics;
use crate::semantics::coverage;
use crate::support::process::Output;

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
    // What reaches each kernel's error sites: a gap fails the run.
    let unreachable = coverage::unreachable(project)?;
    let mut coverage_columns = Vec::new();
    for (&arch, (_, report)) in picked.kernels.iter().zip(&reports) {
        let kernel = coverage::Kernel::load(project, arch)?;
        let column = coverage::column(&kernel, report, &unreachable);
        let (reached, reachable, _) = column.figures();
        let problems = column.problems(&unreachable);
        eprintln!("==> {arch}: {reached} of {reachable} reachable error sites reached");
        for problem in &problems {
            eprintln!("    {problem}");
        }
        ok &= problems.is_empty();
        coverage_columns.push(column);
    }
    if ok && picked.all {
        let columns: Vec<(&str, &semantics::report::Report)> = reports
            .iter()
            .map(|(arch, report)| (*arch, report))
            .collect();
        let path = project.docs_semantics_cases();
        crate::support::files::write_if_changed(&path, semantics::report::cases_table(&columns))
            .with_context(|| path.display().to_string())?;
        eprintln!("==> Every case on every kernel: {}", path.display());
        let path = project.docs_semantics_coverage();
        crate::support::files::write_if_changed(&path, coverage::table(&coverage_columns))
            .with_context(|| path.display().to_string())?;
        eprintln!("==> Every error site on every kernel: {}", path.display());
    }
    Ok(exit(ok))
}
