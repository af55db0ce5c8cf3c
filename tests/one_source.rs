// SPDX-License-Identifier: BSD-2-Clause

//! One source for every fact: the catalogue (xtask/src/catalogue.rs) names the architectures,
//! their exercises and stages; xtask's commands have the defaults and the help. Every other file
//! that must list them too is checked against them here, and a disagreement names the file and
//! the line. A new architecture is then its catalogue entry, its kernel settings, its QEMU
//! machine and its learner files, and whatever these tests point to.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

mod common;

use xtask::catalogue::{ARCHES, SUITE_ONLY, default_arch, suite_kernels};
use xtask::project::Project;
use xtask::support::toolchain::cmake_setting;

fn toml(file: &str) -> toml::Table {
    common::read(file)
        .parse()
        .unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// `file:line` of the first line of `file` that contains `needle` (or the file alone).
fn place(file: &str, needle: &str) -> String {
    match common::read(file).lines().position(|l| l.contains(needle)) {
        Some(n) => format!("{file}:{}", n + 1),
        None => file.to_owned(),
    }
}

fn names() -> BTreeSet<String> {
    ARCHES.iter().map(|a| a.name.to_owned()).collect()
}

/// The kernels of the paging-semantics suite: each architecture's, and those it alone boots.
fn kernel_names() -> BTreeSet<String> {
    suite_kernels().map(|a| a.name.to_owned()).collect()
}

/// Asserts that `found` (listed in `file`) is the catalogue's `expected`, naming the line of each
/// name that is only in one of them.
fn assert_same(file: &str, what: &str, found: &BTreeSet<String>, expected: &BTreeSet<String>) {
    let extra: Vec<String> = found
        .difference(expected)
        .map(|n| format!("{}: {n} is not in the catalogue", place(file, n)))
        .collect();
    let missing: Vec<String> = expected
        .difference(found)
        .map(|n| format!("{file}: {what} has no {n}"))
        .collect();
    assert!(
        extra.is_empty() && missing.is_empty(),
        "{what} disagrees with xtask/src/catalogue.rs:\n{}",
        [extra, missing].concat().join("\n")
    );
}

/// The files named after each kernel: its settings, its QEMU machine, its suite's list of cases
/// (every kernel's, the suite's own included), and each architecture's expected logs; each
/// exactly the catalogue's, no more. The kernel settings' directory holds nothing else but the
/// loader patches the catalogue names.
#[test]
fn every_directory_of_per_architecture_files_has_the_catalogues_architectures() {
    let root = Project::here().root().to_owned();
    for (dir, suffix, expected) in [
        ("sel4-kernel-config", ".cmake", kernel_names()),
        ("qemu", ".args", kernel_names()),
        ("tests/expected", "", names()),
        ("paging-semantics/cases", ".txt", kernel_names()),
    ] {
        let found: BTreeSet<String> = fs::read_dir(root.join(dir))
            .unwrap()
            .filter_map(|e| {
                let name = e.unwrap().file_name().to_string_lossy().into_owned();
                name.strip_suffix(suffix).map(str::to_owned)
            })
            .collect();
        assert_same(dir, dir, &found, &expected);
    }
    let patches: BTreeSet<String> = suite_kernels()
        .filter_map(|a| a.loader.as_ref()?.patch)
        .map(str::to_owned)
        .collect();
    let others: BTreeSet<String> = fs::read_dir(root.join("sel4-kernel-config"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !name.ends_with(".cmake"))
        .map(|name| format!("sel4-kernel-config/{name}"))
        .collect();
    assert_same(
        "sel4-kernel-config",
        "the loader patches",
        &others,
        &patches,
    );
}

/// A kernel the suite alone boots is its architecture's kernel with hypervisor support off, and
/// nothing else changed: what the suite finds different there comes from that setting alone.
#[test]
fn a_suite_only_kernels_settings_are_its_architectures_but_for_hypervisor_support() {
    let settings = |file: &str| -> BTreeSet<String> {
        common::read(file)
            .lines()
            .filter(|l| l.starts_with("set("))
            .map(str::to_owned)
            .collect()
    };
    for kernel in SUITE_ONLY.iter() {
        let arch = ARCHES
            .iter()
            .find(|a| a.target == kernel.target && a.dir == kernel.dir)
            .unwrap_or_else(|| panic!("{kernel}: no architecture builds in its package"));
        let (own, base) = (
            settings(&kernel.kernel_settings()),
            settings(&arch.kernel_settings()),
        );
        let differ: Vec<&String> = own.symmetric_difference(&base).collect();
        assert_eq!(
            differ,
            [
                "set(KernelArmHypervisorSupport OFF CACHE BOOL \"\")",
                "set(KernelArmHypervisorSupport ON CACHE BOOL \"\")"
            ],
            "{} and {}",
            kernel.kernel_settings(),
            arch.kernel_settings()
        );
    }
}

/// Each kernel's settings name the catalogue's compiler prefix.
#[test]
fn each_kernels_settings_name_the_catalogues_cross_compiler() {
    for arch in suite_kernels() {
        let file = arch.kernel_settings();
        let prefix = cmake_setting(&common::read(&file), "CROSS_COMPILER_PREFIX");
        assert_eq!(
            prefix.as_deref(),
            Some(arch.cross_prefix),
            "{}: CROSS_COMPILER_PREFIX is not {arch}'s, {}",
            place(&file, "CROSS_COMPILER_PREFIX"),
            arch.cross_prefix
        );
    }
}

/// Every stage has its expected log and walk, and each of those is a stage's; every exercise file
/// ships, and every shipped file is an exercise's.
#[test]
fn every_stage_has_its_expected_log_and_walk_and_every_exercise_its_shipped_file() {
    let project = Project::here();
    let root = project.root();
    for arch in ARCHES.iter() {
        let dir = format!("tests/expected/{arch}");
        let found: BTreeSet<String> = fs::read_dir(root.join(&dir))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        // Each stage's lines and walks.
        let expected: BTreeSet<String> = arch
            .stages()
            .flat_map(|s| [format!("{}.txt", s.name()), format!("{}.walk", s.name())])
            .collect();
        assert_same(&dir, &format!("{dir}/"), &found, &expected);
    }
    let mut shipped = BTreeSet::new();
    let mut stack = vec![root.join("shipped")];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let file = path.strip_prefix(root.join("shipped")).unwrap();
                shipped.insert(file.display().to_string());
            }
        }
    }
    let exercises: BTreeSet<String> = ARCHES
        .iter()
        .flat_map(|a| a.exercises())
        .map(|e| e.exercise.file.to_owned())
        .collect();
    assert_same("shipped", "shipped/", &shipped, &exercises);
}

