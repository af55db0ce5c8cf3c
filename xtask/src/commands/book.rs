// SPDX-License-Identifier: BSD-2-Clause

//! `make book [SERVE=1]`: the tutorial's text built with mdBook into build/book, mdBook installed
//! first if missing; SERVE=1 serves it on localhost, rebuilt on every change.

use std::process::ExitCode;

use anyhow::Result;

use crate::book::Mdbook;
use crate::project::Project;

pub fn run(project: &Project, serve: bool, port: u16) -> Result<ExitCode> {
    let mdbook = Mdbook::ensure(project)?;
    if serve {
        mdbook.serve(project, port)?;
    } else {
        let started = std::time::Instant::now();
        mdbook.build(project, &project.book_out())?;
        eprintln!(
            "==> The book is built ({:.1} s): open {} in a browser, or `make book SERVE=1`",
            started.elapsed().as_secs_f64(),
            project.book_out().join("index.html").display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// mdBook's preprocessor for the book's directives (book.toml runs it).
pub fn preprocess(project: &Project, args: &[String]) -> Result<ExitCode> {
    crate::book::preprocess(project, args)?;
    Ok(ExitCode::SUCCESS)
}
