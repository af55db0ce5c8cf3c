// SPDX-License-Identifier: BSD-2-Clause

//! The paging-semantics suite (paging-semantics/): build it, boot it, and read its report.
//!
//! The suite prints, after the kernel's boot messages:
//!
//! ```text
//! paging semantics: 52 cases
//! case <name> ... ok
//! case <name> ... FAILED: expected seL4_X, got seL4_Y (kernel: ...)
//! paging semantics: 43 passed, 1 failed
//! ```
//!
//! [`Report`] reads those lines and says what is wrong with them: failed cases, and a report
//! that does not add up (a missing summary, a case run twice, counts that disagree). The case
//! table in paging-semantics/src/main.rs is read too ([`source_cases`]), so that a test can
//! check, without booting, that every case has its fields and a name of its own.

use std::collections::HashSet;
use std::time::Duration;

use crate::catalogue::Arch;
use crate::command::Output;
use crate::image::{SEMANTICS, Source};
use crate::project::Project;
use crate::qemu::{self, Outcome, Run, RunOptions, Step};
use crate::{boot, expect};

const HEADER: &str = "paging semantics: ";
const CASE: &str = "case ";
const SEPARATOR: &str = " ... ";

/// One `case` line of the log.
#[derive(Debug, PartialEq, Eq)]
pub struct CaseLine {
    pub name: String,
    /// `None` when it passed; otherwise the text after `FAILED: ` (expected and actual).
    pub failure: Option<String>,
    /// Whatever followed the name if it was neither `ok` nor `FAILED: ...`.
    pub garbled: Option<String>,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// From `paging semantics: N cases`.
    pub announced: Option<usize>,
    pub cases: Vec<CaseLine>,
    /// From `paging semantics: N passed, M failed`.
    pub summary: Option<(usize, usize)>,
}

impl Report {
    pub fn parse<S: AsRef<str>>(lines: &[S]) -> Self {
        let mut report = Report::default();
        for line in lines.iter().map(AsRef::as_ref) {
            if let Some(rest) = line.strip_prefix(HEADER) {
                if let Some(n) = rest.strip_suffix(" cases") {
                    report.announced = n.parse().ok();
                } else if let Some((passed, failed)) = rest.split_once(" passed, ")
                    && let (Ok(p), Some(Ok(f))) = (
                        passed.parse(),
                        failed.strip_suffix(" failed").map(str::parse),
                    )
                {
                    report.summary = Some((p, f));
                }
            } else if let Some(rest) = line.strip_prefix(CASE)
                && let Some((name, verdict)) = rest.split_once(SEPARATOR)
            {
                let (failure, garbled) = match verdict {
                    "ok" => (None, None),
                    v => match v.strip_prefix("FAILED: ") {
                        Some(why) => (Some(why.to_owned()), None),
                        None => (None, Some(v.to_owned())),
                    },
                };
                report.cases.push(CaseLine {
                    name: name.to_owned(),
                    failure,
                    garbled,
                });
            }
        }
        report
    }

    /// The cases that failed, as `<name>: <expected and actual>`.
    pub fn failures(&self) -> Vec<String> {
        self.cases
            .iter()
            .filter_map(|c| c.failure.as_ref().map(|why| format!("{}: {why}", c.name)))
            .collect()
    }

    /// What makes the report itself untrustworthy, failed cases aside.
    pub fn inconsistencies(&self) -> Vec<String> {
        let mut problems = Vec::new();
        match self.announced {
            None => problems.push("no `paging semantics: N cases` line".to_owned()),
            Some(n) if n != self.cases.len() => problems.push(format!(
                "{n} cases announced, {} case lines seen",
                self.cases.len()
            )),
            Some(_) => {}
        }
        let mut seen = HashSet::new();
        for case in &self.cases {
            if !seen.insert(case.name.as_str()) {
                problems.push(format!("case {} appears more than once", case.name));
            }
            if let Some(text) = &case.garbled {
                problems.push(format!(
                    "case {}: neither `ok` nor `FAILED: ...`: `{text}`",
                    case.name
                ));
            }
        }
        let failed = self.cases.iter().filter(|c| c.failure.is_some()).count();
        let passed = self
            .cases
            .iter()
            .filter(|c| c.failure.is_none() && c.garbled.is_none())
            .count();
        match self.summary {
            None => problems.push("no summary line `paging semantics: N passed, M failed`".into()),
            Some(summary) if summary != (passed, failed) => problems.push(format!(
                "the summary says {} passed, {} failed; the case lines say {passed} and {failed}",
                summary.0, summary.1
            )),
            Some(_) => {}
        }
        problems
    }

    pub fn names(&self) -> Vec<&str> {
        self.cases.iter().map(|c| c.name.as_str()).collect()
    }
}

/// The case names in paging-semantics/src/main.rs's `CASES` table, in order. Fails if a case
/// lacks one of its fields (name, expected outcome, kernel reference, function) or a name is used
/// twice.
pub fn source_cases(source: &str) -> Result<Vec<String>, String> {
    let table = source
        .split_once("static CASES: &[Case] = &[")
        .map(|(_, rest)| rest)
        .ok_or("no `static CASES: &[Case] = &[` table")?;
    let table = table
        .split_once("\n];")
        .map(|(t, _)| t)
        .ok_or("the CASES table has no end (`];` on a line of its own)")?;
    let mut names = Vec::new();
    // Each entry starts with a line `    Case {`; the text before the first is comments.
    for (index, entry) in table.split("\n    Case {").skip(1).enumerate() {
        let field = |key: &str| {
            entry
                .lines()
                .map(str::trim)
                .find_map(|l| l.strip_prefix(key))
                .map(str::to_owned)
        };
        let name = field("name: \"")
            .and_then(|n| n.split_once('"').map(|(n, _)| n.to_owned()))
            .ok_or_else(|| format!("case #{} has no `name: \"...\"`", index + 1))?;
        for key in ["expected: ", "kernel: \"", "run: "] {
            if field(key).is_none_or(|v| v.trim().is_empty()) {
                return Err(format!(
                    "case {name} has no `{}`",
                    key.trim_end_matches('"')
                ));
            }
        }
        if names.contains(&name) {
            return Err(format!("two cases are named {name}"));
        }
        names.push(name);
    }
    Ok(names)
}

