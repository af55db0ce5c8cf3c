// SPDX-License-Identifier: BSD-2-Clause

//! The questions the book asks after each stage of the main exercise (`{{#questions
//! <arch>/<stage>}}`), each answered from the stage's recordings: which entry of which table the
//! next step fills, which level the kernel will name, which physical address the read reaches,
//! what the fault's status says, which entry the remap changes, how many bytes the walk reads.
//! Nothing of an answer is typed: each is computed here from docs/book/recorded/<arch>/ (the
//! walks read back with the walk's own decoder, recorded_walk.rs), so that a recording that
//! changes an answer changes the question, and one that no longer fits a question (a stage that
//! stops where it did not, a status this module cannot read) fails the book's build, naming it.

use anyhow::{Context, Result, anyhow, bail};

use crate::book::html::{escape, inline_html, walk_html};
use crate::book::recorded::read_recorded;
use crate::catalogue::StageRef;
use crate::project::Project;
use crate::walk::Walk;
use crate::walk::addresses::parse_number;
use crate::walk::tables::{Entry, Format, Page, Tables};

/// One question, with its answer and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// The question: text with `code` spans.
    pub text: String,
    pub answer: Answer,
    /// Why the answer is what it is: paragraphs of text with `code` spans.
    pub why: Vec<String>,
    /// The walk that shows it, as `make walk` draws it.
    pub walk: Vec<String>,
}

/// What a question takes for an answer, and the right one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// A number typed in: decimal, or hexadecimal with `0x`.
    Number(u64),
    /// An address typed in: hexadecimal, with or without `0x`.
    Address(u64),
    /// One of the choices.
    Choice { choices: Vec<String>, right: usize },
}

impl Answer {
    /// The right answer in words.
    pub fn text(&self) -> String {
        match self {
            Self::Number(n) => n.to_string(),
            Self::Address(a) => format!("{a:#x}"),
            Self::Choice { choices, right } => choices[*right].clone(),
        }
    }
}

/// What a stage showed: its output after the boot log, and its walk of `TEST_VADDR`.
struct Seen {
    stage: StageRef,
    output: Vec<String>,
    tables: Tables,
    walk: Walk,
}

impl Seen {
    fn read(project: &Project, stage: StageRef) -> Result<Self> {
        let output = read_recorded(&project.recorded_output(stage.arch, stage.name()), stage)?;
        let recorded = crate::book::recorded_walk::of_stage(project, stage)?;
        let [walk] = &recorded.walks[..] else {
            bail!(
                "stage {}/{} has {} recorded walks; its questions are about one, TEST_VADDR's",
                stage.arch,
                stage.name(),
                recorded.walks.len()
            );
        };
        Ok(Self {
            stage,
            output,
            tables: recorded.tables,
            walk: walk.clone(),
        })
    }

    /// The level the kernel named, from `Missing intermediate paging structure at level N`.
    fn missing_level(&self) -> Option<u32> {
        self.output.iter().find_map(|l| {
            l.strip_prefix("Missing intermediate paging structure at level ")?
                .trim()
                .parse()
                .ok()
        })
    }

    /// The status of the VM fault the kernel reported, from `vm fault on data at address A with
    /// status S`, and the line.
    fn fault(&self) -> Option<(u64, &str)> {
        self.output.iter().find_map(|l| {
            let (_, status) = l
                .strip_prefix("vm fault on data at address ")?
                .split_once(" with status ")?;
            Some((parse_number(status)?, l.as_str()))
        })
    }

    fn page(&self) -> Option<&Page> {
        self.walk.page()
    }

    fn name(&self) -> String {
        format!("{}/{}", self.stage.arch, self.stage.name())
    }
}

