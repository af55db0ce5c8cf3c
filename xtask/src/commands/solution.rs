// SPDX-License-Identifier: BSD-2-Clause

//! `make solution`: a stage's solution (the next one by default) as a diff to the learner's file;
//! the file is not changed.

use std::process::ExitCode;

use anyhow::Result;

use super::{Picked, texts};
use crate::project::Project;
use crate::solutions::{self, Solution};

pub fn run(project: &Project, picked: &Picked) -> Result<ExitCode> {
    let exercise = picked.exercise();
    let file = exercise.exercise.file;
    let texts = texts(project, exercise)?;
    let stage = match picked.stage {
        Some(stage) => stage,
        None => match solutions::next_stage(exercise, &texts.shipped, &texts.learner)? {
            Some(stage) => stage,
            None => {
                eprintln!("{file} is at the last stage: there is no next solution.");
                return Ok(ExitCode::SUCCESS);
            }
        },
    };
    let scratch = project.build_dir().join("solution");
    let pick = stage.make_args();
    let what = format!("stage '{}' ({})", stage.name(), stage.stage.summary);
    match solutions::solution(&texts.shipped, &texts.learner, stage, &scratch)? {
        Solution::ForTheFile(diff) if diff.is_empty() => {
            eprintln!("{file} is at stage '{}' already.", stage.name());
        }
        Solution::ForTheFile(diff) => {
            eprintln!(
                "==> The solution for {what}, as changes to {file}.\n    \
                 Nothing was changed; to apply it: make solution{pick} | git apply"
            );
            print!("{diff}");
        }
        Solution::Shipped(diff) => {
            eprintln!(
                "==> The solution for {what}, as it changes the shipped {file}: your file's TODOs \
                 are edited too far to apply it there, so copy the lines by hand."
            );
            print!("{diff}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
