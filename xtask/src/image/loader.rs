// SPDX-License-Identifier: BSD-2-Clause

//! rust-sel4's kernel loader, for the architectures QEMU cannot boot seL4 on by itself (aarch64,
//! riscv64): `sel4-kernel-loader`, built once for each kernel, and its payload tool
//! (`sel4-kernel-loader-add-payload`), built once for all, which appends a kernel and a root task
//! to a copy of the loader to make the image QEMU boots. Both come from the rust-sel4 checkout
//! (build/rust-sel4), whose top manifest tools/setup-host replaced by a workspace of just these
//! two.
//!
//! A kernel whose catalogue entry names a patch to the loader (the suite's EL1 aarch64 kernel:
//! rust-sel4 v5.0.0's loader enters a kernel at EL2 only) gets a loader built from a patched copy
//! of the checkout; the checkout itself stays as pinned.
//!
//! Both are kept in this user's cache (support::cache::user_cache), named by a digest of what they are
//! built from (the kernel's key, the toolchain, the rust-sel4 commit, the target, the patch), so
//! that every checkout on the machine shares them: a fresh clone builds neither again. cargo runs from
//! outside the project for them (`/`, with the manifest's path), so that neither the project's
//! cargo settings (.cargo/config.toml: the seL4 targets, build-std) nor rust-sel4's own apply: the
//! loader is built for a built-in bare-metal target, the tool for the host.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};

use crate::catalogue::{Arch, Loader};
use crate::project::Project;
use crate::support::cache;
use crate::support::files;
use crate::support::process::{self, Output};
use crate::support::toolchain;

const BUILD_STD: [&str; 4] = [
    "-Z",
    "build-std=core,alloc,compiler_builtins",
    "-Z",
    "build-std-features=compiler-builtins-mem",
];

/// The loader for `arch` (which must have one): from this checkout's build, this user's cache,
/// or built now.
pub fn ensure_loader(
    project: &Project,
    arch: &Arch,
    loader: &Loader,
    output: Output,
) -> Result<PathBuf> {
    let mut key = [
        crate::image::kernel::key(project, arch)?,
        toolchain::toolchain_key(project)?,
        toolchain::upstream(project, "RUST_SEL4_COMMIT")?,
        loader.target.to_owned(),
        loader.cflags.unwrap_or_default().to_owned(),
    ]
    .join(" ");
    if let Some(patch) = loader.patch {
        // Only a patched loader's key names its patch: the others' stay as they were.
        let path = project.root().join(patch);
        let text = fs::read(&path).with_context(|| path.display().to_string())?;
        key.push_str(&format!(
            " patch {}",
            cache::digest(&String::from_utf8_lossy(&text))
        ));
    }
    cache::ensure(project, &project.loader(arch), &key, |dir| {
        eprintln!(
            "==> Building rust-sel4's kernel loader for {arch} ({}; once for each kernel)",
            loader.target
        );
        build_loader(
            project,
            arch,
            loader,
            &project.kernel_prefix(arch),
            dir,
            output,
        )
    })
}

/// The payload tool: from this checkout's build, this user's cache, or built now.
pub fn ensure_payload_tool(project: &Project, output: Output) -> Result<PathBuf> {
    let key = [
        toolchain::toolchain_key(project)?,
        toolchain::upstream(project, "RUST_SEL4_COMMIT")?,
    ]
    .join(" ");
    let path = project
        .host_tools_dir()
        .join("sel4-kernel-loader-add-payload");
    cache::ensure(project, &path, &key, |dir| {
        eprintln!(
            "==> Building rust-sel4's kernel loader payload tool (once for every architecture)"
        );
        build_payload_tool(project, dir, output)
    })
}

