// SPDX-License-Identifier: BSD-2-Clause

//! The house a maintainer finds their way in, kept true: nothing in it can be skipped silently. A
//! test file that is no test target, a make variable that never reaches the container, a QEMU the
//! image would not have, a path a comment names that is gone: each fails here, by name.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;
use std::process::Command;

mod common;

use xtask::boot::qemu::Machine;
use xtask::catalogue::ARCHES;
use xtask::project::Project;

/// Every file git knows in the project.
fn tracked_files() -> Vec<String> {
    let out = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(Project::here().root())
        .output()
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .split('\0')
        .filter(|f| !f.is_empty() && Project::here().root().join(f).exists())
        .map(str::to_owned)
        .collect()
}

/// Every tests/*.rs is one of xtask's test targets (cargo finds no test outside xtask/ by itself):
/// a new test file that nobody listed would otherwise never run.
#[test]
fn every_test_file_is_a_test_target() {
    let manifest: toml::Table = common::read("xtask/Cargo.toml").parse().unwrap();
    let targets: BTreeSet<String> = manifest["test"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            t["path"]
                .as_str()
                .unwrap()
                .trim_start_matches("../")
                .to_owned()
        })
        .collect();
    let files: BTreeSet<String> = fs::read_dir(Project::here().root().join("tests"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| format!("tests/{}", p.file_name().unwrap().to_string_lossy()))
        .collect();
    let missing: Vec<&String> = files.difference(&targets).collect();
    let gone: Vec<&String> = targets.difference(&files).collect();
    assert!(
        missing.is_empty() && gone.is_empty(),
        "xtask/Cargo.toml's [[test]] entries and tests/*.rs disagree: not a target {missing:?}, \
         no such file {gone:?}"
    );
}

/// The variables a make command reads (`$(NAME)` of the Makefile) reach the container's make
/// (the PASSED list), or are the host's alone (HOST_ONLY), or are the Makefile's own: a variable
/// that is none of these would work natively and be dropped, silently, in the container.
#[test]
fn every_make_variable_reaches_the_container_or_is_the_hosts() {
    let makefile = common::read("Makefile");
    let list = |name: &str| -> BTreeSet<String> {
        let line = makefile
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name} := ")))
            .unwrap_or_else(|| panic!("the Makefile has no `{name} := ...` line"));
        line.split_whitespace().map(str::to_owned).collect()
    };
    let passed = list("PASSED");
    let host_only = list("HOST_ONLY");
    let own: BTreeSet<String> = makefile
        .lines()
        .filter_map(|l| l.split_once(" :=").or_else(|| l.split_once(" =")))
        .map(|(name, _)| name.trim().to_owned())
        .filter(|name| !name.contains(char::is_whitespace) && !name.is_empty())
        .collect();
    let builtin = ["CURDIR", "MAKECMDGOALS", "PATH"];
    let makefile: String = makefile
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n");
    let mut read: BTreeSet<String> = BTreeSet::new();
    for (at, _) in makefile.match_indices("$(") {
        let name: String = makefile[at + 2..]
            .chars()
            .take_while(|c| c.is_ascii_uppercase() || *c == '_')
            .collect();
        let closed = makefile[at + 2 + name.len()..].starts_with(')');
        if !name.is_empty() && closed {
            read.insert(name);
        }
    }
    // `$(call opt,VARIABLE,option)` reads VARIABLE too.
    for (at, _) in makefile.match_indices("$(call opt,") {
        let name: String = makefile[at + "$(call opt,".len()..]
            .chars()
            .take_while(|c| *c != ',')
            .collect();
        read.insert(name);
    }
    let dropped: Vec<&String> = read
        .iter()
        .filter(|n| !passed.contains(*n) && !host_only.contains(*n) && !own.contains(*n))
        .filter(|n| !builtin.contains(&n.as_str()))
        .collect();
    assert!(
        dropped.is_empty(),
        "the Makefile reads {dropped:?}, which neither reach the container (PASSED) nor are \
         listed as the host's alone (HOST_ONLY)"
    );
    assert!(passed.is_disjoint(&host_only), "{passed:?} {host_only:?}");
}

