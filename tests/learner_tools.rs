// SPDX-License-Identifier: BSD-2-Clause

//! The learner's helpers: `make status`, `make solution`, `make reset`, and fault reports that
//! point at the learner's file. They are tested on the shipped texts (shipped/) and on scratch
//! copies, never on the learner's own files, so that `make test` passes at every point of a
//! learner's progress and changes nothing of theirs.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use xtask::boot::symbolize::Symbolizer;
use xtask::catalogue::{ARCHES, ExerciseRef};
use xtask::check::boot_stage;
use xtask::exercise::stages::{self, Progress};
use xtask::image::Source;
use xtask::learner::observed::{self, Observed, describe};
use xtask::learner::solutions::{self, Advice, Solution, advise, next_stage, solution};
use xtask::project::Project;

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
        // Anything but `yes` is refused, and changes nothing either.
        let typo = xtask(&root, &["reset", "--arch", arch.name, "--confirm", "y"]);
        let stderr = String::from_utf8_lossy(&typo.stderr);
        assert!(!typo.status.success(), "{stderr}");
        assert!(
            stderr.contains("invalid value 'y'") && stderr.contains("[possible values: yes]"),
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

/// A learner's file saved in another encoding (a Latin-1 `é` in a comment on line 3): `make
/// status` names that line and column and the way back, and `make reset CONFIRM=yes` puts the
/// shipped file back all the same, keeping the learner's bytes as they were.
#[test]
fn a_file_that_is_not_utf8_is_named_by_its_line_and_still_reset() {
    let arch = &ARCHES[1];
    let exercise = arch.main_exercise();
    let file = exercise.exercise.file;
    let mut bytes = shipped(exercise).into_bytes();
    let third_line = bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(1)
        .unwrap()
        .0
        + 1;
    bytes.splice(third_line..third_line, b"// caf\xe9\n".iter().copied());
    let root = scratch_project("test-not-utf8", exercise, "");
    fs::write(root.join(file), &bytes).unwrap();

    let status = xtask(&root, &["status", "--arch", arch.name]);
    let stderr = String::from_utf8_lossy(&status.stderr);
    assert!(!status.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{file}:3:7: a byte that is not UTF-8 (0xe9), and rustc reads source files as UTF-8 \
             only: save the file as UTF-8, or `make reset{} CONFIRM=yes` puts the shipped file \
             back",
            exercise.make_args()
        )),
        "{stderr}"
    );

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
    assert_eq!(fs::read(root.join(backup)).unwrap(), bytes);
    let _ = fs::remove_dir_all(&root);
}

/// `make status` and `make solution` with a file whose TODOs are done out of order, built and
/// booted as they do it: they name the TODO to do first and the stage to ask for.
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
    let observed = observe(exercise, "out-of-order", &out_of_order);
    let status = describe(exercise, &source, &out_of_order, &observed);
    assert!(
        status.contains("done, but not \"TODO map a page directory object\" (src/main.rs:"),
        "{status}"
    );
    assert!(
        status.contains("`make solution ARCH=x86_64 STAGE=pd`"),
        "{status}"
    );
    let scratch = Project::here()
        .build_dir()
        .join("test-solution-out-of-order");
    let advice = advise(exercise, &source, &out_of_order, &observed, &scratch).unwrap_err();
    assert!(
        format!("{advice:#}").contains("`make solution ARCH=x86_64 STAGE=pd`"),
        "{advice:#}"
    );
}

/// A text for an exercise's file, built and booted as `make status` does the learner's.
fn observe(exercise: ExerciseRef, name: &'static str, text: &str) -> Observed {
    let source = Source::Variant {
        exercise,
        name,
        text,
    };
    observed::observe(&Project::here(), &source).unwrap_or_else(|e| panic!("{e:#}"))
}

/// Everything deleted by mistake: the file does not build, so status claims no stage and shows
/// cargo's first error, and solution has nothing to compare with. On every architecture.
#[test]
fn an_empty_file_is_at_no_stage() {
    let scratch = Project::here().build_dir().join("test-solution-empty");
    for arch in ARCHES.iter() {
        let exercise = arch.main_exercise();
        let source = shipped(exercise);
        let observed = observe(exercise, "empty-file", "");
        let Observed::Refused { error, .. } = &observed else {
            panic!("{arch}: an empty file built: {observed:?}");
        };
        assert!(error.starts_with("error"), "{arch}: {error}");
        let status = describe(exercise, &source, "", &observed);
        assert!(
            status.starts_with(&format!(
                "{} does not build, so it is at no stage yet",
                exercise.exercise.file
            )),
            "{arch}: {status}"
        );
        assert!(status.contains(error.as_str()), "{arch}: {status}");
        assert!(!status.contains("is at stage"), "{arch}: {status}");
        assert!(!status.contains("complete"), "{arch}: {status}");
        assert!(
            status.contains("has none of its TODO lines"),
            "{arch}: {status}"
        );
        let advice = advise(exercise, &source, "", &observed, &scratch).unwrap();
        assert!(
            matches!(&advice, Advice::Nothing(why) if *why == status),
            "{arch}: {advice:?}"
        );
    }
}

