// SPDX-License-Identifier: BSD-2-Clause

//! `xtask check-image FILE`: the static-image checks (crate::image::elf_check) on one ELF file.

use std::fs;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::image::elf_check;

pub fn run(path: &Path) -> Result<ExitCode> {
    let data = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let arch = elf_check::arch_of(&data).with_context(|| {
        format!(
            "{}: not a program for any architecture here",
            path.display()
        )
    })?;
    let violations = elf_check::check_file(path, arch)?;
    if violations.is_empty() {
        println!(
            "{}: a static {arch} executable with nothing dynamic and nothing from glibc",
            path.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    for v in &violations {
        eprintln!("{}: {v}", path.display());
    }
    Ok(ExitCode::FAILURE)
}
