// SPDX-License-Identifier: BSD-2-Clause

//! `make clean`: everything built, removed. The Makefile does the same on the host itself, so
//! that it needs nothing built; a test holds its list to [`BUILT`].

use std::fs;
use std::io;
use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::project::Project;

/// What the project builds, relative to its top directory.
pub const BUILT: [&str; 3] = ["build", "target", "xtask/target"];

pub fn run(project: &Project) -> Result<ExitCode> {
    for dir in BUILT {
        let path = project.root().join(dir);
        match fs::remove_dir_all(&path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => {
                return Err(e).with_context(|| format!("cannot remove {}", path.display()));
            }
            _ => {}
        }
    }
    Ok(ExitCode::SUCCESS)
}