/// The image keeps the QEMU programs the machines (qemu/<arch>.args) name, and no other: the
/// Dockerfile deletes the rest of what Debian's QEMU packages bring.
#[test]
fn the_image_keeps_the_qemu_of_every_machine() {
    let root = Project::here().root().to_owned();
    let programs: BTreeSet<String> = ARCHES
        .iter()
        .map(|arch| {
            Machine::load(&root.join(arch.machine_definition()))
                .unwrap()
                .program()
                .to_owned()
        })
        .collect();
    let dockerfile = common::read("Dockerfile");
    let kept: BTreeSet<String> = dockerfile
        .split("! -name ")
        .skip(1)
        .map(|rest| rest.split_whitespace().next().unwrap().to_owned())
        .filter(|name| name.starts_with("qemu-system-"))
        .collect();
    assert_eq!(kept, programs, "the Dockerfile's kept QEMU programs");
    // And the package list provides each.
    let packages = common::read("tools/system-packages.txt");
    for program in &programs {
        assert!(
            packages
                .lines()
                .any(|l| l.split_whitespace().nth(1) == Some(program.as_str())),
            "tools/system-packages.txt provides no {program}"
        );
    }
}

/// The project's paths that a file names (a comment that says `tools/setup-host`, a message that
/// names `docs/performance.md`) exist: a moved or deleted file leaves no stale pointer. `<arch>`,
/// `{name}` and a word in capitals (`ARCH`) stand for any name.
#[test]
fn every_path_a_file_names_exists() {
    const TOP: [&str; 12] = [
        "tools/",
        "xtask/",
        "tests/",
        "docs/",
        "shipped/",
        "qemu/",
        "sel4-kernel-config/",
        "paging-semantics/",
        "lib/",
        "bench-map-unmap/",
        ".ci/",
        ".devcontainer/",
    ];
    // Not paths: cargo's `package/feature` spelling of a feature.
    const NOT_PATHS: [&str; 1] = ["paging-semantics/mutation"];
    let root = Project::here().root().to_owned();
    let mut stale = Vec::new();
    for file in tracked_files() {
        if file.starts_with("docs/book/recorded/") || file.starts_with("tests/expected/") {
            continue;
        }
        let Ok(text) = fs::read_to_string(root.join(&file)) else {
            continue;
        };
        for (n, line) in text.lines().enumerate() {
            for path in paths_in(line, &TOP) {
                if NOT_PATHS.contains(&path.as_str()) || exists(&root, &path) {
                    continue;
                }
                stale.push(format!("{file}:{}: {path}", n + 1));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "paths that do not exist:\n{}",
        stale.join("\n")
    );
}

/// The project paths in `line`: words that begin with one of `top` (and not inside another word).
fn paths_in(line: &str, top: &[&str]) -> Vec<String> {
    let is_path_char = |c: char| c.is_ascii_alphanumeric() || "_./<>{}*-".contains(c);
    let mut found = Vec::new();
    for dir in top {
        for (at, _) in line.match_indices(dir) {
            let before = line[..at].chars().next_back();
            if before.is_some_and(|c| c.is_ascii_alphanumeric() || "_./-".contains(c)) {
                continue;
            }
            let path: String = line[at..]
                .chars()
                .take_while(|c| is_path_char(*c))
                .collect();
            let mut path = path.trim_end_matches(['.', '-']).to_owned();
            // A closing `}` or `>` with no opening one ends the word (`${file#shipped/}`).
            while (path.ends_with('}') && !path.contains('{'))
                || (path.ends_with('>') && !path.contains('<'))
            {
                path.pop();
            }
            if path.len() > dir.len() && !path.contains("//") {
                found.push(path);
            }
        }
    }
    found
}

/// Whether `path` names something in the project: its placeholders (`<arch>`, `{name}`, `*`, a
/// word in capitals) match any name.
fn exists(root: &Path, path: &str) -> bool {
    let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let mut dirs = vec![root.to_owned()];
    for (n, part) in parts.iter().enumerate() {
        let last = n + 1 == parts.len();
        let pattern = glob(part);
        let mut next = Vec::new();
        for dir in &dirs {
            let Ok(entries) = fs::read_dir(dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if matches(&pattern, &name) && (last || entry.path().is_dir()) {
                    next.push(entry.path());
                }
            }
        }
        dirs = next;
    }
    !dirs.is_empty()
}

/// A path component as a pattern: its placeholders become `*`.
fn glob(part: &str) -> String {
    let mut out = String::new();
    let mut chars = part.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '<' | '{' => {
                let close = if c == '<' { '>' } else { '}' };
                for c in chars.by_ref() {
                    if c == close {
                        break;
                    }
                }
                out.push('*');
            }
            _ => out.push(c),
        }
    }
    // A word in capitals (ARCH, NAME): a placeholder too.
    let stem = out.split('.').next().unwrap_or_default();
    if stem.len() > 1 && stem.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
        out = out.replacen(stem, "*", 1);
    }
    out
}

