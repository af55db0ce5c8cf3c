// SPDX-License-Identifier: BSD-2-Clause

//! How a figure is taken: a command timed as a learner runs it, `runs` times.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::catalogue::Arch;

pub(crate) fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

pub(crate) fn progress(arch: &Arch, what: &str) {
    eprintln!("==> bench ({arch}): {what}");
}

pub(crate) fn timed(mut cmd: Command) -> Result<Duration> {
    let what = format!("{cmd:?}");
    let started = Instant::now();
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .with_context(|| what.clone())?;
    if !out.status.success() {
        bail!(
            "{what} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(started.elapsed())
}

/// `runs` samples of `measure`, in seconds.
pub(crate) fn sampled(
    runs: usize,
    mut measure: impl FnMut() -> Result<Duration>,
) -> Result<Vec<f64>> {
    (0..runs).map(|_| measure().map(secs)).collect()
}

pub(crate) fn touch(path: &Path) -> Result<()> {
    let file = fs::File::options()
        .append(true)
        .open(path)
        .with_context(|| path.display().to_string())?;
    file.set_modified(std::time::SystemTime::now())
        .with_context(|| path.display().to_string())
}

/// `make` with `args`, in `dir`, as a learner types it (no terminal), without the variables of
/// the `make bench` that runs it (make hands them down in MAKEFLAGS: RUNS=1 would reach the tests).
pub(crate) fn make(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new("make");
    cmd.current_dir(dir).arg("-s").args(args);
    for inherited in ["MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"] {
        cmd.env_remove(inherited);
    }
    cmd
}
