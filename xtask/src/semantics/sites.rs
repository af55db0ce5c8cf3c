// SPDX-License-Identifier: BSD-2-Clause

//! The places in the pinned kernel source where an invocation's decoding returns an error: its
//! error sites, read from the source itself for one kernel's configuration, so that the list
//! cannot drift from the kernel (docs/kernel-semantics-coverage.md is made from it, coverage.rs).
//!
//! A site is a `return` of a function that hands an error back to its caller: after setting
//! `current_syscall_error.type` (`return EXCEPTION_SYSCALL_ERROR;`, or a helper's `return ret;`
//! with `ret.status = EXCEPTION_SYSCALL_ERROR`), or passing on a status another function returned
//! (`status = ensureNoChildren(...); ... return status;`). It is named by the line of the check
//! that guards it (the `if`, `else`, `case` or `default:` whose block the `return` ends), as the
//! suite's cases name it (`arm/64/kernel/vspace.c:1573`). A `return` of another decoder's or a
//! listed helper's result is no site of its own: that function's sites are.
//!
//! The VSpace decoders of a kernel are every function its architecture's MMU decoder
//! (`decodeARMMMUInvocation`, `decodeX86MMUInvocation`, `decodeRISCVMMUInvocation`) hands an
//! invocation to, and every helper one of them returns the error of (aarch32's and x86's
//! `createSafeMappingEntries_*`), followed through the architecture's source files as the kernel's
//! configuration compiles them (its `#if`s evaluated with the kernel's gen_config.json). I/O ports
//! are not among them: the architecture's object decoder, not its MMU decoder, takes them.
//!
//! The reader is made for the kernel's own style (one statement per line or a few; braces; no
//! macros that hide a `return`): it fails loudly on what it cannot read (an `#if` it cannot
//! evaluate around a function it needs, a function it cannot find).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// One error site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// The source file, below the kernel's src/arch/ (or src/, for the code every architecture
    /// shares): `arm/64/kernel/vspace.c`.
    pub file: String,
    pub function: String,
    /// The line of the check that guards the `return` (1-based).
    pub line: usize,
    /// The line of the `return`.
    pub end: usize,
    pub error: SiteError,
    /// The message the debug kernel prints there (`userError`), if any: its line and its format.
    pub message: Option<(usize, String)>,
    /// The messages a caller prints as it hands this site's error on (aarch32's frame map, for
    /// its helpers' DeleteFirst): the caller, the line and the format of each.
    pub passing: Vec<(String, usize, String)>,
    /// The check's first line, as written.
    pub check: String,
}

/// What a site hands back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SiteError {
    /// An error the site sets: its name (`seL4_InvalidArgument`), and which argument or
    /// capability it names, where it names one.
    Sets {
        name: String,
        argument: Option<u64>,
        capability: Option<u64>,
    },
    /// The status another function returned (`ensureNoChildren`): whatever error that set.
    From(String),
    /// Nothing: a `return` of an error that no path reaches (after a `switch` whose every case
    /// returns).
    Nothing,
}

impl Site {
    /// `file:line`, as the cases and the coverage table name it.
    pub fn key(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }

    /// Whether `answer`, a case's answer as the suite prints it (`seL4_InvalidArgument (argument
    /// 0)`, `seL4_FailedLookup at level 21`), is the error this site hands back.
    pub fn gives(&self, answer: &str) -> bool {
        match &self.error {
            SiteError::Sets {
                name,
                argument,
                capability,
            } => {
                let named = answer.split([' ', ':']).next() == Some(name.as_str());
                let number = |which: &str, n: &Option<u64>| match n {
                    Some(n) => answer.contains(&format!("({which} {n})")),
                    None => true,
                };
                named && number("argument", argument) && number("capability", capability)
            }
            SiteError::From(_) => {
                answer.starts_with("seL4_") && !answer.starts_with("seL4_NoError")
            }
            SiteError::Nothing => false,
        }
    }

    /// What the site hands back, in a few words.
    pub fn describe_error(&self) -> String {
        match &self.error {
            SiteError::Sets {
                name,
                argument,
                capability,
            } => match (argument, capability) {
                (Some(n), _) => format!("{name} (argument {n})"),
                (_, Some(n)) => format!("{name} (capability {n})"),
                _ => name.clone(),
            },
            SiteError::From(function) => format!("what {function} returns"),
            SiteError::Nothing => "nothing (no path returns here)".into(),
        }
    }

    /// Whether a console message printed at `line` of `function` is this site's own message.
    pub fn says_at(&self, function: &str, line: usize) -> bool {
        function == self.function && self.message.as_ref().is_some_and(|(l, _)| *l == line)
    }
}

/// The values of a kernel's configuration (its libsel4's gen_config.json): `CONFIG_<key>`, with
/// `None` for a setting that is off.
#[derive(Debug, Clone)]
pub struct Config {
    values: HashMap<String, Option<String>>,
}

