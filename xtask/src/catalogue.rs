// SPDX-License-Identifier: BSD-2-Clause

//! The catalogue: the architectures, each one's exercises, and each exercise's stages. Every
//! command starts from an entry here, and data flows one way from it: catalogue -> stage text
//! (stages.rs) -> image (image.rs) -> boot (boot.rs) -> verdict (boot_check.rs). Names that come
//! from the command line (ARCH=, EXERCISE=, STAGE=) are checked here and nowhere else.

use std::fmt;

/// One architecture the tutorial runs on: its kernel, its Rust target, its boot.
#[derive(Debug, PartialEq, Eq)]
pub struct Arch {
    /// As `make ... ARCH=` takes it, and as the kernel settings (sel4-kernel-config/<name>.cmake)
    /// and the QEMU machine (qemu/<name>.args) are named.
    pub name: &'static str,
    /// rust-sel4's target specification (build/rust-sel4/support/targets/<target>.json).
    pub target: &'static str,
    /// What the architecture maps below its VSpace and with which method, in a learner's words
    /// (for the hint under a compiler error that names another architecture's: names.rs).
    pub structures: &'static str,
    /// The GNU prefix of the kernel's compiler and binutils, on every host (the host's own gcc
    /// provides it for its own architecture): sel4-kernel-config/<name>.cmake sets the same
    /// CROSS_COMPILER_PREFIX, and tools/system-packages.txt says which package provides it.
    pub cross_prefix: &'static str,
    /// The ELF machine (`e_machine`) and class (64-bit or not) of the architecture's programs.
    pub elf: Elf,
    /// The directory of the architecture's cargo package, whose .cargo/config.toml sets the
    /// target, the kernel and the target directory: cargo runs there for this architecture.
    pub dir: &'static str,
    /// That package's name.
    pub package: &'static str,
    /// The package's feature that enables its programs (None: always enabled). Off by default, so
    /// that `cargo check --workspace` for x86_64, as rust-analyzer runs it, skips them.
    pub feature: Option<&'static str>,
    /// rust-sel4's kernel loader, for the architectures QEMU cannot boot seL4 on directly.
    pub loader: Option<Loader>,
    /// Whether QEMU needs a firmware built from source (tools/build-firmware): OpenSBI for
    /// riscv32, which no package has.
    pub firmware: bool,
    /// Whether a root task can count instructions (lib/src/instruction_count.rs) for `make bench`.
    pub counts_instructions: bool,
    /// The debugger that reads this architecture's programs.
    pub gdb: &'static str,
    /// How its hardware reads the tables the kernel writes (`make walk`); `None` for a kernel
    /// nothing walks (the suite's own kernels, [`SUITE_ONLY`]).
    pub paging: Option<TableFormat>,
    /// A kernel the paging-semantics suite alone boots ([`SUITE_ONLY`]): its root tasks are built
    /// in its architecture's package (`dir`), against its own kernel and in its own target
    /// directory (project.rs, `Project::cargo`).
    pub suite_only: bool,
    /// The main exercise first, then the further ones.
    pub exercises: &'static [Exercise],
}

/// The format of an architecture's translation tables, as seL4 16 configures them here
/// (sel4-kernel-config/<arch>.cmake); walk::tables decodes each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    /// x86-64 4-level paging: PML4, PDPT, page directory, page table; 8-byte entries.
    X86_64,
    /// ARMv8 stage-2 tables with a 4 KiB granule, 44-bit addresses: the hypervisor kernel's user
    /// VSpaces (KernelArmHypervisorSupport); 8-byte entries.
    Aarch64Stage2,
    /// ARMv7 short descriptors: a page directory of 4096 entries, page tables of 256; 4 bytes each.
    Aarch32Short,
    /// RISC-V Sv39: three levels of 512 entries, 8 bytes each.
    Sv39,
    /// RISC-V Sv32: two levels of 1024 entries, 4 bytes each.
    Sv32,
}

/// An ELF file's machine and class.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct Elf {
    pub machine: u16,
    pub is_64: bool,
}

