// SPDX-License-Identifier: BSD-2-Clause

//! The tutorial's stages, derived from the learner's `src/main.rs`.
//!
//! The file holds three exercises, each a `// TODO <what>` line followed by its solution: the
//! lines up to the next blank line, TODO line or line indented less than the TODO (a closing
//! brace). Shipped, every solution is commented out (`// ` in front of
//! each line). A stage is the file with the first 0, 1, 2 or 3 solutions uncommented. Deriving a
//! stage works on a copy of the text; nothing here writes to the learner's file.

use std::fmt;

/// One state of the exercise file.
#[derive(Debug, PartialEq, Eq)]
pub struct Stage {
    pub name: &'static str,
    /// How many TODO solutions are uncommented in this stage.
    pub todos_done: usize,
    /// What this stage shows, in a few words.
    pub summary: &'static str,
}

pub const STAGES: [Stage; 4] = [
    Stage {
        name: "start",
        todos_done: 0,
        summary: "only the PDPT is mapped: the page directory is missing (level 30)",
    },
    Stage {
        name: "pd",
        todos_done: 1,
        summary: "PDPT and page directory mapped: the page table is missing (level 21)",
    },
    Stage {
        name: "pt",
        todos_done: 2,
        summary: "the frame is mapped read-only: writing it is a VM fault",
    },
    Stage {
        name: "remap",
        todos_done: 3,
        summary: "the frame is remapped read-write, so the write succeeds",
    },
];

/// The number of TODOs the exercise file must have.
pub const TODO_COUNT: usize = STAGES.len() - 1;

pub fn stage_names() -> String {
    STAGES.map(|s| s.name).join(", ")
}

/// Looks a stage up by name.
pub fn find(name: &str) -> Result<&'static Stage, StageError> {
    STAGES
        .iter()
        .find(|stage| stage.name == name)
        .ok_or_else(|| StageError::UnknownStage(name.to_owned()))
}

/// One exercise in the file: the TODO line and its solution.
#[derive(Debug, PartialEq, Eq)]
pub struct Todo {
    /// What to do, from the TODO line: "map a page directory object".
    pub title: String,
    /// 1-based line number of the TODO line.
    pub line: usize,
    /// 0-based indices of the solution's lines.
    pub solution: std::ops::Range<usize>,
    /// Whether the solution is uncommented.
    pub done: bool,
}

#[derive(Debug, PartialEq, Eq)]
pub enum StageError {
    UnknownStage(String),
    WrongTodoCount(usize),
    EmptySolution { line: usize },
    PartlyCommented { line: usize },
}

impl fmt::Display for StageError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Self::UnknownStage(name) => {
                write!(
                    f,
                    "unknown stage '{name}'; the stages are: {}",
                    stage_names()
                )
            }
            Self::WrongTodoCount(n) => write!(
                f,
                "src/main.rs has {n} '// TODO' lines, but the tutorial has {TODO_COUNT}; \
                 `git diff src/main.rs` shows what changed"
            ),
            Self::EmptySolution { line } => write!(
                f,
                "src/main.rs:{line}: the TODO has no solution lines under it \
                 (they run up to the next blank line)"
            ),
            Self::PartlyCommented { line } => write!(
                f,
                "src/main.rs:{line}: the solution under this TODO is partly commented out: \
                 uncomment all of its lines, or none"
            ),
        }
    }
}

impl std::error::Error for StageError {}

const TODO_MARK: &str = "// TODO ";

fn is_blank(line: &str) -> bool {
    line.trim().is_empty()
}