/// The questions after `stage`, a stage of its architecture's main exercise.
pub fn of_stage(project: &Project, stage: StageRef) -> Result<Vec<Question>> {
    if !stage.exercise().is_main() {
        bail!(
            "{}/{} is not a stage of the main exercise: the questions are the main exercise's",
            stage.arch,
            stage.name()
        );
    }
    let seen = Seen::read(project, stage)?;
    let exercise = stage.exercise();
    let next = exercise
        .stage(stage.stage.todos_done + 1)
        .map(|s| Seen::read(project, s))
        .transpose()?;
    let before = stage
        .stage
        .todos_done
        .checked_sub(1)
        .and_then(|k| exercise.stage(k))
        .map(|s| Seen::read(project, s))
        .transpose()?;
    let step = stage.stage.todos_done + 1;
    let questions = match (seen.walk.unresolved_bits(), seen.fault(), &next) {
        (Some(bits), _, Some(next)) => {
            let named = seen.missing_level();
            if named != Some(bits) {
                bail!(
                    "{}: the walk stops with {bits} bits unresolved, but the output names level \
                     {named:?}",
                    seen.name()
                );
            }
            vec![
                the_entry_filled(&seen, next, step)?,
                the_level_named(&seen, next, step)?,
            ]
        }
        (None, Some((status, line)), Some(next)) => vec![
            the_address_reached(&seen, None)?,
            what_the_status_says(&seen, status, line)?,
            the_entry_the_remap_changes(&seen, next, step)?,
        ],
        (None, None, None) => vec![
            the_address_reached(&seen, before.as_ref())?,
            the_bytes_read(&seen)?,
        ],
        _ => bail!(
            "{}: no question fits this stage: its walk {}, its output {}, and it is {}the last stage",
            seen.name(),
            match seen.walk.unresolved_bits() {
                Some(bits) => format!("stops with {bits} bits unresolved"),
                None => "reaches a page".to_owned(),
            },
            match seen.fault() {
                Some((status, _)) => format!("reports a fault with status {status:#x}"),
                None => "reports no fault".to_owned(),
            },
            if next.is_some() { "not " } else { "" }
        ),
    };
    Ok(questions)
}

/// The entry where the walk stops is the one the next step fills.
fn the_entry_filled(seen: &Seen, next: &Seen, step: usize) -> Result<Question> {
    let depth = seen.walk.steps.len() - 1;
    let stop = &seen.walk.steps[depth];
    let after = next.walk.steps.get(depth).filter(|s| {
        s.table == stop.table && s.index == stop.index && matches!(s.entry, Entry::Table(_))
    });
    let Some(after) = after else {
        bail!(
            "{}: the walk stops at [{}] of the {}, but in {} that entry does not lead to a table",
            seen.name(),
            stop.index,
            stop.level.name,
            next.name()
        );
    };
    let Entry::Table(new_table) = after.entry else {
        unreachable!("filtered above")
    };
    let mask = (1u64 << (stop.level.high - stop.level.low + 1)) - 1;
    let address = seen.walk.address.value;
    Ok(Question {
        text: format!(
            "Step {step} maps the next table. Which entry of the {} at {:#x} will it fill? Give its \
             index.",
            stop.level.name, stop.table
        ),
        answer: Answer::Number(stop.index),
        why: vec![
            format!(
                "The index is bits {}..{} of `TEST_VADDR`: `{address:#x} >> {} & {mask:#x}` is {} \
                 ({:#x}).",
                stop.level.high, stop.level.low, stop.level.low, stop.index, stop.index
            ),
            format!(
                "The walk stops at that entry, which is empty. After step {step} it is {}: the \
                 next table, at {new_table:#x}.",
                entry_hex(seen.tables.format, after.raw)
            ),
        ],
        walk: seen.walk.render(),
    })
}