/// How rust-sel4's kernel loader (sel4-kernel-loader) is built for an architecture. The C
/// compiler for its assembly is the kernel's cross compiler (sel4-kernel-config/<arch>.cmake).
#[derive(Debug, PartialEq, Eq)]
pub struct Loader {
    /// A built-in Rust target (bare metal).
    pub target: &'static str,
    /// Flags for the C compiler that builds its assembly, where the target needs them.
    pub cflags: Option<&'static str>,
    /// A patch to rust-sel4's loader (relative to the project's top directory), applied to a copy
    /// of it for this kernel alone (loader.rs), where the pinned loader cannot boot the kernel.
    pub patch: Option<&'static str>,
}

/// One learner file and the states it goes through.
#[derive(Debug, PartialEq, Eq)]
pub struct Exercise {
    /// `mapping` for the main exercise; what `make simulate EXERCISE=...` takes.
    pub name: &'static str,
    /// The learner's file, relative to the project's top directory.
    pub file: &'static str,
    /// The program (cargo binary) built from `file`.
    pub bin: &'static str,
    pub stages: &'static [Stage],
}

/// One state of an exercise file: the first `todos_done` TODO solutions uncommented.
#[derive(Debug, PartialEq, Eq)]
pub struct Stage {
    /// Unique within its architecture: a further exercise's stages start with its name.
    pub name: &'static str,
    pub todos_done: usize,
    /// What this stage shows, in a few words.
    pub summary: &'static str,
}

const fn stage(name: &'static str, todos_done: usize, summary: &'static str) -> Stage {
    Stage {
        name,
        todos_done,
        summary,
    }
}

/// The unmapping exercise, the same on every architecture (`file` is its architecture's).
const fn unmapping(file: &'static str) -> Exercise {
    Exercise {
        name: "unmapping",
        file,
        bin: "unmapping",
        stages: UNMAPPING_STAGES,
    }
}

const UNMAPPING_STAGES: &[Stage] = &[
    stage(
        "unmapping-start",
        0,
        "every structure and the page mapped: x reads back",
    ),
    stage(
        "unmapping-page",
        1,
        "the page is unmapped: reading x is a VM fault",
    ),
    stage(
        "unmapping-page-again",
        2,
        "the same page mapped again: x is still 5",
    ),
    stage(
        "unmapping-table",
        3,
        "the page table is unmapped: the page under it goes too, a VM fault",
    ),
    stage(
        "unmapping-table-again",
        4,
        "the page table and then the page mapped again: x is still 5",
    ),
    stage(
        "unmapping-delete",
        5,
        "the page table's last capability deleted: a VM fault again",
    ),
    stage(
        "unmapping-new-table",
        6,
        "a new page table, and the page mapped again: x is still 5",
    ),
];

/// The rights exercise, the same on every architecture (`file` is its architecture's).
const fn rights(file: &'static str) -> Exercise {
    Exercise {
        name: "rights",
        file,
        bin: "rights",
        stages: RIGHTS_STAGES,
    }
}

const RIGHTS_STAGES: &[Stage] = &[
    stage(
        "rights-start",
        0,
        "the page mapped read-only: reading works, writing is a VM fault",
    ),
    stage(
        "rights-read-write",
        1,
        "remapped read-write: reading and writing work",
    ),
    stage(
        "rights-write-only",
        2,
        "remapped write-only: the kernel maps it for itself only, so reading faults",
    ),
];

/// The remap stage, which ends every architecture's main exercise.
const REMAP: &str = "the frame is remapped read-write, so the write succeeds";

