// SPDX-License-Identifier: BSD-2-Clause

//! What a learner's file does, not only what it looks like: built (cargo's messages kept) and,
//! where it builds, booted without a terminal, its output held against each stage's expected
//! lines (tests/expected/<arch>/<stage>.txt). `make status`, `make solution` and the closing
//! lines of `make simulate` say what this finds, so that none of them claims a stage the run did
//! not print.

use std::fs;

use anyhow::Result;

use crate::boot::Boot;
use crate::catalogue::{ExerciseRef, StageRef};
use crate::check::expect;
use crate::exercise::hints;
use crate::exercise::stages::{self, Progress};
use crate::image::kernel;
use crate::image::{self, Source};
use crate::project::Project;
use crate::support::process::Output;

/// What a build and a boot of the file showed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Observed {
    /// cargo refused the file: its first error (the message and the line that says where), and
    /// the hints for it (hints::hints).
    Refused { error: String, hints: Vec<String> },
    /// It built and ran.
    Ran {
        /// The furthest stage whose expected lines the run printed, in order; none if no stage's.
        printed: Option<StageRef>,
        /// The run's last ending line (a panic, a fault, `Success!`), if it had one.
        ending: Option<String>,
    },
}

/// Builds `source` (the learner's file, or a text for it) and boots it if it builds. The kernel
/// is built first if it is missing, saying so; nothing else is shown.
pub fn observe(project: &Project, source: &Source) -> Result<Observed> {
    let arch = source.arch();
    let exercise = match source {
        Source::File(exercise) | Source::Variant { exercise, .. } => *exercise,
        Source::Stage(stage) => stage.exercise(),
        Source::Semantics(_) | Source::BenchProbe(_) => {
            anyhow::bail!("{} has no stages to observe", source.describe())
        }
    };
    kernel::ensure(project, arch, Output::Shown)?;
    let image = match image::build(project, source, Output::Captured) {
        Ok(image) => image,
        Err(e) => {
            let refused = e.downcast::<image::Refused>()?;
            let log = &refused.0.log;
            let error = first_error(log).unwrap_or_else(|| refused.0.to_string());
            // The whole message and the statement it points at name what the learner wrote.
            let text = match source {
                Source::Variant { text, .. } => (*text).to_owned(),
                _ => fs::read_to_string(project.root().join(exercise.exercise.file))
                    .unwrap_or_default(),
            };
            // Every error's hints, as `make simulate` gives them under each.
            let mut hints: Vec<String> = Vec::new();
            for message in error_messages(log) {
                for hint in hints::hints_in(message, &text, arch) {
                    if !hints.contains(&hint) {
                        hints.push(hint);
                    }
                }
            }
            return Ok(Observed::Refused { error, hints });
        }
    };
    let run = Boot::quiet(format!("observe-{arch}-{}", source.name())).run(
        project,
        &image,
        expect::unattended_step,
    )?;
    Ok(ran(project, exercise, &run.lines))
}

/// What a run of `exercise`'s file that printed `lines` shows.
pub fn ran<S: AsRef<str>>(project: &Project, exercise: ExerciseRef, lines: &[S]) -> Observed {
    let stages: Vec<StageRef> = exercise.stages().collect();
    let printed = stages.into_iter().rev().find(|stage| {
        fs::read_to_string(project.expected_log(stage.arch, stage.name()))
            .is_ok_and(|expected| expect::printed(&expected, lines))
    });
    let ending = lines
        .iter()
        .rev()
        .map(AsRef::as_ref)
        .find(|l| expect::is_ending(l))
        .map(str::to_owned);
    Observed::Ran { printed, ending }
}

/// The first error in cargo's messages `log`: its first line, and the ` --> file:line:col` line
/// under it when there is one.
pub fn first_error(log: &str) -> Option<String> {
    let mut lines = log.lines().skip_while(|l| !l.starts_with("error"));
    let message = lines.next()?.trim_end();
    let place = lines
        .take_while(|l| !l.trim().is_empty())
        .find(|l| l.trim_start().starts_with("--> "));
    Some(match place {
        Some(place) => format!("{message}\n{}", place.trim_end()),
        None => message.to_owned(),
    })
}