/// The level the kernel will name after the next step: the bits the walk will leave unresolved.
fn the_level_named(seen: &Seen, next: &Seen, step: usize) -> Result<Question> {
    let levels = seen.tables.levels();
    // A lookup fails where a table is missing: at any level but the last, whose entry is the
    // page's own.
    let mut choices: Vec<String> = levels[..levels.len() - 1]
        .iter()
        .map(|l| format!("level {}", l.low))
        .collect();
    choices.push("none: the frame maps".to_owned());
    let stop = next
        .walk
        .steps
        .last()
        .context("the next stage's walk is empty")?;
    // The table the step maps is the level below the one where the walk stops now.
    let depth = seen.walk.steps.len();
    let new = levels
        .get(depth)
        .with_context(|| format!("{}: the walk stops at the last level", seen.name()))?;
    let resolves = format!(
        "The new table is the {}: it resolves bits {}..{} of the address, and the walk goes one \
         table further.",
        new.name, new.high, new.low
    );
    let (right, why) = match (next.missing_level(), next.walk.unresolved_bits()) {
        (Some(named), Some(bits)) if named == bits => (
            levels[..levels.len() - 1]
                .iter()
                .position(|l| l.low == named)
                .with_context(|| format!("{}: level {named} is no level's", next.name()))?,
            format!(
                "{resolves} It stops at entry [{}] of the {} at {:#x}, which is empty: bits \
                 {}..0, {named} bits, are still unresolved, and the kernel names that number \
                 (`Missing intermediate paging structure at level {named}`).",
                stop.index,
                stop.level.name,
                stop.table,
                named - 1
            ),
        ),
        (None, None) if next.page().is_some() && depth + 1 == levels.len() => (
            choices.len() - 1,
            format!(
                "{resolves} It is the last level: its entry [{}] is where the frame itself goes, \
                 which the frame's map writes. No structure is missing, so the frame maps and the \
                 read works (`{}`).",
                stop.index,
                next.output.first().map_or("", String::as_str)
            ),
        ),
        (named, bits) => bail!(
            "{}: its output names level {named:?}, its walk leaves {bits:?} bits unresolved",
            next.name()
        ),
    };
    Ok(Question {
        text: format!("After step {step}, which level will the kernel name as missing?"),
        answer: Answer::Choice { choices, right },
        why: vec![why],
        walk: next.walk.render(),
    })
}

/// Where the read of `TEST_VADDR` goes: the page's physical address plus the offset.
fn the_address_reached(seen: &Seen, before: Option<&Seen>) -> Result<Question> {
    let page = seen
        .page()
        .with_context(|| format!("{}: the walk reaches no page", seen.name()))?;
    let last = seen.walk.steps.last().expect("a walk that reaches a page");
    let address = seen.walk.address.value;
    let offset = address & (page.size - 1);
    let reached = page.physical + offset;
    let mut why = vec![format!(
        "The walk ends at entry [{}] of the {}: a {} page at {:#x}. `TEST_VADDR` is at offset \
         {offset:#x} in it: {:#x} + {offset:#x} is {reached:#x}.",
        last.index,
        last.level.name,
        crate::walk::tables::size_name(page.size),
        page.physical,
        page.physical
    )];
    let text = match before {
        None => "Which physical address does the read of `TEST_VADDR` reach?".to_owned(),
        Some(before) => {
            let earlier = before
                .page()
                .with_context(|| format!("{}: the walk reaches no page", before.name()))?;
            let earlier = earlier.physical + (address & (earlier.size - 1));
            why.push(match earlier == reached {
                true => format!(
                    "The same address as before the remap (stage `{}`): the remap changed the \
                     entry's rights, not its page.",
                    before.stage.name()
                ),
                false => format!(
                    "Not the address of before the remap ({earlier:#x}, stage `{}`): the remap \
                     mapped another page.",
                    before.stage.name()
                ),
            });
            "After the remap, which physical address does `TEST_VADDR` reach?".to_owned()
        }
    };
    Ok(Question {
        text,
        answer: Answer::Address(reached),
        why,
        walk: seen.walk.render(),
    })
}

