// SPDX-License-Identifier: BSD-2-Clause

//! `make reset`: an exercise's file back as it ships, after a yes (from the terminal, or
//! CONFIRM=yes), with the learner's version kept beside it as `<file>.<time>.bak`.

use std::fs;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use super::pick::Picked;
use crate::project::Project;
use crate::support::clock::Utc;
use crate::support::files;

pub fn run(project: &Project, picked: &Picked, confirmed: bool) -> Result<ExitCode> {
    let exercise = picked.exercise();
    let file = exercise.exercise.file;
    // As bytes: a file that is not even UTF-8 is put back too.
    let path = project.root().join(file);
    let shipped = fs::read(project.shipped(file))
        .with_context(|| format!("cannot read {}", project.shipped(file).display()))?;
    let learner = match fs::read(&path) {
        Ok(learner) => learner,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            files::write(&path, &shipped).with_context(|| format!("cannot write {file}"))?;
            eprintln!("{file} was missing: it is back as shipped.");
            return Ok(ExitCode::SUCCESS);
        }
        Err(e) => return Err(e).with_context(|| format!("cannot read {file}")),
    };
    if learner == shipped {
        eprintln!("{file} is as shipped already: nothing to do.");
        return Ok(ExitCode::SUCCESS);
    }
    if !confirmed {
        if !std::io::stdin().is_terminal() {
            bail!(
                "make reset puts {file} back as shipped: run it from a terminal to confirm, \
                 or as `make reset{} CONFIRM=yes`",
                exercise.make_args()
            );
        }
        eprint!("Put {file} back as shipped (yours is kept as a backup beside it)? [y/N] ");
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            eprintln!("Nothing changed.");
            return Ok(ExitCode::SUCCESS);
        }
    }
    let backup = PathBuf::from(format!("{}.{}.bak", path.display(), Utc::now().stamp()));
    files::write(&backup, &learner)
        .with_context(|| format!("cannot keep your {file} as {}", backup.display()))?;
    files::write(&path, &shipped).with_context(|| format!("cannot write {file}"))?;
    let shown = backup.strip_prefix(project.root()).unwrap_or(&backup);
    eprintln!(
        "{file} is back as shipped, at stage '{}'. Yours is in {}.",
        exercise.start().name(),
        shown.display()
    );
    Ok(ExitCode::SUCCESS)
}
