// SPDX-License-Identifier: BSD-2-Clause

//! What the root task needs because it is built for the host triple (x86_64-unknown-linux-gnu)
//! with its prebuilt `core`, instead of for rust-sel4's own x86_64-sel4 target (which needs
//! `-Z build-std` and the rust-src component, unavailable here).
//!
//! - The memory functions: `compiler_builtins` leaves them to the C library on a hosted target,
//!   and no C library may end up in the image (glibc's versions are IFUNCs resolved by glibc's
//!   own start-up code, which never runs under seL4). build.rs makes sure none is linked.
//! - `rust_eh_personality`: the prebuilt `core` was compiled with unwinding and refers to it. The
//!   image is built with `-C panic=abort`, so it is never called.
//! - The abort hook and trap: print the reason as a plain line, then suspend the root task, instead
//!   of the default `ud2` that would add a kernel fault report after the message.

use core::arch::asm;

use sel4_panicking_env::AbortInfo;

/// # Safety
/// As C's `memcpy`: the two regions are valid for `n` bytes and do not overlap.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcpy(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // SAFETY: the caller's contract; `rep movsb` copies forwards (DF is clear per the ABI).
    unsafe {
        asm!("rep movsb",
            inout("rcx") n => _, inout("rdi") dest => _, inout("rsi") src => _,
            options(nostack, preserves_flags));
    }
    dest
}

/// # Safety
/// As C's `memmove`: the two regions are valid for `n` bytes; they may overlap.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memmove(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    if (dest as usize).wrapping_sub(src as usize) >= n {
        // `dest` is below `src` or past its end: a forward copy never reads what it wrote.
        return unsafe { memcpy(dest, src, n) };
    }
    // SAFETY: the caller's contract; copy backwards from the last byte, then restore DF.
    unsafe {
        asm!("std", "rep movsb", "cld",
            inout("rcx") n => _,
            inout("rdi") dest.add(n - 1) => _,
            inout("rsi") src.add(n - 1) => _,
            options(nostack));
    }
    dest
}

/// # Safety
/// As C's `memset`: the region is valid for `n` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memset(dest: *mut u8, c: i32, n: usize) -> *mut u8 {
    // SAFETY: the caller's contract; C's memset stores `c` converted to a byte.
    unsafe {
        asm!("rep stosb",
            inout("rcx") n => _, inout("rdi") dest => _, in("al") c as u8,
            options(nostack, preserves_flags));
    }
    dest
}

/// # Safety
/// As C's `memcmp`: both regions are valid for `n` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    for i in 0..n {
        // SAFETY: `i < n`, within both regions.
        let (x, y) = unsafe { (*a.add(i), *b.add(i)) };
        if x != y {
            return i32::from(x) - i32::from(y);
        }
    }
    0
}

/// # Safety
/// As `memcmp`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    unsafe { memcmp(a, b, n) }
}

#[unsafe(no_mangle)]
extern "C" fn rust_eh_personality() {}

sel4_panicking_env::register_abort_hook!(print_abort_reason);

fn print_abort_reason(info: Option<&AbortInfo>) {
    match info.and_then(AbortInfo::message) {
        Some(message) => sel4::debug_println!("{message}"),
        None => sel4::debug_println!("aborted"),
    }
}

sel4_panicking_env::register_abort_trap!(suspend_root_task);

fn suspend_root_task() -> ! {
    sel4::init_thread::suspend_self()
}
