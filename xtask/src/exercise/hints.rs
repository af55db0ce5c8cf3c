// SPDX-License-Identifier: BSD-2-Clause

//! Names from elsewhere: each architecture's Rust names for its paging structures, and libsel4's
//! C names for the tutorial's invocations. When a build of a learner's file fails and cargo's error
//! names one that is not this architecture's (x86_64's `page_directory_map` copied into aarch64's
//! file, or the C text's `seL4_ARM_PageTable_Map`), a line under it says whose it is and what this
//! architecture has instead. The book's table of C and Rust names (docs/book/src/c-names.md) is checked against this one
//! (tests/learner_tools.rs).

use crate::catalogue::Arch;

/// One name a learner may write, and whose it is.
pub struct Name {
    pub name: &'static str,
    /// The architectures whose Rust name it is (empty: a C name, libsel4's).
    pub arches: &'static [&'static str],
    /// For a Rust name, its C name; for a C name, its Rust name.
    pub other: &'static str,
}

const fn rust(name: &'static str, arches: &'static [&'static str], c: &'static str) -> Name {
    Name {
        name,
        arches,
        other: c,
    }
}

const fn c(name: &'static str, rust: &'static str) -> Name {
    Name {
        name,
        arches: &[],
        other: rust,
    }
}

const X86: &[&str] = &["x86_64"];
const ARM: &[&str] = &["aarch64", "aarch32"];

/// The names, Rust and C.
pub const NAMES: &[Name] = &[
    rust("pdpt_map", X86, "seL4_X86_PDPT_Map"),
    rust("page_directory_map", X86, "seL4_X86_PageDirectory_Map"),
    rust(
        "page_table_map",
        &["x86_64", "riscv64", "riscv32"],
        "seL4_X86_PageTable_Map, seL4_RISCV_PageTable_Map",
    ),
    rust("pt_map", ARM, "seL4_ARM_PageTable_Map"),
    rust("PDPT", X86, "seL4_PDPT"),
    rust("PageDirectory", X86, "seL4_PageDirectory"),
    rust(
        "PageTable",
        &["x86_64", "riscv64", "riscv32"],
        "seL4_PageTable, seL4_RISCV_PageTable",
    ),
    rust("PML4", X86, "seL4_PML4"),
    rust("PT", ARM, "seL4_ARM_PageTable"),
    rust("PD", &["aarch32"], "seL4_ARM_PageDirectory"),
    rust("VSpace", &["aarch64"], "seL4_ARM_VSpace"),
    c("seL4_X86_PDPT_Map", "`pdpt.pdpt_map(vspace, vaddr, attrs)`"),
    c(
        "seL4_X86_PageDirectory_Map",
        "`pd.page_directory_map(vspace, vaddr, attrs)`",
    ),
    c(
        "seL4_PageDirectory_Map",
        "`pd.page_directory_map(vspace, vaddr, attrs)`",
    ),
    c(
        "seL4_X86_PageTable_Map",
        "`pt.page_table_map(vspace, vaddr, attrs)`",
    ),
    c(
        "seL4_PageTable_Map",
        "`pt.page_table_map(vspace, vaddr, attrs)`",
    ),
    c(
        "seL4_X86_Page_Map",
        "`frame.frame_map(vspace, vaddr, rights, attrs)`",
    ),
    c(
        "seL4_X86_Page_Remap",
        "`frame_map` again: the same cap at the same address (seL4 16.0.0 has no remap)",
    ),
    c(
        "seL4_ARM_PageTable_Map",
        "`pt.pt_map(vspace, vaddr, attrs)`",
    ),
    c(
        "seL4_ARM_Page_Map",
        "`frame.frame_map(vspace, vaddr, rights, attrs)`",
    ),
    c(
        "seL4_RISCV_PageTable_Map",
        "`pt.page_table_map(vspace, vaddr, attrs)`",
    ),
    c(
        "seL4_RISCV_Page_Map",
        "`frame.frame_map(vspace, vaddr, rights, attrs)`",
    ),
    c(
        "seL4_MappingFailedLookupLevel",
        "`mapping_tutorial::mapping_failed_lookup_level()`",
    ),
    c(
        "seL4_CapInitThreadVSpace",
        "`sel4::init_thread::slot::VSPACE.cap()`",
    ),
];

/// The hint for `name` in a build for `arch`, if it is a name from elsewhere.
pub fn hint(name: &str, arch: &Arch) -> Option<String> {
    let entry = NAMES.iter().find(|n| n.name == name)?;
    if entry.arches.is_empty() {
        return Some(format!(
            "hint: `{name}` is libsel4's C name; in Rust: {} (the book: \"Rust names for the C names\")",
            entry.other
        ));
    }
    if entry.arches.contains(&arch.name) {
        return None;
    }
    Some(format!(
        "hint: `{name}` is {}'s ({}); on {arch} {}",
        entry.arches.join("'s and "),
        entry.other,
        arch.structures
    ))
}

/// The hints for every name from elsewhere in `text` (a compiler error, with its source lines),
/// each once, in the order the names come.
pub fn hints(text: &str, arch: &Arch) -> Vec<String> {
    let mut found: Vec<(usize, &str)> = NAMES
        .iter()
        .filter_map(|n| word_at(text, n.name).map(|at| (at, n.name)))
        .collect();
    found.sort();
    found
        .into_iter()
        .filter_map(|(_, name)| hint(name, arch))
        .collect()
}

/// The hints for a compiler error `error` in the file whose text is `source`: from the error's
/// own text, and from the statement at the place it names (` --> file:line:col`), whose later
/// lines cargo does not show (`pd` alone on the error's line, `.page_directory_map(` on the next).
/// Only what the learner wrote counts: comments are left out, in cargo's quoted lines and in the
/// statement, and the statement ends at a line with no code (the shipped comment under a TODO
/// names the C call, which is no mistake of the learner's).
pub fn hints_in(error: &str, source: &str, arch: &Arch) -> Vec<String> {
    let mut text: String = error
        .lines()
        .map(|line| match is_quoted_source(line) {
            true => code_of(line),
            false => line,
        })
        .collect::<Vec<_>>()
        .join("\n");
    if let Some(statement) = statement_at(error, source) {
        text.push('\n');
        text.push_str(&statement);
    }
    hints(&text, arch)
}

/// The code of the lines of `source` from the line the error `error` points at to the end of its
/// statement (a line ending in `;`, `{` or `}`), at most six, and not past a line with no code.
fn statement_at(error: &str, source: &str) -> Option<String> {
    let place = error
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("--> "))?;
    let mut parts = place.trim().rsplitn(3, ':');
    let _column = parts.next()?;
    let line: usize = parts.next()?.parse().ok()?;
    let mut statement = Vec::new();
    for text in source.lines().skip(line.checked_sub(1)?).take(6) {
        let code = code_of(text).trim_end();
        if code.trim().is_empty() {
            break;
        }
        statement.push(code);
        if code.ends_with([';', '{', '}']) {
            break;
        }
    }
    Some(statement.join("\n"))
}

