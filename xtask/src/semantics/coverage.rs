// SPDX-License-Identifier: BSD-2-Clause

//! Which error sites of each kernel's VSpace decoders (sites.rs) the paging-semantics suite
//! reaches, and how each refusal is held to its site.
//!
//! Every case that expects a refusal names the site that refuses (its kernel reference starts
//! with `file:line`, and its `ok` line ends with it: `... ok: seL4_InvalidArgument (argument 0)
//! [arm/64/kernel/vspace.c:1573]`). Its answer must be the error that site hands back, and where
//! the debug kernel prints a message there (`userError`), or a caller prints one as it hands the
//! error on, the case's console must have it, from that function and line; any other message fails
//! the case (the kernel refused at another check), but one printed where a function passes on an
//! error it got from another. A site no case reaches is marked unreachable from a root task, with
//! the reason, in paging-semantics/unreachable.txt; docs/kernel-semantics-coverage.md is the table
//! of every site and what reaches it on each kernel, made by `make semantics` and held to every
//! boot by `make test`.

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};

use crate::catalogue::Arch;
use crate::project::Project;
use crate::semantics::report::Report;
use crate::semantics::sites::{self, Config, Site};

/// A kernel's source and configuration, and the error sites of its VSpace decoders.
pub struct Kernel {
    pub name: &'static str,
    source: PathBuf,
    config: Config,
    pub sites: Vec<Site>,
}

impl Kernel {
    /// The kernel of `arch`, which must be built (its configuration is its libsel4's).
    pub fn load(project: &Project, arch: &'static Arch) -> Result<Self> {
        let config = Config::of_kernel(&project.kernel_prefix(arch))?;
        let source = project.sel4_src();
        let sites = sites::vspace_sites(&source, &config)
            .with_context(|| format!("reading the error sites of the {arch} kernel"))?;
        Ok(Self {
            name: arch.name,
            source,
            config,
            sites,
        })
    }

    /// Whether `line` of `function` is the message of a site that hands on another function's
    /// error (`status = f(...); if (...) { userError(...); return status; }`).
    fn passes_on_at(&self, function: &str, line: usize) -> Result<bool> {
        let Some(file) = sites::file_of_function(&self.source, &self.config, function)? else {
            return Ok(false);
        };
        let of_function = sites::function_sites_at(&self.source, &self.config, &file, line)?;
        Ok(of_function
            .iter()
            .any(|s| matches!(s.error, sites::SiteError::From(_)) && s.says_at(function, line)))
    }

    /// The site `key` (`file:line`) names, with every site of its function; `None` if no site
    /// is there.
    fn site(&self, key: &str) -> Result<Option<(Site, Vec<Site>)>> {
        let Some((file, line)) = key
            .rsplit_once(':')
            .and_then(|(f, l)| Some((f, l.parse::<usize>().ok()?)))
        else {
            bail!("`{key}` is not `file:line`");
        };
        let of_function = match self.sites.iter().find(|s| s.key() == key) {
            Some(site) => self
                .sites
                .iter()
                .filter(|s| s.function == site.function)
                .cloned()
                .collect(),
            None => sites::function_sites_at(&self.source, &self.config, file, line)?,
        };
        Ok(of_function
            .iter()
            .find(|s| s.line == line)
            .cloned()
            .map(|site| (site, of_function)))
    }
}

