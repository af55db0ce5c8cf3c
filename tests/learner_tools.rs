// SPDX-License-Identifier: BSD-2-Clause

//! The learner's helpers: `make status`, `make solution`, `make reset`, and fault reports that
//! point at src/main.rs. All work on the exercise files as shipped, never writing them.

use std::fs;
use std::process::{Command, Stdio};

use xtask::boot_check::boot_stage;
use xtask::project::Project;
use xtask::solutions::{next_stage, solution_diff};
use xtask::stages::{self, EXERCISES, Exercise, Progress};
use xtask::symbolize::Symbolizer;

fn shipped(exercise: &Exercise) -> String {
    fs::read_to_string(Project::here().root().join(exercise.file)).unwrap()
}

#[test]
fn status_names_each_stage_of_the_real_files() {
    for exercise in &EXERCISES {
        let source = shipped(exercise);
        for stage in exercise.stages {
            let text = stages::derive(&source, stage).unwrap();
            let todos = stages::analyse(exercise, &text).unwrap();
            assert_eq!(stages::progress(exercise, &todos), Progress::At(stage));
            let described = stages::describe_progress(exercise, &text);
            assert!(
                described.contains(&format!("{} is at stage '{}'", exercise.file, stage.name)),
                "{described}"
            );
        }
    }
}

#[test]
fn each_solution_diff_applies_to_the_start_stage_and_gives_that_stage() {
    let project = Project::here();
    for stage in EXERCISES.iter().flat_map(|e| &e.stages[1..]) {
        let file = stage.exercise().file;
        let source = shipped(stage.exercise());
        let scratch = project
            .build_dir()
            .join(format!("test-solution-{}", stage.name));
        let diff = solution_diff(&source, stage, &scratch).unwrap();
        let tree = scratch.join("tree");
        fs::create_dir_all(tree.join(file).parent().unwrap()).unwrap();
        fs::write(tree.join(file), &source).unwrap();
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
            fs::read_to_string(tree.join(file)).unwrap(),
            stages::derive(&source, stage).unwrap(),
            "the patched file is not stage '{}'",
            stage.name
        );
        let _ = fs::remove_dir_all(&scratch);
    }
}

#[test]
fn the_next_solution_follows_the_file_and_reset_goes_back_to_the_start() {
    for exercise in &EXERCISES {
        let source = shipped(exercise);
        for (k, stage) in exercise.stages.iter().enumerate() {
            let text = stages::derive(&source, stage).unwrap();
            assert_eq!(
                next_stage(exercise, &text).unwrap(),
                exercise.stages.get(k + 1)
            );
            let reset = stages::derive(&text, &exercise.stages[0]).unwrap();
            assert_eq!(
                reset, source,
                "resetting stage '{}' does not give the shipped file",
                stage.name
            );
        }
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
    let derived = stages::derive(&shipped(stages::main_exercise()), stage).unwrap();
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
