// SPDX-License-Identifier: BSD-2-Clause

//! `make status`: where the learner is: the main exercise in full, then a line for each further
//! exercise (or only the exercise named).

use std::process::ExitCode;

use anyhow::Result;

use super::{Picked, texts};
use crate::catalogue::ExerciseRef;
use crate::project::Project;
use crate::stages;

pub fn run(project: &Project, picked: &Picked) -> Result<ExitCode> {
    let exercises: Vec<ExerciseRef> = match picked.exercise {
        Some(exercise) => vec![exercise],
        None => picked.arch.exercises().collect(),
    };
    for (k, exercise) in exercises.into_iter().enumerate() {
        let texts = texts(project, exercise)?;
        let progress = stages::describe_progress(exercise, &texts.shipped, &texts.learner);
        if k == 1 {
            println!("\nFurther exercises (TUTORIAL.md, \"Further exercises\"):");
        }
        if k == 0 {
            println!("{progress}");
        } else {
            // One line each: where the file is, not what to do next.
            println!("- {}", progress.lines().next().unwrap_or_default());
        }
    }
    Ok(ExitCode::SUCCESS)
}
