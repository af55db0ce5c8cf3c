// SPDX-License-Identifier: BSD-2-Clause

//! `make bench`: what a learner waits for, and what the root task costs, measured on this
//! machine. Each timing is taken several times and reported as min / median / max.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::boot_check::{BOOT_TIMEOUT, boot_stage};
use crate::catalogue::{Arch, StageRef, default_arch};
use crate::command::Output;
use crate::image::{self, Image, Source};
use crate::project::Project;
use crate::qemu::{self, RunOptions, Step};
use crate::{boot, expect};

/// The architecture measured: x86_64, whose TSC counts instructions under QEMU's -icount.
fn arch() -> &'static Arch {
    default_arch()
}

/// The stage whose image is measured: the whole exercise.
fn remap() -> StageRef {
    arch()
        .find_stage("remap")
        .expect("x86_64 has a remap stage")
}

/// One measured figure.
pub struct Figure {
    pub name: String,
    pub unit: &'static str,
    pub samples: Vec<f64>,
}

impl Figure {
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

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn timed(mut cmd: Command) -> Result<Duration, String> {
    let what = format!("{cmd:?}");
    let started = Instant::now();
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{what}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{what} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(started.elapsed())
}

fn touch(path: &Path) -> Result<(), String> {
    let file = fs::File::options()
        .append(true)
        .open(path)
        .map_err(|e| e.to_string())?;
    file.set_modified(std::time::SystemTime::now())
        .map_err(|e| e.to_string())
}

/// Runs every measurement; `runs` samples for each repeated one.
pub fn run(project: &Project, runs: usize) -> Result<Vec<Figure>, String> {
    let root = project.root();
    let bench_dir = project.build_dir().join("bench");
    let mut figures = Vec::new();
    let progress = |what: &str| eprintln!("==> bench: {what}");

    let (mut kernel_times, mut cargo_times, mut totals) = (Vec::new(), Vec::new(), Vec::new());
    for run in 1..=runs {
        progress(&format!(
            "cold build {run} of {runs} (kernel, then root task and its crates, in empty build directories)"
        ));
        let _ = fs::remove_dir_all(&bench_dir);
        let mut kernel = project.command(root.join("tools/build-kernel"));
        kernel
            .arg(arch().name)
            .current_dir(root)
            .env("KERNEL_OUT", bench_dir.join("kernel"));
        let kernel_time = timed(kernel)?;
        let mut cargo = project.cargo(arch());
        cargo
            .args([
                "build",
                "--release",
                "--locked",
                "--bin",
                "mapping",
                "--target-dir",
            ])
            .arg(bench_dir.join("target"))
            .env("SEL4_PREFIX", bench_dir.join("kernel/prefix"));
        let cargo_time = timed(cargo)?;
        kernel_times.push(secs(kernel_time));
        cargo_times.push(secs(cargo_time));
        totals.push(secs(kernel_time + cargo_time));
    }
    let _ = fs::remove_dir_all(&bench_dir);
    figures.push(Figure {
        name: "cold build: kernel".into(),
        unit: "s",
        samples: kernel_times,
    });
    figures.push(Figure {
        name: "cold build: root task + crates".into(),
        unit: "s",
        samples: cargo_times,
    });
    figures.push(Figure {
        name: "cold build: total".into(),
        unit: "s",
        samples: totals,
    });

    progress("warm rebuild after touching src/main.rs");
    let main = arch().main_exercise();
    let main_rs = root.join(main.exercise.file);
    image::build(project, &Source::File(main), Output::Captured)?;
    let mut samples = Vec::new();
    for _ in 0..runs {
        touch(&main_rs)?;
        let started = Instant::now();
        image::build(project, &Source::File(main), Output::Captured)?;
        samples.push(secs(started.elapsed()));
    }
    figures.push(Figure {
        name: "warm rebuild after an edit".into(),
        unit: "s",
        samples,
    });

    progress("edit, then `make simulate` until its last line");
    let mut samples = Vec::new();
    for _ in 0..runs {
        touch(&main_rs)?;
        let mut make = Command::new("make");
        make.current_dir(root).args(["-s", "simulate"]);
        samples.push(secs(timed(make)?));
    }
    figures.push(Figure {
        name: "edit -> `make simulate` output".into(),
        unit: "s",
        samples,
    });

    for stage in main.stages() {
        progress(&format!("QEMU start -> last line, stage {}", stage.name()));
        let mut samples = Vec::new();
        for _ in 0..runs {
            let passed = boot_stage(project, stage)?;
            samples.push(secs(passed.run.elapsed));
        }
        figures.push(Figure {
            name: format!("QEMU start -> last line: {}", stage.name()),
            unit: "s",
            samples,
        });
    }

    progress("guest instructions from main to `Success!` (QEMU -icount, two runs)");
    let counts = counted_twice(|| instructions_to_success(project))?;
    eprintln!(
        "==> bench: both runs counted {} instructions: deterministic",
        counts[0]
    );
    figures.push(Figure {
        name: "instructions main -> `Success!` (same in 2 runs)".into(),
        unit: "instructions",
        samples: counts.to_vec(),
    });

    progress("1,000 map+unmap pairs of a 4 KiB frame (QEMU -icount, two runs)");
    let pairs = counted_twice(|| instructions_per_map_unmap(project))?;
    eprintln!(
        "==> bench: both runs counted {} instructions a pair: deterministic",
        pairs[0]
    );
    figures.push(Figure {
        name: "instructions per map+unmap pair (same in 2 runs)".into(),
        unit: "instructions",
        samples: pairs.to_vec(),
    });

    progress("warm `make test`");
    let mut samples = Vec::new();
    for _ in 0..runs {
        let mut make = Command::new("make");
        make.current_dir(root).args(["-s", "test"]);
        samples.push(secs(timed(make)?));
    }
    figures.push(Figure {
        name: "warm `make test`".into(),
        unit: "s",
        samples,
    });

    progress("image size (the remap stage: the whole exercise)");
    let image = image::build(project, &Source::Stage(remap()), Output::Captured)?;
    figures.extend(image_sizes(&image.root_task, &bench_dir)?);
    Ok(figures)
}

/// Boots the remap stage built with the `instruction-count` feature under `-icount shift=0`
/// and reads the count that prefixes its `Success!` line.
fn instructions_to_success(project: &Project) -> Result<u64, String> {
    let image = image::build_with_features(
        project,
        &Source::Stage(remap()),
        Output::Captured,
        &["mapping-tutorial/instruction-count"],
    )?;
    let log_path = project.logs_dir().join("bench-icount.log");
    let line = icount_run(project, &image, &log_path, |line| {
        parse_counted(line, "Success!").is_some()
    })?;
    parse_counted(&line, "Success!").ok_or_else(|| format!("cannot read the count in `{line}`"))
}

/// Runs an instruction count twice; the two must agree, since `-icount` makes them
/// deterministic.
fn counted_twice(count: impl Fn() -> Result<u64, String>) -> Result<[f64; 2], String> {
    let counts = [count()?, count()?];
    if counts[0] != counts[1] {
        return Err(format!("two -icount runs counted differently: {counts:?}"));
    }
    Ok(counts.map(|c| c as f64))
}

/// Builds and boots bench-map-unmap/ under `-icount shift=0`; returns instructions per pair.
fn instructions_per_map_unmap(project: &Project) -> Result<u64, String> {
    let image = image::build(project, &Source::BenchProbe(arch()), Output::Captured)?;
    let log_path = project.logs_dir().join("bench-map-unmap.log");
    let line = icount_run(project, &image, &log_path, |line| {
        line.contains("map+unmap pairs: ")
    })?;
    line.rsplit_once("per pair: ")
        .and_then(|(_, n)| n.trim().parse().ok())
        .ok_or_else(|| format!("cannot read the count in `{line}`"))
}

/// Boots `image` under `-icount shift=0,sleep=off` and returns the first line `wanted` accepts.
fn icount_run(
    project: &Project,
    image: &Image,
    log_path: &Path,
    wanted: impl Fn(&str) -> bool,
) -> Result<String, String> {
    let mut cmd = boot::command(project, image)?;
    cmd.args(["-icount", "shift=0,sleep=off"]);
    let options = RunOptions {
        timeout: Some(BOOT_TIMEOUT),
        echo: false,
        interactive: false,
        log_path,
        quiet_note: None,
    };
    let mut found = None;
    qemu::run(cmd, &options, |line| {
        if wanted(line) {
            found = Some(line.to_owned());
            Step::Stop
        } else if expect::is_ending(line) {
            Step::Stop
        } else {
            Step::Continue
        }
    })
    .map_err(|e| e.to_string())?;
    found.ok_or_else(|| format!("the expected line never came; see {}", log_path.display()))
}

/// `[306199 instructions] Success!` → 306199, for the line `message`.
fn parse_counted(line: &str, message: &str) -> Option<u64> {
    let rest = line.strip_prefix('[')?;
    let (count, rest) = rest.split_once(" instructions] ")?;
    (rest == message).then(|| count.parse().ok()).flatten()
}

fn image_sizes(image: &Path, scratch: &Path) -> Result<Vec<Figure>, String> {
    fs::create_dir_all(scratch).map_err(|e| e.to_string())?;
    let stripped = scratch.join("stripped.elf");
    let mut strip = Command::new("objcopy");
    strip.arg("--strip-all").arg(image).arg(&stripped);
    timed(strip)?;
    let file_size = |p: &Path| {
        fs::metadata(p)
            .map(|m| m.len() as f64)
            .map_err(|e| e.to_string())
    };
    let out = Command::new("size")
        .arg(image)
        .output()
        .map_err(|e| format!("size: {e}"))?;
    // Berkeley format: "text data bss dec hex filename"
    let text = String::from_utf8_lossy(&out.stdout);
    let numbers: Vec<f64> = text
        .lines()
        .nth(1)
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .filter_map(|n| n.parse().ok())
        .collect();
    let [text_size, data, bss] = numbers[..] else {
        return Err(format!("cannot read `size` output: {text}"));
    };
    let figure = |name: &str, value: f64| Figure {
        name: name.into(),
        unit: "bytes",
        samples: vec![value],
    };
    Ok(vec![
        figure("image file (with debug info)", file_size(image)?),
        figure("image stripped", file_size(&stripped)?),
        figure("image text", text_size),
        figure("image data", data),
        figure("image bss", bss),
    ])
}

pub fn table(figures: &[Figure]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "| figure | min | median | max | runs |");
    let _ = writeln!(out, "| --- | ---: | ---: | ---: | ---: |");
    for f in figures {
        let show = |v: f64| match f.unit {
            "s" => format!("{v:.2} s"),
            "bytes" => format!("{v:.0} B"),
            unit => format!("{v:.0} {unit}"),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            f.name,
            show(f.min()),
            show(f.median()),
            show(f.max()),
            f.samples.len()
        );
    }
    out
}

