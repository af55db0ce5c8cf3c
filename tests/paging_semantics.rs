// SPDX-License-Identifier: BSD-2-Clause

//! The paging-semantics suite (paging-semantics/), booted on each of its kernels under QEMU (each
//! architecture's, and the ones it alone boots: catalogue::suite_kernels): every case gets the
//! answer it expects from that kernel, each refusal from the source line it names, and the cases
//! that ran are exactly the kernel's list (paging-semantics/cases/<kernel>.txt): a case lost from
//! the suite (a `#[cfg]` too narrow, a topic left out) fails by name, and a new case is added to
//! the list on purpose. Both generated tables (docs/kernel-semantics-cases.md and -coverage.md) are
//! held to every boot, the coverage table's rows to the error sites of the pinned source, and its
//! kernel references to that source.

use std::collections::BTreeSet;

use xtask::boot::BOOT_TIMEOUT;
use xtask::catalogue;
use xtask::project::Project;
use xtask::semantics;
use xtask::semantics::coverage;
use xtask::support::process::Output;

/// One module per kernel: each architecture's, then those the suite alone boots
/// (catalogue::suite_kernels).
macro_rules! per_arch {
    ($($arch:ident,)+) => {$(
        mod $arch {
            #[test]
            fn every_case_gets_the_kernel_answer_it_expects() {
                super::every_case_gets_the_kernel_answer_it_expects(stringify!($arch));
            }
            #[test]
            fn a_wrong_fault_status_cap_index_or_missing_warning_fails_its_case() {
                super::a_wrong_fault_status_cap_index_or_missing_warning_fails_its_case(
                    stringify!($arch),
                );
            }
        }
    )+};
}

per_arch! {
    x86_64,
    aarch64,
    riscv64,
    aarch32,
    riscv32,
    aarch64_el1,
}

/// The suite built with its `mutation` feature: exactly the three cases made wrong fail, each for
/// what was made wrong, and the report otherwise adds up.
fn a_wrong_fault_status_cap_index_or_missing_warning_fails_its_case(arch: &str) {
    let project = Project::here();
    let arch = catalogue::find_suite_kernel(arch).unwrap();
    let booted =
        semantics::boot_mutated(&project, arch, BOOT_TIMEOUT).unwrap_or_else(|e| panic!("{e:#}"));
    let failures = booted.report.failures();
    let failure = |name: &str| {
        failures
            .iter()
            .find(|f| f.starts_with(&format!("{name}: ")))
            .unwrap_or_else(|| panic!("{arch}: {name} did not fail: {failures:#?}"))
            .as_str()
    };
    let [status, index, warning] = semantics::MUTATED.map(failure);
    assert_eq!(
        failures.len(),
        3,
        "{arch}: only the three fail: {failures:#?}"
    );
    assert!(status.contains("expected a VM fault: a read"), "{status}");
    assert!(
        index.contains(
            "expected seL4_InvalidCapability (capability 0), got seL4_InvalidCapability (capability 1)"
        ),
        "{index}"
    );
    assert!(
        warning.contains("the kernel printed \"Attempted to make unsupported write only mapping\""),
        "{warning}"
    );
    assert!(
        booted.report.inconsistencies().is_empty(),
        "{arch}: {:?}",
        booted.report.inconsistencies()
    );
}