/// The aarch64 tutorial's kernel: at EL2 (hypervisor support), where rust-sel4's loader enters
/// it. A const, so that the suite's EL1 kernel ([`SUITE_ONLY`]) is this entry with what differs.
const AARCH64: Arch = Arch {
    name: "aarch64",
    target: "aarch64-sel4",
    structures: "every level below the VSpace is a page table (`sel4::cap_type::PT`): `pt_l2.pt_map(...)`",
    cross_prefix: "aarch64-linux-gnu-",
    elf: Elf {
        machine: object::elf::EM_AARCH64,
        is_64: true,
    },
    dir: "aarch64",
    package: "sel4-mapping-tutorial-aarch64",
    feature: Some("aarch64"),
    loader: Some(Loader {
        target: "aarch64-unknown-none",
        cflags: None,
        patch: None,
    }),
    firmware: false,
    counts_instructions: true,
    gdb: "gdb-multiarch",
    paging: Some(TableFormat::Aarch64Stage2),
    suite_only: false,
    exercises: &[
        Exercise {
            name: "mapping",
            file: "aarch64/src/main.rs",
            bin: "mapping",
            stages: &[
                stage(
                    "start",
                    0,
                    "one page table below the VSpace: the next one is missing (level 30)",
                ),
                stage(
                    "pt-l2",
                    1,
                    "a level-2 page table mapped: the level-3 one is missing (level 21)",
                ),
                stage(
                    "pt-l3",
                    2,
                    "the frame is mapped read-only: writing it is a VM fault",
                ),
                stage("remap", 3, REMAP),
            ],
        },
        Exercise {
            name: "mapper",
            file: "aarch64/src/bin/mapper.rs",
            bin: "mapper",
            stages: &[
                stage(
                    "mapper-start",
                    0,
                    "the first page fails at level 39, and nothing is made for it",
                ),
                stage(
                    "mapper-name",
                    1,
                    "the level names the missing page table: the level-1 one",
                ),
                stage(
                    "mapper-make",
                    2,
                    "a page table made for each missing level: four pages need 3, 2, 1, 0",
                ),
            ],
        },
        unmapping("aarch64/src/bin/unmapping.rs"),
        Exercise {
            name: "page-sizes",
            file: "aarch64/src/bin/page_sizes.rs",
            bin: "page_sizes",
            stages: &[
                stage(
                    "page-sizes-start",
                    0,
                    "no level-2 page table: the 2 MiB page fails at level 30",
                ),
                stage(
                    "page-sizes-large",
                    1,
                    "a 2 MiB page mapped by the level-2 table, with no level-3 table",
                ),
                stage(
                    "page-sizes-huge",
                    2,
                    "and a 1 GiB page mapped by the level-1 table, with no level-2 table",
                ),
            ],
        },
        rights("aarch64/src/bin/rights.rs"),
    ],
};

