// SPDX-License-Identifier: BSD-2-Clause

//! The walk of an address through the translation tables the kernel wrote (`make walk`, `make
//! simulate WALK=1`). QEMU starts halted with its gdb stub on a Unix socket; a breakpoint at the
//! root task's entry point catches it running in its own VSpace, where the architecture's
//! translation base register gives the root table; the program then runs to its end unchanged,
//! and there the machine is stopped and the tables are read from physical memory, level by level
//! (paging.rs decodes the entries).

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use object::Object;

use crate::catalogue::Arch;
use crate::gdbstub::{Stub, little_endian};
use crate::image::Source;
use crate::paging::{self, Entry, Format, RootRegister, Tables};
use crate::project::Project;

/// The addresses to walk for `source`: `addr` (ADDR=), checked against the architecture's user
/// range, or else every `*_VADDR` constant its file names.
pub fn addresses_for(
    project: &Project,
    source: &Source,
    addr: Option<&str>,
) -> Result<Vec<Address>> {
    let arch = source.arch();
    if let Some(text) = addr {
        let top = user_vspace_top(arch, &project.kernel_prefix(arch))?;
        return Ok(vec![address_given(text, arch, top)?]);
    }
    let (path, what) = match source {
        Source::File(e) => (
            project.root().join(e.exercise.file),
            e.exercise.file.to_owned(),
        ),
        Source::Stage(s) => (
            project.shipped(s.exercise.file),
            format!("the shipped {}", s.exercise.file),
        ),
        _ => bail!("give the address to walk as ADDR="),
    };
    let text =
        fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let Addresses { found, unread } = addresses_in(&text);
    for (name, why) in &unread {
        eprintln!("==> Not walked: {name} in {what}, whose value the walk cannot read ({why})");
    }
    if found.is_empty() {
        bail!(
            "{what} names no address to walk (a `const ..._VADDR: usize = ...;` of literals and \
             the file's constants): give one as ADDR="
        );
    }
    Ok(found)
}

/// One address to walk, and what it is called (`TEST_VADDR`, or `ADDR=`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub name: String,
    pub value: u64,
}

/// The addresses an exercise's file names, in order: each `const <NAME>_VADDR: usize = ...;`, and
/// each element of a `const ADDRESSES: [usize; N] = [...];` (the mapper's pages), read as the
/// compiler reads them: an expression of literals and the file's other constants. What cannot be
/// read so (a function call, a constant from elsewhere) is named in `unread`, not dropped.
pub fn addresses_in(source: &str) -> Addresses {
    let mut found = Addresses::default();
    let mut constants: Vec<(String, u64)> = Vec::new();
    let mut rest = source;
    while let Some(at) = rest.find("const ") {
        rest = &rest[at + "const ".len()..];
        let Some((name, after)) = rest.split_once(':') else {
            break;
        };
        let name = name.trim();
        if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let Some((ty, value)) = after.split_once('=') else {
            break;
        };
        let value = value.split(';').next().unwrap_or_default().trim();
        let lookup = |n: &str| constants.iter().find(|(c, _)| c == n).map(|(_, v)| *v);
        let ty = ty.trim();
        if ty.starts_with('[') {
            if !name.ends_with("ADDRESSES") {
                continue;
            }
            let items = value.trim_start_matches('[').trim_end_matches(']');
            let items = items
                .split(',')
                .map(|item| {
                    item.lines()
                        .filter(|l| !l.trim().starts_with("//"))
                        .collect::<String>()
                })
                .filter(|item| !item.trim().is_empty());
            for (n, item) in items.enumerate() {
                let name = format!("{name}[{n}]");
                match evaluate(&item, lookup) {
                    Ok(value) => found.found.push(Address { name, value }),
                    Err(why) => found.unread.push((name, format!("{why:#}"))),
                }
            }
            continue;
        }
        match evaluate(value, lookup) {
            Ok(v) => {
                if name.ends_with("VADDR") {
                    found.found.push(Address {
                        name: name.to_owned(),
                        value: v,
                    });
                }
                constants.push((name.to_owned(), v));
            }
            Err(why) if name.ends_with("VADDR") => {
                found.unread.push((name.to_owned(), format!("{why:#}")));
            }
            Err(_) => {}
        }
    }
    found
}

