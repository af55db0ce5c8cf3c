// SPDX-License-Identifier: BSD-2-Clause

//! The entry point that the Makefile and cargo's runner call (through tools/xtask): parses the
//! command (xtask::commands::Command, whose doc comments are `make help`) and runs it.

use std::process::ExitCode;

use clap::Parser;

use xtask::commands::{self, Cli};
use xtask::project::Project;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match commands::dispatch::run(&Project::from_env(), cli.command) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