impl Config {
    /// The configuration of the kernel installed at `prefix` (tools/build-kernel's).
    pub fn of_kernel(prefix: &Path) -> Result<Self> {
        let path = prefix.join("libsel4/include/kernel/gen_config.json");
        let text = fs::read_to_string(&path).with_context(|| path.display().to_string())?;
        let json: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&text).with_context(|| path.display().to_string())?;
        let values = json
            .into_iter()
            .map(|(key, value)| {
                let value = match value {
                    serde_json::Value::Bool(false) | serde_json::Value::Null => None,
                    serde_json::Value::Bool(true) => Some("1".to_owned()),
                    serde_json::Value::String(s) => Some(s),
                    other => Some(other.to_string()),
                };
                (format!("CONFIG_{key}"), value)
            })
            .collect();
        Ok(Self { values })
    }

    #[cfg(test)]
    pub(crate) fn of_pairs(pairs: &[(&str, Option<&str>)]) -> Self {
        Self {
            values: pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.map(str::to_owned)))
                .collect(),
        }
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).and_then(|v| v.as_deref())
    }

    /// Whether the configuration defines `name` (a `CONFIG_` setting that is on); `None` for
    /// another name, which this reader cannot know.
    fn defines(&self, name: &str) -> Option<bool> {
        name.starts_with("CONFIG_")
            .then(|| self.get(name).is_some())
    }

    /// The kernel's architecture (`arm`, `x86`, `riscv`) and word size.
    fn arch(&self) -> Result<(&str, &str)> {
        match (self.get("CONFIG_ARCH"), self.get("CONFIG_WORD_SIZE")) {
            (Some(arch), Some(word)) => Ok((arch, word)),
            _ => bail!("the kernel's configuration names no ARCH or WORD_SIZE"),
        }
    }
}

/// The MMU decoder each architecture's objects are decoded by, where the VSpace decoders start.
fn mmu_decoder(arch: &str) -> Result<&'static str> {
    Ok(match arch {
        "arm" => "decodeARMMMUInvocation",
        "x86" => "decodeX86MMUInvocation",
        "riscv" => "decodeRISCVMMUInvocation",
        other => bail!("no MMU decoder known for the architecture {other}"),
    })
}

/// Every error site of the VSpace decoders of the kernel configured by `config`, from the kernel
/// source at `kernel` (its top directory), in file and line order.
pub fn vspace_sites(kernel: &Path, config: &Config) -> Result<Vec<Site>> {
    let (arch, word) = config.arch()?;
    let files = arch_files(kernel, arch, word)?;
    let mut definitions: BTreeMap<String, Vec<(String, Function)>> = BTreeMap::new();
    let mut parsed: BTreeMap<String, Parsed> = BTreeMap::new();
    for file in &files {
        let text = fs::read_to_string(kernel.join("src/arch").join(file))
            .with_context(|| format!("{}/src/arch/{file}", kernel.display()))?;
        let source = Parsed::new(&text, config);
        for function in source.functions() {
            let name = function.name.clone();
            definitions
                .entry(name)
                .or_default()
                .push((file.clone(), function));
        }
        parsed.insert(file.clone(), source);
    }
    // A helper whose error a decoder returns is listed in its own right when it sets the error
    // itself (aarch32's and x86's createSafeMappingEntries_*).
    let sets_errors = |callee: &str| {
        definitions.get(callee).is_some_and(|found| {
            found.iter().any(|(file, f)| {
                parsed[file].code[f.start..=f.end]
                    .iter()
                    .any(|l| l.contains("current_syscall_error.type"))
            })
        })
    };
    let root = mmu_decoder(arch)?;
    let mut wanted = vec![root.to_owned()];
    let mut done = BTreeSet::new();
    let mut sites = Vec::new();
    let mut passing = Vec::new();
    while let Some(name) = wanted.pop() {
        if !done.insert(name.clone()) {
            continue;
        }
        let (file, function) = match definitions.get(&name).map(Vec::as_slice) {
            Some([one]) => one,
            Some(_) => bail!("{name}: more than one definition in the kernel's {arch} sources"),
            None => bail!("{name}: no definition in the kernel's {arch} sources as configured"),
        };
        let source = &parsed[file];
        let scan = source.scan(function, file, &sets_errors)?;
        wanted.extend(scan.hands_to);
        sites.extend(scan.sites);
        passing.extend(scan.passing);
    }
    for message in passing {
        for site in sites.iter_mut().filter(|s| s.function == message.callee) {
            let applies = match (&message.when, &site.error) {
                (None, _) => true,
                (Some(when), SiteError::Sets { name, .. }) => when == name,
                (Some(_), _) => false,
            };
            if applies {
                site.passing.push((
                    message.function.clone(),
                    message.line,
                    message.format.clone(),
                ));
            }
        }
    }
    sites.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    Ok(sites)
}

/// The error sites of the function that holds `line` of `file` (below the kernel's src/arch/, or
/// src/): for a case that names a site outside the VSpace decoders (a CNode's, an untyped's).
pub fn function_sites_at(
    kernel: &Path,
    config: &Config,
    file: &str,
    line: usize,
) -> Result<Vec<Site>> {
    let path =
        source_path(kernel, file).with_context(|| format!("no {file} in the kernel source"))?;
    let text = fs::read_to_string(&path).with_context(|| path.display().to_string())?;
    let source = Parsed::new(&text, config);
    let Some(function) = source
        .functions()
        .into_iter()
        .find(|f| (f.start..=f.end).contains(&line.saturating_sub(1)))
    else {
        return Ok(Vec::new());
    };
    Ok(source.scan(&function, file, &|_| false)?.sites)
}