/// `name` matches `pattern`, whose `*` matches any run of characters.
fn matches(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((head, tail)) => {
            name.starts_with(head)
                && (0..=name.len() - head.len())
                    .any(|skip| matches(tail, &name[head.len() + skip..]))
        }
    }
}

#[test]
fn the_path_finder_finds_paths_and_placeholders_match() {
    let top = ["tools/", "tests/"];
    assert_eq!(
        paths_in(
            "see tools/setup-host, then tests/expected/<arch>/<stage>.txt.",
            &top
        ),
        ["tools/setup-host", "tests/expected/<arch>/<stage>.txt"]
    );
    assert!(paths_in("build/tools/x and mytools/y", &top).is_empty());
    assert!(matches("*.cmake", "x86_64.cmake") && !matches("*.cmake", "x86_64.args"));
    assert_eq!(glob("ARCH.cmake"), "*.cmake");
    assert_eq!(glob("<stage>.txt"), "*.txt");
    let root = Project::here().root().to_owned();
    // (A missing one, spelt so that this file names no missing path itself.)
    assert!(exists(&root, "tools/setup-host") && !exists(&root, &["tools", "run-tests"].join("/")));
    assert!(exists(&root, "sel4-kernel-config/ARCH.cmake"));
}

/// The rows of the table under `heading` in docs/ARCHITECTURE.md, each a list of its cells.
fn architecture_table(heading: &str) -> Vec<Vec<String>> {
    let text = common::read("docs/ARCHITECTURE.md");
    let section = text
        .split(&format!("\n## {heading}\n"))
        .nth(1)
        .unwrap_or_else(|| panic!("docs/ARCHITECTURE.md has no section {heading}"));
    section
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .map(|l| {
            l.trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().to_owned())
                .collect()
        })
        .collect()
}

/// The names in backticks of a table cell (`` `aarch64/`, `riscv64/` ``), without a trailing `/`.
fn names_in(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(|n| n.trim_end_matches('/').to_owned())
        .collect()
}

/// docs/ARCHITECTURE.md's layout table names each directory of the project, and no other: the
/// directories git keeps, and the learner's `src/` (made by `make`).
#[test]
fn the_layout_table_names_every_directory() {
    let named: BTreeSet<String> = architecture_table("Layout")
        .iter()
        .flat_map(|row| names_in(&row[0]))
        .collect();
    let mut dirs: BTreeSet<String> = tracked_files()
        .iter()
        .filter_map(|f| f.split_once('/').map(|(dir, _)| dir.to_owned()))
        .collect();
    dirs.insert("src".into());
    assert_eq!(
        named, dirs,
        "docs/ARCHITECTURE.md's layout table and the project's directories disagree"
    );
}

