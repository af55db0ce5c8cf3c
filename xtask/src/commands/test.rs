// SPDX-License-Identifier: BSD-2-Clause

//! `make test`: every test of xtask/ (host-side unit tests, then every stage of every architecture
//! built, booted and checked; with ARCH=, only that architecture's boot tests), one run at a time
//! in a checkout, its output kept in build/logs/make-test.log. With CONTAINER_TEST_USER, the
//! container route's tests last (tests/container.rs; .ci/run sets it). At the end, the time each
//! test binary took (and what the container tests timed themselves: the image's build), then one
//! line adding up cargo's per-binary results: `N passed, M failed`.
//!
//! The book's browser tests (named `in_chromium_...`) need packages a learner does not install
//! (tools/system-packages.txt's `for=tests`): where they are missing, as in the tutorial's image,
//! they are skipped, and the run says so; under CI that is a failure.

use std::fs::{self, File};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, ExitCode, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use super::pick::Picked;
use super::shared::exit;
use crate::project::Project;
use crate::support::cache::FileLock;
use crate::support::process::Output;

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

    let mut timings = Vec::new();
    // .ci/run's `make check`, before this run.
    if let Some(seconds) = std::env::var("CI_CHECK_SECONDS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
    {
        timings.push((
            "make check (rustfmt, clippy), before".to_owned(),
            Duration::from_secs(seconds),
        ));
    }

    // First the kernels, loaders and shared crates every boot needs, built with their progress
    // shown: on a fresh checkout that takes minutes, which the tests would otherwise spend in
    // silence.
    let started = Instant::now();
    for arch in picked.arches() {
        eprintln!(
            "==> Preparing {arch}: its kernel, its loader, and the crates its root tasks share"
        );
        let start = crate::image::Source::Stage(arch.main_exercise().start());
        if let Err(e) = crate::check::build_checked_image(project, &start, Output::Shown) {
            eprintln!("error: building what the tests boot failed: {e:#}");
            println!("0 passed, 1 failed");
            return Ok(ExitCode::FAILURE);
        }
    }

    timings.push((
        "preparing: kernels, loaders, the crates the root tasks share".to_owned(),
        started.elapsed(),
    ));

    // The boot tests of an architecture live in a module named after it (tests/stages.rs).
    let mut args: Vec<String> = Vec::new();
    let mut filters: Vec<String> = Vec::new();
    if picked.arch_given {
        filters.push(format!("{}::", picked.arch));
    }
    let mut ok = true;
    let mut skipped = |what: String| {
        eprintln!("==> Skipped: {what}");
        if std::env::var_os("CI").is_some() {
            eprintln!("error: CI runs every test");
            ok = false;
        }
    };
    if !picked.arch_given {
        // mdBook comes from crates.io the first time: offline, the book's tests cannot run.
        eprintln!("==> Preparing the book's tests: mdBook");
        let started = Instant::now();
        let mdbook = crate::book::Mdbook::ensure(project);
        timings.push(("preparing: mdBook".to_owned(), started.elapsed()));
        if let Err(e) = mdbook {
            skipped(format!("the book's tests (tests/book.rs): {e:#}"));
            args.extend(["--lib".into(), "--bins".into()]);
            for target in test_targets(project)?.into_iter().filter(|t| t != "book") {
                args.extend(["--test".into(), target]);
            }
        }
        let missing = missing_test_packages(project)?;
        if !missing.is_empty() {
            skipped(format!(
                "the book's browser tests ({BROWSER_TESTS}...), which need {}: not installed here \
                 (tools/setup-host says why)",
                missing.join(" ")
            ));
            filters.extend(["--skip".into(), BROWSER_TESTS.into()]);
        }
    }
    args.push("--".into());
    args.extend(filters);
    ok &= tee(cargo_test(project, &args), &mut log, &mut timings)?;
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
        let timed = project.container_test_timings();
        let _ = fs::remove_file(&timed);
        ok &= tee(cargo_test(project, &args), &mut log, &mut timings)?;
        // What the container tests timed inside themselves (the image's build, ...).
        if let Ok(text) = fs::read_to_string(&timed) {
            timings.extend(text.lines().filter_map(|line| {
                let (seconds, what) = line.split_once(' ')?;
                Some((
                    format!("  {what}"),
                    Duration::from_secs_f64(seconds.parse().ok()?),
                ))
            }));
        }
    }

    let (passed, failed) = summary(&fs::read_to_string(&log_path)?);
    if !ok && failed == 0 {
        // Nothing failed, yet cargo did: the tests did not build, or a test binary died.
        eprintln!(
            "error: cargo test failed before its tests could report ({})",
            log_path.display()
        );
    }
    // On the summary's stream, so that the summary stays the last line wherever both streams meet.
    print!("{}", timing_table(&timings));
    println!("{passed} passed, {failed} failed");
    Ok(exit(ok))
}

