// SPDX-License-Identifier: BSD-2-Clause

//! The stages of an exercise, derived from its file's text.
//!
//! Each exercise file (catalogue.rs) holds its TODOs, each a `// TODO <what>` line followed by its
//! solution: the lines up to the next blank line, TODO line or line indented less than the TODO
//! (a closing brace). Shipped, every solution is commented out (`// ` in front of each line).
//! Stage k of an exercise is its file with the first k solutions uncommented; the last stage also
//! drops the line that silences warnings about variables only the TODOs use. Deriving a stage
//! works on a copy of the text; nothing here writes to the learner's files.

use std::fmt;

use crate::catalogue::{ExerciseRef, StageRef};

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

/// The bytes of `line`'s leading whitespace (for slicing).
fn indentation(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// How far `line` is indented, in columns: a tab counts as four, as rustfmt writes it, so that
/// a solution re-indented with tabs is still under its TODO.
fn columns(line: &str) -> usize {
    line[..indentation(line)]
        .chars()
        .map(|c| if c == '\t' { 4 } else { 1 })
        .sum()
}

/// The line ending `source` uses: a file saved with CRLF keeps it in every text made from it.
fn newline(source: &str) -> &'static str {
    if source.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    }
}

fn is_todo(line: &str) -> bool {
    line.trim_start().starts_with(TODO_MARK)
}

fn is_commented(line: &str) -> bool {
    let code = line.trim_start();
    code.starts_with("//") && !code.starts_with("///")
}

