// SPDX-License-Identifier: BSD-2-Clause

//! What is built once and kept: this user's cache, which every checkout on the machine shares
//! (the kernel loaders, the loader's payload tool, mdBook), each entry named by a digest of what
//! it is made from, and the lock that lets one build of a shared thing run at a time.

use std::fs::{self, File};
use std::io;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::project::Project;
use crate::support::files;

/// `path`, made by `build` (which builds in the directory it is given and returns the file)
/// unless this checkout or this user's cache has one made from `key`.
pub(crate) fn ensure(
    project: &Project,
    path: &Path,
    key: &str,
    build: impl FnOnce(&Path) -> Result<PathBuf>,
) -> Result<PathBuf> {
    let dir = path.parent().expect("a built file has a directory");
    let _lock = lock(project)?;
    if path.is_file() && fs::read_to_string(dir.join("key")).is_ok_and(|k| k.trim() == key) {
        return Ok(path.to_owned());
    }
    let name = path.file_name().expect("a built file has a name");
    let cached = user_cache().map(|cache| cache.join("built").join(digest(key)).join(name));
    let built = match &cached {
        Some(cached) if cached.is_file() => cached.clone(),
        _ => build(dir)?,
    };
    // Replaced whole, here and in the cache: other runs may be reading either (a cache entry
    // copied while another checkout wrote it once gave a loader cut short).
    files::copy(&built, path)
        .with_context(|| format!("cannot copy {} to {}", built.display(), path.display()))?;
    if let Some(cached) = cached.filter(|c| !c.is_file()) {
        // A cache that cannot be written is only a cache: the next checkout builds again.
        let _ = files::copy(&built, &cached);
    }
    let key_file = dir.join("key");
    files::write(&key_file, format!("{key}\n")).with_context(|| key_file.display().to_string())?;
    Ok(path.to_owned())
}

/// One loader or tool build at a time: they share rust-sel4's checkout (and its lock file).
fn lock(project: &Project) -> Result<FileLock> {
    let path = project.build_dir().join("rust-sel4.lock");
    FileLock::exclusive(&path).with_context(|| path.display().to_string())
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
