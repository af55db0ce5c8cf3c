// SPDX-License-Identifier: BSD-2-Clause

//! `make test`: every test of xtask/ (host-side unit tests, then every stage of every architecture
//! built, booted and checked; with ARCH=, only that architecture's boot tests), one run at a time
//! in a checkout, its output kept in build/logs/make-test.log, and at the end one line adding up
//! cargo's per-binary results: `N passed, M failed`. With CONTAINER_TEST_USER, the container
//! route's tests last (tests/container.rs; .ci/run sets it).

use std::fs::{self, File};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, ExitCode, Stdio};
use std::thread;

use anyhow::{Context, Result, bail};

use super::{Picked, exit};
use crate::command::Output;
use crate::project::Project;
use crate::toolchain::FileLock;

pub fn run(project: &Project, picked: &Picked) -> Result<ExitCode> {
    // The stages' builds, images and logs are shared: a second run in this checkout stops at once.
    let lock_path = project.build_dir().join("make-test.lock");
    let Some(_lock) =
        FileLock::try_exclusive(&lock_path).with_context(|| lock_path.display().to_string())?
    else {
        bail!(
            "another make test is running in this checkout; wait for it to finish ({})",
            lock_path.display()
        );
    };
    let log_path = project.logs_dir().join("make-test.log");
    fs::create_dir_all(project.logs_dir())?;
    let mut log = File::create(&log_path).with_context(|| log_path.display().to_string())?;

    // First the kernels, loaders and shared crates every boot needs, built with their progress
    // shown: on a fresh checkout that takes minutes, which the tests would otherwise spend in
    // silence.
    for arch in picked.arches() {
        eprintln!(
            "==> Preparing {arch}: its kernel, its loader, and the crates its root tasks share"
        );
        let start = crate::image::Source::Stage(arch.main_exercise().start());
        if let Err(e) = crate::boot_check::build_checked_image(project, &start, Output::Shown) {
            eprintln!("error: building what the tests boot failed: {e:#}");
            println!("0 passed, 1 failed");
            return Ok(ExitCode::FAILURE);
        }
    }

    // The boot tests of an architecture live in a module named after it (tests/stages.rs).
    let filter: Vec<String> = match picked.arch_given {
        true => vec!["--".into(), format!("{}::", picked.arch)],
        false => Vec::new(),
    };
    let mut ok = tee(cargo_test(project, &filter), &mut log)?;
    if let Ok(user) = std::env::var("CONTAINER_TEST_USER")
        && !picked.arch_given
    {
        eprintln!("==> The container route, as {user} (tests/container.rs)");
        let args = [
            "--test",
            "container",
            "--",
            "--ignored",
            "--test-threads",
            "1",
        ]
        .map(String::from);
        ok &= tee(cargo_test(project, &args), &mut log)?;
    }

    let (passed, failed) = summary(&fs::read_to_string(&log_path)?);
    if !ok && failed == 0 {
        // Nothing failed, yet cargo did: the tests did not build, or a test binary died.
        eprintln!(
            "error: cargo test failed before its tests could report ({})",
            log_path.display()
        );
    }
    println!("{passed} passed, {failed} failed");
    Ok(exit(ok))
}

/// `cargo test` of xtask, from outside the project (as tools/xtask runs xtask).
fn cargo_test(project: &Project, args: &[String]) -> Command {
    let mut cargo = project.command(project.toolchain_bin().join("cargo"));
    cargo
        .current_dir("/")
        .args(["test", "--locked", "--no-fail-fast", "--manifest-path"])
        .arg(project.root().join("xtask/Cargo.toml"))
        .args(args);
    cargo
}

/// Runs `cmd`, its output (both streams) shown and appended to `log`; whether it succeeded.
fn tee(mut cmd: Command, log: &mut File) -> Result<bool> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot run cargo")?;
    let (out, err) = (child.stdout.take(), child.stderr.take());
    let (send, lines) = std::sync::mpsc::channel::<(bool, String)>();
    let readers: Vec<_> = [
        out.map(|o| Box::new(o) as Box<dyn std::io::Read + Send>),
        err.map(|e| Box::new(e) as _),
    ]
    .into_iter()
    .flatten()
    .enumerate()
    .map(|(k, stream)| {
        let send = send.clone();
        thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let _ = send.send((k == 0, line));
            }
        })
    })
    .collect();
    drop(send);
    for (to_stdout, line) in lines {
        writeln!(log, "{line}")?;
        if to_stdout {
            println!("{line}");
        } else {
            eprintln!("{line}");
        }
    }
    for reader in readers {
        let _ = reader.join();
    }
    Ok(child.wait()?.success())
}

/// The passed and failed counts of every `test result: ok. 7 passed; 0 failed; ...` line.
fn summary(log: &str) -> (usize, usize) {
    log.lines()
        .filter_map(|l| l.strip_prefix("test result: "))
        .filter_map(|rest| {
            let words: Vec<&str> = rest.split_whitespace().collect();
            Some((
                words.get(1)?.parse::<usize>().ok()?,
                words.get(3)?.parse::<usize>().ok()?,
            ))
        })
        .fold((0, 0), |(p, f), (dp, df)| (p + dp, f + df))
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_are_added_up_over_the_test_binaries() {
        let log = "running 2 tests\ntest a ... ok\ntest result: ok. 2 passed; 0 failed; 0 ignored\n\
                   test result: FAILED. 5 passed; 1 failed; 2 ignored; 0 measured\nnoise\n";
        assert_eq!(super::summary(log), (7, 1));
        assert_eq!(super::summary(""), (0, 0));
    }
}
