// SPDX-License-Identifier: BSD-2-Clause

//! Every stage of every exercise of every architecture, derived from its file, built, booted on
//! that architecture's seL4 kernel under QEMU and checked line by line against
//! tests/expected/<arch>/<stage>.txt; the same boot is then compared with the output and walks
//! the book shows of the stage (docs/book/recorded) and README.md's blocks (xtask::book::recorded). Each architecture's tests are in a module of
//! its name, so that `make test ARCH=<arch>` can pick them (`cargo test <arch>::`).

use xtask::catalogue::{self, ARCHES, StageRef};
use xtask::check::boot_stage;
use xtask::project::Project;

/// Boots `stage`, checks its expected lines (and its walks, where it has them), then its
/// documented output and walks.
fn boot_and_check(project: &Project, stage: StageRef) -> anyhow::Result<()> {
    let passed = boot_stage(project, stage)?;
    xtask::book::recorded::check(project, stage, &passed.image.root_task, &passed.run)?;
    xtask::book::recorded::check_walks(project, stage, &passed.walks)
}

fn boot(arch: &str, stage: &str) {
    let project = Project::here();
    let arch = catalogue::find_arch(arch).unwrap();
    let stage = arch.find_stage(stage).unwrap_or_else(|e| panic!("{e:#}"));
    if let Err(report) = boot_and_check(&project, stage) {
        panic!("{report:#}");
    }
}

/// Every stage of a further exercise, in order; all are booted, and every failure is reported.
fn boot_exercise(arch: &str, name: &str) {
    let project = Project::here();
    let arch = catalogue::find_arch(arch).unwrap();
    let exercise = arch.find_exercise(name).unwrap_or_else(|e| panic!("{e:#}"));
    let failures: Vec<String> = exercise
        .stages()
        .filter_map(|stage| boot_and_check(&project, stage).err())
        .map(|e| format!("{e:#}"))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// One module per architecture: a test per stage of its main exercise, a test per further
/// exercise (booting each of its stages), and the lists of what the module boots (checked against
/// the catalogue below).
macro_rules! arch_tests {
    (
        $arch:ident:
        main { $($test:ident => $stage:literal),+ $(,)? }
        further { $($further_test:ident => $exercise:literal),+ $(,)? }
    ) => {
        mod $arch {
            pub const BOOTED: &[&str] = &[$($stage),+];
            pub const FURTHER: &[&str] = &[$($exercise),+];
            $(
                #[test]
                fn $test() {
                    super::boot(stringify!($arch), $stage);
                }
            )+
            $(
                #[test]
                fn $further_test() {
                    super::boot_exercise(stringify!($arch), $exercise);
                }
            )+
        }
    };
}

arch_tests!(x86_64:
    main {
        stage_start_misses_the_page_directory_at_level_30 => "start",
        stage_pd_misses_the_page_table_at_level_21 => "pd",
        stage_pt_faults_writing_the_read_only_page => "pt",
        stage_remap_writes_the_read_write_page => "remap",
    }
    further {
        mapper_makes_what_each_level_lacks => "mapper",
        unmapping_faults_after_each_unmap_and_maps_again => "unmapping",
        page_sizes_maps_2_mib_and_1_gib_pages => "page-sizes",
        rights_read_only_read_write_and_write_only => "rights",
    }
);

arch_tests!(aarch64:
    main {
        stage_start_misses_the_level_2_page_table_at_level_30 => "start",
        stage_pt_l2_misses_the_level_3_page_table_at_level_21 => "pt-l2",
        stage_pt_l3_faults_writing_the_read_only_page => "pt-l3",
        stage_remap_writes_the_read_write_page => "remap",
    }
    further {
        mapper_makes_a_page_table_for_each_missing_level => "mapper",
        unmapping_faults_after_each_unmap_and_maps_again => "unmapping",
        page_sizes_maps_2_mib_and_1_gib_pages => "page-sizes",
        rights_read_only_read_write_and_write_only => "rights",
    }
);

arch_tests!(riscv64:
    main {
        stage_start_misses_the_level_1_page_table_at_level_30 => "start",
        stage_pt_l1_misses_the_level_0_page_table_at_level_21 => "pt-l1",
        stage_pt_l0_faults_writing_the_read_only_page => "pt-l0",
        stage_remap_writes_the_read_write_page => "remap",
    }
    further {
        mapper_makes_a_page_table_for_each_missing_level => "mapper",
        unmapping_faults_after_each_unmap_and_maps_again => "unmapping",
        page_sizes_maps_a_megapage_and_a_gigapage => "page-sizes",
        rights_read_only_read_write_and_write_only => "rights",
    }
);

arch_tests!(aarch32:
    main {
        stage_start_misses_the_page_table_at_level_20 => "start",
        stage_pt_faults_writing_the_read_only_page => "pt",
        stage_remap_writes_the_read_write_page => "remap",
    }
    further {
        mapper_makes_the_missing_page_table => "mapper",
        unmapping_faults_after_each_unmap_and_maps_again => "unmapping",
        page_sizes_maps_a_large_page_a_section_and_a_supersection => "page-sizes",
        rights_read_only_read_write_and_write_only => "rights",
    }
);

arch_tests!(riscv32:
    main {
        stage_start_misses_the_level_0_page_table_at_level_22 => "start",
        stage_pt_l0_faults_writing_the_read_only_page => "pt-l0",
        stage_remap_writes_the_read_write_page => "remap",
    }
    further {
        mapper_makes_the_missing_page_table => "mapper",
        unmapping_faults_after_each_unmap_and_maps_again => "unmapping",
        page_sizes_maps_a_page_and_a_megapage => "page-sizes",
        rights_read_only_read_write_and_write_only => "rights",
    }
);

#[test]
fn every_stage_and_exercise_has_a_boot_test() {
    for (arch, booted, further) in [
        ("x86_64", x86_64::BOOTED, x86_64::FURTHER),
        ("aarch64", aarch64::BOOTED, aarch64::FURTHER),
        ("riscv64", riscv64::BOOTED, riscv64::FURTHER),
        ("aarch32", aarch32::BOOTED, aarch32::FURTHER),
        ("riscv32", riscv32::BOOTED, riscv32::FURTHER),
    ] {
        let arch = catalogue::find_arch(arch).unwrap();
        let stages: Vec<&str> = arch.main_exercise().stages().map(|s| s.name()).collect();
        assert_eq!(booted, stages, "{arch}");
        let exercises: Vec<&str> = arch.exercises().skip(1).map(|e| e.exercise.name).collect();
        assert_eq!(further, exercises, "{arch}");
    }
    assert_eq!(
        ARCHES.len(),
        5,
        "every architecture has its module of boot tests"
    );
}
