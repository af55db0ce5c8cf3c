// SPDX-License-Identifier: BSD-2-Clause

//! The suite's report, as it prints it after the kernel's boot messages (libtest's format and an
//! end marker; the module above shows it), read: each case's line, its answer and the kernel's
//! messages beside it, and the generated table of every case on every kernel
//! (docs/kernel-semantics-cases.md).

use std::collections::HashSet;

const RUNNING: &str = "running ";
const CASE: &str = "test ";
const SEPARATOR: &str = " ... ";
const RESULT: &str = "test result: ";
/// The suite's last line: the host stops reading here.
pub const END: &str = "paging semantics: end";

/// One `test` line of the log.
#[derive(Debug, PartialEq, Eq, Default)]
pub struct CaseLine {
    pub name: String,
    /// `None` when it passed; otherwise the text after `FAILED: ` (expected and actual).
    pub failure: Option<String>,
    /// Whatever followed the name if it was neither `ok` nor `FAILED: ...`.
    pub garbled: Option<String>,
    /// What a passed case checked: the text after `ok: ` (the kernel's whole answer, and the
    /// warning it expects on the console, if any).
    pub checked: Option<String>,
    /// The kernel's console messages (`<<seL4(...) [function/line ...]: text>>`) printed while
    /// the case ran: between the line before it and its own.
    pub console: Vec<Message>,
}

/// A message of the kernel's console: where the kernel printed it (`userError`'s function and
/// line), where it says, and its text.
#[derive(Debug, PartialEq, Eq, Default, Clone)]
pub struct Message {
    pub origin: Option<(String, usize)>,
    pub text: String,
}

impl Message {
    /// `<<seL4(CPU 0) [where ...]: text>>`, read.
    fn parse(line: &str) -> Option<Self> {
        let inner = line.strip_prefix("<<seL4(")?.strip_suffix(">>")?;
        let Some((place, text)) = inner.split_once("]: ") else {
            return Some(Self {
                origin: None,
                text: inner.to_owned(),
            });
        };
        let origin = place
            .split_once('[')
            .and_then(|(_, place)| place.split_whitespace().next())
            .and_then(|place| place.split_once('/'))
            .and_then(|(function, line)| Some((function.to_owned(), line.parse().ok()?)));
        Some(Self {
            origin,
            text: text.to_owned(),
        })
    }
}

/// How a case's result line names the kernel's warning it expects.
const WARNS: &str = ", the kernel warns \"";

impl CaseLine {
    /// What a passed case's kernel answered (its `ok` text without the site and the warning).
    pub fn answer(&self) -> Option<&str> {
        let checked = self.checked.as_deref()?;
        let answer = checked.split_once(WARNS).map_or(checked, |(a, _)| a);
        Some(match answer.rsplit_once(" [") {
            Some((answer, site)) if site.ends_with(']') => answer,
            _ => answer,
        })
    }

    /// The error site a passed case names (`arm/64/kernel/vspace.c:1573`): where the kernel
    /// refused, for a case that expects a refusal.
    pub fn site(&self) -> Option<&str> {
        let checked = self.checked.as_deref()?;
        let answer = checked.split_once(WARNS).map_or(checked, |(a, _)| a);
        let (_, site) = answer.rsplit_once(" [")?;
        site.strip_suffix(']')
    }

    /// A passed case that answers a bare NoError: it did not show what the kernel did (a success
    /// answers `seL4_NoError, then <what the case saw>`), so a NoError that did nothing would pass.
    fn unseen_success(&self) -> Option<String> {
        (self.answer() == Some("seL4_NoError")).then(|| {
            "seL4_NoError, but the case does not show what the kernel did (Outcome::Seen)".into()
        })
    }

    /// Whether its answer is a refusal: an error, not success or a fault.
    pub fn refused(&self) -> bool {
        self.answer()
            .is_some_and(|a| a.starts_with("seL4_") && !a.starts_with("seL4_NoError"))
    }

    /// Where the kernel's console disagrees with a passed case: a warning it expects did not
    /// come, or a case that expects success (or a fault) got a message it does not expect. (An
    /// error's own explanation, which the debug kernel prints with it, is not checked.)
    pub fn console_problem(&self) -> Option<String> {
        let checked = self.checked.as_deref()?;
        let (answer, warning) = match checked.split_once(WARNS) {
            Some((answer, warning)) => (answer, warning.strip_suffix('"')),
            None => (checked, None),
        };
        if let Some(warning) = warning
            && !self.console.iter().any(|m| m.text.contains(warning))
        {
            return Some(format!(
                "expected the kernel to warn \"{warning}\" on the console; it did not"
            ));
        }
        let success = ["seL4_NoError", "no fault", "a VM fault"]
            .iter()
            .any(|s| answer.starts_with(s));
        let unexpected = self
            .console
            .iter()
            .find(|m| success && !warning.is_some_and(|w| m.text.contains(w)))?;
        Some(format!(
            "{answer}, but the kernel printed \"{}\", which the case does not expect",
            unexpected.text
        ))
    }
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// From `running N tests`.
    pub announced: Option<usize>,
    pub cases: Vec<CaseLine>,
    /// From `test result: ok. N passed; M failed`.
    pub summary: Option<(usize, usize)>,
    /// Whether the end marker was seen.
    pub ended: bool,
}

