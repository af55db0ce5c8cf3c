// SPDX-License-Identifier: BSD-2-Clause

//! `make simulate GDB=1` + `make gdb`: QEMU halted with its gdb stub, gdb (gdb-multiarch for
//! aarch64 and riscv64) attached with the root task's symbols, stopping at its `main`, showing its
//! variables, and stopping again where the program ends. Checked with gdb in batch mode, on every
//! architecture and on a further exercise.

use std::fs;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

mod common;

use xtask::boot::Boot;
use xtask::boot::debugger;
use xtask::boot::qemu::{Outcome, Step};
use xtask::catalogue;
use xtask::image::{self, Source};
use xtask::project::Project;
use xtask::support::process::Output;

/// Boots `stage` of `arch` halted under gdb's stub, runs the learner's gdb session in batch mode
/// with `commands` after the stop at main, then `continue` to the end; returns gdb's output.
fn gdb_session(arch: &str, stage: &str, commands: &[&str]) -> String {
    let project = Project::here();
    let arch = catalogue::find_arch(arch).unwrap();
    let source = Source::Stage(arch.find_stage(stage).unwrap());
    let image =
        image::build(&project, &source, Output::Captured).unwrap_or_else(|e| panic!("{e:#}"));
    let port = common::free_port();

    let boot_name = format!("test-gdb-{arch}-{stage}");
    let image_for_qemu = image.clone();
    let qemu = thread::spawn(move || {
        let project = Project::here();
        Boot::quiet(boot_name)
            .timeout(Some(Duration::from_secs(60)))
            .args(debugger::qemu_args(port))
            .run(&project, &image_for_qemu, |line| {
                if xtask::check::expect::is_ending(line) {
                    Step::StopWhenQuiet
                } else {
                    Step::Continue
                }
            })
            .unwrap()
    });

    let started = Instant::now();
    while !debugger::is_listening(port) {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "QEMU never listened for gdb"
        );
        thread::sleep(Duration::from_millis(20));
    }
    let scratch = project.build_dir().join(format!("test-gdb-{arch}-{stage}"));
    let mut gdb = debugger::gdb_command(&image, &source, port, &scratch).unwrap();
    gdb.args(["-batch", "-nx"]);
    for command in commands.iter().copied().chain(["continue", "detach"]) {
        gdb.args(["-ex", command]);
    }
    let out = gdb.stdin(Stdio::null()).output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let run = qemu.join().unwrap();
    assert_eq!(
        run.outcome,
        Outcome::Stopped,
        "after gdb detached, the program did not end:\n{:?}\ngdb:\n{text}",
        run.lines
    );
    let _ = std::fs::remove_dir_all(&scratch);
    text
}

/// Stops at main with its hint, shows main's file and the values of `locals` (the paging
/// objects main has made), then stops where the program ends.
fn stops_at_main_and_at_the_end(arch: &str, stage: &str, file: &str, main: &str, locals: &[&str]) {
    // To the line that logs the capabilities, past the allocations, where the paging objects
    // have their values (the same line in every stage).
    let to = match locals {
        [] => "next".to_owned(),
        _ => {
            let shipped = fs::read_to_string(Project::here().shipped(file)).unwrap();
            let line = shipped
                .lines()
                .position(|l| l.contains("log::debug!("))
                .unwrap()
                + 1;
            format!("advance {line}")
        }
    };
    let out = gdb_session(arch, stage, &[&to, "info locals"]);
    assert!(
        out.contains(&format!("Temporary breakpoint 1, {main}")),
        "gdb did not stop at {main}:\n{out}"
    );
    assert!(out.contains("==> At main."), "no hint at main:\n{out}");
    assert!(out.contains(file), "gdb shows no line of {file}:\n{out}");
    for local in locals {
        let shown = out.lines().find(|l| l.starts_with(&format!("{local} = ")));
        assert!(
            shown.is_some_and(|l| !l.contains("<optimized out>")),
            "`info locals` shows no value of {local}:\n{out}"
        );
    }
    assert!(
        out.contains("==> The program has ended: it suspends itself here."),
        "gdb did not stop where the program ends:\n{out}"
    );
}

