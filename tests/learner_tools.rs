// SPDX-License-Identifier: BSD-2-Clause

//! The learner's helpers: `make status`, `make solution`, `make reset`, and fault reports that
//! point at the learner's file. They are tested on the shipped texts (shipped/) and on scratch
//! copies, never on the learner's own files, so that `make test` passes at every point of a
//! learner's progress and changes nothing of theirs.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use xtask::boot_check::boot_stage;
use xtask::catalogue::{ARCHES, ExerciseRef};
use xtask::project::Project;
use xtask::solutions::{Solution, next_stage, solution};
use xtask::stages::{self, Progress};
use xtask::symbolize::Symbolizer;

fn shipped(exercise: ExerciseRef) -> String {
    let path = Project::here().shipped(exercise.exercise.file);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn all_exercises() -> impl Iterator<Item = ExerciseRef> {
    ARCHES.iter().flat_map(|a| a.exercises())
}

#[test]
fn every_exercise_ships_at_its_start_stage() {
    for exercise in all_exercises() {
        let text = shipped(exercise);
        let todos =
            stages::learner_todos(exercise, &text, &text).unwrap_or_else(|e| panic!("{e:#}"));
        assert_eq!(
            stages::progress(exercise, &todos),
            Progress::At(exercise.start()),
            "shipped/{} must ship with every TODO solution commented out",
            exercise.exercise.file
        );
    }
}

#[test]
fn status_names_each_stage_of_the_shipped_files() {
    for exercise in all_exercises() {
        let source = shipped(exercise);
        for stage in exercise.stages() {
            let text = stages::derive(&source, stage).unwrap();
            let todos = stages::learner_todos(exercise, &source, &text).unwrap();
            assert_eq!(stages::progress(exercise, &todos), Progress::At(stage));
            let described = stages::describe_progress(exercise, &source, &text);
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

/// Applies `diff` to `text` (the file `file`) with patch, in `dir`; returns the result.
fn patched(dir: &Path, file: &str, text: &str, diff: &str) -> String {
    let tree = dir.join("tree");
    fs::create_dir_all(tree.join(file).parent().unwrap()).unwrap();
    fs::write(tree.join(file), text).unwrap();
    let mut patch = Command::new("patch")
        .args(["-p1", "--quiet"])
        .current_dir(&tree)
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    patch
        .stdin
        .take()
        .unwrap()
        .write_all(diff.as_bytes())
        .unwrap();
    assert!(
        patch.wait().unwrap().success(),
        "the diff does not apply:\n{diff}"
    );
    fs::read_to_string(tree.join(file)).unwrap()
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
        let Solution::ForTheFile(diff) = solution(&source, &source, stage, &scratch).unwrap()
        else {
            panic!("the shipped file gets a diff of its own");
        };
        assert_eq!(
            patched(&scratch, file, &source, &diff),
            stages::derive(&source, stage).unwrap(),
            "the patched file is not stage '{}'",
            stage.name()
        );
        let _ = fs::remove_dir_all(&scratch);
    }
}

/// A learner's file edited past recognition (a TODO's solution partly uncommented) still gets
/// the solution: as the change between the shipped stages.
#[test]
fn an_edited_file_gets_the_shipped_change() {
    let project = Project::here();
    let exercise = ARCHES[0].main_exercise();
    let source = shipped(exercise);
    let stage = exercise.stage(1).unwrap();
    let partly = source.replacen(
        "    // pd.page_directory_map",
        "    pd.page_directory_map",
        1,
    );
    assert_ne!(partly, source);
    let scratch = project.build_dir().join("test-solution-edited");
    let Solution::Shipped(diff) = solution(&source, &partly, stage, &scratch).unwrap() else {
        panic!("a file the stages cannot be derived from gets the shipped change");
    };
    assert!(diff.contains("+    pd.page_directory_map"), "{diff}");
    let _ = fs::remove_dir_all(&scratch);
}

#[test]
fn the_next_solution_follows_the_file() {
    for exercise in all_exercises() {
        let source = shipped(exercise);
        for (k, stage) in exercise.stages().enumerate() {
            let text = stages::derive(&source, stage).unwrap();
            assert_eq!(
                next_stage(exercise, &source, &text).unwrap(),
                exercise.stage(k + 1)
            );
        }
    }
}

/// A scratch project holding one exercise file, as shipped and as a learner has it.
fn scratch_project(name: &str, exercise: ExerciseRef, learner: &str) -> PathBuf {
    let root = Project::here().build_dir().join(name);
    let _ = fs::remove_dir_all(&root);
    let file = exercise.exercise.file;
    for (path, text) in [
        (root.join("shipped").join(file), shipped(exercise)),
        (root.join(file), learner.to_owned()),
    ] {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    root
}

fn xtask(root: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .env("XTASK_PROJECT_ROOT", root)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// `make reset` without a terminal asks for CONFIRM=yes and changes nothing; with it, the file
/// is back exactly as shipped, typos and own code gone, and the learner's version is kept in
/// the backup it names. On every architecture's main exercise.
#[test]
fn reset_asks_first_then_restores_the_shipped_file_and_keeps_a_backup() {
    for arch in ARCHES.iter() {
        let exercise = arch.main_exercise();
        let file = exercise.exercise.file;
        // The learner's own code above the first TODO, and a typo in its first solution line.
        let todos = stages::analyse(exercise, &shipped(exercise)).unwrap();
        let mut lines: Vec<String> = shipped(exercise).lines().map(str::to_owned).collect();
        let first = todos[0].solution.start;
        lines[first] = lines[first].replacen("// ", "", 1) + "typo";
        lines.insert(first - 1, "    my_own_code();".to_owned());
        let edited = lines.join("\n") + "\n";
        let root = scratch_project(&format!("test-reset-{arch}"), exercise, &edited);

        let asked = xtask(&root, &["reset", "--arch", arch.name]);
        let stderr = String::from_utf8_lossy(&asked.stderr);
        assert!(!asked.status.success(), "{stderr}");
        assert!(
            stderr.contains(&format!(
                "make reset puts {file} back as shipped: run it from a terminal to confirm, or as \
                 `make reset{} CONFIRM=yes`",
                exercise.make_args()
            )),
            "{stderr}"
        );
        assert_eq!(fs::read_to_string(root.join(file)).unwrap(), edited);

        let done = xtask(&root, &["reset", "--arch", arch.name, "--confirm", "yes"]);
        let stderr = String::from_utf8_lossy(&done.stderr);
        assert!(done.status.success(), "{stderr}");
        assert_eq!(
            fs::read_to_string(root.join(file)).unwrap(),
            shipped(exercise)
        );
        let backup = stderr
            .split("Yours is in ")
            .nth(1)
            .and_then(|rest| rest.trim_end().strip_suffix('.'))
            .unwrap_or_else(|| panic!("no backup named: {stderr}"));
        assert!(
            backup.starts_with(&format!("{file}.")) && backup.ends_with(".bak"),
            "{backup}"
        );
        assert_eq!(fs::read_to_string(root.join(backup)).unwrap(), edited);

        let again = xtask(&root, &["reset", "--arch", arch.name]);
        assert!(String::from_utf8_lossy(&again.stderr).contains("is as shipped already"));
        let _ = fs::remove_dir_all(&root);
    }
}

/// `make status` and `make solution` with a file whose TODOs are done out of order: they name
/// the TODO to do first and the stage to ask for, and fail neither.
#[test]
fn out_of_order_status_and_solution_name_the_todo_to_do_first() {
    let exercise = ARCHES[0].main_exercise();
    let source = shipped(exercise);
    let pt = stages::derive(&source, exercise.stage(2).unwrap()).unwrap();
    let pd = stages::derive(&source, exercise.stage(1).unwrap()).unwrap();
    // The second TODO's solution uncommented, the first's not: pt's text with pd's first TODO.
    let out_of_order = {
        let todos = stages::analyse(exercise, &source).unwrap();
        let first = todos[0].solution.clone();
        let mut lines: Vec<&str> = pt.lines().collect();
        let shipped_lines: Vec<&str> = source.lines().collect();
        lines.splice(first.clone(), shipped_lines[first].iter().copied());
        lines.join("\n") + "\n"
    };
    assert_ne!(out_of_order, pd);
    let root = scratch_project("test-out-of-order", exercise, &out_of_order);
    let status = xtask(&root, &["status", "--exercise", "mapping"]);
    let stdout = String::from_utf8_lossy(&status.stdout);
    assert!(status.status.success());
    assert!(
        stdout.contains("done, but not \"TODO map a page directory object\" (src/main.rs:"),
        "{stdout}"
    );
    assert!(stdout.contains("`make solution STAGE=pd`"), "{stdout}");
    let solution = xtask(&root, &["solution"]);
    let stderr = String::from_utf8_lossy(&solution.stderr);
    assert!(stderr.contains("`make solution STAGE=pd`"), "{stderr}");
    let _ = fs::remove_dir_all(&root);
}

/// The fault report of each architecture's read-only write names the line of the learner's file
/// that writes x.
#[test]
fn the_fault_points_at_the_line_that_writes_x() {
    let project = Project::here();
    for (arch, stage) in [
        ("x86_64", "pt"),
        ("aarch64", "pt-l3"),
        ("riscv64", "pt-l0"),
        ("aarch32", "pt"),
        ("riscv32", "pt-l0"),
    ] {
        let arch = xtask::catalogue::find_arch(arch).unwrap();
        let stage = arch.find_stage(stage).unwrap();
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
            .expect("the write in the file");
        let file = stage.exercise.file;
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(
            notes[0].contains(&format!("{file}:{line}, in main")),
            "{arch}: the fault at `{fault}` was shown as {notes:?}, not at {file}:{line}"
        );
    }
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
