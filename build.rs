// SPDX-License-Identifier: BSD-2-Clause

//! Link settings for the root task image: a static, non-PIE ELF with no C library and no C
//! start-up files. seL4 loads it as it is, maps its segments and jumps to `_start`, which
//! sel4-root-task provides.

use std::env;
use std::fs;
use std::path::PathBuf;

fn main() {
    for arg in [
        "-nostartfiles",
        "-nostdlib",
        "-static",
        "-no-pie",
        // Segments aligned to seL4's 4 KiB pages rather than the linker's 2 MiB default for x86_64.
        "-Wl,-z,max-page-size=4096",
    ] {
        println!("cargo::rustc-link-arg-bins={arg}");
    }

    // sel4-root-task's allocator (dlmalloc) depends on the `libc` crate, which asks the linker for
    // `-lc -lm -lrt -lpthread`. Nothing of glibc may enter the image (its memcpy and friends are
    // IFUNCs resolved by glibc's start-up code, which seL4 never runs), so these empty archives,
    // found first, answer those requests: a missing symbol fails the link instead of silently
    // pulling glibc in. src/freestanding.rs defines what the image needs instead.
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    for lib in ["c", "m", "rt", "pthread"] {
        fs::write(out.join(format!("lib{lib}.a")), b"!<arch>\n").expect("write an empty archive");
    }
    println!("cargo::rustc-link-search=native={}", out.display());
    // This script's own path, as cargo passed it: `build.rs` here, `../build.rs` for
    // paging-semantics/, which shares it. A fixed `build.rs` would name a missing file there and
    // make cargo rebuild that package every time.
    println!("cargo::rerun-if-changed={}", file!());
}
