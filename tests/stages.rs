// SPDX-License-Identifier: BSD-2-Clause

//! Every stage of every exercise of every architecture, derived from its file, built, booted on
//! that architecture's seL4 kernel under QEMU and checked line by line against
//! tests/expected/<arch>/<stage>.txt; the same boot is then compared with the stage's output blocks
//! in TUTORIAL.md and README.md (xtask::documented). Each architecture's tests are in a module of
//! its name, so that `make test ARCH=<arch>` can pick them (`cargo test <arch>::`).

use xtask::boot_check::boot_stage;
use xtask::catalogue::{self, ARCHES, StageRef};
use xtask::project::Project;

/// Boots `stage`, checks its expected lines, then its documented output.
fn boot_and_check(project: &Project, stage: StageRef) -> Result<(), String> {
    let passed = boot_stage(project, stage)?;
    xtask::documented::check(project, stage, &passed.image.root_task, &passed.run)
}

fn boot(arch: &str, stage: &str) {
    let project = Project::here();
    let arch = catalogue::find_arch(arch).unwrap();
    let stage = arch.find_stage(stage).unwrap_or_else(|e| panic!("{e}"));
    if let Err(report) = boot_and_check(&project, stage) {
        panic!("{report}");
    }
}

/// Every stage of a further exercise, in order; all are booted, and every failure is reported.
fn boot_exercise(arch: &str, name: &str) {
    let project = Project::here();
    let arch = catalogue::find_arch(arch).unwrap();
    let exercise = arch.find_exercise(name).unwrap_or_else(|e| panic!("{e}"));
    let failures: Vec<String> = exercise
        .stages()
        .filter_map(|stage| boot_and_check(&project, stage).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// One module per architecture, a test per stage of its main exercise, and the list of stages
/// the module boots (checked against the catalogue below).
macro_rules! main_exercise_tests {
    ($arch:ident: $($test:ident => $stage:literal),+ $(,)?) => {
        mod $arch {
            pub const BOOTED: &[&str] = &[$($stage),+];
            $(
                #[test]
                fn $test() {
                    super::boot(stringify!($arch), $stage);
                }
            )+
        }
    };
}

main_exercise_tests!(x86_64:
    stage_start_misses_the_page_directory_at_level_30 => "start",
    stage_pd_misses_the_page_table_at_level_21 => "pd",
    stage_pt_faults_writing_the_read_only_page => "pt",
    stage_remap_writes_the_read_write_page => "remap",
);

main_exercise_tests!(aarch64:
    stage_start_misses_the_level_2_page_table_at_level_30 => "start",
    stage_pt_l2_misses_the_level_3_page_table_at_level_21 => "pt-l2",
    stage_pt_l3_faults_writing_the_read_only_page => "pt-l3",
    stage_remap_writes_the_read_write_page => "remap",
);

main_exercise_tests!(riscv64:
    stage_start_misses_the_level_1_page_table_at_level_30 => "start",
    stage_pt_l1_misses_the_level_0_page_table_at_level_21 => "pt-l1",
    stage_pt_l0_faults_writing_the_read_only_page => "pt-l0",
    stage_remap_writes_the_read_write_page => "remap",
);

main_exercise_tests!(aarch32:
    stage_start_misses_the_page_table_at_level_20 => "start",
    stage_pt_faults_writing_the_read_only_page => "pt",
    stage_remap_writes_the_read_write_page => "remap",
);

main_exercise_tests!(riscv32:
    stage_start_misses_the_level_0_page_table_at_level_22 => "start",
    stage_pt_l0_faults_writing_the_read_only_page => "pt-l0",
    stage_remap_writes_the_read_write_page => "remap",
);

/// The further exercises (x86_64).
mod further {
    use super::boot_exercise;

    #[test]
    fn x86_64_mapper_makes_what_each_level_lacks() {
        boot_exercise("x86_64", "mapper");
    }

    #[test]
    fn x86_64_unmapping_faults_after_each_unmap_and_maps_again() {
        boot_exercise("x86_64", "unmapping");
    }

    #[test]
    fn x86_64_page_sizes_maps_2_mib_and_1_gib_pages() {
        boot_exercise("x86_64", "page-sizes");
    }

    #[test]
    fn x86_64_rights_read_only_read_write_and_write_only() {
        boot_exercise("x86_64", "rights");
    }
}

#[test]
fn every_main_exercise_stage_has_a_boot_test() {
    for (arch, booted) in [
        ("x86_64", x86_64::BOOTED),
        ("aarch64", aarch64::BOOTED),
        ("riscv64", riscv64::BOOTED),
        ("aarch32", aarch32::BOOTED),
        ("riscv32", riscv32::BOOTED),
    ] {
        let arch = catalogue::find_arch(arch).unwrap();
        let stages: Vec<&str> = arch.main_exercise().stages().map(|s| s.name()).collect();
        assert_eq!(booted, stages, "{arch}");
    }
    assert_eq!(
        ARCHES.len(),
        5,
        "every architecture has its module of boot tests"
    );
}
