// SPDX-License-Identifier: BSD-2-Clause

//! The one place that knows how to boot an image on an architecture: the QEMU command from the
//! architecture's machine definition (qemu/<arch>.args), with its boot files filled in:
//!   {kernel}      the kernel as QEMU loads it directly (x86_64's 32-bit copy)
//!   {root-task}   the root task ELF
//!   {image}       what the architecture boots: the root task, or the loader image
//!   {trampoline}  a jump to {image}'s entry point (RISC-V; see qemu/riscv64.args)
//!   {firmware}    the firmware built for the architecture (riscv32's OpenSBI)

pub mod debugger;
pub mod qemu;
pub mod symbolize;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use object::{Object, ObjectKind};

use crate::boot::qemu::{Machine, Run, RunOptions, Step};
use crate::image::Image;
use crate::project::Project;
use crate::walk::walker::Walker;
use crate::walk::{Address, Walk};

/// One boot of an image, and how it is watched: every run goes through [`Boot::run`] (make
/// simulate, the stage tests, the suite, bench, the failure and gdb tests), which names its log
/// (build/logs/<name>.log) and stops QEMU however the run ends.
pub struct Boot<'a> {
    name: String,
    args: Vec<String>,
    replaced: Vec<(&'a str, &'a Path)>,
    timeout: Option<Duration>,
    echo: bool,
    interactive: bool,
    quiet_note: Option<&'a str>,
}

impl<'a> Boot<'a> {
    /// A boot whose log is build/logs/`name`.log, with no terminal and nothing shown, stopped
    /// after [`BOOT_TIMEOUT`] at the latest.
    pub fn quiet(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            args: Vec::new(),
            replaced: Vec::new(),
            timeout: Some(BOOT_TIMEOUT),
            echo: false,
            interactive: false,
            quiet_note: None,
        }
    }

    /// At the latest after `timeout` (`None`: when the learner quits QEMU).
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// Each line printed as it comes.
    pub fn echo(mut self) -> Self {
        self.echo = true;
        self
    }

    /// QEMU gets this terminal (Ctrl-A x quits); `note` is printed once the program has ended
    /// and QEMU has gone quiet ([`Step::NoteWhenQuiet`]).
    pub fn interactive(mut self, note: &'a str) -> Self {
        self.interactive = true;
        self.quiet_note = Some(note);
        self
    }

    /// More QEMU arguments (gdb's stub, instruction counting).
    pub fn args(mut self, args: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// A boot file replaced (`"kernel"`, a path): the tests boot what QEMU cannot load.
    pub fn replacing(mut self, name: &'a str, path: &'a Path) -> Self {
        self.replaced.push((name, path));
        self
    }

    /// Where this boot's log goes.
    pub fn log_path(&self, project: &Project) -> PathBuf {
        project.logs_dir().join(format!("{}.log", self.name))
    }

    /// Boots `image`, handing each line to `on_line`, which says how the run goes on.
    pub fn run(
        &self,
        project: &Project,
        image: &Image,
        on_line: impl FnMut(&str) -> Step,
    ) -> Result<Run> {
        self.run_with(project, image, Vec::new(), on_line, || {})
    }

    /// Boots `image` as [`Self::run`] does and, where the program has ended, walks each of
    /// `addresses` through the tables the kernel wrote (walk.rs), handing the walks to `on_walks`
    /// while QEMU still runs. A run that ends otherwise (a timeout, QEMU's exit) has no walks.
    pub fn run_walking(
        &self,
        project: &Project,
        image: &Image,
        addresses: &[Address],
        on_line: impl FnMut(&str) -> Step,
        mut on_walks: impl FnMut(Result<Vec<Walk>>),
    ) -> Result<Run> {
        let mut walker = Walker::new(project, image.arch, &image.root_task)?;
        let args = walker.qemu_args();
        walker.start(self.timeout);
        self.run_with(project, image, args, on_line, || {
            on_walks(walker.finish(addresses));
        })
    }

    fn run_with(
        &self,
        project: &Project,
        image: &Image,
        more_args: Vec<String>,
        on_line: impl FnMut(&str) -> Step,
        at_end: impl FnMut(),
    ) -> Result<Run> {
        let mut cmd = command(project, image, &self.replaced)?;
        cmd.args(&self.args).args(more_args);
        let log_path = self.log_path(project);
        let options = RunOptions {
            timeout: self.timeout,
            echo: self.echo,
            interactive: self.interactive,
            log_path: &log_path,
            quiet_note: self.quiet_note,
        };
        Ok(qemu::run_to_end(cmd, &options, on_line, at_end)?)
    }
}

