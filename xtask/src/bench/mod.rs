// SPDX-License-Identifier: BSD-2-Clause

//! `make bench`: what a learner waits for, and what the root task costs, measured on this
//! machine, for each architecture. Each timing is taken several times and reported as
//! min / median / max; instruction counts are taken twice and must agree. In three parts:
//! [`measure`] the timings and sizes, [`count`] the instruction counts, [`report`] the tables,
//! the JSON and docs/performance.md; and [`container`], the container route's figures. What each
//! figure is measured against, its goal and the C tutorial's figure, is data: each
//! architecture's in the catalogue ([`crate::catalogue::BenchGoals`]), the shared ones here.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::catalogue::Arch;
use crate::project::Project;

pub mod container;
pub mod count;
pub mod measure;
pub mod report;

/// The root task's share of a map+unmap pair against the kernel's, at most (percent).
pub const ROOT_TASK_SHARE: f64 = 15.0;
/// Warm `make test` of every architecture, at most (seconds); and the C tutorial's (its 4 stages).
pub const MAKE_TEST_ALL: (f64, &str) = (60.0, "70 s (its 4 stages)");
/// An edit to `make status`'s answer (a build and a boot of the file), at most (seconds).
pub const STATUS: f64 = 2.0;
/// What the walk (`make simulate WALK=1`) adds to a warm run, at most (seconds).
pub const WALK_ADDS: f64 = 0.5;
/// The container image, at most (bytes).
pub const IMAGE_SIZE: f64 = 1.5e9;
/// A Debian 12 with nothing installed but make and git, to level 30 (apt included), at most (s).
pub const NOTHING_INSTALLED: f64 = 120.0;
/// An edit to the last line of `make simulate` in the container, at most (seconds).
pub const CONTAINER_EDIT_LOOP: f64 = 1.0;
/// A fresh clone's first `make simulate` in the container, at most this much over the native one.
pub const CONTAINER_FIRST_OVER_NATIVE: f64 = 0.2;

/// One measured figure.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Figure {
    pub name: String,
    pub unit: String,
    pub samples: Vec<f64>,
    /// What it is measured against: the goal, or the C tutorial's figure.
    pub beside: Option<String>,
}

impl Figure {
    pub(crate) fn new(name: impl Into<String>, unit: &str, samples: Vec<f64>) -> Self {
        Self {
            name: name.into(),
            unit: unit.to_owned(),
            samples,
            beside: None,
        }
    }

    /// Beside it: `goal` and the C tutorial's figure `c` (either may be missing).
    pub(crate) fn against(mut self, goal: Option<String>, c: Option<&str>) -> Self {
        let parts: Vec<String> = goal
            .map(|g| format!("goal: {g}"))
            .into_iter()
            .chain(c.map(|c| format!("C tutorial: {c}")))
            .collect();
        self.beside = (!parts.is_empty()).then(|| parts.join("; "));
        self
    }

    fn sorted(&self) -> Vec<f64> {
        let mut s = self.samples.clone();
        s.sort_by(f64::total_cmp);
        s
    }

    pub fn min(&self) -> f64 {
        self.sorted()[0]
    }

    pub fn median(&self) -> f64 {
        let s = self.sorted();
        s[s.len() / 2]
    }

    pub fn max(&self) -> f64 {
        *self.sorted().last().expect("a figure has samples")
    }
}

/// Every figure of one architecture.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct ArchFigures {
    pub arch: String,
    pub figures: Vec<Figure>,
}

/// What `make bench` measured: each architecture's figures, those of every architecture
/// together (when it measured them all), and the container route's (x86_64; when an engine is
/// there).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct Bench {
    pub arches: Vec<ArchFigures>,
    pub shared: Vec<Figure>,
    pub container: Vec<Figure>,
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn progress(arch: &Arch, what: &str) {
    eprintln!("==> bench ({arch}): {what}");
}

pub(crate) fn timed(mut cmd: Command) -> Result<Duration> {
    let what = format!("{cmd:?}");
    let started = Instant::now();
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .with_context(|| what.clone())?;
    if !out.status.success() {
        bail!(
            "{what} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(started.elapsed())
}

/// `runs` samples of `measure`, in seconds.
pub(crate) fn sampled(
    runs: usize,
    mut measure: impl FnMut() -> Result<Duration>,
) -> Result<Vec<f64>> {
    (0..runs).map(|_| measure().map(secs)).collect()
}

pub(crate) fn touch(path: &Path) -> Result<()> {
    let file = fs::File::options()
        .append(true)
        .open(path)
        .with_context(|| path.display().to_string())?;
    file.set_modified(std::time::SystemTime::now())
        .with_context(|| path.display().to_string())
}

/// `make` with `args`, in `dir`, as a learner types it (no terminal), without the variables of
/// the `make bench` that runs it (make hands them down in MAKEFLAGS: RUNS=1 would reach the tests).
pub(crate) fn make(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new("make");
    cmd.current_dir(dir).arg("-s").args(args);
    for inherited in ["MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"] {
        cmd.env_remove(inherited);
    }
    cmd
}

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