/// The workspace (Cargo.toml): a member for each architecture's package, the learners' profile
/// for each (opt-level 1 and full debug information), and nothing for an architecture the
/// catalogue does not have; each package's manifest names the catalogue's package and feature.
#[test]
fn the_workspace_has_each_architectures_package_and_profile() {
    let cargo = toml("Cargo.toml");
    let members: BTreeSet<String> = cargo["workspace"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_owned())
        .collect();
    // The crates every architecture shares.
    let shared: BTreeSet<String> = ["lib", "paging-semantics", "bench-map-unmap"]
        .map(str::to_owned)
        .into();
    let arch_members: BTreeSet<String> = members.difference(&shared).cloned().collect();
    let dirs: BTreeSet<String> = ARCHES
        .iter()
        .filter(|a| a.dir != ".")
        .map(|a| a.dir.to_owned())
        .collect();
    assert_same("Cargo.toml", "[workspace] members", &arch_members, &dirs);

    // Each exercise package's own settings, and one entry for every package they stand on.
    let profiles: BTreeSet<String> = cargo["profile"]["dev"]["package"]
        .as_table()
        .unwrap()
        .keys()
        .filter(|name| *name != "*")
        .cloned()
        .collect();
    assert_eq!(
        cargo["profile"]["dev"]["package"]["*"]["debug"].as_bool(),
        Some(false),
        "{}",
        place("Cargo.toml", "[profile.dev.package.\"*\"]")
    );
    let packages: BTreeSet<String> = ARCHES.iter().map(|a| a.package.to_owned()).collect();
    assert_same("Cargo.toml", "[profile.dev.package]", &profiles, &packages);
    for arch in ARCHES.iter() {
        let profile = &cargo["profile"]["dev"]["package"][arch.package];
        assert_eq!(
            profile["opt-level"].as_integer(),
            Some(1),
            "{}",
            place("Cargo.toml", arch.package)
        );
        assert_eq!(
            profile["debug"].as_str(),
            Some("full"),
            "{}",
            place("Cargo.toml", arch.package)
        );
        assert_eq!(
            profile["codegen-units"].as_integer(),
            Some(1),
            "{}",
            place("Cargo.toml", arch.package)
        );
        let manifest_file = format!("{}/Cargo.toml", arch.dir).replace("./", "");
        let manifest = toml(&manifest_file);
        assert_eq!(
            manifest["package"]["name"].as_str(),
            Some(arch.package),
            "{}: not {arch}'s package",
            place(&manifest_file, "name =")
        );
        let features = manifest.get("features").and_then(|f| f.as_table());
        assert_eq!(
            arch.feature
                .is_some_and(|f| features.is_some_and(|t| t.contains_key(f))),
            arch.feature.is_some(),
            "{manifest_file}: no feature {:?}",
            arch.feature
        );
    }
}