pub static ARCHES: [Arch; 5] = [
    Arch {
        name: "x86_64",
        target: "x86_64-sel4",
        structures: "the structures below the VSpace are a PDPT (`pdpt.pdpt_map`), a page directory (`pd.page_directory_map`) and a page table (`pt.page_table_map`)",
        cross_prefix: "x86_64-linux-gnu-",
        elf: Elf {
            machine: object::elf::EM_X86_64,
            is_64: true,
        },
        dir: ".",
        package: "sel4-mapping-tutorial",
        feature: None,
        loader: None,
        firmware: false,
        counts_instructions: true,
        gdb: "gdb",
        paging: Some(TableFormat::X86_64),
        suite_only: false,
        exercises: &[
            Exercise {
                name: "mapping",
                file: "src/main.rs",
                bin: "mapping",
                stages: &[
                    stage(
                        "start",
                        0,
                        "only the PDPT is mapped: the page directory is missing (level 30)",
                    ),
                    stage(
                        "pd",
                        1,
                        "PDPT and page directory mapped: the page table is missing (level 21)",
                    ),
                    stage(
                        "pt",
                        2,
                        "the frame is mapped read-only: writing it is a VM fault",
                    ),
                    stage("remap", 3, REMAP),
                ],
            },
            Exercise {
                name: "mapper",
                file: "src/bin/mapper.rs",
                bin: "mapper",
                stages: &[
                    stage(
                        "mapper-start",
                        0,
                        "the first page fails at level 39, and nothing is made for it",
                    ),
                    stage(
                        "mapper-name",
                        1,
                        "the level names the missing structure: the PDPT",
                    ),
                    stage(
                        "mapper-make",
                        2,
                        "each missing structure is made and mapped: four pages need 3, 2, 1, 0",
                    ),
                ],
            },
            unmapping("src/bin/unmapping.rs"),
            Exercise {
                name: "page-sizes",
                file: "src/bin/page_sizes.rs",
                bin: "page_sizes",
                stages: &[
                    stage(
                        "page-sizes-start",
                        0,
                        "no page directory: the 2 MiB page fails at level 30",
                    ),
                    stage(
                        "page-sizes-large",
                        1,
                        "a 2 MiB page mapped by the page directory, with no page table",
                    ),
                    stage(
                        "page-sizes-huge",
                        2,
                        "and a 1 GiB page mapped by the PDPT, with no page directory",
                    ),
                ],
            },
            rights("src/bin/rights.rs"),
        ],
    },
    AARCH64,
    Arch {
        name: "riscv64",
        target: "riscv64imac-sel4",
        structures: "every level below the VSpace is a page table (`sel4::cap_type::PageTable`): `pt_l1.page_table_map(...)`",
        cross_prefix: "riscv64-linux-gnu-",
        elf: Elf {
            machine: object::elf::EM_RISCV,
            is_64: true,
        },
        dir: "riscv64",
        package: "sel4-mapping-tutorial-riscv64",
        feature: Some("riscv64"),
        loader: Some(Loader {
            target: "riscv64imac-unknown-none-elf",
            cflags: None,
            patch: None,
        }),
        firmware: false,
        counts_instructions: true,
        gdb: "gdb-multiarch",
        paging: Some(TableFormat::Sv39),
        suite_only: false,
        exercises: &[
            Exercise {
                name: "mapping",
                file: "riscv64/src/main.rs",
                bin: "mapping",
                stages: &[
                    stage(
                        "start",
                        0,
                        "nothing below the root page table: a level-1 table is missing (level 30)",
                    ),
                    stage(
                        "pt-l1",
                        1,
                        "a level-1 page table mapped: the level-0 one is missing (level 21)",
                    ),
                    stage(
                        "pt-l0",
                        2,
                        "the frame is mapped read-only: writing it is a VM fault",
                    ),
                    stage("remap", 3, REMAP),
                ],
            },
            Exercise {
                name: "mapper",
                file: "riscv64/src/bin/mapper.rs",
                bin: "mapper",
                stages: &[
                    stage(
                        "mapper-start",
                        0,
                        "the first page fails at level 30, and nothing is made for it",
                    ),
                    stage(
                        "mapper-name",
                        1,
                        "the level names the missing page table: the level-1 one",
                    ),
                    stage(
                        "mapper-make",
                        2,
                        "a page table made for each missing level: three pages need 2, 1, 0",
                    ),
                ],
            },
            unmapping("riscv64/src/bin/unmapping.rs"),
            Exercise {
                name: "page-sizes",
                file: "riscv64/src/bin/page_sizes.rs",
                bin: "page_sizes",
                stages: &[
                    stage(
                        "page-sizes-start",
                        0,
                        "nothing below the root: the 2 MiB megapage fails at level 30",
                    ),
                    stage(
                        "page-sizes-mega",
                        1,
                        "a megapage mapped by the level-1 table, with no level-0 table",
                    ),
                    stage(
                        "page-sizes-giga",
                        2,
                        "and a 1 GiB gigapage mapped by the root page table itself",
                    ),
                ],
            },
            rights("riscv64/src/bin/rights.rs"),
        ],
    },
    Arch {
        name: "aarch32",
        target: "armv7a-sel4",
        structures: "one page table (`sel4::cap_type::PT`) below the page directory: `pt.pt_map(...)`",
        cross_prefix: "arm-linux-gnueabihf-",
        elf: Elf {
            machine: object::elf::EM_ARM,
            is_64: false,
        },
        dir: "aarch32",
        package: "sel4-mapping-tutorial-aarch32",
        feature: Some("aarch32"),
        loader: Some(Loader {
            target: "armv7a-none-eabi",
            // The Debian cross compiler's default is the hard-float ABI, which this target's
            // floating-point-less CPU profile refuses ("selected architecture lacks an FPU").
            cflags: Some("-mfloat-abi=soft"),
            patch: None,
        }),
        firmware: false,
        // Its kernel cannot let user mode at the PMU on this board (sel4-kernel-config/aarch32.cmake).
        counts_instructions: false,
        gdb: "gdb-multiarch",
        paging: Some(TableFormat::Aarch32Short),
        suite_only: false,
        exercises: &[
            Exercise {
                name: "mapping",
                file: "aarch32/src/main.rs",
                bin: "mapping",
                stages: &[
                    stage(
                        "start",
                        0,
                        "nothing below the page directory: the page table is missing (level 20)",
                    ),
                    stage(
                        "pt",
                        1,
                        "the frame is mapped read-only: writing it is a VM fault",
                    ),
                    stage("remap", 2, REMAP),
                ],
            },
            Exercise {
                name: "mapper",
                file: "aarch32/src/bin/mapper.rs",
                bin: "mapper",
                stages: &[
                    stage(
                        "mapper-start",
                        0,
                        "the first page fails at level 20, and nothing is made for it",
                    ),
                    stage(
                        "mapper-name",
                        1,
                        "the level names the missing structure: the page table",
                    ),
                    stage(
                        "mapper-make",
                        2,
                        "the page table made when it is missing: two pages need 1, 0",
                    ),
                ],
            },
            unmapping("aarch32/src/bin/unmapping.rs"),
            Exercise {
                name: "page-sizes",
                file: "aarch32/src/bin/page_sizes.rs",
                bin: "page_sizes",
                stages: &[
                    stage(
                        "page-sizes-start",
                        0,
                        "no page table: the 64 KiB large page fails at level 20",
                    ),
                    stage(
                        "page-sizes-large",
                        1,
                        "the 64 KiB page mapped by 16 entries of the page table",
                    ),
                    stage(
                        "page-sizes-sections",
                        2,
                        "and a 1 MiB section and a 16 MiB supersection in the page directory",
                    ),
                ],
            },
            rights("aarch32/src/bin/rights.rs"),
        ],
    },
    Arch {
        name: "riscv32",
        target: "riscv32imac-sel4",
        structures: "one page table (`sel4::cap_type::PageTable`) below the VSpace: `pt.page_table_map(...)`",
        cross_prefix: "riscv64-linux-gnu-",
        elf: Elf {
            machine: object::elf::EM_RISCV,
            is_64: false,
        },
        dir: "riscv32",
        package: "sel4-mapping-tutorial-riscv32",
        feature: Some("riscv32"),
        loader: Some(Loader {
            target: "riscv32imac-unknown-none-elf",
            cflags: None,
            patch: None,
        }),
        firmware: true,
        counts_instructions: true,
        gdb: "gdb-multiarch",
        paging: Some(TableFormat::Sv32),
        suite_only: false,
        exercises: &[
            Exercise {
                name: "mapping",
                file: "riscv32/src/main.rs",
                bin: "mapping",
                stages: &[
                    stage(
                        "start",
                        0,
                        "nothing below the root page table: the level-0 table is missing (level 22)",
                    ),
                    stage(
                        "pt-l0",
                        1,
                        "the frame is mapped read-only: writing it is a VM fault",
                    ),
                    stage("remap", 2, REMAP),
                ],
            },
            Exercise {
                name: "mapper",
                file: "riscv32/src/bin/mapper.rs",
                bin: "mapper",
                stages: &[
                    stage(
                        "mapper-start",
                        0,
                        "the first page fails at level 22, and nothing is made for it",
                    ),
                    stage(
                        "mapper-name",
                        1,
                        "the level names the missing page table: the level-0 one",
                    ),
                    stage(
                        "mapper-make",
                        2,
                        "the page table made when it is missing: two pages need 1, 0",
                    ),
                ],
            },
            unmapping("riscv32/src/bin/unmapping.rs"),
            Exercise {
                name: "page-sizes",
                file: "riscv32/src/bin/page_sizes.rs",
                bin: "page_sizes",
                stages: &[
                    stage(
                        "page-sizes-start",
                        0,
                        "no page table: the 4 KiB page fails at level 22",
                    ),
                    stage(
                        "page-sizes-small",
                        1,
                        "the 4 KiB page mapped by the level-0 page table",
                    ),
                    stage(
                        "page-sizes-mega",
                        2,
                        "and a 4 MiB megapage mapped by the root page table itself",
                    ),
                ],
            },
            rights("riscv32/src/bin/rights.rs"),
        ],
    },
];

