// SPDX-License-Identifier: BSD-2-Clause

//! Builds a root task image: from src/main.rs as it is, from a stage derived from it, or the
//! paging-semantics suite (paging-semantics/, a package of its own).
//!
//! A stage is built from a copy of the crate under build/stages/<stage>/ whose src/main.rs is
//! the derived one, so the learner's file is never touched. The copy shares the cargo target
//! directory, so only the tutorial crate itself is compiled again, not rust-sel4. Files are
//! rewritten only when their content changes, so cargo's freshness checks keep working.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::project::Project;
use crate::stages::{self, Exercise, Stage};

/// The triple the image is built for; see .cargo/sel4-image.toml for why it is the host's.
pub const TARGET: &str = "x86_64-unknown-linux-gnu";

/// The name of the root task binary in Cargo.toml.
const BIN: &str = "mapping";

/// What to build.
pub enum Source<'a> {
    /// An exercise's file as the learner left it (src/main.rs for the main exercise).
    File(&'static Exercise),
    Stage(&'a Stage),
    /// Another text for src/main.rs (the tests build a root task that panics). `name` is made
    /// of lowercase letters and `-`, and is no stage's name.
    Variant {
        name: &'a str,
        main_rs: &'a str,
    },
    /// The paging-semantics suite.
    Semantics,
}

impl Source<'_> {
    /// src/main.rs as the learner left it.
    pub fn main_rs() -> Source<'static> {
        Source::File(stages::main_exercise())
    }

    pub fn name(&self) -> &str {
        match self {
            Source::File(exercise) if exercise.is_main() => "main",
            Source::File(exercise) => exercise.name,
            Source::Stage(stage) => stage.name,
            Source::Variant { name, .. } => name,
            Source::Semantics => SEMANTICS_BIN,
        }
    }
}

/// The suite's package directory and binary name (paging-semantics/Cargo.toml).
pub const SEMANTICS_DIR: &str = "paging-semantics";
const SEMANTICS_BIN: &str = "paging-semantics";

/// How cargo's output is handled.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// Shown as it comes (a learner wants to see compiler errors).
    Shown,
    /// Kept, and returned in the error if the build fails (tests).
    Captured,
}

/// Builds the image and returns the path of a copy that stays put: build/images/<name>.elf.
pub fn build(project: &Project, source: &Source, output: Output) -> Result<PathBuf, String> {
    build_with_features(project, source, output, &[])
}

/// As [`build`], with cargo features of the tutorial crate enabled (the benchmark's
/// `instruction-count`); the image is build/images/<name>+<feature>....elf.
pub fn build_with_features(
    project: &Project,
    source: &Source,
    output: Output,
    features: &[&str],
) -> Result<PathBuf, String> {
    let (manifest, bin) = match source {
        Source::File(exercise) => (project.root().join("Cargo.toml"), exercise.bin.to_owned()),
        Source::Stage(stage) => {
            let dir = prepare_stage_crate(project, stage)
                .map_err(|e| format!("cannot prepare the crate for stage '{}': {e}", stage.name))?;
            (dir.join("Cargo.toml"), copy_bin(stage.name))
        }
        Source::Variant { name, main_rs } => {
            let dir = prepare_crate_copy(project, name, "src/main.rs", main_rs)
                .map_err(|e| format!("cannot prepare the crate for '{name}': {e}"))?;
            (dir.join("Cargo.toml"), copy_bin(name))
        }
        Source::Semantics => (
            project.root().join(SEMANTICS_DIR).join("Cargo.toml"),
            SEMANTICS_BIN.to_owned(),
        ),
    };
    let mut cmd = Command::new("cargo");
    cmd.current_dir(project.root())
        .args(["image", "--locked", "--manifest-path"])
        .arg(&manifest)
        .args(["--bin", &bin])
        .arg("--target-dir")
        .arg(project.target_dir());
    if !features.is_empty() {
        cmd.arg("--features").arg(features.join(","));
    }
    let result = match output {
        Output::Shown => cmd.status().map(|status| (status, String::new())),
        Output::Captured => cmd.stdin(Stdio::null()).output().map(|out| {
            (
                out.status,
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        }),
    };
    let (status, log) = result.map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!(
            "building the root task for {} failed ({status}){}",
            describe(source),
            if log.is_empty() {
                String::new()
            } else {
                format!(":\n{log}")
            }
        ));
    }
    // `cargo image` builds the release profile (.cargo/config.toml).
    let built = project.target_dir().join(TARGET).join("release").join(&bin);
    let suffix: String = features.iter().map(|f| format!("+{f}")).collect();
    let image = project
        .images_dir()
        .join(format!("{}{suffix}.elf", source.name()));
    fs::create_dir_all(project.images_dir())
        .and_then(|()| fs::copy(&built, &image))
        .map_err(|e| {
            format!(
                "cannot copy {} to {}: {e}",
                built.display(),
                image.display()
            )
        })?;
    Ok(image)
}