/// A module of xtask/src: its top-level folder or module (`walk`, `catalogue`), and the files it
/// imports from (`crate::walk::tables::Entry` -> walk/tables.rs).
fn xtask_imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = Project::here().root().join("xtask/src");
    let mut files = Vec::new();
    let mut dirs = vec![src.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(
                    path.strip_prefix(&src)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    let exists = |f: &str| files.iter().any(|g| g == f);
    // The file a module path names: the longest prefix that is a file.
    let file_of = |segments: &[&str]| -> Option<String> {
        (1..=segments.len()).rev().find_map(|n| {
            let stem = segments[..n].join("/");
            [format!("{stem}.rs"), format!("{stem}/mod.rs")]
                .into_iter()
                .find(|f| exists(f))
        })
    };
    let mut imports = BTreeMap::new();
    for file in &files {
        let text = fs::read_to_string(src.join(file)).unwrap();
        // Test modules may reach anywhere.
        let code = text.split("#[cfg(test)]\nmod tests").next().unwrap();
        let here: Vec<&str> = file
            .trim_end_matches(".rs")
            .trim_end_matches("/mod")
            .split('/')
            .collect();
        let mut to = BTreeSet::new();
        for (at, _) in code
            .match_indices("crate::")
            .chain(code.match_indices("super::"))
        {
            let path: String = code[at..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            let mut segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
            let first = segments.remove(0);
            let mut full: Vec<&str> = match first {
                "crate" => Vec::new(),
                // `super` in a folder's file is the folder; in mod.rs, the folder's parent.
                _ if file.ends_with("mod.rs") => here[..here.len().saturating_sub(1)].to_vec(),
                _ => here[..here.len() - 1].to_vec(),
            };
            full.extend(segments);
            if let Some(target) = file_of(&full)
                && &target != file
            {
                to.insert(target);
            }
        }
        // A folder's mod.rs also names its own modules by their names alone (`pub use help::x`).
        if file.ends_with("mod.rs") || !file.contains('/') {
            let folder = here.join("/");
            for child in files.iter().filter_map(|f| {
                let rest = f.strip_prefix(&format!("{folder}/"))?;
                (!rest.contains('/') && rest != "mod.rs").then(|| rest.trim_end_matches(".rs"))
            }) {
                let named = code.match_indices(&format!("{child}::")).any(|(at, _)| {
                    !code[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':')
                });
                if named {
                    to.insert(format!("{folder}/{child}.rs"));
                }
            }
        }
        imports.insert(file.clone(), to);
    }
    imports
}

/// The layer of a file of xtask/src: its top-level folder's or module's row in docs/
/// ARCHITECTURE.md's table (row 1 is the top).
fn unit_of(file: &str) -> String {
    match file.split_once('/') {
        Some((folder, _)) => format!("{folder}/"),
        None => file.to_owned(),
    }
}

/// xtask's imports run down the layers docs/ARCHITECTURE.md draws: a module imports only from its
/// own folder and from the rows below its own; every folder and top-level module has a row; and
/// no two modules import each other, directly or round about.
#[test]
fn xtask_imports_run_down_the_layers() {
    let mut rows: BTreeMap<String, usize> = BTreeMap::new();
    for row in architecture_table("The host tools (xtask)") {
        let n: usize = row[0].parse().unwrap();
        for name in row[1].split('`').skip(1).step_by(2) {
            rows.insert(name.to_owned(), n);
        }
    }
    let imports = xtask_imports();
    let mut wrong = Vec::new();
    for (file, to) in &imports {
        let unit = unit_of(file);
        let Some(&row) = rows.get(&unit) else {
            wrong.push(format!(
                "xtask/src/{unit} has no row in docs/ARCHITECTURE.md"
            ));
            continue;
        };
        for target in to {
            let target_unit = unit_of(target);
            if target_unit == unit {
                continue;
            }
            match rows.get(&target_unit) {
                Some(&below) if below > row => {}
                _ => wrong.push(format!(
                    "xtask/src/{file} (row {row}) imports xtask/src/{target} (row {}), not below it",
                    rows.get(&target_unit).map_or("none".into(), |r| r.to_string())
                )),
            }
        }
    }
    // No circle: a depth-first walk never meets a file it is still inside.
    fn visit<'a>(
        file: &'a str,
        imports: &'a BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
        circles: &mut Vec<String>,
    ) {
        if let Some(at) = path.iter().position(|f| *f == file) {
            circles.push(format!("{} -> {file}", path[at..].join(" -> ")));
            return;
        }
        if !done.insert(file) {
            return;
        }
        path.push(file);
        for next in imports.get(file).into_iter().flatten() {
            visit(next, imports, path, done, circles);
        }
        path.pop();
    }
    let mut circles = Vec::new();
    let mut done = BTreeSet::new();
    for file in imports.keys() {
        visit(file, &imports, &mut Vec::new(), &mut done, &mut circles);
    }
    wrong.extend(
        circles
            .into_iter()
            .map(|c| format!("a circle of imports: {c}")),
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
