// SPDX-License-Identifier: BSD-2-Clause

//! `log` records go to the kernel's debug console (`seL4_DebugPutChar`) through `sel4-logging`.
//!
//! Info records print as bare lines, so the output reads like the C tutorial's `printf`s; other
//! levels carry their level. The level is fixed at build time by `LOG_LEVEL` (error, warn, info,
//! debug, trace; default info): `make simulate LOG_LEVEL=debug`.

use core::fmt;

use log::{Level, LevelFilter, Record};
use sel4_logging::{Logger, LoggerBuilder};

static LOGGER: Logger = LoggerBuilder::const_default()
    .level_filter(level_filter(option_env!("LOG_LEVEL")))
    .write(|s| sel4::debug_print!("{s}"))
    .fmt(fmt_record)
    .build();

/// Installs the logger; call it first thing in `main`.
pub fn init() {
    #[cfg(feature = "instruction-count")]
    crate::instruction_count::start();
    // Only fails if a logger is already installed, which leaves that one in place.
    let _ = LOGGER.set();
}

fn fmt_record(record: &Record, f: &mut fmt::Formatter) -> fmt::Result {
    #[cfg(feature = "instruction-count")]
    write!(
        f,
        "[{} instructions] ",
        crate::instruction_count::since_start()
    )?;
    match record.level() {
        Level::Info => write!(f, "{}", record.args()),
        level => write!(f, "{level}: {}", record.args()),
    }
}

const fn level_filter(name: Option<&str>) -> LevelFilter {
    let Some(name) = name else {
        return LevelFilter::Info;
    };
    match name.as_bytes() {
        // Unset and empty (make passes LOG_LEVEL on even when not given) mean the default.
        b"" | b"info" => LevelFilter::Info,
        b"off" => LevelFilter::Off,
        b"error" => LevelFilter::Error,
        b"warn" => LevelFilter::Warn,
        b"debug" => LevelFilter::Debug,
        b"trace" => LevelFilter::Trace,
        _ => panic!("LOG_LEVEL must be one of off, error, warn, info, debug, trace"),
    }
}