/// Where `report`'s refusals disagree with `kernel`'s source: a refusal that names no site, a site
/// that is none, an answer that is not the site's error, a message of the site missing from the
/// console, or one of another site of its function there.
pub fn refusal_problems(kernel: &Kernel, report: &Report) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    for case in report.cases.iter().filter(|c| c.failure.is_none()) {
        let Some(answer) = case.answer() else {
            continue;
        };
        let name = &case.name;
        let Some(key) = case.site() else {
            if case.refused() {
                problems.push(format!(
                    "{name}: {answer}, but the case names no site of the kernel's source (its \
                     kernel reference starts with `file:line`)"
                ));
            }
            continue;
        };
        let Some((site, of_function)) = kernel.site(key)? else {
            problems.push(format!(
                "{name}: names {key}, which is no error site of the {} kernel's source",
                kernel.name
            ));
            continue;
        };
        if !site.gives(answer) {
            problems.push(format!(
                "{name}: {answer}, but {key} ({}) hands back {}",
                site.check,
                site.describe_error()
            ));
        }
        // What the kernel says there: the site's own explanation, and those its callers print
        // as they hand its error on.
        let own = site
            .message
            .iter()
            .map(|(line, format)| (site.function.clone(), *line, format.clone()));
        let expected: Vec<(String, usize, String)> = own.chain(site.passing.clone()).collect();
        for (function, line, format) in &expected {
            let said = case.console.iter().any(|m| {
                m.origin.as_ref() == Some(&(function.clone(), *line))
                    && sites::message_matches(format, &m.text)
            });
            if !said {
                problems.push(format!(
                    "{name}: expected the kernel to say \"{format}\" ({function}/{line}) on the \
                     console; it did not"
                ));
            }
        }
        // Anything else it says is another check's, unless a function said it as it passed on
        // an error it got from another (a `return` of that one's status).
        for message in &case.console {
            let Some((function, line)) = &message.origin else {
                continue;
            };
            if expected.iter().any(|(f, l, _)| f == function && l == line) {
                continue;
            }
            if let Some(other) = of_function
                .iter()
                .find(|s| s.line != site.line && s.says_at(function, *line))
            {
                problems.push(format!(
                    "{name}: names {key}, but the kernel said \"{}\" at {}'s check ({})",
                    message.text,
                    other.key(),
                    other.check
                ));
            } else if !kernel.passes_on_at(function, *line)? {
                problems.push(format!(
                    "{name}: names {key}, but the kernel also said \"{}\" ({function}/{line}), \
                     which the site does not explain",
                    message.text
                ));
            }
        }
    }
    Ok(problems)
}

/// A site marked unreachable from a root task (paging-semantics/unreachable.txt).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreachable {
    pub key: String,
    /// The kernels it is unreachable on; `None`: every kernel that has the site.
    pub kernels: Option<Vec<String>>,
    pub reason: String,
}

impl Unreachable {
    fn applies_to(&self, kernel: &str) -> bool {
        self.kernels
            .as_ref()
            .is_none_or(|k| k.iter().any(|k| k == kernel))
    }
}

/// The list of sites no root task reaches: `file:line kernels: reason` a line, `kernels` being
/// `all` or a comma-separated list; `#` starts a comment.
pub fn parse_unreachable(text: &str) -> Result<Vec<Unreachable>> {
    let mut list = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let parsed = line.split_once(' ').and_then(|(key, rest)| {
            let (kernels, reason) = rest.split_once(": ")?;
            let kernels = match kernels.trim() {
                "all" => None,
                list => Some(list.split(',').map(|k| k.trim().to_owned()).collect()),
            };
            (key.contains(':') && !reason.trim().is_empty()).then(|| Unreachable {
                key: key.to_owned(),
                kernels,
                reason: reason.trim().to_owned(),
            })
        });
        match parsed {
            Some(entry) => list.push(entry),
            None => bail!("line {}: not `file:line kernels: reason`: `{line}`", n + 1),
        }
    }
    Ok(list)
}

/// paging-semantics/unreachable.txt, read.
pub fn unreachable(project: &Project) -> Result<Vec<Unreachable>> {
    let path = project.root().join("paging-semantics/unreachable.txt");
    let text = fs::read_to_string(&path).with_context(|| path.display().to_string())?;
    parse_unreachable(&text).with_context(|| path.display().to_string())
}

/// What reaches one site on one kernel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    /// The cases that name it, in the order they ran.
    Covered(Vec<String>),
    Unreachable(String),
    /// Neither: a gap.
    Missing,
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::Covered(cases) => match cases.len() {
                1 => format!("`{}`", cases[0]),
                n => format!("`{}` (+{})", cases[0], n - 1),
            },
            Cell::Unreachable(reason) => format!("unreachable: {reason}"),
            Cell::Missing => "**not reached**".into(),
        }
    }
}

/// One kernel's column: every site of its VSpace decoders, and what reaches each.
pub struct Column {
    pub kernel: &'static str,
    pub sites: Vec<Site>,
    pub cells: BTreeMap<String, Cell>,
}