/// What the fault's status says, read as the architecture's hardware (or seL4) words it.
fn what_the_status_says(seen: &Seen, status: u64, line: &str) -> Result<Question> {
    let format = seen.tables.format;
    let read = read_status(format, status).with_context(|| format!("{}: `{line}`", seen.name()))?;
    let page = seen.page();
    // The status and the walk must tell the same story.
    let agrees = match read.cause {
        Some(Cause::Missing) => page.is_none(),
        Some(Cause::Rights) => page.is_some_and(|p| match read.access {
            Access::Read => !p.read,
            Access::Write => !p.write,
            Access::Fetch => !p.execute,
        }),
        None => true,
    };
    let Some(said) = read.choice(format) else {
        bail!(
            "{}: status {status:#x} is an instruction fetch's, which no question here is about",
            seen.name()
        );
    };
    if !agrees {
        bail!(
            "{}: status {status:#x} says {said}, which the walk does not show",
            seen.name()
        );
    }
    let shown = match page {
        Some(page) => format!(
            "The walk shows the page at {:#x} mapped {}.",
            page.physical,
            page.rights()
        ),
        None => "The walk shows no page there.".to_owned(),
    };
    let choices = choices_for(format);
    let right = choices
        .iter()
        .position(|c| *c == said)
        .expect("every reading is a choice");
    Ok(Question {
        text: format!(
            "The kernel reports a VM fault with status {status:#x}. What does the status say?"
        ),
        answer: Answer::Choice {
            choices: choices.into_iter().map(str::to_owned).collect(),
            right,
        },
        why: vec![read.fields, shown],
        walk: seen.walk.render(),
    })
}

/// The remap, step `step`, changes the one entry whose value differs in the next stage's walk.
fn the_entry_the_remap_changes(seen: &Seen, next: &Seen, step: usize) -> Result<Question> {
    let choices: Vec<String> = seen
        .walk
        .steps
        .iter()
        .map(|s| format!("[{}] of the {}", s.index, s.level.name))
        .collect();
    let changed: Vec<usize> = seen
        .walk
        .steps
        .iter()
        .zip(&next.walk.steps)
        .enumerate()
        .filter(|(_, (a, b))| a.raw != b.raw || a.table != b.table || a.index != b.index)
        .map(|(depth, _)| depth)
        .collect();
    let (page, remapped) = (seen.page(), next.page());
    let ([depth], Some(page), Some(remapped), true) = (
        &changed[..],
        page,
        remapped,
        seen.walk.steps.len() == next.walk.steps.len(),
    ) else {
        bail!(
            "{} and {}: the remap should change one entry, the page's, but the walks differ at \
             depths {changed:?}",
            seen.name(),
            next.name()
        );
    };
    if page.physical != remapped.physical || page.size != remapped.size {
        bail!(
            "{}: the remap maps another page ({:#x}, not {:#x})",
            next.name(),
            remapped.physical,
            page.physical
        );
    }
    let (old, new) = (&seen.walk.steps[*depth], &next.walk.steps[*depth]);
    Ok(Question {
        text: format!(
            "Step {step} maps the same frame again, read-write. Which entry of the tables will it \
             change?"
        ),
        answer: Answer::Choice {
            choices,
            right: *depth,
        },
        why: vec![format!(
            "Only the page's own entry, [{}] of the {}: {} becomes {}, the same page at {:#x}, \
             {} before and {} after. The tables above are as they were: a remap is a map of the \
             same frame at the same address, which rewrites the entry that maps it.",
            old.index,
            old.level.name,
            entry_hex(seen.tables.format, old.raw),
            entry_hex(seen.tables.format, new.raw),
            page.physical,
            access_words(page),
            access_words(remapped)
        )],
        walk: next.walk.render(),
    })
}

/// How many bytes of entries the walk reads: one entry per table it goes through.
fn the_bytes_read(seen: &Seen) -> Result<Question> {
    let tables = seen.walk.steps.len() as u64;
    let bytes = seen.tables.format.entry_bytes();
    Ok(Question {
        text: "How many bytes of page-table entries does the walk read to translate `TEST_VADDR`?"
            .to_owned(),
        answer: Answer::Number(tables * bytes),
        why: vec![format!(
            "One entry from each of the {tables} tables it goes through, {bytes} bytes each: \
             {tables} × {bytes} is {} bytes. The hardware reads them whenever the translation is \
             not in its TLB (translation lookaside buffer), its cache of recent translations.",
            tables * bytes
        )],
        walk: seen.walk.render(),
    })
}

/// An entry as the walk draws it: all its hexadecimal digits.
fn entry_hex(format: Format, raw: u64) -> String {
    format!(
        "{raw:#0width$x}",
        width = format.entry_bytes() as usize * 2 + 2
    )
}