/// A boot takes well under a second; this is for a machine under heavy load.
pub const BOOT_TIMEOUT: Duration = Duration::from_secs(30);

/// The QEMU command that boots `image`, with some boot files replaced (`("kernel", path)`).
fn command(project: &Project, image: &Image, replaced: &[(&str, &Path)]) -> Result<Command> {
    let arch = image.arch;
    let machine = Machine::load(&project.root().join(arch.machine_definition()))?;
    let kernel = project.kernel32(arch);
    let firmware = project.firmware(arch);
    let trampoline = image
        .bootable
        .parent()
        .expect("an image has a directory")
        .join("trampoline.bin");
    if machine.uses("trampoline") {
        let bytes =
            fs::read(&image.bootable).with_context(|| image.bootable.display().to_string())?;
        let code =
            riscv_trampoline_for(&bytes).with_context(|| image.bootable.display().to_string())?;
        crate::support::files::write_if_changed(&trampoline, code)
            .with_context(|| trampoline.display().to_string())?;
    }
    if machine.uses("kernel") && !kernel.is_file() {
        bail!("no kernel at {}", kernel.display());
    }
    // The first file of a name wins: a replacement, then the image's own.
    let mut files: Vec<(&str, PathBuf)> = Vec::new();
    for (name, path) in replaced.iter().copied().chain([
        ("kernel", kernel.as_path()),
        ("root-task", &image.root_task),
        ("image", &image.bootable),
        ("trampoline", &trampoline),
        ("firmware", &firmware),
    ]) {
        files.push((name, qemu_path(path)?));
    }
    let files: Vec<(&str, &Path)> = files.iter().map(|(n, p)| (*n, p.as_path())).collect();
    machine
        .command(&files)
        .with_context(|| arch.machine_definition())
}

/// `path`, or, if it has a space or a comma, a link to it whose path has neither: QEMU splits
/// `-initrd` at a space (a multiboot module's command line follows its path) and `-device`
/// options at commas, so a checkout in "My Projects" would not boot.
fn qemu_path(path: &Path) -> Result<PathBuf> {
    let text = path.to_string_lossy();
    if !text.contains([' ', ',']) {
        return Ok(path.to_owned());
    }
    // SAFETY: getuid has no preconditions.
    let dir = std::env::temp_dir().join(format!("sel4-mapping-tutorial-{}", unsafe {
        libc::getuid()
    }));
    fs::create_dir_all(&dir).with_context(|| dir.display().to_string())?;
    // Named by a digest of the path: the same file always gets the same link.
    let hash = crate::support::cache::digest(&text);
    let name = path.file_name().map_or("file".into(), |n| {
        n.to_string_lossy().replace([' ', ','], "_")
    });
    let link = dir.join(format!("{hash}-{name}"));
    let _ = fs::remove_file(&link);
    std::os::unix::fs::symlink(path, &link)
        .with_context(|| format!("cannot link {} from {}", path.display(), link.display()))?;
    Ok(link)
}

/// The trampoline for the RISC-V ELF `elf`: position-independent code that loads the entry
/// point from the word after it and jumps there.
fn riscv_trampoline_for(elf: &[u8]) -> Result<Vec<u8>> {
    let file = object::File::parse(elf)?;
    if file.architecture().address_size().is_none() || file.kind() != ObjectKind::Executable {
        bail!("not an executable ELF file");
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

    #[test]
    fn paths_with_spaces_or_commas_are_linked_from_plain_ones() {
        assert_eq!(
            qemu_path(Path::new("/a/b.elf")).unwrap(),
            Path::new("/a/b.elf")
        );
        let dir = std::env::temp_dir().join(format!("xtask qemu path,{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let file = dir.join("root task.elf");
        fs::write(&file, "elf").unwrap();
        let link = qemu_path(&file).unwrap();
        assert!(
            !link.to_string_lossy().contains([' ', ',']),
            "{}",
            link.display()
        );
        assert_eq!(fs::read_to_string(&link).unwrap(), "elf");
        assert_eq!(
            qemu_path(&file).unwrap(),
            link,
            "the same file, the same link"
        );
        let _ = fs::remove_file(link);
        let _ = fs::remove_dir_all(&dir);
    }

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
