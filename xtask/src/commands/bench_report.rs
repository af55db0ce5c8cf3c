// SPDX-License-Identifier: BSD-2-Clause

//! `make bench-report`: the figures of a `make bench` run (its JSON) into docs/bench.json, in
//! place of the same figures there (a run of one architecture or one group updates those), and
//! docs/performance.md made from it; README and the book link to them. A test holds the one to
//! the other.

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
    let newer = report::from_json(&text).with_context(|| from.display().to_string())?;
    let json = project.docs_bench_json();
    let kept = match fs::read_to_string(&json) {
        Ok(text) => report::from_json(&text).with_context(|| json.display().to_string())?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Default::default(),
        Err(e) => return Err(e).with_context(|| json.display().to_string()),
    };
    let bench = kept.updated_by(newer);
    files::write(&json, report::json(&bench)).with_context(|| json.display().to_string())?;
    let why = project.docs_performance_why();
    let why = fs::read_to_string(&why).with_context(|| why.display().to_string())?;
    let md = project.docs_performance();
    files::write(&md, report::performance_md(&bench, &why)?)
        .with_context(|| md.display().to_string())?;
    eprintln!(
        "==> {} and {} updated from {}",
        md.display(),
        json.display(),
        from.display()
    );
    Ok(ExitCode::SUCCESS)
}
