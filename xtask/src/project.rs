// SPDX-License-Identifier: BSD-2-Clause

//! Where things are in the project checkout. Every path a tool reads or writes is named here.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::catalogue::Arch;

pub struct Project {
    root: PathBuf,
}

/// The address the tutorial's servers listen on (QEMU's gdb stub for `make simulate GDB=1`, and
/// `make book SERVE=1`): loopback, unless tools/container publishes their port from a container
/// (`TUTORIAL_LISTEN_ADDRESS=0.0.0.0`), where a connection from the host arrives on the
/// container's own network interface, not on its loopback.
pub fn listen_address() -> String {
    std::env::var("TUTORIAL_LISTEN_ADDRESS").unwrap_or_else(|_| "127.0.0.1".to_owned())
}

impl Project {
    /// The checkout this tool was built from (xtask/ lives at its top level).
    pub fn here() -> Self {
        let xtask = Path::new(env!("CARGO_MANIFEST_DIR"));
        Self {
            root: xtask.parent().expect("xtask/ has a parent").to_path_buf(),
        }
    }

    /// The project whose top directory is `root` (a test's scratch copy of some of its files).
    pub fn at(root: &Path) -> Self {
        Self {
            root: root.to_path_buf(),
        }
    }

    /// The project `xtask` works on: this checkout, or the directory XTASK_PROJECT_ROOT names
    /// (the tests run the learner's commands on a scratch copy of their files, never on theirs).
    pub fn from_env() -> Self {
        match std::env::var_os("XTASK_PROJECT_ROOT") {
            Some(root) => Self { root: root.into() },
            None => Self::here(),
        }
    }

    /// A project file's shipped text: shipped/<file> holds each exercise file as it ships.
    pub fn shipped(&self, file: &str) -> PathBuf {
        self.root.join("shipped").join(file)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn build_dir(&self) -> PathBuf {
        self.root.join("build")
    }

    /// Everything built for one architecture: build/<arch>/.
    pub fn arch_dir(&self, arch: &Arch) -> PathBuf {
        self.build_dir().join(arch.name)
    }

    /// What tools/build-kernel makes for `arch`: its install prefix, its key, x86_64's copy.
    pub fn kernel_dir(&self, arch: &Arch) -> PathBuf {
        self.arch_dir(arch).join("kernel")
    }

    /// The kernel's install prefix (SEL4_PREFIX), made by tools/build-kernel.
    pub fn kernel_prefix(&self, arch: &Arch) -> PathBuf {
        self.kernel_dir(arch).join("prefix")
    }

    /// The kernel as QEMU boots it directly: x86_64's multiboot loader wants a 32-bit ELF.
    pub fn kernel32(&self, arch: &Arch) -> PathBuf {
        self.kernel_dir(arch).join("kernel32.elf")
    }

    /// The pinned seL4 checkout every kernel is built from (tools/build-kernel makes it).
    pub fn sel4_src(&self) -> PathBuf {
        self.build_dir().join("seL4-src")
    }

    /// What tools/build-firmware makes for `arch`, where it makes anything.
    pub fn firmware_dir(&self, arch: &Arch) -> PathBuf {
        self.arch_dir(arch).join("firmware")
    }

    /// The firmware QEMU starts for `arch`, where one is built (tools/build-firmware).
    pub fn firmware(&self, arch: &Arch) -> PathBuf {
        self.firmware_dir(arch).join("fw_dynamic.bin")
    }

    /// The pinned OpenSBI checkout (tools/build-firmware makes it).
    pub fn opensbi_src(&self) -> PathBuf {
        self.build_dir().join("opensbi-src")
    }

    /// rust-sel4's kernel loader for `arch`, without a payload (xtask/src/image/loader.rs).
    pub fn loader(&self, arch: &Arch) -> PathBuf {
        self.arch_dir(arch).join("loader/sel4-kernel-loader")
    }

    /// rust-sel4's checkout, at the commit tools/upstream.env pins (tools/setup-host).
    pub fn rust_sel4(&self) -> PathBuf {
        self.build_dir().join("rust-sel4")
    }

    /// Host programs built from rust-sel4 (the loader's payload tool), for every architecture.
    pub fn host_tools_dir(&self) -> PathBuf {
        self.build_dir().join("host-tools")
    }

    /// The directory of an image built from the source named `name` (image.rs names its files).
    pub fn image_dir(&self, arch: &Arch, name: &str) -> PathBuf {
        self.arch_dir(arch).join("images").join(name)
    }

    /// Where a stage's (or another text's) derived copy of the crate is built.
    pub fn stage_dir(&self, arch: &Arch, name: &str) -> PathBuf {
        self.arch_dir(arch).join("stages").join(name)
    }

    /// Where the container tests write what they timed, a line each (`<seconds> <what>`), for the
    /// table at the end of `make test`.
    pub fn container_test_timings(&self) -> PathBuf {
        self.logs_dir().join("container-tests-timings.txt")
    }

    pub fn logs_dir(&self) -> PathBuf {
        self.build_dir().join("logs")
    }

    /// The lines a stage must print, kept beside the tests.
    pub fn expected_log(&self, arch: &Arch, stage: &str) -> PathBuf {
        self.root
            .join("tests/expected")
            .join(arch.name)
            .join(format!("{stage}.txt"))
    }

    /// The walks a stage's run must show (`make walk`), where it has them: beside its lines.
    pub fn expected_walk(&self, arch: &Arch, stage: &str) -> PathBuf {
        self.expected_log(arch, stage).with_extension("walk")
    }

    /// The book's sources (mdBook): book.toml, its chapters in src/, its script and style.
    pub fn book_dir(&self) -> PathBuf {
        self.root.join("docs/book")
    }

    /// Where `make book` builds the book.
    pub fn book_out(&self) -> PathBuf {
        self.build_dir().join("book")
    }

    /// What a stage printed after the kernel's boot log, as `make simulate` shows it, recorded
    /// from a real boot by `make record` for the book (and compared with every boot of the stage).
    pub fn recorded_output(&self, arch: &Arch, stage: &str) -> PathBuf {
        self.book_dir()
            .join("recorded")
            .join(arch.name)
            .join(format!("{stage}.output"))
    }

    /// A stage's walks as `make walk` draws them, recorded beside its output.
    pub fn recorded_walk(&self, arch: &Arch, stage: &str) -> PathBuf {
        self.recorded_output(arch, stage).with_extension("walk")
    }

    /// What a stage printed when built with `LOG_LEVEL=trace` (every kernel invocation under its
    /// libsel4 name), recorded beside its output for the stages the book shows so.
    pub fn recorded_trace(&self, arch: &Arch, stage: &str) -> PathBuf {
        self.recorded_output(arch, stage).with_extension("trace")
    }

    /// The book's one table of links to elsewhere (xtask::book::links).
    pub fn book_links(&self) -> PathBuf {
        self.book_dir().join("links.toml")
    }

    /// The directory cargo runs in for `arch`: its package, whose .cargo/config.toml sets the
    /// target, the kernel and the target directory.
    pub fn cargo_dir(&self, arch: &Arch) -> PathBuf {
        self.root.join(arch.dir)
    }

    /// The cargo target directory of `arch` (its .cargo/config.toml names the same), shared by
    /// every program and stage of the architecture, so that core, alloc and rust-sel4 are
    /// compiled once for it.
    pub fn target_dir(&self, arch: &Arch) -> PathBuf {
        self.root.join("target").join(arch.name)
    }

    /// The toolchain tools/setup-host made (cargo, rustc, rust-lld, ...).
    pub fn toolchain_bin(&self) -> PathBuf {
        self.build_dir().join("toolchain/bin")
    }

    /// `program`, with the project's toolchain first on PATH (as the Makefile has it).
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(program);
        let path = std::env::var_os("PATH").unwrap_or_default();
        let dirs = std::iter::once(self.toolchain_bin()).chain(std::env::split_paths(&path));
        if let Ok(joined) = std::env::join_paths(dirs) {
            cmd.env("PATH", joined);
        }
        cmd
    }

