// SPDX-License-Identifier: BSD-2-Clause

//! The one place that knows how to boot an image on an architecture: the QEMU command from the
//! architecture's machine definition (qemu/<arch>.args), with its boot files filled in:
//!   {kernel}      the kernel as QEMU loads it directly (x86_64's 32-bit copy)
//!   {root-task}   the root task ELF
//!   {image}       what the architecture boots: the root task, or the loader image
//!   {trampoline}  a jump to {image}'s entry point (RISC-V; see qemu/riscv64.args)

use std::fs;
use std::path::Path;
use std::process::Command;

use object::{Object, ObjectKind};

use crate::image::Image;
use crate::project::Project;
use crate::qemu::Machine;

/// The QEMU command that boots `image`, and nothing more (the caller adds debugger options).
pub fn command(project: &Project, image: &Image) -> Result<Command, String> {
    command_with(project, image, &[])
}

/// As [`command`], with some boot files replaced (`("kernel", path)`): the tests boot what QEMU
/// cannot load.
pub fn command_with(
    project: &Project,
    image: &Image,
    replaced: &[(&str, &Path)],
) -> Result<Command, String> {
    let arch = image.arch;
    let machine = Machine::load(&project.root().join(arch.machine_definition()))?;
    let kernel = project.kernel32(arch);
    let trampoline = image
        .bootable
        .parent()
        .expect("an image has a directory")
        .join("trampoline.bin");
    if machine.uses("trampoline") {
        let bytes =
            fs::read(&image.bootable).map_err(|e| format!("{}: {e}", image.bootable.display()))?;
        let code = riscv_trampoline_for(&bytes)
            .map_err(|e| format!("{}: {e}", image.bootable.display()))?;
        if fs::read(&trampoline).ok().as_deref() != Some(&code[..]) {
            fs::write(&trampoline, code).map_err(|e| format!("{}: {e}", trampoline.display()))?;
        }
    }
    if machine.uses("kernel") && !kernel.is_file() {
        return Err(format!("no kernel at {}", kernel.display()));
    }
    // The first file of a name wins: a replacement, then the image's own.
    let mut files: Vec<(&str, &Path)> = replaced.to_vec();
    files.extend([
        ("kernel", kernel.as_path()),
        ("root-task", &image.root_task),
        ("image", &image.bootable),
        ("trampoline", &trampoline),
    ]);
    machine
        .command(&files)
        .map_err(|e| format!("{}: {e}", arch.machine_definition()))
}

/// The trampoline for the RISC-V ELF `elf`: position-independent code that loads the entry
/// point from the word after it and jumps there.
fn riscv_trampoline_for(elf: &[u8]) -> Result<Vec<u8>, String> {
    let file = object::File::parse(elf).map_err(|e| e.to_string())?;
    if file.architecture().address_size().is_none() || file.kind() != ObjectKind::Executable {
        return Err("not an executable ELF file".into());
    }
    Ok(riscv_trampoline(file.entry(), file.is_64()))
}

/// `auipc t0, 0; ld t0, 16(t0); jr t0; nop; .dword entry` (RV64), or
/// `auipc t0, 0; lw t0, 12(t0); jr t0; .word entry` (RV32): uncompressed instructions, the
/// entry point aligned for its load.
pub fn riscv_trampoline(entry: u64, is_64: bool) -> Vec<u8> {
    const AUIPC_T0_0: u32 = 0x0000_0297;
    const LD_T0_16_T0: u32 = 0x0102_b283;
    const LW_T0_12_T0: u32 = 0x00c2_a283;
    const JR_T0: u32 = 0x0002_8067;
    const NOP: u32 = 0x0000_0013;
    let words: &[u32] = if is_64 {
        &[AUIPC_T0_0, LD_T0_16_T0, JR_T0, NOP]
    } else {
        &[AUIPC_T0_0, LW_T0_12_T0, JR_T0]
    };
    let mut code: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    if is_64 {
        code.extend(entry.to_le_bytes());
    } else {
        code.extend((entry as u32).to_le_bytes());
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// The hand-encoded instructions are what the assembler makes of them (Debian's riscv64
    /// binutils, which tools/setup-host installs).
    #[test]
    fn the_trampoline_is_what_the_assembler_makes() {
        let dir = std::env::temp_dir().join(format!("xtask-trampoline-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        for (march, load, data) in [
            ("rv64i", "ld t0, 16(t0)", "nop\n.dword 0x80266d24"),
            ("rv32i", "lw t0, 12(t0)", ".word 0x80266d24"),
        ] {
            let source = dir.join("t.S");
            let (object, binary) = (dir.join("t.o"), dir.join("t.bin"));
            fs::write(&source, format!("auipc t0, 0\n{load}\njr t0\n{data}\n")).unwrap();
            let as_ok = Command::new("riscv64-linux-gnu-as")
                .arg(format!("-march={march}"))
                .arg(format!(
                    "-mabi={}",
                    if march == "rv64i" { "lp64" } else { "ilp32" }
                ))
                .arg(&source)
                .arg("-o")
                .arg(&object)
                .status()
                .unwrap();
            assert!(as_ok.success());
            let copy_ok = Command::new("riscv64-linux-gnu-objcopy")
                .args(["-O", "binary", "-j", ".text"])
                .arg(&object)
                .arg(&binary)
                .status()
                .unwrap();
            assert!(copy_ok.success());
            assert_eq!(
                riscv_trampoline(0x8026_6d24, march == "rv64i"),
                fs::read(&binary).unwrap(),
                "{march}"
            );
        }
        let _ = fs::remove_dir_all(&dir);
    }
}
