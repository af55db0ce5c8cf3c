// SPDX-License-Identifier: BSD-2-Clause

//! Checks that a root task image is what seL4 can load and run on its architecture: a static,
//! non-PIE executable for that machine with nothing dynamic and nothing from glibc in it, and on
//! x86_64 no SSE instruction (rust-sel4's x86_64 target is soft-float; the kernel does not expect
//! a root task to use the SSE registers it leaves to lazy saving).
//!
//! seL4 maps the ELF's LOAD segments and jumps to its entry point; nothing resolves relocations,
//! loads an interpreter or runs glibc's start-up code (which glibc's IFUNC-based string functions
//! need). A dependency that drags any of that in must fail the build's tests, not a learner's boot.

use std::fmt;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};
use object::elf;
use object::read::elf::{ElfFile, FileHeader, ProgramHeader, SectionHeader, Sym};
use object::{Endianness, FileKind, Object, ObjectSymbol};

use crate::catalogue::Arch;

#[derive(Debug, PartialEq, Eq)]
pub enum Violation {
    NotElf(String),
    NotExecutable(u16),
    WrongMachine {
        expected: String,
        found: u16,
    },
    Interpreter,
    DynamicSegment,
    DynamicRelocations(String),
    IndirectFunction(String),
    GlibcSymbol(String),
    NoEntryPoint,
    /// How many instructions use SSE registers, and the first one.
    SseInstructions(usize, String),
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Self::NotElf(e) => write!(f, "not an ELF file: {e}"),
            Self::NotExecutable(t) => {
                write!(f, "ELF type {t} is not EXEC (a static, non-PIE executable)")
            }
            Self::WrongMachine { expected, found } => {
                write!(f, "ELF machine {found} is not {expected}")
            }
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
            Self::SseInstructions(n, first) => {
                write!(f, "has {n} SSE instructions, the first: {first}")
            }
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

/// The architecture (of those the catalogue has) whose programs `data` is one of: by its ELF
/// machine and class.
pub fn arch_of(data: &[u8]) -> Option<&'static Arch> {
    fn machine<H: FileHeader<Endian = Endianness>>(data: &[u8]) -> Option<u16> {
        let file = ElfFile::<H>::parse(data).ok()?;
        Some(file.elf_header().e_machine(file.endian()))
    }
    let (machine, is_64) = match FileKind::parse(data).ok()? {
        FileKind::Elf64 => (machine::<elf::FileHeader64<Endianness>>(data)?, true),
        FileKind::Elf32 => (machine::<elf::FileHeader32<Endianness>>(data)?, false),
        _ => return None,
    };
    let elf = crate::catalogue::Elf { machine, is_64 };
    crate::catalogue::ARCHES.iter().find(|a| a.elf == elf)
}

/// Every way in which `data` (an ELF file) is not a loadable root task for `arch`.
pub fn check(data: &[u8], arch: &Arch) -> Vec<Violation> {
    match FileKind::parse(data) {
        Ok(FileKind::Elf64) => check_elf::<elf::FileHeader64<Endianness>>(data, arch),
        Ok(FileKind::Elf32) => check_elf::<elf::FileHeader32<Endianness>>(data, arch),
        Ok(kind) => vec![Violation::NotElf(format!("{kind:?}"))],
        Err(e) => vec![Violation::NotElf(e.to_string())],
    }
}

fn check_elf<Elf: FileHeader<Endian = Endianness>>(data: &[u8], arch: &Arch) -> Vec<Violation> {
    let file = match ElfFile::<Elf>::parse(data) {
        Ok(file) => file,
        Err(e) => return vec![Violation::NotElf(e.to_string())],
    };
    let endian = file.endian();
    let header = file.elf_header();
    let mut found = Vec::new();

    if header.e_type(endian) != elf::ET_EXEC {
        found.push(Violation::NotExecutable(header.e_type(endian)));
    }
    let machine = header.e_machine(endian);
    if arch.elf.machine != machine || arch.elf.is_64 != file.is_64() {
        found.push(Violation::WrongMachine {
            expected: format!("{arch}'s"),
            found: machine,
        });
    }
    if header.e_entry(endian).into() == 0 {
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
        let loaded = section.sh_flags(endian).into() & u64::from(elf::SHF_ALLOC) != 0;
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

/// The instructions of the x86 program `path` (of `arch`) that use an SSE register (%xmm, %ymm,
/// %zmm) or its control register, as the architecture's objdump disassembles them.
pub fn sse_instructions(path: &Path, arch: &Arch) -> Result<Vec<String>> {
    let objdump = format!("{}objdump", arch.cross_prefix);
    let out = Command::new(&objdump)
        .args(["-d", "--no-show-raw-insn"])
        .arg(path)
        .output()
        .with_context(|| format!("cannot run {objdump} (install binutils)"))?;
    if !out.status.success() {
        bail!(
            "objdump {}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with(' '))
        .filter(|l| {
            ["%xmm", "%ymm", "%zmm", "mxcsr"]
                .iter()
                .any(|r| l.contains(r))
        })
        .map(|l| l.trim().to_owned())
        .collect())
}

/// Every check of `path` for `arch`: [`check`], and on x86 [`sse_instructions`] (rust-sel4's
/// x86_64 target is soft-float; the kernel does not expect the root task to use SSE).
pub fn check_file(path: &Path, arch: &Arch) -> Result<Vec<Violation>> {
    let data = std::fs::read(path).with_context(|| path.display().to_string())?;
    let mut violations = check(&data, arch);
    if arch.elf.machine == elf::EM_X86_64 && violations.is_empty() {
        let sse = sse_instructions(path, arch)?;
        if let Some(first) = sse.first() {
            violations.push(Violation::SseInstructions(sse.len(), first.clone()));
        }
    }
    Ok(violations)
}
