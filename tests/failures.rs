// SPDX-License-Identifier: BSD-2-Clause

//! Bad input gets one clear error, a non-zero exit, and changes nothing.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

mod common;

use xtask::boot::Boot;
use xtask::boot::qemu::{self, Outcome, Step};
use xtask::image::{self, Image, Source};
use xtask::project::Project;
use xtask::support::process::Output;

/// The x86_64 start stage's image, built.
fn start_image(project: &Project) -> Image {
    let start = Source::Stage(common::x86_64().find_stage("start").unwrap());
    image::build(project, &start, Output::Captured).unwrap_or_else(|e| panic!("{e:#}"))
}

/// `boot` of `image` as the tests run it (no terminal, no echo) for at most `timeout_secs`.
fn run_quietly(
    project: &Project,
    image: &Image,
    boot: Boot,
    timeout_secs: u64,
    on_line: impl FnMut(&str) -> Step,
) -> qemu::Run {
    boot.timeout(Some(Duration::from_secs(timeout_secs)))
        .run(project, image, on_line)
        .unwrap()
}

#[test]
fn an_unknown_stage_is_refused_with_the_valid_ones_and_nothing_is_built() {
    let project = Project::here();
    let main_rs = project.root().join("src/main.rs");
    let before = fs::read(&main_rs).unwrap();
    let out = Command::new("make")
        .current_dir(project.root())
        .args(["-s", "simulate", "STAGE=pdpt"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert_eq!(
        stderr.lines().next(),
        Some(
            format!(
                "error: unknown stage 'pdpt' for x86_64; its stages are: {}",
                common::x86_64().stage_names()
            )
            .as_str()
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("Building"), "nothing is built: {stderr}");
    assert_eq!(fs::read(&main_rs).unwrap(), before);
    assert!(!project.stage_dir(common::x86_64(), "pdpt").exists());
}

#[test]
fn an_unknown_architecture_is_refused_with_the_valid_ones_and_nothing_is_built() {
    let project = Project::here();
    let out = Command::new("make")
        .current_dir(project.root())
        .args(["-s", "simulate", "ARCH=mips"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert_eq!(
        stderr.lines().next(),
        Some(
            "error: unknown architecture 'mips'; the architectures are: x86_64, aarch64, riscv64, \
             aarch32, riscv32"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("Building"), "nothing is built: {stderr}");
    assert!(!project.build_dir().join("mips").exists());
}

#[test]
fn the_tool_refuses_an_unknown_stage_too() {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["simulate", "--stage", "pdpt"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim_end(),
        format!(
            "error: unknown stage 'pdpt' for x86_64; its stages are: {}",
            common::x86_64().stage_names()
        )
    );
    assert!(
        common::x86_64()
            .stage_names()
            .starts_with("start, pd, pt, remap")
    );
}

/// A kernel that QEMU cannot load (the 64-bit ELF instead of the 32-bit copy) ends the run at
/// once with QEMU's own reason, instead of a hang until the timeout.
#[test]
fn a_kernel_qemu_cannot_load_ends_the_run_with_qemus_reason() {
    let project = Project::here();
    let image = start_image(&project);
    let wrong_kernel = project
        .kernel_prefix(common::x86_64())
        .join("bin/kernel.elf");
    let boot = Boot::quiet("test-wrong-kernel").replacing("kernel", &wrong_kernel);
    let run = run_quietly(&project, &image, boot, 30, |_| Step::Continue);
    assert!(
        matches!(run.outcome, Outcome::Exited(status) if !status.success()),
        "{:?}",
        run.outcome
    );
    assert!(run.elapsed < Duration::from_secs(10));
    assert!(
        run.lines
            .iter()
            .any(|l| l.contains("Cannot load x86-64 image")),
        "{:?}",
        run.lines
    );
}

/// A kernel build stopped in the middle (Ctrl-C, a CI timeout) leaves no half-built kernel
/// behind: the next run sees none and builds it whole.
#[test]
fn an_interrupted_kernel_build_is_redone_not_used() {
    use std::os::unix::process::CommandExt;
    use std::time::Instant;

    let project = Project::here();
    let out = project.build_dir().join("test-interrupted-kernel");
    let _ = fs::remove_dir_all(&out);
    let build = || {
        let mut cmd = Command::new(project.root().join("tools/build-kernel"));
        cmd.arg("x86_64")
            .env("KERNEL_OUT", &out)
            .env("SEL4_SRC", project.sel4_src())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .process_group(0);
        cmd
    };

    let mut child = build().spawn().unwrap();
    // Stop it once ninja is compiling (its "[n/m]" lines are in the log). SIGTERM, because a
    // process started without job control may ignore SIGINT, as this test's own runner might.
    let log = project
        .logs_dir()
        .join("test-interrupted-kernel-x86_64-build.log");
    let started = Instant::now();
    while !fs::read_to_string(&log).is_ok_and(|l| l.contains("\n[")) {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the build never reached ninja"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let group = i32::try_from(child.id()).unwrap();
    // SAFETY: signals the process group this test created, and nothing else.
    unsafe { libc::killpg(group, libc::SIGTERM) };
    let status = child.wait().unwrap();
    assert!(
        !status.success(),
        "the build finished before it could be stopped"
    );
    assert!(
        !out.join("key").exists(),
        "a stopped build left a finished-looking kernel"
    );
    let leftovers: Vec<_> = fs::read_dir(project.build_dir())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("test-interrupted-kernel.tmp")
        })
        .collect();
    assert!(
        leftovers.is_empty(),
        "temporary build directories left: {leftovers:?}"
    );

    let rebuilt = build().output().unwrap();
    assert!(
        rebuilt.status.success(),
        "{}",
        String::from_utf8_lossy(&rebuilt.stderr)
    );
    assert!(out.join("kernel32.elf").is_file() && out.join("key").is_file());
    let _ = fs::remove_dir_all(&out);
}

/// seL4's CMake does not quote paths ("cannot open linker script file .../with"): the kernel
/// builds from a checkout whose path has a space all the same, since tools/build-kernel works
/// in a temporary directory reached through a path without one.
#[test]
fn a_kernel_builds_from_a_path_with_a_space() {
    let project = Project::here();
    let dir = project.build_dir().join("test path with space");
    let _ = fs::remove_dir_all(&dir);
    let result = Command::new(project.root().join("tools/build-kernel"))
        .arg("x86_64")
        .env("KERNEL_OUT", dir.join("kernel out"))
        .env("SEL4_SRC", dir.join("seL4 src"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(result.status.success(), "{stderr}");
    assert!(dir.join("kernel out/kernel32.elf").is_file(), "{stderr}");
    let _ = fs::remove_dir_all(&dir);
}

/// A QEMU that prints nothing (here: halted before its first instruction) is stopped at the
/// timeout, and no QEMU process is left behind.
#[test]
fn a_silent_qemu_is_stopped_at_the_timeout() {
    let project = Project::here();
    let marker = format!("silent-qemu-test-{}", std::process::id());
    let boot = Boot::quiet("test-silent-qemu").args(["-S", "-name", &marker]);
    let run = run_quietly(&project, &start_image(&project), boot, 2, |_| {
        Step::Continue
    });
    assert_eq!(run.outcome, Outcome::TimedOut(Duration::from_secs(2)));
    let survivors: Vec<_> = fs::read_dir("/proc")
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| {
            fs::read(e.path().join("cmdline"))
                .is_ok_and(|c| String::from_utf8_lossy(&c).contains(&marker))
        })
        .collect();
    assert!(survivors.is_empty(), "QEMU is still running: {survivors:?}");
}

/// With the seL4 repository out of reach, the kernel build stops with one line that names the
/// repository and says why, and leaves no directory behind.
#[test]
fn an_unreachable_sel4_repository_is_one_clear_error() {
    let project = Project::here();
    let build = project.build_dir();
    let (out, src) = (
        build.join("test-unreachable-kernel"),
        build.join("test-unreachable-src"),
    );
    // Git is told that the repository lives where nothing is, whatever this machine can reach.
    let git_config = build.join("test-unreachable.gitconfig");
    fs::write(
        &git_config,
        "[url \"file:///nonexistent/seL4.git\"]\n\tinsteadOf = https://github.com/seL4/seL4.git\n",
    )
    .unwrap();
    let result = Command::new(project.root().join("tools/build-kernel"))
        .arg("x86_64")
        .env("KERNEL_OUT", &out)
        .env("SEL4_SRC", &src)
        .env("GIT_CONFIG_GLOBAL", &git_config)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let _ = fs::remove_file(&git_config);
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(!result.status.success(), "{stderr}");
    let error = stderr
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_default();
    assert!(
        error
            .starts_with("error: cannot fetch seL4 16.0.0 from https://github.com/seL4/seL4.git: "),
        "{stderr}"
    );
    assert!(
        stderr.contains("Offline machines"),
        "no pointer to the fix:\n{stderr}"
    );
    assert!(!out.exists() && !src.exists() && !build.join("test-unreachable-src.tmp").exists());
    // The checkout's lock file (tools/common.sh) is all that stays; this test's own, removed.
    let _ = fs::remove_file(build.join("test-unreachable-src.lock"));
}

/// A root task that panics: the run ends at once, and the log has the panic's message and its
/// place in src/main.rs.
#[test]
fn a_panicking_root_task_shows_its_message_and_location() {
    let project = Project::here();
    let shipped = fs::read_to_string(project.shipped("src/main.rs")).unwrap();
    let init = "    mapping_tutorial::logging::init();\n";
    assert!(shipped.contains(init));
    let line = 1 + shipped.lines().position(|l| l == init.trim_end()).unwrap() + 1;
    let panicking = shipped.replacen(init, &format!("{init}    panic!(\"on purpose\");\n"), 1);
    let image = image::build(
        &project,
        &Source::Variant {
            exercise: common::x86_64().main_exercise(),
            name: "test-panic",
            text: &panicking,
        },
        Output::Captured,
    )
    .unwrap_or_else(|e| panic!("{e:#}"));
    let run = run_quietly(&project, &image, Boot::quiet("test-panic"), 30, |line| {
        if xtask::check::expect::is_ending(line) {
            Step::StopWhenQuiet
        } else {
            Step::Continue
        }
    });
    assert_eq!(run.outcome, Outcome::Stopped, "{:?}", run.lines);
    let at = run
        .lines
        .iter()
        .position(|l| l.starts_with("panicked at "))
        .unwrap_or_else(|| panic!("no panic message in {:?}", run.lines));
    assert!(
        run.lines[at].starts_with(&format!("panicked at src/main.rs:{line}:")),
        "{}",
        run.lines[at]
    );
    assert_eq!(
        run.lines.get(at + 1).map(String::as_str),
        Some("on purpose")
    );
}

/// A directory of links to every program on PATH but `missing`, to stand for a machine without it.
fn path_without(missing: &str, dir: &Path) -> String {
    let _ = fs::remove_dir_all(dir);
    fs::create_dir_all(dir).unwrap();
    for path_dir in std::env::split_paths(&std::env::var_os("PATH").unwrap()) {
        let Ok(entries) = fs::read_dir(&path_dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let link = dir.join(&name);
            if name != missing && !link.exists() {
                let _ = std::os::unix::fs::symlink(entry.path(), &link);
            }
        }
    }
    dir.display().to_string()
}

/// Without QEMU, `make simulate` names the Debian package to install for its architecture and
/// how, in its first error line, and builds nothing. (APT_INSTALL=no: as root, make would install
/// it.)
#[test]
fn a_missing_system_tool_is_named_with_its_package() {
    let project = Project::here();
    let path = path_without(
        "qemu-system-x86_64",
        &project.build_dir().join("test-path-without-qemu"),
    );
    let images_dir = project.arch_dir(common::x86_64()).join("images");
    let images = fs::read_dir(&images_dir).map(|d| d.count()).unwrap_or(0);
    let out = Command::new("make")
        .current_dir(project.root())
        .args(["-s", "simulate", "STAGE=pd"])
        .env("PATH", &path)
        .env("APT_INSTALL", "no")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert_eq!(
        stderr.lines().next(),
        Some("error: missing system packages for x86_64: qemu-system-x86"),
        "{stderr}"
    );
    assert!(
        stderr.contains("sudo apt-get install qemu-system-x86"),
        "{stderr}"
    );
    assert!(!stderr.contains("Building"), "nothing is built: {stderr}");
    let after = fs::read_dir(&images_dir).map(|d| d.count()).unwrap_or(0);
    assert_eq!(images, after);
    let _ = fs::remove_dir_all(project.build_dir().join("test-path-without-qemu"));
}

/// A second `make test` in the same checkout while one runs stops at once and says so, before
/// it writes its log or builds anything. Inside `make test` the lock is already held by the run
/// this test belongs to; under a bare `cargo test` the test takes it itself. The second run works
/// on a scratch project whose lock file is this checkout's (a link to it), so that, were the lock
/// broken, it would stop at its first build instead of running every test again inside this one.
#[test]
fn a_second_make_test_says_the_first_is_running() {
    use std::os::fd::AsRawFd;
    let project = Project::here();
    fs::create_dir_all(project.build_dir()).unwrap();
    let lock_path = project.build_dir().join("make-test.lock");
    let lock = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .unwrap();
    // SAFETY: flock on a descriptor this function owns; it is released when `lock` is dropped.
    let got = unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    assert!(
        got == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EWOULDBLOCK),
        "flock: {}",
        std::io::Error::last_os_error()
    );
    let scratch = project.build_dir().join("test-second-make-test");
    let _ = fs::remove_dir_all(&scratch);
    fs::create_dir_all(scratch.join("build")).unwrap();
    std::os::unix::fs::symlink(&lock_path, scratch.join("build/make-test.lock")).unwrap();
    let started = std::time::Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("test")
        .env("XTASK_PROJECT_ROOT", &scratch)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains(
            "error: another make test is running in this checkout; wait for it to finish"
        ),
        "{stderr}"
    );
    assert!(
        !scratch.join("build/logs/make-test.log").exists() && !stderr.contains("==> Preparing"),
        "the second run went past the lock: {stderr}"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
    drop(lock);
    let _ = fs::remove_dir_all(&scratch);
}
