// SPDX-License-Identifier: BSD-2-Clause

//! `cargo xtask`-style entry point that the Makefile calls:
//!
//! ```text
//! xtask simulate [--stage NAME] [--timeout SECONDS]   build and boot (src/main.rs, or a stage)
//! xtask simulate --exercise NAME                      build and boot a further exercise's file
//! xtask image [--stage NAME | --exercise NAME]        build only; print the image's path
//! xtask status [--exercise NAME]                      which stage each exercise file is at
//! xtask semantics [--timeout SECONDS]                 build and boot the paging-semantics suite
//! xtask check-image FILE                              the static-image checks on an ELF file
//! xtask stages                                        every exercise's stages and summaries
//! xtask bench [--runs N]                              timings and sizes (make bench)
//! xtask soak [--runs N]                               every stage booted and checked N times
//! xtask solution [--stage NAME | --exercise NAME]     the solution as a diff (default: next stage)
//! xtask reset [--exercise NAME] [yes]                 an exercise file back to its start stage
//! xtask simulate ... --gdb PORT                       QEMU halted, serving gdb (make simulate GDB=1)
//! xtask gdb [--stage NAME] [--gdb PORT]               gdb on the image, stopped at main (make gdb)
//! ```

use std::io::IsTerminal;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;
use std::{env, fs};

