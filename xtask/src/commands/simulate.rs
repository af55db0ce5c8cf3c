// SPDX-License-Identifier: BSD-2-Clause

//! `make simulate`: the learner's file (or a stage) built and booted the way a learner runs it:
//! the whole boot shown, fault reports pointed at the source; a run from a terminal is left with
//! Ctrl-A x, others stop once the program has ended or at the timeout. The closing lines say where
//! the learner's file is.

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::Result;

use super::RunLimits;
use super::pick::Picked;
use super::shared::texts;
use crate::boot::Boot;
use crate::boot::debugger;
use crate::boot::qemu::{self, Outcome, Step};
use crate::boot::symbolize::Symbolizer;
use crate::catalogue::ExerciseRef;
use crate::check::expect;
use crate::image::kernel;
use crate::image::{self, Image, Source};
use crate::learner::observed;
use crate::project::Project;
use crate::support::process::Output;
use crate::walk;

/// `walk`: `Some` with WALK=1, holding ADDR= if given.
pub fn run(
    project: &Project,
    picked: &Picked,
    limits: RunLimits,
    gdb: Option<u16>,
    walk: Option<Option<&str>>,
) -> Result<ExitCode> {
    build_and_boot(project, picked, limits, gdb, walk, false)
}

/// `make walk`: the program run as `make simulate` runs it without a terminal, then the walk.
pub fn walk(
    project: &Project,
    picked: &Picked,
    limits: RunLimits,
    addr: Option<&str>,
) -> Result<ExitCode> {
    build_and_boot(project, picked, limits, None, Some(addr), true)
}

fn build_and_boot(
    project: &Project,
    picked: &Picked,
    limits: RunLimits,
    gdb: Option<u16>,
    walk: Option<Option<&str>>,
    unattended: bool,
) -> Result<ExitCode> {
    let source = picked.source();
    let addresses = match walk {
        Some(addr) => {
            // The kernel first: ADDR= is checked against its user range.
            kernel::ensure(project, source.arch(), Output::Shown)?;
            Some(walk::addresses::addresses_for(project, &source, addr)?)
        }
        None => None,
    };
    let image = image::build(project, &source, Output::Shown)?;
    let how = How {
        gdb,
        walk: addresses.as_deref(),
        unattended,
    };
    boot(project, &source, &image, limits, how, &picked.make_args())
}

/// How a boot goes, besides the image.
#[derive(Clone, Copy, Default)]
pub(super) struct How<'a> {
    /// Halted for gdb on this port.
    pub gdb: Option<u16>,
    /// These addresses walked once the program has ended.
    pub walk: Option<&'a [walk::Address]>,
    /// Ended by itself even from a terminal.
    pub unattended: bool,
}

/// Boots `image` (built from `source`); `pick` is make's arguments that name it (for the line
/// that says how to start gdb).
pub(super) fn boot(
    project: &Project,
    source: &Source,
    image: &Image,
    limits: RunLimits,
    how: How,
    pick: &str,
) -> Result<ExitCode> {
    let interactive = std::io::stdin().is_terminal() && !how.unattended;
    let what = match source {
        Source::Stage(stage) => format!(
            "{} stage '{}' ({})",
            stage.arch,
            stage.name(),
            stage.stage.summary
        ),
        _ => source.describe(),
    };
    let mut boot = Boot::quiet(format!("simulate-{}-{}", image.arch, source.name())).echo();
    if let Some(port) = how.gdb {
        boot = boot.args(debugger::qemu_args(port));
        let port_arg = match port {
            debugger::DEFAULT_PORT => String::new(),
            other => format!(" GDB_PORT={other}"),
        };
        eprintln!(
            "==> QEMU is halted, waiting for gdb on 127.0.0.1:{port}. In a second terminal: \
             make gdb{pick}{port_arg}"
        );
    }
    if interactive {
        eprintln!(
            "==> Booting seL4 ({}) with {what}. Quit QEMU with Ctrl-A x.",
            image.arch
        );
        // From a terminal, a run (a debugging session too) lasts until the learner quits QEMU;
        // the reminder would have scrolled away under the boot log.
        boot = boot
            .timeout(None)
            .interactive("==> The program has ended. Quit QEMU with Ctrl-A x.");
    } else {
        // Without a terminal nobody can press Ctrl-A x: TIMEOUT ends a run that does not end.
        eprintln!("==> Booting seL4 ({}) with {what}.", image.arch);
        boot = boot.timeout(Some(limits.timeout));
    }
    let symbolizer = Symbolizer::new(project, &image.root_task);
    let on_line = |line: &str| {
        // The runner has echoed the line; add where a fault report's addresses are in the source.
        for note in symbolizer.iter().flat_map(|s| s.annotate(line)) {
            println!("{note}");
        }
        // Stop once the program has clearly ended, unless the learner is there to quit.
        match expect::ending(line) {
            Some(_) if interactive => Step::NoteWhenQuiet,
            _ => expect::unattended_step(line),
        }
    };
    let mut walked = None;
    let run = match how.walk {
        None => boot.run(project, image, on_line)?,
        Some(addresses) => boot.run_walking(project, image, addresses, on_line, |walks| {
            // Printed while QEMU still runs: under the program's output, before the note.
            match &walks {
                Ok(walks) => print!("{}", walk::draw::render_all(walks)),
                Err(error) => eprintln!("==> No walk: {error:#}"),
            }
            walked = Some(walks.is_ok());
        })?,
    };
    if how.walk.is_some() && walked.is_none() {
        eprintln!("==> No walk: the program did not end (see above), so its tables were not read.");
    }

    let code = match run.outcome {
        _ if walked == Some(false) => ExitCode::FAILURE,
        Outcome::Stopped => ExitCode::SUCCESS,
        Outcome::Exited(_) if interactive => ExitCode::SUCCESS,
        Outcome::Exited(status) => {
            eprintln!(
                "==> QEMU exited ({status}) before the program ended; the log is in {}",
                run.log_path.display()
            );
            ExitCode::FAILURE
        }
        Outcome::TimedOut(after) => {
            eprintln!(
                "==> Nothing ended the run within {after:?}; QEMU was stopped. The log is in {}",
                run.log_path.display()
            );
            ExitCode::FAILURE
        }
    };
    if let Source::File(exercise) = source {
        eprintln!("==> {}", closing_lines(project, *exercise, &run)?);
    }
    Ok(code)
}

/// What the learner's file did in this run and what comes next (observed::describe): where
/// it is, as its TODOs say, only where the run printed what that stage prints.
fn closing_lines(project: &Project, exercise: ExerciseRef, run: &qemu::Run) -> Result<String> {
    let texts = texts(project, exercise)?;
    let observed = observed::ran(project, exercise, &run.lines);
    Ok(observed::describe(
        exercise,
        &texts.shipped,
        &texts.learner,
        &observed,
    ))
}