/// What a page lets the program do, in words: `read-only`, `read-write`.
fn access_words(page: &Page) -> String {
    let rights = page.rights();
    rights.split(',').next().unwrap_or(&rights).to_owned()
}

/// The kind of access a fault reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
    Fetch,
}

/// Why the access faulted, where the status says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// No page is mapped there (a translation fault, a page not present).
    Missing,
    /// A page is there, but its rights forbid the access.
    Rights,
}

/// A fault's status, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub access: Access,
    /// `None` where the status does not say (seL4 on RISC-V reports the kind of access only).
    pub cause: Option<Cause>,
    /// Its fields, in words.
    pub fields: String,
}

/// The choices a status question offers on `format`'s architecture.
fn choices_for(format: Format) -> Vec<&'static str> {
    match format {
        Format::Sv39 | Format::Sv32 => vec![
            "a load (a read)",
            "a store (a write)",
            "an instruction fetch",
        ],
        _ => vec![
            "a read where no page is mapped",
            "a read the page's rights do not allow",
            "a write where no page is mapped",
            "a write the page's rights do not allow",
        ],
    }
}

impl Status {
    /// Which of [`choices_for`] it is; none for an instruction fetch where the status also says
    /// why (no stage makes one fault, and the choices do not offer it).
    fn choice(&self, format: Format) -> Option<&'static str> {
        let choices = choices_for(format);
        Some(match (self.access, self.cause) {
            (Access::Read, None) => choices[0],
            (Access::Write, None) => choices[1],
            (Access::Fetch, None) => choices[2],
            (Access::Read, Some(Cause::Missing)) => choices[0],
            (Access::Read, Some(Cause::Rights)) => choices[1],
            (Access::Write, Some(Cause::Missing)) => choices[2],
            (Access::Write, Some(Cause::Rights)) => choices[3],
            (Access::Fetch, Some(_)) => return None,
        })
    }
}

