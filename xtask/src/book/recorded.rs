// SPDX-License-Identifier: BSD-2-Clause

//! What the documents show of each stage, checked against what the stage really prints.
//!
//! The book (docs/book) types no output: its chapters name a stage (`{{#output aarch64/pt-l3}}`,
//! `{{#walk aarch64/pt-l3}}`), and the book's preprocessor fills in what `make record` recorded
//! from a real boot of it (docs/book/recorded/<arch>/<stage>.output and .walk). Every boot the
//! stage tests make is compared with those recordings here, so a recording cannot go stale: the
//! output is everything after the kernel's boot log (`Booting all finished, dropped to user
//! space`) with the fault report's source locations added, up to the kernel's stack dump; the walk
//! is the picture `make walk` draws.
//!
//! The thread and instruction addresses in the kernel's `in thread 0x... at address 0x...` line
//! depend on the exact build and memory size, so they are not compared; nor are a walk's
//! hexadecimal numbers (its physical addresses and raw entries vary with the build: each is
//! compared as `0x_`) or its boxes' widths.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::boot::qemu::Run;
use crate::boot::symbolize::Symbolizer;
use crate::catalogue::StageRef;
use crate::project::Project;
use crate::walk::Walk;

/// The kernel's last line before the root task runs: a stage's output starts after it.
pub const BOOTED: &str = "Booting all finished, dropped to user space";

/// Where the kernel starts dumping the faulting thread's stack: a stage's output ends before it.
const STACK_DUMP: &str = "With stack:";