/// What [`addresses_in`] found: the addresses, and each one it could not read, with why.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Addresses {
    pub found: Vec<Address>,
    pub unread: Vec<(String, String)>,
}

/// `0xA0_0000_0000`, `1073741824`: Rust's spellings of a number.
pub fn parse_number(text: &str) -> Option<u64> {
    let text = text.trim().replace('_', "");
    match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

/// An integer constant expression, as Rust and C spell one: literals (`0xA0_0000_0000`, `4096`,
/// with a type suffix `usize` or `ul`), the names `lookup` knows, `as` casts (which change
/// nothing here), parentheses, and `* / % + - << >> & ^ |` with the precedence both give them.
pub fn evaluate(text: &str, lookup: impl Fn(&str) -> Option<u64>) -> Result<u64> {
    let tokens = tokens(text)?;
    let mut parser = Parser {
        tokens: &tokens,
        at: 0,
        lookup: &lookup,
    };
    let value = parser.expression(0)?;
    match parser.tokens.get(parser.at) {
        None => u64::try_from(value).with_context(|| format!("`{text}` is negative")),
        Some(token) => bail!("`{text}`: `{token}` is not understood here"),
    }
}

fn tokens(text: &str) -> Result<Vec<String>> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c.is_alphanumeric() || c == '_' {
            // A path (`elsewhere::BASE`) is one name.
            let mut word = String::new();
            while let Some(&c) = chars
                .peek()
                .filter(|c| c.is_alphanumeric() || **c == '_' || **c == ':')
            {
                word.push(c);
                chars.next();
            }
            tokens.push(word);
        } else if (c == '<' || c == '>') && {
            chars.next();
            chars.peek() == Some(&c)
        } {
            chars.next();
            tokens.push(format!("{c}{c}"));
        } else if "+-*/%&^|()".contains(c) {
            chars.next();
            tokens.push(c.to_string());
        } else {
            bail!("`{text}`: `{c}` is not understood here");
        }
    }
    Ok(tokens)
}

/// A literal with its type suffix, if any: Rust's (`4096usize`, `0x1000_u64`) or C's (`4096UL`).
fn literal(word: &str) -> Option<u64> {
    let word = word.replace('_', "");
    let word = ["usize", "isize", "u64", "i64", "u32", "i32"]
        .iter()
        .find_map(|t| word.strip_suffix(t))
        .unwrap_or(&word);
    parse_number(word.trim_end_matches(['u', 'U', 'l', 'L']))
}

struct Parser<'a> {
    tokens: &'a [String],
    at: usize,
    lookup: &'a dyn Fn(&str) -> Option<u64>,
}

