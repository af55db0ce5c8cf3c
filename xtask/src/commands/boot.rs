// SPDX-License-Identifier: BSD-2-Clause

//! `cargo run`'s runner (tools/cargo-runner): an ELF that cargo built, booted on the architecture
//! it was built for, as `make simulate` boots the learner's file.

use std::fs;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};

use super::RunLimits;
use crate::catalogue;
use crate::image::elf_check;
use crate::image::{Image, Source};
use crate::project::Project;
use crate::support::process::Output;

pub fn run(project: &Project, elf: &Path, limits: RunLimits) -> Result<ExitCode> {
    let data = fs::read(elf).with_context(|| format!("cannot read {}", elf.display()))?;
    let arch = elf_check::arch_of(&data).with_context(|| {
        format!(
            "{} is not a program for any of the architectures ({})",
            elf.display(),
            catalogue::arch_names()
        )
    })?;
    let name = elf
        .file_stem()
        .map_or("program".into(), |s| s.to_string_lossy().into_owned());
    let dir = project.image_dir(arch, &format!("cargo-run-{name}"));
    fs::create_dir_all(&dir).with_context(|| dir.display().to_string())?;
    let image = Image::of_elf(project, arch, elf, &dir, Output::Shown)?;
    // An exercise's program is described as its file, with the closing lines on its stage.
    let (source, pick) = match arch.exercises().find(|e| e.exercise.bin == name) {
        Some(exercise) => (Source::File(exercise), exercise.make_args()),
        None => (
            Source::Variant {
                exercise: arch.main_exercise(),
                name: &name,
                text: "",
            },
            String::new(),
        ),
    };
    super::simulate::boot(
        project,
        &source,
        &image,
        limits,
        super::simulate::How::default(),
        &pick,
    )
}
