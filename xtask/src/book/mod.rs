// SPDX-License-Identifier: BSD-2-Clause

//! The book (docs/book, an mdBook): what its chapters name, filled in from the project's own
//! files, so that no output, no exercise code and no address in it is typed by hand.
//!
//! mdBook runs `tools/xtask book-preprocess` on every chapter (book.toml), which expands these
//! directives, each on a line of its own:
//!
//! - `{{#output <arch>/<stage>}}`: what the stage prints after the kernel's boot log, as
//!   `make record` recorded it from a real boot (and every `make test` compares it with one);
//! - `{{#walk <arch>/<stage>}}`: the stage's page-table walk, recorded beside it, drawn so that
//!   its boxes keep to the page's width;
//! - `{{#trace <arch>/<stage>}}`: what the stage prints built with `LOG_LEVEL=trace`, recorded too;
//! - `{{#questions <arch>/<stage>}}`: after a stage of the main exercise, in its architecture's
//!   part, the questions on it, each answered from its recordings (questions.rs);
//! - `{{#practice}}`: the practice page's address-translation problems, each architecture's kit of
//!   the entries its kernel wrote (practice.rs), for the page's script;
//! - `{{#todo <arch> <exercise> <text>}}`, in that architecture's part: the solution of the shipped
//!   file's `// TODO <text>`, closed until the reader opens it ("Show the solution"), its lines as
//!   the stage that does the TODO builds them. The step's hints come first, in the text since the
//!   last heading or block shown, and must name in code what the solution calls first;
//!   `{{#file <arch> <exercise>}}`: the whole shipped file;
//! - `{{#arch <arch>}}` ... `{{#endarch}}`: a part of one architecture only. The book's script
//!   shows the reader's architecture's parts and hides the others; without scripts every part
//!   shows, one after another, each labelled with its architecture;
//! - `{{#aside <question>?}}` ... `{{#endaside}}`: what a reader may ask but need not know, closed
//!   until opened, titled by its question.
//!
//! and, in the text:
//!
//! - `{{ARCH}}` and `{{FILE}}` (`{{FILE <exercise>}}`) in code: the reader's architecture and
//!   exercise file, so that every command shown is the reader's own (`make simulate
//!   ARCH={{ARCH}}`);
//! - `[text][key]`: a link to the address docs/book/links.toml gives `key` (xtask::book::links); code
//!   that names an API of that table (`frame_map`, `seL4_ARM_Page_Map`) links to its documentation;
//! - a term the glossary (glossary.md) defines links there at its first use on a page.
//!
//! Every chapter also starts with the architecture chooser, which the script fills in from the
//! catalogue's architectures named on it.

pub mod html;
pub mod links;
pub mod practice;
pub mod questions;
pub mod recorded;
pub mod recorded_walk;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};

use crate::book::html::{escape, inline_html, walk_html};
use crate::book::links::{Link, Links};
use crate::book::recorded::read_recorded;
use crate::catalogue::{self, ARCHES, Arch, ExerciseRef, StageRef};
use crate::exercise::stages;
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
        let program = crate::support::cache::ensure(project, &path, &key, |dir| {
            eprintln!(
                "==> Installing mdBook {MDBOOK_VERSION} from crates.io (cargo install, once: a few \
                 minutes)"
            );
            let mut cargo = project.command("cargo");
            // From outside the project: its .cargo/config.toml (build-std, seL4's targets) is
            // for the root tasks alone. (Cargo also reads the one above each crate it compiles:
            // a cargo home inside the project would give mdBook's crates seL4's target.)
            cargo
                .current_dir("/")
                .args(["install", "mdbook", "--locked", "--force", "--version"])
                .arg(format!("={MDBOOK_VERSION}"))
                .arg("--root")
                .arg(dir.join("install"))
                .env("CARGO_TARGET_DIR", dir.join("target"));
            crate::support::process::run(
                cargo,
                crate::support::process::Output::Shown,
                "cargo install mdbook",
            )
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
        crate::support::process::run(
            cmd,
            crate::support::process::Output::Captured,
            "mdbook build",
        )
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

/// The directives, as a chapter writes them, each on a line of its own.
const OUTPUT: &str = "{{#output ";
const WALK: &str = "{{#walk ";
const TRACE: &str = "{{#trace ";
const QUESTIONS: &str = "{{#questions ";
const PRACTICE: &str = "{{#practice}}";
const TODO: &str = "{{#todo ";
const FILE: &str = "{{#file ";
const ARCH: &str = "{{#arch ";
const END_ARCH: &str = "{{#endarch}}";
const ASIDE: &str = "{{#aside ";
const END_ASIDE: &str = "{{#endaside}}";

/// The chapter that defines the book's terms; a term's first use on any other page links there.
pub const GLOSSARY: &str = "glossary.md";

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

/// What the chapters are expanded with: the project's files, the table of links, the glossary.
pub struct Book<'a> {
    project: &'a Project,
    links: Links,
    terms: Vec<Term>,
}

/// A term the glossary defines: its heading, and the id of that heading.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Term {
    pub name: String,
    pub id: String,
}

impl<'a> Book<'a> {
    pub fn load(project: &'a Project) -> Result<Self> {
        let glossary = project.book_dir().join("src").join(GLOSSARY);
        let text = fs::read_to_string(&glossary).with_context(|| glossary.display().to_string())?;
        Ok(Self {
            project,
            links: Links::load(project)?,
            terms: glossary_terms(&text),
        })
    }