fn describe(source: &Source) -> String {
    match source {
        Source::File(exercise) => exercise.file.to_owned(),
        Source::Stage(stage) => format!("stage '{}'", stage.name),
        Source::Variant { name, .. } => format!("'{name}'"),
        Source::Semantics => "the paging-semantics suite".to_owned(),
    }
}

/// Each copy's binary has a name of its own, so that builds of two stages never overwrite
/// each other's output in the shared target directory.
fn copy_bin(name: &str) -> String {
    format!("{BIN}-{name}")
}

/// Writes build/stages/<stage>/: the crate with the stage's exercise file replaced by the
/// derived stage.
pub fn prepare_stage_crate(project: &Project, stage: &Stage) -> io::Result<PathBuf> {
    let exercise = stage.exercise();
    let learner_file = fs::read_to_string(project.root().join(exercise.file))?;
    let derived = stages::derive(&learner_file, stage)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
    prepare_crate_copy(project, stage.name, exercise.file, &derived)
}

/// Writes build/stages/<name>/: the crate with `text` as its file `file`, and one binary, named
/// `mapping-<name>`, built from that file.
fn prepare_crate_copy(
    project: &Project,
    name: &str,
    file: &str,
    text: &str,
) -> io::Result<PathBuf> {
    let dir = project.stage_dir(name);
    let root = project.root();

    let manifest = fs::read_to_string(root.join("Cargo.toml"))?;
    let bin_lines = format!("name = \"{BIN}\"\npath = \"src/main.rs\"");
    let package_line = "[package]\n";
    if !manifest.contains(&bin_lines) || !manifest.contains(package_line) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("Cargo.toml has no [package] or no `{bin_lines}` for the root task binary"),
        ));
    }
    // Only this copy's binary: the further exercises' files in src/bin/ are not built here.
    let manifest = manifest
        .replace(
            &bin_lines,
            &format!("name = \"{}\"\npath = \"{file}\"", copy_bin(name)),
        )
        .replacen(
            package_line,
            &format!("{package_line}autobins = false\n"),
            1,
        );
    write_if_changed(&dir.join("Cargo.toml"), manifest.as_bytes())?;
    for file in ["Cargo.lock", "build.rs"] {
        write_if_changed(&dir.join(file), &fs::read(root.join(file))?)?;
    }
    // The stage's own text replaces `file`; copying the original over it first would change it
    // twice and make cargo rebuild the copy every time.
    sync_dir(&root.join("src"), &dir.join("src"), &dir.join(file))?;
    write_if_changed(&dir.join(file), text.as_bytes())?;
    Ok(dir)
}

/// Makes `to` hold the same files as `from` (src/ and its src/bin/), removing any others, but
/// leaves the file `except` to the caller.
fn sync_dir(from: &Path, to: &Path, except: &Path) -> io::Result<()> {
    fs::create_dir_all(to)?;
    let mut wanted = Vec::new();
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let file_type = entry.file_type()?;
        let target = to.join(entry.file_name());
        if file_type.is_file() {
            if target != except {
                write_if_changed(&target, &fs::read(entry.path())?)?;
            }
            wanted.push(entry.file_name());
        } else if file_type.is_dir() {
            sync_dir(&entry.path(), &target, except)?;
            wanted.push(entry.file_name());
        }
    }
    for entry in fs::read_dir(to)? {
        let entry = entry?;
        if !wanted.contains(&entry.file_name()) {
            if entry.file_type()?.is_dir() {
                fs::remove_dir_all(entry.path())?;
            } else {
                fs::remove_file(entry.path())?;
            }
        }
    }
    Ok(())
}

fn write_if_changed(path: &Path, content: &[u8]) -> io::Result<()> {
    if fs::read(path).is_ok_and(|old| old == content) {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    fs::write(path, content)
}
