// SPDX-License-Identifier: BSD-2-Clause

//! `make kernel`: the architecture's seL4 kernel (and firmware), built if needed.

use std::process::ExitCode;

use anyhow::Result;

use super::pick::Picked;
use crate::project::Project;
use crate::support::process::Output;

pub fn run(project: &Project, picked: &Picked) -> Result<ExitCode> {
    crate::image::kernel::ensure(project, picked.arch, Output::Shown)?;
    Ok(ExitCode::SUCCESS)
}
