// SPDX-License-Identifier: BSD-2-Clause

//! `make record`: each stage booted (and walked), and what it showed recorded for the book
//! (docs/book/recorded), after its expected lines passed. The stage tests compare every later
//! boot with these recordings, so a stage whose output changes on purpose is recorded again here.

use std::process::ExitCode;

use anyhow::Result;

use super::Picked;
use crate::boot_check::boot_stage;
use crate::catalogue::StageRef;
use crate::documented;
use crate::project::Project;

pub fn run(project: &Project, picked: &Picked) -> Result<ExitCode> {
    let stages: Vec<StageRef> = match (picked.stage, picked.exercise) {
        (Some(stage), _) => vec![stage],
        (None, Some(exercise)) => exercise.stages().collect(),
        (None, None) => picked
            .arches()
            .into_iter()
            .flat_map(|a| a.stages())
            .collect(),
    };
    for (i, stage) in stages.iter().enumerate() {
        eprintln!(
            "==> [{}/{}] Booting and recording {}",
            i + 1,
            stages.len(),
            documented::block_name(*stage)
        );
        let passed = boot_stage(project, *stage)?;
        let output = documented::shown_output(project, &passed.image.root_task, &passed.run)?;
        documented::record(project, *stage, &output, &passed.walks)?;
    }
    eprintln!(
        "==> Recorded {} stage(s) in {}",
        stages.len(),
        project.book_dir().join("recorded").display()
    );
    Ok(ExitCode::SUCCESS)
}
