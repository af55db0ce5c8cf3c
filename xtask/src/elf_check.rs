// SPDX-License-Identifier: BSD-2-Clause

//! Checks that a root task image is what seL4 can load and run: a static, non-PIE x86_64
//! executable with nothing dynamic and nothing from glibc in it.
//!
//! seL4 maps the ELF's LOAD segments and jumps to its entry point; nothing resolves
//! relocations, loads an interpreter or runs glibc's start-up code (which glibc's IFUNC-based
//! string functions need). A dependency that drags any of that in must fail the build's tests,
//! not a learner's boot.

use std::fmt;

use object::elf;
use object::read::elf::{ElfFile64, FileHeader, ProgramHeader, SectionHeader};
use object::{Endianness, Object, ObjectSymbol};

#[derive(Debug, PartialEq, Eq)]
pub enum Violation {
    NotElf(String),
    NotExecutable(u16),
    NotX86_64(u16),
    Interpreter,
    DynamicSegment,
    DynamicRelocations(String),
    IndirectFunction(String),
    GlibcSymbol(String),
    NoEntryPoint,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Self::NotElf(e) => write!(f, "not a 64-bit ELF file: {e}"),
            Self::NotExecutable(t) => {
                write!(f, "ELF type {t} is not EXEC (a static, non-PIE executable)")
            }
            Self::NotX86_64(m) => write!(f, "machine {m} is not x86_64"),
            Self::Interpreter => {
                write!(f, "has a PT_INTERP program header (wants a dynamic loader)")
            }
            Self::DynamicSegment => write!(f, "has a PT_DYNAMIC segment"),
            Self::DynamicRelocations(s) => {
                write!(f, "has relocations to apply at load time in section {s}")
            }
            Self::IndirectFunction(s) => write!(
                f,
                "has an IFUNC symbol {s} (resolved by glibc's start-up code)"
            ),
            Self::GlibcSymbol(s) => write!(f, "contains glibc's symbol {s}"),
            Self::NoEntryPoint => write!(f, "has no entry point"),
        }
    }
}

/// Prefixes of symbols that only glibc (or its static start-up code) defines.
const GLIBC_MARKERS: [&str; 8] = [
    "__libc_",
    "_IO_",
    "__GI_",
    "_dl_",
    "__memcpy_",
    "__memset_",
    "__strlen_",
    "__tunable",
];

/// Every way in which `data` (an ELF file) is not a loadable root task image.
pub fn check(data: &[u8]) -> Vec<Violation> {
    let file = match ElfFile64::<Endianness>::parse(data) {
        Ok(file) => file,
        Err(e) => return vec![Violation::NotElf(e.to_string())],
    };
    let endian = file.endian();
    let header = file.elf_header();
    let mut found = Vec::new();

    if header.e_type(endian) != elf::ET_EXEC {
        found.push(Violation::NotExecutable(header.e_type(endian)));
    }
    if header.e_machine(endian) != elf::EM_X86_64 {
        found.push(Violation::NotX86_64(header.e_machine(endian)));
    }
    if header.e_entry(endian) == 0 {
        found.push(Violation::NoEntryPoint);
    }
    for segment in file.elf_program_headers() {
        match segment.p_type(endian) {
            elf::PT_INTERP => found.push(Violation::Interpreter),
            elf::PT_DYNAMIC => found.push(Violation::DynamicSegment),
            _ => {}
        }
    }
    let sections = file.elf_section_table();
    for section in sections.iter() {
        let kind = section.sh_type(endian);
        let loaded = section.sh_flags(endian) & u64::from(elf::SHF_ALLOC) != 0;
        if loaded && (kind == elf::SHT_RELA || kind == elf::SHT_REL) {
            let name = sections.section_name(endian, section).unwrap_or(b"?");
            found.push(Violation::DynamicRelocations(
                String::from_utf8_lossy(name).into_owned(),
            ));
        }
    }
    for symbol in file.symbols() {
        let name = symbol.name().unwrap_or_default();
        if symbol.elf_symbol().st_type() == elf::STT_GNU_IFUNC {
            found.push(Violation::IndirectFunction(name.to_owned()));
        } else if symbol.is_definition() && GLIBC_MARKERS.iter().any(|m| name.starts_with(m)) {
            found.push(Violation::GlibcSymbol(name.to_owned()));
        }
    }
    found
}
