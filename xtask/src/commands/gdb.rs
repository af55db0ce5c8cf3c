// SPDX-License-Identifier: BSD-2-Clause

//! `make gdb`: gdb on the image that `make simulate GDB=1` boots (the same ARCH=, STAGE=,
//! EXERCISE=), connected to its QEMU and stopped at its `main`.

use std::io::IsTerminal;
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitCode, ExitStatus};

use anyhow::{Context, Result, bail};

use super::pick::Picked;
use super::shared::exit;
use crate::boot::debugger;
use crate::image::Image;
use crate::project::Project;

pub fn run(project: &Project, picked: &Picked, port: u16) -> Result<ExitCode> {
    let source = picked.source();
    let arch = picked.arch;
    let (root_task, dir) = Image::root_task_of(project, &source);
    let mut pick = picked.make_args();
    if port != debugger::DEFAULT_PORT {
        pick.push_str(&format!(" GDB_PORT={port}"));
    }
    if !root_task.is_file() || !debugger::is_listening(port) {
        bail!(
            "no QEMU is waiting for gdb on 127.0.0.1:{port}: in another terminal, start \
             `make simulate GDB=1{pick}` first, then run `make gdb{pick}` again"
        );
    }
    let image = Image {
        arch,
        bootable: root_task.clone(),
        root_task,
    };
    let gdb = debugger::gdb_command(&image, &source, port, &dir)
        .with_context(|| format!("cannot write gdb's commands in {}", dir.display()))?;
    let status = run_in_foreground(gdb)
        .with_context(|| format!("cannot run {} (`make setup` installs it)", arch.gdb))?;
    Ok(exit(status.success()))
}

/// Runs `cmd` as the terminal's foreground process group, as a shell runs a job: Ctrl-C then
/// goes to it alone (gdb stops the program), not to `make` and this tool, which would end with
/// it. The terminal comes back to this tool's group when it exits.
fn run_in_foreground(mut cmd: Command) -> std::io::Result<ExitStatus> {
    if !std::io::stdin().is_terminal() {
        return cmd.status();
    }
    // SAFETY: setpgid, signal, tcsetpgrp and getpid are async-signal-safe. A process that is not
    // in the foreground group must ignore SIGTTOU to take the terminal.
    unsafe {
        cmd.pre_exec(|| {
            libc::setpgid(0, 0);
            libc::signal(libc::SIGTTOU, libc::SIG_IGN);
            libc::tcsetpgrp(libc::STDIN_FILENO, libc::getpid());
            libc::signal(libc::SIGTTOU, libc::SIG_DFL);
            Ok(())
        });
    }
    let mut child = cmd.spawn()?;
    let pid = libc::pid_t::try_from(child.id()).expect("a process id fits pid_t");
    // SAFETY: as above; this process keeps ignoring SIGTTOU so that it can take the terminal back.
    unsafe {
        libc::signal(libc::SIGTTOU, libc::SIG_IGN);
        libc::tcsetpgrp(libc::STDIN_FILENO, pid);
    }
    let status = child.wait();
    // SAFETY: as above.
    unsafe {
        libc::tcsetpgrp(libc::STDIN_FILENO, libc::getpgrp());
    }
    status
}
