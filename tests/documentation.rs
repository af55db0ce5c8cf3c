// SPDX-License-Identifier: BSD-2-Clause

//! The book (docs/book) shows every stage's output and walk as `make record` recorded them from real
//! boots (docs/book/recorded); the stage tests compare each boot with its recordings
//! (tests/stages.rs, xtask::book::recorded). Here: that every stage is recorded and shown in the book,
//! that every recording is a stage's, and that a changed line is caught.

use std::collections::BTreeSet;
use std::fs;

use xtask::book::recorded::{
    self, block_name, first_difference, normalise, normalise_walk, program_output,
};
use xtask::catalogue::ARCHES;
use xtask::project::Project;

/// Every `{{#<directive> <argument>}}` of the book's chapters.
fn directives(project: &Project, directive: &str) -> Vec<(String, String)> {
    let src = project.book_dir().join("src");
    let mut found = Vec::new();
    for entry in fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let text = fs::read_to_string(&path).unwrap();
        let chapter = path.file_name().unwrap().to_string_lossy().into_owned();
        for line in text.lines() {
            if let Some(argument) = line
                .trim()
                .strip_prefix(&format!("{{{{#{directive} "))
                .and_then(|l| l.strip_suffix("}}"))
            {
                found.push((chapter.clone(), argument.trim().to_owned()));
            }
        }
    }
    found
}

#[test]
fn every_stage_is_recorded_and_shown_in_the_book() {
    let project = Project::here();
    let shown: BTreeSet<String> = directives(&project, "output")
        .into_iter()
        .map(|(_, stage)| stage)
        .collect();
    let walked: BTreeSet<String> = directives(&project, "walk")
        .into_iter()
        .map(|(_, stage)| stage)
        .collect();
    let traced: BTreeSet<String> = directives(&project, "trace")
        .into_iter()
        .map(|(_, stage)| stage)
        .collect();
    let mut stages = BTreeSet::new();
    for arch in ARCHES.iter() {
        for stage in arch.stages() {
            let name = block_name(stage);
            let output = project.recorded_output(arch, stage.name());
            assert!(
                output.is_file(),
                "{}: not recorded: run `make record{}`",
                output.display(),
                stage.make_args()
            );
            assert!(
                shown.contains(&name),
                "no chapter of the book shows stage '{name}' ({{{{#output {name}}}}})"
            );
            let walks = project.expected_walk(arch, stage.name()).exists();
            assert_eq!(
                project.recorded_walk(arch, stage.name()).is_file(),
                walks,
                "{name}: a recorded walk exactly where the stage has walks: run `make record{}`",
                stage.make_args()
            );
            let trace = project.recorded_trace(arch, stage.name());
            assert_eq!(
                trace.is_file(),
                recorded::traced(stage),
                "{name}: a recorded trace exactly where the book shows the stage traced: run `make \
                 record{}`",
                stage.make_args()
            );
            if recorded::traced(stage) {
                assert!(
                    traced.contains(&name),
                    "no chapter of the book shows stage '{name}' traced ({{{{#trace {name}}}}})"
                );
                recorded::check_trace(&project, stage).unwrap_or_else(|e| panic!("{e:#}"));
            }
            stages.insert(name);
        }
    }
    for name in walked.iter().chain(&shown).chain(&traced) {
        assert!(stages.contains(name), "the book names no stage '{name}'");
    }
    // No recording outlives its stage.
    for arch in ARCHES.iter() {
        let dir = project.book_dir().join("recorded").join(arch.name);
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let stage = path.file_stem().unwrap().to_string_lossy();
            assert!(
                stages.contains(&format!("{arch}/{stage}")),
                "{}: no stage of that name",
                path.display()
            );
        }
    }
}

#[test]
fn a_changed_line_is_caught() {
    // A recording and a boot: equal but for a fault report's addresses, or where they differ.
    let lines = |text: &str| text.lines().map(String::from).collect::<Vec<_>>();
    let recorded = lines("Read x: 0\nin thread 0x1 \"rootserver\" at address 0x2\nSuccess!");
    let booted = lines("Read x: 0\nin thread 0x3 \"rootserver\" at address 0x4\nSuccess!");
    assert_eq!(first_difference(&recorded, &booted, normalise), None);
    let shorter = lines("Read x: 0\nin thread 0x3 \"rootserver\" at address 0x4");
    assert_eq!(first_difference(&recorded, &shorter, normalise), Some(2));
    let other = lines("Read x: 1\nin thread 0x3 \"rootserver\" at address 0x4\nSuccess!");
    assert_eq!(first_difference(&recorded, &other, normalise), Some(0));
    let walk = lines("    │ [1] bits 43..39  0x0000000060000003   ├─> next table at 0x60000000");
    let rewalked = lines("    │ [1] bits 43..39  0x0000000070000003 ├─> next table at 0x70000000");
    assert_eq!(first_difference(&walk, &rewalked, normalise_walk), None);
}

