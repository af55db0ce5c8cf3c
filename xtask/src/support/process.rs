// SPDX-License-Identifier: BSD-2-Clause

//! Running the build tools (cargo, tools/build-kernel, the payload tool) with their output shown
//! to a learner or kept for a test's report.

use std::io::{BufRead, BufReader, IsTerminal};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, anyhow};

/// How a tool's output is handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// Shown as it comes (a learner wants to see compiler errors and what a long step is doing).
    Shown,
    /// Kept, and returned in the error if the tool fails (tests).
    Captured,
}

/// Runs cargo `cmd` with its messages shown, and after each error the lines `hints` has for it
/// (the error's text, its source lines included).
pub fn run_with_hints(
    mut cmd: Command,
    what: &str,
    hints: impl Fn(&str) -> Vec<String>,
) -> Result<()> {
    // Colours as cargo would choose them for this terminal.
    if std::io::stderr().is_terminal() {
        cmd.arg("--color=always");
    }
    let mut child = cmd
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("{what}: cannot run cargo"))?;
    let stderr = child.stderr.take().expect("piped");
    let mut block = String::new();
    let mut given: Vec<String> = Vec::new();
    let mut flush = |block: &mut String| {
        if block.starts_with("error") {
            for hint in hints(block) {
                if !given.contains(&hint) {
                    eprintln!("{hint}");
                    given.push(hint);
                }
            }
        }
        block.clear();
    };
    for line in BufReader::new(stderr).lines().map_while(Result::ok) {
        let plain = without_colours(&line);
        // A message begins at `error`, `warning` or cargo's own status lines.
        if !plain.starts_with(' ')
            && !plain.starts_with('|')
            && !plain.is_empty()
            && !block.is_empty()
            && (plain.starts_with("error") || plain.starts_with("warning"))
        {
            flush(&mut block);
        }
        eprintln!("{line}");
        block.push_str(&plain);
        block.push('\n');
    }
    flush(&mut block);
    let status = child.wait().with_context(|| format!("{what}: cargo"))?;
    if status.success() {
        return Ok(());
    }
    Err(anyhow!("{what} failed ({status})"))
}

/// A tool that ran and failed: what it was doing, and its output when [`Output::Captured`].
#[derive(Debug)]
pub struct Failed {
    pub what: String,
    pub status: std::process::ExitStatus,
    pub log: String,
}

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "{} failed ({})", self.what, self.status)?;
        if !self.log.is_empty() {
            write!(f, ":\n{}", self.log)?;
        }
        Ok(())
    }
}

impl std::error::Error for Failed {}

/// Runs `cmd`; on failure, the error ([`Failed`]) says `what` failed, with the tool's output when
/// captured.
pub fn run(mut cmd: Command, output: Output, what: &str) -> Result<()> {
    let result = match output {
        Output::Shown => cmd
            .stdin(Stdio::null())
            .status()
            .map(|status| (status, String::new())),
        Output::Captured => cmd.stdin(Stdio::null()).output().map(|out| {
            let mut log = String::from_utf8_lossy(&out.stdout).into_owned();
            log.push_str(&String::from_utf8_lossy(&out.stderr));
            (out.status, log)
        }),
    };
    let program = cmd.get_program().to_string_lossy().into_owned();
    let (status, log) = result.with_context(|| format!("{what}: cannot run {program}"))?;
    if status.success() {
        return Ok(());
    }
    Err(Failed {
        what: what.to_owned(),
        status,
        log,
    }
    .into())
}

/// `line` without its ANSI escape sequences (`ESC [ ... letter`).
pub fn without_colours(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.next() == Some('[') {
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}
