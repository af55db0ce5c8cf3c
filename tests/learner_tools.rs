// SPDX-License-Identifier: BSD-2-Clause

//! The learner's helpers: `make status`, `make solution`, `make reset`, and fault reports that
//! point at src/main.rs. All work on the exercise files as shipped, never writing them.

use std::fs;
use std::process::{Command, Stdio};

use xtask::boot_check::boot_stage;
use xtask::catalogue::{self, ARCHES, ExerciseRef};
use xtask::project::Project;
use xtask::solutions::{next_stage, solution_diff};
use xtask::stages::{self, Progress};
use xtask::symbolize::Symbolizer;

fn shipped(exercise: ExerciseRef) -> String {
    fs::read_to_string(Project::here().root().join(exercise.exercise.file)).unwrap()
}

fn all_exercises() -> impl Iterator<Item = ExerciseRef> {
    ARCHES.iter().flat_map(|a| a.exercises())
}

#[test]
fn status_names_each_stage_of_the_real_files() {
    for exercise in all_exercises() {
        let source = shipped(exercise);
        for stage in exercise.stages() {
            let text = stages::derive(&source, stage).unwrap();
            let todos = stages::analyse(exercise, &text).unwrap();
            assert_eq!(stages::progress(exercise, &todos), Progress::At(stage));
            let described = stages::describe_progress(exercise, &text);
            assert!(
                described.contains(&format!(
                    "{} is at stage '{}'",
                    exercise.exercise.file,
                    stage.name()
                )),
                "{described}"
            );
        }
    }
}

#[test]
fn each_solution_diff_applies_to_the_start_stage_and_gives_that_stage() {
    let project = Project::here();
    for stage in all_exercises().flat_map(|e| e.stages().skip(1)) {
        let file = stage.exercise.file;
        let source = shipped(stage.exercise());
        let scratch =
            project
                .build_dir()
                .join(format!("test-solution-{}-{}", stage.arch, stage.name()));
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
            stage.name()
        );
        assert_eq!(
            fs::read_to_string(tree.join(file)).unwrap(),
            stages::derive(&source, stage).unwrap(),
            "the patched file is not stage '{}'",
            stage.name()
        );
        let _ = fs::remove_dir_all(&scratch);
    }
}

#[test]
fn the_next_solution_follows_the_file_and_reset_goes_back_to_the_start() {
    for exercise in all_exercises() {
        let source = shipped(exercise);
        for (k, stage) in exercise.stages().enumerate() {
            let text = stages::derive(&source, stage).unwrap();
            assert_eq!(next_stage(exercise, &text).unwrap(), exercise.stage(k + 1));
            let reset = stages::derive(&text, exercise.start()).unwrap();
            assert_eq!(
                reset,
                source,
                "resetting stage '{}' does not give the shipped file",
                stage.name()
            );
        }
    }
}

#[test]
fn reset_without_a_terminal_asks_for_confirmation_and_changes_nothing() {
    let project = Project::here();
    let main_rs = project.root().join("src/main.rs");
    let before = fs::read(&main_rs).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("reset")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Shipped, the file is at the start stage: nothing to do, and nothing done.
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("at the start stage already"), "{stderr}");
    assert_eq!(fs::read(&main_rs).unwrap(), before);
}

#[test]
fn the_pt_fault_points_at_the_line_that_writes_x() {
    let project = Project::here();
    let stage = catalogue::default_arch().find_stage("pt").unwrap();
    let passed = boot_stage(&project, stage).unwrap_or_else(|report| panic!("{report}"));
    let fault = passed
        .run
        .lines
        .iter()
        .find(|l| l.starts_with("in thread "))
        .expect("the fault report");
    let notes = Symbolizer::new(&project, &passed.image.root_task)
        .unwrap()
        .annotate(fault);
    let derived = stages::derive(&shipped(stage.exercise()), stage).unwrap();
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

/// Every stage of every exercise, as derived from the shipped file, is what rustfmt makes of it:
/// a learner who uncomments a solution gets code in the project's own style.
#[test]
fn every_derived_stage_is_rustfmt_clean() {
    let scratch = Project::here().build_dir().join("test-rustfmt");
    fs::create_dir_all(&scratch).unwrap();
    let mut unformatted = Vec::new();
    for stage in all_exercises().flat_map(|e| e.stages()) {
        let text = stages::derive(&shipped(stage.exercise()), stage).unwrap();
        let file = scratch.join(format!("{}-{}.rs", stage.arch, stage.name()));
        fs::write(&file, &text).unwrap();
        let out = Command::new("rustfmt")
            .args(["--edition", "2024", "--check"])
            .arg(&file)
            .output()
            .expect("rustfmt runs (make test puts the project's toolchain on PATH)");
        if !out.status.success() {
            unformatted.push(format!(
                "{} stage '{}':\n{}",
                stage.arch,
                stage.name(),
                String::from_utf8_lossy(&out.stdout)
            ));
        }
    }
    let _ = fs::remove_dir_all(&scratch);
    assert!(unformatted.is_empty(), "{}", unformatted.join("\n"));
}