impl Parser<'_> {
    /// Binary operators binding at least as tightly as `min` (Rust's and C's order).
    fn expression(&mut self, min: u8) -> Result<i128> {
        let mut left = self.operand()?;
        while let Some(op) = self.tokens.get(self.at) {
            let strength = match op.as_str() {
                "|" => 1,
                "^" => 2,
                "&" => 3,
                "<<" | ">>" => 4,
                "+" | "-" => 5,
                "*" | "/" | "%" => 6,
                _ => break,
            };
            if strength < min {
                break;
            }
            let op = op.clone();
            self.at += 1;
            let right = self.expression(strength + 1)?;
            left = match op.as_str() {
                "|" => left | right,
                "^" => left ^ right,
                "&" => left & right,
                "<<" => left << u32::try_from(right).context("a shift too large")?,
                ">>" => left >> u32::try_from(right).context("a shift too large")?,
                "+" => left + right,
                "-" => left - right,
                "*" => left * right,
                "/" if right != 0 => left / right,
                "%" if right != 0 => left % right,
                _ => bail!("a division by zero"),
            };
        }
        Ok(left)
    }

    fn operand(&mut self) -> Result<i128> {
        let Some(token) = self.tokens.get(self.at) else {
            bail!("an expression ends early");
        };
        self.at += 1;
        let value = match token.as_str() {
            "(" => {
                let value = self.expression(0)?;
                if self.tokens.get(self.at).map(String::as_str) != Some(")") {
                    bail!("a `(` is not closed");
                }
                self.at += 1;
                value
            }
            "-" => -self.operand()?,
            word if word.starts_with(|c: char| c.is_ascii_digit()) => {
                i128::from(literal(word).with_context(|| format!("`{word}` is no number"))?)
            }
            name if self.tokens.get(self.at).map(String::as_str) == Some("(") => {
                bail!("`{name}(...)` is a call, not a constant")
            }
            name => i128::from(
                (self.lookup)(name)
                    .with_context(|| format!("`{name}` is no constant of the file"))?,
            ),
        };
        // `as usize`: the same value here.
        if self.tokens.get(self.at).map(String::as_str) == Some("as") {
            self.at += 2;
        }
        Ok(value)
    }
}

/// An address given as `ADDR=`, checked against the architecture's user range (`top` is the
/// highest user address, seL4_UserVSpaceTop).
pub fn address_given(text: &str, arch: &Arch, top: u64) -> Result<Address> {
    let Some(value) = parse_number(text) else {
        bail!(
            "ADDR='{text}' is not an address: give it as hexadecimal (0xa000000000) or decimal; \
             user addresses on {} are 0x0 to {top:#x}",
            arch.name
        );
    };
    if value > top {
        bail!(
            "ADDR={text} is outside the user range: on {} user addresses are 0x0 to {top:#x} \
             (seL4_UserVSpaceTop)",
            arch.name
        );
    }
    Ok(Address {
        name: "ADDR".into(),
        value,
    })
}

/// seL4_UserVSpaceTop of the kernel built at `prefix`, as its libsel4 headers compute it (the C
/// preprocessor, the architecture's cross compiler).
pub fn user_vspace_top(arch: &Arch, prefix: &Path) -> Result<u64> {
    let compiler = format!("{}gcc", arch.cross_prefix);
    let include = prefix.join("libsel4/include");
    let mut child = std::process::Command::new(&compiler)
        .args(["-E", "-P", "-x", "c", "-"])
        .arg("-I")
        .arg(&include)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run {compiler} (`make setup` installs it)"))?;
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin is piped");
        stdin.write_all(b"#include <sel4/sel4.h>\nuser_vspace_top = seL4_UserVSpaceTop;\n")?;
    }
    let output = child.wait_with_output()?;
    if !output.status.success() {
        bail!(
            "{compiler} cannot read seL4_UserVSpaceTop from {}: {}",
            include.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let expression = text
        .lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix("user_vspace_top = "))
        .and_then(|e| e.strip_suffix(';'))
        .context("the preprocessor left no seL4_UserVSpaceTop")?;
    evaluate(expression, |_| None).with_context(|| format!("seL4_UserVSpaceTop is `{expression}`"))
}

/// One level of a walk: the table, the entry the address selects and what it says.
#[derive(Debug, Clone)]
pub struct Step {
    pub level: paging::Level,
    pub table: u64,
    pub index: u64,
    pub raw: u64,
    pub entry: Entry,
}

/// A whole walk.
#[derive(Debug, Clone)]
pub struct Walk {
    pub format: Format,
    pub address: Address,
    pub register: u64,
    pub steps: Vec<Step>,
}

impl Walk {
    /// Where it ended: the unresolved bits at a missing entry, or the page.
    pub fn unresolved_bits(&self) -> Option<u32> {
        let last = self.steps.last()?;
        (last.entry == Entry::Invalid).then_some(last.level.low)
    }