    pub fn links(&self) -> &Links {
        &self.links
    }

    pub fn terms(&self) -> &[Term] {
        &self.terms
    }
}

/// The terms of the glossary's text: each `## ` heading, with the id mdBook gives it.
pub fn glossary_terms(text: &str) -> Vec<Term> {
    text.lines()
        .filter_map(|l| l.strip_prefix("## "))
        .map(|name| Term {
            name: name.trim().to_owned(),
            id: heading_id(name.trim()),
        })
        .collect()
}

/// The id mdBook gives a heading: lowercase, spaces as `-`, only letters, digits, `-` and `_`.
pub fn heading_id(heading: &str) -> String {
    heading
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

/// Where a line of a chapter is shown: to every reader, or to one architecture's.
type Shown = Option<&'static Arch>;

/// The terms already linked on the page: in text every reader sees, in each architecture's
/// parts, and in the aside open now (a closed aside is no first use for the page around it).
#[derive(Default)]
struct Linked {
    common: BTreeSet<String>,
    parts: BTreeMap<&'static str, BTreeSet<String>>,
    aside: Option<BTreeSet<String>>,
}

impl Linked {
    /// Whether `term` is linked already where `shown` is; if not, it is from now on.
    fn first_use(&mut self, term: &str, shown: Shown) -> bool {
        if self.common.contains(term) {
            return false;
        }
        let set = match (&mut self.aside, shown) {
            (Some(aside), _) => aside,
            (None, None) => &mut self.common,
            (None, Some(arch)) => self.parts.entry(arch.name).or_default(),
        };
        set.insert(term.to_owned())
    }
}

/// The text of a page that is a step's hints: every reader's since the last heading, and the
/// part's since it began or last showed a block.
#[derive(Default)]
struct Hints<'a> {
    common: Vec<&'a str>,
    part: Vec<&'a str>,
    all: Vec<&'a str>,
}

impl<'a> Hints<'a> {
    fn text(&mut self, line: &'a str, in_part: bool) {
        match in_part {
            true => self.part.push(line),
            false => self.common.push(line),
        }
    }

    /// A block was shown (an output, a walk, a solution, questions), in a part or not.
    fn shown(&mut self, in_part: bool) {
        self.part.clear();
        if !in_part {
            self.common.clear();
        }
    }

    fn lines(&mut self) -> &[&'a str] {
        self.all = self.common.iter().chain(&self.part).copied().collect();
        &self.all
    }
}

/// A fenced block being read: its fence, and its lines.
struct Fence {
    marker: String,
    lines: Vec<String>,
}

