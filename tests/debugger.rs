// SPDX-License-Identifier: BSD-2-Clause

//! `make simulate GDB=1` + `make gdb`: QEMU halted with its gdb stub, gdb (gdb-multiarch for
//! aarch64 and riscv64) attached with the root task's symbols, stopping at its `main`. Checked
//! with gdb in batch mode, on every architecture.

use std::net::TcpListener;
use std::process::Stdio;
use std::thread;
use std::time::Duration;

use xtask::command::Output;
use xtask::image::{self, Source};
use xtask::project::Project;
use xtask::qemu::{self, Outcome, RunOptions, Step};
use xtask::{boot, catalogue, debugger};

fn gdb_stops_at_main_then_the_program_runs_to_the_end(arch: &str) {
    let project = Project::here();
    let arch = catalogue::find_arch(arch).unwrap();
    let source = Source::Stage(arch.find_stage("remap").unwrap());
    let image = image::build(&project, &source, Output::Captured).unwrap_or_else(|e| panic!("{e}"));
    // A free loopback port (another run may hold the default one).
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();

    let mut cmd = boot::command(&project, &image).unwrap();
    cmd.args(debugger::qemu_args(port));
    let log = project.logs_dir().join(format!("test-gdb-{arch}.log"));
    let qemu = thread::spawn(move || {
        let options = RunOptions {
            timeout: Some(Duration::from_secs(60)),
            echo: false,
            interactive: false,
            log_path: &log,
        };
        qemu::run(cmd, &options, |line| {
            if line == "Success!" {
                Step::Stop
            } else {
                Step::Continue
            }
        })
        .unwrap()
    });

    // The learner's gdb session, in batch mode: connect, break at main, run to it, look, go on.
    let mut gdb = debugger::gdb_command(&image, &source, port);
    gdb.args(["-batch", "-nx", "-ex", "info symbol $pc", "-ex", "detach"])
        .stdin(Stdio::null());
    let mut out = None;
    for _ in 0..50 {
        // QEMU may not be listening yet.
        let attempt = gdb.output().unwrap();
        let text = String::from_utf8_lossy(&attempt.stdout).into_owned()
            + &String::from_utf8_lossy(&attempt.stderr);
        if !text.contains("Connection refused") {
            out = Some(text);
            break;
        }
        thread::sleep(Duration::from_millis(100));
    }
    let out = out.expect("gdb never connected to QEMU");
    let symbol = source.main_symbol();
    assert!(
        out.contains(&format!("Breakpoint 1, {symbol}")),
        "gdb did not stop at {symbol}:\n{out}"
    );
    let file = arch.main_exercise().exercise.file;
    assert!(out.contains(file), "gdb shows no line of {file}:\n{out}");

    let run = qemu.join().unwrap();
    assert_eq!(
        run.outcome,
        Outcome::Stopped,
        "after gdb detached, no Success!:\n{:?}",
        run.lines
    );
}

mod x86_64 {
    #[test]
    fn gdb_stops_at_main_then_the_program_runs_to_the_end() {
        super::gdb_stops_at_main_then_the_program_runs_to_the_end("x86_64");
    }
}

mod aarch64 {
    #[test]
    fn gdb_stops_at_main_then_the_program_runs_to_the_end() {
        super::gdb_stops_at_main_then_the_program_runs_to_the_end("aarch64");
    }
}

mod riscv64 {
    #[test]
    fn gdb_stops_at_main_then_the_program_runs_to_the_end() {
        super::gdb_stops_at_main_then_the_program_runs_to_the_end("riscv64");
    }
}
