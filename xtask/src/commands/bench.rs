// SPDX-License-Identifier: BSD-2-Clause

//! `make bench`: the measurements of crate::bench, shown as tables and written as JSON
//! (build/bench.json).

use std::process::ExitCode;

use anyhow::{Context, Result};

use super::pick::Picked;
use crate::bench;
use crate::project::Project;
use crate::support::files;

pub fn run(
    project: &Project,
    picked: &Picked,
    runs: usize,
    only: &[bench::Group],
) -> Result<ExitCode> {
    let measured =
        bench::run(project, &picked.arches(), runs, only)?.stamped(&bench::figure::today());
    let json_path = project.build_dir().join("bench.json");
    files::write(&json_path, bench::report::json(&measured))
        .with_context(|| json_path.display().to_string())?;
    println!(
        "{}\n(also in {})",
        bench::report::table(&measured),
        json_path.display()
    );
    Ok(ExitCode::SUCCESS)
}
