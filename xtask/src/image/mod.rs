// SPDX-License-Identifier: BSD-2-Clause

//! Builds the image of a root task for an architecture: from an exercise's file as the learner
//! left it, from a stage derived from it, from another text (tests), or one of the project's own
//! programs (the paging-semantics suite, the benchmark's probe). This module alone names image
//! files: build/<arch>/images/<source name>/ holds
//!   <bin>.elf    the root task, as cargo built it (with its debug information)
//!   image.elf    on the architectures with a kernel loader: loader + kernel + root task
//!
//! A stage is built from a copy of its exercise's package under build/<arch>/stages/<stage>/,
//! whose file is the text derived from the shipped one (shipped/<file>): it is the same whatever
//! the learner's file holds, and that file is never touched. The copy is a
//! workspace of its own that names the same dependencies by the same absolute paths and shares
//! the architecture's target directory, so only the stage's own file is compiled again. Files
//! are rewritten only when their content changes, so cargo's freshness checks keep working.

pub mod elf_check;
pub mod kernel;
pub mod loader;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::catalogue::{Arch, ExerciseRef, StageRef};
use crate::exercise::stages;
use crate::project::Project;
use crate::support::files;
use crate::support::process::{self, Output};

/// What to build.
#[derive(Clone, Copy)]
pub enum Source<'a> {
    /// An exercise's file as the learner left it.
    File(ExerciseRef),
    Stage(StageRef),
    /// Another text for an exercise's file (the tests build a root task that panics). `name` is
    /// made of lowercase letters and `-`, and is no stage's name.
    Variant {
        exercise: ExerciseRef,
        name: &'a str,
        text: &'a str,
    },
    /// The paging-semantics suite (paging-semantics/).
    Semantics(&'static Arch),
    /// `make bench`'s cost probe (bench-map-unmap/).
    BenchProbe(&'static Arch),
}

/// The suite's package and program (paging-semantics/Cargo.toml).
pub const SEMANTICS: &str = "paging-semantics";
/// The benchmark probe's package and program (bench-map-unmap/Cargo.toml).
const BENCH_PROBE: &str = "bench-map-unmap";

impl Source<'_> {
    pub fn arch(&self) -> &'static Arch {
        match self {
            Source::File(e) | Source::Variant { exercise: e, .. } => e.arch,
            Source::Stage(s) => s.arch,
            Source::Semantics(arch) | Source::BenchProbe(arch) => arch,
        }
    }

    /// The name of its image directory, unique within the architecture.
    pub fn name(&self) -> &str {
        match self {
            Source::File(e) if e.is_main() => "main",
            Source::File(e) => e.exercise.name,
            Source::Stage(s) => s.name(),
            Source::Variant { name, .. } => name,
            Source::Semantics(_) => SEMANTICS,
            Source::BenchProbe(_) => BENCH_PROBE,
        }
    }

    /// The program cargo builds.
    pub fn bin(&self) -> &'static str {
        match self {
            Source::File(e) | Source::Variant { exercise: e, .. } => e.exercise.bin,
            Source::Stage(s) => s.exercise.bin,
            Source::Semantics(_) => SEMANTICS,
            Source::BenchProbe(_) => BENCH_PROBE,
        }
    }

    /// The root task's `main` as the debugger names it: crate (the program, with '-' as '_'),
    /// then the function.
    pub fn main_symbol(&self) -> String {
        format!("{}::main", self.bin().replace('-', "_"))
    }

    pub fn describe(&self) -> String {
        match self {
            Source::File(e) => e.exercise.file.to_owned(),
            Source::Stage(s) => format!("stage '{}' of the shipped {}", s.name(), s.exercise.file),
            Source::Variant { name, .. } => format!("'{name}'"),
            Source::Semantics(_) => "the paging-semantics suite".to_owned(),
            Source::BenchProbe(_) => "the benchmark's probe".to_owned(),
        }
    }
}

/// The learner's text of `exercise`'s file. A file that is not UTF-8, which rustc cannot read, is
/// refused with the line and column of its first such byte, and the way back to the shipped one.
pub fn learner_text(project: &Project, exercise: ExerciseRef) -> Result<String> {
    let file = exercise.exercise.file;
    let bytes =
        fs::read(project.root().join(file)).with_context(|| format!("cannot read {file}"))?;
    files::utf8(bytes).map_err(|at| {
        anyhow::anyhow!(
            "{file}:{}:{}: a byte that is not UTF-8 (0x{:02x}), and rustc reads source files as \
             UTF-8 only: save the file as UTF-8, or `make reset{} CONFIRM=yes` puts the shipped \
             file back (yours is kept beside it)",
            at.line,
            at.column,
            at.byte,
            exercise.make_args()
        )
    })
}

