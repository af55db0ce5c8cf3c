// SPDX-License-Identifier: BSD-2-Clause

//! The learner's helpers: `make status`, `make solution`, `make reset`, and fault reports that
//! point at src/main.rs. All work on src/main.rs as shipped, never writing it.

use std::fs;
use std::process::{Command, Stdio};

use xtask::boot_check::boot_stage;
use xtask::project::Project;
use xtask::solutions::{next_stage, solution_diff};
use xtask::stages::{self, Progress, STAGES};
use xtask::symbolize::Symbolizer;

fn shipped() -> String {
    fs::read_to_string(Project::here().main_rs()).unwrap()
}

#[test]
fn status_names_each_stage_of_the_real_file() {
    let source = shipped();
    for stage in &STAGES {
        let text = stages::derive(&source, stage).unwrap();
        let todos = stages::analyse(&text).unwrap();
        assert_eq!(stages::progress(&todos), Progress::At(stage));
        assert!(
            stages::describe_progress(&text).contains(&format!("at stage '{}'", stage.name)),
            "{}",
            stages::describe_progress(&text)
        );
    }
}

#[test]
fn each_solution_diff_applies_to_the_start_stage_and_gives_that_stage() {
    let project = Project::here();
    let source = shipped();
    for stage in &STAGES[1..] {
        let scratch = project
            .build_dir()
            .join(format!("test-solution-{}", stage.name));
        let diff = solution_diff(&source, stage, &scratch).unwrap();
        let tree = scratch.join("tree");
        fs::create_dir_all(tree.join("src")).unwrap();
        fs::write(tree.join("src/main.rs"), &source).unwrap();
        let mut patch = Command::new("patch")
            .args(["-p1", "--quiet"])
            .current_dir(&tree)
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write as _;
        patch
            .stdin
            .take()
            .unwrap()
            .write_all(diff.as_bytes())
            .unwrap();
        assert!(
            patch.wait().unwrap().success(),
            "the diff for '{}' does not apply:\n{diff}",
            stage.name
        );
        assert_eq!(
            fs::read_to_string(tree.join("src/main.rs")).unwrap(),
            stages::derive(&source, stage).unwrap(),
            "the patched file is not stage '{}'",
            stage.name
        );
        let _ = fs::remove_dir_all(&scratch);
    }
}

#[test]
fn the_next_solution_follows_the_file_and_reset_goes_back_to_the_start() {
    let source = shipped();
    for (k, stage) in STAGES.iter().enumerate() {
        let text = stages::derive(&source, stage).unwrap();
        assert_eq!(next_stage(&text).unwrap(), STAGES.get(k + 1));
        let reset = stages::derive(&text, stages::find("start").unwrap()).unwrap();
        assert_eq!(
            reset, source,
            "resetting stage '{}' does not give the shipped file",
            stage.name
        );
    }
}

#[test]
fn reset_without_a_terminal_asks_for_confirmation_and_changes_nothing() {
    let project = Project::here();
    let before = fs::read(project.main_rs()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("reset")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Shipped, the file is at the start stage: nothing to do, and nothing done.
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("at the start stage already"), "{stderr}");
    assert_eq!(fs::read(project.main_rs()).unwrap(), before);
}

#[test]
fn the_pt_fault_points_at_the_line_that_writes_x() {
    let project = Project::here();
    let stage = stages::find("pt").unwrap();
    let passed = boot_stage(&project, stage).unwrap_or_else(|report| panic!("{report}"));
    let fault = passed
        .run
        .lines
        .iter()
        .find(|l| l.starts_with("in thread "))
        .expect("the fault report");
    let image = project.images_dir().join("pt.elf");
    let notes = Symbolizer::new(&image, project.root())
        .unwrap()
        .annotate(fault);
    let derived = stages::derive(&shipped(), stage).unwrap();
    let line = 1 + derived
        .lines()
        .position(|l| l.contains("x.write_volatile(5)"))
        .expect("the write in src/main.rs");
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].contains(&format!("src/main.rs:{line}, in main")),
        "the fault at `{fault}` was shown as {notes:?}, not at src/main.rs:{line}"
    );
}