    /// cargo for `arch`'s root tasks: run in the architecture's package directory.
    pub fn cargo(&self, arch: &Arch) -> Command {
        let mut cmd = self.command(self.toolchain_bin().join("cargo"));
        cmd.current_dir(self.cargo_dir(arch));
        if arch.suite_only {
            // Its package's cargo settings name the package's own kernel and target directory:
            // these override them (an [env] value gives way to the environment).
            cmd.env("SEL4_PREFIX", self.kernel_prefix(arch))
                .env("CARGO_TARGET_DIR", self.target_dir(arch));
        }
        cmd
    }

    /// The JSON of the `make bench` run that docs/performance.md is made from.
    pub fn docs_bench_json(&self) -> PathBuf {
        self.root.join("docs/bench.json")
    }

    /// Why each goal docs/performance.md lists as missed was missed (written by hand).
    pub fn docs_performance_why(&self) -> PathBuf {
        self.root.join("docs/performance-why.md")
    }

    /// The performance figures, made by `make bench-report`.
    pub fn docs_performance(&self) -> PathBuf {
        self.root.join("docs/performance.md")
    }

    /// Every case of the paging-semantics suite on every kernel, made by `make semantics`.
    pub fn docs_semantics_cases(&self) -> PathBuf {
        self.root.join("docs/kernel-semantics-cases.md")
    }

    /// Every error site of every kernel's VSpace decoders and the case that reaches it, made by
    /// `make semantics`.
    pub fn docs_semantics_coverage(&self) -> PathBuf {
        self.root.join("docs/kernel-semantics-coverage.md")
    }

    /// The packages of the root tasks' workspace (Cargo.toml: its own and its members'), by name.
    pub fn workspace_packages(&self) -> anyhow::Result<Vec<String>> {
        use anyhow::Context;
        let read = |dir: &Path| -> anyhow::Result<toml::Table> {
            let path = dir.join("Cargo.toml");
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            text.parse()
                .with_context(|| format!("{} is not TOML", path.display()))
        };
        let top = read(&self.root)?;
        let members = top
            .get("workspace")
            .and_then(|w| w.get("members"))
            .and_then(toml::Value::as_array)
            .context("Cargo.toml has no [workspace] members")?;
        let dirs = std::iter::once(".").chain(members.iter().filter_map(toml::Value::as_str));
        dirs.map(|dir| {
            let manifest = read(&self.root.join(dir))?;
            manifest
                .get("package")
                .and_then(|p| p.get("name"))
                .and_then(toml::Value::as_str)
                .map(str::to_owned)
                .with_context(|| format!("{dir}/Cargo.toml names no package"))
        })
        .collect()
    }
}