    pub fn page(&self) -> Option<&paging::Page> {
        match &self.steps.last()?.entry {
            Entry::Page(page) => Some(page),
            _ => None,
        }
    }

    /// The walk without its physical addresses, a line per level and one for where it ends: what
    /// the tests compare with tests/expected/<arch>/<stage>.walk (addresses vary between runs).
    pub fn outline(&self) -> Vec<String> {
        let mut lines = vec![format!(
            "walk of {} = {:#x}",
            self.address.name, self.address.value
        )];
        for step in &self.steps {
            let meaning = match &step.entry {
                Entry::Invalid => "invalid".to_owned(),
                Entry::Table(_) => "next table".to_owned(),
                Entry::Page(page) => {
                    format!("{} page, {}", paging::size_name(page.size), page.rights())
                }
            };
            lines.push(format!(
                "{} [{}] bits {}..{}: {meaning}",
                step.level.name, step.index, step.level.high, step.level.low
            ));
        }
        match (self.unresolved_bits(), self.page()) {
            (Some(bits), _) => lines.push(format!("unresolved: {bits} bits")),
            (None, Some(page)) => lines.push(format!(
                "offset in the page: {:#x}",
                self.address.value & (page.size - 1)
            )),
            (None, None) => {}
        }
        lines
    }

    /// The picture: a box per table, the entry taken, an arrow to the next.
    pub fn render(&self) -> Vec<String> {
        let digits = (self.format.entry_bytes() * 2) as usize;
        let mut lines = vec![format!(
            "==> The walk of {} = {:#x} through the tables the kernel wrote ({} = {:#x}):",
            self.address.name,
            self.address.value,
            self.format.root_register_name(),
            self.register
        )];
        let cells: Vec<(String, String)> = self
            .steps
            .iter()
            .map(|step| {
                (
                    format!("{} at {:#x}", step.level.name, step.table),
                    format!(
                        "[{}] bits {}..{}  {:#0digits$x}",
                        step.index,
                        step.level.high,
                        step.level.low,
                        step.raw,
                        digits = digits + 2
                    ),
                )
            })
            .collect();
        let width = cells
            .iter()
            .map(|(title, row)| (title.chars().count() + 2).max(row.chars().count()))
            .max()
            .unwrap_or(0);
        for ((title, row), step) in cells.iter().zip(&self.steps) {
            let (edge, meaning) = drawn_entry(&step.entry);
            let rule = "─".repeat(width - title.chars().count() - 1);
            lines.push(format!("    ┌─ {title} {rule}┐"));
            lines.push(format!("    │ {row:<width$} {edge} {meaning}"));
            lines.push(format!("    └{}┘", "─".repeat(width + 2)));
        }
        match (self.unresolved_bits(), self.page()) {
            // The last level's entry maps the 4 KiB page itself (every format's last level ends
            // at bit 12): empty, it leaves no structure missing, and seL4 names no level there.
            (Some(12), _) => lines.push(
                "    No page is mapped there: the entry that maps its 4 KiB page is empty, and no \
                 structure is missing."
                    .to_owned(),
            ),
            (Some(bits), _) => lines.push(format!(
                "    Bits {}..0 of the address are still unresolved: {bits} bits, the level seL4 \
                 names as missing.",
                bits - 1
            )),
            (None, Some(page)) => lines.push(format!(
                "    {:#x} is at offset {:#x} in that page: physical address {:#x}.",
                self.address.value,
                self.address.value & (page.size - 1),
                page.physical + (self.address.value & (page.size - 1))
            )),
            (None, None) => {}
        }
        lines
    }
}

/// How the picture of a walk draws an entry beside its table's box: the box's edge (an arrow out
/// of it, or none), and what the entry says.
pub fn drawn_entry(entry: &Entry) -> (&'static str, String) {
    match entry {
        Entry::Invalid => ("│  ", "invalid: the walk stops here".to_owned()),
        Entry::Table(next) => ("├─>", format!("next table at {next:#x}")),
        Entry::Page(page) => (
            "├─>",
            format!(
                "{} page at {:#x}: {}",
                paging::size_name(page.size),
                page.physical,
                page.rights()
            ),
        ),
    }
}