impl Report {
    pub fn parse<S: AsRef<str>>(lines: &[S]) -> Self {
        let mut report = Report::default();
        let mut console = Vec::new();
        for line in lines.iter().map(AsRef::as_ref) {
            if let Some(message) = Message::parse(line) {
                console.push(message);
            } else if line == END {
                report.ended = true;
            } else if let Some(rest) = line.strip_prefix(RESULT) {
                report.summary = parse_summary(rest);
            } else if let Some(n) = line
                .strip_prefix(RUNNING)
                .and_then(|rest| rest.strip_suffix(" tests"))
            {
                report.announced = n.parse().ok();
            } else if let Some(rest) = line.strip_prefix(CASE)
                && let Some((name, verdict)) = rest.split_once(SEPARATOR)
            {
                let mut case = CaseLine {
                    name: name.to_owned(),
                    console: std::mem::take(&mut console),
                    ..CaseLine::default()
                };
                match verdict {
                    "ok" => {}
                    v if v.starts_with("ok: ") => case.checked = Some(v[4..].to_owned()),
                    v => match v.strip_prefix("FAILED: ") {
                        Some(why) => case.failure = Some(why.to_owned()),
                        None => case.garbled = Some(v.to_owned()),
                    },
                }
                report.cases.push(case);
            }
        }
        report
    }

    /// The cases that failed, as `<name>: <expected and actual>`: those the suite failed, and
    /// those whose kernel console disagrees ([`CaseLine::console_problem`]).
    pub fn failures(&self) -> Vec<String> {
        self.cases
            .iter()
            .filter_map(|c| {
                let why = c
                    .failure
                    .clone()
                    .or_else(|| c.unseen_success())
                    .or_else(|| c.console_problem())?;
                Some(format!("{}: {why}", c.name))
            })
            .collect()
    }