/// Whether `line` of a compiler message quotes the source: `48 |     pd.page_directory_map(`.
fn is_quoted_source(line: &str) -> bool {
    let line = line.trim_start();
    let number = line.trim_start_matches(|c: char| c.is_ascii_digit());
    number.len() < line.len() && number.trim_start().starts_with('|') || line.starts_with('|')
}

/// `line` without its `//` comment (a `//` inside a string literal is code).
fn code_of(line: &str) -> &str {
    let (mut in_string, mut escaped, mut slash) = (false, false, false);
    for (at, c) in line.char_indices() {
        match c {
            '\\' if in_string => escaped = !escaped,
            '"' if !escaped => in_string = !in_string,
            '/' if !in_string && slash => return &line[..at - 1],
            _ => {}
        }
        if c != '\\' {
            escaped = false;
        }
        slash = c == '/' && !in_string;
    }
    line
}

/// Where `word` first stands in `text` as a whole identifier.
fn word_at(text: &str, word: &str) -> Option<usize> {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(word).map(|(at, _)| at).find(|&at| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(ident) && !after.is_some_and(ident)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::find_arch;

    /// cargo shows only the error's line; the statement goes on below it.
    #[test]
    fn the_statement_at_the_errors_place_is_read_whole() {
        let aarch64 = find_arch("aarch64").unwrap();
        let error =
            "error[E0425]: cannot find value `pd` in this scope\n  --> aarch64/src/main.rs:3:5\n";
        let source = "fn main() {\n    // TODO\n    pd\n        .page_directory_map(VSPACE.cap())\n        .context(\"x\")?;\n    more();\n}\n";
        let hints = hints_in(error, source, aarch64);
        assert_eq!(hints.len(), 1, "{hints:?}");
        assert!(hints[0].starts_with("hint: `page_directory_map` is x86_64's"));
        assert_eq!(
            statement_at(error, source).unwrap(),
            "    pd\n        .page_directory_map(VSPACE.cap())\n        .context(\"x\")?;"
        );
        assert!(hints_in("error: no place\n", source, aarch64).is_empty());
    }

    /// A missing `;` after TODO 2's solution: the error points at the learner's line, and the
    /// statement does not run on into the shipped comment below it, which names a C call.
    #[test]
    fn a_hint_comes_from_the_learners_code_never_from_a_comment() {
        let x86_64 = find_arch("x86_64").unwrap();
        let source = "    pt.page_table_map(VSPACE.cap(), TEST_VADDR, VmAttributes::default())\n        \
                      .context(\"Failed to map page table\")?\n\n    // Map a read-only page at \
                      TEST_VADDR (seL4_X86_Page_Map with seL4_CanRead).\n    let mapped = frame.frame_map(\n";
        let error = "error: expected `;`, found keyword `let`\n  --> src/main.rs:2:47\n   |\n\
                     2 |         .context(\"Failed to map page table\")?\n   |                       \
                     ^ help: add `;` here\n3 |\n4 |     // Map a read-only page at TEST_VADDR \
                     (seL4_X86_Page_Map with seL4_CanRead).\n5 |     let mapped = frame.frame_map(\n";
        assert_eq!(hints_in(error, source, x86_64), Vec::<String>::new());
        assert_eq!(
            statement_at(error, source).unwrap(),
            "        .context(\"Failed to map page table\")?"
        );
        // The same name in the learner's code does get its hint.
        let written = error.replace(
            "    // Map a read-only",
            "    seL4_X86_Page_Map(); // Map a",
        );
        assert_eq!(hints_in(&written, source, x86_64).len(), 1);
        assert_eq!(code_of("let s = \"a // b\"; // c"), "let s = \"a // b\"; ");
        assert_eq!(code_of("x(\"\\\\\"); // y"), "x(\"\\\\\"); ");
        assert!(is_quoted_source("48 |     pd"));
        assert!(is_quoted_source("   |     ^"));
        assert!(!is_quoted_source("error: expected `;`"));
    }

    #[test]
    fn another_architectures_name_gets_a_hint_and_this_ones_none() {
        let aarch64 = find_arch("aarch64").unwrap();
        let x86_64 = find_arch("x86_64").unwrap();
        let hint = hint("page_directory_map", aarch64).unwrap();
        assert_eq!(
            hint,
            "hint: `page_directory_map` is x86_64's (seL4_X86_PageDirectory_Map); on aarch64 every \
             level below the VSpace is a page table (`sel4::cap_type::PT`): `pt_l2.pt_map(...)`"
        );
        assert!(super::hint("pt_map", aarch64).is_none());
        assert!(super::hint("page_directory_map", x86_64).is_none());
        assert!(
            super::hint("pt_map", x86_64)
                .unwrap()
                .contains("is aarch64's and aarch32's")
        );
        assert!(
            super::hint("seL4_ARM_PageTable_Map", aarch64)
                .unwrap()
                .contains("`pt.pt_map(")
        );
    }

    #[test]
    fn names_are_found_as_whole_identifiers_in_an_error() {
        let aarch64 = find_arch("aarch64").unwrap();
        let error = "error[E0425]: cannot find value `pd` in this scope\n  --> aarch64/src/main.rs:49:5\n\
                     49 |     pd.page_directory_map(VSPACE.cap(), TEST_VADDR, VmAttributes::default())\n";
        let found = hints(error, aarch64);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].starts_with("hint: `page_directory_map` is x86_64's"));
        // `PT` inside `PTE` or `pt_map` inside `my_pt_map` is no name of the table.
        assert!(hints("let PTE = my_pt_map;", find_arch("x86_64").unwrap()).is_empty());
    }

    /// The book's table of C and Rust names has every name of this one.
    #[test]
    fn the_books_table_of_names_has_every_name() {
        let path = crate::project::Project::here()
            .book_dir()
            .join("src/c-names.md");
        let table = std::fs::read_to_string(path).unwrap();
        for n in NAMES {
            assert!(
                word_at(&table, n.name).is_some(),
                "the book's \"Rust names for the C names\" (docs/book/src/c-names.md) has no `{}`",
                n.name
            );
        }
    }

    #[test]
    fn every_name_is_once_in_the_table() {
        for (k, n) in NAMES.iter().enumerate() {
            assert!(
                NAMES[..k].iter().all(|m| m.name != n.name),
                "{} twice",
                n.name
            );
            for arch in n.arches {
                assert!(
                    find_arch(arch).is_ok(),
                    "{}: no architecture {arch}",
                    n.name
                );
            }
        }
    }
}