/// The file (below src/arch/, or src/) that defines `function` in the kernel configured by
/// `config`: its architecture's files for its word size, or the code every architecture shares.
pub fn file_of_function(kernel: &Path, config: &Config, function: &str) -> Result<Option<String>> {
    let (arch, word) = config.arch()?;
    let mut files = arch_files(kernel, arch, word)?;
    let mut stack = vec![kernel.join("src")];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).with_context(|| dir.display().to_string())? {
            let path = entry?.path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "arch") {
                    stack.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "c") {
                let relative = path.strip_prefix(kernel.join("src")).expect("below src");
                files.push(relative.display().to_string());
            }
        }
    }
    for file in files {
        let Some(path) = source_path(kernel, &file) else {
            continue;
        };
        let text = fs::read_to_string(&path).with_context(|| path.display().to_string())?;
        // Only a file that names it is read.
        if !text.contains(function) {
            continue;
        }
        if Parsed::new(&text, config)
            .functions()
            .iter()
            .any(|f| f.name == function)
        {
            return Ok(Some(file));
        }
    }
    Ok(None)
}

/// The path of `file` (below src/arch/, or src/) in the kernel source.
fn source_path(kernel: &Path, file: &str) -> Option<PathBuf> {
    ["src/arch", "src"]
        .iter()
        .map(|dir| kernel.join(dir).join(file))
        .find(|p| p.is_file())
}

/// The C files of `arch` below the kernel's src/arch/, for `word`-bit kernels (the other word
/// size's directories left out, as the kernel's build does).
fn arch_files(kernel: &Path, arch: &str, word: &str) -> Result<Vec<String>> {
    let top = kernel.join("src/arch");
    let other = if word == "64" { "32" } else { "64" };
    let mut files = Vec::new();
    let mut stack = vec![top.join(arch)];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).with_context(|| dir.display().to_string())? {
            let path = entry?.path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != other) {
                    stack.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "c") {
                let relative = path.strip_prefix(&top).expect("below src/arch");
                files.push(relative.display().to_string());
            }
        }
    }
    files.sort();
    Ok(files)
}

/// A function's definition: its name and its body's lines (0-based, the braces included).
#[derive(Debug, Clone)]
struct Function {
    name: String,
    start: usize,
    end: usize,
}

/// A C file, read: its lines as written, the same with comments and the contents of string and
/// character literals blanked, and whether each line is compiled in the configuration (`None`
/// where an `#if` around it could not be evaluated).
struct Parsed {
    raw: Vec<String>,
    code: Vec<String>,
    compiled: Vec<Option<bool>>,
}

/// What a function's scan found.
struct Scan {
    sites: Vec<Site>,
    /// The functions it hands an invocation or its error to (decoders and helpers).
    hands_to: Vec<String>,
    /// The messages it prints as it hands a helper's error on.
    passing: Vec<Passing>,
}

/// A message a function prints as it hands on the error of `callee`, of the error `when` only
/// where a check of `current_syscall_error.type == X` guards it.
struct Passing {
    callee: String,
    function: String,
    line: usize,
    format: String,
    when: Option<String>,
}

impl Parsed {
    fn new(text: &str, config: &Config) -> Self {
        let raw: Vec<String> = text.lines().map(str::to_owned).collect();
        let code: Vec<String> = blank_comments_and_literals(text)
            .lines()
            .map(str::to_owned)
            .collect();
        let compiled = preprocess(&code, config);
        Self {
            raw,
            code,
            compiled,
        }
    }

