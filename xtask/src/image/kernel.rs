// SPDX-License-Identifier: BSD-2-Clause

//! The seL4 kernel of an architecture, built by tools/build-kernel when its settings or the
//! pinned commit changed (it keeps a key of what it was built from, and a lock), and the
//! firmware QEMU starts before it where none is packaged (tools/build-firmware, likewise).

use anyhow::{Context, Result};

use crate::catalogue::Arch;
use crate::project::Project;
use crate::support::process::{self, Output};

/// Builds `arch`'s kernel (and firmware) unless it is built already; says so when it builds.
pub fn ensure(project: &Project, arch: &Arch, output: Output) -> Result<()> {
    let mut cmd = project.command(project.root().join("tools/build-kernel"));
    cmd.arg(arch.name)
        .env("KERNEL_OUT", project.kernel_dir(arch))
        .env("SEL4_SRC", project.sel4_src())
        .current_dir(project.root());
    // tools/build-kernel also installs the kernel's system packages (its compiler, QEMU,
    // debugger) where they are missing, and says so first if it cannot.
    process::run(
        cmd,
        output,
        &format!("setting up {arch} (its system packages and seL4 kernel)"),
    )?;
    if arch.firmware {
        let mut cmd = project.command(project.root().join("tools/build-firmware"));
        cmd.arg(arch.name)
            .env("FIRMWARE_OUT", project.firmware_dir(arch))
            .env("OPENSBI_SRC", project.opensbi_src())
            .current_dir(project.root());
        process::run(cmd, output, &format!("building the firmware for {arch}"))?;
    }
    Ok(())
}

/// The configuration `arch`'s kernel was built with: its gen_config.json, every `CONFIG_` setting
/// by its name without the prefix (`"ARM_PA_SIZE_BITS_44": true`).
pub fn config(project: &Project, arch: &Arch) -> Result<serde_json::Value> {
    let path = project
        .kernel_prefix(arch)
        .join("libsel4/include/kernel/gen_config.json");
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "{}: the kernel is not built (`make kernel`)",
            path.display()
        )
    })?;
    serde_json::from_str(&text).with_context(|| path.display().to_string())
}

/// What `arch`'s kernel was built from (tools/build-kernel writes it).
pub fn key(project: &Project, arch: &Arch) -> Result<String> {
    let path = project.arch_dir(arch).join("kernel/key");
    std::fs::read_to_string(&path)
        .map(|k| k.trim().to_owned())
        .with_context(|| path.display().to_string())
}