impl Book<'_> {
    /// `chapter` (named `name`, its path in the book, in errors) with every directive expanded.
    pub fn expand(&self, name: &str, chapter: &str) -> Result<String> {
        let mut out = chooser();
        let mut part: Option<(&'static Arch, usize)> = None;
        let mut aside: Option<usize> = None;
        let mut fence: Option<Fence> = None;
        let mut linked = Linked::default();
        // A step's hints, for its TODO: the text every reader sees since the last heading, and
        // the architecture's part's own since the part began or showed a block.
        let mut hints = Hints::default();
        let glossary = name != GLOSSARY;
        for (i, line) in chapter.lines().enumerate() {
            let at = || format!("{name}:{}", i + 1);
            let shown = part.map(|(arch, _)| arch);
            let trimmed = line.trim();
            // A fenced block is kept whole, and shown per architecture if it names one.
            if let Some(open) = &mut fence {
                if trimmed.starts_with(&open.marker) && trimmed.trim_start_matches('`').is_empty() {
                    let open = fence.take().expect("a fence is open");
                    self.fenced(&mut out, &open, shown).with_context(at)?;
                } else {
                    open.lines.push(line.to_owned());
                }
                continue;
            }
            if trimmed.starts_with("```") {
                let marker: String = trimmed.chars().take_while(|c| *c == '`').collect();
                fence = Some(Fence {
                    marker,
                    lines: vec![line.to_owned()],
                });
                continue;
            }
            let argument = |mark: &str| {
                trimmed
                    .strip_prefix(mark)
                    .and_then(|rest| rest.strip_suffix("}}"))
                    .map(str::trim)
            };
            // A stage's recorded output, walk or trace, from where each is kept.
            type Recording = fn(&Project, &Arch, &str) -> PathBuf;
            let recording = [
                (OUTPUT, Project::recorded_output as Recording),
                (WALK, Project::recorded_walk),
                (TRACE, Project::recorded_trace),
            ]
            .into_iter()
            .find_map(|(mark, path)| Some((mark, argument(mark)?, path)));
            if let Some((mark, stage, recorded_at)) = recording {
                let stage = find_stage(stage).with_context(at)?;
                if shown.is_some_and(|arch| !std::ptr::eq(arch, stage.arch)) {
                    bail!("{}: `{trimmed}` is not in {}'s part", at(), stage.arch);
                }
                hints.shown(part.is_some());
                let path = recorded_at(self.project, stage.arch, stage.name());
                let lines = read_recorded(&path, stage).with_context(at)?;
                match mark {
                    WALK => out.push_str(&walk_html(&lines)),
                    _ => fence_lines(&mut out, "text", &lines),
                }
            } else if let Some(stage) = argument(QUESTIONS) {
                let stage = find_stage(stage).with_context(at)?;
                if !shown.is_some_and(|arch| std::ptr::eq(arch, stage.arch)) {
                    bail!("{}: `{trimmed}` is not in {}'s part", at(), stage.arch);
                }
                hints.shown(true);
                let questions =
                    crate::book::questions::of_stage(self.project, stage).with_context(at)?;
                out.push_str(&crate::book::questions::html(stage, &questions));
            } else if trimmed == PRACTICE {
                if let Some((arch, _)) = part {
                    bail!(
                        "{}: `{trimmed}` is every architecture's, not in {arch}'s part",
                        at()
                    );
                }
                out.push_str(&crate::book::practice::html(self.project).with_context(at)?);
            } else if let Some(args) = argument(TODO) {
                let (arch, rest) = args.split_once(' ').unwrap_or((args, ""));
                let (exercise, todo) = rest.split_once(' ').unwrap_or((rest, ""));
                let path = shipped_file(self.project, arch, exercise).with_context(at)?;
                let exercise = catalogue::find_arch(arch)?.find_exercise(exercise)?;
                if !shown.is_some_and(|a| std::ptr::eq(a, exercise.arch)) {
                    bail!("{}: `{trimmed}` is not in {arch}'s part", at());
                }
                let lines = solution_lines(&path, exercise, todo).with_context(at)?;
                if let Some(call) = first_call(&lines.join("\n"))
                    && !names_in_code(hints.lines(), call)
                {
                    bail!(
                        "{}: the hints above `{trimmed}` do not name `{call}`, the first call of \
                         its solution: say which object, which method, which arguments",
                        at()
                    );
                }
                hints.shown(true);
                out.push_str(&format!(
                    "<details class=\"solution\" data-arch=\"{}\" data-exercise=\"{}\" \
                     data-todo=\"{}\">\n<summary>Show the solution</summary>\n\n",
                    exercise.arch,
                    exercise.exercise.name,
                    escape(todo)
                ));
                fence_lines(&mut out, "rust", &lines);
                out.push_str("\n</details>\n");
            } else if let Some(args) = argument(FILE) {
                let (arch, exercise) = args.split_once(' ').unwrap_or((args, ""));
                let path = shipped_file(self.project, arch, exercise).with_context(at)?;
                let text = fs::read_to_string(&path).with_context(|| path.display().to_string())?;
                let lines: Vec<String> = text.lines().map(str::to_owned).collect();
                fence_lines(&mut out, "rust", &lines);
            } else if let Some(arch) = argument(ARCH) {
                if let Some((other, line)) = part {
                    bail!(
                        "{}: {other}'s part, opened at line {line}, is not ended",
                        at()
                    );
                }
                if arch.is_empty() {
                    bail!("{}: `{trimmed}` names no architecture", at());
                }
                let arch = catalogue::find_arch(arch).with_context(at)?;
                part = Some((arch, i + 1));
                hints.shown(true);
                out.push_str(&format!(
                    "<div class=\"arch-only\" data-arch=\"{0}\">\n<p class=\"arch-label\">{0}</p>\n\n",
                    arch.name
                ));
            } else if trimmed == END_ARCH {
                if part.take().is_none() {
                    bail!("{}: {END_ARCH} ends no architecture's part", at());
                }
                out.push_str("\n</div>\n");
            } else if let Some(question) = argument(ASIDE) {
                if let Some(line) = aside {
                    bail!("{}: the aside opened at line {line} is not ended", at());
                }
                if !question.ends_with('?') {
                    bail!(
                        "{}: an aside is titled by the question it answers: `{question}`",
                        at()
                    );
                }
                aside = Some(i + 1);
                linked.aside = Some(BTreeSet::new());
                out.push_str(&format!(
                    "<details class=\"aside\">\n<summary>{}</summary>\n\n",
                    inline_html(question)
                ));
            } else if trimmed == END_ASIDE {
                if aside.take().is_none() {
                    bail!("{}: {END_ASIDE} ends no aside", at());
                }
                linked.aside = None;
                out.push_str("\n</details>\n");
            } else if trimmed.starts_with("{{#")
                && [OUTPUT, WALK, TRACE, QUESTIONS, TODO, FILE, ARCH, ASIDE]
                    .iter()
                    .any(|mark| trimmed.starts_with(mark.trim_end()))
            {
                bail!("{}: `{trimmed}` is not a directive this book knows", at());
            } else {
                let heading = trimmed.starts_with('#');
                match heading {
                    true => hints = Hints::default(),
                    false => hints.text(line, part.is_some()),
                }
                let terms = (glossary && !heading).then_some(&mut linked);
                out.push_str(&self.inline(line, shown, heading, terms).with_context(at)?);
                out.push('\n');
            }
        }
        if let Some((arch, line)) = part {
            bail!("{name}:{line}: {arch}'s part is not ended with {END_ARCH}");
        }
        if let Some(line) = aside {
            bail!("{name}:{line}: the aside is not ended with {END_ASIDE}");
        }
        if fence.is_some() {
            bail!("{name}: a fenced block is not closed");
        }
        Ok(out)
    }

    /// A fenced block: as written, or, where it names the reader's architecture (`{{ARCH}}`,
    /// `{{FILE}}`), as each architecture's reader sees it.
    fn fenced(&self, out: &mut String, fence: &Fence, shown: Shown) -> Result<()> {
        let text = fence.lines.join("\n") + "\n" + &fence.marker + "\n";
        if !text.contains("{{") {
            out.push_str(&text);
            return Ok(());
        }
        match shown {
            Some(arch) => out.push_str(&placeholders(&text, arch)?),
            None => {
                for arch in ARCHES.iter() {
                    out.push_str(&format!(
                        "<div class=\"arch-only\" data-arch=\"{0}\">\n<p class=\"arch-label\">{0}</p>\n\n{1}\n</div>\n",
                        arch.name,
                        placeholders(&text, arch)?
                    ));
                }
            }
        }
        Ok(())
    }

    /// A line of text with its code and links made: a command for the reader's architecture, an
    /// API name linked to its documentation, `[text][key]` to the table's address, and a term's
    /// first use on the page to the glossary.
    fn inline(
        &self,
        line: &str,
        shown: Shown,
        heading: bool,
        mut terms: Option<&mut Linked>,
    ) -> Result<String> {
        let mut out = String::new();
        for piece in pieces(line) {
            match piece {
                Piece::Text(text) if text.contains("][") || text.contains("](") => {
                    bail!("`{line}`: a link is broken across lines: keep each on one line")
                }
                Piece::Text(text)
                    if text
                        .match_indices('`')
                        .any(|(at, _)| !text[..at].ends_with('\\')) =>
                {
                    bail!("`{line}`: code is broken across lines: keep each span on one line")
                }
                Piece::Text(text) => match terms.as_deref_mut() {
                    Some(linked) => out.push_str(&self.terms_linked(text, shown, linked)),
                    None => out.push_str(text),
                },
                Piece::Html(html) => out.push_str(html),
                Piece::Code { whole, code } if code.contains("{{") => {
                    out.push_str(&per_arch(shown, |arch| placeholders(whole, arch))?)
                }
                Piece::Code { whole, code } => match self.code_link(code) {
                    Some(link) if !heading => {
                        out.push_str(&self.linked(whole, link, shown));
                    }
                    _ => out.push_str(whole),
                },
                Piece::Link { whole, text, key } => match key {
                    Target::Key(key) => {
                        let key = match key.is_empty() {
                            true => text.trim_matches('`'),
                            false => key,
                        };
                        let link = self.links.get(key).ok_or_else(|| {
                            anyhow!("no link '{key}' in {}", self.project.book_links().display())
                        })?;
                        out.push_str(&self.linked(text, link, shown));
                    }
                    Target::Address(address) => {
                        if address.contains("://") {
                            bail!(
                                "`{whole}` types an address: name it in {} and link it by its key",
                                self.project.book_links().display()
                            );
                        }
                        if text.contains("{{") {
                            bail!("`{whole}`: a link's text names no architecture");
                        }
                        out.push_str(whole);
                    }
                },
            }
        }
        if out.contains("{{ARCH}}") || out.contains("{{FILE") {
            bail!(
                "`{line}`: the reader's architecture is named in code only (`make simulate ARCH={{{{ARCH}}}}`)"
            );
        }
        Ok(out)
    }

    /// `text` linked to `link`'s address: one link, or one for each architecture's reader.
    fn linked(&self, text: &str, link: &Link, shown: Shown) -> String {
        let one = |arch: &Arch| format!("[{text}]({})", self.links.target(link, arch));
        match shown {
            Some(arch) => one(arch),
            None if self.links.is_one_address(link) => one(&ARCHES[0]),
            None => per_arch(None, |arch| Ok(one(arch))).expect("no error to give"),
        }
    }

    /// The link a piece of code names: a key of the table (`seL4_ARM_Page_Map`), a path that ends
    /// in one (`cap_type::PT` for `sel4::cap_type::PT`), a method of one (`frame.frame_map(...)`
    /// for `.frame_map`), or the receiver of a call (`VSPACE.cap()` for `...::slot::VSPACE`).
    fn code_link(&self, code: &str) -> Option<&Link> {
        let code = without_call(code.trim());
        let path = |name: &str| {
            self.links.get(name).or_else(|| {
                name.contains("::")
                    .then(|| {
                        self.links
                            .keys()
                            .find(|k| k.ends_with(&format!("::{name}")))
                            .and_then(|k| self.links.get(k))
                    })
                    .flatten()
            })
        };
        let is_ident =
            |s: &str| !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_');
        if let Some(link) = path(code) {
            return Some(link);
        }
        let method = code.rsplit('.').next().unwrap_or(code);
        if is_ident(method)
            && let Some(link) = self.links.get(&format!(".{method}"))
        {
            return Some(link);
        }
        let receiver = code.split('.').next().unwrap_or(code);
        if receiver != code && receiver.contains("::") {
            return path(receiver);
        }
        None
    }

    /// `text` with the first use on the page of each glossary term linked to its definition.
    fn terms_linked(&self, text: &str, shown: Shown, linked: &mut Linked) -> String {
        let mut out = String::new();
        let mut rest = text;
        loop {
            let found = self
                .terms
                .iter()
                .filter_map(|term| find_term(rest, &term.name).map(|(at, len)| (at, len, term)))
                .filter(|(_, _, term)| !linked.common.contains(&term.name))
                .min_by_key(|(at, len, _)| (*at, usize::MAX - len));
            let Some((at, len, term)) = found else {
                out.push_str(rest);
                return out;
            };
            out.push_str(&rest[..at]);
            let word = &rest[at..at + len];
            match linked.first_use(&term.name, shown) {
                true => out.push_str(&format!("[{word}]({GLOSSARY}#{})", term.id)),
                false => out.push_str(word),
            }
            rest = &rest[at + len..];
        }
    }
}

