// SPDX-License-Identifier: BSD-2-Clause

//! The output blocks in TUTORIAL.md and README.md are what the stages really print.
//!
//! A block marked `<!-- boot-log: <stage> -->` must appear, line for line and contiguous, in that
//! stage's output as `make simulate` shows it: the boot log with the fault report's source
//! locations added. The thread and instruction addresses in the kernel's `in thread 0x... at
//! address 0x...` line depend on the exact build and memory size, so they are not compared.

use std::collections::BTreeMap;
use std::fs;

use xtask::boot_check::boot_stage;
use xtask::project::Project;
use xtask::stages;
use xtask::symbolize::Symbolizer;

const MARK: &str = "<!-- boot-log: ";

/// (document, stage, block lines) for every marked block.
fn marked_blocks(doc: &str, text: &str) -> Vec<(String, String, Vec<String>)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut blocks = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(stage) = line.strip_prefix(MARK).and_then(|r| r.strip_suffix(" -->")) else {
            continue;
        };
        assert!(
            lines.get(i + 1).is_some_and(|l| l.starts_with("```")),
            "{doc}:{}: the mark must be followed by a fenced block",
            i + 1
        );
        let body: Vec<String> = lines[i + 2..]
            .iter()
            .take_while(|l| !l.starts_with("```"))
            .map(|l| normalise(l))
            .collect();
        blocks.push((doc.to_owned(), stage.to_owned(), body));
    }
    blocks
}

fn normalise(line: &str) -> String {
    if line.starts_with("in thread ")
        && let Some((head, _)) = line.rsplit_once(" at address 0x")
        && let Some((_, name)) = head.split_once(' ').and_then(|(_, r)| r.split_once(' '))
    {
        return format!("in thread 0x(any) {name} at address 0x(any)");
    }
    line.to_owned()
}

fn contains_run(log: &[String], block: &[String]) -> bool {
    !block.is_empty() && log.windows(block.len()).any(|w| w == block)
}

/// What `make simulate` shows for `stage`: the boot log, with the fault report's source locations.
fn printed(project: &Project, stage: &str) -> Vec<String> {
    let stage = stages::find(stage).unwrap_or_else(|e| panic!("{e}"));
    let passed = boot_stage(project, stage).unwrap_or_else(|report| panic!("{report}"));
    let image = project.images_dir().join(format!("{}.elf", stage.name));
    let symbolizer = Symbolizer::new(&image, project.root()).expect("a readable image");
    passed
        .run
        .lines
        .iter()
        .flat_map(|l| std::iter::once(normalise(l)).chain(symbolizer.annotate(l)))
        .collect()
}

#[test]
fn documented_boot_logs_match_the_real_ones() {
    let project = Project::here();
    let mut blocks = Vec::new();
    for doc in ["TUTORIAL.md", "README.md"] {
        let text = fs::read_to_string(project.root().join(doc)).unwrap();
        blocks.extend(marked_blocks(doc, &text));
    }
    // Each documented stage booted once, a few at a time: the boots wait on QEMU, not the CPU.
    let mut names: Vec<&str> = blocks.iter().map(|(_, stage, _)| stage.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let queue = std::sync::Mutex::new(names);
    let logs = std::sync::Mutex::new(BTreeMap::new());
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                while let Some(name) = queue.lock().unwrap().pop() {
                    let log = printed(&project, name);
                    logs.lock().unwrap().insert(name.to_owned(), log);
                }
            });
        }
    });
    let logs = logs.into_inner().unwrap();
    for (doc, stage, block) in &blocks {
        let log = &logs[stage];
        assert!(
            contains_run(log, block),
            "{doc}: the block for stage '{stage}' is not what the stage prints.\n\
             --- documented ---\n{}\n--- printed ---\n{}",
            block.join("\n"),
            log.join("\n")
        );
    }
    // Every stage is documented in TUTORIAL.md; the main exercise's in README.md too.
    for (doc, stages) in [
        ("TUTORIAL.md", stages::all_stages().collect::<Vec<_>>()),
        ("README.md", stages::STAGES.iter().collect()),
    ] {
        for stage in stages {
            assert!(
                blocks.iter().any(|(d, s, _)| d == doc && s == stage.name),
                "{doc} has no block for stage '{}'",
                stage.name
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
        "<!-- boot-log: remap -->\n```text\nRead x: 0\nSet x to 5\nSuccess!\n```\n",
    );
    assert!(contains_run(&log, &block[0].2));
    let wrong = marked_blocks(
        "t",
        "<!-- boot-log: remap -->\n```text\nRead x: 0\nSuccess!\n```\n",
    );
    assert!(!contains_run(&log, &wrong[0].2));
}