    /// Every function defined at the file's top level in compiled code.
    fn functions(&self) -> Vec<Function> {
        let mut functions = Vec::new();
        let mut depth = 0usize;
        let mut declaration = String::new();
        let mut current: Option<(String, usize)> = None;
        for (n, line) in self.code.iter().enumerate() {
            if self.compiled[n] != Some(true) || line.trim_start().starts_with('#') {
                continue;
            }
            for c in line.chars() {
                match c {
                    '{' => {
                        if depth == 0 {
                            current = function_name(&declaration).map(|name| (name, n));
                            declaration.clear();
                        }
                        depth += 1;
                    }
                    '}' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0
                            && let Some((name, start)) = current.take()
                        {
                            functions.push(Function {
                                name,
                                start,
                                end: n,
                            });
                        }
                    }
                    ';' if depth == 0 => declaration.clear(),
                    c if depth == 0 => declaration.push(c),
                    _ => {}
                }
            }
            if depth == 0 {
                declaration.push(' ');
            }
        }
        functions
    }

    /// The error sites of `function` (of `file`), and the functions it hands on to; `listed`
    /// says whether a function is one whose sites are listed in their own right (a `return` of
    /// its status is then no site).
    fn scan(&self, function: &Function, file: &str, listed: &dyn Fn(&str) -> bool) -> Result<Scan> {
        let mut scan = Scan {
            sites: Vec::new(),
            hands_to: Vec::new(),
            passing: Vec::new(),
        };
        // Each open block: the line of the statement (or label) that opened it, the line of the
        // latest `case`/`default:` label in it, and its statements since its start or that label.
        struct Block {
            opener: usize,
            label: Option<usize>,
            statements: Vec<(usize, String)>,
            /// A block within it that set an error and did not return (`} else { ... type = X;
            /// ret.status = ...; }`), which the next `return` of it hands back: its opener and
            /// statements.
            pending: Option<(usize, Vec<(usize, String)>)>,
            returns: bool,
        }
        let mut blocks: Vec<Block> = Vec::new();
        // The statement being read: its first line and its text.
        let mut statement: Option<(usize, String)> = None;
        // Every statement of the function so far, for the assignment a returned status came from.
        let mut all: Vec<(usize, String)> = Vec::new();
        for n in function.start..=function.end {
            if self.compiled[n].is_none() {
                bail!(
                    "{file}:{}: an #if around {} that cannot be evaluated",
                    n + 1,
                    function.name
                );
            }
            let line = &self.code[n];
            if self.compiled[n] == Some(false) || line.trim_start().starts_with('#') {
                continue;
            }
            let mut rest = line.as_str();
            while !rest.is_empty() {
                // Spaces count within a statement, not before one.
                let trimmed = match statement {
                    None => rest.trim_start(),
                    Some(_) => rest,
                };
                if trimmed.is_empty() {
                    break;
                }
                // A label ends the statement before it: `case X:` / `default:`.
                if statement.is_none()
                    && let Some(after) = label_end(trimmed)
                {
                    if let Some(block) = blocks.last_mut() {
                        block.label = Some(n);
                        block.statements.clear();
                    }
                    rest = &trimmed[after..];
                    continue;
                }
                let c = trimmed.chars().next().expect("not empty");
                rest = &trimmed[c.len_utf8()..];
                match c {
                    '{' => {
                        let opener = statement.take().map_or(n, |(start, _)| start);
                        blocks.push(Block {
                            opener,
                            label: None,
                            statements: Vec::new(),
                            pending: None,
                            returns: false,
                        });
                    }
                    '}' => {
                        statement = None;
                        if let Some(closed) = blocks.pop()
                            && !closed.returns
                            && closed
                                .statements
                                .iter()
                                .any(|(_, s)| assigned(s, "current_syscall_error.type").is_some())
                            && let Some(parent) = blocks.last_mut()
                        {
                            parent.pending = Some((closed.opener, closed.statements));
                        }
                    }
                    ';' => {
                        let (start, text) = statement.take().unwrap_or((n, String::new()));
                        let text = text.trim().to_owned();
                        if let Some(block) = blocks.last_mut() {
                            block.statements.push((start, text.clone()));
                        }
                        all.push((start, text.clone()));
                        if let Some(at) = word_at(&text, "return") {
                            let Some(block) = blocks.last_mut() else {
                                continue;
                            };
                            block.returns = true;
                            let expression = &text[at + "return".len()..];
                            // A braceless `if (x) return y;` is guarded by its own `if`.
                            let mut guard = match block.label {
                                _ if at > 0 => start,
                                Some(label) if label > block.opener => label,
                                _ => block.opener,
                            };
                            let own_error = block
                                .statements
                                .iter()
                                .any(|(_, s)| assigned(s, "current_syscall_error.type").is_some());
                            let statements = match block.pending.take() {
                                // The error of the block before it, which that block's check guards.
                                Some((opener, statements)) if !own_error => {
                                    guard = opener;
                                    statements
                                }
                                _ => block.statements.clone(),
                            };
                            self.on_return(
                                (file, &function.name, guard, n),
                                expression.trim(),
                                &statements,
                                &all,
                                listed,
                                &mut scan,
                            );
                        }
                    }
                    c => {
                        let (_, text) = statement.get_or_insert_with(|| (n, String::new()));
                        text.push(c);
                    }
                }
            }
            if let Some((_, text)) = statement.as_mut() {
                text.push(' ');
            }
        }
        Ok(scan)
    }

    /// A `return expression;` at line `end`, guarded by the check at `guard`, after
    /// `statements` (its block's, since the block or its label began); `all` is every
    /// statement of the function before it.
    fn on_return(
        &self,
        (file, function, guard, end): (&str, &str, usize, usize),
        expression: &str,
        statements: &[(usize, String)],
        all: &[(usize, String)],
        listed: &dyn Fn(&str) -> bool,
        scan: &mut Scan,
    ) {
        let expression = expression.trim();
        if expression == "EXCEPTION_NONE" {
            return;
        }
        if let Some(callee) = called(expression) {
            // Another decoder's (or a perform function's) result: its sites are its own.
            if callee.starts_with("decode") {
                scan.hands_to.push(callee.to_owned());
            }
            return;
        }
        let last = |target: &str| {
            statements
                .iter()
                .rev()
                .find_map(|(_, s)| assigned(s, target))
        };
        let sets = last("current_syscall_error.type");
        let error = match (expression, sets) {
            (_, Some(name)) => SiteError::Sets {
                name: name.to_owned(),
                argument: last("current_syscall_error.invalidArgumentNumber")
                    .and_then(|n| n.parse().ok()),
                capability: last("current_syscall_error.invalidCapNumber")
                    .and_then(|n| n.parse().ok()),
            },
            ("EXCEPTION_SYSCALL_ERROR", None) => SiteError::Nothing,
            // A helper's result that says no error (`ret.status = EXCEPTION_NONE; return ret;`).
            ("ret", None) => return,
            (variable, None) => {
                // A status: from the last call assigned to its variable.
                let variable = variable.split('.').next().unwrap_or(variable);
                let source = all.iter().rev().find_map(|(_, s)| {
                    let (left, right) = s.split_once('=')?;
                    let left = left.split_whitespace().last()?;
                    (left == variable).then(|| called(right.trim())).flatten()
                });
                match source {
                    Some(callee) if listed(callee) => {
                        scan.hands_to.push(callee.to_owned());
                        self.passing_messages(function, callee, guard, end, scan);
                        return;
                    }
                    Some(callee) => SiteError::From(callee.to_owned()),
                    None => SiteError::From(variable.to_owned()),
                }
            }
        };
        let message = statements
            .iter()
            .rev()
            .find(|(_, s)| s.starts_with("userError"))
            .map(|(line, _)| (line + 1, self.message_at(*line)));
        scan.sites.push(Site {
            file: file.to_owned(),
            function: function.to_owned(),
            line: guard + 1,
            end: end + 1,
            error,
            message,
            passing: Vec::new(),
            check: self.raw[guard].trim().to_owned(),
        });
    }

    /// The messages printed between the check at `guard` and the `return` at `end` that hands
    /// `callee`'s error on, each with the error a `current_syscall_error.type == X` check before
    /// it names, if any.
    fn passing_messages(
        &self,
        function: &str,
        callee: &str,
        guard: usize,
        end: usize,
        scan: &mut Scan,
    ) {
        let mut when = None;
        for n in guard..=end {
            if self.compiled[n] != Some(true) {
                continue;
            }
            let line = &self.code[n];
            if let Some((_, after)) = line.split_once("current_syscall_error.type ==") {
                when = Some(
                    after
                        .trim()
                        .trim_end_matches(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                        .to_owned(),
                );
            }
            if word_at(line, "userError").is_some() {
                scan.passing.push(Passing {
                    callee: callee.to_owned(),
                    function: function.to_owned(),
                    line: n + 1,
                    format: self.message_at(n),
                    when: when.clone(),
                });
            }
        }
    }

    /// The format of the `userError(...)` that starts at line `n`: its string pieces, and `%`
    /// for a macro between them (`SEL4_PRIx_word`).
    fn message_at(&self, n: usize) -> String {
        let mut text = String::new();
        for line in &self.raw[n..] {
            text.push_str(line.trim());
            if line.contains(");") {
                break;
            }
        }
        let after = text.split_once("userError(").map_or("", |(_, a)| a);
        let mut format = String::new();
        let mut chars = after.chars().peekable();
        let mut between = String::new();
        while let Some(c) = chars.next() {
            match c {
                '"' => {
                    // A macro between two pieces (`"0x%"SEL4_PRIx_word`) is the rest of a
                    // conversion, or one of its own.
                    if between.trim().chars().any(|c| c.is_alphabetic()) {
                        let pending = format.chars().rev().take_while(|&c| c == '%').count();
                        format.push_str(if pending % 2 == 1 { "x" } else { "%s" });
                    }
                    between.clear();
                    while let Some(c) = chars.next() {
                        match c {
                            '\\' => {
                                if let Some(next) = chars.next() {
                                    format.push(next);
                                }
                            }
                            '"' => break,
                            c => format.push(c),
                        }
                    }
                }
                ',' | ')' => break,
                c => between.push(c),
            }
        }
        format
    }
}

