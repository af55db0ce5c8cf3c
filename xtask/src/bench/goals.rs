// SPDX-License-Identifier: BSD-2-Clause

//! Every goal `make bench` holds a figure to, in one place (each "at most", in the figure's
//! unit), and the C tutorial's own figures (seL4/sel4-tutorials' mapping on x86_64, measured on
//! the same kind of machine), which some figures are shown beside.

use crate::catalogue::{Arch, default_arch};

/// A fresh clone's first `make simulate`, packages present (s): x86_64 builds no kernel loader.
pub fn first_simulate(arch: &Arch) -> f64 {
    if arch.loader.is_none() { 90.0 } else { 150.0 }
}

/// An edit to the last line of a warm `make simulate` (s), on every architecture.
pub const EDIT_LOOP: f64 = 0.7;

/// QEMU's start to a stage's last line (s): x86_64 boots through firmware and a multiboot
/// loader, the others straight into rust-sel4's loader.
pub fn qemu_last_line(arch: &Arch) -> f64 {
    if arch.loader.is_none() { 0.2 } else { 0.1 }
}

/// The root task's share of a map+unmap pair against the kernel's, at most (percent).
pub const ROOT_TASK_SHARE: f64 = 15.0;
/// Warm `make test` of every architecture, at most (seconds); and the C tutorial's (its 4 stages).
pub const MAKE_TEST_ALL: (f64, &str) = (60.0, "70 s (its 4 stages)");
/// An edit to `make status`'s answer (a build and a boot of the file), at most (seconds).
pub const STATUS: f64 = 2.0;
/// What the walk (`make simulate WALK=1`) adds to a warm run, at most (seconds).
pub const WALK_ADDS: f64 = 0.5;
/// The container image, at most (bytes).
pub const IMAGE_SIZE: f64 = 1.5e9;
/// A Debian 12 with nothing installed but make and git, to level 30 (apt included), at most (s).
pub const NOTHING_INSTALLED: f64 = 120.0;
/// An edit to the last line of `make simulate` in the container, at most (seconds).
pub const CONTAINER_EDIT_LOOP: f64 = 1.0;
/// A fresh clone's first `make simulate` in the container, at most this much over the native one.
pub const CONTAINER_FIRST_OVER_NATIVE: f64 = 0.2;

/// The C tutorial's figures, shown beside the same figure of its architecture (x86_64) only.
pub struct CTutorial {
    pub cold_build: &'static str,
    pub warm_rebuild: &'static str,
    pub qemu_last_line: &'static str,
    pub instructions: &'static str,
    pub stripped: &'static str,
}

/// The C tutorial's figures, where `arch` is the architecture it runs on.
pub fn c_tutorial(arch: &Arch) -> Option<&'static CTutorial> {
    (arch == default_arch()).then_some(&C_TUTORIAL)
}

const C_TUTORIAL: CTutorial = CTutorial {
    cold_build: "46 s",
    warm_rebuild: "0.19 s",
    qemu_last_line: "0.46-0.52 s",
    instructions: "666,554",
    stripped: "118,368 B",
};