/// A built image.
#[derive(Clone)]
pub struct Image {
    pub arch: &'static Arch,
    /// The root task ELF, with its debug information (for symbols, gdb and the checks).
    pub root_task: PathBuf,
    /// What QEMU boots: the root task itself (x86_64, with the kernel beside it), or the
    /// loader image with the kernel and the root task inside.
    pub bootable: PathBuf,
}

impl Image {
    /// The image of an ELF file built elsewhere (`cargo run`): its files go to `dir`.
    pub fn of_elf(
        project: &Project,
        arch: &'static Arch,
        elf: &Path,
        dir: &Path,
        output: Output,
    ) -> Result<Image> {
        kernel::ensure(project, arch, output)?;
        bootable(project, arch, elf.to_owned(), dir, output)
    }

    /// Where `source`'s root task is once built, and its directory (`make gdb` reads what
    /// `make simulate GDB=1` built, without building).
    pub fn root_task_of(project: &Project, source: &Source) -> (PathBuf, PathBuf) {
        let dir = project.image_dir(source.arch(), source.name());
        (dir.join(format!("{}.elf", source.bin())), dir)
    }
}

/// cargo refused to build the root task: the source's code, not the set-up, is at fault. With
/// [`Output::Captured`], its messages are in the log.
#[derive(Debug)]
pub struct Refused(pub process::Failed);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Refused {}

/// Builds `source` for its architecture, and the kernel (and loader) it boots with.
pub fn build(project: &Project, source: &Source, output: Output) -> Result<Image> {
    build_with_features(project, source, output, &[])
}

/// As [`build`], with cargo features enabled (the benchmark's
/// `mapping-tutorial/instruction-count`); the image directory's name then ends in `+<feature>`.
pub fn build_with_features(
    project: &Project,
    source: &Source,
    output: Output,
    features: &[&str],
) -> Result<Image> {
    build_with(project, source, output, features, None)
}

/// As [`build`], with every kernel invocation logged under its libsel4 name (`LOG_LEVEL=trace`,
/// which the logger reads when it is compiled); the image directory's name then ends in `@trace`.
pub fn build_traced(project: &Project, source: &Source, output: Output) -> Result<Image> {
    build_with(project, source, output, &[], Some("trace"))
}

fn build_with(
    project: &Project,
    source: &Source,
    output: Output,
    features: &[&str],
    log_level: Option<&str>,
) -> Result<Image> {
    let arch = source.arch();
    kernel::ensure(project, arch, output)?;
    if output == Output::Shown {
        eprintln!("==> Building the root task: {} (cargo)", source.describe());
    }
    let mut suffix: String = features
        .iter()
        .map(|f| format!("+{}", f.rsplit('/').next().unwrap_or(f)))
        .collect();
    suffix.extend(log_level.map(|level| format!("@{level}")));
    let dir = project.image_dir(arch, &format!("{}{suffix}", source.name()));
    let mut features: Vec<&str> = features.to_vec();
    let mut cargo = project.cargo(arch);
    if let Some(level) = log_level {
        cargo.env("LOG_LEVEL", level);
    }
    cargo.args(["build", "-Z", "unstable-options", "--artifact-dir"]);
    cargo.arg(&dir);
    // The learner's own text, read first: a file rustc cannot read is named by its line.
    let learner = match source {
        Source::File(exercise) => Some(learner_text(project, *exercise)?),
        _ => None,
    };
    match source {
        Source::File(exercise) => {
            features.extend(arch.feature);
            cargo.args(["-p", arch.package, "--bin", exercise.exercise.bin]);
        }
        Source::Stage(stage) => {
            // From the shipped text, whatever the learner's file holds.
            let shipped = project.shipped(stage.exercise.file);
            let text = fs::read_to_string(&shipped)
                .with_context(|| format!("cannot read {}", shipped.display()))?;
            let derived = stages::derive(&text, *stage)?;
            let manifest = prepare_copy(project, stage.exercise(), stage.name(), &derived)
                .with_context(|| format!("cannot prepare the crate for {}", source.describe()))?;
            cargo.arg("--manifest-path").arg(manifest);
            cargo.args(["--offline", "--bin", stage.exercise.bin]);
        }
        Source::Variant {
            exercise,
            name,
            text,
        } => {
            let manifest = prepare_copy(project, *exercise, name, text)
                .with_context(|| format!("cannot prepare the crate for '{name}'"))?;
            cargo.arg("--manifest-path").arg(manifest);
            cargo.args(["--offline", "--bin", exercise.exercise.bin]);
        }
        Source::Semantics(_) => {
            cargo.args(["-p", SEMANTICS, "--bin", SEMANTICS]);
        }
        Source::BenchProbe(_) => {
            cargo.args(["-p", BENCH_PROBE, "--bin", BENCH_PROBE]);
        }
    }
    if !features.is_empty() {
        cargo.arg("--features").arg(features.join(","));
    }
    if output == Output::Captured {
        cargo.arg("--quiet");
    }
    let what = format!("building the root task for {}", source.describe());
    match (source, output) {
        // The learner's own file: a name from another architecture or from C gets a hint.
        (Source::File(_), Output::Shown) => {
            let text = learner.unwrap_or_default();
            process::run_with_hints(cargo, &what, |error| {
                crate::exercise::hints::hints_in(error, &text, arch)
            })?
        }
        _ => process::run(cargo, output, &what).map_err(|e| match e.downcast() {
            Ok(failed) => anyhow::Error::new(Refused(failed)),
            Err(e) => e,
        })?,
    }
    // In the directory of this build: with features, it is not the plain build's.
    let root_task = dir.join(format!("{}.elf", source.bin()));
    bootable(project, arch, root_task, &dir, output)
}