/// Where `word` stands in `text` as a word of its own (not part of an identifier), if it does.
fn word_at(text: &str, word: &str) -> Option<usize> {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices(word).map(|(at, _)| at).find(|&at| {
        !text[..at].chars().next_back().is_some_and(is_ident)
            && !text[at + word.len()..].chars().next().is_some_and(is_ident)
    })
}

/// `case X:` or `default:` at the start of `text`: the length up to and including its colon.
fn label_end(text: &str) -> Option<usize> {
    let word_end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    match &text[..word_end] {
        "default" => {
            let rest = &text[word_end..];
            let colon = rest.find(':')?;
            rest[..colon]
                .trim()
                .is_empty()
                .then_some(word_end + colon + 1)
        }
        "case" => {
            // Up to the first `:` that is not part of `::`.
            let bytes = text.as_bytes();
            (word_end..bytes.len())
                .find(|&i| {
                    bytes[i] == b':'
                        && bytes.get(i + 1) != Some(&b':')
                        && (i == 0 || bytes[i - 1] != b':')
                })
                .map(|i| i + 1)
        }
        _ => None,
    }
}

/// The function `expression` calls, if it is a call (`decodeX(...)`, `f (a)`).
fn called(expression: &str) -> Option<&str> {
    let (name, _) = expression.split_once('(')?;
    let name = name.trim();
    (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .then_some(name)
}

/// The value `statement` assigns to `target` (`target = value`), if it does.
fn assigned<'a>(statement: &'a str, target: &str) -> Option<&'a str> {
    let (left, right) = statement.split_once('=')?;
    (left.trim() == target && !right.starts_with('=')).then(|| right.trim())
}

