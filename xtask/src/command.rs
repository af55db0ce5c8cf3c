// SPDX-License-Identifier: BSD-2-Clause

//! Running the build tools (cargo, tools/build-kernel, the payload tool) with their output shown
//! to a learner or kept for a test's report.

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

/// Runs `cmd`; on failure, the error says `what` failed, with the tool's output when captured.
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
    Err(anyhow!(if log.is_empty() {
        format!("{what} failed ({status})")
    } else {
        format!("{what} failed ({status}):\n{log}")
    }))
}