/// The walk of `address` through `tables` from the root table at `root` (`register` holds it),
/// reading each entry with `read(address, bytes)`: as the hardware walks, one entry per level,
/// until an entry is not a table's.
pub fn walk_with(
    tables: &Tables,
    root: u64,
    register: u64,
    address: &Address,
    mut read: impl FnMut(u64, usize) -> Result<u64>,
) -> Result<Walk> {
    let format = tables.format;
    let mut steps = Vec::new();
    let mut table = root;
    for (depth, level) in tables.levels().iter().enumerate() {
        let bits = level.high - level.low + 1;
        let index = address.value >> level.low & ((1 << bits) - 1);
        let size = format.entry_bytes();
        let raw = read(table + index * size, size as usize)
            .with_context(|| format!("cannot read the {} at {table:#x}", level.name))?;
        let entry = tables.decode(depth, raw);
        let next = match entry {
            Entry::Table(next) => Some(next),
            _ => None,
        };
        steps.push(Step {
            level: *level,
            table,
            index,
            raw,
            entry,
        });
        match next {
            Some(next) => table = next,
            None => break,
        }
    }
    Ok(Walk {
        format,
        address: address.clone(),
        register,
        steps,
    })
}

/// A walk under way: QEMU's extra arguments, and the thread that reads the VSpace root while
/// the root task runs.
pub struct Walker {
    socket: PathBuf,
    tables: Tables,
    entry: u64,
    reading: Option<JoinHandle<Result<(Stub, u64)>>>,
}

impl Walker {
    /// A walker for the root task `root_task` (its entry point is where the breakpoint goes), on
    /// `arch`'s kernel, whose configuration gives its tables' levels.
    pub fn new(project: &Project, arch: &'static Arch, root_task: &Path) -> Result<Self> {
        let format = arch
            .paging
            .with_context(|| format!("nothing walks the tables of the kernel {arch}"))?;
        let tables = Tables::of(format, &crate::kernel::config(project, arch)?)
            .with_context(|| format!("the walk cannot read {arch}'s tables"))?;
        let elf = fs::read(root_task).with_context(|| root_task.display().to_string())?;
        let entry = object::File::parse(&*elf)
            .with_context(|| root_task.display().to_string())?
            .entry();
        static RUNS: AtomicUsize = AtomicUsize::new(0);
        // SAFETY: getuid has no preconditions.
        let uid = unsafe { libc::getuid() };
        let dir = std::env::temp_dir().join(format!("sel4-mapping-tutorial-{uid}"));
        fs::create_dir_all(&dir).with_context(|| dir.display().to_string())?;
        // A short path: a Unix socket's is at most 107 bytes.
        let socket = dir.join(format!(
            "walk-{}-{}.sock",
            std::process::id(),
            RUNS.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_file(&socket);
        Ok(Self {
            socket,
            tables,
            entry,
            reading: None,
        })
    }

    /// QEMU's arguments: halted at the start, its gdb stub on the walker's socket.
    pub fn qemu_args(&self) -> Vec<String> {
        vec![
            "-S".into(),
            "-chardev".into(),
            format!(
                "socket,id=walk,path={},server=on,wait=off",
                self.socket.display()
            ),
            "-gdb".into(),
            "chardev:walk".into(),
        ]
    }

    /// Starts reading the root register, which comes within `patience` of QEMU's start (`None`:
    /// whenever it comes).
    pub fn start(&mut self, patience: Option<Duration>) {
        let socket = self.socket.clone();
        let register = self.tables.format.root_register();
        let entry = self.entry;
        self.reading = Some(thread::spawn(move || {
            let mut stub = Stub::connect(&socket, Duration::from_secs(10))?;
            let number = match register {
                RootRegister::Gdb(name) => Some(stub.register_number(name)?),
                RootRegister::Monitor(_) => None,
            };
            stub.set_breakpoint(entry)?;
            stub.set_patience(patience.unwrap_or(Duration::from_secs(24 * 3600)))?;
            stub.resume()?;
            stub.wait_for_stop()?;
            let value = match (register, number) {
                (_, Some(number)) => stub.read_register(number)?,
                (RootRegister::Monitor(name), None) => {
                    monitor_field(&stub.monitor("info registers")?, name)?
                }
                (RootRegister::Gdb(_), None) => unreachable!("numbered above"),
            };
            stub.remove_breakpoint(entry)?;
            stub.set_patience(Duration::from_secs(5))?;
            stub.resume()?;
            Ok((stub, value))
        }));
    }

    /// At the program's end: stops the machine, walks each address, and lets it run on.
    pub fn finish(&mut self, addresses: &[Address]) -> Result<Vec<Walk>> {
        let reading = self.reading.take().context("the walk was never started")?;
        if !reading.is_finished() {
            bail!(
                "the program ended before it ran in its own VSpace, so its translation tables \
                 could not be found ({} was never read)",
                self.tables.format.root_register_name()
            );
        }
        let (mut stub, register) = reading
            .join()
            .map_err(|_| anyhow::anyhow!("the walk's reader panicked"))?
            .context("cannot read the VSpace root from QEMU's gdb stub")?;
        stub.interrupt()?;
        stub.physical_memory()?;
        let root = self.tables.format.root_from_register(register);
        let mut walks = Vec::new();
        for address in addresses {
            walks.push(self.walk(&mut stub, root, register, address)?);
        }
        stub.detach()?;
        Ok(walks)
    }

    fn walk(&self, stub: &mut Stub, root: u64, register: u64, address: &Address) -> Result<Walk> {
        walk_with(&self.tables, root, register, address, |at, bytes| {
            Ok(little_endian(&stub.read_memory(at, bytes)?))
        })
    }
}

impl Drop for Walker {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.socket);
    }
}