/// The name of the function whose definition `declaration` (the text before its `{`) is.
fn function_name(declaration: &str) -> Option<String> {
    let before = declaration.split('(').next()?;
    let name = before.split_whitespace().last()?.trim_start_matches('*');
    let valid = !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !["if", "while", "for", "switch", "struct", "union", "enum"].contains(&name)
        && declaration.contains('(');
    valid.then(|| name.to_owned())
}

/// `text` with every comment and the contents of every string and character literal replaced by
/// spaces (line breaks kept), so that braces and keywords in them count for nothing.
fn blank_comments_and_literals(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                out.push_str("  ");
                let mut last = ' ';
                for c in chars.by_ref() {
                    out.push(blank(c));
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
            }
            '/' if chars.peek() == Some(&'/') => {
                out.push(' ');
                while let Some(&c) = chars.peek() {
                    if c == '\n' {
                        break;
                    }
                    out.push(' ');
                    chars.next();
                }
            }
            '"' | '\'' => {
                out.push(c);
                while let Some(d) = chars.next() {
                    if d == '\\' {
                        out.push(' ');
                        if let Some(e) = chars.next() {
                            out.push(blank(e));
                        }
                    } else if d == c {
                        out.push(c);
                        break;
                    } else {
                        out.push(blank(d));
                    }
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// Whether each line is compiled under `config`: the `#if`/`#ifdef`/`#ifndef`/`#elif`/`#else`/
/// `#endif` nesting, evaluated where it can be (`None` below one that cannot).
fn preprocess(code: &[String], config: &Config) -> Vec<Option<bool>> {
    // Each open conditional: whether its current branch is taken (`None`: unknown), and whether
    // an earlier branch was.
    let mut stack: Vec<(Option<bool>, Option<bool>)> = Vec::new();
    let mut compiled = Vec::with_capacity(code.len());
    let mut continued = false;
    for line in code {
        let trimmed = line.trim_start();
        let state = |stack: &[(Option<bool>, Option<bool>)]| {
            stack
                .iter()
                .try_fold(true, |all, (taken, _)| taken.map(|t| all && t))
        };
        if continued {
            continued = line.trim_end().ends_with('\\');
            compiled.push(state(&stack));
            continue;
        }
        if let Some(directive) = trimmed.strip_prefix('#') {
            continued = line.trim_end().ends_with('\\');
            let directive = directive.trim_start();
            let (word, rest) = directive
                .split_once(|c: char| c.is_whitespace())
                .unwrap_or((directive, ""));
            let rest = rest.trim();
            match word {
                "ifdef" => {
                    let v = config.defines(rest);
                    stack.push((v, v));
                }
                "ifndef" => {
                    let v = config.defines(rest).map(|d| !d);
                    stack.push((v, v));
                }
                "if" => {
                    let v = evaluate(rest, config);
                    stack.push((v, v));
                }
                "elif" => {
                    if let Some((taken, any)) = stack.last_mut() {
                        let v = match *any {
                            Some(true) => Some(false),
                            Some(false) => evaluate(rest, config),
                            None => None,
                        };
                        *taken = v;
                        *any = match (*any, v) {
                            (Some(a), Some(b)) => Some(a || b),
                            _ => None,
                        };
                    }
                }
                "else" => {
                    if let Some((taken, any)) = stack.last_mut() {
                        *taken = any.map(|a| !a);
                        *any = any.map(|_| true);
                    }
                }
                "endif" => {
                    stack.pop();
                }
                _ => {}
            }
            compiled.push(state(&stack));
            continue;
        }
        compiled.push(state(&stack));
    }
    compiled
}

/// The value of an `#if` expression: `defined(X)`, `CONFIG_` settings, numbers, `!`, `&&`,
/// `||`, comparisons and parentheses; `None` for anything else.
fn evaluate(expression: &str, config: &Config) -> Option<bool> {
    let tokens = tokens(expression)?;
    let mut parser = Expression {
        tokens: &tokens,
        at: 0,
        config,
    };
    let value = parser.or()?;
    (parser.at == tokens.len()).then_some(value != 0)
}

fn tokens(expression: &str) -> Option<Vec<String>> {
    let mut tokens = Vec::new();
    let chars: Vec<char> = expression.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push(chars[start..i].iter().collect());
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            if ["&&", "||", "==", "!=", ">=", "<="].contains(&two.as_str()) {
                tokens.push(two);
                i += 2;
            } else if "()!<>".contains(c) {
                tokens.push(c.to_string());
                i += 1;
            } else {
                return None;
            }
        }
    }
    Some(tokens)
}

struct Expression<'a> {
    tokens: &'a [String],
    at: usize,
    config: &'a Config,
}