/// The root task `root_task` as `arch` boots it: itself, or inside a loader image in `dir`.
fn bootable(
    project: &Project,
    arch: &'static Arch,
    root_task: PathBuf,
    dir: &Path,
    output: Output,
) -> Result<Image> {
    let bootable = match &arch.loader {
        None => root_task.clone(),
        Some(loader) => {
            let image = dir.join("image.elf");
            loader::add_payload(project, arch, loader, &root_task, &image, output)?;
            image
        }
    };
    Ok(Image {
        arch,
        root_task,
        bootable,
    })
}

/// Writes build/<arch>/stages/<name>/: a workspace of one package, `exercise`'s, whose file is
/// `text` and whose other targets are left out. Returns its manifest.
fn prepare_copy(
    project: &Project,
    exercise: ExerciseRef,
    name: &str,
    text: &str,
) -> io::Result<PathBuf> {
    let arch = exercise.arch;
    let dir = project.stage_dir(arch, name);
    let read = |path: PathBuf| -> io::Result<toml::Table> {
        let text = fs::read_to_string(&path)?;
        text.parse().map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{}: {e}", path.display()),
            )
        })
    };
    let workspace = read(project.root().join("Cargo.toml"))?;
    let package = read(project.cargo_dir(arch).join("Cargo.toml"))?;
    let manifest = copy_manifest(&workspace, &package, exercise, name, project.root())
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    files::write_if_changed(&dir.join("Cargo.toml"), manifest.as_bytes())?;
    // The workspace's lock file pins the versions; cargo drops what the copy does not use. The
    // copy is refreshed only when the original changes, so that cargo's rewrite stays put.
    let lock = fs::read(project.root().join("Cargo.lock"))?;
    let lock_source = dir.join("Cargo.lock.source");
    if fs::read(&lock_source).ok().as_deref() != Some(&lock[..]) {
        files::write(&dir.join("Cargo.lock"), &lock)?;
        files::write(&lock_source, &lock)?;
    }
    files::write_if_changed(&dir.join(exercise.exercise.file), text.as_bytes())?;
    Ok(dir.join("Cargo.toml"))
}

