// SPDX-License-Identifier: BSD-2-Clause

//! Solutions on request: the next stage of a learner's file, and a stage's solution as a diff
//! against the file as it is, derived the way the stages are (stages::derive), so that it agrees
//! with what `make test` checks.

use std::fs;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, anyhow};

use crate::catalogue::{ExerciseRef, StageRef};
use crate::stages::{self, Progress};

/// The stage after the one `learner` (the learner's text of `exercise`'s file, whose shipped text
/// is `shipped`) is at, if any. Out of order, the error names the stage to ask for.
pub fn next_stage(exercise: ExerciseRef, shipped: &str, learner: &str) -> Result<Option<StageRef>> {
    let todos = stages::learner_todos(exercise, shipped, learner)?;
    match stages::progress(exercise, &todos) {
        Progress::At(stage) => Ok(exercise.stage(stage.stage.todos_done + 1)),
        Progress::OutOfOrder {
            undone, position, ..
        } => {
            let stage = exercise.stage(position + 1).expect("a stage for each TODO");
            Err(anyhow!(
                "{} has a later TODO done but not \"TODO {}\", which comes first; name the \
                 stage whose solution you want: `make solution{}` for that one",
                exercise.exercise.file,
                undone.title,
                stage.make_args()
            ))
        }
    }
}

/// A stage's solution, as a unified diff that `git apply` (or `patch -p1`) applies in the
/// project's top directory.
#[derive(Debug, PartialEq, Eq)]
pub enum Solution {
    /// From the learner's file as it is to `stage`, their other edits kept. Empty if the file is
    /// at the stage already.
    ForTheFile(String),
    /// The learner's file cannot be derived from (its TODO solutions are edited past
    /// recognition): the stage's solution as the change between the shipped stage before it and
    /// the stage itself, to apply by hand.
    Shipped(String),
}

pub fn solution(shipped: &str, learner: &str, stage: StageRef, scratch: &Path) -> Result<Solution> {
    let file = stage.exercise.file;
    if let Ok(target) = stages::derive(learner, stage) {
        return unified_diff(file, learner, &target, scratch).map(Solution::ForTheFile);
    }
    let before = stage
        .exercise()
        .stage(stage.stage.todos_done.saturating_sub(1))
        .expect("the stage before exists");
    let from = stages::derive(shipped, before)?;
    let to = stages::derive(shipped, stage)?;
    unified_diff(file, &from, &to, scratch).map(Solution::Shipped)
}

/// A unified diff from `before` to `after`, both texts of the project's file `file`.
fn unified_diff(file: &str, before: &str, after: &str, scratch: &Path) -> Result<String> {
    fs::create_dir_all(scratch)?;
    let (a, b) = (scratch.join("before.rs"), scratch.join("after.rs"));
    fs::write(&a, before)
        .and_then(|()| fs::write(&b, after))
        .with_context(|| format!("cannot write in {}", scratch.display()))?;
    let out = Command::new("diff")
        .arg("-u")
        .args([
            "--label",
            &format!("a/{file}"),
            "--label",
            &format!("b/{file}"),
        ])
        .arg(&a)
        .arg(&b)
        .output()
        .context("cannot run diff")?;
    // diff exits 1 when the files differ: that is the normal case here.
    match out.status.code() {
        Some(0 | 1) => Ok(String::from_utf8_lossy(&out.stdout).into_owned()),
        _ => Err(anyhow!(
            "diff failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )),
    }
}