mod x86_64 {
    /// The learner sees the capabilities main has made (opt-level 1, full debug information).
    #[test]
    fn gdb_stops_at_main_shows_its_variables_and_stops_at_the_end() {
        super::stops_at_main_and_at_the_end(
            "x86_64",
            "remap",
            "src/main.rs",
            "mapping::main",
            &["pdpt", "pd", "pt", "frame"],
        );
    }

    /// A further exercise's program has another crate name: `page_sizes::main`.
    #[test]
    fn gdb_stops_at_a_further_exercise_s_main() {
        super::stops_at_main_and_at_the_end(
            "x86_64",
            "page-sizes-huge",
            "src/bin/page_sizes.rs",
            "page_sizes::main",
            &[],
        );
    }
}

mod aarch64 {
    #[test]
    fn gdb_stops_at_main_shows_its_variables_and_stops_at_the_end() {
        super::stops_at_main_and_at_the_end(
            "aarch64",
            "remap",
            "aarch64/src/main.rs",
            "mapping::main",
            &["pt_l1", "pt_l2", "pt_l3", "frame"],
        );
    }
}

mod riscv64 {
    #[test]
    fn gdb_stops_at_main_shows_its_variables_and_stops_at_the_end() {
        super::stops_at_main_and_at_the_end(
            "riscv64",
            "remap",
            "riscv64/src/main.rs",
            "mapping::main",
            &["pt_l1", "pt_l0", "frame"],
        );
    }
}

mod aarch32 {
    #[test]
    fn gdb_stops_at_main_shows_its_variables_and_stops_at_the_end() {
        super::stops_at_main_and_at_the_end(
            "aarch32",
            "remap",
            "aarch32/src/main.rs",
            "mapping::main",
            &["pt", "frame"],
        );
    }
}

mod riscv32 {
    #[test]
    fn gdb_stops_at_main_shows_its_variables_and_stops_at_the_end() {
        super::stops_at_main_and_at_the_end(
            "riscv32",
            "remap",
            "riscv32/src/main.rs",
            "mapping::main",
            &["pt", "frame"],
        );
    }
}

/// `make gdb` with no QEMU waiting says at once what to start, instead of gdb's long wait.
#[test]
fn make_gdb_without_qemu_says_to_start_it() {
    let project = Project::here();
    let port = common::free_port();
    let started = Instant::now();
    let out = Command::new("make")
        .current_dir(project.root())
        .args(["-s", "gdb", "ARCH=aarch64", "STAGE=pt-l2"])
        .arg(format!("GDB_PORT={port}"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "no QEMU is waiting for gdb on 127.0.0.1:{port}: in another terminal, start \
             `make simulate GDB=1 ARCH=aarch64 STAGE=pt-l2 GDB_PORT={port}` first"
        )),
        "{stderr}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

/// Without a terminal nobody can quit QEMU: a run waiting for gdb ends at TIMEOUT, and its QEMU
/// with it.
#[test]
fn simulate_waiting_for_gdb_without_a_terminal_ends_at_the_timeout() {
    let project = Project::here();
    let port = common::free_port();
    let out = Command::new("make")
        .current_dir(project.root())
        .args([
            "-s",
            "simulate",
            "GDB=1",
            "TIMEOUT=2",
            "ARCH=riscv64",
            "STAGE=start",
        ])
        .arg(format!("GDB_PORT={port}"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("waiting for gdb on 127.0.0.1:{port}")),
        "{stderr}"
    );
    assert!(
        stderr.contains("Nothing ended the run within 2s; QEMU was stopped."),
        "{stderr}"
    );
    assert!(!debugger::is_listening(port), "QEMU still serves gdb");
}
