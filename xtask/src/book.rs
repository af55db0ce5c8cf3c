// SPDX-License-Identifier: BSD-2-Clause

//! The book (docs/book, an mdBook): what its chapters name, filled in from the project's own
//! files, so that no output and no exercise code in it is typed by hand.
//!
//! mdBook runs `tools/xtask book-preprocess` on every chapter (book.toml), which expands these
//! directives, each on a line of its own:
//!
//! - `{{#output <arch>/<stage>}}`: what the stage prints after the kernel's boot log, as
//!   `make record` recorded it from a real boot (and every `make test` compares it with one);
//! - `{{#walk <arch>/<stage>}}`: the stage's page-table walk, recorded beside it;
//! - `{{#todo <arch> <exercise> <text>}}`: the shipped file's `// TODO <text>` and the
//!   commented-out solution under it; `{{#file <arch> <exercise>}}`: the whole shipped file;
//! - `{{#arch <arch>}}` ... `{{#endarch}}`: a part of one architecture only. The book's script
//!   shows the reader's architecture's parts and hides the others; without scripts every part
//!   shows, one after another, each labelled with its architecture.
//!
//! Every chapter also starts with the architecture chooser, which the script fills in from the
//! catalogue's architectures named on it.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};

use crate::catalogue::{self, ARCHES, Arch, StageRef};
use crate::documented::read_recorded;
use crate::project::Project;

/// The mdBook release the book is built with (`make book` installs it if missing).
pub const MDBOOK_VERSION: &str = "0.5.4";

/// The port `make book SERVE=1` serves the book on.
pub const DEFAULT_PORT: u16 = 3000;

/// The mdBook that builds the book: this checkout's, this user's cached one, or installed now.
pub struct Mdbook {
    program: PathBuf,
}

impl Mdbook {
    pub fn ensure(project: &Project) -> Result<Self> {
        let path = project
            .host_tools_dir()
            .join(format!("mdbook-{MDBOOK_VERSION}"))
            .join("mdbook");
        let key = format!("mdbook {MDBOOK_VERSION}");
        let program = crate::loader::ensure(project, &path, &key, |dir| {
            eprintln!(
                "==> Installing mdBook {MDBOOK_VERSION} from crates.io (cargo install, once: a few \
                 minutes)"
            );
            let mut cargo = project.command("cargo");
            cargo
                .args(["install", "mdbook", "--locked", "--force", "--version"])
                .arg(format!("={MDBOOK_VERSION}"))
                .arg("--root")
                .arg(dir.join("install"))
                .env("CARGO_TARGET_DIR", dir.join("target"));
            crate::command::run(cargo, crate::command::Output::Shown, "cargo install mdbook")
                .with_context(|| {
                    format!(
                        "mdBook {MDBOOK_VERSION} is missing and could not be installed: it comes \
                         from crates.io, so the first `make book` needs the network (or install it \
                         yourself: `cargo install mdbook --locked --version {MDBOOK_VERSION}`, \
                         and copy it to {})",
                        path.display()
                    )
                })?;
            Ok(dir.join("install/bin/mdbook"))
        })?;
        Ok(Self { program })
    }

    fn command(&self, project: &Project) -> std::process::Command {
        let mut cmd = project.command(&self.program);
        // Its preprocessor (book.toml) is this program: started as everything starts it.
        cmd.current_dir(project.book_dir());
        cmd
    }

    /// Builds the book into `dest`.
    pub fn build(&self, project: &Project, dest: &Path) -> Result<()> {
        eprintln!(
            "==> Building the book (mdBook {MDBOOK_VERSION}) into {}",
            dest.display()
        );
        let mut cmd = self.command(project);
        cmd.arg("build").arg("--dest-dir").arg(dest);
        crate::command::run(cmd, crate::command::Output::Captured, "mdbook build")
    }

    /// Serves the book on localhost at `port`, rebuilt on every change, until interrupted.
    pub fn serve(&self, project: &Project, port: u16) -> Result<()> {
        let dest = project.book_out();
        eprintln!(
            "==> Serving the book at http://localhost:{port}/ (rebuilt when a chapter changes; \
             Ctrl-C stops it)"
        );
        let mut cmd = self.command(project);
        cmd.arg("serve").arg("--dest-dir").arg(&dest).args([
            "--hostname",
            &crate::project::listen_address(),
            "--port",
            &port.to_string(),
        ]);
        let status = cmd.status().context("cannot run mdbook serve")?;
        if !status.success() {
            bail!("mdbook serve ended: {status}");
        }
        Ok(())
    }
}

/// The directives, as a chapter writes them.
const OUTPUT: &str = "{{#output ";
const WALK: &str = "{{#walk ";
const TODO: &str = "{{#todo ";
const FILE: &str = "{{#file ";
const ARCH: &str = "{{#arch ";
const END_ARCH: &str = "{{#endarch}}";