/// The kernels the paging-semantics suite boots besides each architecture's own, for the suite
/// alone: no learner command knows them (they have no exercises, and every command but `make
/// semantics` takes its ARCH= from [`ARCHES`]). Each is its architecture's entry with its own
/// name, which names its files as an architecture's do: its kernel settings
/// (sel4-kernel-config/<name>.cmake), its QEMU machine (qemu/<name>.args), its suite's list of
/// cases (paging-semantics/cases/<name>.txt), build/<name>/ and target/<name>/.
pub static SUITE_ONLY: [Arch; 1] = [Arch {
    // aarch64 at EL1, without hypervisor support: the kernel an aarch64 board without EL2 (or a
    // system that keeps EL2 for itself) runs, whose checks differ from the EL2 kernel's where
    // the source says `#ifdef CONFIG_ARM_HYPERVISOR_SUPPORT`. rust-sel4 v5.0.0's loader enters a
    // kernel at EL2 only; its patch leaves EL2 for EL1 first, as seL4's own elfloader does.
    name: "aarch64_el1",
    loader: Some(Loader {
        target: "aarch64-unknown-none",
        cflags: None,
        patch: Some("sel4-kernel-config/aarch64_el1.loader.patch"),
    }),
    paging: None,
    suite_only: true,
    exercises: &[],
    ..AARCH64
}];