/// The prefix of every browser test's name (tests/book.rs): what `--skip` leaves out.
const BROWSER_TESTS: &str = "in_chromium";

/// The names of xtask's test targets (its Cargo.toml's `[[test]]` entries).
fn test_targets(project: &Project) -> Result<Vec<String>> {
    let path = project.root().join("xtask/Cargo.toml");
    let text = fs::read_to_string(&path).with_context(|| path.display().to_string())?;
    let manifest: toml::Table = text.parse().with_context(|| path.display().to_string())?;
    Ok(manifest
        .get("test")
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| t.get("name")?.as_str().map(str::to_owned))
        .collect())
}

/// The packages only the tests need that this machine lacks (tools/system-packages --tests).
fn missing_test_packages(project: &Project) -> Result<Vec<String>> {
    let list = |extra: &[&str]| -> Result<Vec<String>> {
        let out = Command::new(project.root().join("tools/system-packages"))
            .args(extra)
            .arg("--missing")
            .output()
            .context("cannot run tools/system-packages")?;
        if !out.status.success() {
            bail!(
                "tools/system-packages failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_owned)
            .collect())
    };
    let learners = list(&[])?;
    Ok(list(&["--tests"])?
        .into_iter()
        .filter(|p| !learners.contains(p))
        .collect())
}

/// The time of each step, as a table for the end of the run: the slow one shows at once.
fn timing_table(timings: &[(String, Duration)]) -> String {
    let shown: Vec<_> = timings
        .iter()
        .filter(|(_, took)| took.as_secs_f64() >= 0.05)
        .collect();
    let width = shown.iter().map(|(w, _)| w.len()).max().unwrap_or(0);
    let mut table = String::from("==> Time taken, by test binary (those under 0.1 s left out):\n");
    for (what, took) in shown {
        table += &format!("    {what:<width$}  {:>7.1} s\n", took.as_secs_f64());
    }
    table
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

/// Runs `cmd`, its output (both streams) shown and appended to `log`; whether it succeeded. The
/// time until its first test binary runs (the build) and each binary's time go to `timings`.
fn tee(mut cmd: Command, log: &mut File, timings: &mut Vec<(String, Duration)>) -> Result<bool> {
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
    let mut step = ("building the tests".to_owned(), Instant::now());
    for (to_stdout, line) in lines {
        writeln!(log, "{line}")?;
        // cargo says which binary runs on stderr; a test's own output (which may quote an inner
        // run's) goes to stdout.
        if let Some(binary) = test_binary(&line).filter(|_| !to_stdout) {
            let (what, since) = std::mem::replace(&mut step, (binary, Instant::now()));
            timings.push((what, since.elapsed()));
        }
        if to_stdout {
            println!("{line}");
        } else {
            eprintln!("{line}");
        }
    }
    for reader in readers {
        let _ = reader.join();
    }
    timings.push((step.0, step.1.elapsed()));
    Ok(child.wait()?.success())
}

/// The test binary cargo starts on this line (`     Running tests/walk.rs (target/...)`), named
/// by its source file.
fn test_binary(line: &str) -> Option<String> {
    let (source, _) = line.strip_prefix("     Running ")?.split_once(" (")?;
    Some(
        source
            .trim_start_matches("unittests ")
            .trim_start_matches("../")
            .to_owned(),
    )
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

    #[test]
    fn the_time_table_leaves_out_what_took_no_time() {
        use std::time::Duration;
        let table = super::timing_table(&[
            ("tests/walk.rs".into(), Duration::from_millis(2900)),
            ("src/main.rs".into(), Duration::from_millis(10)),
            ("tests/container.rs".into(), Duration::from_secs(617)),
        ]);
        let rows: Vec<&str> = table.lines().skip(1).map(str::trim).collect();
        assert_eq!(
            rows,
            [
                "tests/walk.rs           2.9 s",
                "tests/container.rs    617.0 s"
            ]
        );
    }

    #[test]
    fn each_test_binary_is_named_by_its_source() {
        let binary = super::test_binary;
        assert_eq!(
            binary("     Running ../tests/walk.rs (target/debug/deps/walk-0123abcd)"),
            Some("tests/walk.rs".into())
        );
        assert_eq!(
            binary("     Running unittests src/lib.rs (target/debug/deps/xtask-0123abcd)"),
            Some("src/lib.rs".into())
        );
        assert_eq!(binary("test walk::x86_64 ... ok"), None);
        assert_eq!(binary("Running the kernel"), None);
    }
}
