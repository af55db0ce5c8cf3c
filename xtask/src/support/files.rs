// SPDX-License-Identifier: BSD-2-Clause

//! Built files, keys and stamps that another run may be reading at the same moment (tests run in
//! parallel; a learner runs `make gdb` beside `make simulate`) are replaced whole, never rewritten
//! in place: written under a temporary name beside them, then renamed over them, so that a reader
//! sees the old file or the new one, never half of one.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// A name beside `path`, unique to this process and call, for a tool that writes a file by its
/// name: the caller renames it over `path` when it is complete ([`std::fs::rename`]).
pub fn temporary(path: &Path) -> PathBuf {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    path.with_file_name(format!(".{name}.{}.{n}.tmp", std::process::id()))
}

/// Moves the finished `temporary` over `path`; on failure, removes it.
fn replace_with(temporary: &Path, path: &Path, written: io::Result<()>) -> io::Result<()> {
    let result = written.and_then(|()| fs::rename(temporary, path));
    if result.is_err() {
        let _ = fs::remove_file(temporary);
    }
    result
}

fn create_parent(path: &Path) -> io::Result<()> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => fs::create_dir_all(dir),
        _ => Ok(()),
    }
}

/// Where a text is not UTF-8: its first byte that is not, by line and column (from 1).
#[derive(Debug, PartialEq, Eq)]
pub struct NotUtf8 {
    pub line: usize,
    pub column: usize,
    pub byte: u8,
}

/// `bytes` as text, or where they stop being UTF-8.
pub fn utf8(bytes: Vec<u8>) -> Result<String, NotUtf8> {
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let at = e.utf8_error().valid_up_to();
        let before = &bytes[..at];
        let start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        NotUtf8 {
            line: before.iter().filter(|&&b| b == b'\n').count() + 1,
            column: String::from_utf8_lossy(&before[start..]).chars().count() + 1,
            byte: bytes[at],
        }
    })
}

/// Replaces `path` with `contents`.
pub fn write(path: &Path, contents: impl AsRef<[u8]>) -> io::Result<()> {
    create_parent(path)?;
    let temporary = temporary(path);
    replace_with(&temporary, path, fs::write(&temporary, contents))
}

/// Replaces `path` with `contents`, unless it holds them already (so that its time, which cargo
/// and make go by, changes only with its contents).
pub fn write_if_changed(path: &Path, contents: impl AsRef<[u8]>) -> io::Result<()> {
    if fs::read(path).is_ok_and(|old| old == contents.as_ref()) {
        return Ok(());
    }
    write(path, contents)
}

/// Replaces `to` with a copy of `from` (its permissions too).
pub fn copy(from: &Path, to: &Path) -> io::Result<()> {
    create_parent(to)?;
    let temporary = temporary(to);
    replace_with(&temporary, to, fs::copy(from, &temporary).map(drop))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replaced_file_is_whole_and_leaves_nothing_beside_it() {
        let dir = std::env::temp_dir().join(format!("xtask-files-test-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let path = dir.join("sub/key");
        write(&path, "one").unwrap();
        write(&path, "two").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "two");
        copy(&path, &dir.join("copy")).unwrap();
        assert_eq!(fs::read_to_string(dir.join("copy")).unwrap(), "two");
        let mut names: Vec<String> = fs::read_dir(dir.join("sub"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["key"]);
        // A failed copy leaves the old file as it was, and no temporary file.
        assert!(copy(&dir.join("missing"), &path).is_err());
        assert_eq!(fs::read_to_string(&path).unwrap(), "two");
        assert_eq!(fs::read_dir(dir.join("sub")).unwrap().count(), 1);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_byte_that_is_not_utf8_is_found_by_line_and_column() {
        assert_eq!(utf8(b"fn main() {}\n".to_vec()).unwrap(), "fn main() {}\n");
        let latin1 = b"// caf\xc3\xa9\n    let x = \"d\xe9j\xe0\";\n".to_vec();
        assert_eq!(
            utf8(latin1),
            Err(NotUtf8 {
                line: 2,
                column: 15,
                byte: 0xe9
            })
        );
    }
}