/// Each error's whole message in cargo's messages `log`: from its `error` line up to the next
/// error or warning.
fn error_messages(log: &str) -> Vec<&str> {
    let starts: Vec<usize> = std::iter::once(0)
        .chain(log.match_indices('\n').map(|(at, _)| at + 1))
        .filter(|&at| log[at..].starts_with("error") || log[at..].starts_with("warning"))
        .chain(std::iter::once(log.len()))
        .collect();
    starts
        .windows(2)
        .filter(|w| log[w[0]..].starts_with("error"))
        .map(|w| log[w[0]..w[1]].trim_end())
        .collect()
}

/// The learner's TODOs (stages::learner_todos), or why they cannot be read. A file with none of
/// its TODO lines left is not one whose TODOs are all done (a TODO line deleted once done is): it
/// was emptied or replaced.
fn learner_todos(
    exercise: ExerciseRef,
    shipped: &str,
    learner: &str,
) -> Result<Vec<stages::LearnerTodo>, String> {
    let todos = stages::learner_todos(exercise, shipped, learner).map_err(|e| e.to_string())?;
    if todos.iter().all(|todo| todo.line.is_none()) {
        return Err(format!(
            "{} has none of its TODO lines",
            exercise.exercise.file
        ));
    }
    Ok(todos)
}

/// The stage the file's TODOs point to, when they are done in order.
pub fn todo_stage(exercise: ExerciseRef, shipped: &str, learner: &str) -> Option<StageRef> {
    let todos = learner_todos(exercise, shipped, learner).ok()?;
    match stages::progress(exercise, &todos) {
        Progress::At(stage) => Some(stage),
        Progress::OutOfOrder { .. } => None,
    }
}

/// `stage 'pt' (the frame is mapped read-only: ...)`.
fn describe_stage(stage: StageRef) -> String {
    format!("stage '{}' ({})", stage.name(), stage.stage.summary)
}

/// What the TODOs of the file look like, for a file whose run says something else: "its TODOs
/// look like stage 'pt' (2 of 3 done)", or why they cannot be read.
pub fn what_the_todos_say(exercise: ExerciseRef, shipped: &str, learner: &str) -> String {
    match learner_todos(exercise, shipped, learner) {
        Err(err) => format!("its TODOs cannot be read: {err}"),
        Ok(todos) => match stages::progress(exercise, &todos) {
            Progress::At(stage) => format!(
                "its TODOs look like stage '{}' ({} of {} done)",
                stage.name(),
                stage.stage.todos_done,
                exercise.todo_count()
            ),
            Progress::OutOfOrder { .. } => "its TODOs are done out of order".to_owned(),
        },
    }
}

/// The stage whose solution comes next by what a run printed: the one after the furthest stage
/// it printed, or the first with a TODO if it printed none. `None` past the last stage.
pub fn next_by_the_run(exercise: ExerciseRef, printed: Option<StageRef>) -> Option<StageRef> {
    exercise.stage(printed.map_or(1, |stage| stage.stage.todos_done + 1))
}