impl Expression<'_> {
    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.at).map(String::as_str)
    }

    fn eat(&mut self, token: &str) -> bool {
        let matches = self.peek() == Some(token);
        if matches {
            self.at += 1;
        }
        matches
    }

    fn or(&mut self) -> Option<i64> {
        let mut value = self.and()?;
        while self.eat("||") {
            let right = self.and()?;
            value = i64::from(value != 0 || right != 0);
        }
        Some(value)
    }

    fn and(&mut self) -> Option<i64> {
        let mut value = self.comparison()?;
        while self.eat("&&") {
            let right = self.comparison()?;
            value = i64::from(value != 0 && right != 0);
        }
        Some(value)
    }

    fn comparison(&mut self) -> Option<i64> {
        let left = self.unary()?;
        for op in ["==", "!=", ">=", "<=", ">", "<"] {
            if self.eat(op) {
                let right = self.unary()?;
                return Some(i64::from(match op {
                    "==" => left == right,
                    "!=" => left != right,
                    ">=" => left >= right,
                    "<=" => left <= right,
                    ">" => left > right,
                    _ => left < right,
                }));
            }
        }
        Some(left)
    }

    fn unary(&mut self) -> Option<i64> {
        if self.eat("!") {
            return Some(i64::from(self.unary()? == 0));
        }
        if self.eat("(") {
            let value = self.or()?;
            return self.eat(")").then_some(value);
        }
        let token = self.peek()?.to_owned();
        self.at += 1;
        if token == "defined" {
            let parenthesised = self.eat("(");
            let name = self.peek()?.to_owned();
            self.at += 1;
            if parenthesised && !self.eat(")") {
                return None;
            }
            return self.config.defines(&name).map(i64::from);
        }
        if let Ok(n) = token.parse() {
            return Some(n);
        }
        // A setting's value where it is a number; 1 where it is on otherwise; 0 where off.
        match self.config.defines(&token)? {
            false => Some(0),
            true => Some(self.config.get(&token)?.parse().unwrap_or(1)),
        }
    }
}

/// Whether `text`, a console message, is what the format `format` (a `userError`'s, as
/// [`Site::message`] gives it) prints: its literal pieces in order, anything for each
/// conversion (`%lx`, `%s`, `%` for a macro).
pub fn message_matches(format: &str, text: &str) -> bool {
    let mut pieces = Vec::new();
    let mut piece = String::new();
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            piece.push(c);
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            piece.push('%');
            continue;
        }
        pieces.push(std::mem::take(&mut piece));
        // The conversion: flags, width, precision, length, then its letter (none for a macro
        // that stood between two strings).
        while let Some(&d) = chars.peek() {
            if "-#0 +.123456789hljztL".contains(d) {
                chars.next();
            } else {
                if "diouxXcsp".contains(d) {
                    chars.next();
                }
                break;
            }
        }
    }
    pieces.push(piece);
    let mut rest = text;
    for (k, piece) in pieces.iter().enumerate() {
        if k == 0 {
            let Some(after) = rest.strip_prefix(piece.as_str()) else {
                return false;
            };
            rest = after;
        } else if k == pieces.len() - 1 {
            return rest.ends_with(piece.as_str());
        } else {
            let Some(at) = rest.find(piece.as_str()) else {
                return false;
            };
            rest = &rest[at + piece.len()..];
        }
    }
    rest.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = r#"
static exception_t decodeThing(word_t label, cap_t cap)
{
    switch (label) {
    case ThingMap: {
        if (length < 2) {
            userError("Thing: Truncated message, %lu words.", length);
            current_syscall_error.type = seL4_TruncatedMessage;
            return EXCEPTION_SYSCALL_ERROR;
        }
#ifdef CONFIG_HYP
        if (x) {
            current_syscall_error.type = seL4_IllegalOperation;
            return EXCEPTION_SYSCALL_ERROR;
        }
#else
        if (y) { /* a comment { */
            current_syscall_error.type = seL4_InvalidArgument;
            current_syscall_error.invalidArgumentNumber = 1;
            return EXCEPTION_SYSCALL_ERROR;
        } else if (z)
            return EXCEPTION_NONE;
#endif
        status = ensureNoChildren(slot);
        if (status != EXCEPTION_NONE) {
            return status;
        }
        map_ret = helper(cap);
        if (map_ret.status != EXCEPTION_NONE) {
            if (current_syscall_error.type == seL4_DeleteFirst) {
                userError("Thing: entry was not free.");
            }
            return map_ret.status;
        }
        return performThing(cap);
    }
    case ThingOther:
        return decodeOther(label, cap);
    default:
        current_syscall_error.type = seL4_IllegalOperation;
        return EXCEPTION_SYSCALL_ERROR;
    }
}