/// `text` for each architecture's reader, inline: the one `shown` is for, or all five, each in a
/// part of its own that the book's script shows to that reader only.
fn per_arch(shown: Shown, text: impl Fn(&'static Arch) -> Result<String>) -> Result<String> {
    match shown {
        Some(arch) => text(arch),
        None => ARCHES
            .iter()
            .map(|arch| {
                Ok(format!(
                    "<span class=\"arch-only\" data-arch=\"{}\">{}</span>",
                    arch.name,
                    text(arch)?
                ))
            })
            .collect(),
    }
}

/// `text` with `{{ARCH}}` as the architecture's name and `{{FILE}}` (`{{FILE <exercise>}}`) as
/// its exercise file.
pub fn placeholders(text: &str, arch: &'static Arch) -> Result<String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let close = rest[open..]
            .find("}}")
            .map(|c| open + c)
            .ok_or_else(|| anyhow!("`{text}`: an unclosed `{{{{`"))?;
        out.push_str(&rest[..open]);
        let name = &rest[open + 2..close];
        match name.split_once(' ').unwrap_or((name, "")) {
            ("ARCH", "") => out.push_str(arch.name),
            ("FILE", "") => out.push_str(arch.main_exercise().exercise.file),
            ("FILE", exercise) => out.push_str(arch.find_exercise(exercise)?.exercise.file),
            _ => bail!("`{{{{{name}}}}}` is not `{{{{ARCH}}}}` or `{{{{FILE [exercise]}}}}`"),
        }
        rest = &rest[close + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// `code` without the arguments of a call at its end: `frame.frame_map` for
/// `frame.frame_map(VSPACE.cap(), ...)`.
fn without_call(code: &str) -> &str {
    if !code.ends_with(')') {
        return code;
    }
    let mut depth = 0;
    for (at, c) in code.char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' => {
                depth -= 1;
                if depth == 0 {
                    return &code[..at];
                }
            }
            _ => {}
        }
    }
    code
}

