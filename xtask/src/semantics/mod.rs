// SPDX-License-Identifier: BSD-2-Clause

//! The paging-semantics suite (paging-semantics/): build it, boot it, and read its report.
//!
//! The suite prints, after the kernel's boot messages, libtest's format and an end marker:
//!
//! ```text
//! running 139 tests
//! test missing::frame_with_no_structure_fails_at_the_top_level ... ok: seL4_FailedLookup at level 39 [x86/kernel/vspace.c:879]
//! test occupied::frame_where_another_frame_is_mapped ... FAILED: expected seL4_NoError, then ..., got ...
//! test result: FAILED. 138 passed; 1 failed
//! paging semantics: end
//! ```
//!
//! [`report`] reads those lines and says what is wrong with them: failed cases, and a report
//! that does not add up (a missing summary, a case run twice, counts that disagree). The suite's
//! case names are Rust function names, so the compiler already refuses two of one name in a
//! topic; the report check catches the rest. [`coverage`] holds each refusal to the place in the
//! kernel's source that returns it ([`sites`], read from the pinned source).

pub mod coverage;
pub mod report;
pub mod sites;

use std::time::Duration;

use anyhow::Result;

use crate::boot::Boot;
use crate::boot::qemu::{Outcome, Run, Step};
use crate::catalogue::Arch;
use crate::check::expect;
use crate::image::{self, Image, Source};
use crate::project::Project;
use crate::semantics::report::{END, Report};
use crate::support::process::Output;

/// A boot of the suite and what it reported.
pub struct Booted {
    pub run: Run,
    pub report: Report,
    /// The first line that ended the suite early (a fault report, a panic), if any.
    pub ending: Option<String>,
    /// Where its refusals disagree with the kernel's source (coverage::refusal_problems).
    pub refusals: Vec<String>,
}

/// Builds the suite, checks its image, boots it and stops at its summary line (or when it ends
/// some other way: a panic, a fault report, the timeout).
pub fn boot(
    project: &Project,
    arch: &'static Arch,
    output: Output,
    echo: bool,
    timeout: Duration,
) -> Result<Booted> {
    let image = crate::check::build_checked_image(project, &Source::Semantics(arch), output)?;
    let mut booted = boot_image(
        project,
        &image,
        &format!("paging-semantics-{arch}"),
        echo,
        timeout,
    )?;
    let kernel = crate::semantics::coverage::Kernel::load(project, arch)?;
    booted.refusals = crate::semantics::coverage::refusal_problems(&kernel, &booted.report)?;
    Ok(booted)
}

/// The suite's cargo feature that makes three expectations wrong on purpose (main.rs says which):
/// a wrong fault status, a wrong capability index, and a kernel warning left undeclared.
pub const MUTATION: &str = "paging-semantics/mutation";

/// The cases [`MUTATION`] makes wrong, each of which must fail.
pub const MUTATED: [&str; 3] = [
    "access::write_to_read_only_mapping_faults",
    "vspace::frame_into_a_cnode_is_invalid_capability",
    "rights::write_only_request_maps",
];

/// Builds the suite with [`MUTATION`] and boots it, as [`boot`] does.
pub fn boot_mutated(project: &Project, arch: &'static Arch, timeout: Duration) -> Result<Booted> {
    let image = image::build_with_features(
        project,
        &Source::Semantics(arch),
        Output::Captured,
        &[MUTATION],
    )?;
    boot_image(
        project,
        &image,
        &format!("paging-semantics-mutated-{arch}"),
        false,
        timeout,
    )
}

fn boot_image(
    project: &Project,
    image: &Image,
    name: &str,
    echo: bool,
    timeout: Duration,
) -> Result<Booted> {
    let mut boot = Boot::quiet(name).timeout(Some(timeout));
    if echo {
        boot = boot.echo();
    }
    let mut ending = None;
    let run = boot.run(project, image, |line| {
        if line == END {
            Step::Stop
        } else if expect::is_ending(line) {
            ending.get_or_insert_with(|| line.to_owned());
            Step::StopWhenQuiet
        } else {
            Step::Continue
        }
    })?;
    let report = Report::parse(&run.lines);
    Ok(Booted {
        run,
        report,
        ending,
        refusals: Vec::new(),
    })
}

/// What went wrong in a boot, as one message; `None` if every case passed and the report adds
/// up.
pub fn verdict(booted: &Booted) -> Option<String> {
    let mut failures = booted.report.failures();
    failures.extend(booted.refusals.iter().cloned());
    let mut problems = booted.report.inconsistencies();
    if !booted.report.ended {
        problems.push(match &booted.run.outcome {
            Outcome::TimedOut(after) => format!("no end marker within {after:?}"),
            Outcome::Exited(status) => format!("QEMU exited ({status}) before the end marker"),
            Outcome::Stopped => format!(
                "the suite ended before its end, with `{}`, in the case after {}",
                booted.ending.as_deref().unwrap_or_default(),
                booted.report.names().last().unwrap_or(&"(none)")
            ),
        });
    }
    if failures.is_empty() && problems.is_empty() {
        return None;
    }
    let mut message = String::new();
    if !failures.is_empty() {
        message.push_str(&format!(
            "{} paging-semantics case(s) failed:\n",
            failures.len()
        ));
        for f in &failures {
            message.push_str(&format!("  {f}\n"));
        }
    }
    if !problems.is_empty() {
        message.push_str("the suite's report does not add up:\n");
        for p in &problems {
            message.push_str(&format!("  {p}\n"));
        }
    }
    message.push_str(&format!(
        "the whole boot log is in {}",
        booted.run.log_path.display()
    ));
    Some(message)
}
