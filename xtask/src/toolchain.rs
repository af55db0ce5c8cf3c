// SPDX-License-Identifier: BSD-2-Clause

//! What the builds are made from, beyond the project's own files: the upstream pins
//! (tools/upstream.env), the kernel's cross compiler (sel4-kernel-config/<arch>.cmake) and the
//! Rust toolchain (build/toolchain, made by tools/setup-host). Caches are keyed by these.

use std::fs::{self, File};
use std::io;
use std::os::fd::AsRawFd;
use std::path::Path;

use anyhow::{Context, Result};

use crate::catalogue::Arch;
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

/// This user's cache of what every checkout can share, keyed by what it is made from:
/// `$XDG_CACHE_HOME/sel4-mapping-tutorial`, or `~/.cache/sel4-mapping-tutorial`.
pub fn user_cache() -> Option<std::path::PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|d| !d.is_empty())
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")))?;
    Some(base.join("sel4-mapping-tutorial"))
}

/// A short, stable digest of `text` (FNV-1a), to name a cache entry by its key.
pub fn digest(text: &str) -> String {
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    format!("{hash:016x}")
}

/// What `arch`'s kernel was built from (tools/build-kernel writes it).
pub fn kernel_key(project: &Project, arch: &Arch) -> Result<String> {
    let path = project.arch_dir(arch).join("kernel/key");
    fs::read_to_string(&path)
        .map(|k| k.trim().to_owned())
        .with_context(|| path.display().to_string())
}

/// An exclusive lock on a file, held until dropped: one build of a shared thing at a time.
pub struct FileLock {
    _file: File,
}

impl FileLock {
    /// The lock, once every other holder has let it go.
    pub fn exclusive(path: &Path) -> io::Result<Self> {
        Self::lock(path, libc::LOCK_EX).map(|lock| lock.expect("a blocking lock is taken"))
    }

    /// The lock if nobody holds it; `None` if somebody does.
    pub fn try_exclusive(path: &Path) -> io::Result<Option<Self>> {
        Self::lock(path, libc::LOCK_EX | libc::LOCK_NB)
    }

    fn lock(path: &Path, operation: libc::c_int) -> io::Result<Option<Self>> {
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)?;
        // SAFETY: flock on a descriptor this value owns; closing it releases the lock.
        if unsafe { libc::flock(file.as_raw_fd(), operation) } != 0 {
            let error = io::Error::last_os_error();
            return match error.raw_os_error() {
                Some(libc::EWOULDBLOCK) => Ok(None),
                _ => Err(error),
            };
        }
        Ok(Some(Self { _file: file }))
    }
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