/// The cargo settings: the project's (.cargo/config.toml) for the default architecture, with a
/// linker table for every architecture's target; each other architecture's over them, with its
/// target, target directory and kernel as the catalogue and project.rs have them.
#[test]
fn the_cargo_settings_name_each_architectures_target_directory_and_kernel() {
    let project = Project::here();
    let top = toml(".cargo/config.toml");
    let tables: BTreeSet<String> = top["target"].as_table().unwrap().keys().cloned().collect();
    let targets: BTreeSet<String> = ARCHES.iter().map(|a| a.target.to_owned()).collect();
    assert_same(".cargo/config.toml", "[target.*]", &tables, &targets);
    for arch in ARCHES.iter() {
        let (file, settings, up) = match arch.dir {
            "." => (".cargo/config.toml".to_owned(), top.clone(), ""),
            dir => (
                format!("{dir}/.cargo/config.toml"),
                toml(&format!("{dir}/.cargo/config.toml")),
                "../",
            ),
        };
        let check = |value: Option<&str>, expected: String, key: &str| {
            assert_eq!(
                value,
                Some(expected.as_str()),
                "{}: {key} is not {arch}'s",
                place(&file, key)
            );
        };
        check(
            settings["build"]["target"].as_str(),
            format!("{up}build/rust-sel4/support/targets/{}.json", arch.target),
            "target =",
        );
        let relative = |path: &Path| {
            format!(
                "{up}{}",
                path.strip_prefix(project.root()).unwrap().display()
            )
        };
        check(
            settings["build"]["target-dir"].as_str(),
            relative(&project.target_dir(arch)),
            "target-dir",
        );
        check(
            settings["env"]["SEL4_PREFIX"]["value"].as_str(),
            relative(&project.kernel_prefix(arch)),
            "SEL4_PREFIX",
        );
    }
}