/// Where `term` first stands in `text` as whole words, and how long it is there: as written,
/// with a first letter of either case, or in its plural.
fn find_term(text: &str, term: &str) -> Option<(usize, usize)> {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let mut forms = vec![term.to_owned()];
    let first = term.chars().next()?;
    let other_case: String = match first.is_uppercase() {
        true => first.to_lowercase().collect(),
        false => first.to_uppercase().collect(),
    };
    // An acronym (`ASID`, `EL2`) is written one way only.
    if term.chars().nth(1).is_some_and(char::is_lowercase) || term.contains(' ') {
        forms.push(other_case + &term[first.len_utf8()..]);
    }
    for form in forms.clone() {
        match form.strip_suffix('y') {
            Some(stem) => forms.push(format!("{stem}ies")),
            None => forms.push(format!("{form}s")),
        }
    }
    forms
        .iter()
        .filter_map(|form| {
            text.match_indices(form.as_str())
                .find(|(at, _)| {
                    !word(text[..*at].chars().next_back())
                        && !word(text[at + form.len()..].chars().next())
                })
                .map(|(at, _)| (at, form.len()))
        })
        .min_by_key(|(at, len)| (*at, usize::MAX - len))
}

/// A piece of a line of text.
#[derive(Debug, PartialEq, Eq)]
enum Piece<'a> {
    Text(&'a str),
    /// A code span: as written, and its code.
    Code {
        whole: &'a str,
        code: &'a str,
    },
    /// A link: as written, its text, and where it goes.
    Link {
        whole: &'a str,
        text: &'a str,
        key: Target<'a>,
    },
    /// An HTML tag.
    Html(&'a str),
}

#[derive(Debug, PartialEq, Eq)]
enum Target<'a> {
    /// `[text][key]` (or `[text][]`, whose key is its text).
    Key(&'a str),
    /// `[text](address)`.
    Address(&'a str),
}

/// The pieces of a line of Markdown text: code spans, links, HTML tags and the text between.
fn pieces<'a>(line: &'a str) -> Vec<Piece<'a>> {
    let bytes = line.as_bytes();
    let mut pieces = Vec::new();
    let (mut at, mut text_from) = (0, 0);
    let flush = |pieces: &mut Vec<Piece<'a>>, from: usize, to: usize| {
        if to > from {
            pieces.push(Piece::Text(&line[from..to]));
        }
    };
    while at < bytes.len() {
        let found = match bytes[at] {
            b'\\' => {
                at += 1 + line[at + 1..].chars().next().map_or(0, char::len_utf8);
                continue;
            }
            b'`' => code_span(line, at).map(|end| {
                let ticks = line[at..].bytes().take_while(|b| *b == b'`').count();
                let piece = Piece::Code {
                    whole: &line[at..end],
                    code: &line[at + ticks..end - ticks],
                };
                (piece, end)
            }),
            b'[' => link(line, at),
            b'<' if bytes
                .get(at + 1)
                .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'/' || *b == b'!') =>
            {
                line[at..]
                    .find('>')
                    .map(|end| (Piece::Html(&line[at..at + end + 1]), at + end + 1))
            }
            _ => None,
        };
        match found {
            Some((piece, end)) => {
                flush(&mut pieces, text_from, at);
                pieces.push(piece);
                at = end;
                text_from = end;
            }
            None => at += line[at..].chars().next().map_or(1, char::len_utf8),
        }
    }
    flush(&mut pieces, text_from, line.len());
    pieces
}

