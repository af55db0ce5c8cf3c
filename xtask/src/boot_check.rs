// SPDX-License-Identifier: BSD-2-Clause

//! Builds a stage, boots it and checks its boot log against tests/expected/<arch>/<stage>.txt.

use std::fmt::Write as _;
use std::fs;

use anyhow::{Context, Result, anyhow, bail};

use crate::boot::Boot;
use crate::catalogue::StageRef;
use crate::command::Output;
use crate::elf_check;
use crate::expect::{self, Matcher, Verdict};
use crate::image::{self, Image, Source};
use crate::project::Project;
use crate::qemu::{Outcome, Run, Step};

/// A stage that booted and printed every expected line.
pub struct Passed {
    pub run: Run,
    pub image: Image,
}

/// Builds `stage`, checks its image, boots it and matches its log; on failure, the error says
/// where the log diverged and includes the log.
pub fn boot_stage(project: &Project, stage: StageRef) -> Result<Passed> {
    let image = build_checked_image(project, &Source::Stage(stage), Output::Captured)?;

    let expected_path = project.expected_log(stage.arch, stage.name());
    let expected =
        fs::read_to_string(&expected_path).with_context(|| expected_path.display().to_string())?;
    let mut matcher = Matcher::new(expect::parse(&expected));
    let mut ending = None;
    let boot = Boot::quiet(format!("test-{}-{}", stage.arch, stage.name()));
    let run = boot.run(project, &image, |line| match matcher.feed(line) {
        Verdict::Continue => Step::Continue,
        Verdict::Complete => Step::Stop,
        Verdict::Ended => {
            ending.get_or_insert_with(|| line.to_owned());
            Step::StopWhenQuiet
        }
    })?;

    if matcher.is_complete() && ending.is_none() {
        return Ok(Passed { run, image });
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