/// `kernel`'s column, from its suite's `report` and the unreachable list.
pub fn column(kernel: &Kernel, report: &Report, unreachable: &[Unreachable]) -> Column {
    let mut cells = BTreeMap::new();
    for site in &kernel.sites {
        let key = site.key();
        let cases: Vec<String> = report
            .cases
            .iter()
            .filter(|c| c.failure.is_none() && c.site() == Some(key.as_str()))
            .map(|c| c.name.clone())
            .collect();
        let marked = unreachable
            .iter()
            .find(|u| u.key == key && u.applies_to(kernel.name));
        let cell = match (cases.is_empty(), marked) {
            (false, _) => Cell::Covered(cases),
            (true, Some(u)) => Cell::Unreachable(u.reason.clone()),
            (true, None) => Cell::Missing,
        };
        cells.insert(key, cell);
    }
    Column {
        kernel: kernel.name,
        sites: kernel.sites.clone(),
        cells,
    }
}

impl Column {
    /// (covered, reachable, every site).
    pub fn figures(&self) -> (usize, usize, usize) {
        let covered = self
            .cells
            .values()
            .filter(|c| matches!(c, Cell::Covered(_)))
            .count();
        let unreachable = self
            .cells
            .values()
            .filter(|c| matches!(c, Cell::Unreachable(_)))
            .count();
        (covered, self.cells.len() - unreachable, self.cells.len())
    }

    /// What is wrong with it: a site neither reached nor marked unreachable, and a site marked
    /// unreachable that a case reaches (or that is none of this kernel's).
    pub fn problems(&self, unreachable: &[Unreachable]) -> Vec<String> {
        let mut problems: Vec<String> = self
            .sites
            .iter()
            .filter(|s| self.cells.get(&s.key()) == Some(&Cell::Missing))
            .map(|s| {
                format!(
                    "{} ({}: {}, {}): no case reaches it on {}, and \
                     paging-semantics/unreachable.txt does not say why none can",
                    s.key(),
                    s.function,
                    s.check,
                    s.describe_error(),
                    self.kernel
                )
            })
            .collect();
        for entry in unreachable.iter().filter(|u| u.applies_to(self.kernel)) {
            match self.cells.get(&entry.key) {
                Some(Cell::Covered(cases)) => problems.push(format!(
                    "{}: marked unreachable on {}, but {} reaches it",
                    entry.key, self.kernel, cases[0]
                )),
                None if entry.kernels.is_some() => problems.push(format!(
                    "{}: marked unreachable on {}, which has no error site there",
                    entry.key, self.kernel
                )),
                _ => {}
            }
        }
        problems
    }
}

/// What a cell says where a site is not the kernel's.
const ABSENT: &str = "–";

/// docs/kernel-semantics-coverage.md: a figure per kernel, then a row per site of any kernel (in
/// file and line order) and a column per kernel.
pub fn table(columns: &[Column]) -> String {
    let mut rows: BTreeMap<(String, usize), &Site> = BTreeMap::new();
    for column in columns {
        for site in &column.sites {
            rows.entry((site.file.clone(), site.line)).or_insert(site);
        }
    }
    let mut text = String::from(
        "# Every error of the VSpace decoders, and the case that provokes it\n\n\
         Made by `make semantics` (every kernel) from the pinned kernel source and the \
         paging-semantics suite's reports:\na row per place where a VSpace decoder of some \
         kernel hands an error back (its *site*: the check that guards\nthe `return`, read from \
         the source as each kernel's configuration compiles it; xtask/src/semantics/sites.rs), a column\n\
         per kernel. A cell names the case that provokes that error there (and how many more \
         do), or says why no root\ntask can (paging-semantics/unreachable.txt); `–` where the \
         site is not that kernel's. `make test` holds\neach column to its kernel's boot \
         (tests/paging_semantics.rs), and the rows to the source. What the cases\nanswer is \
         [kernel-semantics-cases.md](kernel-semantics-cases.md).\n\n\
         | kernel | error sites | unreachable | reached / reachable |\n| --- | --- | --- | --- |\n",
    );
    for column in columns {
        let (covered, reachable, all) = column.figures();
        text.push_str(&format!(
            "| {} | {all} | {} | {covered} / {reachable} |\n",
            column.kernel,
            all - reachable
        ));
    }
    text.push_str("\n| site | function | check | error |");
    for column in columns {
        text.push_str(&format!(" {} |", column.kernel));
    }
    text.push_str("\n| --- | --- | --- | --- |");
    text.push_str(&" --- |".repeat(columns.len()));
    text.push('\n');
    for ((_, _), site) in rows {
        text.push_str(&format!(
            "| `{}` | {} | `{}` | {} |",
            site.key(),
            site.function,
            site.check.replace('|', "\\|"),
            site.describe_error()
        ));
        for column in columns {
            let cell = column
                .cells
                .get(&site.key())
                .map_or(ABSENT.to_owned(), Cell::text);
            text.push_str(&format!(" {} |", cell.replace('|', "\\|")));
        }
        text.push('\n');
    }
    text
}

