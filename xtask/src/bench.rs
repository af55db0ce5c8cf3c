// SPDX-License-Identifier: BSD-2-Clause

//! `make bench`: what a learner waits for, and what the root task costs, measured on this
//! machine, for each architecture. Each timing is taken several times and reported as
//! min / median / max; instruction counts are taken twice and must agree.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use object::{Object, ObjectSection, ObjectSymbol};

use crate::boot_check::{BOOT_TIMEOUT, boot_stage};
use crate::catalogue::{Arch, StageRef};
use crate::command::Output;
use crate::image::{self, Image, Source};
use crate::project::Project;
use crate::qemu::{self, RunOptions, Step};
use crate::{boot, expect, loader};

/// One measured figure.
pub struct Figure {
    pub name: String,
    pub unit: &'static str,
    pub samples: Vec<f64>,
    /// What it is measured against: the goal, or the C tutorial's figure.
    pub beside: Option<String>,
}

impl Figure {
    fn new(name: impl Into<String>, unit: &'static str, samples: Vec<f64>) -> Self {
        Self {
            name: name.into(),
            unit,
            samples,
            beside: None,
        }
    }

    fn beside(mut self, text: impl Into<String>) -> Self {
        self.beside = Some(text.into());
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
pub struct ArchFigures {
    pub arch: &'static Arch,
    pub figures: Vec<Figure>,
}

/// What `make bench` measured: each architecture's figures, and those of every architecture
/// together (when it measured them all).
pub struct Bench {
    pub arches: Vec<ArchFigures>,
    pub shared: Vec<Figure>,
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn progress(arch: &Arch, what: &str) {
    eprintln!("==> bench ({arch}): {what}");
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

/// `runs` samples of `measure`, in seconds.
fn sampled(
    runs: usize,
    mut measure: impl FnMut() -> Result<Duration, String>,
) -> Result<Vec<f64>, String> {
    (0..runs).map(|_| measure().map(secs)).collect()
}

fn touch(path: &Path) -> Result<(), String> {
    let file = fs::File::options()
        .append(true)
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    file.set_modified(std::time::SystemTime::now())
        .map_err(|e| e.to_string())
}

/// `make` with `args`, in `dir`, as a learner types it (no terminal).
fn make(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new("make");
    cmd.current_dir(dir).arg("-s").args(args);
    cmd
}

/// Runs every measurement for each of `arches` (and, when they are all of them, those of every
/// architecture together); `runs` samples for each timing.
pub fn run(project: &Project, arches: &[&'static Arch], runs: usize) -> Result<Bench, String> {
    let mut bench = Bench {
        arches: Vec::new(),
        shared: Vec::new(),
    };
    if arches.iter().any(|a| a.loader.is_some()) {
        bench.shared.push(payload_tool(project, runs)?);
    }
    for &arch in arches {
        let mut figures = Vec::new();
        figures.extend(cold_build(project, arch, runs)?);
        figures.extend(warm_loop(project, arch, runs)?);
        if arch.counts_instructions {
            figures.extend(instruction_counts(project, arch)?);
        }
        figures.extend(image_sizes(project, arch)?);
        progress(arch, &format!("warm `make test ARCH={arch}`"));
        let arch_arg = format!("ARCH={arch}");
        let samples = sampled(runs, || timed(make(project.root(), &["test", &arch_arg])))?;
        figures.push(Figure::new(
            "warm `make test` (this architecture)",
            "s",
            samples,
        ));
        figures.push(first_simulate(project, arch, runs)?);
        // Shown now, so that a long run's finished architectures are never lost.
        eprint!("{}", section(arch.name, &figures));
        bench.arches.push(ArchFigures { arch, figures });
    }
    if arches.len() == crate::catalogue::ARCHES.len() {
        eprintln!("==> bench: warm `make test` of every architecture");
        let samples = sampled(runs, || timed(make(project.root(), &["test"])))?;
        bench.shared.push(
            Figure::new("warm `make test` (every architecture)", "s", samples)
                .beside("goal: 60 s; C tutorial: 70 s (its 4 stages)"),
        );
    }
    Ok(bench)
}

/// The loader's payload tool, built cold in an empty directory: once for every architecture.
fn payload_tool(project: &Project, runs: usize) -> Result<Figure, String> {
    let dir = project.build_dir().join("bench").join("payload-tool");
    let samples = sampled(runs, || {
        eprintln!("==> bench: cold build of the loader's payload tool");
        let _ = fs::remove_dir_all(&dir);
        let started = Instant::now();
        loader::build_payload_tool(project, &dir, Output::Captured)?;
        Ok(started.elapsed())
    })?;
    let _ = fs::remove_dir_all(&dir);
    Ok(Figure::new(
        "cold build: the loader's payload tool (once for every architecture)",
        "s",
        samples,
    ))
}

/// The stage that is the whole exercise: the main exercise's last.
fn last_stage(arch: &'static Arch) -> StageRef {
    let main = arch.main_exercise();
    main.stage(main.todo_count()).expect("the last stage")
}

/// A cold build in empty build directories (downloads cached), in steps: the kernel, the loader
/// (where there is one), then cargo three times: core, alloc and compiler_builtins from source
/// (with `log`, which needs nothing else), the crates (rust-sel4 and lib/), the learner's file.
fn cold_build(project: &Project, arch: &'static Arch, runs: usize) -> Result<Vec<Figure>, String> {
    let bench = project.build_dir().join("bench").join(arch.name);
    let main = arch.main_exercise();
    let mut steps: Vec<(&str, Vec<f64>)> = Vec::new();
    let mut record =
        |name: &'static str, time: Duration| match steps.iter_mut().find(|(n, _)| *n == name) {
            Some((_, samples)) => samples.push(secs(time)),
            None => steps.push((name, vec![secs(time)])),
        };
    for run in 1..=runs {
        progress(
            arch,
            &format!("cold build {run} of {runs}, in empty build directories"),
        );
        let _ = fs::remove_dir_all(&bench);
        let kernel = bench.join("kernel");
        let mut build_kernel = project.command(project.root().join("tools/build-kernel"));
        build_kernel
            .arg(arch.name)
            .current_dir(project.root())
            .env("KERNEL_OUT", &kernel);
        record("kernel", timed(build_kernel)?);
        if let Some(loader) = &arch.loader {
            let started = Instant::now();
            loader::build_loader(
                project,
                arch,
                loader,
                &kernel.join("prefix"),
                &bench.join("loader"),
                Output::Captured,
            )?;
            record("kernel loader", started.elapsed());
        }
        let cargo = |args: &[&str]| {
            let mut cmd = project.cargo(arch);
            cmd.args(["build", "--release", "--locked", "--target-dir"])
                .arg(bench.join("target"))
                .env("SEL4_PREFIX", kernel.join("prefix"))
                .args(args);
            cmd
        };
        record(
            "core, alloc, compiler_builtins (build-std)",
            timed(cargo(&["-p", "log"]))?,
        );
        record(
            "crates: rust-sel4 and lib/",
            timed(cargo(&["-p", "mapping-tutorial"]))?,
        );
        let mut learner = vec!["-p", arch.package, "--bin", main.exercise.bin];
        if let Some(feature) = arch.feature {
            learner.extend(["--features", feature]);
        }
        record("the learner's file", timed(cargo(&learner))?);
    }
    let _ = fs::remove_dir_all(&bench);
    let totals: Vec<f64> = (0..runs)
        .map(|k| steps.iter().map(|(_, s)| s[k]).sum())
        .collect();
    let mut figures: Vec<Figure> = steps
        .into_iter()
        .map(|(name, samples)| Figure::new(format!("cold build: {name}"), "s", samples))
        .collect();
    let total = Figure::new("cold build: total", "s", totals);
    figures.push(if arch.name == "x86_64" {
        total.beside("C tutorial: 46 s")
    } else {
        total
    });
    Ok(figures)
}

/// The learner's loop, warm: a rebuild after touching the file, an edit to the last line of
/// `make simulate`, and QEMU's start to each stage's last line.
fn warm_loop(project: &Project, arch: &'static Arch, runs: usize) -> Result<Vec<Figure>, String> {
    let mut figures = Vec::new();
    let main = arch.main_exercise();
    let file = project.root().join(main.exercise.file);
    progress(
        arch,
        &format!("warm rebuild after touching {}", main.exercise.file),
    );
    image::build(project, &Source::File(main), Output::Captured)?;
    let samples = sampled(runs, || {
        touch(&file)?;
        let started = Instant::now();
        image::build(project, &Source::File(main), Output::Captured)?;
        Ok(started.elapsed())
    })?;
    let figure = Figure::new("warm rebuild after an edit", "s", samples);
    figures.push(if arch.name == "x86_64" {
        figure.beside("C tutorial: 0.19 s")
    } else {
        figure
    });

    progress(arch, "edit, then `make simulate` until its last line");
    let samples = sampled(runs, || {
        touch(&file)?;
        timed(make(project.root(), &["simulate", &format!("ARCH={arch}")]))
    })?;
    figures.push(Figure::new("edit -> `make simulate` output", "s", samples).beside("goal: 0.7 s"));

    for stage in main.stages() {
        progress(
            arch,
            &format!("QEMU start -> last line, stage {}", stage.name()),
        );
        let mut samples = Vec::new();
        for _ in 0..runs {
            let passed = boot_stage(project, stage)?;
            samples.push(secs(passed.run.elapsed));
        }
        let figure = Figure::new(
            format!("QEMU start -> last line: {}", stage.name()),
            "s",
            samples,
        );
        figures.push(match arch.name {
            "x86_64" => figure.beside("goal: 0.2 s; C tutorial: 0.46-0.52 s"),
            _ => figure.beside("goal: 0.1 s"),
        });
    }
    Ok(figures)
}

/// Guest instructions, counted under `-icount shift=0` (lib/src/instruction_count.rs), each twice:
/// from `main` to `Success!`, and per map+unmap pair of a 4 KiB frame, with the root task's own
/// share of the pair from QEMU's trace of its code and the kernel's as the rest.
fn instruction_counts(project: &Project, arch: &'static Arch) -> Result<Vec<Figure>, String> {
    let mut figures = Vec::new();
    progress(
        arch,
        "guest instructions from main to `Success!` (QEMU -icount, two runs)",
    );
    let image = image::build_with_features(
        project,
        &Source::Stage(last_stage(arch)),
        Output::Captured,
        &["mapping-tutorial/instruction-count"],
    )?;
    let counts = counted_twice(|| {
        let line = icount_run(project, &image, "bench-icount", &[], |line| {
            parse_counted(line, "Success!").is_some()
        })?;
        parse_counted(&line, "Success!").ok_or_else(|| format!("cannot read the count in `{line}`"))
    })?;
    let figure = Figure::new(
        "instructions main -> `Success!` (same in 2 runs)",
        "instructions",
        counts.to_vec(),
    );
    figures.push(if arch.name == "x86_64" {
        figure.beside("C tutorial: 666,554")
    } else {
        figure
    });

    progress(
        arch,
        "1,000 map+unmap pairs of a 4 KiB frame (QEMU -icount, two runs)",
    );
    let probe = image::build(project, &Source::BenchProbe(arch), Output::Captured)?;
    let pairs = counted_twice(|| {
        let line = icount_run(project, &probe, "bench-map-unmap", &[], |line| {
            line.contains("map+unmap pairs: ")
        })?;
        line.rsplit_once("per pair: ")
            .and_then(|(_, n)| n.trim().parse().ok())
            .ok_or_else(|| format!("cannot read the count in `{line}`"))
    })?;
    figures.push(Figure::new(
        "instructions per map+unmap pair (same in 2 runs)",
        "instructions",
        pairs.to_vec(),
    ));

    progress(
        arch,
        "the root task's share of a pair, from QEMU's trace of its code (two runs)",
    );
    let user = counted_twice(|| user_instructions_per_pair(project, &probe))?;
    let kernel: Vec<f64> = pairs.iter().zip(user).map(|(p, u)| p - u).collect();
    figures.push(Figure::new(
        "  of which the root task's",
        "instructions",
        user.to_vec(),
    ));
    figures.push(Figure::new(
        "  of which the kernel's",
        "instructions",
        kernel.clone(),
    ));
    figures.push(
        Figure::new(
            "root task / kernel, per pair",
            "%",
            vec![100.0 * user[0] / kernel[0]],
        )
        .beside("goal: 15 %"),
    );
    Ok(figures)
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

/// Boots `image` under `-icount shift=0,sleep=off` (and `extra` QEMU arguments) and returns the
/// first line `wanted` accepts.
fn icount_run(
    project: &Project,
    image: &Image,
    log: &str,
    extra: &[String],
    wanted: impl Fn(&str) -> bool,
) -> Result<String, String> {
    let mut cmd = boot::command(project, image)?;
    cmd.args(["-icount", "shift=0,sleep=off"]).args(extra);
    let log_path = project.logs_dir().join(format!("{log}-{}.log", image.arch));
    let options = RunOptions {
        timeout: Some(BOOT_TIMEOUT * 4),
        echo: false,
        interactive: false,
        log_path: &log_path,
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

/// The probe's user-mode instructions per pair: QEMU logs every translation block of the probe's
/// own code it translates (`-d in_asm`) and runs (`-d exec,nochain`), and only those
/// (`-dfilter` on its .text); counted from the first block of `map_unmap_pairs` run to its last.
fn user_instructions_per_pair(project: &Project, probe: &Image) -> Result<u64, String> {
    const PAIRS: u64 = 1000;
    let data =
        fs::read(&probe.root_task).map_err(|e| format!("{}: {e}", probe.root_task.display()))?;
    let file = object::File::parse(&*data).map_err(|e| e.to_string())?;
    let text = file
        .section_by_name(".text")
        .ok_or("the probe has no .text")?;
    let pairs = file
        .symbols()
        .find(|s| s.name().is_ok_and(|n| n.contains("15map_unmap_pairs")))
        .ok_or("the probe has no map_unmap_pairs")?;
    let window = pairs.address()..pairs.address() + pairs.size();
    let trace = project
        .logs_dir()
        .join(format!("bench-trace-{}.log", probe.arch));
    let extra = [
        "-d".to_owned(),
        "in_asm,exec,nochain".to_owned(),
        "-dfilter".to_owned(),
        format!("{:#x}..{:#x}", text.address(), text.address() + text.size()),
        "-D".to_owned(),
        trace.display().to_string(),
    ];
    let _ = fs::remove_file(&trace);
    icount_run(project, probe, "bench-trace-run", &extra, |line| {
        line.contains("map+unmap pairs: ")
    })?;
    let log = fs::read_to_string(&trace).map_err(|e| format!("{}: {e}", trace.display()))?;
    let _ = fs::remove_file(&trace);
    let counted = count_in_window(&log, &window)
        .ok_or_else(|| format!("QEMU's trace has no run of map_unmap_pairs ({window:x?})"))?;
    Ok(counted / PAIRS)
}

/// From a QEMU log of `-d in_asm,exec,nochain`: the instructions of the translation blocks run
/// from the first that starts in `window` to the last, inclusive.
pub fn count_in_window(log: &str, window: &std::ops::Range<u64>) -> Option<u64> {
    let mut sizes: HashMap<u64, u64> = HashMap::new();
    let mut runs: Vec<(u64, u64)> = Vec::new();
    let mut block: Option<(u64, u64)> = None;
    for line in log.lines() {
        if let Some(rest) = line.strip_prefix("Trace ") {
            // `Trace 0: 0x7f.. [cs_base/pc/flags/cflags] symbol`
            let pc = rest
                .split_once('[')
                .and_then(|(_, r)| r.split('/').nth(1))
                .and_then(|pc| u64::from_str_radix(pc, 16).ok())?;
            runs.push((pc, *sizes.get(&pc)?));
        } else if line.starts_with("IN:") {
            block = None;
        } else if let Some(addr) = line.strip_prefix("0x").and_then(|l| l.split(':').next()) {
            let addr = u64::from_str_radix(addr, 16).ok()?;
            let (start, count) = block.get_or_insert((addr, 0));
            *count += 1;
            sizes.insert(*start, *count);
        }
    }
    let first = runs.iter().position(|(pc, _)| window.contains(pc))?;
    let last = runs.iter().rposition(|(pc, _)| window.contains(pc))?;
    Some(runs[first..=last].iter().map(|(_, n)| n).sum())
}

fn image_sizes(project: &Project, arch: &'static Arch) -> Result<Vec<Figure>, String> {
    progress(arch, "image size (the last stage: the whole exercise)");
    let image = image::build(project, &Source::Stage(last_stage(arch)), Output::Captured)?;
    let scratch = project.build_dir().join("bench");
    fs::create_dir_all(&scratch).map_err(|e| e.to_string())?;
    let prefix = crate::toolchain::cross_prefix(project, arch)?;
    let stripped = scratch.join(format!("stripped-{arch}.elf"));
    let mut strip = Command::new(format!("{prefix}objcopy"));
    strip
        .arg("--strip-all")
        .arg(&image.root_task)
        .arg(&stripped);
    timed(strip)?;
    let file_size = |p: &Path| {
        fs::metadata(p)
            .map(|m| m.len() as f64)
            .map_err(|e| format!("{}: {e}", p.display()))
    };
    let out = Command::new(format!("{prefix}size"))
        .arg(&image.root_task)
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
    let one = |name: &str, value: f64| Figure::new(name, "bytes", vec![value]);
    let mut figures = vec![
        one(
            "root task file (with debug information)",
            file_size(&image.root_task)?,
        ),
        if arch.name == "x86_64" {
            one("root task stripped", file_size(&stripped)?).beside("C tutorial: 118,368 B")
        } else {
            one("root task stripped", file_size(&stripped)?)
        },
        one("root task text", text_size),
        one("root task data", data),
        one("root task bss", bss),
    ];
    let _ = fs::remove_file(&stripped);
    if arch.loader.is_some() {
        figures.push(one(
            "boot image: loader + kernel + root task",
            file_size(&image.bootable)?,
        ));
    }
    Ok(figures)
}

/// A learner's first `make simulate` on a fresh clone: packages, crate downloads and this user's
/// cache (the loader and its tool) present, nothing of the clone's own built.
fn first_simulate(project: &Project, arch: &'static Arch, runs: usize) -> Result<Figure, String> {
    let clone: PathBuf = project
        .build_dir()
        .join("bench")
        .join(format!("clone-{arch}"));
    let samples = sampled(runs, || {
        progress(arch, "first `make simulate` on a fresh clone");
        let _ = fs::remove_dir_all(&clone);
        let mut git = Command::new("git");
        git.arg("clone").arg("-q").arg(project.root()).arg(&clone);
        timed(git)?;
        let time = timed(make(&clone, &["simulate", &format!("ARCH={arch}")]));
        let _ = fs::remove_dir_all(&clone);
        time
    })?;
    let goal = if arch.name == "x86_64" {
        "goal: 90 s"
    } else {
        "goal: 150 s"
    };
    Ok(Figure::new("first `make simulate` on a fresh clone", "s", samples).beside(goal))
}

fn show(f: &Figure, v: f64) -> String {
    match f.unit {
        "s" => format!("{v:.2} s"),
        "bytes" => format!("{v:.0} B"),
        "%" => format!("{v:.1} %"),
        unit => format!("{v:.0} {unit}"),
    }
}

/// A Markdown table for each architecture, and one for every architecture together.
pub fn table(bench: &Bench) -> String {
    sections(bench)
        .map(|(title, figures)| section(title, figures))
        .collect()
}

/// Each architecture's figures, then the shared ones (if any), with their titles.
fn sections(bench: &Bench) -> impl Iterator<Item = (&str, &[Figure])> {
    bench
        .arches
        .iter()
        .map(|a| (a.arch.name, a.figures.as_slice()))
        .chain(
            (!bench.shared.is_empty()).then_some(("every architecture", bench.shared.as_slice())),
        )
}

/// One architecture's table (or the shared one), headed by its title.
fn section(title: &str, figures: &[Figure]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "\n{title}:\n");
    let _ = writeln!(out, "| figure | min | median | max | runs | beside it |");
    let _ = writeln!(out, "| --- | ---: | ---: | ---: | ---: | --- |");
    for f in figures {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            f.name,
            show(f, f.min()),
            show(f, f.median()),
            show(f, f.max()),
            f.samples.len(),
            f.beside.as_deref().unwrap_or("")
        );
    }
    out
}

pub fn json(bench: &Bench) -> String {
    let arches: Vec<String> = sections(bench)
        .map(|(title, figures)| {
            let items: Vec<String> = figures
                .iter()
                .map(|f| {
                    let samples: Vec<String> = f.samples.iter().map(|s| format!("{s}")).collect();
                    format!(
                        "    {{\"name\": {:?}, \"unit\": {:?}, \"min\": {}, \"median\": {}, \"max\": {}, \"samples\": [{}], \"beside\": {:?}}}",
                        f.name,
                        f.unit,
                        f.min(),
                        f.median(),
                        f.max(),
                        samples.join(", "),
                        f.beside.as_deref().unwrap_or("")
                    )
                })
                .collect();
            format!("  {title:?}: [\n{}\n  ]", items.join(",\n"))
        })
        .collect();
    format!("{{\n{}\n}}\n", arches.join(",\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_of_a_figure() {
        let f = Figure::new("x", "s", vec![3.0, 1.0, 2.0, 5.0, 4.0]);
        assert_eq!((f.min(), f.median(), f.max()), (1.0, 3.0, 5.0));
        let bench = Bench {
            arches: vec![ArchFigures {
                arch: crate::catalogue::default_arch(),
                figures: vec![f],
            }],
            shared: Vec::new(),
        };
        assert!(table(&bench).contains("| x | 1.00 s | 3.00 s | 5.00 s | 5 |  |"));
        assert!(json(&bench).contains("\"x86_64\": ["));
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

    /// Blocks run before the window's first and after its last are not counted; those between
    /// are, with the instruction count of their (latest) translation.
    #[test]
    fn a_trace_is_counted_from_the_first_block_in_the_window_to_the_last() {
        let log = "\
----------------
IN: 
0x00001000:  nop
0x00001004:  nop

Trace 0: 0x7f [0000000000000000/0000000000001000/00000001/ff020200] 
----------------
IN: 
0x00002000:  nop
0x00002004:  nop
0x00002008:  nop

Trace 0: 0x7f [0000000000000000/0000000000002000/00000001/ff020200] 
----------------
IN: 
0x00003000:  nop

Trace 0: 0x7f [0000000000000000/0000000000003000/00000001/ff020200] 
Trace 0: 0x7f [0000000000000000/0000000000002000/00000001/ff020200] 
Trace 0: 0x7f [0000000000000000/0000000000001000/00000001/ff020200] 
";
        assert_eq!(count_in_window(log, &(0x2000..0x2100)), Some(3 + 1 + 3));
        assert_eq!(count_in_window(log, &(0x9000..0x9100)), None);
    }
}