fn indentation(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

fn is_todo(line: &str) -> bool {
    line.trim_start().starts_with(TODO_MARK)
}

fn is_commented(line: &str) -> bool {
    let code = line.trim_start();
    code.starts_with("//") && !code.starts_with("///")
}

/// Finds the TODOs of an exercise file and whether each is done.
pub fn analyse(source: &str) -> Result<Vec<Todo>, StageError> {
    let lines: Vec<&str> = source.lines().collect();
    let mut todos = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if !is_todo(lines[i]) {
            i += 1;
            continue;
        }
        let line = i + 1;
        let title = lines[i].trim_start()[TODO_MARK.len()..].trim().to_owned();
        let start = i + 1;
        let mut end = start;
        let indent = indentation(lines[i]);
        while end < lines.len()
            && !is_blank(lines[end])
            && !is_todo(lines[end])
            && indentation(lines[end]) >= indent
        {
            end += 1;
        }
        let solution = &lines[start..end];
        if solution.is_empty() {
            return Err(StageError::EmptySolution { line });
        }
        let commented = solution.iter().filter(|l| is_commented(l)).count();
        let done = match commented {
            0 => true,
            n if n == solution.len() => false,
            _ => return Err(StageError::PartlyCommented { line }),
        };
        todos.push(Todo {
            title,
            line,
            solution: start..end,
            done,
        });
        i = end;
    }
    if todos.len() != TODO_COUNT {
        return Err(StageError::WrongTodoCount(todos.len()));
    }
    Ok(todos)
}

/// The exercise file as it is at `stage`: the first `stage.todos_done` solutions uncommented and
/// the others commented, whatever state `source` is in.
pub fn derive(source: &str, stage: &Stage) -> Result<String, StageError> {
    let todos = analyse(source)?;
    let mut lines: Vec<String> = source.lines().map(str::to_owned).collect();
    for (k, todo) in todos.iter().enumerate() {
        let want_done = k < stage.todos_done;
        if todo.done == want_done {
            continue;
        }
        let indent = indentation(&lines[todo.line - 1]);
        for line in &mut lines[todo.solution.clone()] {
            *line = if want_done {
                uncomment(line, indent)
            } else {
                comment(line, indent)
            };
        }
    }
    let mut text = lines.join("\n");
    if source.ends_with('\n') {
        text.push('\n');
    }
    Ok(text)
}

/// `    //     foo` → `        foo`: removes the `// ` that [`comment`] puts at the TODO's
/// indentation `indent`, or else the first `//` of the line (and one space after it).
fn uncomment(line: &str, indent: usize) -> String {
    let at = if line
        .get(indent..)
        .is_some_and(|rest| rest.starts_with("//"))
    {
        indent
    } else {
        indentation(line)
    };
    let rest = &line[at..];
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let rest = rest.strip_prefix(' ').unwrap_or(rest);
    format!("{}{rest}", &line[..at])
}

/// `        foo` → `    //     foo`: `// ` at the TODO's indentation, as the shipped file has it.
fn comment(line: &str, indent: usize) -> String {
    let at = indent.min(indentation(line));
    format!("{}// {}", &line[..at], &line[at..])
}

