// SPDX-License-Identifier: BSD-2-Clause

//! `xtask prepare` (make test's first step): what every boot of an architecture needs, built with
//! each step shown: its kernel, its loader, and the start stage of its main exercise, which builds
//! core, alloc and rust-sel4 for its target. The boot tests then build only their own files; a
//! first `make test` says what takes minutes.

use std::process::ExitCode;

use anyhow::Result;

use super::pick::Picked;
use crate::image::Source;
use crate::project::Project;
use crate::support::process::Output;

pub fn run(project: &Project, picked: &Picked) -> Result<ExitCode> {
    for arch in picked.arches() {
        eprintln!(
            "==> Preparing {arch}: its kernel, its loader, and the crates its root tasks share"
        );
        let start = Source::Stage(arch.main_exercise().start());
        crate::check::build_checked_image(project, &start, Output::Shown)?;
    }
    Ok(ExitCode::SUCCESS)
}