/// The first TODO's block moved below the second's, both uncommented: the TODOs look like the
/// second stage. Where the two TODOs map different kinds of object (x86_64's page directory and
/// page table; a page table and the frame's remap on aarch32 and riscv32), the run fails: status
/// says what the run printed and claims no stage the run did not print, and solution shows the
/// first stage, the one the run shows is missing, not the one after the TODOs'. Where both map a
/// page table of one type (aarch64, riscv64), the kernel puts the first table mapped at the
/// highest level missing, whichever line maps it, so the run does print the second stage, and
/// status says so. On every architecture.
#[test]
fn a_moved_todo_is_told_by_its_run() {
    let scratch = Project::here().build_dir().join("test-solution-moved");
    for arch in ARCHES.iter() {
        let exercise = arch.main_exercise();
        let source = shipped(exercise);
        let second = exercise.stage(2).unwrap();
        let both = stages::derive(&source, second).unwrap();
        let todos = stages::analyse(exercise, &both).unwrap();
        // Each block: its TODO line and solution; the first two swap places.
        let lines: Vec<&str> = both.lines().collect();
        let block = |k: usize| (todos[k].line - 1)..todos[k].solution.end;
        let (first, next) = (block(0), block(1));
        let mut moved: Vec<&str> = lines[..first.start].to_vec();
        moved.extend(&lines[next.clone()]);
        moved.extend(&lines[first.end..next.start]);
        moved.extend(&lines[first.clone()]);
        moved.extend(&lines[next.end..]);
        let moved = moved.join("\n") + "\n";
        let todo_stage = observed::todo_stage(exercise, &source, &moved);
        assert_eq!(todo_stage, Some(second), "{arch}: {moved}");

        let observed = observe(exercise, "moved-todo", &moved);
        let Observed::Ran { printed, ending } = &observed else {
            panic!("{arch}: the moved file does not build: {observed:?}");
        };
        let solution_text = |k: usize| lines[todos[k].solution.clone()].join("\n");
        let one_kind = ["pt_map(", "page_table_map("]
            .iter()
            .any(|m| solution_text(0).contains(m) && solution_text(1).contains(m));
        if one_kind {
            assert_eq!(*printed, Some(second), "{arch}: {ending:?}");
            let status = describe(exercise, &source, &moved, &observed);
            assert!(
                status.starts_with(&format!(
                    "{} is at stage '{}'",
                    exercise.exercise.file,
                    second.name()
                )),
                "{arch}: {status}"
            );
            continue;
        }
        assert_ne!(*printed, Some(second), "{arch}: {ending:?}");
        assert!(ending.is_some(), "{arch}: {observed:?}");
        let first_stage = exercise.stage(1).unwrap();
        let status = describe(exercise, &source, &moved, &observed);
        assert!(!status.contains("is at stage"), "{arch}: {status}");
        assert!(
            status.contains(&format!(
                "its TODOs look like stage '{}' (2 of {} done)",
                second.name(),
                exercise.todo_count()
            )),
            "{arch}: {status}"
        );
        assert!(
            status.contains(&format!("it ended with `{}`", ending.as_ref().unwrap())),
            "{arch}: {status}"
        );
        assert!(
            status.contains(&format!(
                "`make solution{}` shows the solution of stage '{}', which the run shows is missing",
                exercise.make_args(),
                first_stage.name()
            )),
            "{arch}: {status}"
        );
        let advice = advise(exercise, &source, &moved, &observed, &scratch).unwrap();
        let Advice::Compare { stage, diff, .. } = &advice else {
            panic!("{arch}: {advice:?}");
        };
        assert_eq!(*stage, first_stage, "{arch}");
        assert_eq!(
            *diff,
            solutions::shipped_change(&source, first_stage, &scratch).unwrap()
        );
    }
}

