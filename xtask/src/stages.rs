// SPDX-License-Identifier: BSD-2-Clause

//! The tutorial's exercises and their stages, derived from the learner's files.
//!
//! Each exercise is a file (the main one is `src/main.rs`, the further ones are
//! `src/bin/<name>.rs`) holding its TODOs, each a `// TODO <what>` line followed by its solution:
//! the lines up to the next blank line, TODO line or line indented less than the TODO (a closing
//! brace). Shipped, every solution is commented out (`// ` in front of each line). Stage k of an
//! exercise is its file with the first k solutions uncommented. Deriving a stage works on a copy
//! of the text; nothing here writes to the learner's files.

use std::fmt;

/// One learner file and the states it goes through.
#[derive(Debug, PartialEq, Eq)]
pub struct Exercise {
    /// `mapping` for the main exercise; what `make simulate EXERCISE=...` takes.
    pub name: &'static str,
    /// The learner's file, relative to the project's top directory.
    pub file: &'static str,
    /// The root task binary built from `file` (Cargo.toml, or cargo's `src/bin/` discovery).
    pub bin: &'static str,
    pub stages: &'static [Stage],
}

/// One state of an exercise file.
#[derive(Debug, PartialEq, Eq)]
pub struct Stage {
    /// Globally unique: a further exercise's stages start with its name.
    pub name: &'static str,
    /// The exercise's name.
    pub exercise: &'static str,
    /// How many TODO solutions are uncommented in this stage.
    pub todos_done: usize,
    /// What this stage shows, in a few words.
    pub summary: &'static str,
}

/// The main exercise's stages: the C tutorial's.
pub const STAGES: [Stage; 4] = [
    Stage {
        name: "start",
        exercise: "mapping",
        todos_done: 0,
        summary: "only the PDPT is mapped: the page directory is missing (level 30)",
    },
    Stage {
        name: "pd",
        exercise: "mapping",
        todos_done: 1,
        summary: "PDPT and page directory mapped: the page table is missing (level 21)",
    },
    Stage {
        name: "pt",
        exercise: "mapping",
        todos_done: 2,
        summary: "the frame is mapped read-only: writing it is a VM fault",
    },
    Stage {
        name: "remap",
        exercise: "mapping",
        todos_done: 3,
        summary: "the frame is remapped read-write, so the write succeeds",
    },
];

/// Every exercise; the first is the main one, the others are the further exercises (src/bin/).
pub static EXERCISES: [Exercise; 5] = [
    Exercise {
        name: "mapping",
        file: "src/main.rs",
        bin: "mapping",
        stages: &STAGES,
    },
    Exercise {
        name: "mapper",
        file: "src/bin/mapper.rs",
        bin: "mapper",
        stages: &[
            Stage {
                name: "mapper-start",
                exercise: "mapper",
                todos_done: 0,
                summary: "the first page fails at level 39, and nothing is made for it",
            },
            Stage {
                name: "mapper-name",
                exercise: "mapper",
                todos_done: 1,
                summary: "the level names the missing structure: the PDPT",
            },
            Stage {
                name: "mapper-make",
                exercise: "mapper",
                todos_done: 2,
                summary: "each missing structure is made and mapped: four pages need 3, 2, 1, 0",
            },
        ],
    },
    Exercise {
        name: "unmapping",
        file: "src/bin/unmapping.rs",
        bin: "unmapping",
        stages: &[
            Stage {
                name: "unmapping-start",
                exercise: "unmapping",
                todos_done: 0,
                summary: "every structure and the page mapped: x reads back",
            },
            Stage {
                name: "unmapping-page",
                exercise: "unmapping",
                todos_done: 1,
                summary: "the page is unmapped: reading x is a VM fault",
            },
            Stage {
                name: "unmapping-page-again",
                exercise: "unmapping",
                todos_done: 2,
                summary: "the same page mapped again: x is still 5",
            },
            Stage {
                name: "unmapping-table",
                exercise: "unmapping",
                todos_done: 3,
                summary: "the page table is unmapped: the page under it goes too, a VM fault",
            },
            Stage {
                name: "unmapping-table-again",
                exercise: "unmapping",
                todos_done: 4,
                summary: "the page table and then the page mapped again: x is still 5",
            },
            Stage {
                name: "unmapping-delete",
                exercise: "unmapping",
                todos_done: 5,
                summary: "the page table's last capability deleted: a VM fault again",
            },
            Stage {
                name: "unmapping-new-table",
                exercise: "unmapping",
                todos_done: 6,
                summary: "a new page table, and the page mapped again: x is still 5",
            },
        ],
    },
    Exercise {
        name: "page-sizes",
        file: "src/bin/page_sizes.rs",
        bin: "page_sizes",
        stages: &[
            Stage {
                name: "page-sizes-start",
                exercise: "page-sizes",
                todos_done: 0,
                summary: "no page directory: the 2 MiB page fails at level 30",
            },
            Stage {
                name: "page-sizes-large",
                exercise: "page-sizes",
                todos_done: 1,
                summary: "a 2 MiB page mapped by the page directory, with no page table",
            },
            Stage {
                name: "page-sizes-huge",
                exercise: "page-sizes",
                todos_done: 2,
                summary: "and a 1 GiB page mapped by the PDPT, with no page directory",
            },
        ],
    },
    Exercise {
        name: "rights",
        file: "src/bin/rights.rs",
        bin: "rights",
        stages: &[
            Stage {
                name: "rights-start",
                exercise: "rights",
                todos_done: 0,
                summary: "the page mapped read-only: reading works, writing is a VM fault",
            },
            Stage {
                name: "rights-read-write",
                exercise: "rights",
                todos_done: 1,
                summary: "remapped read-write: reading and writing work",
            },
            Stage {
                name: "rights-write-only",
                exercise: "rights",
                todos_done: 2,
                summary: "remapped write-only: the kernel maps it for itself only, so reading faults",
            },
        ],
    },
];

