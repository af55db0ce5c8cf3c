// SPDX-License-Identifier: BSD-2-Clause

//! gdb on the root task: QEMU starts halted with its gdb stub on a loopback port, and gdb loads
//! the root task's symbols, connects, and stops at its `main`.

use std::process::Command;

use crate::image::{Image, Source};

/// The port `make simulate GDB=1` and `make gdb` agree on unless told otherwise (GDB_PORT).
pub const DEFAULT_PORT: u16 = 1234;

/// QEMU arguments: halt before the first instruction, serve gdb on 127.0.0.1:`port`.
pub fn qemu_args(port: u16) -> [String; 3] {
    ["-S".into(), "-gdb".into(), format!("tcp:127.0.0.1:{port}")]
}

/// gdb (the one for the image's architecture), with the root task's symbols, connected to
/// QEMU, a breakpoint on the root task's `main`, and running to it.
pub fn gdb_command(image: &Image, source: &Source, port: u16) -> Command {
    let mut cmd = Command::new(image.arch.gdb);
    cmd.arg("-q")
        .arg(&image.root_task)
        .arg("-ex")
        .arg(format!("target remote 127.0.0.1:{port}"))
        .arg("-ex")
        .arg(format!("break {}", source.main_symbol()))
        .arg("-ex")
        .arg("continue");
    cmd
}