/// The suite's source file.
pub fn source_path(project: &Project) -> std::path::PathBuf {
    project.root().join(SEMANTICS).join("src/main.rs")
}

/// A boot of the suite and what it reported.
pub struct Booted {
    pub run: Run,
    pub report: Report,
    /// The first line that ended the suite early (a fault report, a panic), if any.
    pub ending: Option<String>,
}

/// Builds the suite, checks its image, boots it and stops at its summary line (or when it ends
/// some other way: a panic, a fault report, the timeout).
pub fn boot(
    project: &Project,
    arch: &'static Arch,
    output: Output,
    echo: bool,
    timeout: Duration,
) -> Result<Booted, String> {
    let image = crate::boot_check::build_checked_image(project, &Source::Semantics(arch), output)?;
    let command = boot::command(project, &image)?;
    let log_path = project
        .logs_dir()
        .join(format!("paging-semantics-{arch}.log"));
    let options = RunOptions {
        timeout: Some(timeout),
        echo,
        interactive: false,
        log_path: &log_path,
        quiet_note: None,
    };
    let mut ending = None;
    let run = qemu::run(command, &options, |line| {
        if Report::parse(&[line]).summary.is_some() {
            Step::Stop
        } else if expect::is_ending(line) {
            ending.get_or_insert_with(|| line.to_owned());
            Step::StopWhenQuiet
        } else {
            Step::Continue
        }
    })
    .map_err(|e| e.to_string())?;
    let report = Report::parse(&run.lines);
    Ok(Booted {
        run,
        report,
        ending,
    })
}

/// What went wrong in a boot, as one message; `None` if every case passed and the report adds
/// up.
pub fn verdict(booted: &Booted) -> Option<String> {
    let failures = booted.report.failures();
    let mut problems = booted.report.inconsistencies();
    if booted.report.summary.is_none() {
        problems.push(match &booted.run.outcome {
            Outcome::TimedOut(after) => format!("no summary within {after:?}"),
            Outcome::Exited(status) => format!("QEMU exited ({status}) before the summary"),
            Outcome::Stopped => format!(
                "the suite ended before its summary, with `{}`, in the case after {}",
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

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "\
Booting all finished, dropped to user space
paging semantics: 2 cases
case a ... ok
<<seL4(CPU 0) [decodeX86FrameInvocation/995]: X86Frame: ...>>
case b ... FAILED: expected seL4_AlignmentError, got seL4_NoError (kernel: x)
paging semantics: 1 passed, 1 failed";

    fn lines(text: &str) -> Vec<&str> {
        text.lines().collect()
    }

    #[test]
    fn a_report_is_read_from_the_log() {
        let report = Report::parse(&lines(GOOD));
        assert_eq!(report.announced, Some(2));
        assert_eq!(report.summary, Some((1, 1)));
        assert_eq!(report.names(), ["a", "b"]);
        assert_eq!(
            report.failures(),
            ["b: expected seL4_AlignmentError, got seL4_NoError (kernel: x)"]
        );
        assert!(
            report.inconsistencies().is_empty(),
            "{:?}",
            report.inconsistencies()
        );
    }

    #[test]
    fn a_report_that_does_not_add_up_is_caught() {
        let missing_summary = Report::parse(&lines("paging semantics: 1 cases\ncase a ... ok"));
        assert!(missing_summary.inconsistencies()[0].starts_with("no summary"));

        let twice = Report::parse(&lines(
            "paging semantics: 2 cases\ncase a ... ok\ncase a ... ok\npaging semantics: 2 passed, 0 failed",
        ));
        assert_eq!(twice.inconsistencies(), ["case a appears more than once"]);

        let short = Report::parse(&lines(
            "paging semantics: 3 cases\ncase a ... ok\npaging semantics: 3 passed, 0 failed",
        ));
        assert_eq!(
            short.inconsistencies(),
            [
                "3 cases announced, 1 case lines seen",
                "the summary says 3 passed, 0 failed; the case lines say 1 and 0"
            ]
        );

        let garbled = Report::parse(&lines(
            "paging semantics: 1 cases\ncase a ... maybe\npaging semantics: 0 passed, 0 failed",
        ));
        assert_eq!(
            garbled.inconsistencies(),
            ["case a: neither `ok` nor `FAILED: ...`: `maybe`"]
        );
    }

    #[test]
    fn the_case_table_is_read_from_the_source() {
        let source = r#"
static CASES: &[Case] = &[
    // a comment
    Case {
        name: "one",
        expected: Outcome::Ok,
        kernel: "x86/vspace.c f",
        run: |env| Ok(Outcome::Ok),
    },
    Case {
        name: "two",
        expected: Outcome::Lookup(39),
        kernel: "x86/vspace.c g",
        run: |env| {
            Ok(Outcome::Ok)
        },
    },
];
"#;
        assert_eq!(source_cases(source).unwrap(), ["one", "two"]);
        let no_expected = source.replace("expected: Outcome::Ok,", "");
        assert_eq!(
            source_cases(&no_expected).unwrap_err(),
            "case one has no `expected: `"
        );
        let twice = source.replace("\"two\"", "\"one\"");
        assert_eq!(source_cases(&twice).unwrap_err(), "two cases are named one");
    }
}
