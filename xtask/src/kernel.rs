// SPDX-License-Identifier: BSD-2-Clause

//! The seL4 kernel of an architecture, built by tools/build-kernel when its settings or the
//! pinned commit changed (it keeps a key of what it was built from, and a lock).

use crate::catalogue::Arch;
use crate::command::{self, Output};
use crate::project::Project;

/// Builds `arch`'s kernel unless it is built already; says so when it builds.
pub fn ensure(project: &Project, arch: &Arch, output: Output) -> Result<(), String> {
    let mut cmd = project.command(project.root().join("tools/build-kernel"));
    cmd.arg(arch.name).current_dir(project.root());
    command::run(cmd, output, &format!("building the seL4 kernel for {arch}"))
}
