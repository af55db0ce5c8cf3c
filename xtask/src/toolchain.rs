// SPDX-License-Identifier: BSD-2-Clause

//! What the builds are made from, beyond the project's own files: the upstream pins
//! (tools/upstream.env), the kernel's cross compiler (sel4-kernel-config/<arch>.cmake) and the
//! Rust toolchain (build/toolchain, made by tools/setup-host). Caches are keyed by these.

use std::fs::{self, File};
use std::io;
use std::os::fd::AsRawFd;
use std::path::Path;

use crate::catalogue::Arch;
use crate::project::Project;

/// A value of tools/upstream.env (`KEY=value` lines), such as `RUST_SEL4_COMMIT`.
pub fn upstream(project: &Project, key: &str) -> Result<String, String> {
    let path = project.root().join("tools/upstream.env");
    let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    env_value(&text, key).ok_or_else(|| format!("{} has no {key}=", path.display()))
}

fn env_value(text: &str, key: &str) -> Option<String> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .find(|(k, _)| k.trim() == key)
        .map(|(_, v)| v.trim().to_owned())
}

/// The GNU prefix of the kernel's compiler and binutils (`aarch64-linux-gnu-`), as
/// sel4-kernel-config/<arch>.cmake sets CROSS_COMPILER_PREFIX. The loader's assembly is built
/// with the same compiler.
pub fn cross_prefix(project: &Project, arch: &Arch) -> Result<String, String> {
    let path = project.root().join(arch.kernel_settings());
    let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    cmake_setting(&text, "CROSS_COMPILER_PREFIX")
        .ok_or_else(|| format!("{} does not set CROSS_COMPILER_PREFIX", path.display()))
}

/// `set(NAME value CACHE ...)` → value (without quotes).
fn cmake_setting(text: &str, name: &str) -> Option<String> {
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
pub fn toolchain_key(project: &Project) -> Result<String, String> {
    let path = project.build_dir().join("toolchain/version");
    fs::read_to_string(&path)
        .map(|k| k.split_whitespace().collect::<Vec<_>>().join(" "))
        .map_err(|_| {
            "no toolchain in build/toolchain: run `make setup` (every make target does)".into()
        })
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
pub fn kernel_key(project: &Project, arch: &Arch) -> Result<String, String> {
    let path = project.arch_dir(arch).join("kernel/key");
    fs::read_to_string(&path)
        .map(|k| k.trim().to_owned())
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// An exclusive lock on a file, held until dropped: one build of a shared thing at a time.
pub struct FileLock {
    _file: File,
}

impl FileLock {
    pub fn exclusive(path: &Path) -> io::Result<Self> {
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)?;
        // SAFETY: flock on a descriptor this value owns; closing it releases the lock.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(Self { _file: file })
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
            let prefix = cross_prefix(&project, arch).unwrap();
            assert!(
                prefix.ends_with("-linux-gnu-") || prefix.ends_with("-linux-gnueabihf-"),
                "{arch}: '{prefix}'"
            );
        }
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
