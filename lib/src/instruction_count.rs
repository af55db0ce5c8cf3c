// SPDX-License-Identifier: BSD-2-Clause

//! The benchmark's clock (`make bench`, feature `instruction-count`). Under QEMU's
//! `-icount shift=0` every guest instruction advances virtual time by one nanosecond, and each
//! architecture has a counter that user mode can read and that QEMU derives from it, so that
//! differences count the instructions run in between, the kernel's included, the same in every
//! run:
//! - x86_64: the time-stamp counter (`rdtsc`), which follows virtual time;
//! - aarch64: the PMU's cycle counter (PMCCNTR_EL0), which QEMU runs at 1 GHz of virtual time.
//!   The kernel lets user mode at the PMU (KernelArmExportPMUUser in its settings), and
//!   [`start`] enables the counter for every exception level, EL2 (the kernel) included;
//! - riscv64, riscv32: the retired-instruction counter (`rdinstret`), which QEMU takes from its
//!   instruction count.

use sel4_immediate_sync_once_cell::ImmediateSyncOnceCell;

/// Set once: riscv32 has no 64-bit atomics, so not an `AtomicU64`.
static START: ImmediateSyncOnceCell<u64> = ImmediateSyncOnceCell::new();

/// Starts the count, at the first call: the moment [`since_start`] counts from.
pub fn start() {
    enable();
    let _ = START.set(now());
}

/// Guest instructions since [`start`].
pub fn since_start() -> u64 {
    now().wrapping_sub(START.get().copied().unwrap_or(0))
}

#[cfg(target_arch = "x86_64")]
fn enable() {}

/// The counter: under `-icount shift=0`, guest instructions since boot.
#[cfg(target_arch = "x86_64")]
pub fn now() -> u64 {
    // SAFETY: RDTSC has no memory effects; seL4 lets user mode execute it.
    unsafe { core::arch::x86_64::_rdtsc() }
}

#[cfg(target_arch = "aarch64")]
fn enable() {
    // PMCCFILTR_EL0.NSH: count at EL2 as well (EL0 and EL1 are counted unless excluded).
    const COUNT_EL2: u64 = 1 << 27;
    // PMCNTENSET_EL0.C: the cycle counter on.
    const CYCLE_COUNTER: u64 = 1 << 31;
    // PMCR_EL0.E: the PMU's counters on.
    const ENABLE: u64 = 1;
    // SAFETY: PMU registers only; the kernel grants EL0 access to them (PMUSERENR_EL0.EN).
    unsafe {
        core::arch::asm!(
            "msr pmccfiltr_el0, {filter}",
            "msr pmcntenset_el0, {counter}",
            "mrs {pmcr}, pmcr_el0",
            "orr {pmcr}, {pmcr}, {enable}",
            "msr pmcr_el0, {pmcr}",
            "isb",
            filter = in(reg) COUNT_EL2,
            counter = in(reg) CYCLE_COUNTER,
            enable = in(reg) ENABLE,
            pmcr = out(reg) _,
            options(nostack),
        );
    }
}

/// The counter: under `-icount shift=0`, guest instructions since it was enabled.
#[cfg(target_arch = "aarch64")]
pub fn now() -> u64 {
    let count: u64;
    // SAFETY: reads a PMU register, which the kernel lets EL0 read.
    unsafe { core::arch::asm!("mrs {}, pmccntr_el0", out(reg) count, options(nomem, nostack)) };
    count
}

#[cfg(any(target_arch = "riscv64", target_arch = "riscv32"))]
fn enable() {}

/// The counter: under `-icount shift=0`, guest instructions since boot.
#[cfg(target_arch = "riscv64")]
pub fn now() -> u64 {
    let count: u64;
    // SAFETY: reads a counter CSR that the firmware and kernel leave readable in user mode.
    unsafe { core::arch::asm!("rdinstret {}", out(reg) count, options(nomem, nostack)) };
    count
}

/// The counter: under `-icount shift=0`, guest instructions since boot, read as two halves until
/// the high one holds still.
#[cfg(target_arch = "riscv32")]
pub fn now() -> u64 {
    loop {
        let (high, low, again): (u32, u32, u32);
        // SAFETY: reads counter CSRs that the firmware and kernel leave readable in user mode.
        unsafe {
            core::arch::asm!(
                "rdinstreth {high}",
                "rdinstret {low}",
                "rdinstreth {again}",
                high = out(reg) high,
                low = out(reg) low,
                again = out(reg) again,
                options(nomem, nostack),
            );
        }
        if high == again {
            return (u64::from(high) << 32) | u64::from(low);
        }
    }
}

// aarch32 has none: its kernel cannot let user mode at the PMU on QEMU's board
// (sel4-kernel-config/aarch32.cmake), and the generic timer counts only every 16th instruction.
#[cfg(target_arch = "arm")]
compile_error!("no instruction counter on aarch32 (see sel4-kernel-config/aarch32.cmake)");
