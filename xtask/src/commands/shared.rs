// SPDX-License-Identifier: BSD-2-Clause

//! What several commands share: an exercise file's texts, a listing printed whole, an exit code.

use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use crate::catalogue::ExerciseRef;
use crate::project::Project;

/// An exercise file's texts: as shipped, and as the learner has it.
pub(super) struct Texts {
    pub(super) shipped: String,
    pub(super) learner: String,
}

pub(super) fn texts(project: &Project, exercise: ExerciseRef) -> Result<Texts> {
    let file = exercise.exercise.file;
    let shipped = project.shipped(file);
    if !project.root().join(file).exists() {
        bail!(
            "{file} is missing: `make` makes it again from {}",
            shipped.display()
        );
    }
    Ok(Texts {
        shipped: std::fs::read_to_string(&shipped)
            .with_context(|| format!("cannot read {}", shipped.display()))?,
        learner: crate::image::learner_text(project, exercise)?,
    })
}

/// Prints a listing to standard output. A reader that stops early (`make stages | head`) closes the
/// pipe, which ends the listing quietly instead of as an error.
pub(super) fn print_listing(text: &str) -> Result<ExitCode> {
    use std::io::Write as _;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(e).context("cannot write to standard output")
        }
        _ => Ok(ExitCode::SUCCESS),
    }
}

/// An exit code from whether something went well.
pub(super) fn exit(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
