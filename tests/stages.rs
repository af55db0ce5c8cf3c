// SPDX-License-Identifier: BSD-2-Clause

//! Every stage of every exercise, derived from its file, built, booted on the seL4 kernel under
//! QEMU and checked line by line against tests/expected/<stage>.txt; the same boot is then
//! compared with the stage's output blocks in TUTORIAL.md and README.md (xtask::documented).

use std::fs;

use xtask::boot_check::boot_stage;
use xtask::project::Project;
use xtask::stages::{self, Progress, Stage};

/// Boots `stage`, checks its expected lines, then its documented output.
fn boot_and_check(project: &Project, stage: &Stage) -> Result<(), String> {
    let passed = boot_stage(project, stage)?;
    xtask::documented::check(project, stage, &passed.run)
}

fn boot(stage: &str) {
    let project = Project::here();
    let stage = stages::find(stage).expect("a stage of the tutorial");
    if let Err(report) = boot_and_check(&project, stage) {
        panic!("{report}");
    }
}

#[test]
fn stage_start_misses_the_page_directory_at_level_30() {
    boot("start");
}

#[test]
fn stage_pd_misses_the_page_table_at_level_21() {
    boot("pd");
}

#[test]
fn stage_pt_faults_writing_the_read_only_page() {
    boot("pt");
}

#[test]
fn stage_remap_writes_the_read_write_page() {
    boot("remap");
}

/// Every stage of a further exercise, in order; all are booted, and every failure is reported.
fn boot_exercise(name: &str) {
    let project = Project::here();
    let exercise = stages::find_exercise(name).expect("a further exercise");
    let failures: Vec<String> = exercise
        .stages
        .iter()
        .filter_map(|stage| boot_and_check(&project, stage).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn further_exercise_mapper_makes_what_each_level_lacks() {
    boot_exercise("mapper");
}

#[test]
fn further_exercise_unmapping_faults_after_each_unmap_and_maps_again() {
    boot_exercise("unmapping");
}

#[test]
fn further_exercise_page_sizes_maps_2_mib_and_1_gib_pages() {
    boot_exercise("page-sizes");
}

#[test]
fn further_exercise_rights_read_only_read_write_and_write_only() {
    boot_exercise("rights");
}

#[test]
fn shipped_main_rs_is_the_start_stage() {
    let source = fs::read_to_string(Project::here().main_rs()).unwrap();
    let main = stages::main_exercise();
    let todos = stages::analyse(main, &source).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        stages::progress(main, &todos),
        Progress::At(stages::find("start").unwrap()),
        "src/main.rs must ship with every TODO solution commented out"
    );
}

#[test]
fn every_further_exercise_ships_at_its_start_stage() {
    for exercise in &stages::EXERCISES[1..] {
        let path = Project::here().root().join(exercise.file);
        let source = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{exercise:?}: {e}"));
        let todos = stages::analyse(exercise, &source).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            stages::progress(exercise, &todos),
            Progress::At(&exercise.stages[0]),
            "{} must ship with every TODO solution commented out",
            exercise.file
        );
    }
}

#[test]
fn every_stage_has_its_expected_log() {
    let project = Project::here();
    for stage in stages::all_stages() {
        let path = project.expected_log(stage.name);
        let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            !xtask::expect::parse(&text).is_empty(),
            "{} has no patterns",
            path.display()
        );
    }
}

#[test]
fn the_makefile_knows_the_same_stages() {
    let makefile = fs::read_to_string(Project::here().root().join("Makefile")).unwrap();
    let names: Vec<&str> = stages::all_stages().map(|s| s.name).collect();
    let line = format!("STAGES := {}", names.join(" "));
    assert!(
        makefile.lines().any(|l| l == line),
        "the Makefile has no line `{line}`"
    );
    let names: Vec<&str> = stages::EXERCISES.iter().map(|e| e.name).collect();
    let line = format!("EXERCISES := {}", names.join(" "));
    assert!(
        makefile.lines().any(|l| l == line),
        "the Makefile has no line `{line}`"
    );
}