/// x86_64's line copied into aarch64's file under the first TODO, as someone following the C
/// text might: the build fails, status claims no stage, and the hint under cargo's error names
/// aarch64's method; solution shows that TODO's own solution to compare.
#[test]
fn another_architectures_method_is_named_with_this_ones() {
    let scratch = Project::here().build_dir().join("test-solution-names");
    let arch = xtask::catalogue::find_arch("aarch64").unwrap();
    let exercise = arch.main_exercise();
    let source = shipped(exercise);
    let first = exercise.stage(1).unwrap();
    let pt_l2 = stages::derive(&source, first).unwrap();
    for (name, from, to) in [
        (
            "names-pd",
            "pt_l2\n        .pt_map(",
            "pd\n        .page_directory_map(",
        ),
        (
            "names-pt-l-two",
            "pt_l2\n        .pt_map(",
            "pt_l2\n        .page_directory_map(",
        ),
    ] {
        assert!(pt_l2.contains(from), "{pt_l2}");
        let text = pt_l2.replacen(from, to, 1);
        let observed = observe(exercise, name, &text);
        let Observed::Refused { hints, .. } = &observed else {
            panic!("{to} built: {observed:?}");
        };
        assert!(
            hints.iter().any(|h| h.starts_with(
                "hint: `page_directory_map` is x86_64's (seL4_X86_PageDirectory_Map); on \
                 aarch64"
            ) && h.contains("pt_map")),
            "{to}: {hints:?} {observed:?}"
        );
        let status = describe(exercise, &source, &text, &observed);
        assert!(status.contains(&hints[0]), "{status}");
        assert!(!status.contains("is at stage"), "{status}");
        let advice = advise(exercise, &source, &text, &observed, &scratch).unwrap();
        assert!(
            matches!(&advice, Advice::Compare { stage, .. } if *stage == first),
            "{to}: {advice:?}"
        );
    }
}

/// TODO 2's solution uncommented without the `;` at its end, on every architecture: the build
/// fails, and no hint comes from the shipped comment below the learner's line, which cargo's
/// message quotes (on x86_64 it names libsel4's C call for the frame's map).
#[test]
fn a_missing_semicolon_gets_no_hint_from_the_comment_below() {
    for arch in ARCHES.iter() {
        let exercise = arch.main_exercise();
        let source = shipped(exercise);
        let second = exercise.stage(2).unwrap();
        let done = stages::derive(&source, second).unwrap();
        let todos = stages::analyse(exercise, &done).unwrap();
        let last = todos[1].solution.end - 1;
        let mut lines: Vec<&str> = done.lines().collect();
        let without = lines[last]
            .strip_suffix(';')
            .expect("a statement ends with `;`");
        lines[last] = without;
        let text = lines.join("\n") + "\n";
        let observed = observe(exercise, "missing-semicolon", &text);
        let Observed::Refused { error, hints } = &observed else {
            panic!("{arch}: built without its `;`: {observed:?}");
        };
        assert!(error.starts_with("error"), "{arch}: {error}");
        assert!(hints.is_empty(), "{arch}: {hints:?} for\n{error}");
    }
}

/// `make solution STAGE=<first>` after a learner did the last TODO first: the diff only
/// uncomments the first, and the learner's later lines stay. On every exercise.
#[test]
fn a_solution_never_comments_out_the_learners_lines() {
    let project = Project::here();
    for exercise in all_exercises() {
        let source = shipped(exercise);
        let todos = stages::analyse(exercise, &source).unwrap();
        let last_todo = todos.last().unwrap();
        // The shipped file with only the last solution uncommented.
        let mut lines: Vec<String> = source.lines().map(str::to_owned).collect();
        for line in &mut lines[last_todo.solution.clone()] {
            *line = line.replacen("// ", "", 1);
        }
        let kept: Vec<String> = lines[last_todo.solution.clone()].to_vec();
        let last_first = lines.join("\n") + "\n";
        let first = exercise.stage(1).unwrap();
        let scratch = project.build_dir().join(format!(
            "test-solution-keep-{}-{}",
            exercise.arch,
            first.name()
        ));
        let Solution::ForTheFile(diff) = solution(&source, &last_first, first, &scratch).unwrap()
        else {
            panic!("the file's TODOs are readable");
        };
        assert!(
            diff.lines()
                .all(|l| !l.starts_with("+") || !l.contains("// ") || l.starts_with("+++")),
            "{}: the diff comments lines out:\n{diff}",
            exercise.arch
        );
        let patched = patched(&scratch, exercise.exercise.file, &last_first, &diff);
        assert!(
            kept.iter().all(|l| patched.lines().any(|p| p == l)),
            "{}: the last solution is not kept:\n{patched}",
            exercise.arch
        );
        let _ = fs::remove_dir_all(&scratch);
    }
}

