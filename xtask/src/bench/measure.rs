// SPDX-License-Identifier: BSD-2-Clause

//! Timings and sizes: a cold build in steps, the learner's warm loop, QEMU's start to each
//! stage's last line, the images' sizes, warm `make test`, a fresh clone's first `make simulate`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::bench::figure::Figure;
use crate::bench::goals;
use crate::bench::timing::{make, progress, sampled, secs, timed, touch};
use crate::catalogue::{Arch, StageRef};
use crate::check::boot_stage_unwalked;
use crate::image::loader;
use crate::image::{self, Source};
use crate::project::Project;
use crate::support::process::Output;

/// The name of a fresh clone's first `make simulate`, which the container's is measured against.
pub const FIRST_SIMULATE: &str = "first `make simulate` on a fresh clone";

/// The loader's payload tool, built cold in an empty directory: once for every architecture.
pub(super) fn payload_tool(project: &Project, runs: usize) -> Result<Figure> {
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
/// The figure of what `WALK=1` adds to a warm `make simulate`.
pub const WALK_FIGURE: &str = "`make simulate WALK=1` over `make simulate`";

pub(super) fn last_stage(arch: &'static Arch) -> StageRef {
    let main = arch.main_exercise();
    main.stage(main.todo_count()).expect("the last stage")
}

/// A cold build in empty build directories (downloads cached), in steps: the kernel, the loader
/// (where there is one), then cargo three times: core, alloc and compiler_builtins from source
/// (with `log`, which needs nothing else), the crates (rust-sel4 and lib/), the learner's file.
pub(super) fn cold_build(
    project: &Project,
    arch: &'static Arch,
    runs: usize,
) -> Result<Vec<Figure>> {
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
            .env("KERNEL_OUT", &kernel)
            .env("SEL4_SRC", project.sel4_src());
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
            cmd.args(["build", "--locked", "--target-dir"])
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
    let c = goals::c_tutorial(arch);
    figures.push(Figure::new("cold build: total", "s", totals).beside_c(c.map(|c| c.cold_build)));
    Ok(figures)
}

/// The learner's loop, warm: a rebuild after touching the file, an edit to the last line of
/// `make simulate`, an edit to `make status`'s answer, and QEMU's start to each stage's last
/// line.
pub(super) fn warm_loop(
    project: &Project,
    arch: &'static Arch,
    runs: usize,
) -> Result<Vec<Figure>> {
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
    let c = goals::c_tutorial(arch);
    figures.push(
        Figure::new("warm rebuild after an edit", "s", samples).beside_c(c.map(|c| c.warm_rebuild)),
    );

    // Touch the file, then time `make <goal>` to its end.
    let after_an_edit = |goal: &str| {
        sampled(runs, || {
            touch(&file)?;
            timed(make(project.root(), &[goal, &format!("ARCH={arch}")]))
        })
    };
    progress(arch, "edit, then `make simulate` until its last line");
    let samples = after_an_edit("simulate")?;
    figures
        .push(Figure::new("edit -> `make simulate` output", "s", samples).goal(goals::EDIT_LOOP));

    // The same run with and without the walk, one after the other: the walk's cost is their
    // difference (the gdb stub, a breakpoint, the tables read at the end).
    let last = last_stage(arch);
    let stage_arg = format!("STAGE={}", last.name());
    progress(
        arch,
        &format!(
            "`make simulate WALK=1` against `make simulate`, stage {}",
            last.name()
        ),
    );
    let arch_arg = format!("ARCH={arch}");
    let simulate = |walk: bool| {
        let mut args = vec!["simulate", arch_arg.as_str(), stage_arg.as_str()];
        args.extend(walk.then_some("WALK=1"));
        timed(make(project.root(), &args))
    };
    simulate(true)?;
    let samples = sampled(
        runs,
        || Ok(simulate(true)?.saturating_sub(simulate(false)?)),
    )?;
    figures.push(Figure::new(WALK_FIGURE, "s", samples).goal(goals::WALK_ADDS));

    progress(
        arch,
        "edit, then `make status` (it builds and boots the file)",
    );
    let samples = after_an_edit("status")?;
    figures.push(Figure::new("edit -> `make status` answer", "s", samples).goal(goals::STATUS));

    for stage in main.stages() {
        progress(
            arch,
            &format!("QEMU start -> last line, stage {}", stage.name()),
        );
        let mut samples = Vec::new();
        for _ in 0..runs {
            let passed = boot_stage_unwalked(project, stage)?;
            samples.push(secs(passed.run.elapsed));
        }
        figures.push(
            Figure::new(
                format!("QEMU start -> last line: {}", stage.name()),
                "s",
                samples,
            )
            .goal(goals::qemu_last_line(arch))
            .beside_c(c.map(|c| c.qemu_last_line)),
        );
    }
    Ok(figures)
}

pub(super) fn image_sizes(project: &Project, arch: &'static Arch) -> Result<Vec<Figure>> {
    progress(arch, "image size (the last stage: the whole exercise)");
    let image = image::build(project, &Source::Stage(last_stage(arch)), Output::Captured)?;
    let scratch = project.build_dir().join("bench");
    fs::create_dir_all(&scratch)?;
    let prefix = arch.cross_prefix;
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
            .with_context(|| p.display().to_string())
    };
    let out = Command::new(format!("{prefix}size"))
        .arg(&image.root_task)
        .output()
        .context("cannot run size (install binutils)")?;
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
        bail!("cannot read `size` output: {text}");
    };
    let one = |name: &str, value: f64| Figure::new(name, "bytes", vec![value]);
    let mut figures = vec![
        one(
            "root task file (with debug information)",
            file_size(&image.root_task)?,
        ),
        one("root task stripped", file_size(&stripped)?)
            .beside_c(goals::c_tutorial(arch).map(|c| c.stripped)),
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
pub(super) fn first_simulate(
    project: &Project,
    arch: &'static Arch,
    runs: usize,
) -> Result<Figure> {
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
    Ok(Figure::new(FIRST_SIMULATE, "s", samples).goal(goals::first_simulate(arch)))
}

/// The time `make test` takes, failing or not: a failure is reported and its time kept, so that a
/// long bench run is not lost at its last step (its tests say what failed).
fn timed_test(mut cmd: Command) -> Result<Duration> {
    let started = Instant::now();
    let status = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .with_context(|| format!("{cmd:?}"))?;
    if !status.success() {
        eprintln!(
            "==> bench: `make test` failed ({status}); its time is kept. See build/logs/make-test.log"
        );
    }
    Ok(started.elapsed())
}

/// Warm `make test`: of `arch`, or of every architecture.
pub(super) fn make_test(
    project: &Project,
    arch: Option<&'static Arch>,
    runs: usize,
) -> Result<Figure> {
    match arch {
        Some(arch) => {
            progress(arch, &format!("warm `make test ARCH={arch}`"));
            let arch_arg = format!("ARCH={arch}");
            let samples = sampled(runs, || {
                timed_test(make(project.root(), &["test", &arch_arg]))
            })?;
            Ok(Figure::new(
                "warm `make test` (this architecture)",
                "s",
                samples,
            ))
        }
        None => {
            eprintln!("==> bench: warm `make test` of every architecture");
            let samples = sampled(runs, || timed_test(make(project.root(), &["test"])))?;
            let (goal, c) = goals::MAKE_TEST_ALL;
            Ok(
                Figure::new("warm `make test` (every architecture)", "s", samples)
                    .goal(goal)
                    .beside_c(Some(c)),
            )
        }
    }
}

/// `make book`: the first time, in a set-up clone with nothing of mdBook anywhere (an empty user
/// cache and an empty cargo home: mdBook is downloaded and compiled), then warm.
pub(super) fn book(project: &Project, runs: usize) -> Result<Vec<Figure>> {
    // Outside the project, as a learner's cargo home is: cargo reads the .cargo/config.toml of
    // every directory above a crate it compiles, and the project's is for seL4's targets.
    let dir = std::env::temp_dir().join("sel4-mapping-tutorial-bench-book");
    let clone = dir.join("clone");
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).with_context(|| dir.display().to_string())?;
    let mut git = Command::new("git");
    git.arg("clone").arg("-q").arg(project.root()).arg(&clone);
    timed(git)?;
    // Set up, and its host tools built (`make stages` needs both), with the cargo home as it is.
    eprintln!("==> bench: the clone set up (`make stages`)");
    timed(make(&clone, &["stages"]))?;
    eprintln!("==> bench: the first `make book`, mdBook installed from crates.io (1 run)");
    let mut first = make(&clone, &["book"]);
    first
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .env("CARGO_HOME", dir.join("cargo-home"));
    let first = timed(first)?;
    eprintln!("==> bench: warm `make book`");
    let warm = sampled(runs, || {
        let mut cmd = make(&clone, &["book"]);
        cmd.env("XDG_CACHE_HOME", dir.join("cache"));
        timed(cmd)
    })?;
    let _ = fs::remove_dir_all(&dir);
    Ok(vec![
        Figure::new(
            "first `make book` (mdBook downloaded and compiled)",
            "s",
            vec![secs(first)],
        ),
        Figure::new("warm `make book`", "s", warm),
    ])
}
