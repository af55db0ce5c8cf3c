// SPDX-License-Identifier: BSD-2-Clause

//! What the builds are made from, beyond the project's own files: the upstream pins
//! (tools/upstream.env), the kernel's cross compiler (sel4-kernel-config/<arch>.cmake) and the
//! Rust toolchain (build/toolchain, made by tools/setup-host). Caches are keyed by these
//! ([`super::cache`]).

use std::fs;

use anyhow::{Context, Result};

use crate::project::Project;

/// A value of tools/upstream.env (`KEY=value` lines), such as `RUST_SEL4_COMMIT`.
pub fn upstream(project: &Project, key: &str) -> Result<String> {
    let path = project.root().join("tools/upstream.env");
    let text = fs::read_to_string(&path).with_context(|| path.display().to_string())?;
    env_value(&text, key).with_context(|| format!("{} has no {key}=", path.display()))
}

fn env_value(text: &str, key: &str) -> Option<String> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .find(|(k, _)| k.trim() == key)
        .map(|(_, v)| v.trim().to_owned())
}

/// `set(NAME value CACHE ...)` in a kernel settings file (sel4-kernel-config/) → value (without
/// quotes).
pub fn cmake_setting(text: &str, name: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("set(")?.strip_prefix(name)?;
        if !rest.starts_with(char::is_whitespace) {
            return None;
        }
        let value = rest.split_whitespace().next()?;
        Some(value.trim_matches('"').to_owned())
    })
}

/// What the toolchain in build/toolchain is: its rustc's `rustc -vV` (tools/setup-host writes it).
pub fn toolchain_key(project: &Project) -> Result<String> {
    let path = project.build_dir().join("toolchain/version");
    fs::read_to_string(&path)
        .map(|k| k.split_whitespace().collect::<Vec<_>>().join(" "))
        .context("no toolchain in build/toolchain: run `make setup` (every make target does)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_read_from_the_project_files() {
        let project = Project::here();
        assert_eq!(upstream(&project, "RUST_SEL4_RELEASE").unwrap(), "v5.0.0");
        assert!(upstream(&project, "NO_SUCH_KEY").is_err());
        for arch in &crate::catalogue::ARCHES {
            // A prefix on every architecture, the host's own included: the same settings build
            // on an x86_64 and an ARM host (tools/system-packages.txt).
            let prefix = arch.cross_prefix;
            assert!(
                prefix.ends_with("-linux-gnu-") || prefix.ends_with("-linux-gnueabihf-"),
                "{arch}: '{prefix}'"
            );
        }
    }

    /// The rustup route's toolchain is pinned twice, for two readers: rustup reads
    /// rust-toolchain.toml, tools/setup-host tools/upstream.env. They must name the same one.
    #[test]
    fn rust_toolchain_toml_names_the_pinned_nightly() {
        let project = Project::here();
        let pinned = upstream(&project, "RUST_NIGHTLY").unwrap();
        let file = project.root().join("rust-toolchain.toml");
        let toml: toml::Table = fs::read_to_string(&file).unwrap().parse().unwrap();
        let channel = toml["toolchain"]["channel"].as_str().unwrap();
        assert_eq!(
            channel,
            pinned,
            "{} and tools/upstream.env disagree",
            file.display()
        );
    }

    #[test]
    fn cmake_settings_and_env_values_are_parsed() {
        let cmake = "# x\nset(CROSS_COMPILER_PREFIX aarch64-linux-gnu- CACHE STRING \"\")\n\
                     set(KernelArch arm CACHE STRING \"\")\nset(EMPTY \"\" CACHE STRING \"\")\n";
        assert_eq!(
            cmake_setting(cmake, "CROSS_COMPILER_PREFIX").as_deref(),
            Some("aarch64-linux-gnu-")
        );
        assert_eq!(cmake_setting(cmake, "KernelArch").as_deref(), Some("arm"));
        assert_eq!(cmake_setting(cmake, "EMPTY").as_deref(), Some(""));
        assert_eq!(cmake_setting(cmake, "Kernel"), None);
        assert_eq!(
            env_value("# c\nA=1\nB = two\n", "B").as_deref(),
            Some("two")
        );
    }
}
