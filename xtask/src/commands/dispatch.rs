// SPDX-License-Identifier: BSD-2-Clause

//! Each command run by its module, once its arguments are checked.

use std::process::ExitCode;

use anyhow::{Result, bail};

use super::shared::print_listing;
use super::*;
use crate::project::Project;

/// Runs `command` on `project`.
pub fn run(project: &Project, command: Command) -> Result<ExitCode> {
    match command {
        Command::Simulate {
            pick,
            run,
            gdb,
            walk,
            port,
        } => {
            let picked = pick.check()?;
            if gdb && walk.wanted().is_some() {
                bail!(
                    "GDB=1 and WALK=1 both need QEMU's gdb stub: use one at a time (`make walk{}` \
                     walks without a debugger)",
                    picked.make_args()
                );
            }
            simulate::run(project, &picked, run, gdb.then_some(port), walk.wanted())
        }
        Command::Walk { pick, run, addr } => {
            simulate::walk(project, &pick.check()?, run, addr.as_deref())
        }
        Command::Gdb { pick, port } => gdb::run(project, &pick.check()?, port),
        Command::Test { pick } => test::run(project, &pick.check()?),
        Command::Status { pick } => status::run(project, &pick.check()?),
        Command::Stages { pick } => stages::run(&pick.check()?),
        Command::Solution { pick } => solution::run(project, &pick.check()?),
        Command::Reset { pick, confirm } => {
            reset::run(project, &pick.check()?, confirm == Some(Confirm::Yes))
        }
        Command::Semantics { pick, run } => semantics::run(project, &pick.suite_kernels()?, run),
        Command::Kernel { pick } => kernel::run(project, &pick.check()?),
        Command::Image { pick } => image::run(project, &pick.check()?),
        Command::Bench { pick, runs, only } => bench::run(project, &pick.check()?, runs, &only),
        Command::BenchReport { from } => bench_report::run(project, &from),
        Command::Soak { pick, runs } => soak::run(project, &pick.check()?, runs),
        Command::Book { serve, port } => book::run(project, serve, port),
        Command::Record { pick } => record::run(project, &pick.check()?),
        Command::BookPreprocess { args } => book::preprocess(project, &args),
        Command::Check => check::run(project),
        Command::Fmt => fmt::run(project),
        Command::Clean => clean::run(project),
        Command::Prepare { pick } => prepare::run(project, &pick.check()?),
        Command::CheckImage { file } => check_image::run(&file),
        Command::Boot { file, run } => boot::run(project, &file, run),
        Command::Help => print_listing(&super::help::make_help()),
    }
}
