// SPDX-License-Identifier: BSD-2-Clause

//! `make check`: rustfmt and clippy, warnings as errors, on every crate of the root tasks'
//! workspace for every architecture (each architecture's programs are checked in its own cargo
//! directory, for its own target and kernel), and on xtask. CI runs it first (.ci/run).

use std::process::ExitCode;

use anyhow::Result;

use crate::catalogue::ARCHES;
use crate::project::Project;
use crate::support::process::{self, Output};

pub fn run(project: &Project) -> Result<ExitCode> {
    let packages = project.workspace_packages()?;
    let mut fmt = project.cargo(crate::catalogue::default_arch());
    fmt.args(["fmt", "--check"]);
    for package in &packages {
        fmt.args(["-p", package]);
    }
    step("rustfmt: the root tasks");
    process::run(fmt, Output::Shown, "rustfmt --check on the root tasks")?;
    for arch in ARCHES.iter() {
        // The kernel first: rust-sel4 reads its configuration when it is compiled.
        crate::image::kernel::ensure(project, arch, Output::Shown)?;
        step(&format!("clippy: the root tasks for {arch}"));
        // In the profile the images are built with (Cargo.toml): clippy and the builds share what
        // they compile (core, alloc, rust-sel4), so a check costs the builds nothing more.
        let mut clippy = project.cargo(arch);
        clippy.args(["clippy", "--locked", "--all-targets"]);
        if let Some(feature) = arch.feature {
            clippy.args(["--features", feature]);
        }
        // Every package for the default architecture (its directory is the workspace's top);
        // elsewhere the architecture's own and the suite, which is built for each.
        match arch.dir {
            "." => {
                clippy.arg("--workspace");
            }
            _ => {
                clippy.args(["-p", arch.package, "-p", crate::image::SEMANTICS]);
            }
        }
        clippy.args(["--", "-D", "warnings"]);
        process::run(clippy, Output::Shown, &format!("clippy for {arch}"))?;
    }
    step("rustfmt and clippy: xtask");
    process::run(
        xtask(project, &["fmt", "--check"]),
        Output::Shown,
        "rustfmt --check on xtask",
    )?;
    let clippy = xtask(project, &["clippy", "--locked", "--all-targets"]);
    let mut clippy = clippy;
    clippy.args(["--", "-D", "warnings"]);
    process::run(clippy, Output::Shown, "clippy on xtask")?;
    Ok(ExitCode::SUCCESS)
}

fn step(what: &str) {
    eprintln!("==> check: {what}");
}

/// cargo `args` on xtask, from outside the project (as tools/xtask runs it).
pub(super) fn xtask(project: &Project, args: &[&str]) -> std::process::Command {
    let mut cargo = project.command(project.toolchain_bin().join("cargo"));
    cargo
        .current_dir("/")
        .args(args)
        .arg("--manifest-path")
        .arg(project.root().join("xtask/Cargo.toml"));
    cargo
}