/// Where `column`'s kernel's column of the coverage table `text` disagrees with it: a line per
/// site.
pub fn column_disagreements(text: &str, column: &Column) -> Vec<String> {
    let mut lines = text
        .lines()
        .filter(|l| l.starts_with("| site |") || l.starts_with("| `"));
    let Some(header) = lines.next() else {
        return vec!["the coverage table has no header".into()];
    };
    let Some(index) = header
        .split('|')
        .map(str::trim)
        .position(|c| c == column.kernel)
    else {
        return vec![format!(
            "the coverage table has no column {}",
            column.kernel
        )];
    };
    let mut wrong = Vec::new();
    let mut seen = Vec::new();
    for line in lines {
        let cells = split_row(line);
        let key = cells.get(1).map_or("", |c| c.trim_matches('`')).to_owned();
        let documented = cells.get(index).cloned().unwrap_or_default();
        let actual = column
            .cells
            .get(&key)
            .map_or(ABSENT.to_owned(), |c| c.text().replace('|', "\\|"));
        if documented != actual {
            wrong.push(format!(
                "{key}: the table says `{documented}`, the kernel `{actual}`"
            ));
        }
        seen.push(key);
    }
    for key in column.cells.keys() {
        if !seen.contains(key) {
            wrong.push(format!("{key}: a site of {}, but no row", column.kernel));
        }
    }
    wrong
}

/// A table row's cells, trimmed, `\|` kept within its cell.
fn split_row(line: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                chars.next();
                cells.last_mut().expect("a cell").push_str("\\|");
            }
            '|' => cells.push(String::new()),
            c => cells.last_mut().expect("a cell").push(c),
        }
    }
    cells.iter().map(|c| c.trim().to_owned()).collect()
}