/// A line of output as it is compared: the thread and instruction addresses of a fault report,
/// and of a kernel warning (`<<seL4(CPU 0) [maskVMRights/188 T0x... "rootserver" @21638c]: ...>>`),
/// as `0x(any)`.
pub fn normalise(line: &str) -> String {
    if let Some(rest) = line.strip_prefix("in thread ")
        && let Some((head, _)) = rest.rsplit_once(" at address 0x")
        && let Some((_, name)) = head.split_once(' ')
    {
        return format!("in thread 0x(any) {name} at address 0x(any)");
    }
    if let Some(rest) = line.strip_prefix("<<seL4(")
        && let Some((place, message)) = rest.split_once("]: ")
        && let Some((cpu_function, thread)) = place.split_once(" T0x")
        && let Some((_, name_at)) = thread.split_once(' ')
        && let Some((name, _)) = name_at.rsplit_once(" @")
    {
        return format!("<<seL4({cpu_function} T0x(any) {name} @(any)]: {message}");
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

/// The program's part of `printed` (the boot log with source locations added): after the kernel's
/// boot log, up to a stack dump.
pub fn program_output(printed: &[String]) -> Vec<String> {
    printed
        .iter()
        .skip_while(|l| *l != BOOTED)
        .skip(1)
        .take_while(|l| !l.starts_with(STACK_DUMP))
        .cloned()
        .collect()
}

/// What `make simulate` shows of `run`, a boot of the root task `image`, after the kernel's boot
/// log.
pub fn shown_output(project: &Project, image: &Path, run: &Run) -> Result<Vec<String>> {
    let symbolizer = Symbolizer::new(project, image)
        .with_context(|| format!("cannot read {}", image.display()))?;
    let printed: Vec<String> = run
        .lines
        .iter()
        .flat_map(|l| std::iter::once(l.clone()).chain(symbolizer.annotate(l)))
        .collect();
    Ok(program_output(&printed))
}

/// `walks` as `make walk` draws them.
pub fn drawn_walks(walks: &[Walk]) -> Vec<String> {
    walks.iter().flat_map(Walk::render).collect()
}

/// The name a recording gives `stage`: `<arch>/<stage>`.
pub fn block_name(stage: StageRef) -> String {
    format!("{}/{}", stage.arch, stage.name())
}

/// The recorded lines of `path`, or an error that says how to record them.
pub fn read_recorded(path: &Path, stage: StageRef) -> Result<Vec<String>> {
    let text = fs::read_to_string(path).with_context(|| {
        format!(
            "{}: not recorded: run `make record{}`",
            path.display(),
            stage.make_args()
        )
    })?;
    Ok(text.lines().map(str::to_owned).collect())
}

/// Writes what a passed boot of `stage` showed as its recordings.
pub fn record(project: &Project, stage: StageRef, output: &[String], walks: &[Walk]) -> Result<()> {
    // Replaced whole, and only when changed: `make book SERVE=1` may be reading them, and rebuilds
    // on every change.
    let write = |path: &Path, lines: &[String]| {
        crate::support::files::write_if_changed(path, lines.join("\n") + "\n")
            .with_context(|| path.display().to_string())
    };
    write(&project.recorded_output(stage.arch, stage.name()), output)?;
    let walk_path = project.recorded_walk(stage.arch, stage.name());
    match walks.is_empty() {
        true => match fs::remove_file(&walk_path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(e).with_context(|| walk_path.display().to_string())
            }
            _ => Ok(()),
        },
        false => write(&walk_path, &drawn_walks(walks)),
    }
}

/// Whether the book also shows `stage` built with `LOG_LEVEL=trace`: each main exercise's first
/// stage, so that every reader sees their architecture's calls under their libsel4 names.
pub fn traced(stage: StageRef) -> bool {
    stage.exercise().is_main() && stage.stage.todos_done == 0
}

/// Writes what a boot of `stage` built with `LOG_LEVEL=trace` showed as its recorded trace.
pub fn record_trace(project: &Project, stage: StageRef, output: &[String]) -> Result<()> {
    let path = project.recorded_trace(stage.arch, stage.name());
    crate::support::files::write_if_changed(&path, output.join("\n") + "\n")
        .with_context(|| path.display().to_string())
}

/// A trace's lines that are not the program's own output at its usual level: the invocations
/// logged at trace level, and the capabilities' slots logged at debug level.
pub fn is_traced_line(line: &str) -> bool {
    line.starts_with("TRACE: ") || line.starts_with("DEBUG: ")
}

/// Checks `stage`'s recorded trace against its recorded output: without the lines tracing adds,
/// it is the same run. (The output is checked against every boot of the stage.)
pub fn check_trace(project: &Project, stage: StageRef) -> Result<()> {
    let path = project.recorded_trace(stage.arch, stage.name());
    let trace = read_recorded(&path, stage)?;
    if !trace.iter().any(|l| l.starts_with("TRACE: ")) {
        bail!("{}: no invocation is traced in it", path.display());
    }
    let untraced: Vec<String> = trace.into_iter().filter(|l| !is_traced_line(l)).collect();
    let output_path = project.recorded_output(stage.arch, stage.name());
    let output = read_recorded(&output_path, stage)?;
    compare(
        "trace, less its traced lines,",
        &path,
        stage,
        &output,
        &untraced,
        normalise,
    )
}

/// Where `shown` and `recorded` first differ once each line is `normalised`, if they do.
pub fn first_difference(
    recorded: &[String],
    shown: &[String],
    normalised: fn(&str) -> String,
) -> Option<usize> {
    let n = recorded.len().max(shown.len());
    (0..n).find(|&i| recorded.get(i).map(|l| normalised(l)) != shown.get(i).map(|l| normalised(l)))
}

fn compare(
    what: &str,
    path: &Path,
    stage: StageRef,
    recorded: &[String],
    shown: &[String],
    normalised: fn(&str) -> String,
) -> Result<()> {
    if let Some(at) = first_difference(recorded, shown, normalised) {
        bail!(
            "{}: the recorded {what} of stage '{}' is not what it shows now: they differ at line \
             {} (recorded: {:?}, shown: {:?}); if the change is meant, run `make record{}`.\n\
             --- recorded ---\n{}\n--- shown ---\n{}",
            path.display(),
            block_name(stage),
            at + 1,
            recorded.get(at).map_or("(nothing)", String::as_str),
            shown.get(at).map_or("(nothing)", String::as_str),
            stage.make_args(),
            recorded.join("\n"),
            shown.join("\n")
        );
    }
    Ok(())
}

/// Checks `run`, a boot of `stage`'s root task `image`, against its recorded output: Err says
/// where they differ, with both texts.
pub fn check(project: &Project, stage: StageRef, image: &Path, run: &Run) -> Result<()> {
    let shown = shown_output(project, image, run)?;
    let path = project.recorded_output(stage.arch, stage.name());
    let recorded = read_recorded(&path, stage)?;
    compare("output", &path, stage, &recorded, &shown, normalise)
}

/// Checks `stage`'s `walks` against its recorded walks.
pub fn check_walks(project: &Project, stage: StageRef, walks: &[Walk]) -> Result<()> {
    let path = project.recorded_walk(stage.arch, stage.name());
    if walks.is_empty() && !path.exists() {
        return Ok(());
    }
    let recorded = read_recorded(&path, stage)?;
    compare(
        "walk",
        &path,
        stage,
        &recorded,
        &drawn_walks(walks),
        normalise_walk,
    )
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
        let warned = r#"<<seL4(CPU 0) [maskVMRights/188 T0x80ffe09400 "rootserver" @21638c]: Attempted to make unsupported write only mapping>>"#;
        assert_eq!(
            normalise(warned),
            r#"<<seL4(CPU 0) [maskVMRights/188 T0x(any) "rootserver" @(any)]: Attempted to make unsupported write only mapping>>"#
        );
        assert_ne!(
            normalise(warned),
            normalise(&warned.replace("maskVMRights/188", "maskVMRights/189")),
            "the kernel's function and line are compared"
        );
    }
}