/// The tests' per-architecture modules (`make test ARCH=` picks them by name), the suite's own
/// list of architectures, and the learners' files that git ignores.
#[test]
fn the_tests_the_suite_and_gitignore_list_the_catalogues_architectures() {
    let words_after = |file: &str, start: &str, end: char| -> BTreeSet<String> {
        common::read(file)
            .lines()
            .filter_map(|l| l.trim().strip_prefix(start))
            .filter_map(|rest| rest.split(end).next())
            .map(|w| w.trim().to_owned())
            .collect()
    };
    assert_same(
        "tests/stages.rs",
        "arch_tests!",
        &words_after("tests/stages.rs", "arch_tests!(", ':'),
        &names(),
    );
    for (file, expected) in [
        ("tests/paging_semantics.rs", kernel_names()),
        ("tests/walk.rs", names()),
    ] {
        let text = common::read(file);
        let per_arch = &text[text.find("per_arch! {").unwrap()..];
        let listed: BTreeSet<String> = per_arch[..per_arch.find('}').unwrap()]
            .lines()
            .skip(1)
            .map(|w| w.trim().trim_end_matches(',').to_owned())
            .filter(|w| !w.is_empty())
            .collect();
        assert_same(file, "per_arch!", &listed, &expected);
    }

    let case = common::read("paging-semantics/src/case.rs");
    let body = &case[case.find("pub enum Arch {").unwrap()..];
    let variants: BTreeSet<String> = body[..body.find('}').unwrap()]
        .lines()
        .skip(1)
        .map(|l| l.trim().trim_end_matches(',').to_owned())
        .filter(|v| !v.is_empty() && !v.starts_with("//"))
        // The groups the cases name too.
        .filter(|v| !["riscv", "arm", "other"].contains(&v.as_str()))
        .collect();
    assert_same(
        "paging-semantics/src/case.rs",
        "enum Arch",
        &variants,
        &kernel_names(),
    );

    let ignored: BTreeSet<String> = common::read(".gitignore")
        .lines()
        .filter_map(|l| l.strip_prefix('/').and_then(|l| l.strip_suffix("/src/")))
        .map(str::to_owned)
        .collect();
    let dirs: BTreeSet<String> = ARCHES
        .iter()
        .filter(|a| a.dir != ".")
        .map(|a| a.dir.to_owned())
        .collect();
    assert_same(".gitignore", "the learners' files", &ignored, &dirs);
}

/// Where the documents spell the list of architectures out, it is the catalogue's, in its order.
#[test]
fn the_documents_list_of_architectures_is_the_catalogues() {
    let list = ARCHES.iter().map(|a| a.name).collect::<Vec<_>>().join("|");
    for file in ["README.md", "Makefile"] {
        for (n, line) in common::read(file).lines().enumerate() {
            if let Some(at) = line.find("ARCH=x86_64|") {
                let written: String = line[at + 5..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '|')
                    .collect();
                assert_eq!(
                    written,
                    list,
                    "{file}:{}: not the catalogue's architectures",
                    n + 1
                );
            }
        }
    }
    assert_eq!(
        default_arch().name,
        "x86_64",
        "the documents name x86_64 as the default"
    );
}

/// The Makefile's list of commands (its header, which `make help` prints) is xtask's, and its
/// `make clean` removes what xtask's does.
#[test]
fn the_makefiles_help_and_clean_are_xtasks() {
    let makefile = common::read("Makefile");
    let header: Vec<&str> = makefile
        .lines()
        .filter_map(|l| l.strip_prefix("#   "))
        .collect();
    let help = xtask::commands::help::make_help();
    let expected: Vec<&str> = help.lines().collect();
    for (k, (found, wanted)) in header.iter().zip(&expected).enumerate() {
        assert_eq!(
            found.trim_end(),
            wanted.trim_end(),
            "{}: the help's line {} is not `tools/xtask help`'s",
            place("Makefile", found),
            k + 1
        );
    }
    assert_eq!(
        header.len(),
        expected.len(),
        "Makefile: the help has not `tools/xtask help`'s lines"
    );
    let clean = format!("rm -rf {}", xtask::commands::clean::BUILT.join(" "));
    assert!(
        makefile.contains(&format!("\t{clean}\n")),
        "Makefile: `make clean` is not `{clean}`"
    );
}