static ret_t helper(cap_t cap)
{
    ret_t ret;
    if (bad) {
        current_syscall_error.type = seL4_DeleteFirst;
        ret.status = EXCEPTION_SYSCALL_ERROR;
        return ret;
    }
    ret.status = EXCEPTION_NONE;
    return ret;
}
"#;

    #[test]
    fn sites_are_the_returns_of_errors_named_by_their_checks() {
        let config = Config::of_pairs(&[("CONFIG_HYP", None)]);
        let parsed = Parsed::new(SOURCE, &config);
        let functions = parsed.functions();
        let names: Vec<&str> = functions.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["decodeThing", "helper"]);
        let listed = |f: &str| f == "helper";
        let scan = parsed.scan(&functions[0], "thing.c", &listed).unwrap();
        let found: Vec<(usize, String)> = scan
            .sites
            .iter()
            .map(|s| (s.line, s.describe_error()))
            .collect();
        assert_eq!(
            found,
            [
                (6, "seL4_TruncatedMessage".to_owned()),
                (17, "seL4_InvalidArgument (argument 1)".to_owned()),
                (25, "what ensureNoChildren returns".to_owned()),
                (39, "seL4_IllegalOperation".to_owned()),
            ]
        );
        assert_eq!(
            scan.sites[0].message,
            Some((7, "Thing: Truncated message, %lu words.".to_owned()))
        );
        assert_eq!(scan.sites[0].check, "if (length < 2) {");
        assert_eq!(scan.hands_to, ["helper", "decodeOther"]);
        let helper = parsed.scan(&functions[1], "thing.c", &listed).unwrap();
        assert_eq!(helper.sites.len(), 1);
        assert_eq!(helper.sites[0].line, 48);
        let passing = &scan.passing[0];
        assert_eq!(
            (
                passing.callee.as_str(),
                passing.line,
                passing.format.as_str()
            ),
            ("helper", 31, "Thing: entry was not free.")
        );
        assert_eq!(passing.when.as_deref(), Some("seL4_DeleteFirst"));
        assert!(helper.sites[0].gives("seL4_DeleteFirst"));
        // With the setting on, the other branch.
        let hyp = Parsed::new(SOURCE, &Config::of_pairs(&[("CONFIG_HYP", Some("1"))]));
        let scan = hyp.scan(&hyp.functions()[0], "thing.c", &listed).unwrap();
        assert!(
            scan.sites
                .iter()
                .any(|s| s.line == 12 && s.gives("seL4_IllegalOperation"))
        );
        assert!(!scan.sites.iter().any(|s| s.line == 17));
    }

    #[test]
    fn an_error_set_in_an_else_is_handed_back_by_the_return_after_it() {
        let source = "\
ret_t derive(cap_t cap)
{
    ret_t ret;
    switch (type) {
    case page_table:
        if (mapped) {
            ret.status = EXCEPTION_NONE;
        } else {
            userError(\"Deriving an unmapped PT cap\");
            current_syscall_error.type = seL4_IllegalOperation;
            ret.status = EXCEPTION_SYSCALL_ERROR;
        }
        return ret;
    default:
        ret.status = EXCEPTION_NONE;
        return ret;
    }
}
";
        let parsed = Parsed::new(source, &Config::of_pairs(&[]));
        let function = &parsed.functions()[0];
        let scan = parsed.scan(function, "objecttype.c", &|_| false).unwrap();
        assert_eq!(scan.sites.len(), 1);
        let site = &scan.sites[0];
        assert_eq!((site.line, site.end), (8, 13));
        assert_eq!(site.check, "} else {");
        assert!(site.gives("seL4_IllegalOperation"));
        assert_eq!(
            site.message,
            Some((9, "Deriving an unmapped PT cap".to_owned()))
        );
    }

    #[test]
    fn if_expressions_are_evaluated_or_left_unknown() {
        let config = Config::of_pairs(&[
            ("CONFIG_A", Some("1")),
            ("CONFIG_LEVELS", Some("3")),
            ("CONFIG_B", None),
        ]);
        assert_eq!(
            evaluate("defined(CONFIG_A) && !defined(CONFIG_B)", &config),
            Some(true)
        );
        assert_eq!(
            evaluate("CONFIG_LEVELS > 2 || CONFIG_B", &config),
            Some(true)
        );
        assert_eq!(evaluate("CONFIG_LEVELS == 4", &config), Some(false));
        assert_eq!(evaluate("defined(__KERNEL_64__)", &config), None);
        assert_eq!(evaluate("CONFIG_A + 1", &config), None);
    }

    #[test]
    fn a_macro_between_strings_is_a_conversion() {
        let source = "void f(void)\n{\n    userError(\"at (0x%\"SEL4_PRIx_word\") %s\"\n              \" end\", a, b);\n}\n";
        let parsed = Parsed::new(source, &Config::of_pairs(&[]));
        assert_eq!(parsed.message_at(2), "at (0x%x) %s end");
    }

    #[test]
    fn messages_match_their_formats() {
        assert!(message_matches("100%% sure", "100% sure"));
        assert!(message_matches(
            "Virtual address (0x%x) already mapped",
            "Virtual address (0x10000000000) already mapped"
        ));
        assert!(message_matches(
            "ARMPageMap: Cannot map frame over kernel window. vaddr: 0x%08lx, USER_TOP: 0x%08x",
            "ARMPageMap: Cannot map frame over kernel window. vaddr: 0xa0000000, USER_TOP: 0xa0000000"
        ));
        assert!(message_matches(
            "Page Flush: Frame is not mapped.",
            "Page Flush: Frame is not mapped."
        ));
        assert!(!message_matches(
            "Page Flush: Frame is not mapped.",
            "PageFlush: Invalid range"
        ));
        assert!(!message_matches("a %d b", "a 1 c"));
    }
}