/// The manifest of the copy `name`: `package`'s [package], dependencies and features, one binary
/// (`exercise`'s, from the same relative path, so that panics and the debugger name it as the
/// learner's file), and the workspace's dependency table, profiles, package defaults and lints,
/// with relative paths made absolute (`root`).
fn copy_manifest(
    workspace: &toml::Table,
    package: &toml::Table,
    exercise: ExerciseRef,
    name: &str,
    root: &Path,
) -> Result<String> {
    use toml::{Table, Value};
    let get = |table: &Table, key: &str| -> Result<Value> {
        table
            .get(key)
            .cloned()
            .with_context(|| format!("the manifest has no [{key}]"))
    };
    let mut package_table = get(package, "package")?;
    let mut original = String::new();
    if let Value::Table(t) = &mut package_table {
        // A name of its own: cargo names the compiled files after the package's name, version
        // and path within its workspace, which are otherwise the same for every copy.
        original = t
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("copy")
            .to_owned();
        t.insert("name".into(), format!("{original}-{name}").into());
        t.remove("default-run");
        t.remove("workspace");
        t.insert("autobins".into(), Value::Boolean(false));
        t.insert("autoexamples".into(), Value::Boolean(false));
    }
    let mut bin = Table::new();
    bin.insert("name".into(), exercise.exercise.bin.into());
    bin.insert("path".into(), exercise.exercise.file.into());
    bin.insert("test".into(), false.into());
    bin.insert("bench".into(), false.into());

    let ws = match get(workspace, "workspace")? {
        Value::Table(t) => t,
        _ => bail!("[workspace] is not a table"),
    };
    let mut dependencies = match ws.get("dependencies") {
        Some(Value::Table(t)) => t.clone(),
        _ => bail!("the workspace has no [workspace.dependencies]"),
    };
    for (_, value) in dependencies.iter_mut() {
        if let Value::Table(dep) = value
            && let Some(Value::String(path)) = dep.get("path")
        {
            let absolute = root.join(path).display().to_string();
            dep.insert("path".into(), Value::String(absolute));
        }
    }
    let mut copy_ws = Table::new();
    copy_ws.insert("dependencies".into(), Value::Table(dependencies));
    for key in ["package", "lints"] {
        if let Some(defaults) = ws.get(key) {
            copy_ws.insert(key.into(), defaults.clone());
        }
    }

    let mut manifest = Table::new();
    manifest.insert("package".into(), package_table);
    manifest.insert("bin".into(), Value::Array(vec![Value::Table(bin)]));
    for key in ["dependencies", "features", "lints"] {
        if let Some(value) = package.get(key) {
            manifest.insert(key.into(), value.clone());
        }
    }
    manifest.insert("workspace".into(), Value::Table(copy_ws));
    if let Some(Value::Table(profiles)) = workspace.get("profile") {
        // The profiles as they are, but for the exercise packages: the copy gets the original
        // package's own settings (if any) under its name, and the other architectures' go (cargo
        // warns about settings for packages a workspace does not have). Settings for what every
        // package builds on (core and the like) stay, so that the copy shares their build.
        let mut profiles = profiles.clone();
        for (_, profile) in profiles.iter_mut() {
            if let Some(Value::Table(packages)) = profile.get_mut("package") {
                let own = packages.remove(&original);
                packages.retain(|package, _| {
                    !crate::catalogue::ARCHES
                        .iter()
                        .any(|a| a.package == package)
                });
                if let Some(settings) = own {
                    packages.insert(format!("{original}-{name}"), settings);
                }
            }
        }
        manifest.insert("profile".into(), Value::Table(profiles));
    }
    Ok(format!(
        "# Made by xtask (image.rs) from {}'s manifest and the workspace's: a stage's copy.\n{}",
        exercise.arch.dir,
        toml::to_string(&manifest)?
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::find_arch;

    #[test]
    fn a_copy_manifest_has_one_binary_and_absolute_paths() {
        let workspace: toml::Table = r#"
[workspace]
members = ["lib"]
[workspace.package]
edition = "2024"
[workspace.dependencies]
lib = { path = "lib" }
log = { version = "0.4", default-features = false }
[profile.dev]
debug = "limited"
[profile.dev.package.p]
opt-level = 1
[profile.dev.package.sel4-mapping-tutorial-riscv64]
opt-level = 2
[profile.dev.package.core]
debug = false
"#
        .parse()
        .unwrap();
        let package: toml::Table = r#"
[package]
name = "p"
edition.workspace = true
default-run = "mapping"
[[bin]]
name = "mapping"
path = "src/main.rs"
required-features = ["aarch64"]
[[bin]]
name = "other"
path = "src/bin/other.rs"
[features]
aarch64 = []
[dependencies]
lib.workspace = true
"#
        .parse()
        .unwrap();
        let exercise = find_arch("aarch64").unwrap().main_exercise();
        let text = copy_manifest(&workspace, &package, exercise, "pt-l2", Path::new("/p")).unwrap();
        let copy: toml::Table = text.parse().unwrap();
        let bins = copy["bin"].as_array().unwrap();
        assert_eq!(bins.len(), 1);
        assert_eq!(bins[0]["path"].as_str(), Some("aarch64/src/main.rs"));
        assert!(bins[0].get("required-features").is_none());
        assert_eq!(
            copy["workspace"]["dependencies"]["lib"]["path"].as_str(),
            Some("/p/lib")
        );
        assert!(copy["package"].get("default-run").is_none());
        assert_eq!(copy["package"]["name"].as_str(), Some("p-pt-l2"));
        assert_eq!(copy["profile"]["dev"]["debug"].as_str(), Some("limited"));
        assert!(copy["features"].get("aarch64").is_some());
        // The original package's settings, under the copy's name, no other exercise package's,
        // and those of what every package builds on.
        let packages = copy["profile"]["dev"]["package"].as_table().unwrap();
        let mut names: Vec<_> = packages.keys().collect();
        names.sort();
        assert_eq!(names, ["core", "p-pt-l2"]);
        assert_eq!(packages["p-pt-l2"]["opt-level"].as_integer(), Some(1));
    }
}
