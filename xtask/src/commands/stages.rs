// SPDX-License-Identifier: BSD-2-Clause

//! `make stages`: an architecture's exercises and their stages, with what each shows.

use std::process::ExitCode;

use anyhow::Result;

use super::Picked;

pub fn run(picked: &Picked) -> Result<ExitCode> {
    for exercise in picked.arch.exercises() {
        println!(
            "{} ({}), {}:",
            exercise.exercise.name,
            exercise.exercise.file,
            exercise.simulate_command()
        );
        for stage in exercise.stages() {
            println!("  {:<22} {}", stage.name(), stage.stage.summary);
        }
    }
    Ok(ExitCode::SUCCESS)
}
