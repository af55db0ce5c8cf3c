// SPDX-License-Identifier: BSD-2-Clause

//! `make fmt`: rustfmt on every crate of the root tasks' workspace, and on xtask.

use std::process::ExitCode;

use anyhow::Result;

use crate::project::Project;
use crate::support::process::{self, Output};

pub fn run(project: &Project) -> Result<ExitCode> {
    let mut fmt = project.cargo(crate::catalogue::default_arch());
    fmt.arg("fmt");
    for package in project.workspace_packages()? {
        fmt.args(["-p", &package]);
    }
    process::run(fmt, Output::Shown, "rustfmt on the root tasks")?;
    process::run(
        super::check::xtask(project, &["fmt"]),
        Output::Shown,
        "rustfmt on xtask",
    )?;
    Ok(ExitCode::SUCCESS)
}