/// Where the walks and the kernel's own words in the run's `lines` disagree: a stage that prints
/// "... at level N" has a walk that stops with N bits unresolved; a data fault at an address that
/// was walked found no page there, or one that does not let the program both read and write.
pub fn disagreements(walks: &[Walk], lines: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    for line in lines {
        if let Some(level) = line
            .strip_prefix("Missing intermediate paging structure at level ")
            .and_then(|n| n.trim().parse::<u32>().ok())
            && !walks.iter().any(|w| w.unresolved_bits() == Some(level))
        {
            found.push(format!(
                "the kernel says level {level}, but no walk stops with {level} bits unresolved"
            ));
        }
        if let Some(rest) = line.strip_prefix("vm fault on data at address ")
            && let Some(address) = rest.split_whitespace().next().and_then(parse_number)
            && let Some(walk) = walks.iter().find(|w| w.address.value == address)
        {
            // A fault where nothing is mapped, or where the page lacks a right; never where
            // the page lets the program read and write.
            if walk.page().is_some_and(|page| page.read && page.write) {
                found.push(format!(
                    "the kernel reports a fault at {address:#x}, where the walk finds a page \
                     that can be read and written"
                ));
            }
        }
    }
    found
}

/// `NAME=<hex>` in the monitor's output.
fn monitor_field(text: &str, name: &str) -> Result<u64> {
    text.split_whitespace()
        .find_map(|word| word.strip_prefix(name)?.strip_prefix('='))
        .and_then(|hex| u64::from_str_radix(hex, 16).ok())
        .with_context(|| format!("QEMU's `info registers` shows no {name}"))
}