/// Builds the loader for `arch`, with the kernel at `kernel_prefix`, in `dir`; returns it.
pub fn build_loader(
    project: &Project,
    arch: &Arch,
    loader: &Loader,
    kernel_prefix: &Path,
    dir: &Path,
    output: Output,
) -> Result<PathBuf> {
    let cross = arch.cross_prefix;
    let target_env = loader.target.replace('-', "_");
    let out = dir.join("out");
    let mut cargo = match loader.patch {
        None => rust_sel4_cargo(project, &project.rust_sel4()),
        Some(patch) => rust_sel4_cargo(project, &patched_copy(project, patch, dir)?),
    };
    cargo
        .env("SEL4_PREFIX", kernel_prefix)
        .env(format!("CC_{target_env}"), format!("{cross}gcc"))
        .env(
            format!("CFLAGS_{target_env}"),
            loader.cflags.unwrap_or_default(),
        )
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
    process::run(
        cargo,
        output,
        &format!("building the kernel loader for {arch}"),
    )?;
    Ok(out.join("sel4-kernel-loader"))
}

/// Builds the payload tool in `dir`; returns it.
pub fn build_payload_tool(project: &Project, dir: &Path, output: Output) -> Result<PathBuf> {
    let out = dir.join("out");
    let mut cargo = rust_sel4_cargo(project, &project.rust_sel4());
    cargo
        .args(["-Z", "unstable-options", "--release"])
        .args(["-p", "sel4-kernel-loader-add-payload", "--target-dir"])
        .arg(dir.join("target"))
        .arg("--artifact-dir")
        .arg(&out);
    process::run(cargo, output, "building the kernel loader's payload tool")?;
    Ok(out.join("sel4-kernel-loader-add-payload"))
}

/// Makes `image`: a copy of `arch`'s loader with its kernel and `root_task` appended.
pub fn add_payload(
    project: &Project,
    arch: &Arch,
    loader: &Loader,
    root_task: &Path,
    image: &Path,
    output: Output,
) -> Result<()> {
    let loader_elf = ensure_loader(project, arch, loader, output)?;
    let tool = ensure_payload_tool(project, output)?;
    // Made under another name and renamed: a boot of the previous image may be reading it.
    let partial = files::temporary(image);
    let mut cmd = project.command(tool);
    cmd.arg("--sel4-prefix")
        .arg(project.kernel_prefix(arch))
        .arg("--loader")
        .arg(loader_elf)
        .arg("--app")
        .arg(root_task)
        .arg("-o")
        .arg(&partial);
    // Its output is a line of progress that says nothing to a learner.
    let made = process::run(
        cmd,
        Output::Captured,
        "adding the kernel and root task to the loader",
    )
    .and_then(|()| fs::rename(&partial, image).with_context(|| image.display().to_string()));
    if made.is_err() {
        let _ = fs::remove_file(&partial);
    }
    made
}

/// `cargo build` for rust-sel4's (loader) workspace at `checkout`, run from outside the project.
fn rust_sel4_cargo(project: &Project, checkout: &Path) -> Command {
    let mut cargo = project.command(project.toolchain_bin().join("cargo"));
    cargo
        .current_dir("/")
        .arg("build")
        .arg("--manifest-path")
        .arg(checkout.join("Cargo.toml"));
    cargo
}

/// A copy of rust-sel4's checkout (its loader workspace, without git's files) in `dir`, with
/// `patch` (a file of the project, in `git diff` form) applied: made anew for each build.
fn patched_copy(project: &Project, patch: &str, dir: &Path) -> Result<PathBuf> {
    let copy = dir.join("rust-sel4-patched");
    if copy.exists() {
        fs::remove_dir_all(&copy).with_context(|| copy.display().to_string())?;
    }
    copy_tree(&project.rust_sel4(), &copy)
        .with_context(|| format!("cannot copy {}", project.rust_sel4().display()))?;
    let mut git = project.command("git");
    // Not in the project's own repository (build/ is inside it), which would make git apply
    // skip every file as outside the directory it runs in.
    git.current_dir(&copy)
        .env("GIT_CEILING_DIRECTORIES", dir)
        .args(["apply", "--whitespace=nowarn"])
        .arg(project.root().join(patch));
    process::run(git, Output::Captured, &format!("applying {patch}"))?;
    Ok(copy)
}

/// Copies the directory `from` to `to`, but for git's own files.
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        if entry.file_name() == ".git" {
            continue;
        }
        if entry.file_type()?.is_dir() {
            copy_tree(&source, &target)?;
        } else {
            fs::copy(&source, &target)?;
        }
    }
    Ok(())
}