/// The end of the code span that starts at `at`, if it is closed on the line.
fn code_span(line: &str, at: usize) -> Option<usize> {
    let ticks = line[at..].bytes().take_while(|b| *b == b'`').count();
    let fence = "`".repeat(ticks);
    let mut from = at + ticks;
    while let Some(found) = line[from..].find(&fence) {
        let start = from + found;
        let run = line[start..].bytes().take_while(|b| *b == b'`').count();
        if run == ticks {
            return Some(start + ticks);
        }
        from = start + run;
    }
    None
}

/// The link that starts at `at` (`[text](address)` or `[text][key]`), and its end.
fn link(line: &str, at: usize) -> Option<(Piece<'_>, usize)> {
    let mut depth = 0;
    let mut i = at;
    let close = loop {
        match line.as_bytes().get(i)? {
            b'`' => {
                i = code_span(line, i)?;
                continue;
            }
            b'[' => depth += 1,
            b']' => {
                depth -= 1;
                if depth == 0 {
                    break i;
                }
            }
            _ => {}
        }
        i += 1;
    };
    let text = &line[at + 1..close];
    let (open, shut) = match line.as_bytes().get(close + 1)? {
        b'(' => ('(', ')'),
        b'[' => ('[', ']'),
        _ => return None,
    };
    let end = close + 1 + line[close + 1..].find(shut)?;
    let inside = &line[close + 2..end];
    let key = match open {
        '(' => Target::Address(inside),
        _ => Target::Key(inside),
    };
    Some((
        Piece::Link {
            whole: &line[at..end + 1],
            text,
            key,
        },
        end + 1,
    ))
}