/// The chooser every chapter starts with: the book's script makes it a menu of these
/// architectures, the default first chosen.
pub fn chooser() -> String {
    let names: Vec<&str> = ARCHES.iter().map(|a| a.name).collect();
    format!(
        "<div id=\"arch-chooser\" data-arches=\"{}\" data-default=\"{}\"></div>\n\n",
        names.join(" "),
        catalogue::default_arch().name
    )
}

/// `chapter` (named `name` in errors) with every directive expanded.
pub fn expand(project: &Project, name: &str, chapter: &str) -> Result<String> {
    let mut out = chooser();
    let mut open: Option<(&str, usize)> = None;
    for (i, line) in chapter.lines().enumerate() {
        let at = || format!("{name}:{}", i + 1);
        let trimmed = line.trim();
        let argument = |mark: &str| {
            trimmed
                .strip_prefix(mark)
                .and_then(|rest| rest.strip_suffix("}}"))
                .map(str::trim)
        };
        // A stage's recorded output or walk, from where each is kept.
        type Recording = fn(&Project, &Arch, &str) -> PathBuf;
        let recording = [
            (OUTPUT, Project::recorded_output as Recording),
            (WALK, Project::recorded_walk),
        ]
        .into_iter()
        .find_map(|(mark, path)| Some((argument(mark)?, path)));
        if let Some((stage, recorded_at)) = recording {
            let stage = find_stage(stage).with_context(at)?;
            let path = recorded_at(project, stage.arch, stage.name());
            fence(
                &mut out,
                "text",
                &read_recorded(&path, stage).with_context(at)?,
            );
        } else if let Some(args) = argument(TODO) {
            let (arch, rest) = args.split_once(' ').unwrap_or((args, ""));
            let (exercise, todo) = rest.split_once(' ').unwrap_or((rest, ""));
            let path = shipped_file(project, arch, exercise).with_context(at)?;
            let lines = todo_lines(&path, todo).with_context(at)?;
            fence(&mut out, "rust", &lines);
        } else if let Some(args) = argument(FILE) {
            let (arch, exercise) = args.split_once(' ').unwrap_or((args, ""));
            let path = shipped_file(project, arch, exercise).with_context(at)?;
            let text = fs::read_to_string(&path).with_context(|| path.display().to_string())?;
            let lines: Vec<String> = text.lines().map(str::to_owned).collect();
            fence(&mut out, "rust", &lines);
        } else if let Some(arch) = argument(ARCH) {
            if let Some((other, line)) = open {
                bail!(
                    "{}: {other}'s part, opened at line {line}, is not ended",
                    at()
                );
            }
            if arch.is_empty() {
                bail!("{}: `{trimmed}` names no architecture", at());
            }
            let arch = catalogue::find_arch(arch).with_context(at)?;
            open = Some((arch.name, i + 1));
            out.push_str(&format!(
                "<div class=\"arch-only\" data-arch=\"{0}\">\n<p class=\"arch-label\">{0}</p>\n\n",
                arch.name
            ));
        } else if trimmed == END_ARCH {
            if open.take().is_none() {
                bail!("{}: {END_ARCH} ends no architecture's part", at());
            }
            out.push_str("\n</div>\n");
        } else if trimmed.starts_with("{{#")
            && [OUTPUT, WALK, TODO, FILE, ARCH]
                .iter()
                .any(|mark| trimmed.starts_with(mark.trim_end()))
        {
            bail!("{}: `{trimmed}` is not a directive this book knows", at());
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    if let Some((arch, line)) = open {
        bail!("{name}:{line}: {arch}'s part is not ended with {END_ARCH}");
    }
    Ok(out)
}

fn fence(out: &mut String, language: &str, lines: &[String]) {
    out.push_str(&format!("```{language}\n"));
    for line in lines {
        out.push_str(line);
        out.push('\n');
    }
    out.push_str("```\n");
}

/// `<arch>/<stage>`, looked up.
fn find_stage(name: &str) -> Result<StageRef> {
    let (arch, stage) = name
        .split_once('/')
        .filter(|(arch, _)| !arch.is_empty())
        .ok_or_else(|| anyhow!("'{name}' is not <arch>/<stage>"))?;
    Ok(catalogue::find_arch(arch)?.find_stage(stage)?)
}

/// The shipped file of `exercise` on `arch` (both named, never the default).
fn shipped_file(project: &Project, arch: &str, exercise: &str) -> Result<PathBuf> {
    if arch.is_empty() || exercise.is_empty() {
        bail!("an architecture and an exercise must be named");
    }
    let arch: &Arch = catalogue::find_arch(arch)?;
    Ok(project.shipped(arch.find_exercise(exercise)?.exercise.file))
}

/// The line `// TODO <todo>` of `path` and the comment lines under it (its solution), indented
/// as in the file less the TODO's own indentation.
pub fn todo_lines(path: &Path, todo: &str) -> Result<Vec<String>> {
    let text = fs::read_to_string(path).with_context(|| path.display().to_string())?;
    let lines: Vec<&str> = text.lines().collect();
    let wanted = format!("// TODO {todo}");
    let start = lines
        .iter()
        .position(|l| l.trim() == wanted)
        .ok_or_else(|| anyhow!("{} has no line `{wanted}`", path.display()))?;
    let indent = lines[start].len() - lines[start].trim_start().len();
    Ok(lines[start..]
        .iter()
        .take_while(|l| l.trim_start().starts_with("//"))
        .map(|l| l.get(indent..).unwrap_or(l.trim_start()).to_owned())
        .collect())
}

/// mdBook's preprocessor protocol: `supports <renderer>` answers by exit status (every renderer
/// is supported); otherwise `[context, book]` arrives as JSON on standard input and the book,
/// each chapter expanded, leaves on standard output.
pub fn preprocess(project: &Project, args: &[String]) -> Result<()> {
    if args.first().map(String::as_str) == Some("supports") {
        return Ok(());
    }
    let mut input = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin(), &mut input)
        .context("reading mdBook's JSON from standard input")?;
    let (_context, mut book): (serde_json::Value, serde_json::Value) =
        serde_json::from_str(&input).context("mdBook's JSON is not [context, book]")?;
    expand_chapters(project, &mut book)?;
    serde_json::to_writer(std::io::stdout().lock(), &book).context("writing the book")?;
    Ok(())
}

/// Expands every chapter found in mdBook's JSON book, wherever its version puts them: any object
/// with a `Chapter` holding `content` (and a `name`).
fn expand_chapters(project: &Project, value: &mut serde_json::Value) -> Result<()> {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(chapter) = map.get_mut("Chapter").and_then(|c| c.as_object_mut()) {
                let name = chapter
                    .get("path")
                    .and_then(|p| p.as_str())
                    .or_else(|| chapter.get("name").and_then(|n| n.as_str()))
                    .unwrap_or("a chapter")
                    .to_owned();
                if let Some(serde_json::Value::String(content)) = chapter.get_mut("content") {
                    *content = expand(project, &name, content)?;
                }
            }
            for child in map.values_mut() {
                expand_chapters(project, child)?;
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                expand_chapters(project, item)?;
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expanded(text: &str) -> Result<String> {
        expand(&Project::here(), "t.md", text)
    }

    #[test]
    fn an_architecture_s_part_is_a_labelled_division() {
        let out = expanded("a\n{{#arch aarch64}}\n\nb\n\n{{#endarch}}\nc\n").unwrap();
        assert!(out.starts_with(&chooser()));
        assert!(out.contains(
            "a\n<div class=\"arch-only\" data-arch=\"aarch64\">\n<p class=\"arch-label\">aarch64</p>\n\n\nb\n\n\n</div>\nc\n"
        ));
    }

    #[test]
    fn a_wrong_directive_is_refused_with_its_line() {
        for (text, said) in [
            ("{{#arch arm}}\n{{#endarch}}\n", "t.md:1"),
            ("{{#arch aarch64}}\nx\n", "not ended"),
            ("{{#endarch}}\n", "ends no"),
            ("{{#arch aarch64}}\n{{#arch riscv64}}\n", "not ended"),
            ("\n{{#output aarch64/nothing}}\n", "t.md:2"),
            ("{{#output aarch64}}\n", "not <arch>/<stage>"),
            ("{{#todo aarch64 mapping no such todo}}\n", "has no line"),
            ("{{#todo aarch64}}\n", "must be named"),
            ("{{#outputs x86_64/start}}\n", "not a directive"),
        ] {
            let error = format!("{:#}", expanded(text).unwrap_err());
            assert!(error.contains(said), "{text:?}: {error}");
        }
    }

    #[test]
    fn a_todo_is_its_line_and_the_solution_under_it() {
        let project = Project::here();
        let lines = todo_lines(
            &project.shipped("aarch64/src/main.rs"),
            "map a level-2 page table",
        )
        .unwrap();
        assert_eq!(
            lines,
            [
                "// TODO map a level-2 page table",
                "// pt_l2",
                "//     .pt_map(VSPACE.cap(), TEST_VADDR, VmAttributes::default())",
                "//     .context(\"Failed to map level-2 page table\")?;",
            ]
        );
    }

    #[test]
    fn every_chapter_found_in_the_json_is_expanded() {
        let mut book = serde_json::json!({"items": [{"Chapter": {"name": "a", "content": "x\n",
            "sub_items": [{"Chapter": {"name": "b", "content": "{{#arch riscv32}}\n{{#endarch}}\n"}}]}},
            "Separator"]});
        expand_chapters(&Project::here(), &mut book).unwrap();
        let inner = &book["items"][0]["Chapter"]["sub_items"][0]["Chapter"]["content"];
        assert!(inner.as_str().unwrap().contains("data-arch=\"riscv32\""));
    }
}
