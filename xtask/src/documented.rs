// SPDX-License-Identifier: BSD-2-Clause

//! The output blocks in TUTORIAL.md and README.md, checked against what the stages really print.
//!
//! A block marked `<!-- boot-log: <arch>/<stage> -->` must appear, line for line and contiguous, in
//! that stage's output as `make simulate` shows it: the boot log with the fault report's source
//! locations added. The thread and instruction addresses in the kernel's `in thread 0x... at
//! address 0x...` line depend on the exact build and memory size, so they are not compared.
//! The stage tests check each stage's blocks on the boot they make anyway (tests/stages.rs).
//!
//! A block marked `<!-- walk: <arch>/<stage> -->` is the picture `make walk` draws for that
//! stage, compared with the stage's walk (its physical addresses and raw entries vary with the
//! build, so every hexadecimal number is compared as `0x_`, and the boxes' widths not at all).

use std::fs;

use anyhow::{Context, Result, bail};

use crate::catalogue::StageRef;
use crate::project::Project;
use crate::qemu::Run;
use crate::symbolize::Symbolizer;
use crate::walk::Walk;

/// The documents whose blocks are checked.
pub const DOCUMENTS: [&str; 2] = ["TUTORIAL.md", "README.md"];

const MARK: &str = "<!-- boot-log: ";
const WALK_MARK: &str = "<!-- walk: ";

/// What a marked block shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    BootLog,
    Walk,
}

/// One marked block.
#[derive(Debug)]
pub struct Block {
    pub kind: Kind,
    pub doc: String,
    /// `<arch>/<stage>`.
    pub stage: String,
    /// The block's lines, normalised.
    pub lines: Vec<String>,
}

/// Every marked block of `text` (the document `doc`).
pub fn marked_blocks(doc: &str, text: &str) -> Result<Vec<Block>> {
    let lines: Vec<&str> = text.lines().collect();
    let mut blocks = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let marked = [(MARK, Kind::BootLog), (WALK_MARK, Kind::Walk)]
            .into_iter()
            .find_map(|(mark, kind)| {
                let stage = line.strip_prefix(mark)?.strip_suffix(" -->")?;
                Some((stage, kind))
            });
        let Some((stage, kind)) = marked else {
            continue;
        };
        if !lines.get(i + 1).is_some_and(|l| l.starts_with("```")) {
            bail!(
                "{doc}:{}: the mark must be followed by a fenced block",
                i + 1
            );
        }
        let body = lines[i + 2..]
            .iter()
            .take_while(|l| !l.starts_with("```"))
            .map(|l| match kind {
                Kind::BootLog => normalise(l),
                Kind::Walk => normalise_walk(l),
            })
            .collect();
        blocks.push(Block {
            kind,
            doc: doc.to_owned(),
            stage: stage.to_owned(),
            lines: body,
        });
    }
    Ok(blocks)
}

/// The marked blocks of every document.
pub fn all_blocks(project: &Project) -> Result<Vec<Block>> {
    let mut blocks = Vec::new();
    for doc in DOCUMENTS {
        let path = project.root().join(doc);
        let text = fs::read_to_string(&path).with_context(|| path.display().to_string())?;
        blocks.extend(marked_blocks(doc, &text)?);
    }
    Ok(blocks)
}

fn normalise(line: &str) -> String {
    if let Some(rest) = line.strip_prefix("in thread ")
        && let Some((head, _)) = rest.rsplit_once(" at address 0x")
        && let Some((_, name)) = head.split_once(' ')
    {
        return format!("in thread 0x(any) {name} at address 0x(any)");
    }
    line.to_owned()
}

/// A line of a walk's picture with every hexadecimal number as `0x_`, box rules as one `─` and
/// runs of spaces as one.
pub fn normalise_walk(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '0' && chars.peek() == Some(&'x') {
            chars.next();
            while chars.peek().is_some_and(char::is_ascii_hexdigit) {
                chars.next();
            }
            out.push_str("0x_");
        } else if (c == '─' && out.ends_with('─')) || (c == ' ' && out.ends_with(' ')) {
            continue;
        } else {
            out.push(c);
        }
    }
    out.trim_end().to_owned()
}

