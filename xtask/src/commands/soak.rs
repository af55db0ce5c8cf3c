// SPDX-License-Identifier: BSD-2-Clause

//! `make soak`: every stage of the architecture booted and checked RUNS times in a row; each
//! failure reported, and a count.

use std::process::ExitCode;

use anyhow::Result;

use super::pick::Picked;
use super::shared::exit;
use crate::check::boot_stage;
use crate::project::Project;

pub fn run(project: &Project, picked: &Picked, runs: usize) -> Result<ExitCode> {
    let arch = picked.arch;
    let (mut passed, mut failed) = (0, 0);
    for run in 1..=runs {
        for stage in arch.stages() {
            match boot_stage(project, stage) {
                Ok(_) => passed += 1,
                Err(report) => {
                    failed += 1;
                    eprintln!(
                        "run {run}, {arch} stage {}: FAILED\n{report:#}",
                        stage.name()
                    );
                }
            }
        }
        eprintln!("==> soak: run {run} of {runs} done ({failed} failed so far)");
    }
    println!("{passed} passed, {failed} failed");
    Ok(exit(failed == 0))
}
