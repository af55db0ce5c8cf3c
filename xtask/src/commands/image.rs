// SPDX-License-Identifier: BSD-2-Clause

//! `make image`: the image of the learner's file or a stage, built; its path printed.

use std::process::ExitCode;

use anyhow::Result;

use super::pick::Picked;
use crate::project::Project;
use crate::support::process::Output;

pub fn run(project: &Project, picked: &Picked) -> Result<ExitCode> {
    let image = crate::image::build(project, &picked.source(), Output::Shown)?;
    println!("{}", image.bootable.display());
    Ok(ExitCode::SUCCESS)
}