pub fn json(figures: &[Figure]) -> String {
    let items: Vec<String> = figures
        .iter()
        .map(|f| {
            let samples: Vec<String> = f.samples.iter().map(|s| format!("{s}")).collect();
            format!(
                "  {{\"name\": {:?}, \"unit\": {:?}, \"min\": {}, \"median\": {}, \"max\": {}, \"samples\": [{}]}}",
                f.name,
                f.unit,
                f.min(),
                f.median(),
                f.max(),
                samples.join(", ")
            )
        })
        .collect();
    format!("[\n{}\n]\n", items.join(",\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_of_a_figure() {
        let f = Figure {
            name: "x".into(),
            unit: "s",
            samples: vec![3.0, 1.0, 2.0, 5.0, 4.0],
        };
        assert_eq!((f.min(), f.median(), f.max()), (1.0, 3.0, 5.0));
        assert!(table(&[f]).contains("| x | 1.00 s | 3.00 s | 5.00 s | 5 |"));
    }

    #[test]
    fn counted_lines_are_parsed() {
        assert_eq!(
            parse_counted("[306199 instructions] Success!", "Success!"),
            Some(306199)
        );
        assert_eq!(
            parse_counted("[306199 instructions] Read x: 0", "Success!"),
            None
        );
        assert_eq!(parse_counted("Success!", "Success!"), None);
    }
}
