// SPDX-License-Identifier: BSD-2-Clause

//! TUTORIAL.md and README.md show every stage's output, in blocks marked
//! `<!-- boot-log: <arch>/<stage> -->`. Each block is compared with what its stage really prints by the
//! stage tests (tests/stages.rs), on the boot they make anyway (xtask::documented); here, that
//! every stage has its blocks, that every block names a real stage, and that a changed line is
//! caught.

use xtask::catalogue::{self, ARCHES, StageRef};
use xtask::documented::{Kind, all_blocks, block_name, contains_run, marked_blocks};
use xtask::project::Project;

#[test]
fn every_stage_is_documented_and_every_block_names_a_stage() {
    let blocks = all_blocks(&Project::here()).unwrap_or_else(|e| panic!("{e:#}"));
    for block in &blocks {
        let (arch, stage) = block
            .stage
            .split_once('/')
            .unwrap_or_else(|| panic!("{}: '{}' is not <arch>/<stage>", block.doc, block.stage));
        let stage_ref = catalogue::find_arch(arch)
            .and_then(|a| a.find_stage(stage))
            .unwrap_or_else(|e| panic!("{}: {e}", block.doc));
        // A walk is compared on the stage's walked boot: only a stage with walks has one.
        let walked = Project::here()
            .expected_walk(stage_ref.arch, stage)
            .exists();
        assert!(
            block.kind == Kind::BootLog || walked,
            "{}: stage '{}' has no walks (tests/expected/{arch}/{stage}.walk), so its walk block would never be compared",
            block.doc,
            block.stage
        );
        assert!(
            !block.lines.is_empty(),
            "{}: the block for '{}' is empty",
            block.doc,
            block.stage
        );
    }
    // Every stage is documented in TUTORIAL.md; x86_64's main exercise in README.md too.
    let all: Vec<StageRef> = ARCHES.iter().flat_map(|a| a.stages()).collect();
    let readme: Vec<StageRef> = catalogue::default_arch().main_exercise().stages().collect();
    for (doc, stages) in [("TUTORIAL.md", all), ("README.md", readme)] {
        for stage in stages {
            let name = block_name(stage);
            assert!(
                blocks
                    .iter()
                    .any(|b| b.kind == Kind::BootLog && b.doc == doc && b.stage == name),
                "{doc} has no block for stage '{name}'"
            );
        }
    }
}

#[test]
fn a_changed_line_is_caught() {
    let log: Vec<String> = ["a", "Read x: 0", "Set x to 5", "Success!"]
        .map(String::from)
        .to_vec();
    let block = marked_blocks(
        "t",
        "<!-- boot-log: x86_64/remap -->\n```text\nRead x: 0\nSet x to 5\nSuccess!\n```\n",
    )
    .unwrap();
    assert!(contains_run(&log, &block[0].lines));
    let wrong = marked_blocks(
        "t",
        "<!-- boot-log: x86_64/remap -->\n```text\nRead x: 0\nSuccess!\n```\n",
    )
    .unwrap();
    assert!(!contains_run(&log, &wrong[0].lines));
    assert!(marked_blocks("t", "<!-- boot-log: x86_64/remap -->\nRead x: 0\n").is_err());
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
    let made = xtask::bench::report::performance_md(&bench);
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