/// The sites of the coverage table `text`'s rows, `file:line`.
pub fn table_rows(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            split_row(l)
                .get(1)
                .map_or("", |c| c.trim_matches('`'))
                .to_owned()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::semantics::sites::SiteError;

    fn site(line: usize, name: &str, message: Option<&str>) -> Site {
        Site {
            file: "arm/64/kernel/vspace.c".into(),
            function: "decodeARMFrameInvocation".into(),
            line,
            end: line + 4,
            error: SiteError::Sets {
                name: name.into(),
                argument: (name == "seL4_InvalidArgument").then_some(0),
                capability: None,
            },
            message: message.map(|m| (line + 1, m.to_owned())),
            passing: Vec::new(),
            check: format!("if (check{line} || other) {{"),
        }
    }

    fn report(text: &str) -> Report {
        Report::parse(&text.lines().collect::<Vec<_>>())
    }

    #[test]
    fn refusals_are_held_to_their_sites_errors_and_messages() {
        // A kernel source with no other function to look in.
        let source = std::env::temp_dir().join(format!("coverage-test-{}", std::process::id()));
        std::fs::create_dir_all(source.join("src/arch/arm")).unwrap();
        let kernel = Kernel {
            name: "aarch64",
            source: source.clone(),
            config: Config::of_pairs(&[
                ("CONFIG_ARCH", Some("arm")),
                ("CONFIG_WORD_SIZE", Some("64")),
            ]),
            sites: vec![
                site(
                    1573,
                    "seL4_InvalidArgument",
                    Some("ARMPageMap: multiple addresses"),
                ),
                site(1580, "seL4_InvalidArgument", None),
            ],
        };
        let log = "\
<<seL4(CPU 0) [decodeARMFrameInvocation/1574 T0x1 \"rootserver\" @1]: ARMPageMap: multiple addresses>>
test t::right ... ok: seL4_InvalidArgument (argument 0) [arm/64/kernel/vspace.c:1573]
test t::silent ... ok: seL4_InvalidArgument (argument 0) [arm/64/kernel/vspace.c:1573]
<<seL4(CPU 0) [decodeARMFrameInvocation/1574 T0x1 \"rootserver\" @1]: ARMPageMap: multiple addresses>>
<<seL4(CPU 0) [decodeARMFrameInvocation/1590 T0x1 \"rootserver\" @1]: a message of no site>>
test t::other_check ... ok: seL4_InvalidArgument (argument 0) [arm/64/kernel/vspace.c:1580]
test t::wrong_error ... ok: seL4_AlignmentError [arm/64/kernel/vspace.c:1580]
test t::unnamed ... ok: seL4_AlignmentError
test t::fine ... ok: seL4_NoError
";
        let problems = refusal_problems(&kernel, &report(log)).unwrap();
        assert_eq!(
            problems,
            [
                "t::silent: expected the kernel to say \"ARMPageMap: multiple addresses\" (decodeARMFrameInvocation/1574) on the console; it did not",
                "t::other_check: names arm/64/kernel/vspace.c:1580, but the kernel said \"ARMPageMap: multiple addresses\" at arm/64/kernel/vspace.c:1573's check (if (check1573 || other) {)",
                "t::other_check: names arm/64/kernel/vspace.c:1580, but the kernel also said \"a message of no site\" (decodeARMFrameInvocation/1590), which the site does not explain",
                "t::wrong_error: seL4_AlignmentError, but arm/64/kernel/vspace.c:1580 (if (check1580 || other) {) hands back seL4_InvalidArgument (argument 0)",
                "t::unnamed: seL4_AlignmentError, but the case names no site of the kernel's source (its kernel reference starts with `file:line`)",
            ]
        );
        std::fs::remove_dir_all(&source).unwrap();
        let unreachable = parse_unreachable(
            "# comment\narm/64/kernel/vspace.c:1580 aarch64_el1, aarch64: no root task gets there\n",
        )
        .unwrap();
        let column = column(&kernel, &report(log), &unreachable);
        assert_eq!(column.figures(), (2, 2, 2));
        assert_eq!(
            column.problems(&unreachable),
            [
                "arm/64/kernel/vspace.c:1580: marked unreachable on aarch64, but t::other_check reaches it"
            ]
        );
        let text = table(&[column]);
        assert!(
            text.contains("| `arm/64/kernel/vspace.c:1573` | decodeARMFrameInvocation | `if (check1573 \\|\\| other) {` | seL4_InvalidArgument (argument 0) | `t::right` (+1) |"),
            "{text}"
        );
        assert_eq!(
            table_rows(&text),
            ["arm/64/kernel/vspace.c:1573", "arm/64/kernel/vspace.c:1580"]
        );
        let again = super::column(&kernel, &report(log), &unreachable);
        assert!(column_disagreements(&text, &again).is_empty());
        let fewer = super::column(
            &kernel,
            &report(
                "test t::right ... ok: seL4_InvalidArgument (argument 0) [arm/64/kernel/vspace.c:1573]",
            ),
            &[],
        );
        assert_eq!(
            column_disagreements(&text, &fewer),
            [
                "arm/64/kernel/vspace.c:1573: the table says ``t::right` (+1)`, the kernel ``t::right``",
                "arm/64/kernel/vspace.c:1580: the table says ``t::other_check` (+1)`, the kernel `**not reached**`"
            ]
        );
    }

    #[test]
    fn a_bad_unreachable_line_is_refused() {
        assert!(parse_unreachable("x.c:1 all: why\n").is_ok());
        assert!(parse_unreachable("x.c:1 all why\n").is_err());
        assert!(parse_unreachable("x.c all: why\n").is_err());
        assert!(parse_unreachable("x.c:1 all: \n").is_err());
    }
}