use xtask::image::{self, Output, Source};
use xtask::project::Project;
use xtask::qemu::{self, Machine, Outcome, RunOptions, Step};
use xtask::symbolize::Symbolizer;
use xtask::{debugger, elf_check, expect, stages};

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
    let project = Project::here();
    let (command, rest) = args.split_first().ok_or_else(usage)?;
    let mut options = Options::parse(rest)?;
    match command.as_str() {
        "simulate" => simulate(&project, &options),
        "image" => {
            let image = build(&project, &options)?;
            println!("{}", image.display());
            Ok(ExitCode::SUCCESS)
        }
        "semantics" => semantics(&project, &options),
        "status" => status(&project, &options),
        "check-image" => {
            let file = options.positional.take().ok_or_else(usage)?;
            check_image(Path::new(&file))
        }
        "bench" => {
            let figures = xtask::bench::run(&project, options.runs)?;
            let table = xtask::bench::table(&figures);
            let json_path = project.build_dir().join("bench.json");
            fs::write(&json_path, xtask::bench::json(&figures))
                .map_err(|e| format!("{}: {e}", json_path.display()))?;
            println!(
                "{table}
(also in {})",
                json_path.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        "gdb" => {
            let source = source_of(&options);
            let image = project.images_dir().join(format!("{}.elf", source.name()));
            if !image.is_file() {
                return Err(format!(
                    "no image at {}: start `make simulate GDB=1` first",
                    image.display()
                ));
            }
            let port = options.gdb_port.unwrap_or(debugger::DEFAULT_PORT);
            let error = debugger::gdb_command(&image, &source, port).exec();
            Err(format!("cannot run gdb: {error} (install Debian's gdb)"))
        }
        "soak" => soak(&project, options.runs),
        "solution" => solution(&project, &options),
        "reset" => reset(
            &project,
            options.exercise(),
            options.positional.as_deref() == Some("yes"),
        ),
        "stages" => {
            for exercise in &stages::EXERCISES {
                println!("{} ({}):", exercise.name, exercise.file);
                for stage in exercise.stages {
                    println!("  {:<22} {}", stage.name, stage.summary);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        _ => Err(usage()),
    }
}

fn usage() -> String {
    "usage: xtask simulate|image [--stage NAME | --exercise NAME] [--timeout SECONDS] \
     | semantics [--timeout SECONDS] | status [--exercise NAME] | check-image FILE | stages \
     | solution [--stage NAME | --exercise NAME] | reset [--exercise NAME] [yes] | bench | soak"
        .to_owned()
}

struct Options {
    stage: Option<&'static stages::Stage>,
    exercise: Option<&'static stages::Exercise>,
    timeout: Duration,
    runs: usize,
    /// `--gdb PORT`: QEMU halts and serves gdb there; for `gdb`, the port to connect to.
    gdb_port: Option<u16>,
    positional: Option<String>,
}

impl Options {
    fn parse(args: &[String]) -> Result<Self, String> {
        let mut options = Options {
            stage: None,
            exercise: None,
            timeout: DEFAULT_TIMEOUT,
            runs: 5,
            gdb_port: None,
            positional: None,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--stage" => {
                    let name = args.next().ok_or("--stage needs a stage name")?;
                    // An empty name is make's `STAGE=`: src/main.rs as it is.
                    if !name.is_empty() {
                        options.stage = Some(stages::find(name).map_err(|e| e.to_string())?);
                    }
                }
                "--exercise" => {
                    let name = args.next().ok_or("--exercise needs an exercise name")?;
                    // An empty name is make's `EXERCISE=`: the main exercise, src/main.rs.
                    if !name.is_empty() {
                        options.exercise =
                            Some(stages::find_exercise(name).map_err(|e| e.to_string())?);
                    }
                }
                "--timeout" => {
                    let value = args.next().ok_or("--timeout needs a number of seconds")?;
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
                    let value = args.next().ok_or("--gdb needs a port number")?;
                    // Empty is make's `GDB=` (no debugger).
                    if !value.is_empty() {
                        options.gdb_port = Some(
                            value
                                .parse()
                                .map_err(|_| format!("--gdb {value}: not a port number"))?,
                        );
                    }
                }
                "--runs" => {
                    let value = args.next().ok_or("--runs needs a number")?;
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
        if let (Some(stage), Some(exercise)) = (options.stage, options.exercise)
            && stage.exercise != exercise.name
        {
            return Err(format!(
                "stage '{}' belongs to exercise '{}', not '{}'",
                stage.name, stage.exercise, exercise.name
            ));
        }
        Ok(options)
    }

    /// The exercise the command is about: the stage's, the one named, or the main one.
    fn exercise(&self) -> &'static stages::Exercise {
        match (self.stage, self.exercise) {
            (Some(stage), _) => stage.exercise(),
            (None, Some(exercise)) => exercise,
            (None, None) => stages::main_exercise(),
        }
    }
}

fn read_exercise_file(project: &Project, exercise: &stages::Exercise) -> Result<String, String> {
    let path = project.root().join(exercise.file);
    fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn source_of(options: &Options) -> Source<'static> {
    match options.stage {
        Some(stage) => Source::Stage(stage),
        None => Source::File(options.exercise()),
    }
}

fn build(project: &Project, options: &Options) -> Result<std::path::PathBuf, String> {
    image::build(project, &source_of(options), Output::Shown)
}

/// Where the learner is: the main exercise in full, then a line for each further exercise (or
/// only the exercise named).
fn status(project: &Project, options: &Options) -> Result<ExitCode, String> {
    let exercises: Vec<&'static stages::Exercise> = match options.exercise {
        Some(exercise) => vec![exercise],
        None => stages::EXERCISES.iter().collect(),
    };
    for (k, exercise) in exercises.into_iter().enumerate() {
        let text = read_exercise_file(project, exercise)?;
        let progress = stages::describe_progress(exercise, &text);
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

fn simulate(project: &Project, options: &Options) -> Result<ExitCode, String> {
    let kernel = project.kernel_image();
    if !kernel.is_file() {
        return Err(format!(
            "no kernel at {}: run `make kernel` first",
            kernel.display()
        ));
    }
    let image = build(project, options)?;
    let machine = Machine::load(&project.machine_definition()).map_err(|e| e.to_string())?;
    let interactive = std::io::stdin().is_terminal();
    let what = match options.stage {
        Some(stage) => format!("stage '{}' ({})", stage.name, stage.summary),
        None => options.exercise().file.to_owned(),
    };
    let mut qemu = machine.command(&kernel, &image);
    if let Some(port) = options.gdb_port {
        qemu.args(debugger::qemu_args(port));
        let stage = match (options.stage, options.exercise) {
            (Some(stage), _) => format!(" STAGE={}", stage.name),
            (None, Some(exercise)) => format!(" EXERCISE={}", exercise.name),
            (None, None) => String::new(),
        };
        eprintln!(
            "==> QEMU is halted, waiting for gdb on 127.0.0.1:{port}. In a second terminal: \
             make gdb{stage}"
        );
    }
    let log_path = project
        .logs_dir()
        .join(format!("simulate-{}.log", source_of(options).name()));
    if interactive {
        eprintln!("==> Booting seL4 with {what}. Quit QEMU with Ctrl-A x.");
    } else {
        eprintln!("==> Booting seL4 with {what}.");
    }
    let run_options = RunOptions {
        // A debugging session lasts as long as the learner wants.
        timeout: (!interactive && options.gdb_port.is_none()).then_some(options.timeout),
        echo: true,
        interactive,
        log_path: &log_path,
    };
    let symbolizer = Symbolizer::new(&image, project.root());
    // Without a terminal nobody can press Ctrl-A x: stop once the program has clearly ended.
    let run = qemu::run(qemu, &run_options, |line| {
        // The runner has echoed the line; add where a fault report's addresses are in the source.
        for note in symbolizer.iter().flat_map(|s| s.annotate(line)) {
            println!("{note}");
        }
        if !interactive && expect::is_ending(line) {
            Step::StopWhenQuiet
        } else {
            Step::Continue
        }
    })
    .map_err(|e| e.to_string())?;

    let code = match run.outcome {
        Outcome::Stopped => ExitCode::SUCCESS,
        Outcome::Exited(status) if interactive => {
            let _ = status;
            ExitCode::SUCCESS
        }
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
    if options.stage.is_none() {
        let exercise = options.exercise();
        let text = read_exercise_file(project, exercise)?;
        eprintln!("==> {}", stages::describe_progress(exercise, &text));
    }
    Ok(code)
}

/// Builds and boots the paging-semantics suite, showing its output; fails on any failed case or
/// a report that does not add up. The suite ends on its own, so there is nothing to quit.
fn semantics(project: &Project, options: &Options) -> Result<ExitCode, String> {
    eprintln!("==> Building and booting the paging-semantics suite");
    let booted = xtask::semantics::boot(project, Output::Shown, true, options.timeout)?;
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
    let violations = elf_check::check(&data);
    if violations.is_empty() {
        println!(
            "{}: a static x86_64 executable with nothing dynamic and nothing from glibc",
            path.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    for v in &violations {
        eprintln!("{}: {v}", path.display());
    }
    Ok(ExitCode::FAILURE)
}

/// Boots and checks every stage `runs` times in a row; reports each failure and a count.
fn soak(project: &Project, runs: usize) -> Result<ExitCode, String> {
    let mut failed = 0;
    let mut passed = 0;
    for run in 1..=runs {
        for stage in stages::all_stages() {
            match xtask::boot_check::boot_stage(project, stage) {
                Ok(_) => passed += 1,
                Err(report) => {
                    failed += 1;
                    eprintln!("run {run}, stage {}: FAILED\n{report}", stage.name);
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
    let file = exercise.file;
    let source = read_exercise_file(project, exercise)?;
    let stage = match options.stage {
        Some(stage) => stage,
        None => match xtask::solutions::next_stage(exercise, &source)? {
            Some(stage) => stage,
            None => {
                eprintln!("{file} is at the last stage: there is no next solution.");
                return Ok(ExitCode::SUCCESS);
            }
        },
    };
    let diff =
        xtask::solutions::solution_diff(&source, stage, &project.build_dir().join("solution"))?;
    if diff.is_empty() {
        eprintln!("{file} is at stage '{}' already.", stage.name);
    } else {
        eprintln!(
            "==> The solution for stage '{}' ({}), as changes to {file}.\n    \
             Nothing was changed; to apply it: make solution STAGE={} | git apply",
            stage.name, stage.summary, stage.name
        );
        print!("{diff}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Puts an exercise's file back at its start stage, after a yes: from the terminal, or `yes`
/// given.
fn reset(
    project: &Project,
    exercise: &'static stages::Exercise,
    confirmed: bool,
) -> Result<ExitCode, String> {
    let file = exercise.file;
    let source = read_exercise_file(project, exercise)?;
    let start = &exercise.stages[0];
    let reset = stages::derive(&source, start).map_err(|e| e.to_string())?;
    if reset == source {
        eprintln!("{file} is at the start stage already: nothing to do.");
        return Ok(ExitCode::SUCCESS);
    }
    if !confirmed {
        if !std::io::stdin().is_terminal() {
            return Err(format!(
                "make reset changes {file}: run it from a terminal to confirm, \
                 or as `make reset CONFIRM=yes`"
            ));
        }
        eprint!("Comment out every TODO solution in {file} again (your other edits stay)? [y/N] ");
        let mut answer = String::new();
        std::io::stdin()
            .read_line(&mut answer)
            .map_err(|e| e.to_string())?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            eprintln!("Nothing changed.");
            return Ok(ExitCode::SUCCESS);
        }
    }
    fs::write(project.root().join(file), reset).map_err(|e| format!("cannot write {file}: {e}"))?;
    eprintln!("{file} is back at the start stage: every TODO solution is commented out.");
    Ok(ExitCode::SUCCESS)
}
