// SPDX-License-Identifier: BSD-2-Clause

//! `make bench`: what a learner waits for, and what the root task costs, measured on this
//! machine, for each architecture. Each timing is taken several times and reported as
//! min / median / max; instruction counts are taken twice and must agree. This module runs them
//! all: [`measure`] the timings and sizes, [`count`] the instruction counts, [`container`] the
//! container route's figures, each taken as [`timing`] says, into [`figure`]s held to their
//! [`goals`]; [`report`] makes the tables, the JSON and docs/performance.md.

pub mod container;
pub mod count;
pub mod figure;
pub mod goals;
pub mod measure;
pub mod report;
pub mod timing;

use std::fs;

use anyhow::Result;

use crate::bench::figure::{ArchFigures, Bench, Figure};
use crate::catalogue::Arch;
use crate::project::Project;

/// A group of figures, to measure some only (`make bench ONLY=loop,first`): a run of a group
/// updates its figures in docs/bench.json and keeps the others (`make bench-report`).
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    /// Each build step from nothing: kernel, build-std, crates, the learner's file.
    Cold,
    /// Warm: an edit to `make simulate`'s and `make status`'s output, QEMU's boot, the walk.
    Loop,
    /// Instruction counts and the root task's sizes.
    Counts,
    /// `make test`, warm.
    Test,
    /// A fresh clone's first `make simulate`.
    First,
    /// The container route (with x86_64): the image, a first run with nothing installed, ...
    Container,
    /// `make book`, first and warm.
    Book,
}

/// Runs every measurement of `groups` (all when empty) for each of `arches` (and, when they are
/// all of them, those of every architecture together, and the container's with x86_64); `runs`
/// samples for each timing.
pub fn run(
    project: &Project,
    arches: &[&'static Arch],
    runs: usize,
    groups: &[Group],
) -> Result<Bench> {
    let wants = |g: Group| groups.is_empty() || groups.contains(&g);
    let mut bench = Bench::default();
    if wants(Group::Cold) && arches.iter().any(|a| a.loader.is_some()) {
        bench.shared.push(measure::payload_tool(project, runs)?);
    }
    for &arch in arches {
        let mut figures = Vec::new();
        if wants(Group::Cold) {
            figures.extend(measure::cold_build(project, arch, runs)?);
        }
        if wants(Group::Loop) {
            figures.extend(measure::warm_loop(project, arch, runs)?);
        }
        if wants(Group::Counts) {
            if arch.counts_instructions {
                figures.extend(count::instruction_counts(project, arch)?);
            }
            figures.extend(measure::image_sizes(project, arch)?);
        }
        if wants(Group::Test) {
            figures.push(measure::make_test(project, Some(arch), runs)?);
        }
        if wants(Group::First) {
            figures.push(measure::first_simulate(project, arch, runs)?);
        }
        if figures.is_empty() {
            continue;
        }
        // Shown and kept now, so that a long run's finished architectures are never lost.
        eprint!("{}", report::section(arch.name, &figures));
        bench.arches.push(ArchFigures {
            arch: arch.name.to_owned(),
            figures,
        });
        keep(project, &bench);
    }
    if let Some(x86_64) = arches
        .iter()
        .find(|a| **a == crate::catalogue::default_arch())
        .filter(|_| wants(Group::Container))
    {
        match container::engine(project) {
            Ok(engine) => {
                // This run's native figure, or else the one docs/bench.json keeps.
                let kept = fs::read_to_string(project.docs_bench_json())
                    .ok()
                    .and_then(|text| report::from_json(&text).ok())
                    .unwrap_or_default();
                let native_first = [&bench, &kept]
                    .into_iter()
                    .flat_map(|b| &b.arches)
                    .filter(|a| a.arch == x86_64.name)
                    .flat_map(|a| &a.figures)
                    .find(|f| f.name == measure::FIRST_SIMULATE)
                    .map(Figure::median);
                bench.container = container::figures(project, &engine, runs, native_first)?;
                keep(project, &bench);
                eprint!("{}", report::section(report::CONTAINER, &bench.container));
            }
            Err(why) => eprintln!("==> bench: no container section: {why:#}"),
        }
    }
    if wants(Group::Book) {
        bench.shared.extend(measure::book(project, runs)?);
    }
    if wants(Group::Test) && arches.len() == crate::catalogue::ARCHES.len() {
        bench.shared.push(measure::make_test(project, None, runs)?);
    }
    Ok(bench)
}

/// What is measured so far, in build/bench-partial.json (stamped with today): a run that stops
/// half way keeps its finished sections for `make bench-report JSON=build/bench-partial.json`.
fn keep(project: &Project, bench: &Bench) {
    let path = project.build_dir().join("bench-partial.json");
    let stamped = bench.clone().stamped(&figure::today());
    if let Err(e) = crate::support::files::write(&path, report::json(&stamped)) {
        eprintln!("==> bench: cannot keep {}: {e:#}", path.display());
    }
}
