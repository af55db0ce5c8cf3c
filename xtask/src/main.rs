// SPDX-License-Identifier: BSD-2-Clause

//! The entry point that the Makefile and cargo's runner call. Every command takes
//! `--arch NAME` (empty or absent: x86_64) and, where it is about an exercise or a stage,
//! `--exercise NAME` / `--stage NAME` (empty: the main exercise, as the file is):
//!
//! ```text
//! xtask simulate [--timeout SECONDS] [--gdb PORT]  build and boot (a stage, or a file as it is)
//! xtask image                                      build only; print the image's path
//! xtask kernel                                     build the architecture's kernel
//! xtask prepare                                    build what every boot of the architecture (or of
//!                                                  all, without --arch) needs, saying so (make test)
//! xtask status                                     which stage each exercise file is at
//! xtask stages                                     the architecture's stages and summaries
//! xtask solution                                   the solution as a diff (default: next stage)
//! xtask reset [yes]                                an exercise file back to its start stage
//! xtask gdb [--gdb PORT]                           gdb on the image, stopped at main (make gdb)
//! xtask semantics [--timeout SECONDS]              build and boot the paging-semantics suite
//! xtask check-image FILE                           the static-image checks on an ELF file
//! xtask boot FILE                                  boot a root task ELF (cargo run's runner)
//! xtask bench [--runs N]                           timings and sizes (make bench)
//! xtask soak [--runs N]                            every stage booted and checked N times
//! ```

use std::io::IsTerminal;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;
use std::{env, fs};

use xtask::catalogue::{self, Arch, ExerciseRef, StageRef};
use xtask::command::Output;
use xtask::image::{self, Image, Source};
use xtask::project::Project;
use xtask::qemu::{self, Outcome, RunOptions, Step};
use xtask::solutions::Solution;
use xtask::symbolize::Symbolizer;
use xtask::{boot, debugger, elf_check, expect, kernel, stages};

