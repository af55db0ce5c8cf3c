// SPDX-License-Identifier: BSD-2-Clause

//! gdb on the root task: QEMU starts halted with its gdb stub on a loopback port, and gdb loads
//! the image's symbols, connects, and stops at the tutorial's `main`.

use std::path::Path;
use std::process::Command;

use crate::image::Source;

/// The port `make simulate GDB=1` and `make gdb` agree on unless told otherwise (GDB_PORT).
pub const DEFAULT_PORT: u16 = 1234;

/// QEMU arguments: halt before the first instruction, serve gdb on 127.0.0.1:`port`.
pub fn qemu_args(port: u16) -> [String; 3] {
    ["-S".into(), "-gdb".into(), format!("tcp:127.0.0.1:{port}")]
}

/// The root task's `main` as gdb names it: the binary's crate name (`mapping`, or `mapping_pd`
/// for a stage's copy), then the function.
pub fn main_symbol(source: &Source) -> String {
    match source {
        Source::File(exercise) => format!("{}::main", exercise.bin.replace('-', "_")),
        Source::Stage(stage) => format!("mapping_{}::main", stage.name),
        Source::Variant { name, .. } => format!("mapping_{}::main", name.replace('-', "_")),
        Source::Semantics => "paging_semantics::main".to_owned(),
    }
}

/// gdb, with `image`'s symbols, connected to QEMU, a breakpoint on `main`, and running to it.
pub fn gdb_command(image: &Path, source: &Source, port: u16) -> Command {
    let mut cmd = Command::new("gdb");
    cmd.arg("-q")
        .arg(image)
        .arg("-ex")
        .arg(format!("target remote 127.0.0.1:{port}"))
        .arg("-ex")
        .arg(format!("break {}", main_symbol(source)))
        .arg("-ex")
        .arg("continue");
    cmd
}