/// A few lines for the learner: what `exercise`'s file (the learner's text `learner`; its
/// shipped text `shipped`) does, as `observed` found, and what comes next. Where the run agrees
/// with the TODOs, this is [`stages::describe_progress`]; otherwise it says what the run did.
pub fn describe(
    exercise: ExerciseRef,
    shipped: &str,
    learner: &str,
    observed: &Observed,
) -> String {
    let file = exercise.exercise.file;
    let simulate = exercise.simulate_command();
    match observed {
        Observed::Refused { error, hints } => {
            let mut text = format!(
                "{file} does not build, so it is at no stage yet ({}). cargo's first error:\n{error}",
                what_the_todos_say(exercise, shipped, learner)
            );
            for hint in hints {
                text.push_str(&format!("\n{hint}"));
            }
            text.push_str(&format!(
                "\nNext: `{simulate}` shows cargo's whole message; `make reset{}` puts the \
                 shipped file back (yours is kept beside it).",
                exercise.make_args()
            ));
            text
        }
        Observed::Ran { printed, ending } => {
            let agree = match learner_todos(exercise, shipped, learner) {
                Ok(todos) => match stages::progress(exercise, &todos) {
                    Progress::At(stage) => *printed == Some(stage),
                    // Its advice names the TODO to do first, and claims no stage.
                    Progress::OutOfOrder { .. } => true,
                },
                Err(_) => false,
            };
            if agree {
                return stages::describe_progress(exercise, shipped, learner);
            }
            let ran = match printed {
                Some(stage) => format!("{file} runs as {} does", describe_stage(*stage)),
                None => format!("{file} builds, but its run prints what no stage prints"),
            };
            let ended = ending.as_ref().map_or_else(
                || "it did not end (no panic, fault or `Success!`)".to_owned(),
                |line| format!("it ended with `{line}`"),
            );
            let next = match next_by_the_run(exercise, *printed) {
                Some(stage) => format!(
                    "Next: `{simulate}` shows the whole run; `make solution{}` shows the solution \
                     of stage '{}', which the run shows is missing.",
                    exercise.make_args(),
                    stage.name()
                ),
                None => "That is the last stage: the exercise is complete.".to_owned(),
            };
            format!(
                "{ran}: {ended}; {}.\n{next}",
                what_the_todos_say(exercise, shipped, learner)
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::default_arch;

    #[test]
    fn the_first_error_and_its_place() {
        let log = "warning: unused variable: `x`\n --> src/main.rs:3:9\n\n\
                   error[E0425]: cannot find value `pd` in this scope\n  --> src/main.rs:48:10\n   \
                   |\n48 |     pd.page_directory_map(\n\n\
                   error: could not compile `mapping-tutorial`\n";
        assert_eq!(
            first_error(log).unwrap(),
            "error[E0425]: cannot find value `pd` in this scope\n  --> src/main.rs:48:10"
        );
        assert_eq!(
            first_error("error: no matching package\n").unwrap(),
            "error: no matching package"
        );
        assert_eq!(first_error("warning: nothing\n"), None);
        let messages = error_messages(log);
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(messages[0].starts_with("error[E0425]"), "{messages:?}");
        assert!(
            messages[0].contains("pd.page_directory_map("),
            "{messages:?}"
        );
        assert!(!messages[0].contains("could not compile"), "{messages:?}");
        assert_eq!(messages[1], "error: could not compile `mapping-tutorial`");
        let at_start = "error[E0425]: x\n  --> a.rs:1:1\nerror: could not compile\n";
        assert_eq!(
            error_messages(at_start),
            [
                "error[E0425]: x\n  --> a.rs:1:1",
                "error: could not compile"
            ]
        );
    }

    #[test]
    fn the_next_stage_follows_the_run() {
        let exercise = default_arch().main_exercise();
        let name = |s: Option<StageRef>| s.map(StageRef::name);
        assert_eq!(name(next_by_the_run(exercise, None)), Some("pd"));
        assert_eq!(
            name(next_by_the_run(exercise, exercise.stage(1))),
            Some("pt")
        );
        assert_eq!(name(next_by_the_run(exercise, exercise.stage(3))), None);
    }

    const SAMPLE: &str = "fn main() {
    // TODO first thing
    // one();

    // TODO second thing
    // two();

    // TODO third thing
    // three();
}
";

    /// After a panic at the start stage, the lines do not claim the stage's output (the level
    /// the learner never saw); after a run that printed it, they do; a file that does not build
    /// is at no stage.
    #[test]
    fn the_description_agrees_with_what_the_run_printed() {
        let exercise = default_arch().main_exercise();
        let panicked = Observed::Ran {
            printed: None,
            ending: Some("panicked at src/main.rs:25:5:".to_owned()),
        };
        let text = describe(exercise, SAMPLE, SAMPLE, &panicked);
        assert!(
            text.starts_with(
                "src/main.rs builds, but its run prints what no stage prints: it ended with \
                 `panicked at src/main.rs:25:5:`; its TODOs look like stage 'start' (0 of 3 done)."
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "Next: `make simulate ARCH=x86_64` shows the whole run; `make solution \
                 ARCH=x86_64` shows the solution of stage 'pd'"
            ),
            "{text}"
        );
        assert!(!text.contains("level 30"), "{text}");
        let fine = Observed::Ran {
            printed: exercise.stage(0),
            ending: None,
        };
        let text = describe(exercise, SAMPLE, SAMPLE, &fine);
        assert_eq!(text, stages::describe_progress(exercise, SAMPLE, SAMPLE));
        assert!(text.contains("(level 30)"), "{text}");
        let refused = Observed::Refused {
            error: "error: expected one of `.`, `;`".to_owned(),
            hints: vec!["hint: a hint".to_owned()],
        };
        let text = describe(exercise, SAMPLE, "", &refused);
        assert!(
            text.starts_with("src/main.rs does not build, so it is at no stage yet"),
            "{text}"
        );
        assert!(!text.contains("is at stage"), "{text}");
        assert!(
            text.contains("\nerror: expected one of `.`, `;`\nhint: a hint\n"),
            "{text}"
        );
    }
}