/// A non-interactive `simulate` gives up after this long without an ending line.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<ExitCode, String> {
    let project = Project::from_env();
    let (command, rest) = args.split_first().ok_or_else(usage)?;
    let mut options = Options::parse(rest)?;
    match command.as_str() {
        "simulate" => {
            let source = options.source();
            let image = build(&project, &source)?;
            simulate(&project, &options, &source, &image)
        }
        "image" => {
            let image = build(&project, &options.source())?;
            println!("{}", image.bootable.display());
            Ok(ExitCode::SUCCESS)
        }
        "kernel" => {
            kernel::ensure(&project, options.arch, Output::Shown)?;
            Ok(ExitCode::SUCCESS)
        }
        "prepare" => {
            let arches: Vec<&'static Arch> = match options.arch_given {
                true => vec![options.arch],
                false => catalogue::ARCHES.iter().collect(),
            };
            for arch in arches {
                prepare(&project, arch)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        "semantics" => semantics(&project, &options),
        "status" => status(&project, &options),
        "check-image" => {
            let file = options.positional.take().ok_or_else(usage)?;
            check_image(Path::new(&file))
        }
        "boot" => {
            let file = options.positional.take().ok_or_else(usage)?;
            boot_elf(&project, &options, Path::new(&file))
        }
        "bench" => {
            let arches: Vec<&'static Arch> = match options.arch_given {
                true => vec![options.arch],
                false => catalogue::ARCHES.iter().collect(),
            };
            let bench = xtask::bench::run(&project, &arches, options.runs)?;
            let table = xtask::bench::table(&bench);
            let json_path = project.build_dir().join("bench.json");
            fs::write(&json_path, xtask::bench::json(&bench))
                .map_err(|e| format!("{}: {e}", json_path.display()))?;
            println!("{table}\n(also in {})", json_path.display());
            Ok(ExitCode::SUCCESS)
        }
        "gdb" => gdb(&project, &options),
        "soak" => soak(&project, options.arch, options.runs),
        "solution" => solution(&project, &options),
        "reset" => reset(
            &project,
            options.exercise(),
            options.positional.as_deref() == Some("yes"),
        ),
        "stages" => {
            for exercise in options.arch.exercises() {
                println!(
                    "{} ({}), {}:",
                    exercise.exercise.name,
                    exercise.exercise.file,
                    exercise.simulate_command()
                );
                for stage in exercise.stages() {
                    println!("  {:<22} {}", stage.name(), stage.stage.summary);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        _ => Err(usage()),
    }
}

fn usage() -> String {
    "usage: xtask simulate|image|kernel|status|stages|solution|reset|gdb|semantics|bench|soak \
     [--arch NAME] [--exercise NAME | --stage NAME] [--timeout SECONDS] [--gdb PORT] [--runs N] \
     | check-image FILE | boot FILE"
        .to_owned()
}

struct Options {
    arch: &'static Arch,
    /// Whether `--arch` named one (a command about every architecture then takes only it).
    arch_given: bool,
    stage: Option<StageRef>,
    exercise: Option<ExerciseRef>,
    timeout: Duration,
    runs: usize,
    /// `--gdb PORT`: QEMU halts and serves gdb there; for `gdb`, the port to connect to.
    gdb_port: Option<u16>,
    positional: Option<String>,
}

impl Options {
    fn parse(args: &[String]) -> Result<Self, String> {
        let mut arch_name = String::new();
        let (mut stage_name, mut exercise_name) = (String::new(), String::new());
        let mut options = Options {
            arch: catalogue::default_arch(),
            arch_given: false,
            stage: None,
            exercise: None,
            timeout: DEFAULT_TIMEOUT,
            runs: 5,
            gdb_port: None,
            positional: None,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut value = |what: &str| {
                args.next()
                    .cloned()
                    .ok_or_else(|| format!("{arg} needs {what}"))
            };
            // An empty value is make's `NAME=`: not given.
            match arg.as_str() {
                "--arch" => arch_name = value("an architecture")?,
                "--stage" => stage_name = value("a stage name")?,
                "--exercise" => exercise_name = value("an exercise name")?,
                "--timeout" => {
                    let value = value("a number of seconds")?;
                    let seconds: f64 = value
                        .parse()
                        .ok()
                        .filter(|s: &f64| s.is_finite() && *s > 0.0)
                        .ok_or_else(|| {
                            format!("--timeout {value}: not a positive number of seconds")
                        })?;
                    options.timeout = Duration::from_secs_f64(seconds);
                }
                "--gdb" => {
                    let value = value("a port number")?;
                    if !value.is_empty() {
                        options.gdb_port = Some(
                            value
                                .parse()
                                .map_err(|_| format!("--gdb {value}: not a port number"))?,
                        );
                    }
                }
                "--runs" => {
                    let value = value("a number")?;
                    options.runs =
                        value.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                            format!("--runs {value}: not a positive whole number")
                        })?;
                }
                other if !other.starts_with('-') && options.positional.is_none() => {
                    options.positional = Some(other.to_owned());
                }
                other => return Err(format!("unknown argument '{other}'\n{}", usage())),
            }
        }
        let arch = catalogue::find_arch(&arch_name).map_err(|e| e.to_string())?;
        options.arch = arch;
        options.arch_given = !arch_name.is_empty();
        if !stage_name.is_empty() {
            options.stage = Some(arch.find_stage(&stage_name).map_err(|e| e.to_string())?);
        }
        if !exercise_name.is_empty() {
            options.exercise = Some(
                arch.find_exercise(&exercise_name)
                    .map_err(|e| e.to_string())?,
            );
        }
        if let (Some(stage), Some(exercise)) = (options.stage, options.exercise)
            && stage.exercise() != exercise
        {
            return Err(format!(
                "stage '{}' belongs to exercise '{}', not '{}'",
                stage.name(),
                stage.exercise.name,
                exercise.exercise.name
            ));
        }
        Ok(options)
    }

    /// The exercise the command is about: the stage's, the one named, or the main one.
    fn exercise(&self) -> ExerciseRef {
        match (self.stage, self.exercise) {
            (Some(stage), _) => stage.exercise(),
            (None, Some(exercise)) => exercise,
            (None, None) => self.arch.main_exercise(),
        }
    }

    /// What to build: the stage named, or the exercise's file as it is.
    fn source(&self) -> Source<'static> {
        match self.stage {
            Some(stage) => Source::Stage(stage),
            None => Source::File(self.exercise()),
        }
    }
}