/// Every kernel the paging-semantics suite runs on: each architecture's, then [`SUITE_ONLY`], in
/// the order of the generated tables' columns.
pub fn suite_kernels() -> impl Iterator<Item = &'static Arch> {
    ARCHES.iter().chain(SUITE_ONLY.iter())
}

/// Looks a kernel of the suite up by name ([`suite_kernels`]); an empty name is the default
/// architecture's.
pub fn find_suite_kernel(name: &str) -> Result<&'static Arch, CatalogueError> {
    if name.is_empty() {
        return Ok(default_arch());
    }
    suite_kernels()
        .find(|a| a.name == name)
        .ok_or_else(|| CatalogueError::UnknownKernel(name.to_owned()))
}

/// The architecture `make` uses when ARCH= is not given.
pub fn default_arch() -> &'static Arch {
    &ARCHES[0]
}

/// An exercise of an architecture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExerciseRef {
    pub arch: &'static Arch,
    pub exercise: &'static Exercise,
}

/// A stage of an exercise of an architecture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StageRef {
    pub arch: &'static Arch,
    pub exercise: &'static Exercise,
    pub stage: &'static Stage,
}

impl Arch {
    pub fn main_exercise(&'static self) -> ExerciseRef {
        ExerciseRef {
            arch: self,
            exercise: &self.exercises[0],
        }
    }

    pub fn exercises(&'static self) -> impl Iterator<Item = ExerciseRef> {
        self.exercises.iter().map(move |exercise| ExerciseRef {
            arch: self,
            exercise,
        })
    }

    /// Every stage of every exercise, the main exercise's first.
    pub fn stages(&'static self) -> impl Iterator<Item = StageRef> {
        self.exercises().flat_map(|e| e.stages())
    }

    /// The kernel's settings file, relative to the project's top directory.
    pub fn kernel_settings(&self) -> String {
        format!("sel4-kernel-config/{}.cmake", self.name)
    }

    /// The QEMU machine definition, relative to the project's top directory.
    pub fn machine_definition(&self) -> String {
        format!("qemu/{}.args", self.name)
    }

    /// ` ARCH=aarch64` for a command line. Every command the tools print names its
    /// architecture, the default's too, so that a line copied from a run repeats that run.
    pub fn make_arg(&self) -> String {
        format!(" ARCH={}", self.name)
    }

    /// Looks a stage up by name.
    pub fn find_stage(&'static self, name: &str) -> Result<StageRef, CatalogueError> {
        self.stages()
            .find(|s| s.stage.name == name)
            .ok_or_else(|| CatalogueError::UnknownStage {
                arch: self,
                name: name.to_owned(),
            })
    }

    /// Looks an exercise up by name.
    pub fn find_exercise(&'static self, name: &str) -> Result<ExerciseRef, CatalogueError> {
        self.exercises()
            .find(|e| e.exercise.name == name)
            .ok_or_else(|| CatalogueError::UnknownExercise {
                arch: self,
                name: name.to_owned(),
            })
    }