/// Where the learner's file is in the tutorial.
#[derive(Debug, PartialEq, Eq)]
pub enum Progress {
    /// The file is exactly one of the stages.
    At(&'static Stage),
    /// Some TODOs are done, but not in order: `done` lists which (1-based).
    OutOfOrder { done: Vec<usize> },
}

pub fn progress(todos: &[Todo]) -> Progress {
    let done: Vec<usize> = (1..=todos.len()).filter(|k| todos[k - 1].done).collect();
    let in_order = done.iter().copied().eq(1..=done.len());
    if in_order {
        Progress::At(&STAGES[done.len()])
    } else {
        Progress::OutOfOrder { done }
    }
}

/// A few lines for the learner: which stage the file is at and what comes next.
pub fn describe_progress(source: &str) -> String {
    let todos = match analyse(source) {
        Ok(todos) => todos,
        Err(err) => return format!("Cannot tell which stage src/main.rs is at: {err}"),
    };
    match progress(&todos) {
        Progress::At(stage) => {
            let mut text = format!(
                "src/main.rs is at stage '{}' ({} of {TODO_COUNT} TODOs done): {}.",
                stage.name, stage.todos_done, stage.summary
            );
            match todos.get(stage.todos_done) {
                Some(next) => text.push_str(&format!(
                    "\nNext: under \"TODO {}\" (src/main.rs:{}), uncomment the solution, \
                     then run `make simulate` again.",
                    next.title, next.line
                )),
                None => text.push_str("\nAll TODOs are done: the tutorial is complete."),
            }
            text
        }
        Progress::OutOfOrder { done } => format!(
            "src/main.rs has TODOs {done:?} done, out of order: the tutorial takes them one at a \
             time, from the first."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "fn main() {
    setup();

    // TODO first thing
    // one();

    // TODO second thing
    // two(
    //     2,
    // );

    // TODO third thing
    // three();
}
";

    #[test]
    fn finds_three_todos_none_done() {
        let todos = analyse(SAMPLE).unwrap();
        let titles: Vec<_> = todos.iter().map(|t| t.title.as_str()).collect();
        assert_eq!(titles, ["first thing", "second thing", "third thing"]);
        assert_eq!(todos[0].line, 4);
        assert_eq!(todos[1].solution, 7..10);
        assert!(todos.iter().all(|t| !t.done));
    }

    #[test]
    fn derive_uncomments_the_first_n_solutions() {
        let pd = derive(SAMPLE, find("pd").unwrap()).unwrap();
        assert!(pd.contains("\n    one();\n"));
        assert!(pd.contains("\n    // two(\n"));
        let remap = derive(SAMPLE, find("remap").unwrap()).unwrap();
        assert!(remap.contains("\n    two(\n        2,\n    );\n"));
        assert!(remap.contains("\n    three();\n"));
        assert_eq!(derive(SAMPLE, find("start").unwrap()).unwrap(), SAMPLE);
    }

    #[test]
    fn derive_goes_back_as_well_as_forward() {
        let remap = derive(SAMPLE, find("remap").unwrap()).unwrap();
        assert_eq!(derive(&remap, find("start").unwrap()).unwrap(), SAMPLE);
        let pt = derive(&remap, find("pt").unwrap()).unwrap();
        assert_eq!(pt, derive(SAMPLE, find("pt").unwrap()).unwrap());
    }

    #[test]
    fn every_stage_is_recognised_by_progress() {
        for stage in &STAGES {
            let text = derive(SAMPLE, stage).unwrap();
            assert_eq!(progress(&analyse(&text).unwrap()), Progress::At(stage));
        }
    }

    #[test]
    fn out_of_order_todos_are_reported() {
        let text = SAMPLE.replace(
            "    // two(\n    //     2,\n    // );",
            "    two(\n        2,\n    );",
        );
        assert_eq!(
            progress(&analyse(&text).unwrap()),
            Progress::OutOfOrder { done: vec![2] }
        );
    }

    #[test]
    fn unknown_stage_lists_the_valid_ones() {
        let err = find("pdpt").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown stage 'pdpt'; the stages are: start, pd, pt, remap"
        );
    }

    #[test]
    fn malformed_files_are_rejected() {
        let two = SAMPLE.replace("    // TODO third thing\n    // three();\n", "");
        assert_eq!(analyse(&two), Err(StageError::WrongTodoCount(2)));
        let partly = SAMPLE.replace("    //     2,", "        2,");
        assert_eq!(
            analyse(&partly),
            Err(StageError::PartlyCommented { line: 7 })
        );
        let empty = SAMPLE.replace("    // one();\n", "");
        assert_eq!(analyse(&empty), Err(StageError::EmptySolution { line: 4 }));
    }

    #[test]
    fn doc_comments_are_code_not_commented_solutions() {
        assert!(!is_commented("    /// docs"));
        assert!(is_commented("    // code();"));
        assert_eq!(uncomment("    //code();", 4), "    code();");
        assert_eq!(uncomment("    //     more();", 4), "        more();");
        assert_eq!(uncomment("        // code();", 4), "        code();");
        assert_eq!(comment("        more();", 4), "    //     more();");
    }
}