fn fence_lines(out: &mut String, language: &str, lines: &[String]) {
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

/// The solution of `// TODO <todo>` in `path`, `exercise`'s shipped file: its lines as the stage
/// that does that TODO builds them (stages.rs uncomments them there), less the TODO's own
/// indentation. What the book shows is so what the file holds, commented out, under the TODO.
pub fn solution_lines(path: &Path, exercise: ExerciseRef, todo: &str) -> Result<Vec<String>> {
    let text = fs::read_to_string(path).with_context(|| path.display().to_string())?;
    let todos = stages::analyse(exercise, &text)?;
    let k = todos
        .iter()
        .position(|t| t.title == todo)
        .ok_or_else(|| anyhow!("{} has no line `// TODO {todo}`", path.display()))?;
    let stage = exercise.stage(k + 1).expect("a stage for each TODO done");
    let done = stages::derive(&text, stage)?;
    let lines: Vec<&str> = done.lines().collect();
    let todo = &stages::analyse(exercise, &done)?[k];
    let mark = lines[todo.line - 1];
    let indent = mark.len() - mark.trim_start().len();
    Ok(lines[todo.solution.clone()]
        .iter()
        .map(|l| l.get(indent..).unwrap_or(l.trim_start()).to_owned())
        .collect())
}

/// The first function or method `code` calls: `pt_map` in `pt_l2\n    .pt_map(...)`, `allocate` in
/// `objects.allocate::<sel4::cap_type::PT>()?`; never a macro (`log::info!(...)`).
fn first_call(code: &str) -> Option<&str> {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    code.match_indices('(').find_map(|(at, _)| {
        let mut before = &code[..at];
        // A turbofish: `allocate::<sel4::cap_type::PT>`.
        if before.ends_with('>') {
            before = &before[..before.rfind("::<")?];
        }
        let start = before.rfind(|c: char| !is_word(c)).map_or(0, |i| i + 1);
        let name = &before[start..];
        name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
            .then_some(name)
    })
}

/// Whether a code span of `lines` names `name` as a whole word.
fn names_in_code(lines: &[&str], name: &str) -> bool {
    let is_word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    lines
        .iter()
        .flat_map(|l| pieces(l))
        .any(|piece| match piece {
            Piece::Code { code, .. } => code.match_indices(name).any(|(at, _)| {
                !is_word(code[..at].chars().next_back())
                    && !is_word(code[at + name.len()..].chars().next())
            }),
            _ => false,
        })
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
    Book::load(project)?.expand_chapters(&mut book)?;
    serde_json::to_writer(std::io::stdout().lock(), &book).context("writing the book")?;
    Ok(())
}

impl Book<'_> {
    /// Expands every chapter found in mdBook's JSON book, wherever its version puts them: any
    /// object with a `Chapter` holding `content` (and a `name`).
    fn expand_chapters(&self, value: &mut serde_json::Value) -> Result<()> {
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
                        *content = self.expand(&name, content)?;
                    }
                }
                for child in map.values_mut() {
                    self.expand_chapters(child)?;
                }
            }
            serde_json::Value::Array(items) => {
                for item in items {
                    self.expand_chapters(item)?;
                }
            }
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expanded(text: &str) -> Result<String> {
        let project = Project::here();
        Book::load(&project)?.expand("t.md", text)
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
            (
                "{{#arch aarch64}}\n{{#todo aarch64 mapping no such todo}}\n{{#endarch}}\n",
                "has no line",
            ),
            (
                "{{#todo aarch64 mapping remap the page}}\n",
                "not in aarch64's part",
            ),
            ("{{#questions aarch64/start}}\n", "not in aarch64's part"),
            (
                "{{#arch aarch64}}\n{{#questions aarch64/mapper-start}}\n{{#endarch}}\n",
                "not a stage of the main exercise",
            ),
            ("{{#todo aarch64}}\n", "must be named"),
            ("{{#outputs x86_64/start}}\n", "not a directive"),
            (
                "{{#arch riscv32}}\n{{#output aarch64/start}}\n",
                "not in aarch64's part",
            ),
            ("{{#aside Why}}\n{{#endaside}}\n", "titled by the question"),
            ("{{#aside Why?}}\n", "not ended"),
            ("{{#endaside}}\n", "ends no aside"),
            ("```sh\nx\n", "not closed"),
            ("see [there](https://example.org/)\n", "types an address"),
            ("see [there][no such link]\n", "no link 'no such link'"),
            ("run `make simulate ARCH={{ARM}}`\n", "is not `{{ARCH}}`"),
            ("your ARCH={{ARCH}}\n", "named in code only"),
            ("see [the\nC tutorial][C tutorial]\n", "broken across lines"),
            ("run `make\nsimulate`\n", "code is broken across lines"),
        ] {
            let error = format!("{:#}", expanded(text).unwrap_err());
            assert!(error.contains(said), "{text:?}: {error}");
        }
    }

    #[test]
    fn a_command_is_the_readers_own() {
        let out = expanded("Run `make simulate ARCH={{ARCH}}`.\n").unwrap();
        for arch in ARCHES.iter() {
            assert!(
                out.contains(&format!(
                    "<span class=\"arch-only\" data-arch=\"{arch}\">`make simulate ARCH={arch}`</span>"
                )),
                "{out}"
            );
        }
        let part =
            expanded("{{#arch riscv32}}\nEdit `{{FILE}}`, then `{{FILE mapper}}`.\n{{#endarch}}\n")
                .unwrap();
        assert!(part.contains("Edit `riscv32/src/main.rs`, then `riscv32/src/bin/mapper.rs`."));
        let block = expanded("```sh\nmake walk ARCH={{ARCH}}\n```\n").unwrap();
        assert_eq!(
            block.matches("```sh\nmake walk ARCH=").count(),
            ARCHES.len()
        );
        assert!(block.contains("```sh\nmake walk ARCH=aarch32\n```\n"));
        let plain = expanded("```sh\nmake book\n```\n").unwrap();
        assert!(plain.ends_with("```sh\nmake book\n```\n"));
    }

    #[test]
    fn an_api_name_links_to_its_documentation() {
        let project = Project::here();
        let book = Book::load(&project).unwrap();
        let aarch64 = catalogue::find_arch("aarch64").unwrap();
        let out = book
            .expand(
                "t.md",
                "{{#arch aarch64}}\nCall `pt.pt_map(...)`.\n{{#endarch}}\n",
            )
            .unwrap();
        let link = book.links.get(".pt_map").unwrap();
        assert!(out.contains(&format!(
            "Call [`pt.pt_map(...)`]({}).",
            book.links.target(link, aarch64)
        )));
        // A manual section is one address for every reader; rustdoc has a view per architecture.
        let out = book
            .expand("t.md", "`seL4_ARM_Page_Map` and `frame_map`\n")
            .unwrap();
        assert_eq!(out.matches("](https://sel4.systems/").count(), 1, "{out}");
        assert_eq!(
            out.matches("`frame_map`](https://sel4.github.io/").count(),
            ARCHES.len()
        );
        // Not in a heading, and not what names nothing of the table.
        let out = book.expand("t.md", "# `frame_map`\n`my_map`\n").unwrap();
        assert!(!out.contains("]("), "{out}");
    }

    #[test]
    fn a_terms_first_use_on_a_page_links_to_the_glossary() {
        let project = Project::here();
        let book = Book::load(&project).unwrap();
        let vspace = book.terms().iter().find(|t| t.name == "VSpace").unwrap();
        let out = book
            .expand(
                "t.md",
                "# VSpace\n{{#aside Why?}}\nIn a VSpace.\n{{#endaside}}\nA VSpace, and VSpaces.\n\
                 {{#aside Why not?}}\nIn a VSpace.\n{{#endaside}}\n",
            )
            .unwrap();
        // A closed aside's use is no first use for the page around it; after the page's, none is.
        let link = format!("[VSpace]({GLOSSARY}#{})", vspace.id);
        assert_eq!(out.matches(&link).count(), 2, "{out}");
        assert!(out.contains(&format!("A {link}, and VSpaces.")), "{out}");
        assert!(out.contains("# VSpace\n"), "{out}");
        // An architecture's part links a term the text every reader sees has not linked yet.
        let out = book
            .expand(
                "t.md",
                "{{#arch aarch64}}\nA VSpace.\n{{#endarch}}\n{{#arch riscv32}}\nA VSpace.\n{{#endarch}}\n",
            )
            .unwrap();
        assert_eq!(out.matches(&link).count(), 2, "{out}");
        assert_eq!(find_term("capabilities", "Capability"), Some((0, 12)));
        assert_eq!(find_term("page tables here", "Page table"), Some((0, 11)));
        assert_eq!(find_term("the ASIDs", "ASID"), Some((4, 5)));
        assert_eq!(find_term("asid", "ASID"), None);
        assert_eq!(find_term("VSpaceTop", "VSpace"), None);
    }

    #[test]
    fn an_aside_is_closed_and_titled_by_its_question() {
        let out =
            expanded("{{#aside Why is `frame_map` a remap?}}\nBecause.\n{{#endaside}}\n").unwrap();
        assert!(out.contains(
            "<details class=\"aside\">\n<summary>Why is <code>frame_map</code> a remap?</summary>\n\nBecause.\n\n</details>\n"
        ));
    }

    #[test]
    fn a_walk_keeps_its_boxes_and_wraps_beside_them() {
        let lines = [
            "    │ [1] bits 43..39  0x3   ├─> next table at 0x60000000".to_owned(),
            "    └─────┘".to_owned(),
        ];
        assert_eq!(
            walk_html(&lines),
            "<pre class=\"walk\"><span class=\"walk-row\"><span class=\"walk-box\">    │ [1] bits \
             43..39  0x3   ├─&gt; </span><span class=\"walk-text\">next table at \
             0x60000000</span></span><span class=\"walk-line\">    └─────┘</span></pre>\n\n"
        );
    }

    #[test]
    fn pieces_of_a_line() {
        assert_eq!(
            pieces("a `b` [c `d`](e.md) <span x> [f][g] \\[h]"),
            [
                Piece::Text("a "),
                Piece::Code {
                    whole: "`b`",
                    code: "b"
                },
                Piece::Text(" "),
                Piece::Link {
                    whole: "[c `d`](e.md)",
                    text: "c `d`",
                    key: Target::Address("e.md")
                },
                Piece::Text(" "),
                Piece::Html("<span x>"),
                Piece::Text(" "),
                Piece::Link {
                    whole: "[f][g]",
                    text: "f",
                    key: Target::Key("g")
                },
                Piece::Text(" \\[h]"),
            ]
        );
        assert_eq!(without_call("frame.frame_map(a(b), c)"), "frame.frame_map");
        assert_eq!(heading_id("ESR_EL2"), "esr_el2");
        assert_eq!(heading_id("Root task"), "root-task");
    }

    #[test]
    fn a_todos_solution_is_its_lines_as_the_stage_builds_them_and_closed() {
        let project = Project::here();
        let aarch64 = catalogue::find_arch("aarch64").unwrap();
        let lines = solution_lines(
            &project.shipped("aarch64/src/main.rs"),
            aarch64.main_exercise(),
            "map a level-2 page table",
        )
        .unwrap();
        assert_eq!(
            lines,
            [
                "pt_l2",
                "    .pt_map(VSPACE.cap(), TEST_VADDR, VmAttributes::default())",
                "    .context(\"Failed to map level-2 page table\")?;",
            ]
        );
        let out = expanded(
            "{{#arch aarch64}}\nCall `pt_map`.\n{{#todo aarch64 mapping map a level-2 page table}}\n{{#endarch}}\n",
        )
        .unwrap();
        assert!(
            out.contains(
                "<details class=\"solution\" data-arch=\"aarch64\" data-exercise=\"mapping\" \
                 data-todo=\"map a level-2 page table\">\n<summary>Show the solution</summary>\n\n\
                 ```rust\npt_l2\n"
            ),
            "{out}"
        );
        // The last TODO of a file whose last stage also drops its `#[allow(...)]` line.
        let riscv32 = catalogue::find_arch("riscv32").unwrap();
        let exercise = riscv32.find_exercise("unmapping").unwrap();
        let last = solution_lines(
            &project.shipped(exercise.exercise.file),
            exercise,
            "make a new page table, map it, then map the page again",
        )
        .unwrap();
        assert!(last[0].starts_with("objects"), "{last:?}");
    }

    /// A step's hints name what its solution calls first, or the book is not built.
    #[test]
    fn a_steps_hints_name_the_call_of_its_solution() {
        assert_eq!(
            first_call("pt_l2\n    .pt_map(VSPACE.cap())"),
            Some("pt_map")
        );
        assert_eq!(
            first_call("objects\n    .allocate::<sel4::cap_type::PT>()?\n    .pt_map(v)"),
            Some("allocate")
        );
        assert_eq!(
            first_call("log::info!(\"x\");\nframe.frame_unmap()"),
            Some("frame_unmap")
        );
        assert_eq!(first_call("let x = Failure::new(1);"), Some("new"));
        let step = |hint: &str| {
            expanded(&format!(
                "{{{{#arch aarch64}}}}\n{hint}\n\n{{{{#todo aarch64 mapping map a level-2 page \
                 table}}}}\n{{{{#endarch}}}}\n"
            ))
        };
        assert!(step("Call `pt_map` on `pt_l2`.").is_ok());
        assert!(step("Call `pt_l2.pt_map(...)`.").is_ok());
        let error = format!("{:#}", step("Call pt_map on `pt_l2`.").unwrap_err());
        assert!(error.contains("do not name `pt_map`"), "{error}");
        // Hints come after the last heading or output: an earlier step's do not count.
        let error = format!(
            "{:#}",
            step("Call `pt_map`.\n\n## Step 2\n\nDo it.").unwrap_err()
        );
        assert!(error.contains("do not name `pt_map`"), "{error}");
    }

    #[test]
    fn every_chapter_found_in_the_json_is_expanded() {
        let mut book = serde_json::json!({"items": [{"Chapter": {"name": "a", "content": "x\n",
            "sub_items": [{"Chapter": {"name": "b", "content": "{{#arch riscv32}}\n{{#endarch}}\n"}}]}},
            "Separator"]});
        let project = Project::here();
        Book::load(&project)
            .unwrap()
            .expand_chapters(&mut book)
            .unwrap();
        let inner = &book["items"][0]["Chapter"]["sub_items"][0]["Chapter"]["content"];
        assert!(inner.as_str().unwrap().contains("data-arch=\"riscv32\""));
    }
}