    /// `start, pd, pt, remap; mapper-start, ...`: every stage, exercise by exercise.
    pub fn stage_names(&'static self) -> String {
        self.exercises()
            .map(|e| {
                let names: Vec<&str> = e.exercise.stages.iter().map(|s| s.name).collect();
                names.join(", ")
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn exercise_names(&self) -> String {
        let names: Vec<&str> = self.exercises.iter().map(|e| e.name).collect();
        names.join(", ")
    }
}

impl fmt::Display for Arch {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.name)
    }
}

impl ExerciseRef {
    pub fn stages(self) -> impl Iterator<Item = StageRef> {
        self.exercise.stages.iter().map(move |stage| StageRef {
            arch: self.arch,
            exercise: self.exercise,
            stage,
        })
    }

    pub fn start(self) -> StageRef {
        self.stages().next().expect("an exercise has stages")
    }

    /// The stage with `todos_done` TODOs done.
    pub fn stage(self, todos_done: usize) -> Option<StageRef> {
        self.stages().nth(todos_done)
    }

    /// The number of TODOs its file has.
    pub fn todo_count(self) -> usize {
        self.exercise.stages.len() - 1
    }

    pub fn is_main(self) -> bool {
        std::ptr::eq(self.exercise, &self.arch.exercises[0])
    }

    /// The make options that pick this exercise: ` ARCH=aarch64 EXERCISE=mapper`, ` ARCH=x86_64`.
    pub fn make_args(self) -> String {
        let mut args = self.arch.make_arg();
        if !self.is_main() {
            args.push_str(&format!(" EXERCISE={}", self.exercise.name));
        }
        args
    }

    /// The command that boots this exercise's file as it is.
    pub fn simulate_command(self) -> String {
        format!("make simulate{}", self.make_args())
    }
}

impl StageRef {
    pub fn name(self) -> &'static str {
        self.stage.name
    }

    pub fn exercise(self) -> ExerciseRef {
        ExerciseRef {
            arch: self.arch,
            exercise: self.exercise,
        }
    }

    /// The make options that pick this stage: ` ARCH=aarch64 STAGE=pt-l2`.
    pub fn make_args(self) -> String {
        format!("{} STAGE={}", self.arch.make_arg(), self.stage.name)
    }
}

pub fn arch_names() -> String {
    let names: Vec<&str> = ARCHES.iter().map(|a| a.name).collect();
    names.join(", ")
}

/// Looks an architecture up by name; an empty name is the default one.
pub fn find_arch(name: &str) -> Result<&'static Arch, CatalogueError> {
    if name.is_empty() {
        return Ok(default_arch());
    }
    ARCHES
        .iter()
        .find(|a| a.name == name)
        .ok_or_else(|| CatalogueError::UnknownArch(name.to_owned()))
}

#[derive(Debug, PartialEq, Eq)]
pub enum CatalogueError {
    UnknownArch(String),
    /// A name that is none of the suite's kernels ([`suite_kernels`]).
    UnknownKernel(String),
    UnknownStage {
        arch: &'static Arch,
        name: String,
    },
    UnknownExercise {
        arch: &'static Arch,
        name: String,
    },
}

impl fmt::Display for CatalogueError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Self::UnknownArch(name) => write!(
                f,
                "unknown architecture '{name}'; the architectures are: {}",
                arch_names()
            ),
            Self::UnknownKernel(name) => {
                let names: Vec<&str> = suite_kernels().map(|a| a.name).collect();
                write!(
                    f,
                    "unknown kernel '{name}'; the paging-semantics suite's kernels are: {}",
                    names.join(", ")
                )
            }
            Self::UnknownStage { arch, name } => write!(
                f,
                "unknown stage '{name}' for {arch}; its stages are: {}",
                arch.stage_names()
            ),
            Self::UnknownExercise { arch, name } => write!(
                f,
                "unknown exercise '{name}' for {arch}; its exercises are: {}",
                arch.exercise_names()
            ),
        }
    }
}

