// SPDX-License-Identifier: BSD-2-Clause

//! The commands: one enum, whose doc comments are the help (`make help` prints them, and a test
//! holds the Makefile's list to them), and one module per command. The Makefile passes make's
//! variables through as options; an empty one (`ARCH=`) means not given, and every default is
//! here.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};

use crate::catalogue::{self, Arch, ExerciseRef, StageRef};
use crate::image::Source;
use crate::project::Project;

mod bench;
mod bench_report;
mod book;
mod boot;
mod check;
mod check_image;
mod clean;
mod fmt;
mod gdb;
mod help;
mod image;
mod kernel;
mod prepare;
mod record;
mod reset;
mod semantics;
mod simulate;
mod soak;
mod solution;
mod stages;
mod status;
mod test;

pub use clean::BUILT;
pub use help::make_help;

/// The tutorial's host tools: the Makefile runs every command through them (tools/xtask).
#[derive(Parser)]
#[command(name = "xtask", disable_help_subcommand = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// Each command's doc comment is `make` usage, then what it does: `make help` prints them.
#[derive(Subcommand)]
pub enum Command {
    /// `make simulate [ARCH=...] [STAGE=...|EXERCISE=...] [GDB=1] [WALK=1]`: build and boot your file, or a stage of it (GDB=1: halted for gdb; WALK=1: then the page-table walk)
    Simulate {
        #[command(flatten)]
        pick: Pick,
        #[command(flatten)]
        run: RunLimits,
        /// QEMU halts before the first instruction and serves gdb (GDB=1).
        #[arg(long)]
        gdb: bool,
        #[command(flatten)]
        walk: WalkOptions,
        /// The port it serves gdb on (GDB_PORT=).
        #[arg(long, value_parser = port, default_value_t = crate::boot::debugger::DEFAULT_PORT)]
        port: u16,
    },
    /// `make walk [ARCH=...] [STAGE=...|EXERCISE=...] [ADDR=...]`: run it, then walk the address through the page tables the kernel wrote
    Walk {
        #[command(flatten)]
        pick: Pick,
        #[command(flatten)]
        run: RunLimits,
        /// The address (ADDR=); default: each `*_VADDR` constant of the file.
        #[arg(long, default_value = "")]
        addr: String,
    },
    /// `make gdb [ARCH=...] [STAGE=...|EXERCISE=...]`: in a second terminal, gdb on `make simulate GDB=1`, stopped at main
    Gdb {
        #[command(flatten)]
        pick: Pick,
        /// The port `make simulate GDB=1` serves gdb on.
        #[arg(long, value_parser = port, default_value_t = crate::boot::debugger::DEFAULT_PORT)]
        port: u16,
    },
    /// `make test [ARCH=...]`: every test: host tests, then every stage booted and checked
    Test {
        #[command(flatten)]
        pick: Pick,
    },
    /// `make status [ARCH=...] [EXERCISE=...]`: which stage each exercise file is at
    Status {
        #[command(flatten)]
        pick: Pick,
    },
    /// `make stages [ARCH=...]`: the stages, with what each shows
    Stages {
        #[command(flatten)]
        pick: Pick,
    },
    /// `make solution [ARCH=...] [STAGE=...|EXERCISE=...]`: a stage's solution as a diff (default: the next)
    Solution {
        #[command(flatten)]
        pick: Pick,
    },
    /// `make reset [ARCH=...] [EXERCISE=...] [CONFIRM=yes]`: an exercise file back to its start (asks first)
    Reset {
        #[command(flatten)]
        pick: Pick,
        /// `yes`: no question.
        #[arg(long, default_value = "")]
        confirm: String,
    },
    /// `make semantics [ARCH=...]`: build and boot the paging-semantics suite (every kernel without ARCH=, aarch64_el1 too, then docs/kernel-semantics-cases.md and -coverage.md)
    Semantics {
        #[command(flatten)]
        pick: Pick,
        #[command(flatten)]
        run: RunLimits,
    },
    /// `make kernel [ARCH=...]`: build the architecture's seL4 kernel
    Kernel {
        #[command(flatten)]
        pick: Pick,
    },
    /// `make image [ARCH=...] [STAGE=...]`: build the image only, and print its path
    Image {
        #[command(flatten)]
        pick: Pick,
    },
    /// `make bench [ARCH=...] [RUNS=5]`: timings, instruction counts, sizes (and build/bench.json)
    Bench {
        #[command(flatten)]
        pick: Pick,
        #[arg(long, value_parser = positive, default_value_t = 5)]
        runs: usize,
    },
    /// `make bench-report [JSON=...]`: docs/performance.md from a bench run's JSON (build/bench.json), kept as docs/bench.json
    #[command(name = "bench-report")]
    BenchReport {
        /// The JSON of a `make bench` run.
        #[arg(long, default_value = "build/bench.json")]
        from: std::path::PathBuf,
    },
    /// `make soak [ARCH=...] [RUNS=20]`: every stage booted and checked RUNS times in a row
    Soak {
        #[command(flatten)]
        pick: Pick,
        #[arg(long, value_parser = positive, default_value_t = 20)]
        runs: usize,
    },
    /// `make book [SERVE=1]`: the tutorial as a book, built into build/book (SERVE=1: served on localhost, rebuilt on every change)
    Book {
        /// Serve it on localhost, rebuilt on every change (SERVE=1).
        #[arg(long)]
        serve: bool,
        /// The port it is served on (BOOK_PORT=).
        #[arg(long, value_parser = port, default_value_t = crate::book::DEFAULT_PORT)]
        port: u16,
    },
    /// `make record [ARCH=...] [STAGE=...|EXERCISE=...]`: boot stages and record what they show, for the book (docs/book/recorded)
    Record {
        #[command(flatten)]
        pick: Pick,
    },
    /// `make check`: rustfmt and clippy on every crate of every architecture, and on xtask
    Check,
    /// `make fmt`: rustfmt every crate
    Fmt,
    /// `make clean`: remove everything built (build/, target/, xtask/target/)
    Clean,
    /// Build what every boot of the architecture (or of all) needs, saying so (make test)
    #[command(hide = true)]
    Prepare {
        #[command(flatten)]
        pick: Pick,
    },
    /// The static-image checks on an ELF file
    #[command(hide = true, name = "check-image")]
    CheckImage { file: std::path::PathBuf },
    /// Boot a root task ELF that cargo built (cargo run's runner, tools/cargo-runner)
    #[command(hide = true)]
    Boot {
        file: std::path::PathBuf,
        #[command(flatten)]
        run: RunLimits,
    },
    /// The make commands, as `make help` prints them
    #[command(hide = true)]
    Help,
    /// mdBook's preprocessor for the book's directives (docs/book/book.toml)
    #[command(hide = true, name = "book-preprocess")]
    BookPreprocess {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

/// The architecture, exercise and stage a command is about, as make's ARCH=, EXERCISE= and
/// STAGE= give them (empty: not given).
#[derive(Args, Clone, Default)]
pub struct Pick {
    #[arg(long, default_value = "")]
    arch: String,
    #[arg(long, default_value = "")]
    exercise: String,
    #[arg(long, default_value = "")]
    stage: String,
}

/// WALK= and ADDR= of `make simulate`.
#[derive(Args, Clone, Default)]
pub struct WalkOptions {
    /// After the program, the walk of its addresses through its page tables (WALK=1).
    #[arg(long)]
    walk: bool,
    /// The address to walk (ADDR=); default: each `*_VADDR` constant of the file.
    #[arg(long, default_value = "")]
    addr: String,
}

impl WalkOptions {
    /// The address given, if any: ADDR= alone means WALK=1.
    fn wanted(&self) -> Option<Option<&str>> {
        match (self.walk, self.addr.as_str()) {
            (false, "") => None,
            (_, "") => Some(None),
            (_, addr) => Some(Some(addr)),
        }
    }
}

/// How long a run without a terminal may take before it is stopped (TIMEOUT=).
#[derive(Args, Clone, Copy)]
pub struct RunLimits {
    #[arg(long = "timeout", value_parser = seconds, default_value = "60")]
    pub timeout: Duration,
}

fn port(text: &str) -> anyhow::Result<u16> {
    text.parse()
        .map_err(|_| anyhow::anyhow!("'{text}' is not a port number"))
}

fn positive(text: &str) -> anyhow::Result<usize> {
    text.parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| anyhow::anyhow!("'{text}' is not a positive whole number"))
}

fn seconds(text: &str) -> anyhow::Result<Duration> {
    text.parse()
        .ok()
        .filter(|s: &f64| s.is_finite() && *s > 0.0)
        .map(Duration::from_secs_f64)
        .ok_or_else(|| anyhow::anyhow!("'{text}' is not a positive number of seconds"))
}

/// A [`Pick`] checked against the catalogue.
#[derive(Clone, Copy)]
pub struct Picked {
    pub arch: &'static Arch,
    /// Whether ARCH= named one (a command about every architecture then takes only it).
    pub arch_given: bool,
    pub stage: Option<StageRef>,
    pub exercise: Option<ExerciseRef>,
}

impl Pick {
    /// The names checked: an unknown one is refused with the valid ones.
    pub fn check(&self) -> Result<Picked> {
        let arch = catalogue::find_arch(&self.arch)?;
        let stage = match self.stage.as_str() {
            "" => None,
            name => Some(arch.find_stage(name)?),
        };
        let exercise = match self.exercise.as_str() {
            "" => None,
            name => Some(arch.find_exercise(name)?),
        };
        if let (Some(stage), Some(exercise)) = (stage, exercise)
            && stage.exercise() != exercise
        {
            bail!(
                "stage '{}' belongs to exercise '{}', not '{}'",
                stage.name(),
                stage.exercise.name,
                exercise.exercise.name
            );
        }
        Ok(Picked {
            arch,
            arch_given: !self.arch.is_empty(),
            stage,
            exercise,
        })
    }
}

impl Pick {
    /// The kernels `make semantics` boots: the one ARCH= names (an architecture's, or one the
    /// suite alone boots: catalogue::suite_kernels), or every one.
    pub fn suite_kernels(&self) -> Result<SuiteKernels> {
        if !self.stage.is_empty() || !self.exercise.is_empty() {
            bail!("the paging-semantics suite takes no STAGE= or EXERCISE=: it is no exercise");
        }
        Ok(match self.arch.as_str() {
            "" => SuiteKernels {
                kernels: catalogue::suite_kernels().collect(),
                all: true,
            },
            name => SuiteKernels {
                kernels: vec![catalogue::find_suite_kernel(name)?],
                all: false,
            },
        })
    }
}

/// The kernels a `make semantics` boots.
pub struct SuiteKernels {
    pub kernels: Vec<&'static Arch>,
    /// Whether they are every one (no ARCH=): then the generated tables are made.
    pub all: bool,
}

impl Picked {
    /// The exercise the command is about: the stage's, the one named, or the main one.
    pub fn exercise(&self) -> ExerciseRef {
        match (self.stage, self.exercise) {
            (Some(stage), _) => stage.exercise(),
            (None, Some(exercise)) => exercise,
            (None, None) => self.arch.main_exercise(),
        }
    }