/// The architecture's list of cases: `topic::case` a line.
fn case_list(project: &Project, arch: &str) -> (String, BTreeSet<String>) {
    let path = project
        .root()
        .join("paging-semantics/cases")
        .join(format!("{arch}.txt"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let shown = format!("paging-semantics/cases/{arch}.txt");
    let names = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect();
    (shown, names)
}

fn every_case_gets_the_kernel_answer_it_expects(arch: &str) {
    let project = Project::here();
    let (list, listed) = case_list(&project, arch);
    let arch = catalogue::find_suite_kernel(arch).unwrap();
    let booted = semantics::boot(&project, arch, Output::Captured, false, BOOT_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e:#}"));
    if let Some(message) = semantics::verdict(&booted) {
        panic!("{message}");
    }
    // The generated table's column for this kernel is what this kernel answered.
    let table_path = project.docs_semantics_cases();
    let table = std::fs::read_to_string(&table_path)
        .unwrap_or_else(|e| panic!("{}: {e}: run `make semantics`", table_path.display()));
    let wrong = semantics::report::column_disagreements(&table, arch.name, &booted.report);
    assert!(
        wrong.is_empty(),
        "docs/kernel-semantics-cases.md disagrees with the {arch} kernel (`make semantics` makes it again):\n{}",
        wrong.join("\n")
    );
    // Every error site of this kernel's VSpace decoders is reached, or said unreachable, and the
    // coverage table's column for it is what this boot reached.
    let unreachable = coverage::unreachable(&project).unwrap_or_else(|e| panic!("{e:#}"));
    let kernel = coverage::Kernel::load(&project, arch).unwrap_or_else(|e| panic!("{e:#}"));
    let column = coverage::column(&kernel, &booted.report, &unreachable);
    let problems = column.problems(&unreachable);
    assert!(
        problems.is_empty(),
        "{arch}: error sites (paging-semantics/unreachable.txt, xtask/src/semantics/coverage.rs):\n{}",
        problems.join("\n")
    );
    let coverage_path = project.docs_semantics_coverage();
    let coverage_table = std::fs::read_to_string(&coverage_path)
        .unwrap_or_else(|e| panic!("{}: {e}: run `make semantics`", coverage_path.display()));
    let wrong = coverage::column_disagreements(&coverage_table, &column);
    assert!(
        wrong.is_empty(),
        "docs/kernel-semantics-coverage.md disagrees with the {arch} kernel (`make semantics` makes it again):\n{}",
        wrong.join("\n")
    );
    let ran: BTreeSet<String> = booted
        .report
        .names()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let mut wrong: Vec<String> = listed
        .difference(&ran)
        .map(|name| format!("{name} is in {list} but did not run"))
        .collect();
    wrong.extend(
        ran.difference(&listed)
            .map(|name| format!("{name} ran but is not in {list}: add it there")),
    );
    assert!(
        wrong.is_empty(),
        "{arch}: {}\nthe log is {}",
        wrong.join("\n"),
        booted.run.log_path.display()
    );
}

/// A case's kernel reference, `x86/kernel/vspace.c decodeX86FrameInvocation -> checkVPAlignment:
/// why`: a file (below the kernel's src/arch/, or src/) and the function in it that decides the
/// case, then the functions it calls on the way (`->`, or `/` for another), which may be in other
/// files. `None` for a literal that is no file reference ("hardware: ...").
fn kernel_reference(literal: &str) -> Option<(&str, Vec<&str>)> {
    let (path, rest) = literal.split_once(' ')?;
    // An error site's line (`vspace.c:1573`): the boot holds it to the source (coverage.rs).
    let path = match path.rsplit_once(':') {
        Some((file, line)) if line.bytes().all(|b| b.is_ascii_digit()) => file,
        _ => path,
    };
    let is_path = (path.ends_with(".c") || path.ends_with(".h"))
        && path
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_/.".contains(c));
    if !is_path {
        return None;
    }
    let identifier = |text: &str| -> usize {
        text.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(text.len())
    };
    let mut functions = Vec::new();
    let mut rest = rest;
    loop {
        let end = identifier(rest);
        functions.push(&rest[..end]);
        rest = &rest[end..];
        match [" -> ", " / "].iter().find(|sep| rest.starts_with(**sep)) {
            Some(sep) => rest = &rest[sep.len()..],
            None => break,
        }
    }
    Some((path, functions))
}

/// Whether `text` (C source) has a call or definition of `function`.
fn names_function(text: &str, function: &str) -> bool {
    text.match_indices(function).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + function.len()..].trim_start_matches([' ', '\t']);
        !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') && after.starts_with('(')
    })
}

/// Every kernel reference beside a case names a file of the pinned kernel source and a function
/// in that file, and each function it goes on to is in the kernel source: a reference cannot
/// point at nothing.
#[test]
fn every_kernel_reference_names_a_function_of_the_pinned_kernel() {
    let project = Project::here();
    let kernel = project.sel4_src();
    let sources: Vec<(std::path::PathBuf, String)> = ["src", "include"]
        .iter()
        .flat_map(|dir| walk(&kernel.join(dir)))
        .filter(|p| p.extension().is_some_and(|e| e == "c" || e == "h"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p, text)
        })
        .collect();
    assert!(
        sources.len() > 100,
        "no kernel source in {} (make test fetches it)",
        kernel.display()
    );
    let mut checked = 0;
    let mut wrong = Vec::new();
    for file in walk(&project.root().join("paging-semantics/src")) {
        let text = std::fs::read_to_string(&file).unwrap();
        let shown = file
            .strip_prefix(project.root())
            .unwrap()
            .display()
            .to_string();
        for (_, literal) in text.split('"').enumerate().filter(|(k, _)| k % 2 == 1) {
            let Some((path, functions)) = kernel_reference(literal) else {
                continue;
            };
            checked += 1;
            let Some((_, c)) = sources.iter().find(|(p, _)| {
                p.ends_with(path)
                    && (p.starts_with(kernel.join("src/arch").join(path))
                        || p.starts_with(kernel.join("src").join(path)))
            }) else {
                wrong.push(format!(
                    "{shown}: \"{literal}\": no {path} in the kernel source"
                ));
                continue;
            };
            if !names_function(c, functions[0]) {
                wrong.push(format!(
                    "{shown}: \"{literal}\": {path} has no {}",
                    functions[0]
                ));
            }
            for function in &functions[1..] {
                if !sources.iter().any(|(_, c)| names_function(c, function)) {
                    wrong.push(format!(
                        "{shown}: \"{literal}\": the kernel source has no {function}"
                    ));
                }
            }
        }
    }
    assert!(checked > 100, "only {checked} kernel references found");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn kernel_references_are_read_as_written() {
    assert_eq!(
        kernel_reference("x86/object/objecttype.c Arch_finaliseCap -> unmapPage: why"),
        Some((
            "x86/object/objecttype.c",
            vec!["Arch_finaliseCap", "unmapPage"]
        ))
    );
    assert_eq!(
        kernel_reference("object/untyped.c resetUntypedCap / retype: cleared"),
        Some(("object/untyped.c", vec!["resetUntypedCap", "retype"]))
    );
    assert_eq!(
        kernel_reference("x86/64/kernel/vspace.c lookupPDSlot, via createSafeMappingEntries_PDE"),
        Some(("x86/64/kernel/vspace.c", vec!["lookupPDSlot"]))
    );
    assert_eq!(
        kernel_reference("x86/kernel/vspace.c:1005 decodeX86FrameInvocation: too high"),
        Some(("x86/kernel/vspace.c", vec!["decodeX86FrameInvocation"]))
    );
    assert_eq!(kernel_reference("hardware: no valid entry"), None);
    assert!(names_function(
        "x = lookupPDPTSlot (a, b);",
        "lookupPDPTSlot"
    ));
    assert!(!names_function("lookupPDPTSlot_ret_t r;", "lookupPDPTSlot"));
    assert!(!names_function("x = xlookupPDPTSlot(a);", "lookupPDPTSlot"));
}

/// docs/kernel-semantics.md gives each architecture's count of cases: its list's.
#[test]
fn the_documented_case_counts_are_the_lists() {
    let project = Project::here();
    let doc = std::fs::read_to_string(project.root().join("docs/kernel-semantics.md")).unwrap();
    let intro: String = doc.lines().take(12).collect::<Vec<_>>().join(" ");
    for arch in catalogue::suite_kernels() {
        let (list, names) = case_list(&project, arch.name);
        let n = names.len();
        assert!(
            intro.contains(&format!("{n} cases on {arch}"))
                || intro.contains(&format!("{n} on {arch}")),
            "docs/kernel-semantics.md does not say {n} cases on {arch}, as {list} has"
        );
    }
}

/// The coverage table has a row for every error site of every kernel's VSpace decoders, read
/// from the pinned source as each kernel's configuration compiles it, and for nothing else; each
/// entry of the unreachable list names a site of a kernel it applies to.
#[test]
fn the_coverage_table_has_a_row_for_every_error_site_of_the_pinned_source() {
    let project = Project::here();
    let unreachable = coverage::unreachable(&project).unwrap_or_else(|e| panic!("{e:#}"));
    let mut sites = BTreeSet::new();
    let mut of_kernel = Vec::new();
    for arch in catalogue::suite_kernels() {
        // The kernel's configuration is its build's (seconds; make test builds them anyway).
        xtask::image::kernel::ensure(&project, arch, Output::Captured)
            .unwrap_or_else(|e| panic!("{e:#}"));
        let kernel = coverage::Kernel::load(&project, arch).unwrap_or_else(|e| panic!("{e:#}"));
        let keys: BTreeSet<String> = kernel.sites.iter().map(|s| s.key()).collect();
        assert!(keys.len() > 30, "{arch}: only {} error sites", keys.len());
        sites.extend(keys.iter().cloned());
        of_kernel.push((arch.name, keys));
    }
    let path = project.docs_semantics_coverage();
    let table = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}: run `make semantics`", path.display()));
    let rows: BTreeSet<String> = coverage::table_rows(&table).into_iter().collect();
    let missing: Vec<&String> = sites.difference(&rows).collect();
    let extra: Vec<&String> = rows.difference(&sites).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "docs/kernel-semantics-coverage.md: no row for {missing:?}; rows that are no site: {extra:?} (`make semantics` makes it again)"
    );
    for entry in &unreachable {
        let kernels: Vec<&str> = of_kernel
            .iter()
            .filter(|(name, keys)| {
                keys.contains(&entry.key)
                    && entry
                        .kernels
                        .as_ref()
                        .is_none_or(|k| k.iter().any(|k| k == name))
            })
            .map(|(name, _)| *name)
            .collect();
        assert!(
            !kernels.is_empty(),
            "paging-semantics/unreachable.txt: {} is no error site of a kernel it names",
            entry.key
        );
        for name in entry.kernels.iter().flatten() {
            assert!(
                of_kernel
                    .iter()
                    .any(|(k, keys)| k == name && keys.contains(&entry.key)),
                "paging-semantics/unreachable.txt: {} is no error site of {name}",
                entry.key
            );
        }
    }
}
