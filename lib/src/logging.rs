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
    instruction_count::start();
    // Only fails if a logger is already installed, which leaves that one in place.
    let _ = LOGGER.set();
}

fn fmt_record(record: &Record, f: &mut fmt::Formatter) -> fmt::Result {
    #[cfg(feature = "instruction-count")]
    write!(f, "[{} instructions] ", instruction_count::since_start())?;
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

/// The benchmark's clock. Under QEMU's `-icount shift=0` each guest instruction advances virtual
/// time by one nanosecond, and the TSC follows virtual time, so TSC differences count
/// instructions (kernel ones included) deterministically.
#[cfg(feature = "instruction-count")]
pub mod instruction_count {
    use core::arch::x86_64::_rdtsc;
    use core::sync::atomic::{AtomicU64, Ordering};

    static START: AtomicU64 = AtomicU64::new(0);

    pub fn start() {
        // SAFETY: RDTSC has no memory effects; seL4 lets user mode execute it.
        START.store(unsafe { _rdtsc() }, Ordering::Relaxed);
    }

    pub fn since_start() -> u64 {
        now().wrapping_sub(START.load(Ordering::Relaxed))
    }

    /// The TSC: under `-icount shift=0`, guest instructions since boot.
    pub fn now() -> u64 {
        // SAFETY: as above.
        unsafe { _rdtsc() }
    }
}
