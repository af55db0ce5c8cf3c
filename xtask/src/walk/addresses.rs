// SPDX-License-Identifier: BSD-2-Clause

//! The addresses a walk takes: `ADDR=`, checked against the kernel's user range, or the
//! `*_VADDR` constants of the learner's file, read as the compiler reads them.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::catalogue::Arch;
use crate::image::Source;
use crate::project::Project;
use crate::walk::Address;

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
