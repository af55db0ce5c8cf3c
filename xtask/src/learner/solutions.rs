// SPDX-License-Identifier: BSD-2-Clause

//! Solutions on request: the next stage of a learner's file, and a stage's solution as a diff
//! against the file as it is, made the way the stages are (stages::derive, stages::advance), so
//! that it agrees with what `make test` checks.

use std::fs;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, anyhow};

use crate::catalogue::{ExerciseRef, StageRef};
use crate::exercise::stages::{self, Progress};
use crate::learner::observed::{self, Observed};

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

/// `stage`'s solution for the learner's text `learner`: it only uncomments (stages::advance), so
/// that the learner's other lines stay as they are, whatever the stage asked for; in the file's
/// own line endings and indentation.
pub fn solution(shipped: &str, learner: &str, stage: StageRef, scratch: &Path) -> Result<Solution> {
    if let Ok(target) = stages::advance(learner, stage) {
        return unified_diff(stage.exercise.file, learner, &target, scratch)
            .map(Solution::ForTheFile);
    }
    shipped_change(shipped, stage, scratch).map(Solution::Shipped)
}

/// `stage`'s solution as it changes the shipped file: from the stage before it to the stage.
pub fn shipped_change(shipped: &str, stage: StageRef, scratch: &Path) -> Result<String> {
    let before = stage
        .exercise()
        .stage(stage.stage.todos_done.saturating_sub(1))
        .expect("the stage before exists");
    let from = stages::derive(shipped, before)?;
    let to = stages::derive(shipped, stage)?;
    unified_diff(stage.exercise.file, &from, &to, scratch)
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

/// What `make solution` without STAGE shows, by what the file does.
#[derive(Debug, PartialEq, Eq)]
pub enum Advice {
    /// The run printed what the TODOs' stage prints: the next stage's solution for the file.
    Next(StageRef, Solution),
    /// The run printed what the last stage prints, and the TODOs are all done.
    Complete,
    /// The build or the run disagrees with the TODOs (`why` says how): `stage`'s solution as it
    /// changes the shipped file, to compare with the learner's.
    Compare {
        why: String,
        stage: StageRef,
        diff: String,
    },
    /// Nothing to show but `why` (a file that does not build, with no TODO done).
    Nothing(String),
}

/// The solution that follows from what the learner's file (`learner`; `shipped` as shipped)
/// does, as `observed` found: the next stage's when the run agrees with the TODOs; the stage the
/// run shows is missing when it does not; for a file that does not build, the stage of the TODO
/// done last, where a typo most likely is. Out of order, the error names the TODO to do first.
pub fn advise(
    exercise: ExerciseRef,
    shipped: &str,
    learner: &str,
    observed: &Observed,
    scratch: &Path,
) -> Result<Advice> {
    let todos = observed::todo_stage(exercise, shipped, learner);
    let why = observed::describe(exercise, shipped, learner, observed);
    let compare = |stage: StageRef, why: String| -> Result<Advice> {
        let diff = shipped_change(shipped, stage, scratch)?;
        Ok(Advice::Compare { why, stage, diff })
    };
    match observed {
        Observed::Refused { .. } => match todos.filter(|stage| stage.stage.todos_done > 0) {
            Some(stage) => compare(stage, why),
            None => Ok(Advice::Nothing(why)),
        },
        Observed::Ran { printed, .. } if todos.is_some() && todos == *printed => {
            match next_stage(exercise, shipped, learner)? {
                Some(stage) => Ok(Advice::Next(
                    stage,
                    solution(shipped, learner, stage, scratch)?,
                )),
                None => Ok(Advice::Complete),
            }
        }
        Observed::Ran { printed, .. } => {
            if todos.is_none() && stages::learner_todos(exercise, shipped, learner).is_ok() {
                // Out of order: the error names the TODO to do first.
                next_stage(exercise, shipped, learner)?;
            }
            let why = why.lines().next().unwrap_or_default().to_owned();
            match observed::next_by_the_run(exercise, *printed) {
                Some(stage) => compare(stage, why),
                None => Ok(Advice::Complete),
            }
        }
    }
}