    /// What makes the report itself untrustworthy, failed cases aside.
    pub fn inconsistencies(&self) -> Vec<String> {
        let mut problems = Vec::new();
        match self.announced {
            None => problems.push("no `running N tests` line".to_owned()),
            Some(n) if n != self.cases.len() => problems.push(format!(
                "{n} tests announced, {} test lines seen",
                self.cases.len()
            )),
            Some(_) => {}
        }
        let mut seen = HashSet::new();
        for case in &self.cases {
            if !seen.insert(case.name.as_str()) {
                problems.push(format!("test {} appears more than once", case.name));
            }
            if let Some(text) = &case.garbled {
                problems.push(format!(
                    "test {}: neither `ok` nor `FAILED: ...`: `{text}`",
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
            None => problems.push("no summary line `test result: ...`".into()),
            Some(summary) if summary != (passed, failed) => problems.push(format!(
                "the summary says {} passed, {} failed; the test lines say {passed} and {failed}",
                summary.0, summary.1
            )),
            Some(_) => {}
        }
        if !self.ended {
            problems.push(format!("no end marker `{END}`"));
        }
        problems
    }

    pub fn names(&self) -> Vec<&str> {
        self.cases.iter().map(|c| c.name.as_str()).collect()
    }
}

/// `ok. 3 passed; 1 failed` (or `FAILED. ...`): the counts, if the verdict agrees with them.
fn parse_summary(text: &str) -> Option<(usize, usize)> {
    let (verdict, counts) = text.split_once(". ")?;
    let (passed, failed) = counts.split_once(" passed; ")?;
    let (passed, failed): (usize, usize) = (
        passed.parse().ok()?,
        failed.strip_suffix(" failed")?.parse().ok()?,
    );
    let agrees = match verdict {
        "ok" => failed == 0,
        "FAILED" => failed > 0,
        _ => false,
    };
    agrees.then_some((passed, failed))
}

/// What a passed case's cell says where the case does not exist on that architecture.
const ABSENT: &str = "–";

/// docs/kernel-semantics-cases.md: a row per case (in the order the first architecture that has
/// it runs it), a column per architecture, each cell what the case checked there (its `ok` line).
pub fn cases_table(columns: &[(&str, &Report)]) -> String {
    let mut names: Vec<&str> = Vec::new();
    for (_, report) in columns {
        for name in report.names() {
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    let mut text = String::from(
        "# Every case, on every kernel\n\n\
         Made by `make semantics` (every kernel) from the paging-semantics suite's own \
         report: each cell is\nwhat the case checked on that kernel, its `ok` line; `–` where \
         the case does not apply there.\n`make test` holds each column to its kernel's boot \
         (tests/paging_semantics.rs). The summary, with\nthe kernel sources and the tutorial \
         text beside each behaviour, is [kernel-semantics.md](kernel-semantics.md).\n\n| case |",
    );
    for (arch, _) in columns {
        text.push_str(&format!(" {arch} |"));
    }
    text.push_str("\n| --- |");
    text.push_str(&" --- |".repeat(columns.len()));
    text.push('\n');
    for name in names {
        text.push_str(&format!("| `{name}` |"));
        for (_, report) in columns {
            text.push_str(&format!(" {} |", cell(report, name)));
        }
        text.push('\n');
    }
    text
}

fn cell(report: &Report, name: &str) -> String {
    report
        .cases
        .iter()
        .find(|c| c.name == name)
        .map_or(ABSENT.to_owned(), |c| {
            c.checked
                .clone()
                .unwrap_or_else(|| "FAILED".into())
                .replace('|', "\\|")
        })
}

/// Where `arch`'s column of the table `text` disagrees with its `report`: a line per case.
pub fn column_disagreements(text: &str, arch: &str, report: &Report) -> Vec<String> {
    let mut lines = text.lines().filter(|l| l.starts_with('|'));
    let Some(header) = lines.next() else {
        return vec!["the table has no header".into()];
    };
    let Some(column) = header.split('|').map(str::trim).position(|c| c == arch) else {
        return vec![format!("the table has no column {arch}")];
    };
    let mut wrong = Vec::new();
    let mut seen = Vec::new();
    for line in lines.skip(1) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let name = cells.get(1).map_or("", |c| c.trim_matches('`'));
        seen.push(name.to_owned());
        let documented = cells.get(column).copied().unwrap_or_default();
        let actual = cell(report, name);
        if documented != actual {
            wrong.push(format!(
                "{name}: the table says `{documented}`, the kernel `{actual}`"
            ));
        }
    }
    for name in report.names() {
        if !seen.iter().any(|s| s == name) {
            wrong.push(format!("{name}: ran, but the table has no row for it"));
        }
    }
    wrong
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "\
Booting all finished, dropped to user space
running 2 tests
test topic::a ... ok
<<seL4(CPU 0) [decodeX86FrameInvocation/995]: X86Frame: ...>>
test topic::b ... FAILED: expected seL4_AlignmentError, got seL4_NoError (kernel: x)
test result: FAILED. 1 passed; 1 failed
paging semantics: end";

    fn lines(text: &str) -> Vec<&str> {
        text.lines().collect()
    }

    #[test]
    fn a_report_is_read_from_the_log() {
        let report = Report::parse(&lines(GOOD));
        assert_eq!(report.announced, Some(2));
        assert_eq!(report.summary, Some((1, 1)));
        assert!(report.ended);
        assert_eq!(report.names(), ["topic::a", "topic::b"]);
        assert_eq!(
            report.failures(),
            ["topic::b: expected seL4_AlignmentError, got seL4_NoError (kernel: x)"]
        );
        assert!(
            report.inconsistencies().is_empty(),
            "{:?}",
            report.inconsistencies()
        );
    }

    #[test]
    fn a_report_that_does_not_add_up_is_caught() {
        let missing_summary = Report::parse(&lines(
            "running 1 tests\ntest a ... ok\npaging semantics: end",
        ));
        assert_eq!(
            missing_summary.inconsistencies(),
            ["no summary line `test result: ...`"]
        );

        let no_end = Report::parse(&lines(
            "running 1 tests\ntest a ... ok\ntest result: ok. 1 passed; 0 failed",
        ));
        assert_eq!(
            no_end.inconsistencies(),
            ["no end marker `paging semantics: end`"]
        );

        let twice = Report::parse(&lines(
            "running 2 tests\ntest a ... ok\ntest a ... ok\ntest result: ok. 2 passed; 0 failed\npaging semantics: end",
        ));
        assert_eq!(twice.inconsistencies(), ["test a appears more than once"]);

        let short = Report::parse(&lines(
            "running 3 tests\ntest a ... ok\ntest result: ok. 3 passed; 0 failed\npaging semantics: end",
        ));
        assert_eq!(
            short.inconsistencies(),
            [
                "3 tests announced, 1 test lines seen",
                "the summary says 3 passed, 0 failed; the test lines say 1 and 0"
            ]
        );

        let garbled = Report::parse(&lines(
            "running 1 tests\ntest a ... maybe\ntest result: ok. 0 passed; 0 failed\npaging semantics: end",
        ));
        assert_eq!(
            garbled.inconsistencies(),
            ["test a: neither `ok` nor `FAILED: ...`: `maybe`"]
        );
    }

    #[test]
    fn the_kernels_console_is_held_to_each_case() {
        let log = "\
running 4 tests
<<seL4(CPU 0) [maskVMRights/188 T0x80ffe09400 \"rootserver\" @22c6dc]: Attempted to make unsupported write only mapping>>
test rights::warned ... ok: seL4_NoError, then a read there faults, the kernel warns \"unsupported write only mapping\"
test rights::silent ... ok: seL4_NoError, then a read there faults, the kernel warns \"unsupported write only mapping\"
<<seL4(CPU 0) [decodeX86FrameInvocation/995]: X86Frame: Attempting to map frame into multiple addresses>>
test mapped::error_explained ... ok: seL4_InvalidArgument (argument 0)
<<seL4(CPU 0) [decodeX86FrameInvocation/995]: X86Frame: Mapping address too high.>>
test access::fault ... ok: a VM fault: a read where nothing is mapped
test result: ok. 4 passed; 0 failed
paging semantics: end";
        let report = Report::parse(&lines(log));
        assert_eq!(
            report.cases[0].console,
            [Message {
                origin: Some(("maskVMRights".into(), 188)),
                text: "Attempted to make unsupported write only mapping".into()
            }]
        );
        assert_eq!(
            report.failures(),
            [
                "rights::silent: expected the kernel to warn \"unsupported write only mapping\" on the console; it did not",
                "access::fault: a VM fault: a read where nothing is mapped, but the kernel printed \"X86Frame: Mapping address too high.\", which the case does not expect"
            ]
        );
    }

    #[test]
    fn the_cases_table_is_made_from_the_reports_and_read_back_per_column() {
        let a = Report::parse(&lines(
            "running 2 tests\ntest t::one ... ok: seL4_NoError\ntest t::two ... ok: seL4_FailedLookup at level 39\ntest result: ok. 2 passed; 0 failed\npaging semantics: end",
        ));
        let b = Report::parse(&lines(
            "running 1 tests\ntest t::one ... ok: seL4_InvalidArgument (argument 0)\ntest result: ok. 1 passed; 0 failed\npaging semantics: end",
        ));
        let table = cases_table(&[("x86_64", &a), ("riscv32", &b)]);
        assert!(
            table.contains("| `t::one` | seL4_NoError | seL4_InvalidArgument (argument 0) |"),
            "{table}"
        );
        assert!(
            table.contains("| `t::two` | seL4_FailedLookup at level 39 | – |"),
            "{table}"
        );
        assert!(column_disagreements(&table, "x86_64", &a).is_empty());
        assert!(column_disagreements(&table, "riscv32", &b).is_empty());
        assert_eq!(
            column_disagreements(&table, "riscv32", &a),
            [
                "t::one: the table says `seL4_InvalidArgument (argument 0)`, the kernel `seL4_NoError`",
                "t::two: the table says `–`, the kernel `seL4_FailedLookup at level 39`"
            ]
        );
    }

    #[test]
    fn a_success_that_shows_nothing_fails_and_a_refusal_names_its_site() {
        let report = Report::parse(&lines(
            "running 3 tests\ntest t::bare ... ok: seL4_NoError\ntest t::seen ... ok: seL4_NoError, then a frame maps below it\ntest t::refused ... ok: seL4_InvalidArgument (argument 0) [arm/64/kernel/vspace.c:1573]\ntest result: ok. 3 passed; 0 failed\npaging semantics: end",
        ));
        assert_eq!(
            report.failures(),
            [
                "t::bare: seL4_NoError, but the case does not show what the kernel did (Outcome::Seen)"
            ]
        );
        let refused = &report.cases[2];
        assert!(refused.refused() && !report.cases[1].refused());
        assert_eq!(refused.answer(), Some("seL4_InvalidArgument (argument 0)"));
        assert_eq!(refused.site(), Some("arm/64/kernel/vspace.c:1573"));
        assert_eq!(report.cases[1].site(), None);
    }

    #[test]
    fn a_summary_whose_verdict_contradicts_its_counts_is_no_summary() {
        assert_eq!(parse_summary("ok. 3 passed; 0 failed"), Some((3, 0)));
        assert_eq!(parse_summary("FAILED. 2 passed; 1 failed"), Some((2, 1)));
        assert_eq!(parse_summary("ok. 2 passed; 1 failed"), None);
        assert_eq!(parse_summary("FAILED. 3 passed; 0 failed"), None);
        assert_eq!(parse_summary("ok. three passed; 0 failed"), None);
    }
}