/// An exercise file's texts: as shipped, and as the learner has it.
struct Texts {
    shipped: String,
    learner: String,
}

fn texts(project: &Project, exercise: ExerciseRef) -> Result<Texts, String> {
    let file = exercise.exercise.file;
    let read = |path: PathBuf| {
        fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let learner = project.root().join(file);
    if !learner.exists() {
        return Err(format!(
            "{file} is missing: `make` makes it again from {}",
            project.shipped(file).display()
        ));
    }
    Ok(Texts {
        shipped: read(project.shipped(file))?,
        learner: read(learner)?,
    })
}

fn build(project: &Project, source: &Source) -> Result<Image, String> {
    image::build(project, source, Output::Shown)
}

/// Builds what every boot of `arch` needs, with each step shown: its kernel, its loader, and the
/// start stage of its main exercise, which builds core, alloc and rust-sel4 for its target. The
/// boot tests then build only their own files; a first `make test` says what takes minutes.
fn prepare(project: &Project, arch: &'static Arch) -> Result<(), String> {
    eprintln!("==> Preparing {arch}: its kernel, its loader, and the crates its root tasks share");
    let start = Source::Stage(arch.main_exercise().start());
    xtask::boot_check::build_checked_image(project, &start, Output::Shown).map(drop)
}

/// Where the learner is: the main exercise in full, then a line for each further exercise (or
/// only the exercise named).
fn status(project: &Project, options: &Options) -> Result<ExitCode, String> {
    let exercises: Vec<ExerciseRef> = match options.exercise {
        Some(exercise) => vec![exercise],
        None => options.arch.exercises().collect(),
    };
    for (k, exercise) in exercises.into_iter().enumerate() {
        let texts = texts(project, exercise)?;
        let progress = stages::describe_progress(exercise, &texts.shipped, &texts.learner);
        if k == 1 {
            println!("\nFurther exercises (TUTORIAL.md, \"Further exercises\"):");
        }
        if k == 0 {
            println!("{progress}");
        } else {
            // One line each: where the file is, not what to do next.
            println!("- {}", progress.lines().next().unwrap_or_default());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Boots `image` (built from `source`) the way a learner runs it: the whole boot shown, fault
/// reports pointed at the source; interactive runs are left with Ctrl-A x, others stop once the
/// program has ended or at the timeout. The closing lines say where the learner's file is.
fn simulate(
    project: &Project,
    options: &Options,
    source: &Source,
    image: &Image,
) -> Result<ExitCode, String> {
    let interactive = std::io::stdin().is_terminal();
    let what = match source {
        Source::Stage(stage) => format!(
            "{} stage '{}' ({})",
            stage.arch,
            stage.name(),
            stage.stage.summary
        ),
        _ => source.describe(),
    };
    let mut qemu = boot::command(project, image)?;
    if let Some(port) = options.gdb_port {
        qemu.args(debugger::qemu_args(port));
        let mut pick = match options.stage {
            Some(stage) => stage.make_args(),
            None => options.exercise().make_args(),
        };
        if port != debugger::DEFAULT_PORT {
            pick.push_str(&format!(" GDB_PORT={port}"));
        }
        eprintln!(
            "==> QEMU is halted, waiting for gdb on 127.0.0.1:{port}. In a second terminal: \
             make gdb{pick}"
        );
    }
    let log_path =
        project
            .logs_dir()
            .join(format!("simulate-{}-{}.log", image.arch, source.name()));
    if interactive {
        eprintln!(
            "==> Booting seL4 ({}) with {what}. Quit QEMU with Ctrl-A x.",
            image.arch
        );
    } else {
        eprintln!("==> Booting seL4 ({}) with {what}.", image.arch);
    }
    let run_options = RunOptions {
        // From a terminal, a run (a debugging session too) lasts until the learner quits QEMU;
        // without one, nobody can, and TIMEOUT ends it.
        timeout: (!interactive).then_some(options.timeout),
        echo: true,
        interactive,
        log_path: &log_path,
        // The reminder would have scrolled away under the boot log.
        quiet_note: Some("==> The program has ended. Quit QEMU with Ctrl-A x."),
    };
    let symbolizer = Symbolizer::new(project, &image.root_task);
    // Without a terminal nobody can press Ctrl-A x: stop once the program has clearly ended.
    let run = qemu::run(qemu, &run_options, |line| {
        // The runner has echoed the line; add where a fault report's addresses are in the source.
        for note in symbolizer.iter().flat_map(|s| s.annotate(line)) {
            println!("{note}");
        }
        match expect::ending(line) {
            Some(_) if interactive => Step::NoteWhenQuiet,
            None => Step::Continue,
            Some(expect::Ending::Last) => Step::Stop,
            Some(expect::Ending::Report) => Step::StopWhenQuiet,
        }
    })
    .map_err(|e| e.to_string())?;

    let code = match run.outcome {
        Outcome::Stopped => ExitCode::SUCCESS,
        Outcome::Exited(_) if interactive => ExitCode::SUCCESS,
        Outcome::Exited(status) => {
            eprintln!(
                "==> QEMU exited ({status}) before the program ended; the log is in {}",
                run.log_path.display()
            );
            ExitCode::FAILURE
        }
        Outcome::TimedOut(after) => {
            eprintln!(
                "==> Nothing ended the run within {after:?}; QEMU was stopped. The log is in {}",
                run.log_path.display()
            );
            ExitCode::FAILURE
        }
    };
    if let Source::File(exercise) = source {
        eprintln!("==> {}", closing_lines(project, *exercise, &run)?);
    }
    Ok(code)
}

/// Where the learner's file is, as its TODOs say, and what comes next; but only where the run
/// printed what that stage prints (tests/expected/<arch>/<stage>.txt). Otherwise they say what
/// the run did instead: a panic, the learner's own code, a typo the build caught.
fn closing_lines(
    project: &Project,
    exercise: ExerciseRef,
    run: &qemu::Run,
) -> Result<String, String> {
    let texts = texts(project, exercise)?;
    let printed = |stage: StageRef| {
        let path = project.expected_log(stage.arch, stage.name());
        // Without the stage's expected lines there is nothing to contradict the TODOs with.
        fs::read_to_string(&path)
            .map(|expected| expect::printed(&expected, &run.lines))
            .unwrap_or(true)
    };
    let ending = run.lines.iter().rev().find(|l| expect::is_ending(l));
    Ok(stages::closing_lines(
        exercise,
        &texts.shipped,
        &texts.learner,
        printed,
        ending.map(String::as_str),
    ))
}

/// `cargo run`'s runner: boots an ELF that cargo built, on the architecture it was built for.
fn boot_elf(project: &Project, options: &Options, elf: &Path) -> Result<ExitCode, String> {
    let data = fs::read(elf).map_err(|e| format!("cannot read {}: {e}", elf.display()))?;
    let arch = elf_check::arch_of(&data).ok_or_else(|| {
        format!(
            "{} is not a program for any of the architectures ({})",
            elf.display(),
            catalogue::arch_names()
        )
    })?;
    let name = elf
        .file_stem()
        .map_or("program".into(), |s| s.to_string_lossy().into_owned());
    let dir: PathBuf = project.image_dir(arch, &format!("cargo-run-{name}"));
    fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let image = Image::of_elf(project, arch, elf, &dir, Output::Shown)?;
    let options = Options {
        arch,
        arch_given: true,
        stage: None,
        exercise: None,
        timeout: options.timeout,
        runs: options.runs,
        gdb_port: options.gdb_port,
        positional: None,
    };
    // An exercise's program is described as its file, with the closing lines on its stage.
    let source = match arch.exercises().find(|e| e.exercise.bin == name) {
        Some(exercise) => Source::File(exercise),
        None => Source::Variant {
            exercise: arch.main_exercise(),
            name: &name,
            text: "",
        },
    };
    simulate(project, &options, &source, &image)
}

/// Builds and boots the paging-semantics suite, showing its output; fails on any failed case or
/// a report that does not add up. The suite ends on its own, so there is nothing to quit.
fn semantics(project: &Project, options: &Options) -> Result<ExitCode, String> {
    eprintln!(
        "==> Building and booting the paging-semantics suite ({})",
        options.arch
    );
    let booted =
        xtask::semantics::boot(project, options.arch, Output::Shown, true, options.timeout)?;
    match xtask::semantics::verdict(&booted) {
        None => {
            eprintln!(
                "==> Every case got the answer it expects; the log is in {}",
                booted.run.log_path.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(message) => {
            eprintln!("==> {message}");
            Ok(ExitCode::FAILURE)
        }
    }
}

fn check_image(path: &Path) -> Result<ExitCode, String> {
    let data = fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let arch = elf_check::arch_of(&data).ok_or_else(|| {
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

/// gdb on the image `make simulate GDB=1` boots (same options), stopped at its `main`.
fn gdb(project: &Project, options: &Options) -> Result<ExitCode, String> {
    let source = options.source();
    let arch = options.arch;
    let dir = project.image_dir(arch, source.name());
    let root_task = dir.join(format!("{}.elf", source.bin()));
    let port = options.gdb_port.unwrap_or(debugger::DEFAULT_PORT);
    let mut pick = match options.stage {
        Some(stage) => stage.make_args(),
        None => options.exercise().make_args(),
    };
    if port != debugger::DEFAULT_PORT {
        pick.push_str(&format!(" GDB_PORT={port}"));
    }
    if !root_task.is_file() || !debugger::is_listening(port) {
        return Err(format!(
            "no QEMU is waiting for gdb on 127.0.0.1:{port}: in another terminal, start \
             `make simulate GDB=1{pick}` first, then run `make gdb{pick}` again"
        ));
    }
    let image = Image {
        arch,
        bootable: root_task.clone(),
        root_task,
    };
    let gdb = debugger::gdb_command(&image, &source, port, &dir)
        .map_err(|e| format!("cannot write gdb's commands in {}: {e}", dir.display()))?;
    let status = run_in_foreground(gdb)
        .map_err(|e| format!("cannot run {}: {e} (`make setup` installs it)", arch.gdb))?;
    Ok(if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Runs `cmd` as the terminal's foreground process group, as a shell runs a job: Ctrl-C then
/// goes to it alone (gdb stops the program), not to `make` and this tool, which would end with
/// it. The terminal comes back to this tool's group when it exits.
fn run_in_foreground(mut cmd: std::process::Command) -> std::io::Result<std::process::ExitStatus> {
    if !std::io::stdin().is_terminal() {
        return cmd.status();
    }
    // SAFETY: setpgid, signal, tcsetpgrp and getpid are async-signal-safe. A process that is not
    // in the foreground group must ignore SIGTTOU to take the terminal.
    unsafe {
        cmd.pre_exec(|| {
            libc::setpgid(0, 0);
            libc::signal(libc::SIGTTOU, libc::SIG_IGN);
            libc::tcsetpgrp(libc::STDIN_FILENO, libc::getpid());
            libc::signal(libc::SIGTTOU, libc::SIG_DFL);
            Ok(())
        });
    }
    let mut child = cmd.spawn()?;
    let pid = libc::pid_t::try_from(child.id()).expect("a process id fits pid_t");
    // SAFETY: as above; this process keeps ignoring SIGTTOU so that it can take the terminal back.
    unsafe {
        libc::signal(libc::SIGTTOU, libc::SIG_IGN);
        libc::tcsetpgrp(libc::STDIN_FILENO, pid);
    }
    let status = child.wait();
    // SAFETY: as above.
    unsafe {
        libc::tcsetpgrp(libc::STDIN_FILENO, libc::getpgrp());
    }
    status
}

/// Boots and checks every stage of `arch` `runs` times in a row; reports each failure and a count.
fn soak(project: &Project, arch: &'static Arch, runs: usize) -> Result<ExitCode, String> {
    let mut failed = 0;
    let mut passed = 0;
    for run in 1..=runs {
        for stage in arch.stages() {
            match xtask::boot_check::boot_stage(project, stage) {
                Ok(_) => passed += 1,
                Err(report) => {
                    failed += 1;
                    eprintln!("run {run}, {arch} stage {}: FAILED\n{report}", stage.name());
                }
            }
        }
        eprintln!("==> soak: run {run} of {runs} done ({failed} failed so far)");
    }
    println!("{passed} passed, {failed} failed");
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn solution(project: &Project, options: &Options) -> Result<ExitCode, String> {
    let exercise = options.exercise();
    let file = exercise.exercise.file;
    let texts = texts(project, exercise)?;
    let stage = match options.stage {
        Some(stage) => stage,
        None => match xtask::solutions::next_stage(exercise, &texts.shipped, &texts.learner)? {
            Some(stage) => stage,
            None => {
                eprintln!("{file} is at the last stage: there is no next solution.");
                return Ok(ExitCode::SUCCESS);
            }
        },
    };
    let scratch = project.build_dir().join("solution");
    let pick = stage.make_args();
    let what = format!("stage '{}' ({})", stage.name(), stage.stage.summary);
    match xtask::solutions::solution(&texts.shipped, &texts.learner, stage, &scratch)? {
        Solution::ForTheFile(diff) if diff.is_empty() => {
            eprintln!("{file} is at stage '{}' already.", stage.name());
        }
        Solution::ForTheFile(diff) => {
            eprintln!(
                "==> The solution for {what}, as changes to {file}.\n    \
                 Nothing was changed; to apply it: make solution{pick} | git apply"
            );
            print!("{diff}");
        }
        Solution::Shipped(diff) => {
            eprintln!(
                "==> The solution for {what}, as it changes the shipped {file}: your file's TODOs \
                 are edited too far to apply it there, so copy the lines by hand."
            );
            print!("{diff}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Puts an exercise's file back as it ships, after a yes (from the terminal, or `yes` given),
/// and keeps the learner's version beside it as `<file>.<time>.bak`.
fn reset(project: &Project, exercise: ExerciseRef, confirmed: bool) -> Result<ExitCode, String> {
    let file = exercise.exercise.file;
    let texts = texts(project, exercise)?;
    if texts.learner == texts.shipped {
        eprintln!("{file} is as shipped already: nothing to do.");
        return Ok(ExitCode::SUCCESS);
    }
    if !confirmed {
        if !std::io::stdin().is_terminal() {
            return Err(format!(
                "make reset puts {file} back as shipped: run it from a terminal to confirm, \
                 or as `make reset{} CONFIRM=yes`",
                exercise.make_args()
            ));
        }
        eprint!("Put {file} back as shipped (yours is kept as a backup beside it)? [y/N] ");
        let mut answer = String::new();
        std::io::stdin()
            .read_line(&mut answer)
            .map_err(|e| e.to_string())?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            eprintln!("Nothing changed.");
            return Ok(ExitCode::SUCCESS);
        }
    }
    let path = project.root().join(file);
    let backup = PathBuf::from(format!("{}.{}.bak", path.display(), timestamp()));
    fs::write(&backup, &texts.learner)
        .map_err(|e| format!("cannot keep your {file} as {}: {e}", backup.display()))?;
    fs::write(&path, &texts.shipped).map_err(|e| format!("cannot write {file}: {e}"))?;
    let shown = backup.strip_prefix(project.root()).unwrap_or(&backup);
    eprintln!(
        "{file} is back as shipped, at stage '{}'. Yours is in {}.",
        exercise.start().name(),
        shown.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The time now, UTC, as `20261124-133005`: backups sort by it.
fn timestamp() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    utc(secs)
}

/// Seconds since 1970-01-01 UTC as `YYYYMMDD-HHMMSS`.
fn utc(secs: u64) -> String {
    let (days, day_secs) = (secs / 86_400, secs % 86_400);
    // Howard Hinnant's civil_from_days, for days since 1970-01-01.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}-{:02}{:02}{:02}",
        day_secs / 3600,
        day_secs / 60 % 60,
        day_secs % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc_times_are_civil_dates() {
        assert_eq!(super::utc(0), "19700101-000000");
        assert_eq!(super::utc(951_782_400), "20000229-000000");
        assert_eq!(super::utc(1_795_530_645), "20261124-143045");
    }
}
