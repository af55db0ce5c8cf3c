// SPDX-License-Identifier: BSD-2-Clause

//! The static-image check itself: it must reject what seL4 cannot run. (Each stage's image is
//! checked before it boots, in tests/stages.rs.)

use std::path::PathBuf;
use std::process::Command;

mod common;

use xtask::catalogue;
use xtask::image::elf_check::{Violation, check, sse_instructions};

/// Compiles a small C program with gcc for x86_64 (the host's own or a cross one) and glibc.
fn c_program(name: &str, flags: &[&str]) -> Vec<u8> {
    let dir = std::env::temp_dir().join(format!("xtask-image-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("hello.c");
    std::fs::write(&src, "#include <stdio.h>\n#include <string.h>\nint main(int c, char **v) { char b[64]; memcpy(b, v[0], 8); puts(b); return 0; }\n").unwrap();
    let out: PathBuf = dir.join(name);
    let status = Command::new("x86_64-linux-gnu-gcc")
        .args(flags)
        .arg(&src)
        .arg("-o")
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success(), "x86_64-linux-gnu-gcc {flags:?} failed");
    let data = std::fs::read(&out).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    data
}

#[test]
fn a_static_glibc_program_is_rejected() {
    let violations = check(&c_program("static", &["-static"]), common::x86_64());
    assert!(
        violations
            .iter()
            .any(|v| matches!(v, Violation::GlibcSymbol(_))),
        "{violations:?}"
    );
    assert!(
        violations
            .iter()
            .any(|v| matches!(v, Violation::IndirectFunction(_))),
        "{violations:?}"
    );
}

#[test]
fn a_dynamic_program_is_rejected() {
    let violations = check(&c_program("dynamic", &[]), common::x86_64());
    assert!(
        violations.contains(&Violation::Interpreter),
        "{violations:?}"
    );
    assert!(
        violations.contains(&Violation::DynamicSegment),
        "{violations:?}"
    );
}

#[test]
fn something_else_is_not_an_elf() {
    assert!(matches!(
        check(b"#!/bin/sh\n", common::x86_64())[..],
        [Violation::NotElf(_)]
    ));
}

#[test]
fn a_program_for_another_machine_is_rejected() {
    let aarch64 = catalogue::find_arch("aarch64").unwrap();
    let violations = check(&c_program("for-aarch64", &["-static"]), aarch64);
    assert!(
        violations
            .iter()
            .any(|v| matches!(v, Violation::WrongMachine { .. })),
        "{violations:?}"
    );
}

/// The x86_64 image must hold no SSE instruction: the check finds them where they are (host code
/// copying floating-point data uses %xmm registers).
#[test]
fn sse_instructions_are_found() {
    let dir = std::env::temp_dir().join(format!("xtask-sse-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("sse.c");
    std::fs::write(&src, "double scale(double x) { return x * 1.5; }\n").unwrap();
    let object = dir.join("sse.o");
    let status = Command::new("x86_64-linux-gnu-gcc")
        .args(["-O2", "-c"])
        .arg(&src)
        .arg("-o")
        .arg(&object)
        .status()
        .unwrap();
    assert!(status.success());
    let found = sse_instructions(&object, xtask::catalogue::default_arch()).unwrap();
    assert!(found.iter().any(|l| l.contains("%xmm")), "{found:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
