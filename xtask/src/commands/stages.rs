// SPDX-License-Identifier: BSD-2-Clause

//! `make stages`: an architecture's exercises and their stages, with what each shows.

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::Result;

use super::pick::Picked;
use super::shared::print_listing;

pub fn run(picked: &Picked) -> Result<ExitCode> {
    let mut listing = String::new();
    for exercise in picked.arch.exercises() {
        let _ = writeln!(
            listing,
            "{} ({}), {}:",
            exercise.exercise.name,
            exercise.exercise.file,
            exercise.simulate_command()
        );
        for stage in exercise.stages() {
            let _ = writeln!(listing, "  {:<22} {}", stage.name(), stage.stage.summary);
        }
    }
    print_listing(&listing)
}
