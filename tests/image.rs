// SPDX-License-Identifier: BSD-2-Clause

//! The static-image check itself: it must reject what seL4 cannot run. (Each stage's image is
//! checked before it boots, in tests/stages.rs.)

use std::path::PathBuf;
use std::process::Command;

use xtask::elf_check::{Violation, check};

/// Compiles a small C program with the host's C compiler and glibc.
fn c_program(name: &str, flags: &[&str]) -> Vec<u8> {
    let dir = std::env::temp_dir().join(format!("xtask-image-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("hello.c");
    std::fs::write(&src, "#include <stdio.h>\n#include <string.h>\nint main(int c, char **v) { char b[64]; memcpy(b, v[0], 8); puts(b); return 0; }\n").unwrap();
    let out: PathBuf = dir.join(name);
    let status = Command::new("cc")
        .args(flags)
        .arg(&src)
        .arg("-o")
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success(), "cc {flags:?} failed");
    let data = std::fs::read(&out).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    data
}

#[test]
fn a_static_glibc_program_is_rejected() {
    let violations = check(&c_program("static", &["-static"]));
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
    let violations = check(&c_program("dynamic", &[]));
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
    assert!(matches!(check(b"#!/bin/sh\n")[..], [Violation::NotElf(_)]));
}