/// The status of a VM fault on data as the kernel of `format`'s architecture reports it: x86's
/// page-fault error code, aarch64's exception syndrome (ESR_EL2), aarch32's data fault status
/// register (DFSR), or on RISC-V the exception code seL4 passes on.
pub fn read_status(format: Format, status: u64) -> Result<Status> {
    let bit = |n: u32| status >> n & 1;
    let access_of = |write: u64| match write {
        1 => Access::Write,
        _ => Access::Read,
    };
    let word = |access: Access| match access {
        Access::Read => "a read",
        Access::Write => "a write",
        Access::Fetch => "an instruction fetch",
    };
    Ok(match format {
        Format::X86_64 => {
            let access = match bit(4) {
                1 => Access::Fetch,
                _ => access_of(bit(1)),
            };
            let cause = match bit(0) {
                1 => Cause::Rights,
                _ => Cause::Missing,
            };
            Status {
                access,
                cause: Some(cause),
                fields: format!(
                    "{status:#x} is x86's page-fault error code. Bit 0 (P) is {}: {}. Bit 1 (W/R) \
                     is {}: {}. Bit 2 (U/S) is {}: {}.{}",
                    bit(0),
                    match cause {
                        Cause::Rights => "a page is present, and its rights refused the access",
                        Cause::Missing => "no page is present there",
                    },
                    bit(1),
                    word(access_of(bit(1))),
                    bit(2),
                    match bit(2) {
                        1 => "from user mode",
                        _ => "from kernel mode",
                    },
                    match bit(4) {
                        1 => " Bit 4 (I/D) is 1: an instruction fetch.",
                        _ => "",
                    }
                ),
            }
        }
        Format::Aarch64Stage2 => {
            let ec = status >> 26 & 0x3f;
            let (access, what) = match ec {
                0x24 => (
                    access_of(bit(6)),
                    "a data abort from a lower exception level",
                ),
                0x20 => (
                    Access::Fetch,
                    "an instruction abort from a lower exception level",
                ),
                _ => bail!(
                    "ESR_EL2 {status:#x}: EC {ec:#x} is neither a data nor an instruction abort from a lower exception level"
                ),
            };
            let dfsc = status & 0x3f;
            let level = dfsc & 3;
            let (cause, fault) = match dfsc >> 2 {
                0b0001 => (Cause::Missing, "a translation fault"),
                0b0011 => (Cause::Rights, "a permission fault"),
                _ => bail!(
                    "ESR_EL2 {status:#x}: fault status code {dfsc:#04x} is neither a translation nor a permission fault"
                ),
            };
            Status {
                access,
                cause: Some(cause),
                fields: format!(
                    "{status:#x} is the exception syndrome ESR_EL2. EC (bits 31..26) is {ec:#x}: \
                     {what}. WnR (bit 6) is {}: {}. DFSC (bits 5..0) is {dfsc:#04x}: {fault} at \
                     level {level}.",
                    bit(6),
                    word(access_of(bit(6)))
                ),
            }
        }
        Format::Aarch32Short => {
            let fs = bit(10) << 4 | status & 0xf;
            let (cause, fault) = match fs {
                0b00101 => (Cause::Missing, "a translation fault on a section"),
                0b00111 => (Cause::Missing, "a translation fault on a page"),
                0b01101 => (Cause::Rights, "a permission fault on a section"),
                0b01111 => (Cause::Rights, "a permission fault on a page"),
                _ => bail!(
                    "DFSR {status:#x}: fault status {fs:#07b} is neither a translation nor a permission fault"
                ),
            };
            let access = access_of(bit(11));
            Status {
                access,
                cause: Some(cause),
                fields: format!(
                    "{status:#x} is the data fault status register, DFSR. WnR (bit 11) is {}: {}. \
                     FS (bits 10 and 3..0) is {fs:#07b}: {fault}.",
                    bit(11),
                    word(access)
                ),
            }
        }
        Format::Sv39 | Format::Sv32 => {
            let access = match status {
                5 => Access::Read,
                7 => Access::Write,
                1 => Access::Fetch,
                _ => bail!(
                    "status {status:#x} is none of the codes seL4 reports on RISC-V (1, 5, 7)"
                ),
            };
            Status {
                access,
                cause: None,
                fields: format!(
                    "{status:#x} is the exception code seL4 reports: 5 for a load, 7 for a store, \
                     1 for an instruction fetch, so {}. seL4 passes on no more: whether the \
                     hardware found no page or a page the access may not make, the status is the \
                     same, and the walk tells which.",
                    word(access)
                ),
            }
        }
    })
}

/// The questions after `stage` as the book shows them: closed until the reader opens them, each
/// with its form, and, once answered, whether the answer was right, the right one, why, and the
/// walk that shows it (hidden until then; docs/book/assets/questions.js checks the answer in the
/// page). One block of HTML with no blank line, so that Markdown leaves it as it is.
pub fn html(stage: StageRef, questions: &[Question]) -> String {
    let mut out = format!(
        "<details class=\"questions\" data-arch=\"{}\" data-stage=\"{}\">\n<summary>Questions on \
         this stage ({})</summary>\n",
        stage.arch,
        stage.name(),
        questions.len()
    );
    for (n, q) in questions.iter().enumerate() {
        let (kind, answer) = match &q.answer {
            Answer::Number(v) => ("number", v.to_string()),
            Answer::Address(v) => ("address", v.to_string()),
            Answer::Choice { right, .. } => ("choice", right.to_string()),
        };
        out.push_str(&format!(
            "<div class=\"question\" data-kind=\"{kind}\" data-answer=\"{answer}\">\n<p \
             class=\"question-text\">{}</p>\n<form class=\"question-form\">\n",
            inline_html(&q.text)
        ));
        match &q.answer {
            Answer::Choice { choices, .. } => {
                for (k, choice) in choices.iter().enumerate() {
                    out.push_str(&format!(
                        "<label class=\"question-choice\"><input type=\"radio\" \
                         name=\"q-{}-{}-{n}\" value=\"{k}\"> {}</label>\n",
                        stage.arch,
                        stage.name(),
                        inline_html(choice)
                    ));
                }
            }
            Answer::Number(_) | Answer::Address(_) => out.push_str(&format!(
                "<input class=\"question-input\" type=\"text\" autocomplete=\"off\" \
                 spellcheck=\"false\" aria-label=\"Your answer\" placeholder=\"{}\">\n",
                match kind {
                    "address" => "0x...",
                    _ => "a number",
                }
            )),
        }
        out.push_str(
            "<button type=\"submit\">Check</button> <span class=\"question-note\"></span>\n</form>\n",
        );
        out.push_str(&format!(
            "<div class=\"question-feedback\" hidden>\n<p class=\"question-verdict\"></p>\n<p>The \
             answer: <strong class=\"question-answer\">{}</strong>.</p>\n",
            escape(&q.answer.text())
        ));
        for paragraph in &q.why {
            out.push_str(&format!("<p>{}</p>\n", inline_html(paragraph)));
        }
        out.push_str(walk_html(&q.walk).trim_end());
        out.push_str("\n</div>\n</div>\n");
    }
    out.push_str("</details>\n\n");
    out
}

