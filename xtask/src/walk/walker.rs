// SPDX-License-Identifier: BSD-2-Clause

//! The walk under way: QEMU starts halted with its gdb stub on a Unix socket; a breakpoint at the
//! root task's entry point catches it in its own VSpace, where the translation base register
//! gives the root table; at the program's end the tables are read from physical memory.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use object::Object;

use crate::catalogue::Arch;
use crate::project::Project;
use crate::walk::gdbstub::{Stub, little_endian};
use crate::walk::tables::{RootRegister, Tables};
use crate::walk::{Address, Walk, walk_with};

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
        let tables = Tables::of(format, &crate::image::kernel::config(project, arch)?)
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

/// `NAME=<hex>` in the monitor's output.
fn monitor_field(text: &str, name: &str) -> Result<u64> {
    text.split_whitespace()
        .find_map(|word| word.strip_prefix(name)?.strip_prefix('='))
        .and_then(|hex| u64::from_str_radix(hex, 16).ok())
        .with_context(|| format!("QEMU's `info registers` shows no {name}"))
}
