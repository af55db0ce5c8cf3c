// SPDX-License-Identifier: BSD-2-Clause

//! rust-sel4's kernel loader, for the architectures QEMU cannot boot seL4 on by itself (aarch64,
//! riscv64): `sel4-kernel-loader`, built once per kernel, and its payload tool
//! (`sel4-kernel-loader-add-payload`), built once for all, which appends a kernel and a root task
//! to a copy of the loader to make the image QEMU boots. Both come from the rust-sel4 checkout
//! (build/rust-sel4), whose top manifest tools/setup-host replaced by a workspace of just these
//! two. Each is cached with a key of what it was built from.
//!
//! cargo runs from outside the project for them (`/`, with the manifest's path), so that neither
//! the project's cargo settings (.cargo/config.toml: the seL4 targets, build-std) nor rust-sel4's
//! own apply: the loader is built for a built-in bare-metal target, the tool for the host.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::catalogue::{Arch, Loader};
use crate::command::{self, Output};
use crate::project::Project;
use crate::toolchain::{self, FileLock};

const BUILD_STD: [&str; 4] = [
    "-Z",
    "build-std=core,alloc,compiler_builtins",
    "-Z",
    "build-std-features=compiler-builtins-mem",
];

/// The loader for `arch` (which must have one), built unless it is up to date.
pub fn ensure_loader(
    project: &Project,
    arch: &Arch,
    loader: &Loader,
    output: Output,
) -> Result<PathBuf, String> {
    let path = project.loader(arch);
    let dir = path
        .parent()
        .expect("the loader has a directory")
        .to_owned();
    let key = [
        toolchain::kernel_key(project, arch)?,
        toolchain::toolchain_key(project)?,
        toolchain::upstream(project, "RUST_SEL4_COMMIT")?,
        loader.target.to_owned(),
    ]
    .join(" ");
    let _lock = lock(project)?;
    if is_current(&dir, &key, &path) {
        return Ok(path);
    }
    eprintln!(
        "==> Building rust-sel4's kernel loader for {arch} ({}; once for each kernel)",
        loader.target
    );
    let cross = toolchain::cross_prefix(project, arch)?;
    let target_env = loader.target.replace('-', "_");
    let out = dir.join("out");
    let mut cargo = rust_sel4_cargo(project);
    cargo
        .env("SEL4_PREFIX", project.kernel_prefix(arch))
        .env(format!("CC_{target_env}"), format!("{cross}gcc"))
        .args(BUILD_STD)
        .args([
            "-Z",
            "unstable-options",
            "--release",
            "--target",
            loader.target,
        ])
        .args(["-p", "sel4-kernel-loader", "--target-dir"])
        .arg(dir.join("target"))
        .arg("--artifact-dir")
        .arg(&out);
    command::run(
        cargo,
        output,
        &format!("building the kernel loader for {arch}"),
    )?;
    replace(&out.join("sel4-kernel-loader"), &path)?;
    write_key(&dir, &key)?;
    Ok(path)
}

/// The payload tool, built unless it is up to date.
pub fn ensure_payload_tool(project: &Project, output: Output) -> Result<PathBuf, String> {
    let dir = project.host_tools_dir();
    let path = dir.join("sel4-kernel-loader-add-payload");
    let key = [
        toolchain::toolchain_key(project)?,
        toolchain::upstream(project, "RUST_SEL4_COMMIT")?,
    ]
    .join(" ");
    let _lock = lock(project)?;
    if is_current(&dir, &key, &path) {
        return Ok(path);
    }
    eprintln!("==> Building rust-sel4's kernel loader payload tool (once for every architecture)");
    let out = dir.join("out");
    let mut cargo = rust_sel4_cargo(project);
    cargo
        .args(["-Z", "unstable-options", "--release"])
        .args(["-p", "sel4-kernel-loader-add-payload", "--target-dir"])
        .arg(dir.join("target"))
        .arg("--artifact-dir")
        .arg(&out);
    command::run(cargo, output, "building the kernel loader's payload tool")?;
    replace(&out.join("sel4-kernel-loader-add-payload"), &path)?;
    write_key(&dir, &key)?;
    Ok(path)
}

/// Makes `image`: a copy of `arch`'s loader with its kernel and `root_task` appended.
pub fn add_payload(
    project: &Project,
    arch: &Arch,
    loader: &Loader,
    root_task: &Path,
    image: &Path,
    output: Output,
) -> Result<(), String> {
    let loader_elf = ensure_loader(project, arch, loader, output)?;
    let tool = ensure_payload_tool(project, output)?;
    let mut cmd = project.command(tool);
    cmd.arg("--sel4-prefix")
        .arg(project.kernel_prefix(arch))
        .arg("--loader")
        .arg(loader_elf)
        .arg("--app")
        .arg(root_task)
        .arg("-o")
        .arg(image);
    // Its output is a line of progress that says nothing to a learner.
    command::run(
        cmd,
        Output::Captured,
        "adding the kernel and root task to the loader",
    )
}

/// `cargo build` for rust-sel4's (loader) workspace, run from outside the project.
fn rust_sel4_cargo(project: &Project) -> Command {
    let mut cargo = project.command(project.toolchain_bin().join("cargo"));
    cargo
        .current_dir("/")
        .arg("build")
        .arg("--manifest-path")
        .arg(project.rust_sel4().join("Cargo.toml"));
    cargo
}

/// One loader or tool build at a time: they share rust-sel4's checkout (and its lock file).
fn lock(project: &Project) -> Result<FileLock, String> {
    let path = project.build_dir().join("rust-sel4.lock");
    FileLock::exclusive(&path).map_err(|e| format!("{}: {e}", path.display()))
}

fn is_current(dir: &Path, key: &str, built: &Path) -> bool {
    built.is_file() && fs::read_to_string(dir.join("key")).is_ok_and(|k| k.trim() == key)
}

fn write_key(dir: &Path, key: &str) -> Result<(), String> {
    let path = dir.join("key");
    fs::write(&path, format!("{key}\n")).map_err(|e| format!("{}: {e}", path.display()))
}

fn replace(from: &Path, to: &Path) -> Result<(), String> {
    fs::copy(from, to)
        .map(drop)
        .map_err(|e| format!("cannot copy {} to {}: {e}", from.display(), to.display()))
}