/// Every question of `arch`'s main exercise, stage by stage.
pub fn of_arch(
    project: &Project,
    arch: &'static crate::catalogue::Arch,
) -> Result<Vec<(StageRef, Vec<Question>)>> {
    arch.main_exercise()
        .stages()
        .map(|stage| Ok((stage, of_stage(project, stage)?)))
        .collect::<Result<_>>()
        .map_err(|e: anyhow::Error| anyhow!("{arch}: {e:#}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::ARCHES;

    /// The statuses the recordings show, each read as its architecture words it.
    #[test]
    fn the_recorded_statuses_read_as_the_hardware_says() {
        let read = |f, s| read_status(f, s).unwrap();
        let x86 = read(Format::X86_64, 0x7);
        assert_eq!(
            (x86.access, x86.cause),
            (Access::Write, Some(Cause::Rights))
        );
        let x86 = read(Format::X86_64, 0x4);
        assert_eq!(
            (x86.access, x86.cause),
            (Access::Read, Some(Cause::Missing))
        );
        let arm = read(Format::Aarch64Stage2, 0x93c8_804f);
        assert_eq!(
            (arm.access, arm.cause),
            (Access::Write, Some(Cause::Rights))
        );
        assert!(
            arm.fields.contains("a permission fault at level 3"),
            "{}",
            arm.fields
        );
        let arm = read(Format::Aarch64Stage2, 0x93c8_8006);
        assert_eq!(
            (arm.access, arm.cause),
            (Access::Read, Some(Cause::Missing))
        );
        assert!(
            arm.fields.contains("a translation fault at level 2"),
            "{}",
            arm.fields
        );
        let arm32 = read(Format::Aarch32Short, 0x80f);
        assert_eq!(
            (arm32.access, arm32.cause),
            (Access::Write, Some(Cause::Rights))
        );
        let arm32 = read(Format::Aarch32Short, 0x5);
        assert!(arm32.fields.contains("translation fault on a section"));
        let riscv = read(Format::Sv39, 0x7);
        assert_eq!((riscv.access, riscv.cause), (Access::Write, None));
        for (format, status) in [
            (Format::Sv32, 0xf),
            (Format::Aarch64Stage2, 0x9600_0021),
            (Format::Aarch32Short, 0x1),
        ] {
            assert!(
                read_status(format, status).is_err(),
                "{format:?} {status:#x}"
            );
        }
    }

    /// Every stage of every main exercise has two or three questions, each answer one of its
    /// choices; the answers are the recordings' (checked here against the recorded text itself,
    /// not the walks read back).
    #[test]
    fn every_stage_of_the_main_exercise_has_questions_answered_from_its_recordings() {
        let project = Project::here();
        for arch in ARCHES.iter() {
            for (stage, questions) in of_arch(&project, arch).unwrap() {
                let name = format!("{arch}/{}", stage.name());
                assert!((2..=3).contains(&questions.len()), "{name}: {questions:?}");
                let walk =
                    std::fs::read_to_string(project.recorded_walk(arch, stage.name())).unwrap();
                for q in &questions {
                    if let Answer::Choice { choices, right } = &q.answer {
                        assert!(*right < choices.len(), "{name}: {q:?}");
                    }
                    assert!(!q.walk.is_empty() && !q.why.is_empty(), "{name}: {q:?}");
                }
                // The physical address a page question gives is the recorded walk's last words.
                if let Some(q) = questions
                    .iter()
                    .find(|q| matches!(q.answer, Answer::Address(_)))
                {
                    let recorded = walk
                        .lines()
                        .last()
                        .and_then(|l| l.trim_end_matches('.').rsplit_once("physical address "))
                        .map(|(_, a)| a.to_owned());
                    assert_eq!(Some(q.answer.text()), recorded, "{name}");
                }
                // The entry the next step fills is the index of the recorded walk's last box.
                if q_with(&questions, "Give its index").is_some() {
                    let last_row = walk.lines().rev().find(|l| l.contains("] bits ")).unwrap();
                    let index = last_row.split(['[', ']']).nth(1).unwrap();
                    assert_eq!(
                        q_with(&questions, "Give its index").unwrap().answer.text(),
                        index,
                        "{name}"
                    );
                }
            }
        }
    }

    fn q_with<'a>(questions: &'a [Question], text: &str) -> Option<&'a Question> {
        questions.iter().find(|q| q.text.contains(text))
    }

    /// A recording that changes changes the answer: a scratch copy of the project whose
    /// aarch64 start stage stops one entry further along asks for that entry.
    #[test]
    fn a_changed_recording_changes_the_answer_or_fails() {
        let project = Project::here();
        let scratch = std::env::temp_dir().join(format!("questions-test-{}", std::process::id()));
        let recorded = scratch.join("docs/book/recorded/aarch64");
        std::fs::create_dir_all(&recorded).unwrap();
        let from = project.book_dir().join("recorded/aarch64");
        for entry in std::fs::read_dir(&from).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), recorded.join(entry.file_name())).unwrap();
        }
        let copy = Project::at(&scratch);
        let stage = crate::catalogue::find_arch("aarch64")
            .unwrap()
            .find_stage("pt-l3")
            .unwrap();
        let before = of_stage(&copy, stage).unwrap();
        assert_eq!(before[0].answer, Answer::Address(0x6000_3000));
        // The page at another address: the question follows.
        let walk = recorded.join("pt-l3.walk");
        let text = std::fs::read_to_string(&walk).unwrap();
        std::fs::write(
            &walk,
            text.replace("0x040000006000347f", "0x040000006000547f")
                .replace("4 KiB page at 0x60003000", "4 KiB page at 0x60005000")
                .replace("physical address 0x60003000", "physical address 0x60005000"),
        )
        .unwrap();
        // Not the page the remap maps, as recorded: the recordings disagree, and say so.
        let error = format!("{:#}", of_stage(&copy, stage).unwrap_err());
        assert!(error.contains("the remap maps another page"), "{error}");
        let remap = recorded.join("remap.walk");
        let text = std::fs::read_to_string(&remap).unwrap();
        std::fs::write(
            &remap,
            text.replace("0x04000000600034ff", "0x04000000600054ff")
                .replace("4 KiB page at 0x60003000", "4 KiB page at 0x60005000")
                .replace("physical address 0x60003000", "physical address 0x60005000"),
        )
        .unwrap();
        let after = of_stage(&copy, stage).unwrap();
        assert_eq!(after[0].answer, Answer::Address(0x6000_5000));
        // A status that says a read: the walk shows a read-only page, so it fails, naming it.
        let output = recorded.join("pt-l3.output");
        let text = std::fs::read_to_string(&output).unwrap();
        std::fs::write(&output, text.replace("0x93c8804f", "0x93c8800f")).unwrap();
        let error = format!("{:#}", of_stage(&copy, stage).unwrap_err());
        assert!(
            error.contains("aarch64/pt-l3: status 0x93c8800f says"),
            "{error}"
        );
        std::fs::remove_dir_all(&scratch).unwrap();
    }
}
