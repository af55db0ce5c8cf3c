// SPDX-License-Identifier: BSD-2-Clause

//! The commands: one enum, whose doc comments are the help (`make help` prints them, and a test
//! holds the Makefile's list to them), and its arguments; one module per command, run by
//! [`dispatch`]. The Makefile passes make's variables through as options (an empty one, `ARCH=`,
//! is left out: not given), and every default is here.

use std::time::Duration;

use clap::{Args, Parser, Subcommand};

mod bench;
mod bench_report;
mod book;
mod boot;
mod check;
mod check_image;
pub mod clean;
pub mod dispatch;
mod fmt;
mod gdb;
pub mod help;
mod image;
mod kernel;
mod pick;
mod prepare;
mod record;
mod reset;
mod semantics;
mod shared;
mod simulate;
mod soak;
mod solution;
mod stages;
mod status;
mod test;

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
        #[arg(long)]
        addr: Option<String>,
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
        /// CONFIRM=yes: no question.
        #[arg(long, value_enum)]
        confirm: Option<Confirm>,
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
    /// `make bench [ARCH=...] [RUNS=5] [ONLY=loop,first,...]`: timings, instruction counts, sizes (and build/bench.json)
    Bench {
        #[command(flatten)]
        pick: Pick,
        #[arg(long, value_parser = positive, default_value_t = 5)]
        runs: usize,
        /// The groups of figures to measure (default: all).
        #[arg(long, value_enum, value_delimiter = ',')]
        only: Vec<crate::bench::Group>,
    },
    /// `make bench-report [JSON=...]`: a bench run's figures (build/bench.json) into docs/bench.json, in place of the same ones, and docs/performance.md from it
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
/// STAGE= give them (the Makefile leaves out an empty one: not given). pick.rs checks them.
#[derive(Args, Clone, Default)]
pub struct Pick {
    #[arg(long)]
    pub(crate) arch: Option<String>,
    #[arg(long)]
    pub(crate) exercise: Option<String>,
    #[arg(long)]
    pub(crate) stage: Option<String>,
}

/// WALK= and ADDR= of `make simulate`.
#[derive(Args, Clone, Default)]
pub struct WalkOptions {
    /// After the program, the walk of its addresses through its page tables (WALK=1).
    #[arg(long)]
    pub(crate) walk: bool,
    /// The address to walk (ADDR=); default: each `*_VADDR` constant of the file.
    #[arg(long)]
    pub(crate) addr: Option<String>,
}

/// CONFIRM='s one value: yes (anything else is refused, and nothing is done).
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Confirm {
    Yes,
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