/// Checks every documented walk of `stage` against its `walks`.
pub fn check_walks(project: &Project, stage: StageRef, walks: &[Walk]) -> Result<()> {
    let drawn: Vec<String> = walks
        .iter()
        .flat_map(Walk::render)
        .map(|l| normalise_walk(&l))
        .collect();
    check_kind(project, stage, Kind::Walk, &drawn)
}

/// Every block of `kind` for `stage` appears in `shown`, or the error shows both.
fn check_kind(project: &Project, stage: StageRef, kind: Kind, shown: &[String]) -> Result<()> {
    let name = block_name(stage);
    let what = match kind {
        Kind::BootLog => "what the stage prints",
        Kind::Walk => "what `make walk` draws",
    };
    for block in all_blocks(project)?
        .iter()
        .filter(|b| b.kind == kind && b.stage == name)
    {
        if !contains_run(shown, &block.lines) {
            bail!(
                "{}: the block for stage '{}' is not {what}.\n\
                 --- documented ---\n{}\n--- shown ---\n{}",
                block.doc,
                name,
                block.lines.join("\n"),
                shown.join("\n")
            );
        }
    }
    Ok(())
}

/// Whether `block` appears in `printed`, whole and contiguous.
pub fn contains_run(printed: &[String], block: &[String]) -> bool {
    !block.is_empty() && printed.windows(block.len()).any(|w| w == block)
}

/// The name a block gives `stage`: `<arch>/<stage>`.
pub fn block_name(stage: StageRef) -> String {
    format!("{}/{}", stage.arch, stage.name())
}

/// Checks every documented block of `stage` against `run`, a boot of its root task `image`: Err
/// says which block differs, with both texts.
pub fn check(project: &Project, stage: StageRef, image: &std::path::Path, run: &Run) -> Result<()> {
    let symbolizer = Symbolizer::new(project, image)
        .with_context(|| format!("cannot read {}", image.display()))?;
    // What `make simulate` shows: the boot log, with the fault report's source locations.
    let printed: Vec<String> = run
        .lines
        .iter()
        .flat_map(|l| std::iter::once(normalise(l)).chain(symbolizer.annotate(l)))
        .collect();
    check_kind(project, stage, Kind::BootLog, &printed)
}

#[cfg(test)]
mod tests {
    use super::{normalise, normalise_walk};

    #[test]
    fn a_walks_addresses_and_box_widths_are_not_compared() {
        assert_eq!(
            normalise_walk(
                "    │ [1] bits 43..39  0x0000000060000003   ├─> next table at 0x60000000"
            ),
            " │ [1] bits 43..39 0x_ ├─> next table at 0x_"
        );
        assert_eq!(normalise_walk("    └──────────┘"), " └─┘");
        assert_eq!(
            normalise_walk("    ┌─ VSpace at 0xffe02000 ────┐"),
            normalise_walk("    ┌─ VSpace at 0x60000000 ──────────┐")
        );
    }

    #[test]
    fn a_fault_report_s_thread_and_instruction_addresses_are_not_compared() {
        let built_once = r#"in thread 0x80bfe09400 "rootserver" at address 0x214204"#;
        let built_again = r#"in thread 0x80ffe09400 "rootserver" at address 0x21420c"#;
        assert_eq!(normalise(built_once), normalise(built_again));
        assert_eq!(
            normalise(built_once),
            r#"in thread 0x(any) "rootserver" at address 0x(any)"#
        );
        assert_eq!(
            normalise(r#"in thread 0x1 "other" at address 0x2"#),
            r#"in thread 0x(any) "other" at address 0x(any)"#,
            "the thread's name is compared"
        );
        assert_eq!(normalise("Set x to 5"), "Set x to 5");
    }
}