/// The first solution re-indented with tabs, or the whole file saved with CRLF line endings:
/// the next solution still applies to the file, in its own line endings. On every exercise.
#[test]
fn tabs_and_crlf_are_no_reason_to_give_up() {
    let project = Project::here();
    for exercise in all_exercises() {
        let source = shipped(exercise);
        let first = exercise.stage(1).unwrap();
        let second = exercise.stage(2).unwrap();
        let done = stages::derive(&source, first).unwrap();
        let todos = stages::analyse(exercise, &done).unwrap();
        let mut lines: Vec<String> = done.lines().map(str::to_owned).collect();
        for line in &mut lines[todos[0].solution.clone()] {
            *line = line.replacen("    ", "\t", 1);
        }
        let tabbed = lines.join("\n") + "\n";
        let crlf = done.replace('\n', "\r\n");
        let scratch = project.build_dir().join(format!(
            "test-solution-tabs-{}-{}",
            exercise.arch,
            first.name()
        ));
        for (what, text) in [("tabs", &tabbed), ("CRLF", &crlf)] {
            assert_eq!(
                observed::todo_stage(exercise, &source, text),
                Some(first),
                "{} with {what}",
                exercise.arch
            );
            let Solution::ForTheFile(diff) = solution(&source, text, second, &scratch).unwrap()
            else {
                panic!("{} with {what}: the solution gave up", exercise.arch);
            };
            let patched = patched(&scratch, exercise.exercise.file, text, &diff);
            assert_eq!(
                observed::todo_stage(exercise, &source, &patched),
                Some(second),
                "{} with {what}:\n{patched}",
                exercise.arch
            );
            if what == "CRLF" {
                assert_eq!(
                    patched,
                    stages::derive(&source, second)
                        .unwrap()
                        .replace('\n', "\r\n")
                );
            }
        }
        let _ = fs::remove_dir_all(&scratch);
    }
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

/// `make stages | head` (a reader that stops early): the listing ends quietly, with success.
#[test]
fn a_listing_into_a_closed_pipe_ends_quietly() {
    for args in [&["stages"][..], &["help"][..]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The reader is gone before the listing is written.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "xtask {args:?}: {:?}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The first `make` copies every exercise file from shipped/, and names one: the file of the run's
/// ARCH= and EXERCISE= (tools/setup-host's block for the learners' files, run on its own in a
/// scratch directory, with make's variables as make hands them on). A file already there is
/// never written again.
#[test]
fn the_first_run_names_the_learners_own_file_not_every_copy() {
    let setup = fs::read_to_string(Project::here().root().join("tools/setup-host")).unwrap();
    let start = setup
        .find("# --- The learners' files")
        .expect("setup-host's block for the learners' files");
    let end = start + 1 + setup[start + 1..].find("\n# --- ").unwrap();
    let block = &setup[start..end];
    let all: Vec<&str> = all_exercises().map(|e| e.exercise.file).collect();
    for (vars, named) in [
        (vec![], "src/main.rs"),
        (vec![("ARCH", "x86_64")], "src/main.rs"),
        (vec![("ARCH", "riscv32")], "riscv32/src/main.rs"),
        (
            vec![("ARCH", "aarch64"), ("EXERCISE", "page-sizes")],
            "aarch64/src/bin/page_sizes.rs",
        ),
    ] {
        let root = Project::here().build_dir().join("test-first-run");
        let _ = fs::remove_dir_all(&root);
        for exercise in all_exercises() {
            let path = root.join("shipped").join(exercise.exercise.file);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, shipped(exercise)).unwrap();
        }
        // One of the learner's files is there already, edited: it stays as it is.
        let kept = all.iter().find(|f| **f != named).unwrap();
        fs::create_dir_all(root.join(kept).parent().unwrap()).unwrap();
        fs::write(root.join(kept), "// mine\n").unwrap();
        let out = Command::new("bash")
            .args(["-euo", "pipefail", "-c"])
            .arg(format!("step() {{ echo \"==> $*\"; }}\n{block}"))
            .current_dir(&root)
            .env_remove("ARCH")
            .env_remove("EXERCISE")
            .envs(vars.iter().copied())
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{vars:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            said,
            format!(
                "==> Made your file, {named}, from shipped/{named}, and {} more exercise files: \
                 every architecture's (git ignores them)\n",
                all.len() - 2
            ),
            "{vars:?}"
        );
        for file in &all {
            let text = fs::read_to_string(root.join(file)).unwrap();
            match file == kept {
                true => assert_eq!(text, "// mine\n"),
                false => assert_eq!(
                    text,
                    fs::read_to_string(root.join("shipped").join(file)).unwrap()
                ),
            }
        }
        let _ = fs::remove_dir_all(&root);
    }
}