/// The main exercise: src/main.rs.
pub fn main_exercise() -> &'static Exercise {
    &EXERCISES[0]
}

impl Exercise {
    /// The number of TODOs its file must have.
    pub fn todo_count(&self) -> usize {
        self.stages.len() - 1
    }

    pub fn is_main(&self) -> bool {
        std::ptr::eq(self, main_exercise())
    }
}

impl Stage {
    pub fn exercise(&self) -> &'static Exercise {
        EXERCISES
            .iter()
            .find(|e| e.name == self.exercise)
            .expect("every stage belongs to an exercise")
    }
}

/// Every stage of every exercise, the main exercise's first.
pub fn all_stages() -> impl Iterator<Item = &'static Stage> {
    EXERCISES.iter().flat_map(|e| e.stages.iter())
}

pub fn stage_names() -> String {
    EXERCISES
        .iter()
        .map(|e| {
            e.stages
                .iter()
                .map(|s| s.name)
                .collect::<Vec<_>>()
                .join(", ")
        })
        .collect::<Vec<_>>()
        .join("; ")
}

pub fn exercise_names() -> String {
    EXERCISES
        .iter()
        .map(|e| e.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Looks a stage up by name.
pub fn find(name: &str) -> Result<&'static Stage, StageError> {
    all_stages()
        .find(|stage| stage.name == name)
        .ok_or_else(|| StageError::UnknownStage(name.to_owned()))
}

/// Looks an exercise up by name.
pub fn find_exercise(name: &str) -> Result<&'static Exercise, StageError> {
    EXERCISES
        .iter()
        .find(|e| e.name == name)
        .ok_or_else(|| StageError::UnknownExercise(name.to_owned()))
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
    UnknownExercise(String),
    WrongTodoCount {
        file: &'static str,
        found: usize,
        expected: usize,
    },
    EmptySolution {
        file: &'static str,
        line: usize,
    },
    PartlyCommented {
        file: &'static str,
        line: usize,
    },
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
            Self::UnknownExercise(name) => {
                write!(
                    f,
                    "unknown exercise '{name}'; the exercises are: {}",
                    exercise_names()
                )
            }
            Self::WrongTodoCount {
                file,
                found,
                expected,
            } => write!(
                f,
                "{file} has {found} '// TODO' lines, but the exercise has {expected}; \
                 `git diff {file}` shows what changed"
            ),
            Self::EmptySolution { file, line } => write!(
                f,
                "{file}:{line}: the TODO has no solution lines under it \
                 (they run up to the next blank line)"
            ),
            Self::PartlyCommented { file, line } => write!(
                f,
                "{file}:{line}: the solution under this TODO is partly commented out: \
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

/// Finds the TODOs of `exercise`'s file, whose text is `source`, and whether each is done.
pub fn analyse(exercise: &Exercise, source: &str) -> Result<Vec<Todo>, StageError> {
    let file = exercise.file;
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
            return Err(StageError::EmptySolution { file, line });
        }
        let commented = solution.iter().filter(|l| is_commented(l)).count();
        let done = match commented {
            0 => true,
            n if n == solution.len() => false,
            _ => return Err(StageError::PartlyCommented { file, line }),
        };
        todos.push(Todo {
            title,
            line,
            solution: start..end,
            done,
        });
        i = end;
    }
    if todos.len() != exercise.todo_count() {
        return Err(StageError::WrongTodoCount {
            file,
            found: todos.len(),
            expected: exercise.todo_count(),
        });
    }
    Ok(todos)
}

