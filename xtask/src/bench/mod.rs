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

use anyhow::Result;

use crate::bench::figure::{ArchFigures, Bench, Figure};
use crate::catalogue::Arch;
use crate::project::Project;

/// Runs every measurement for each of `arches` (and, when they are all of them, those of every
/// architecture together, and the container's with x86_64); `runs` samples for each timing.
pub fn run(project: &Project, arches: &[&'static Arch], runs: usize) -> Result<Bench> {
    let mut bench = Bench::default();
    if arches.iter().any(|a| a.loader.is_some()) {
        bench.shared.push(measure::payload_tool(project, runs)?);
    }
    for &arch in arches {
        let mut figures = Vec::new();
        figures.extend(measure::cold_build(project, arch, runs)?);
        figures.extend(measure::warm_loop(project, arch, runs)?);
        if arch.counts_instructions {
            figures.extend(count::instruction_counts(project, arch)?);
        }
        figures.extend(measure::image_sizes(project, arch)?);
        figures.push(measure::make_test(project, Some(arch), runs)?);
        figures.push(measure::first_simulate(project, arch, runs)?);
        // Shown now, so that a long run's finished architectures are never lost.
        eprint!("{}", report::section(arch.name, &figures));
        bench.arches.push(ArchFigures {
            arch: arch.name.to_owned(),
            figures,
        });
    }
    if let Some(x86_64) = arches
        .iter()
        .find(|a| **a == crate::catalogue::default_arch())
    {
        match container::engine(project) {
            Ok(engine) => {
                let native_first = bench
                    .arches
                    .iter()
                    .filter(|a| a.arch == x86_64.name)
                    .flat_map(|a| &a.figures)
                    .find(|f| f.name == measure::FIRST_SIMULATE)
                    .map(Figure::median);
                bench.container = container::figures(project, &engine, runs, native_first)?;
                eprint!("{}", report::section(report::CONTAINER, &bench.container));
            }
            Err(why) => eprintln!("==> bench: no container section: {why:#}"),
        }
    }
    if arches.len() == crate::catalogue::ARCHES.len() {
        bench.shared.extend(measure::book(project, runs)?);
        bench.shared.push(measure::make_test(project, None, runs)?);
    }
    Ok(bench)
}
