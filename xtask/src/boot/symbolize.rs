// SPDX-License-Identifier: BSD-2-Clause

//! Points the kernel's fault reports at the source: for the instruction address in
//! `in thread 0x... "rootserver" at address 0x...` and for the code addresses in the stack dump
//! that follows it, the function and `file:line` they belong to in the root task image, from its
//! debug information (binutils' addr2line for the architecture does the DWARF work).

use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::Command;

use object::{Object, ObjectSection};

use crate::project::Project;

/// One source location of an address: the function and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub function: String,
    pub file: String,
    pub line: String,
}

impl Frame {
    /// Whether the frame is in the project's own source (a learner's file, the plumbing in lib/),
    /// which [`Symbolizer::frames`] shows relative to the project: not the standard library's or
    /// rust-sel4's (build/rust-sel4/).
    pub fn is_own(&self) -> bool {
        !self.file.starts_with('/') && !self.file.starts_with("build/") && self.file != "??"
    }
}

pub struct Symbolizer {
    image: PathBuf,
    text: Range<u64>,
    project_root: PathBuf,
    /// binutils' addr2line for the image's architecture (`aarch64-linux-gnu-addr2line`).
    addr2line: String,
}

impl Symbolizer {
    /// `None` if the image (a root task ELF) cannot be read as an ELF file with a .text section.
    pub fn new(project: &Project, image: &Path) -> Option<Self> {
        let data = fs::read(image).ok()?;
        let arch = crate::image::elf_check::arch_of(&data)?;
        let file = object::File::parse(&*data).ok()?;
        let text = file.section_by_name(".text")?;
        let prefix = arch.cross_prefix;
        Some(Self {
            image: image.to_owned(),
            text: text.address()..text.address() + text.size(),
            project_root: project.root().to_owned(),
            addr2line: format!("{prefix}addr2line"),
        })
    }

    /// Lines to show after a log line: nothing for most; for a fault report's instruction
    /// address, or a stack word that is a code address, where it is in the source.
    pub fn annotate(&self, line: &str) -> Vec<String> {
        if let Some(addr) = fault_address(line) {
            return self.describe(addr, "");
        }
        if let Some(word) = stack_word(line)
            && self.text.contains(&word)
        {
            // A return address points after its call: look up the call itself. Only words in the
            // project's own code: elsewhere, a code address on the stack is as likely a stale
            // value as a return address, and naming it would mislead.
            let frames = self.frames(word - 1);
            if frames.iter().any(Frame::is_own) {
                return self.describe(word - 1, "called from ");
            }
        }
        Vec::new()
    }

    fn describe(&self, addr: u64, what: &str) -> Vec<String> {
        let frames = self.frames(addr);
        // The innermost frame in the project's own source is the one a learner can act on.
        let Some(own) = frames.iter().position(Frame::is_own) else {
            return frames
                .first()
                .map(|f| match f.file.as_str() {
                    "??" => format!("    => {what}{}", f.function),
                    file => format!("    => {what}{} ({file}:{})", f.function, f.line),
                })
                .into_iter()
                .collect();
        };
        let f = &frames[own];
        // `mapping::main`, or `mapping_pt::main` in a stage's copy: the learner's `main` either way.
        let function = f
            .function
            .split_once("::")
            .map_or(&*f.function, |(_, name)| name);
        let mut text = format!("    => {what}{}:{}, in {function}", f.file, f.line);
        if own > 0 {
            text.push_str(&format!(" (inside {})", frames[0].function));
        }
        vec![text]
    }

    /// The inlining chain of `addr`, innermost first; files inside the project are shown
    /// relative to it (a stage's copy as src/..., like the learner's file).
    pub fn frames(&self, addr: u64) -> Vec<Frame> {
        let Ok(out) = Command::new(&self.addr2line)
            .args(["-f", "-C", "-i", "-e"])
            .arg(&self.image)
            .arg(format!("{addr:#x}"))
            .output()
        else {
            return Vec::new();
        };
        let text = String::from_utf8_lossy(&out.stdout);
        let lines: Vec<&str> = text.lines().collect();
        lines
            .chunks(2)
            .filter_map(|pair| {
                let [function, location] = pair else {
                    return None;
                };
                if function.starts_with("??") {
                    return None;
                }
                // Prebuilt parts (Rust's `core`) have names but no line tables: `??:?`.
                let (file, line) = location.rsplit_once(':').unwrap_or((location, "?"));
                let line = line.split_whitespace().next().unwrap_or(line).to_owned();
                Some(Frame {
                    function: (*function).to_owned(),
                    file: self.shorten(file),
                    line,
                })
            })
            .collect()
    }

    fn shorten(&self, file: &str) -> String {
        let Ok(relative) = Path::new(file).strip_prefix(&self.project_root) else {
            return file.to_owned();
        };
        // build/<arch>/stages/<stage>/src/main.rs is the stage's copy of src/main.rs.
        let mut parts = relative.components();
        let copy = (parts.next(), parts.next(), parts.next(), parts.next());
        match copy {
            (Some(build), Some(_arch), Some(stages), Some(_stage))
                if build.as_os_str() == "build" && stages.as_os_str() == "stages" =>
            {
                parts.as_path().to_string_lossy().into_owned()
            }
            _ => relative.to_string_lossy().into_owned(),
        }
    }
}

/// `in thread 0xffffff801fe08400 "rootserver" at address 0x20525d` → 0x20525d.
fn fault_address(line: &str) -> Option<u64> {
    if !line.starts_with("in thread ") {
        return None;
    }
    let (_, hex) = line.rsplit_once(" at address 0x")?;
    u64::from_str_radix(hex.trim(), 16).ok()
}

/// `0x238070: 0x201a48` (a line of the kernel's stack dump) → 0x201a48.
fn stack_word(line: &str) -> Option<u64> {
    let (slot, value) = line.split_once(": 0x")?;
    slot.strip_prefix("0x")?;
    u64::from_str_radix(value.trim(), 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_and_stack_lines_are_recognised() {
        assert_eq!(
            fault_address(r#"in thread 0xffffff801fe08400 "rootserver" at address 0x20525d"#),
            Some(0x20525d)
        );
        assert_eq!(
            fault_address("vm fault on data at address 0xa000000000 with status 0x7"),
            None
        );
        assert_eq!(stack_word("0x238070: 0x201a48"), Some(0x201a48));
        assert_eq!(stack_word("Read x: 0"), None);
        assert_eq!(
            stack_word("Caught cap fault in send phase at address 0"),
            None
        );
    }
}
