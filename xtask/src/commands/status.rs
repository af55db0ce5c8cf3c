// SPDX-License-Identifier: BSD-2-Clause

//! `make status`: where the learner is, by what the file does: the main exercise's file (or the
//! exercise named) built and booted, and what its run printed set against its TODOs; then a line
//! for each further exercise, by its TODOs only (its own `make status EXERCISE=...` runs it).

use std::process::ExitCode;

use anyhow::Result;

use super::pick::Picked;
use super::shared::texts;
use crate::image::Source;
use crate::learner::observed;
use crate::project::Project;

pub fn run(project: &Project, picked: &Picked) -> Result<ExitCode> {
    let exercise = picked.exercise();
    let main = texts(project, exercise)?;
    let observed = observed::observe(project, &Source::File(exercise))?;
    println!(
        "{}",
        observed::describe(exercise, &main.shipped, &main.learner, &observed)
    );
    if picked.exercise.is_some() {
        return Ok(ExitCode::SUCCESS);
    }
    println!("\nFurther exercises (the book, `make book`: \"Further exercises\"), by their TODOs:");
    for further in picked.arch.exercises().skip(1) {
        let texts = texts(project, further)?;
        println!(
            "- {}: {} (`make status{}` runs it)",
            further.exercise.file,
            observed::what_the_todos_say(further, &texts.shipped, &texts.learner),
            further.make_args()
        );
    }
    Ok(ExitCode::SUCCESS)
}
