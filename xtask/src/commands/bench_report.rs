// SPDX-License-Identifier: BSD-2-Clause

//! `make bench-report`: docs/performance.md made from the JSON of a `make bench` run, which is
//! kept beside it as docs/bench.json; README and the book link to them. A test holds the one to the other.

use std::fs;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::bench::report;
use crate::project::Project;
use crate::support::files;

pub fn run(project: &Project, from: &Path) -> Result<ExitCode> {
    let from = project.root().join(from);
    let text = fs::read_to_string(&from)
        .with_context(|| format!("cannot read {} (`make bench` writes it)", from.display()))?;
    let bench = report::from_json(&text).with_context(|| from.display().to_string())?;
    let json = project.docs_bench_json();
    files::write(&json, report::json(&bench)).with_context(|| json.display().to_string())?;
    let why = project.docs_performance_why();
    let why = fs::read_to_string(&why).with_context(|| why.display().to_string())?;
    let md = project.docs_performance();
    files::write(&md, report::performance_md(&bench, &why)?)
        .with_context(|| md.display().to_string())?;
    eprintln!(
        "==> {} and {} made from {}",
        md.display(),
        json.display(),
        from.display()
    );
    Ok(ExitCode::SUCCESS)
}
