// SPDX-License-Identifier: BSD-2-Clause

//! What several test binaries share. Each binary that needs it declares `mod common;`, and uses
//! only part of it.
#![allow(dead_code)]

use std::fs;
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;

use xtask::catalogue::{self, Arch};
use xtask::project::Project;

/// A project file's text (its path relative to the project's top directory).
pub fn read(file: &str) -> String {
    let path = Project::here().root().join(file);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// x86_64, the default architecture, on which the tests of one architecture's workings run.
pub fn x86_64() -> &'static Arch {
    catalogue::default_arch()
}

/// A loopback port nothing listens on now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The project as a learner on Windows clones it, at `dir`: the files of this working tree (git's
/// files, committed in a repository of their own, so that what is not yet committed is tested
/// too), cloned with `core.autocrlf=true`, Git for Windows' default.
pub fn windows_clone(project: &Project, dir: &Path) {
    let source = dir.with_extension("source");
    let _ = fs::remove_dir_all(&source);
    let files = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(project.root())
        .output()
        .unwrap();
    for file in String::from_utf8(files.stdout)
        .unwrap()
        .split('\0')
        .filter(|f| !f.is_empty())
    {
        let from = project.root().join(file);
        if !from.exists() {
            continue; // deleted in this working tree, not yet in git
        }
        let to = source.join(file);
        fs::create_dir_all(to.parent().unwrap()).unwrap();
        fs::copy(&from, &to).unwrap();
    }
    let git = |args: &[&str], dir: &Path| {
        let out = Command::new("git")
            .args(["-c", "user.name=test", "-c", "user.email=test@example.org"])
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    git(&["init", "-q"], &source);
    git(&["add", "-A"], &source);
    git(&["commit", "-q", "-m", "the working tree"], &source);
    let _ = fs::remove_dir_all(dir);
    fs::create_dir_all(dir.parent().unwrap()).unwrap();
    git(
        &[
            "clone",
            "-q",
            "-c",
            "core.autocrlf=true",
            source.to_str().unwrap(),
            dir.to_str().unwrap(),
        ],
        Path::new("/"),
    );
    fs::remove_dir_all(&source).unwrap();
}
