// SPDX-License-Identifier: BSD-2-Clause

//! Solutions on request and a way back to the start: both derived from the learner's file the
//! way the stages are (stages::derive), so they agree with what `make test` checks.

use std::fs;
use std::io;
use std::path::Path;
use std::process::Command;

use crate::catalogue::{ExerciseRef, StageRef};
use crate::stages::{self, Progress};

/// The stage after the one `source` (the text of `exercise`'s file) is at, if any.
pub fn next_stage(exercise: ExerciseRef, source: &str) -> Result<Option<StageRef>, String> {
    let todos = stages::analyse(exercise, source).map_err(|e| e.to_string())?;
    match stages::progress(exercise, &todos) {
        Progress::At(stage) => Ok(exercise.stage(stage.stage.todos_done + 1)),
        Progress::OutOfOrder { done } => Err(format!(
            "{} has TODOs {done:?} done, out of order: name the stage (STAGE=...)",
            exercise.exercise.file
        )),
    }
}

/// A unified diff from `source` (the stage's exercise file as it is) to `stage`, which
/// `git apply` or `patch -p1` applies in the project's top directory. Empty if the file is at
/// `stage` already.
pub fn solution_diff(source: &str, stage: StageRef, scratch: &Path) -> Result<String, String> {
    let file = stage.exercise.file;
    let target = stages::derive(source, stage).map_err(|e| e.to_string())?;
    fs::create_dir_all(scratch).map_err(|e| e.to_string())?;
    let (before, after) = (scratch.join("main.rs.now"), scratch.join("main.rs.stage"));
    let write = |path: &Path, text: &str| -> io::Result<()> { fs::write(path, text) };
    write(&before, source)
        .and_then(|()| write(&after, &target))
        .map_err(|e| format!("cannot write in {}: {e}", scratch.display()))?;
    let out = Command::new("diff")
        .arg("-u")
        .args([
            "--label",
            &format!("a/{file}"),
            "--label",
            &format!("b/{file}"),
        ])
        .arg(&before)
        .arg(&after)
        .output()
        .map_err(|e| format!("cannot run diff: {e}"))?;
    // diff exits 1 when the files differ: that is the normal case here.
    match out.status.code() {
        Some(0 | 1) => Ok(String::from_utf8_lossy(&out.stdout).into_owned()),
        _ => Err(format!(
            "diff failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )),
    }
}