/// A recorded trace is its stage's recorded output with the traced lines added: one with a line
/// of the output changed, or with nothing traced, is refused.
#[test]
fn a_trace_that_is_not_its_stages_run_is_caught() {
    let project = Project::here();
    let stage = ARCHES[0].main_exercise().start();
    let path = project.recorded_trace(stage.arch, stage.name());
    let kept = fs::read_to_string(&path).unwrap();
    recorded::check_trace(&project, stage).unwrap_or_else(|e| panic!("{e:#}"));
    let scratch = Project::here().build_dir().join("test-trace");
    for (what, text) in [
        ("changed", kept.replacen("level 30", "level 21", 1)),
        (
            "untraced",
            kept.lines()
                .filter(|l| !recorded::is_traced_line(l))
                .map(|l| format!("{l}\n"))
                .collect(),
        ),
    ] {
        // The check reads the project's recording: a scratch copy of the project's book holds the
        // altered one.
        let root = scratch.join(what);
        let book = root.join("docs/book/recorded").join(stage.arch.name);
        fs::create_dir_all(&book).unwrap();
        fs::copy(
            project.recorded_output(stage.arch, stage.name()),
            book.join("start.output"),
        )
        .unwrap();
        fs::write(book.join("start.trace"), text).unwrap();
        let copy = Project::at(&root);
        assert!(
            recorded::check_trace(&copy, stage).is_err(),
            "a {what} trace passed"
        );
    }
    let _ = fs::remove_dir_all(&scratch);
}

/// A stage's output is what follows the kernel's boot log, up to its stack dump.
#[test]
fn a_stages_output_starts_after_the_boot_log_and_ends_before_the_stack() {
    let printed: Vec<String> = [
        "ELF-loading userland images from boot modules:",
        "Booting all finished, dropped to user space",
        "Read x: 0",
        "vm fault on data at address 0xa000000000 with status 0x7",
        "With stack:",
        "0xa000000000: 0x0",
    ]
    .map(String::from)
    .to_vec();
    assert_eq!(
        program_output(&printed),
        [
            "Read x: 0",
            "vm fault on data at address 0xa000000000 with status 0x7"
        ]
    );
}

/// docs/performance.md is what `make bench-report` makes from docs/bench.json, the JSON of a
/// `make bench` run: no figure in it is typed.
#[test]
fn the_performance_figures_are_made_from_a_bench_run() {
    let project = Project::here();
    let json = std::fs::read_to_string(project.docs_bench_json()).unwrap_or_else(|e| {
        panic!("docs/bench.json: {e}: run `make bench`, then `make bench-report`")
    });
    let bench = xtask::bench::report::from_json(&json).unwrap_or_else(|e| panic!("{e:#}"));
    let why = std::fs::read_to_string(project.docs_performance_why()).unwrap_or_default();
    let made =
        xtask::bench::report::performance_md(&bench, &why).unwrap_or_else(|e| panic!("{e:#}"));
    let written = std::fs::read_to_string(project.docs_performance())
        .unwrap_or_else(|e| panic!("docs/performance.md: {e}: run `make bench-report`"));
    assert!(
        made == written,
        "docs/performance.md is not what `make bench-report` makes from docs/bench.json: run it"
    );
    assert!(
        bench.arches.len() == xtask::catalogue::ARCHES.len(),
        "docs/bench.json is not of every architecture"
    );
}

/// README's size of the container's image is the size `make bench` measured (docs/bench.json),
/// in GB to one decimal: the number a learner reads comes from a run.
#[test]
fn readme_gives_the_image_size_the_bench_measured() {
    let project = Project::here();
    let json = fs::read_to_string(project.docs_bench_json()).unwrap();
    let bench = xtask::bench::report::from_json(&json).unwrap_or_else(|e| panic!("{e:#}"));
    let size = bench
        .container
        .iter()
        .find(|f| f.name == xtask::bench::container::IMAGE_SIZE)
        .expect("docs/bench.json has no container image size: run `make bench ONLY=container`");
    let measured = format!("about {:.1} GB", size.median() / 1e9);
    let readme = fs::read_to_string(project.root().join("README.md")).unwrap();
    let written = readme
        .split_once("image** is ")
        .and_then(|(_, rest)| rest.split_once(". "))
        .map(|(said, _)| said.split_whitespace().collect::<Vec<_>>().join(" "))
        .expect("README no longer says how big the container's image is");
    assert_eq!(
        written, measured,
        "README's image size is not docs/bench.json's"
    );
}
