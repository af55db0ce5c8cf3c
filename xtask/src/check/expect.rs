// SPDX-License-Identifier: BSD-2-Clause

//! What a boot log must show: an ordered list of line patterns, and the lines that end a run.
//!
//! An expected-log file (tests/expected/<arch>/<stage>.txt) has one pattern a line; `#` starts a comment
//! line. A pattern matches a whole line of the log; `*` in it matches any text, everything else
//! is literal. Other log lines may come between the expected ones.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern(String);

impl Pattern {
    pub fn new(text: &str) -> Self {
        Self(text.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `line` matches the whole pattern.
    pub fn matches(&self, line: &str) -> bool {
        let mut parts = self.0.split('*');
        let first = parts.next().unwrap_or_default();
        let Some(mut rest) = line.strip_prefix(first) else {
            return false;
        };
        let parts: Vec<&str> = parts.collect();
        let Some((last, middle)) = parts.split_last() else {
            return rest.is_empty();
        };
        for part in middle {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
        rest.ends_with(last)
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Lines after which the root task prints nothing more of its own: it succeeded, stopped on an
/// error, or faulted. A run that prints one it did not expect next fails at once instead of
/// waiting for its timeout.
pub const ENDINGS: [&str; 8] = [
    "Success!",
    "main thread terminated with error*",
    "Caught cap fault*",
    "vm fault on*",
    "*panicked at*",
    "aborted*",
    "*halting*",
    "Kernel panic*",
];

/// Of [`ENDINGS`], those that are the run's very last line: the others begin a report (a fault's
/// registers and stack, a panic's message) that goes on for a few lines.
const LAST_LINES: usize = 2;

/// How a line ends a run, if it does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// Nothing follows it.
    Last,
    /// A report follows it; its end is when the output goes quiet.
    Report,
}

/// How a run nobody watches goes on after `line`: it stops at a last line, and once a report
/// has gone quiet.
pub fn unattended_step(line: &str) -> crate::boot::qemu::Step {
    use crate::boot::qemu::Step;
    match ending(line) {
        None => Step::Continue,
        Some(Ending::Last) => Step::Stop,
        Some(Ending::Report) => Step::StopWhenQuiet,
    }
}

pub fn ending(line: &str) -> Option<Ending> {
    let k = ENDINGS.iter().position(|p| Pattern::new(p).matches(line))?;
    Some(if k < LAST_LINES {
        Ending::Last
    } else {
        Ending::Report
    })
}

pub fn is_ending(line: &str) -> bool {
    ending(line).is_some()
}

/// Parses an expected-log file.
pub fn parse(text: &str) -> Vec<Pattern> {
    text.lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(Pattern::new)
        .collect()
}

/// Whether `lines`, a run's output, has every line the expected-log text `expected` names, in
/// order.
pub fn printed<S: AsRef<str>>(expected: &str, lines: &[S]) -> bool {
    let mut matcher = Matcher::new(parse(expected));
    lines
        .iter()
        .any(|line| matcher.feed(line.as_ref()) == Verdict::Complete)
        || matcher.is_complete()
}

/// What a new log line means for the run.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Keep reading.
    Continue,
    /// Every expected line has been seen.
    Complete,
    /// A line of [`ENDINGS`] came that was not the one expected next.
    Ended,
}

/// Follows a log line by line against the expected patterns.
pub struct Matcher {
    expected: Vec<Pattern>,
    next: usize,
    /// The 1-based number of the log line that matched each expected pattern so far.
    matched_at: Vec<usize>,
    lines_seen: usize,
}

impl Matcher {
    pub fn new(expected: Vec<Pattern>) -> Self {
        Self {
            expected,
            next: 0,
            matched_at: Vec::new(),
            lines_seen: 0,
        }
    }

    pub fn feed(&mut self, line: &str) -> Verdict {
        self.lines_seen += 1;
        if let Some(pattern) = self.expected.get(self.next)
            && pattern.matches(line)
        {
            self.next += 1;
            self.matched_at.push(self.lines_seen);
            return if self.is_complete() {
                Verdict::Complete
            } else {
                Verdict::Continue
            };
        }
        if is_ending(line) {
            Verdict::Ended
        } else {
            Verdict::Continue
        }
    }

    pub fn is_complete(&self) -> bool {
        self.next == self.expected.len()
    }

    /// The first expected pattern not seen yet.
    pub fn waiting_for(&self) -> Option<&Pattern> {
        self.expected.get(self.next)
    }

    /// Where the log left the expected path: the last matched pattern and its log line.
    pub fn last_match(&self) -> Option<(&Pattern, usize)> {
        let k = self.next.checked_sub(1)?;
        Some((&self.expected[k], self.matched_at[k]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_whole_lines_with_wildcards() {
        let p = Pattern::new(r#"in thread 0x* "rootserver" at address 0x*"#);
        assert!(p.matches(r#"in thread 0xffffff801fe08400 "rootserver" at address 0x210daa"#));
        assert!(!p.matches(r#"in thread 0xffffff801fe08400 "other" at address 0x210daa"#));
        assert!(Pattern::new("Read x: 0").matches("Read x: 0"));
        assert!(!Pattern::new("Read x: 0").matches("Read x: 05"));
        assert!(!Pattern::new("Read x: 0").matches("> Read x: 0"));
        assert!(Pattern::new("a*b*c").matches("abc"));
        assert!(!Pattern::new("a*b*c").matches("acb"));
        assert!(Pattern::new("*").matches(""));
    }

    #[test]
    fn success_and_errors_are_last_lines_faults_begin_a_report() {
        assert_eq!(ending("Success!"), Some(Ending::Last));
        assert_eq!(
            ending(
                "main thread terminated with error: Failed to map page: seL4_FailedLookup at src/main.rs:59:12"
            ),
            Some(Ending::Last)
        );
        assert_eq!(
            ending("Caught cap fault in send phase at address 0"),
            Some(Ending::Report)
        );
        assert_eq!(ending("panicked at src/main.rs:3:5:"), Some(Ending::Report));
        assert_eq!(ending("Read x: 0"), None);
    }

    #[test]
    fn parse_skips_comments_and_blank_lines() {
        let patterns = parse("# comment\n\nfirst\n  \nsecond  \n");
        assert_eq!(patterns, [Pattern::new("first"), Pattern::new("second")]);
    }

    #[test]
    fn matcher_follows_the_order() {
        let mut m = Matcher::new(parse("a\nb"));
        assert_eq!(m.feed("b"), Verdict::Continue);
        assert_eq!(m.feed("a"), Verdict::Continue);
        assert_eq!(m.waiting_for(), Some(&Pattern::new("b")));
        assert_eq!(m.feed("noise"), Verdict::Continue);
        assert_eq!(m.feed("b"), Verdict::Complete);
        assert_eq!(m.last_match(), Some((&Pattern::new("b"), 4)));
    }

    #[test]
    fn an_unexpected_ending_stops_the_run_but_an_expected_one_does_not() {
        let mut m = Matcher::new(parse(
            "Set x to 5\nvm fault on data at address 0xa000000000*",
        ));
        assert_eq!(m.feed("Set x to 5"), Verdict::Continue);
        assert_eq!(
            m.feed("Caught cap fault in send phase at address 0"),
            Verdict::Ended
        );
        let mut m = Matcher::new(parse("Caught cap fault*\nvm fault on data*"));
        assert_eq!(
            m.feed("Caught cap fault in send phase at address 0"),
            Verdict::Continue
        );
        assert_eq!(
            m.feed("vm fault on data at address 0xa000000000 with status 0x7"),
            Verdict::Complete
        );
    }
}