/// The stage's exercise file as it is at `stage`: the first `stage.todos_done` solutions
/// uncommented and the others commented, whatever state `source` is in.
pub fn derive(source: &str, stage: &Stage) -> Result<String, StageError> {
    let todos = analyse(stage.exercise(), source)?;
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

pub fn progress(exercise: &'static Exercise, todos: &[Todo]) -> Progress {
    let done: Vec<usize> = (1..=todos.len()).filter(|k| todos[k - 1].done).collect();
    let in_order = done.iter().copied().eq(1..=done.len());
    if in_order {
        Progress::At(&exercise.stages[done.len()])
    } else {
        Progress::OutOfOrder { done }
    }
}

impl Exercise {
    /// The command that boots this exercise's file as it is.
    pub fn simulate_command(&self) -> String {
        if self.is_main() {
            "make simulate".to_owned()
        } else {
            format!("make simulate EXERCISE={}", self.name)
        }
    }
}

/// A few lines for the learner: which stage `exercise`'s file (text `source`) is at and what
/// comes next.
pub fn describe_progress(exercise: &'static Exercise, source: &str) -> String {
    let file = exercise.file;
    let todos = match analyse(exercise, source) {
        Ok(todos) => todos,
        Err(err) => return format!("Cannot tell which stage {file} is at: {err}"),
    };
    match progress(exercise, &todos) {
        Progress::At(stage) => {
            let mut text = format!(
                "{file} is at stage '{}' ({} of {} TODOs done): {}.",
                stage.name,
                stage.todos_done,
                exercise.todo_count(),
                stage.summary
            );
            match todos.get(stage.todos_done) {
                Some(next) => text.push_str(&format!(
                    "\nNext: under \"TODO {}\" ({file}:{}), uncomment the solution, \
                     then run `{}` again.",
                    next.title,
                    next.line,
                    exercise.simulate_command()
                )),
                None if exercise.is_main() => {
                    text.push_str("\nAll TODOs are done: the tutorial is complete.")
                }
                None => text.push_str("\nAll TODOs are done: this exercise is complete."),
            }
            text
        }
        Progress::OutOfOrder { done } => format!(
            "{file} has TODOs {done:?} done, out of order: the exercise takes them one at a \
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
        let todos = analyse(main_exercise(), SAMPLE).unwrap();
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
            assert_eq!(
                progress(main_exercise(), &analyse(main_exercise(), &text).unwrap()),
                Progress::At(stage)
            );
        }
    }

    #[test]
    fn out_of_order_todos_are_reported() {
        let text = SAMPLE.replace(
            "    // two(\n    //     2,\n    // );",
            "    two(\n        2,\n    );",
        );
        assert_eq!(
            progress(main_exercise(), &analyse(main_exercise(), &text).unwrap()),
            Progress::OutOfOrder { done: vec![2] }
        );
    }

    #[test]
    fn unknown_stage_lists_the_valid_ones() {
        let err = find("pdpt").unwrap_err().to_string();
        assert!(
            err.starts_with("unknown stage 'pdpt'; the stages are: start, pd, pt, remap"),
            "{err}"
        );
        assert!(all_stages().all(|s| err.contains(s.name)), "{err}");
        let err = find_exercise("paging").unwrap_err().to_string();
        assert!(err.starts_with("unknown exercise 'paging'; the exercises are: mapping"));
    }

    #[test]
    fn the_exercise_table_is_consistent() {
        let mut names: Vec<&str> = all_stages().map(|s| s.name).collect();
        names.sort_unstable();
        let count = names.len();
        names.dedup();
        assert_eq!(names.len(), count, "stage names are unique");
        for exercise in &EXERCISES {
            assert_eq!(find_exercise(exercise.name), Ok(exercise));
            assert!(exercise.stages.len() >= 2, "{} has a TODO", exercise.name);
            for (k, stage) in exercise.stages.iter().enumerate() {
                assert_eq!(stage.todos_done, k, "{}", stage.name);
                assert_eq!(stage.exercise(), exercise, "{}", stage.name);
                assert!(
                    exercise.is_main() || stage.name.starts_with(&format!("{}-", exercise.name)),
                    "{} starts with its exercise's name",
                    stage.name
                );
            }
            let file = exercise.file;
            assert!(
                file == "src/main.rs" || file == format!("src/bin/{}.rs", exercise.bin),
                "{file}: cargo builds `{}` from it",
                exercise.bin
            );
        }
    }

    #[test]
    fn malformed_files_are_rejected() {
        let two = SAMPLE.replace("    // TODO third thing\n    // three();\n", "");
        let file = "src/main.rs";
        assert_eq!(
            analyse(main_exercise(), &two),
            Err(StageError::WrongTodoCount {
                file,
                found: 2,
                expected: 3
            })
        );
        let partly = SAMPLE.replace("    //     2,", "        2,");
        assert_eq!(
            analyse(main_exercise(), &partly),
            Err(StageError::PartlyCommented { file, line: 7 })
        );
        let empty = SAMPLE.replace("    // one();\n", "");
        assert_eq!(
            analyse(main_exercise(), &empty),
            Err(StageError::EmptySolution { file, line: 4 })
        );
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
