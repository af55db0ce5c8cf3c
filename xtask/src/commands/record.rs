// SPDX-License-Identifier: BSD-2-Clause

//! `make record`: each stage booted (and walked), and what it showed recorded for the book
//! (docs/book/recorded), after its expected lines passed. The stage tests compare every later
//! boot with these recordings, so a stage whose output changes on purpose is recorded again here.
//! The stages the book also shows traced (recorded::traced) are booted once more, built with
//! `LOG_LEVEL=trace`, and that run is recorded beside them.

use std::process::ExitCode;

use anyhow::{Result, bail};

use super::pick::Picked;
use crate::book::recorded;
use crate::boot::Boot;
use crate::boot::qemu::Outcome;
use crate::catalogue::StageRef;
use crate::check::boot_stage;
use crate::check::expect;
use crate::image::{self, Source};
use crate::project::Project;
use crate::support::process::Output;

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
            recorded::block_name(*stage)
        );
        let passed = boot_stage(project, *stage)?;
        let output = recorded::shown_output(project, &passed.image.root_task, &passed.run)?;
        recorded::record(project, *stage, &output, &passed.walks)?;
        if recorded::traced(*stage) {
            record_trace(project, *stage)?;
        }
    }
    eprintln!(
        "==> Recorded {} stage(s) in {}",
        stages.len(),
        project.book_dir().join("recorded").display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Boots `stage` built with `LOG_LEVEL=trace` until the program ends, and records what it showed;
/// its lines less the traced ones must be what the stage's plain boot showed.
fn record_trace(project: &Project, stage: StageRef) -> Result<()> {
    eprintln!(
        "==> Booting and recording {} with LOG_LEVEL=trace",
        recorded::block_name(stage)
    );
    let image = image::build_traced(project, &Source::Stage(stage), Output::Captured)?;
    let boot = Boot::quiet(format!("record-{}-{}-trace", stage.arch, stage.name()));
    let run = boot.run(project, &image, expect::unattended_step)?;
    if !matches!(run.outcome, Outcome::Stopped) {
        bail!(
            "{}: the traced boot did not end as the program does ({:?}); the log is in {}",
            recorded::block_name(stage),
            run.outcome,
            run.log_path.display()
        );
    }
    let output = recorded::shown_output(project, &image.root_task, &run)?;
    recorded::record_trace(project, stage, &output)?;
    recorded::check_trace(project, stage)
}
