// SPDX-License-Identifier: BSD-2-Clause

//! Builds a stage, boots it and checks its boot log against tests/expected/<arch>/<stage>.txt.

pub mod expect;

use std::fmt::Write as _;
use std::fs;

use anyhow::{Context, Result, anyhow, bail};

use crate::boot::Boot;
use crate::boot::qemu::{Outcome, Run, Step};
use crate::catalogue::StageRef;
use crate::check::expect::{Matcher, Verdict};
use crate::image::elf_check;
use crate::image::{self, Image, Source};
use crate::project::Project;
use crate::support::process::Output;
use crate::walk::{self, Walk};

/// A stage that booted and printed every expected line.
pub struct Passed {
    pub run: Run,
    pub image: Image,
    /// Its walks, where the stage has expected ones (tests/expected/<arch>/<stage>.walk): each
    /// `*_VADDR` of its file through the tables the kernel wrote, once the program had ended.
    pub walks: Vec<Walk>,
}

/// Builds `stage`, checks its image, boots it and matches its log, and, where the stage has
/// expected walks, its walks; on failure, the error says where the log or the walk diverged and
/// includes it.
pub fn boot_stage(project: &Project, stage: StageRef) -> Result<Passed> {
    boot_stage_walking(project, stage, true)
}

/// [`boot_stage`] without the walk, whose gdb stub and breakpoint are not part of a plain boot
/// (`make bench` times QEMU's start to the last line).
pub fn boot_stage_unwalked(project: &Project, stage: StageRef) -> Result<Passed> {
    boot_stage_walking(project, stage, false)
}

fn boot_stage_walking(project: &Project, stage: StageRef, walking: bool) -> Result<Passed> {
    let source = Source::Stage(stage);
    let image = build_checked_image(project, &source, Output::Captured)?;
    let walk_path = project.expected_walk(stage.arch, stage.name());
    let expected_walk = match walking && walk_path.exists() {
        true => {
            Some(fs::read_to_string(&walk_path).with_context(|| walk_path.display().to_string())?)
        }
        false => None,
    };

    let expected_path = project.expected_log(stage.arch, stage.name());
    let expected =
        fs::read_to_string(&expected_path).with_context(|| expected_path.display().to_string())?;
    let mut matcher = Matcher::new(expect::parse(&expected));
    let mut ending = None;
    let boot = Boot::quiet(format!("test-{}-{}", stage.arch, stage.name()));
    let on_line = |line: &str| match matcher.feed(line) {
        Verdict::Continue => Step::Continue,
        Verdict::Complete => Step::Stop,
        Verdict::Ended => {
            ending.get_or_insert_with(|| line.to_owned());
            Step::StopWhenQuiet
        }
    };
    let mut walked = None;
    let run = match &expected_walk {
        None => boot.run(project, &image, on_line)?,
        Some(_) => {
            let addresses = walk::addresses::addresses_for(project, &source, None)?;
            boot.run_walking(project, &image, &addresses, on_line, |walks| {
                walked = Some(walks);
            })?
        }
    };

    if matcher.is_complete() && ending.is_none() {
        let walks = match (expected_walk, walked) {
            (None, _) => Vec::new(),
            (Some(expected), Some(Ok(walks))) => {
                check_walks(stage, &walk_path.display().to_string(), &expected, &walks)?;
                let disagree = walk::compare::disagreements(&walks, &run.lines);
                if !disagree.is_empty() {
                    bail!(
                        "{} stage '{}': the walk and the kernel disagree: {}\n{}",
                        stage.arch,
                        stage.name(),
                        disagree.join("; "),
                        walk::draw::render_all(&walks)
                    );
                }
                walks
            }
            (Some(_), Some(Err(error))) => {
                return Err(error.context(format!(
                    "{} stage '{}': no walk",
                    stage.arch,
                    stage.name()
                )));
            }
            (Some(_), None) => bail!(
                "{} stage '{}': the run ended without a walk",
                stage.arch,
                stage.name()
            ),
        };
        return Ok(Passed { run, image, walks });
    }
    let why = match (&ending, &run.outcome) {
        (Some(line), _) => format!("the program ended with `{line}`"),
        (None, Outcome::Exited(status)) => format!("QEMU exited ({status})"),
        (None, Outcome::TimedOut(after)) => format!("nothing more came within {after:?}"),
        (None, Outcome::Stopped) => "the run stopped early".to_owned(),
    };
    Err(anyhow!(divergence_report(
        stage,
        &expected_path.display().to_string(),
        &matcher,
        &run,
        &why,
    )))
}

/// Builds the image of `source` and checks that its root task can run on seL4 (elf_check):
/// static, nothing dynamic, nothing from glibc, no SSE on x86_64.
pub fn build_checked_image(project: &Project, source: &Source, output: Output) -> Result<Image> {
    let image = image::build(project, source, output)?;
    let violations = elf_check::check_file(&image.root_task, image.arch)?;
    if !violations.is_empty() {
        let list: Vec<String> = violations.iter().map(ToString::to_string).collect();
        bail!(
            "the root task {} cannot run on seL4:\n  {}",
            image.root_task.display(),
            list.join("\n  ")
        );
    }
    Ok(image)
}

/// The walks' outlines against the expected ones (`*` matches any text), line by line.
fn check_walks(stage: StageRef, path: &str, expected: &str, walks: &[Walk]) -> Result<()> {
    let patterns = expect::parse(expected);
    let outline: Vec<String> = walks.iter().flat_map(Walk::outline).collect();
    let diverged = (0..patterns.len().max(outline.len())).find(
        |&n| !matches!((patterns.get(n), outline.get(n)), (Some(p), Some(l)) if p.matches(l)),
    );
    let Some(n) = diverged else {
        return Ok(());
    };
    let mut report = format!(
        "{} stage '{}': the walk diverged from {path} at its line {}\n  expected: {}\n  walked:   {}\n--- the walk ---\n",
        stage.arch,
        stage.name(),
        n + 1,
        patterns
            .get(n)
            .map_or("(nothing more)".to_owned(), |p| format!("`{p}`")),
        outline
            .get(n)
            .map_or("(nothing more)".to_owned(), |l| format!("`{l}`")),
    );
    report.push_str(&walk::draw::render_all(walks));
    report.push_str("--- end of the walk ---");
    bail!(report)
}

fn divergence_report(
    stage: StageRef,
    expected: &str,
    matcher: &Matcher,
    run: &Run,
    why: &str,
) -> String {
    let mut report = format!(
        "{} stage '{}': the boot log diverged from {expected}\n",
        stage.arch,
        stage.name()
    );
    match matcher.last_match() {
        Some((pattern, line)) => {
            let _ = writeln!(
                report,
                "  last expected line seen: `{pattern}` (log line {line})"
            );
        }
        None => report.push_str("  none of the expected lines was seen\n"),
    }
    if let Some(next) = matcher.waiting_for() {
        let _ = writeln!(report, "  expected next:           `{next}`");
    }
    let _ = writeln!(report, "  but {why}.");
    let _ = writeln!(report, "--- boot log ({}) ---", run.log_path.display());
    for (n, line) in run.lines.iter().enumerate() {
        let _ = writeln!(report, "{:4} | {line}", n + 1);
    }
    report.push_str("--- end of boot log ---");
    report
}
