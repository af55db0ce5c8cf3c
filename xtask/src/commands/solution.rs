// SPDX-License-Identifier: BSD-2-Clause

//! `make solution`: a stage's solution as a diff to the learner's file; the file is not changed.
//! Without STAGE, the solution that follows from what the file does (solutions::advise), never a
//! step that does not follow from the file.

use std::process::ExitCode;

use anyhow::Result;

use super::pick::Picked;
use super::shared::texts;
use crate::catalogue::StageRef;
use crate::image::Source;
use crate::learner::observed;
use crate::learner::solutions::{self, Advice, Solution};
use crate::project::Project;

pub fn run(project: &Project, picked: &Picked) -> Result<ExitCode> {
    let exercise = picked.exercise();
    let file = exercise.exercise.file;
    let texts = texts(project, exercise)?;
    let scratch = project.build_dir().join("solution");
    if let Some(stage) = picked.stage {
        let solution = solutions::solution(&texts.shipped, &texts.learner, stage, &scratch)?;
        show(stage, solution, file);
        return Ok(ExitCode::SUCCESS);
    }
    let observed = observed::observe(project, &Source::File(exercise))?;
    match solutions::advise(
        exercise,
        &texts.shipped,
        &texts.learner,
        &observed,
        &scratch,
    )? {
        Advice::Next(stage, solution) => show(stage, solution, file),
        Advice::Complete => {
            eprintln!("{file} is at the last stage: there is no next solution.")
        }
        Advice::Compare { why, stage, diff } => {
            eprintln!(
                "{why}\n==> The solution for stage '{}' ({}), as it changes the shipped {file}, \
                 to compare with yours (copy the lines by hand):",
                stage.name(),
                stage.stage.summary
            );
            print!("{diff}");
        }
        Advice::Nothing(why) => {
            eprintln!("{why}");
            return Ok(ExitCode::FAILURE);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints `stage`'s solution for the learner's file `file`: the diff on standard output, what it
/// is on standard error.
fn show(stage: StageRef, solution: Solution, file: &str) {
    let pick = stage.make_args();
    let what = format!("stage '{}' ({})", stage.name(), stage.stage.summary);
    match solution {
        Solution::ForTheFile(diff) if diff.is_empty() => {
            eprintln!(
                "{file} has the solution of stage '{}' already.",
                stage.name()
            );
        }
        Solution::ForTheFile(diff) => {
            let endings = if diff.contains("\r\n") {
                " (in your file's CRLF line endings)"
            } else {
                ""
            };
            eprintln!(
                "==> The solution for {what}, as changes to {file}{endings}.\n    \
                 Nothing was changed; to apply it: make solution{pick} | git apply"
            );
            print!("{diff}");
        }
        Solution::Shipped(diff) => {
            eprintln!(
                "==> The solution for {what}, as it changes the shipped {file}: your file's TODOs \
                 cannot be read to apply it there, so copy the lines by hand."
            );
            print!("{diff}");
        }
    }
}