    /// What to build: the stage named, or the exercise's file as it is.
    pub fn source(&self) -> Source<'static> {
        match self.stage {
            Some(stage) => Source::Stage(stage),
            None => Source::File(self.exercise()),
        }
    }

    /// The architectures a command about all of them takes: the one named, or every one.
    pub fn arches(&self) -> Vec<&'static Arch> {
        match self.arch_given {
            true => vec![self.arch],
            false => catalogue::ARCHES.iter().collect(),
        }
    }

    /// make's arguments that name this pick again (` ARCH=aarch64 STAGE=pt-l2`).
    pub fn make_args(&self) -> String {
        match self.stage {
            Some(stage) => stage.make_args(),
            None => self.exercise().make_args(),
        }
    }
}

/// Runs `command` on `project`.
pub fn run(project: &Project, command: Command) -> Result<ExitCode> {
    match command {
        Command::Simulate {
            pick,
            run,
            gdb,
            walk,
            port,
        } => {
            let picked = pick.check()?;
            if gdb && walk.wanted().is_some() {
                bail!(
                    "GDB=1 and WALK=1 both need QEMU's gdb stub: use one at a time (`make walk{}` \
                     walks without a debugger)",
                    picked.make_args()
                );
            }
            simulate::run(project, &picked, run, gdb.then_some(port), walk.wanted())
        }
        Command::Walk { pick, run, addr } => {
            let addr = (!addr.is_empty()).then_some(addr.as_str());
            simulate::walk(project, &pick.check()?, run, addr)
        }
        Command::Gdb { pick, port } => gdb::run(project, &pick.check()?, port),
        Command::Test { pick } => test::run(project, &pick.check()?),
        Command::Status { pick } => status::run(project, &pick.check()?),
        Command::Stages { pick } => stages::run(&pick.check()?),
        Command::Solution { pick } => solution::run(project, &pick.check()?),
        Command::Reset { pick, confirm } => reset::run(project, &pick.check()?, confirm == "yes"),
        Command::Semantics { pick, run } => semantics::run(project, &pick.suite_kernels()?, run),
        Command::Kernel { pick } => kernel::run(project, &pick.check()?),
        Command::Image { pick } => image::run(project, &pick.check()?),
        Command::Bench { pick, runs } => bench::run(project, &pick.check()?, runs),
        Command::BenchReport { from } => bench_report::run(project, &from),
        Command::Soak { pick, runs } => soak::run(project, &pick.check()?, runs),
        Command::Book { serve, port } => book::run(project, serve, port),
        Command::Record { pick } => record::run(project, &pick.check()?),
        Command::BookPreprocess { args } => book::preprocess(project, &args),
        Command::Check => check::run(project),
        Command::Fmt => fmt::run(project),
        Command::Clean => clean::run(project),
        Command::Prepare { pick } => prepare::run(project, &pick.check()?),
        Command::CheckImage { file } => check_image::run(&file),
        Command::Boot { file, run } => boot::run(project, &file, run),
        Command::Help => print_listing(&make_help()),
    }
}

/// An exercise file's texts: as shipped, and as the learner has it.
struct Texts {
    shipped: String,
    learner: String,
}

fn texts(project: &Project, exercise: ExerciseRef) -> Result<Texts> {
    let file = exercise.exercise.file;
    let shipped = project.shipped(file);
    if !project.root().join(file).exists() {
        bail!(
            "{file} is missing: `make` makes it again from {}",
            shipped.display()
        );
    }
    Ok(Texts {
        shipped: std::fs::read_to_string(&shipped)
            .with_context(|| format!("cannot read {}", shipped.display()))?,
        learner: crate::image::learner_text(project, exercise)?,
    })
}

/// Prints a listing to standard output. A reader that stops early (`make stages | head`) closes the
/// pipe, which ends the listing quietly instead of as an error.
fn print_listing(text: &str) -> Result<ExitCode> {
    use std::io::Write as _;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(e).context("cannot write to standard output")
        }
        _ => Ok(ExitCode::SUCCESS),
    }
}

/// An exit code from whether something went well.
fn exit(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
