// SPDX-License-Identifier: BSD-2-Clause

//! `make semantics`: the paging-semantics suite built and booted, its output shown; fails on any
//! failed case or a report that does not add up. The suite ends on its own: nothing to quit.

use std::process::ExitCode;

use anyhow::Result;

use super::{Picked, RunLimits};
use crate::command::Output;
use crate::project::Project;
use crate::semantics;

pub fn run(project: &Project, picked: &Picked, limits: RunLimits) -> Result<ExitCode> {
    let arch = picked.arch;
    eprintln!("==> Building and booting the paging-semantics suite ({arch})");
    let booted = semantics::boot(project, arch, Output::Shown, true, limits.timeout)?;
    match semantics::verdict(&booted) {
        None => {
            eprintln!(
                "==> Every case got the answer it expects; the log is in {}",
                booted.run.log_path.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(message) => {
            eprintln!("==> {message}");
            Ok(ExitCode::FAILURE)
        }
    }
}