impl std::error::Error for CatalogueError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_stages_count_their_todos() {
        let mut arch_names: Vec<&str> = ARCHES.iter().map(|a| a.name).collect();
        arch_names.dedup();
        assert_eq!(arch_names.len(), ARCHES.len());
        for arch in &ARCHES {
            let mut names: Vec<&str> = arch.stages().map(|s| s.name()).collect();
            let count = names.len();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), count, "{arch}: stage names are unique");
            assert_eq!(
                arch.exercises[0].name, "mapping",
                "{arch}: the main exercise first"
            );
            assert_eq!(arch.exercises[0].bin, "mapping", "{arch}");
            for exercise in arch.exercises() {
                assert_eq!(arch.find_exercise(exercise.exercise.name), Ok(exercise));
                assert!(exercise.todo_count() >= 1, "{}", exercise.exercise.name);
                for (k, stage) in exercise.stages().enumerate() {
                    assert_eq!(stage.stage.todos_done, k, "{}", stage.name());
                    assert!(
                        exercise.is_main()
                            || stage
                                .name()
                                .starts_with(&format!("{}-", exercise.exercise.name)),
                        "{} starts with its exercise's name",
                        stage.name()
                    );
                }
                let file = exercise.exercise.file;
                let expected_dir = if arch.dir == "." {
                    "src/".to_owned()
                } else {
                    format!("{}/src/", arch.dir)
                };
                assert!(
                    file.starts_with(&expected_dir),
                    "{file} is in {arch}'s package"
                );
            }
            assert_eq!(arch.feature.is_none(), std::ptr::eq(arch, default_arch()));
        }
    }

    #[test]
    fn unknown_names_are_refused_with_the_valid_ones() {
        let err = find_arch("mips").unwrap_err().to_string();
        assert_eq!(
            err,
            "unknown architecture 'mips'; the architectures are: x86_64, aarch64, riscv64, aarch32, riscv32"
        );
        assert_eq!(find_arch(""), Ok(default_arch()));
        let x86 = find_arch("x86_64").unwrap();
        let err = x86.find_stage("pdpt").unwrap_err().to_string();
        assert!(
            err.starts_with("unknown stage 'pdpt' for x86_64; its stages are: start, pd, pt, remap; mapper-start"),
            "{err}"
        );
        let aarch64 = find_arch("aarch64").unwrap();
        assert!(
            aarch64.find_stage("pd").is_err(),
            "stages belong to their architecture"
        );
        assert_eq!(aarch64.find_stage("pt-l2").unwrap().stage.todos_done, 1);
        let err = x86.find_exercise("paging").unwrap_err().to_string();
        assert!(err.starts_with(
            "unknown exercise 'paging' for x86_64; its exercises are: mapping, mapper"
        ));
    }

    #[test]
    fn the_suite_only_kernels_have_names_of_their_own_and_no_learner_command() {
        let mut names: Vec<&str> = suite_kernels().map(|a| a.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ARCHES.len() + SUITE_ONLY.len());
        for arch in &ARCHES {
            assert!(!arch.suite_only && arch.paging.is_some(), "{arch}");
            assert_eq!(find_suite_kernel(arch.name), Ok(arch));
        }
        for kernel in &SUITE_ONLY {
            assert!(kernel.suite_only && kernel.exercises.is_empty(), "{kernel}");
            assert_eq!(find_suite_kernel(kernel.name), Ok(kernel));
            assert!(
                find_arch(kernel.name).is_err(),
                "no learner command takes {kernel}"
            );
        }
        assert_eq!(find_suite_kernel(""), Ok(default_arch()));
        assert_eq!(
            find_suite_kernel("aarch64_el3").unwrap_err().to_string(),
            "unknown kernel 'aarch64_el3'; the paging-semantics suite's kernels are: x86_64, \
             aarch64, riscv64, aarch32, riscv32, aarch64_el1"
        );
    }

    #[test]
    fn make_arguments_name_the_architecture_the_default_too() {
        let x86 = find_arch("x86_64").unwrap();
        assert_eq!(
            x86.main_exercise().simulate_command(),
            "make simulate ARCH=x86_64"
        );
        let mapper = x86.find_exercise("mapper").unwrap();
        assert_eq!(
            mapper.simulate_command(),
            "make simulate ARCH=x86_64 EXERCISE=mapper"
        );
        let riscv = find_arch("riscv64").unwrap();
        assert_eq!(
            riscv.main_exercise().simulate_command(),
            "make simulate ARCH=riscv64"
        );
        assert_eq!(
            riscv.find_stage("pt-l1").unwrap().make_args(),
            " ARCH=riscv64 STAGE=pt-l1"
        );
    }
}