/// Every walk's picture, one after the other.
pub fn render_all(walks: &[Walk]) -> String {
    let mut text = String::new();
    for walk in walks {
        for line in walk.render() {
            let _ = writeln!(text, "{line}");
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_addresses_are_the_files_vaddr_constants() {
        let source = "/// Where.\nconst TEST_VADDR: usize = 0xA0_0000_0000;\nconst N: usize = 3;\n\
                      const HUGE_VADDR: usize = 0x10_4000_0000;\n";
        assert_eq!(
            addresses_in(source).found,
            [
                Address {
                    name: "TEST_VADDR".into(),
                    value: 0xa0_0000_0000
                },
                Address {
                    name: "HUGE_VADDR".into(),
                    value: 0x10_4000_0000
                }
            ]
        );
    }

    /// A constant made of others is read as the compiler reads it; one the walk cannot read is
    /// named, with why.
    #[test]
    fn an_address_of_other_constants_is_computed_and_an_unreadable_one_named() {
        let source = "const TEST_VADDR: usize = 0xA0_0000_0000;\nconst PAGE: usize = 1 << 12;\n\
                      const NEXT_VADDR: usize = TEST_VADDR + 2 * PAGE;\n\
                      const HIGH_VADDR: usize = (TEST_VADDR | 0x4000_0000) as usize;\n\
                      const FAR_VADDR: usize = elsewhere::BASE + PAGE;\n\
                      const ODD_VADDR: usize = base();\n";
        let addresses = addresses_in(source);
        let found: Vec<(&str, u64)> = addresses
            .found
            .iter()
            .map(|a| (a.name.as_str(), a.value))
            .collect();
        assert_eq!(
            found,
            [
                ("TEST_VADDR", 0xa0_0000_0000),
                ("NEXT_VADDR", 0xa0_0000_2000),
                ("HIGH_VADDR", 0xa0_4000_0000)
            ]
        );
        let unread: Vec<&str> = addresses.unread.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(unread, ["FAR_VADDR", "ODD_VADDR"]);
        assert!(
            addresses.unread[0]
                .1
                .contains("`elsewhere::BASE` is no constant of the file")
                && addresses.unread[1].1.contains("`base(...)` is a call"),
            "{:?}",
            addresses.unread
        );
    }

    #[test]
    fn expressions_follow_rusts_and_cs_precedence() {
        let none = |_: &str| None;
        assert_eq!(evaluate("1 + 2 * 3", none).unwrap(), 7);
        assert_eq!(evaluate("1 << 4 + 1", none).unwrap(), 32);
        assert_eq!(evaluate("0xff & 0x0f | 0x100", none).unwrap(), 0x10f);
        assert_eq!(
            evaluate("(0x00007ffffffff000UL + 0x1000 - 1)", none).unwrap(),
            0x7fff_ffff_ffff
        );
        assert_eq!(evaluate("4096usize", none).unwrap(), 4096);
        assert!(evaluate("1 +", none).is_err());
        assert!(evaluate("2 - 3", none).is_err());
        assert!(evaluate("f(1)", none).is_err());
    }

    #[test]
    fn the_mappers_addresses_are_its_arrays_elements() {
        let source = "const ADDRESSES: [usize; 3] = [\n    0xA0_0000_0000,\n    // why\n    0xA0_4000_0000,\n    4096,\n];\nfn main() { let x: usize = 3; }\n";
        let found: Vec<(String, u64)> = addresses_in(source)
            .found
            .into_iter()
            .map(|a| (a.name, a.value))
            .collect();
        assert_eq!(
            found,
            [
                ("ADDRESSES[0]".to_owned(), 0xa0_0000_0000),
                ("ADDRESSES[1]".to_owned(), 0xa0_4000_0000),
                ("ADDRESSES[2]".to_owned(), 4096)
            ]
        );
        assert_eq!(
            addresses_in("const ADDRESSES: [usize; 2] = [0x4000_0000, 0x4000_1000];")
                .found
                .len(),
            2
        );
    }

    #[test]
    fn an_address_is_checked_against_the_user_range() {
        let arch = crate::catalogue::find_arch("riscv64").unwrap();
        let top = 0x3f_ffff_efff;
        assert_eq!(
            address_given("0x10_0000_0000", arch, top).unwrap().value,
            0x10_0000_0000
        );
        let err = address_given("0x40_0000_0000", arch, top)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("outside the user range") && err.contains("0x3fffffefff"),
            "{err}"
        );
        let err = address_given("banana", arch, top).unwrap_err().to_string();
        assert!(err.contains("is not an address"), "{err}");
    }

    fn walk_to(entry: Entry) -> Walk {
        let format = Format::X86_64;
        let levels = Tables::of(format, &serde_json::json!({})).unwrap().levels();
        Walk {
            format,
            address: Address {
                name: "TEST_VADDR".into(),
                value: 0xa0_0000_0000,
            },
            register: 0x1000,
            steps: vec![Step {
                level: levels[1],
                table: 0x2000,
                index: 128,
                raw: 0,
                entry,
            }],
        }
    }

    /// The picture's last line: the level seL4 names where a structure is missing, nothing of
    /// the kind where only the page is (the last level's entry), and the physical address where
    /// the walk reaches a page.
    #[test]
    fn the_picture_says_where_the_walk_ends() {
        let last = |walk: &Walk| walk.render().last().unwrap().trim().to_owned();
        assert_eq!(
            last(&walk_to(Entry::Invalid)),
            "Bits 29..0 of the address are still unresolved: 30 bits, the level seL4 names as \
             missing."
        );
        let mut no_page = walk_to(Entry::Invalid);
        let levels = Tables::of(Format::X86_64, &serde_json::json!({}))
            .unwrap()
            .levels();
        no_page.steps[0].level = levels[3];
        assert_eq!(
            last(&no_page),
            "No page is mapped there: the entry that maps its 4 KiB page is empty, and no \
             structure is missing."
        );
        let page = walk_to(Entry::Page(paging::Page {
            physical: 0x4000_0000,
            size: 1 << 30,
            read: true,
            write: false,
            execute: false,
            memory: "write-back".into(),
        }));
        assert_eq!(
            last(&page),
            "0xa000000000 is at offset 0x0 in that page: physical address 0x40000000."
        );
    }

    #[test]
    fn a_walk_that_disagrees_with_the_kernel_is_told() {
        let lines = |l: &str| vec!["Booting all finished".to_owned(), l.to_owned()];
        let missing = walk_to(Entry::Invalid);
        assert!(
            disagreements(
                std::slice::from_ref(&missing),
                &lines("Missing intermediate paging structure at level 30")
            )
            .is_empty()
        );
        assert_eq!(
            disagreements(
                &[missing],
                &lines("Missing intermediate paging structure at level 21")
            ),
            ["the kernel says level 21, but no walk stops with 21 bits unresolved"]
        );
        let page = |write| {
            walk_to(Entry::Page(paging::Page {
                physical: 0x4000_0000,
                size: 1 << 30,
                read: true,
                write,
                execute: false,
                memory: "write-back".into(),
            }))
        };
        let fault = lines("vm fault on data at address 0xa000000000 with status 0x7");
        assert!(disagreements(&[page(false)], &fault).is_empty());
        assert_eq!(disagreements(&[page(true)], &fault).len(), 1);
        assert!(disagreements(&[walk_to(Entry::Invalid)], &fault).is_empty());
    }

    #[test]
    fn libsel4s_expressions_evaluate() {
        assert_eq!(
            evaluate("(0x00007ffffffff000 - 1)", |_| None).unwrap(),
            0x7fff_ffff_efff
        );
        assert_eq!(
            evaluate("(0x80000000lu - 1)", |_| None).unwrap(),
            0x7fff_ffff
        );
        assert_eq!(
            evaluate("0x00000fffffffffff", |_| None).unwrap(),
            0xfff_ffff_ffff
        );
        assert_eq!(
            evaluate("((0xe0000000) - 1)", |_| None).unwrap(),
            0xdfff_ffff
        );
    }
}