/// Finds the TODOs of `exercise`'s file, whose text is `source`, and whether each is done.
pub fn analyse(exercise: ExerciseRef, source: &str) -> Result<Vec<Todo>, StageError> {
    let file = exercise.exercise.file;
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
        let indent = columns(lines[i]);
        while end < lines.len()
            && !is_blank(lines[end])
            && !is_todo(lines[end])
            && columns(lines[end]) >= indent
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
pub fn derive(source: &str, stage: StageRef) -> Result<String, StageError> {
    rewrite(source, stage, true)
}

/// `source` brought forward to `stage`: the first `stage.todos_done` solutions uncommented, and
/// nothing else changed (a later solution the learner has uncommented stays so).
pub fn advance(source: &str, stage: StageRef) -> Result<String, StageError> {
    rewrite(source, stage, false)
}

/// [`derive`], or with `back` false [`advance`]; in `source`'s own line endings.
fn rewrite(source: &str, stage: StageRef, back: bool) -> Result<String, StageError> {
    let todos = analyse(stage.exercise(), source)?;
    let mut lines: Vec<String> = source.lines().map(str::to_owned).collect();
    for (k, todo) in todos.iter().enumerate() {
        let want_done = k < stage.stage.todos_done;
        if todo.done == want_done || (!want_done && !back) {
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
    if stage.stage.todos_done == todos.len() {
        lines.retain(|line| !is_allow_for_the_todos(line));
    }
    let newline = newline(source);
    let mut text = lines.join(newline);
    if source.ends_with('\n') {
        text.push_str(newline);
    }
    Ok(text)
}

/// `#[allow(unused_variables)] // `pt` waits for the TODOs below.`: an exercise file's silencing
/// of the variables only its TODOs use, which the last stage no longer needs.
fn is_allow_for_the_todos(line: &str) -> bool {
    line.trim_start().starts_with("#[allow(") && line.ends_with("for the TODOs below.")
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

/// What a learner's file shows of one of the shipped file's TODOs. Learners edit as people do:
/// they keep a note inside an uncommented solution, write their own solution above the shipped
/// one (still commented), delete a TODO line once it is done. So a TODO counts as done when the
/// lines under it hold any code, or when its line is gone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LearnerTodo {
    /// As in the shipped file: "map a page directory object".
    pub title: String,
    /// The 1-based line of its `// TODO` line in the learner's file; `None` if it is gone.
    pub line: Option<usize>,
    pub done: bool,
}

/// The shipped TODOs of `exercise` (from `shipped`, its shipped text) as the learner's text
/// `learner` has them.
pub fn learner_todos(
    exercise: ExerciseRef,
    shipped: &str,
    learner: &str,
) -> Result<Vec<LearnerTodo>, StageError> {
    let lines: Vec<&str> = learner.lines().collect();
    let todos = analyse(exercise, shipped)?;
    Ok(todos
        .into_iter()
        .map(|todo| {
            let mark = format!("{TODO_MARK}{}", todo.title);
            let Some(at) = lines.iter().position(|l| l.trim() == mark) else {
                return LearnerTodo {
                    title: todo.title,
                    line: None,
                    done: true,
                };
            };
            let indent = columns(lines[at]);
            let under = || {
                lines[at + 1..]
                    .iter()
                    .take_while(|l| !is_blank(l) && !is_todo(l) && columns(l) >= indent)
            };
            let code = under().filter(|l| !is_commented(l)).count();
            let block = under().count();
            LearnerTodo {
                title: todo.title,
                line: Some(at + 1),
                done: code > 0 || block == 0,
            }
        })
        .collect())
}

/// Where the learner's file is in the tutorial.
#[derive(Debug, PartialEq, Eq)]
pub enum Progress {
    /// The first `todos_done` TODOs are done, the others not: the file is at that stage.
    At(StageRef),
    /// A TODO is not done while a later one is.
    OutOfOrder {
        /// The first TODO not done, and its 0-based position.
        undone: LearnerTodo,
        position: usize,
        /// A later TODO that is done.
        done: LearnerTodo,
    },
}

pub fn progress(exercise: ExerciseRef, todos: &[LearnerTodo]) -> Progress {
    let done = todos.iter().take_while(|t| t.done).count();
    match todos[done..].iter().find(|t| t.done) {
        None => Progress::At(
            exercise
                .stage(done)
                .expect("a stage for each count of TODOs"),
        ),
        Some(later) => Progress::OutOfOrder {
            undone: todos[done].clone(),
            position: done,
            done: later.clone(),
        },
    }
}

/// `"TODO map a page directory object" (src/main.rs:38)`.
fn describe_todo(file: &str, todo: &LearnerTodo) -> String {
    match todo.line {
        Some(line) => format!("\"TODO {}\" ({file}:{line})", todo.title),
        None => format!("\"TODO {}\"", todo.title),
    }
}

/// A few lines for the learner: which stage `exercise`'s file (the learner's text `learner`; its
/// shipped text `shipped`) is at and what comes next.
pub fn describe_progress(exercise: ExerciseRef, shipped: &str, learner: &str) -> String {
    let file = exercise.exercise.file;
    let todos = match learner_todos(exercise, shipped, learner) {
        Ok(todos) => todos,
        Err(err) => return format!("Cannot tell which stage {file} is at: {err}"),
    };
    match progress(exercise, &todos) {
        Progress::At(stage) => {
            let mut text = format!(
                "{file} is at stage '{}' ({} of {} TODOs done): {}.",
                stage.name(),
                stage.stage.todos_done,
                exercise.todo_count(),
                stage.stage.summary
            );
            match todos.get(stage.stage.todos_done) {
                Some(next) => text.push_str(&format!(
                    "\nNext: under {}, uncomment the solution (or write your own), then run \
                     `{}` again.",
                    describe_todo(file, next),
                    exercise.simulate_command()
                )),
                None if exercise.is_main() => {
                    text.push_str("\nAll TODOs are done: the tutorial is complete.")
                }
                None => text.push_str("\nAll TODOs are done: this exercise is complete."),
            }
            text
        }
        Progress::OutOfOrder {
            undone,
            position,
            done,
        } => {
            let stage = exercise.stage(position + 1).expect("a stage for each TODO");
            format!(
                "{file} has {} done, but not {}, which comes first: the exercise takes its \
                 TODOs in order.\nNext: do that one (`make solution{}` shows its solution).",
                describe_todo(file, &done),
                describe_todo(file, &undone),
                stage.make_args()
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{ExerciseRef, default_arch};

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

    fn main() -> ExerciseRef {
        default_arch().main_exercise()
    }

    fn stage(name: &str) -> StageRef {
        default_arch().find_stage(name).unwrap()
    }

    #[test]
    fn finds_three_todos_none_done() {
        let todos = analyse(main(), SAMPLE).unwrap();
        let titles: Vec<_> = todos.iter().map(|t| t.title.as_str()).collect();
        assert_eq!(titles, ["first thing", "second thing", "third thing"]);
        assert_eq!(todos[0].line, 4);
        assert_eq!(todos[1].solution, 7..10);
        assert!(todos.iter().all(|t| !t.done));
    }

    #[test]
    fn derive_uncomments_the_first_n_solutions() {
        let pd = derive(SAMPLE, stage("pd")).unwrap();
        assert!(pd.contains("\n    one();\n"));
        assert!(pd.contains("\n    // two(\n"));
        let remap = derive(SAMPLE, stage("remap")).unwrap();
        assert!(remap.contains("\n    two(\n        2,\n    );\n"));
        assert!(remap.contains("\n    three();\n"));
        assert_eq!(derive(SAMPLE, stage("start")).unwrap(), SAMPLE);
    }

    #[test]
    fn the_last_stage_drops_the_allow_only_the_todos_needed() {
        let allow = "#[allow(unused_variables)] // `x` waits for the TODOs below.";
        let text = format!("{allow}\n{SAMPLE}");
        assert!(derive(&text, stage("pt")).unwrap().starts_with(allow));
        assert_eq!(
            derive(&text, stage("remap")).unwrap(),
            derive(SAMPLE, stage("remap")).unwrap()
        );
    }

    #[test]
    fn derive_goes_back_as_well_as_forward() {
        let remap = derive(SAMPLE, stage("remap")).unwrap();
        assert_eq!(derive(&remap, stage("start")).unwrap(), SAMPLE);
        let pt = derive(&remap, stage("pt")).unwrap();
        assert_eq!(pt, derive(SAMPLE, stage("pt")).unwrap());
    }

    fn progress_of(learner: &str) -> Progress {
        progress(main(), &learner_todos(main(), SAMPLE, learner).unwrap())
    }

    #[test]
    fn every_stage_is_recognised_by_progress() {
        for stage in main().stages() {
            let text = derive(SAMPLE, stage).unwrap();
            assert_eq!(progress_of(&text), Progress::At(stage));
        }
    }

    #[test]
    fn out_of_order_todos_name_the_one_to_do_first() {
        let text = SAMPLE.replace(
            "    // two(\n    //     2,\n    // );",
            "    two(\n        2,\n    );",
        );
        let Progress::OutOfOrder {
            undone,
            position,
            done,
        } = progress_of(&text)
        else {
            panic!("not out of order");
        };
        assert_eq!(
            (undone.title.as_str(), undone.line, position),
            ("first thing", Some(4), 0)
        );
        assert_eq!(done.title, "second thing");
        let described = describe_progress(main(), SAMPLE, &text);
        assert!(
            described.contains("has \"TODO second thing\" (src/main.rs:7) done, but not \"TODO first thing\" (src/main.rs:4), which comes first"),
            "{described}"
        );
        assert!(
            described.contains("`make solution ARCH=x86_64 STAGE=pd`"),
            "{described}"
        );
    }

    /// As learners edit: a note kept in an uncommented solution, their own solution above the
    /// shipped one, a TODO line deleted once done.
    #[test]
    fn learners_edits_still_tell_the_stage() {
        let noted = SAMPLE.replace(
            "    // one();\n",
            "    // my note: this maps it\n    one();\n",
        );
        assert_eq!(progress_of(&noted), Progress::At(stage("pd")));
        let own = SAMPLE.replace("    // one();\n", "    my_one().unwrap();\n    // one();\n");
        assert_eq!(progress_of(&own), Progress::At(stage("pd")));
        let deleted = SAMPLE.replace("    // TODO first thing\n    // one();\n", "    one();\n");
        assert_eq!(progress_of(&deleted), Progress::At(stage("pd")));
        let described = describe_progress(main(), SAMPLE, &deleted);
        assert!(
            described.contains("Next: under \"TODO second thing\" (src/main.rs:"),
            "{described}"
        );
    }

    #[test]
    fn malformed_files_are_rejected() {
        let two = SAMPLE.replace("    // TODO third thing\n    // three();\n", "");
        let file = "src/main.rs";
        assert_eq!(
            analyse(main(), &two),
            Err(StageError::WrongTodoCount {
                file,
                found: 2,
                expected: 3
            })
        );
        let partly = SAMPLE.replace("    //     2,", "        2,");
        assert_eq!(
            analyse(main(), &partly),
            Err(StageError::PartlyCommented { file, line: 7 })
        );
        let empty = SAMPLE.replace("    // one();\n", "");
        assert_eq!(
            analyse(main(), &empty),
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
