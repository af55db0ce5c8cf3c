// SPDX-License-Identifier: BSD-2-Clause

//! The container route end to end: what a learner on macOS, Windows or another Linux runs
//! (`make ... CONTAINER=1` is that route on any host), in a clone made as Git for Windows makes
//! one (`core.autocrlf=true`), as a user who is not root with rootless podman, so that a script
//! broken by Windows line endings, a file made as root in their checkout, a container or a QEMU
//! left behind would show. Also the dev container, through the Dev Containers CLI, and docker with
//! a daemon that runs as root.
//!
//! They need that user and engine, which the CI machine's set-up makes (.ci/container-host), and
//! run when CONTAINER_TEST_USER names the user (.ci/run; `make test` then runs them after
//! every other test); otherwise they are ignored. They run as root, which they need to act as
//! that user. The image is built once, by the learner's first run; the dev container finds its
//! layers in the learner's store, and root's store (the docker test's daemon) gets a copy of it.
//! What took time is written to the file `make test`'s timing table reads.

use std::fs::{self, File};
use std::net::TcpStream;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

mod common;

use xtask::catalogue;
use xtask::exercise::stages;
use xtask::project::Project;

/// The learner: a user who is not root, and the environment their commands run in.
struct Learner {
    name: String,
    uid: u32,
    env: Vec<(String, String)>,
}

impl Learner {
    fn from_env() -> Self {
        let name = std::env::var("CONTAINER_TEST_USER").expect(
            "CONTAINER_TEST_USER names the user these tests run as (.ci/container-host makes it)",
        );
        let passwd = Command::new("getent")
            .args(["passwd", &name])
            .output()
            .unwrap();
        let entry = String::from_utf8(passwd.stdout).unwrap();
        let fields: Vec<&str> = entry.trim().split(':').collect();
        assert!(fields.len() == 7, "no user {name}");
        let uid: u32 = fields[2].parse().unwrap();
        assert_ne!(uid, 0, "CONTAINER_TEST_USER must not be root");
        let mut env: Vec<(String, String)> = vec![
            ("HOME".into(), fields[5].into()),
            ("USER".into(), name.clone()),
            ("PATH".into(), "/usr/local/bin:/usr/bin:/bin".into()),
            ("LANG".into(), "C.UTF-8".into()),
        ];
        // The engine's settings for this machine (.ci/run), and the network as this machine
        // sees it: its certificate bundle and its git URL rewrites, which are root's here.
        for var in ["CONTAINERS_CONF", "SSL_CERT_FILE", "CI"] {
            if let Ok(value) = std::env::var(var) {
                env.push((var.into(), value));
            }
        }
        // Rootless podman's storage, the user's alone (root keeps podman's own settings).
        if let Ok(value) = std::env::var("CONTAINER_TEST_STORAGE_CONF") {
            env.push(("CONTAINERS_STORAGE_CONF".into(), value));
        }
        let rewrites = Command::new("git")
            .args(["config", "--get-regexp", r"^url\..*\.insteadof$"])
            .output()
            .unwrap();
        let rewrites = String::from_utf8(rewrites.stdout).unwrap();
        let mut count = 0;
        for line in rewrites.lines() {
            let (key, value) = line.split_once(' ').unwrap();
            env.push((format!("GIT_CONFIG_KEY_{count}"), key.into()));
            env.push((format!("GIT_CONFIG_VALUE_{count}"), value.into()));
            count += 1;
        }
        env.push(("GIT_CONFIG_COUNT".into(), count.to_string()));
        Self { name, uid, env }
    }

    /// `program args` as the learner in `dir`, with no terminal, in a process group of its own.
    fn command(&self, dir: &Path, program: &str, args: &[&str]) -> Command {
        self.command_with(dir, &[], program, args)
    }

    /// The same, with `extra` added to the learner's environment.
    fn command_with(
        &self,
        dir: &Path,
        extra: &[(&str, &str)],
        program: &str,
        args: &[&str],
    ) -> Command {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", &self.name, "--", "env", "-i"])
            .args(self.env.iter().map(|(k, v)| format!("{k}={v}")))
            .args(extra.iter().map(|(k, v)| format!("{k}={v}")))
            .arg(program)
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .process_group(0);
        cmd
    }
}

/// What a command printed (standard output and error, in order) and how it ended.
struct Ran {
    status: Option<ExitStatus>,
    output: String,
}

impl Ran {
    fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| s.success())
    }

    /// The output, each line indented: shown in a failure, a `make test` run's own `Running`
    /// and `test result:` lines must not read as the outer run's (the runner counts those).
    fn indented(&self) -> String {
        self.output.lines().map(|l| format!("  | {l}\n")).collect()
    }
}

/// Starts `cmd` with its output in `log`.
fn start(mut cmd: Command, log: &Path) -> Child {
    let file = File::create(log).unwrap();
    cmd.stdout(file.try_clone().unwrap())
        .stderr(file)
        .spawn()
        .unwrap()
}

/// Waits up to `limit` for `child`; past it, stops its process group (SIGTERM, then SIGKILL).
fn finish(mut child: Child, log: &Path, limit: Duration) -> Ran {
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > limit {
            stop_group(&mut child);
            break None;
        }
        thread::sleep(Duration::from_millis(100));
    };
    Ran {
        status,
        output: fs::read_to_string(log).unwrap_or_default(),
    }
}

/// SIGTERM to `child`'s process group (the test made it), then SIGKILL if it is still there.
fn stop_group(child: &mut Child) {
    let group = i32::try_from(child.id()).unwrap();
    // SAFETY: signals the process group this test created, and nothing else.
    unsafe { libc::killpg(group, libc::SIGTERM) };
    for _ in 0..150 {
        if child.try_wait().unwrap().is_some() {
            return;
        }
        thread::sleep(Duration::from_millis(100));
    }
    // SAFETY: as above.
    unsafe { libc::killpg(group, libc::SIGKILL) };
    let _ = child.wait();
}

/// The fresh copy the tests work in, made once, and the first `make simulate` in it.
struct Fixture {
    learner: Learner,
    dir: PathBuf,
    logs: PathBuf,
    image: String,
    image_existed: bool,
    first: Ran,
}

/// One container test at a time: they share the copy, the image and the learner's engine.
fn fixture() -> (Turn, &'static Fixture) {
    static LOCK: Mutex<()> = Mutex::new(());
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    let lock = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let fixture = FIXTURE.get_or_init(make_fixture);
    let turn = Turn {
        _lock: lock,
        started: Instant::now(),
    };
    (turn, fixture)
}

/// A test's turn at the shared fixture (one at a time); its time, the shared first run left
/// out, goes to the table of times `make test` ends with.
struct Turn {
    _lock: MutexGuard<'static, ()>,
    started: Instant,
}

impl Drop for Turn {
    fn drop(&mut self) {
        let thread = std::thread::current();
        let name = thread.name().unwrap_or("a container test");
        let failed = if std::thread::panicking() {
            " (failed)"
        } else {
            ""
        };
        timed(&format!("{name}{failed}"), self.started.elapsed());
    }
}

/// Where the tests' copies go: a directory of the learner's, outside the project.
const SCRATCH: &str = "/var/tmp/sel4-tutorial-container-test";

/// A Windows-style clone of the project at `dir` (common::windows_clone), owned by the learner.
/// `.gitattributes` keeps every file LF all the same.
fn fresh_clone(project: &Project, dir: &Path, learner: &Learner) -> PathBuf {
    common::windows_clone(project, dir);
    let chown = Command::new("chown")
        .args(["-R", &format!("{0}:{0}", learner.name)])
        .arg(SCRATCH)
        .status()
        .unwrap();
    assert!(chown.success());
    dir.to_owned()
}

/// Appends what took `took` to the timings `make test` prints at its end.
fn timed(what: &str, took: Duration) {
    use std::io::Write as _;
    let path = Project::here().container_test_timings();
    let mut file = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .unwrap();
    writeln!(file, "{:.1} {what}", took.as_secs_f64()).unwrap();
}

/// The seconds tools/container says the image's build took (`==> Built the container image ...
/// in N s`), if it built one.
fn image_build_time(output: &str) -> Option<Duration> {
    let line = output
        .lines()
        .find(|l| l.starts_with("==> Built the container image"))?;
    let seconds = line.rsplit(" in ").next()?.strip_suffix(" s")?;
    Some(Duration::from_secs(seconds.parse().ok()?))
}

fn make_fixture() -> Fixture {
    let learner = Learner::from_env();
    let project = Project::here();
    let logs = project.logs_dir().join("container-tests");
    let _ = fs::remove_dir_all(&logs);
    fs::create_dir_all(&logs).unwrap();

    let scratch = Path::new(SCRATCH);
    let _ = fs::remove_dir_all(scratch);
    fs::create_dir_all(scratch).unwrap();
    let dir = fresh_clone(&project, &scratch.join("sel4-mapping-tutorial"), &learner);

    let image = String::from_utf8(
        Command::new(dir.join("tools/container"))
            .arg("--image")
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()
    .trim()
    .to_owned();
    let image_existed = learner
        .command(&dir, "podman", &["image", "exists", &image])
        .status()
        .unwrap()
        .success();
    let log = logs.join("first-simulate.log");
    let started = Instant::now();
    let first = finish(
        start(
            learner.command(&dir, "make", &["simulate", "CONTAINER=1"]),
            &log,
        ),
        &log,
        Duration::from_secs(30 * 60),
    );
    timed(
        "first make simulate CONTAINER=1 (a Windows-style clone)",
        started.elapsed(),
    );
    if let Some(took) = image_build_time(&first.output) {
        timed("  of which the image's build (the learner's podman)", took);
    }
    Fixture {
        learner,
        dir,
        logs,
        image,
        image_existed,
        first,
    }
}

impl Fixture {
    /// `make args` as the learner in the copy, with `env` added, for at most `limit`.
    fn make(&self, name: &str, args: &[&str], env: &[(&str, &str)], limit: Duration) -> Ran {
        let log = self.logs.join(format!("{name}.log"));
        let cmd = self.learner.command_with(&self.dir, env, "make", args);
        finish(start(cmd, &log), &log, limit)
    }

    /// The learner's file, written as the learner would (they own it).
    fn write_as_learner(&self, file: &str, text: &str) {
        self.write_as_learner_at(&self.dir.join(file), text);
    }

    /// A file anywhere, written as the learner.
    fn write_as_learner_at(&self, path: &Path, text: &str) {
        fs::write(path, text).unwrap();
        std::os::unix::fs::chown(path, Some(self.learner.uid), Some(self.learner.uid)).unwrap();
    }

    fn shipped(&self, file: &str) -> String {
        fs::read_to_string(self.dir.join("shipped").join(file)).unwrap()
    }

    /// Every file in the copy is the learner's: none was made as root or as another id.
    fn assert_everything_is_the_learners(&self) {
        assert_owned_by(&self.dir, &self.learner);
    }

    /// No container of the learner's is left, and no QEMU process of theirs.
    fn assert_nothing_left_running(&self) {
        let out = self
            .learner
            .command(&self.dir, "podman", &["ps", "--all", "--quiet"])
            .output()
            .unwrap();
        let containers = String::from_utf8_lossy(&out.stdout);
        assert!(
            containers.trim().is_empty(),
            "containers left: {containers}"
        );
        let qemus = self.processes(&["qemu-system"]);
        assert!(qemus.is_empty(), "QEMU left running: {qemus:?}");
    }

    /// The learner's processes whose command line holds one of `words`.
    fn processes(&self, words: &[&str]) -> Vec<String> {
        fs::read_dir("/proc")
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.metadata().is_ok_and(|m| m.uid() == self.learner.uid))
            .filter_map(|e| fs::read(e.path().join("cmdline")).ok())
            .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
            .filter(|c| words.iter().any(|w| c.contains(w)))
            .collect()
    }
}

fn assert_ran(ran: &Ran, what: &str) {
    assert!(
        ran.succeeded(),
        "{what} failed ({:?}):\n{}",
        ran.status,
        ran.indented()
    );
}

const LEVEL_30: &str = "Missing intermediate paging structure at level 30";
const BUILDING_THE_IMAGE: &str = "==> Building the container image";

#[test]
#[ignore = "the container route: needs CONTAINER_TEST_USER (.ci/run)"]
fn first_make_simulate_in_a_windows_clone_builds_the_image_and_shows_level_30() {
    let (_guard, f) = fixture();
    // The clone is a Windows one, and .gitattributes kept its files LF all the same.
    // (Read from the clone's own file: git, run as root here, would not trust the learner's.)
    let autocrlf = Command::new("git")
        .args(["config", "--file", ".git/config", "core.autocrlf"])
        .current_dir(&f.dir)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&autocrlf.stdout).trim(), "true");
    for file in [
        "tools/route",
        "tools/container",
        "Makefile",
        "Dockerfile",
        "shipped/src/main.rs",
    ] {
        let text = fs::read(f.dir.join(file)).unwrap();
        assert!(
            !text.contains(&b'\r'),
            "{file} has a CR in the Windows-style clone"
        );
    }
    assert_ran(&f.first, "the first make simulate CONTAINER=1");
    assert!(f.first.output.contains(LEVEL_30), "{}", f.first.output);
    assert!(
        f.first
            .output
            .contains("==> src/main.rs is at stage 'start'"),
        "{}",
        f.first.output
    );
    // Built when missing, saying so; reused after.
    assert_eq!(
        f.first.output.contains(BUILDING_THE_IMAGE),
        !f.image_existed,
        "{}",
        f.first.output
    );
    let again = f.make(
        "second-simulate",
        &["simulate", "CONTAINER=1"],
        &[],
        Duration::from_secs(600),
    );
    assert_ran(&again, "a second make simulate");
    assert!(
        !again.output.contains(BUILDING_THE_IMAGE),
        "{}",
        again.output
    );
    assert!(again.output.contains(LEVEL_30), "{}", again.output);
    f.assert_everything_is_the_learners();
    f.assert_nothing_left_running();
}

#[test]
#[ignore = "the container route: needs CONTAINER_TEST_USER (.ci/run)"]
fn an_edit_on_the_host_shows_in_the_next_run() {
    let (_guard, f) = fixture();
    let arch = catalogue::default_arch();
    let file = arch.exercises().next().unwrap().exercise.file;
    let shipped = f.shipped(file);
    let pd = stages::derive(&shipped, arch.find_stage("pd").unwrap()).unwrap();
    f.write_as_learner(file, &pd);
    let ran = f.make(
        "edited-simulate",
        &["simulate", "CONTAINER=1"],
        &[],
        Duration::from_secs(600),
    );
    f.write_as_learner(file, &shipped);
    assert_ran(&ran, "make simulate after uncommenting the first TODO");
    assert!(
        ran.output
            .contains("Missing intermediate paging structure at level 21"),
        "{}",
        ran.output
    );
    assert!(ran.output.contains("is at stage 'pd'"), "{}", ran.output);
    f.assert_everything_is_the_learners();
}

/// The image has what every architecture's kernel (and riscv32's firmware) is built with: its
/// cross compiler, which the image keeps trimmed (Dockerfile).
#[test]
#[ignore = "the container route: needs CONTAINER_TEST_USER (.ci/run)"]
fn every_architectures_kernel_builds_in_the_image() {
    let (_guard, f) = fixture();
    let started = Instant::now();
    for arch in catalogue::ARCHES.iter() {
        let ran = f.make(
            &format!("kernel-{arch}"),
            &["kernel", &format!("ARCH={arch}"), "CONTAINER=1"],
            &[],
            Duration::from_secs(600),
        );
        assert_ran(&ran, &format!("make kernel ARCH={arch} CONTAINER=1"));
    }
    timed(
        "every architecture's kernel built in the image",
        started.elapsed(),
    );
    f.assert_everything_is_the_learners();
}

/// `N passed, 0 failed` as the last line, with N > 0.
fn assert_summary(ran: &Ran) {
    let last = ran.output.lines().last().unwrap_or_default();
    let passed: usize = last
        .strip_suffix(" passed, 0 failed")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("last line {last:?}:\n{}", ran.indented()));
    assert!(passed > 0, "{}", ran.indented());
}

/// After the first run, nothing needs the network: a stage and the x86_64 tests (`make test` in
/// the container, which passes) run with the container's network cut.
#[test]
#[ignore = "the container route: needs CONTAINER_TEST_USER (.ci/run)"]
fn make_test_passes_in_the_container_with_its_network_cut() {
    let (_guard, f) = fixture();
    assert_ran(&f.first, "the first make simulate");
    let offline = [("CONTAINER_NETWORK", "none")];
    let ran = f.make(
        "offline-stage",
        &["simulate", "STAGE=pt", "CONTAINER=1"],
        &offline,
        Duration::from_secs(600),
    );
    assert_ran(&ran, "make simulate STAGE=pt offline");
    assert!(
        ran.output
            .contains("vm fault on data at address 0xa000000000 with status 0x7"),
        "{}",
        ran.output
    );
    let started = Instant::now();
    let ran = f.make(
        "offline-test",
        &["test", "ARCH=x86_64", "CONTAINER=1"],
        &offline,
        Duration::from_secs(40 * 60),
    );
    timed(
        "make test ARCH=x86_64 CONTAINER=1, offline",
        started.elapsed(),
    );
    assert_ran(&ran, "make test ARCH=x86_64 offline");
    assert_summary(&ran);
    f.assert_everything_is_the_learners();
    f.assert_nothing_left_running();
}

/// Starts `make simulate GDB=1` in the background and waits until QEMU waits for gdb.
fn simulate_for_gdb(f: &Fixture, name: &str, port: &str, timeout: &str) -> (Child, PathBuf) {
    let log = f.logs.join(format!("{name}.log"));
    let gdb_port = format!("GDB_PORT={port}");
    let timeout = format!("TIMEOUT={timeout}");
    let mut child = start(
        f.learner.command(
            &f.dir,
            "make",
            &["simulate", "GDB=1", &gdb_port, &timeout, "CONTAINER=1"],
        ),
        &log,
    );
    let started = Instant::now();
    while !fs::read_to_string(&log).is_ok_and(|l| l.contains("waiting for gdb")) {
        let ended = child.try_wait().unwrap();
        if ended.is_some() || started.elapsed() > Duration::from_secs(600) {
            stop_group(&mut child);
            panic!(
                "QEMU never waited for gdb ({ended:?}):\n{}",
                fs::read_to_string(&log).unwrap_or_default()
            );
        }
        thread::sleep(Duration::from_millis(100));
    }
    (child, log)
}

/// `make gdb` in a second terminal reaches the QEMU that `make simulate GDB=1` started in the
/// first, each in a container of its own; when gdb ends, so does the run.
#[test]
#[ignore = "the container route: needs CONTAINER_TEST_USER (.ci/run)"]
fn make_gdb_reaches_the_qemu_of_make_simulate_gdb() {
    let (_guard, f) = fixture();
    let port = common::free_port().to_string();
    let (simulate, log) = simulate_for_gdb(f, "gdb-simulate", &port, "120");
    let gdb = f.make(
        "gdb",
        &["gdb", &format!("GDB_PORT={port}"), "CONTAINER=1"],
        &[],
        Duration::from_secs(300),
    );
    let simulate = finish(simulate, &log, Duration::from_secs(120));
    assert!(
        gdb.output.contains("==> At main."),
        "gdb did not stop at main:\n{}",
        gdb.output
    );
    assert!(
        simulate.status.is_some(),
        "make simulate GDB=1 ran on after gdb ended:\n{}",
        simulate.output
    );
    f.assert_nothing_left_running();
}

/// gdb's remote protocol, as gdb on the host would begin: the stop reason (`?`), answered by a
/// packet (`$T05...` or `$S05...`) from QEMU's stub.
fn gdb_stub_answers(port: &str) -> Result<String, String> {
    use std::io::{Read as _, Write as _};
    let mut stream = TcpStream::connect(format!("127.0.0.1:{port}")).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(b"$?#3f").map_err(|e| e.to_string())?;
    let mut answer = Vec::new();
    let mut buffer = [0; 256];
    while !answer.ends_with(b"#") && !answer.contains(&b'#') {
        let n = stream.read(&mut buffer).map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&buffer[..n]);
    }
    Ok(String::from_utf8_lossy(&answer).into_owned())
}

/// A run stopped from outside (here SIGTERM to its process group, as a closing terminal or a CI
/// timeout would) takes its container and QEMU with it. Before that, gdb's port reaches QEMU from
/// the host, published from the container (on macOS and Windows the host's network is not the
/// engine's).
#[test]
#[ignore = "the container route: needs CONTAINER_TEST_USER (.ci/run)"]
fn an_interrupted_run_leaves_no_container_and_no_qemu() {
    let (_guard, f) = fixture();
    let port = common::free_port().to_string();
    let (mut simulate, _log) = simulate_for_gdb(f, "interrupted-simulate", &port, "600");
    let answer = gdb_stub_answers(&port);
    assert!(
        answer
            .as_ref()
            .is_ok_and(|a| a.contains("$T") || a.contains("$S")),
        "QEMU's gdb stub did not answer from the host through port {port}: {answer:?}"
    );
    let stopped = Instant::now();
    stop_group(&mut simulate);
    assert!(
        stopped.elapsed() < Duration::from_secs(15),
        "the run took {:?} to stop",
        stopped.elapsed()
    );
    f.assert_nothing_left_running();
    f.assert_everything_is_the_learners();
}

/// Sends `signal` to `child`'s process group (the test made it), as a terminal's Ctrl-C does.
fn signal_group(child: &Child, signal: i32) {
    let group = i32::try_from(child.id()).unwrap();
    // SAFETY: signals the process group this test created, and nothing else.
    unsafe { libc::killpg(group, signal) };
}

/// The ids of the learner's containers, podman's working containers (an image build's) included.
fn external_containers(f: &Fixture) -> Vec<String> {
    let out = f
        .learner
        .command(
            &f.dir,
            "podman",
            &["ps", "--all", "--external", "--quiet", "--no-trunc"],
        )
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

/// Ctrl-C during the image's first build (here SIGINT to the run's process group, as a terminal
/// sends it) stops the build whole: the run says it was interrupted (not that the network failed),
/// and leaves no container (podman's working containers, which only `--external` lists, included),
/// no process of the build (its apt-get) and no image.
#[test]
#[ignore = "the container route: needs CONTAINER_TEST_USER (.ci/run)"]
fn an_interrupted_image_build_leaves_nothing_behind() {
    let (_guard, f) = fixture();
    let scratch = Path::new(SCRATCH).join("interrupted");
    fs::create_dir_all(&scratch).unwrap();
    let dir = fresh_clone(
        &Project::here(),
        &scratch.join("sel4-mapping-tutorial"),
        &f.learner,
    );
    // A definition of its own (the package list with one comment more): its build starts anew at
    // the package step, which podman has not cached.
    let list = dir.join("tools/system-packages.txt");
    let text = fs::read_to_string(&list).unwrap();
    f.write_as_learner_at(&list, &format!("{text}# interrupted on purpose\n"));
    let image = String::from_utf8(
        Command::new(dir.join("tools/container"))
            .arg("--image")
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()
    .trim()
    .to_owned();
    assert_ne!(image, f.image);
    let before = external_containers(f);

    let log = f.logs.join("interrupted-build.log");
    let mut run = start(
        f.learner
            .command(&dir, "make", &["simulate", "CONTAINER=1"]),
        &log,
    );
    // Interrupted while apt-get fetches: the build's slowest step, and one that runs on.
    let started = Instant::now();
    while !fs::read_to_string(&log).is_ok_and(|l| l.contains("Get:")) {
        if run.try_wait().unwrap().is_some() || started.elapsed() > Duration::from_secs(600) {
            stop_group(&mut run);
            panic!(
                "the build never reached apt-get:\n{}",
                fs::read_to_string(&log).unwrap_or_default()
            );
        }
        thread::sleep(Duration::from_millis(100));
    }
    let during = external_containers(f);
    signal_group(&run, libc::SIGINT);
    let ran = finish(run, &log, Duration::from_secs(120));
    let after = external_containers(f);
    fs::write(
        f.logs.join("interrupted-build-containers.txt"),
        format!(
            "containers (podman ps --all --external): before {}, during the build {}, after {}\n",
            before.len(),
            during.len(),
            after.len()
        ),
    )
    .unwrap();
    assert!(ran.status.is_some(), "the run did not end:\n{}", ran.output);
    assert!(
        ran.output
            .contains("error: interrupted: the build of the container image"),
        "{}",
        ran.output
    );
    assert!(
        !ran.output.contains("needs Debian's archive"),
        "{}",
        ran.output
    );
    assert!(
        during.len() > before.len(),
        "no working container during the build"
    );
    assert_eq!(after, before, "containers left by the interrupted build");
    let left = f.processes(&["apt-get", "/usr/lib/apt/methods", "buildah", "podman build"]);
    assert!(
        left.is_empty(),
        "processes left by the interrupted build: {left:?}"
    );
    let exists = f
        .learner
        .command(&f.dir, "podman", &["image", "exists", &image])
        .status()
        .unwrap();
    assert!(
        !exists.success(),
        "the interrupted build left its image {image}"
    );
    f.assert_nothing_left_running();
}

/// A new definition's image replaces the old one: once built, the image of the earlier definition
/// is removed, so a learner never holds two (each is about 1.5 GB).
#[test]
#[ignore = "the container route: needs CONTAINER_TEST_USER (.ci/run)"]
fn a_new_image_replaces_the_one_of_the_earlier_definition() {
    let (_guard, f) = fixture();
    assert_ran(&f.first, "the first make simulate");
    // The learner's image as an earlier definition's (a digest no definition has), and the current
    // name gone: the next run builds the current definition (from podman's cached layers, in
    // seconds), then removes the earlier one.
    let earlier = "sel4-mapping-tutorial:000000000000";
    let podman = |args: &[&str]| {
        let out = f.learner.command(&f.dir, "podman", args).output().unwrap();
        assert!(
            out.status.success(),
            "podman {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    podman(&["tag", &f.image, earlier]);
    // (`untag` with no name would take every name the image has, the earlier one too.)
    podman(&["untag", &f.image, &f.image]);
    let ran = f.make(
        "new-definition",
        &["simulate", "CONTAINER=1"],
        &[],
        Duration::from_secs(1200),
    );
    assert_ran(&ran, "make simulate with a new definition");
    assert!(ran.output.contains(BUILDING_THE_IMAGE), "{}", ran.output);
    assert!(
        ran.output.contains(&format!(
            "==> Removed the container image of an earlier definition, localhost/{earlier}"
        )),
        "{}",
        ran.output
    );
    let images: Vec<String> = podman(&["images", "--format", "{{.Repository}}:{{.Tag}}"])
        .lines()
        .filter(|l| l.contains("sel4-mapping-tutorial:"))
        .map(str::to_owned)
        .collect();
    assert_eq!(images, [format!("localhost/{}", f.image)]);
}

/// `make book SERVE=1` in the container serves the book to the host's browser through its
/// published port: on macOS and Windows the host's network is not the container's.
#[test]
#[ignore = "the container route: needs CONTAINER_TEST_USER (.ci/run)"]
fn make_book_serve_reaches_the_host_through_its_published_port() {
    let (_guard, f) = fixture();
    let port = common::free_port().to_string();
    let log = f.logs.join("book-serve.log");
    let started = Instant::now();
    let mut serve = start(
        f.learner.command(
            &f.dir,
            "make",
            &[
                "book",
                "SERVE=1",
                &format!("BOOK_PORT={port}"),
                "CONTAINER=1",
            ],
        ),
        &log,
    );
    // The first `make book` in the container's home installs mdBook (cargo install): minutes.
    let page = loop {
        if let Ok(page) = http_get(&port, "/") {
            break Some(page);
        }
        if serve.try_wait().unwrap().is_some() || started.elapsed() > Duration::from_secs(1800) {
            break None;
        }
        thread::sleep(Duration::from_millis(500));
    };
    timed(
        "make book SERVE=1 CONTAINER=1, to its first page",
        started.elapsed(),
    );
    stop_group(&mut serve);
    let page = page.unwrap_or_else(|| {
        panic!(
            "the book was not served on port {port}:\n{}",
            fs::read_to_string(&log).unwrap_or_default()
        )
    });
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("<title>") && page.contains("seL4"), "{page}");
    f.assert_nothing_left_running();
    f.assert_everything_is_the_learners();
}

/// GET `path` from 127.0.0.1:`port`: the whole answer, when it is a complete one.
fn http_get(port: &str, path: &str) -> Result<String, String> {
    use std::io::{Read as _, Write as _};
    let mut stream = TcpStream::connect(format!("127.0.0.1:{port}")).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .map_err(|e| e.to_string())?;
    let mut answer = String::new();
    stream
        .read_to_string(&mut answer)
        .map_err(|e| e.to_string())?;
    if answer.starts_with("HTTP/") {
        Ok(answer)
    } else {
        Err(format!("not an HTTP answer: {answer:?}"))
    }
}

/// The dev container (.devcontainer/devcontainer.json) as VS Code and Codespaces start it, through
/// the Dev Containers CLI with the learner's podman: `make simulate` shows level 30 in it, and
/// `cargo check` reports a mistake in src/main.rs at src/main.rs.
///
/// Named to run last (libtest runs tests in name order): the dev container sees the checkout at
/// another path (/workspaces/...) with its own CARGO_HOME, so its builds are its own, and a
/// `make simulate CONTAINER=1` after it builds every crate again.
#[test]
#[ignore = "the container route: needs CONTAINER_TEST_USER (.ci/run)"]
fn the_dev_container_runs_make_simulate_and_cargo_check() {
    let (_guard, f) = fixture();
    let cli = std::env::var("DEVCONTAINER_CLI")
        .expect("DEVCONTAINER_CLI names the Dev Containers CLI (.ci/run)");
    let dir = f.dir.to_str().unwrap();
    // This machine's certificate bundle, which its HTTPS needs, handed in as tools/container
    // hands it in (VS Code users behind such a proxy do the same in their own settings).
    let bundle = "/etc/ssl/certs/ca-certificates.crt";
    let inside = "/etc/ssl/host-ca-certificates.crt";
    let mount = format!("type=bind,source={bundle},target={inside}");
    let remote_env: Vec<String> = [
        "SSL_CERT_FILE",
        "PIP_CERT",
        "CARGO_HTTP_CAINFO",
        "GIT_SSL_CAINFO",
    ]
    .iter()
    .map(|var| format!("{var}={inside}"))
    .collect();
    let devcontainer = |name: &str, args: &[&str], limit: u64| {
        let log = f.logs.join(format!("{name}.log"));
        let mut all = vec![
            args[0],
            "--docker-path",
            "podman",
            "--workspace-folder",
            dir,
        ];
        if args[0] == "up" {
            all.extend(["--mount", &mount]);
        }
        for env in &remote_env {
            all.extend(["--remote-env", env]);
        }
        all.extend(&args[1..]);
        finish(
            start(f.learner.command(&f.dir, &cli, &all), &log),
            &log,
            Duration::from_secs(limit),
        )
    };
    let started = Instant::now();
    let up = devcontainer("devcontainer-up", &["up"], 40 * 60);
    timed(
        "devcontainer up (the image's layers from the first build)",
        started.elapsed(),
    );
    let container = up
        .output
        .lines()
        .rev()
        .find_map(|l| l.split("\"containerId\":\"").nth(1))
        .and_then(|rest| rest.split('"').next())
        .map(str::to_owned);
    let result = std::panic::catch_unwind(|| {
        assert_ran(&up, "devcontainer up");
        let simulate = devcontainer(
            "devcontainer-simulate",
            &["exec", "make", "simulate"],
            40 * 60,
        );
        assert_ran(&simulate, "make simulate in the dev container");
        assert!(simulate.output.contains(LEVEL_30), "{}", simulate.output);

        let file = "src/main.rs";
        let shipped = f.shipped(file);
        let mistake = "fn mistake() -> u64 {\n    \"not a number\"\n}\n";
        f.write_as_learner(file, &format!("{shipped}{mistake}"));
        let check = devcontainer("devcontainer-check", &["exec", "cargo", "check"], 40 * 60);
        f.write_as_learner(file, &shipped);
        let line = shipped.lines().count() + 2;
        assert!(
            !check.succeeded(),
            "cargo check passed with a mistake:\n{}",
            check.output
        );
        assert!(
            check.output.contains(&format!("--> {file}:{line}:")),
            "{}",
            check.output
        );
    });
    if let Some(id) = &container {
        let removed = f
            .learner
            .command(&f.dir, "podman", &["rm", "--force", id])
            .output()
            .unwrap();
        assert!(
            removed.status.success(),
            "{}",
            String::from_utf8_lossy(&removed.stderr)
        );
    }
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
    f.assert_everything_is_the_learners();
    f.assert_nothing_left_running();
}

/// The image for an ARM host (Apple silicon) is made from the same definition: every package of
/// the arm64 list is in Debian 12 for arm64 (this machine cannot run arm64 containers to build it).
#[test]
#[ignore = "the container route: needs CONTAINER_TEST_USER (.ci/run)"]
fn every_package_of_the_arm64_list_is_in_debian_for_arm64() {
    let (_guard, f) = fixture();
    let list = Command::new(f.dir.join("tools/system-packages"))
        .args(["--host", "arm64"])
        .output()
        .unwrap();
    let packages = String::from_utf8(list.stdout)
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let script = format!(
        "dpkg --add-architecture arm64 && apt-get update -qq && for p in {packages}; do \
           arch=$(apt-cache show --no-all-versions \"$p:arm64\" 2>/dev/null | sed -n 's/^Architecture: //p'); \
           [ -n \"$arch\" ] || arch=$(apt-cache show --no-all-versions \"$p\" 2>/dev/null | sed -n 's/^Architecture: all$/all/p'); \
           case $arch in arm64|all) echo \"found $p $arch\" ;; *) echo \"missing $p\" ;; esac; done"
    );
    let log = f.logs.join("arm64-packages.log");
    let ran = finish(
        start(
            f.learner.command(
                &f.dir,
                "podman",
                &[
                    "run",
                    "--rm",
                    "--network=host",
                    "--user",
                    "0",
                    &f.image,
                    "sh",
                    "-c",
                    &script,
                ],
            ),
            &log,
        ),
        &log,
        Duration::from_secs(600),
    );
    assert_ran(&ran, "apt-cache in the image");
    assert!(!ran.output.contains("missing "), "{}", ran.output);
    assert_eq!(
        ran.output
            .lines()
            .filter(|l| l.starts_with("found "))
            .count(),
        packages.split(' ').count(),
        "{}",
        ran.output
    );
}

/// The image the learner's first run built, copied into root's store (the docker test's daemon) if
/// it is not there, under the names podman and the Docker API give it.
fn copy_image_to_roots_store(f: &Fixture) {
    let exists = |name: &str| {
        Command::new("podman")
            .args(["image", "exists", name])
            .status()
            .unwrap()
            .success()
    };
    let docker_name = format!("docker.io/library/{}", f.image);
    if !exists(&f.image) {
        let started = Instant::now();
        let mut save = f
            .learner
            .command(&f.dir, "podman", &["save", &f.image])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let load = Command::new("podman")
            .args(["load", "--quiet"])
            .stdin(save.stdout.take().unwrap())
            .output()
            .unwrap();
        assert!(
            save.wait().unwrap().success(),
            "podman save as the learner failed"
        );
        assert!(
            load.status.success(),
            "podman load as root: {}",
            String::from_utf8_lossy(&load.stderr)
        );
        timed(
            "the image copied into root's store (podman save | load)",
            started.elapsed(),
        );
    }
    if !exists(&docker_name) {
        let tag = Command::new("podman")
            .args(["tag", &f.image, &docker_name])
            .output()
            .unwrap();
        assert!(
            tag.status.success(),
            "{}",
            String::from_utf8_lossy(&tag.stderr)
        );
    }
    // Copies of earlier definitions' images go, as tools/container's own do.
    let images = Command::new("podman")
        .args(["images", "--format", "{{.Repository}}:{{.Tag}}"])
        .output()
        .unwrap();
    for name in String::from_utf8_lossy(&images.stdout).lines() {
        if name.contains("/sel4-mapping-tutorial:") && !name.ends_with(&f.image) {
            let _ = Command::new("podman").args(["rmi", name]).output();
        }
    }
}

/// The docker route as on a Linux host whose Docker daemon runs as root, with the learner allowed
/// to use it: the docker CLI, against podman's Docker-compatible service run as root here (no
/// Docker daemon runs on this machine), with the image the learner's first run built. In the
/// learner's copy, after an edit and with the stage's images gone, the run rebuilds the root task
/// and its images and shows level 30, and every file it made is the learner's, not the daemon's
/// root. (A first run's own files are made the same way; making them all again would cost CI a
/// whole cold build.)
#[test]
#[ignore = "the container route: needs CONTAINER_TEST_USER (.ci/run)"]
fn docker_with_a_root_daemon_leaves_every_file_the_learners() {
    let (_guard, f) = fixture();
    let docker = Command::new("docker").arg("--version").output();
    assert!(
        docker.is_ok_and(|o| o.status.success()),
        "the docker CLI is not installed (.ci/container-host)"
    );
    let dir = f.dir.clone();
    let file = catalogue::default_arch().main_exercise().exercise.file;
    let edited = f.learner.command(&dir, "touch", &[file]).status().unwrap();
    assert!(edited.success(), "touch {file} as the learner");
    let images = dir.join("build/x86_64/images");
    assert!(images.is_dir(), "{} is not there", images.display());
    fs::remove_dir_all(&images).unwrap();
    copy_image_to_roots_store(f);
    let socket = Path::new(SCRATCH).join("docker.sock");
    let _ = fs::remove_file(&socket);
    let mut service = Command::new("podman")
        .args(["system", "service", "--time=0"])
        .arg(format!("unix://{}", socket.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !socket.exists() && started.elapsed() < Duration::from_secs(30) {
        thread::sleep(Duration::from_millis(100));
    }
    let result = std::panic::catch_unwind(|| {
        std::os::unix::fs::chown(&socket, Some(f.learner.uid), None).unwrap();
        let host = format!("unix://{}", socket.display());
        let env = [
            ("CONTAINER_ENGINE", "docker"),
            ("DOCKER_HOST", host.as_str()),
        ];
        let log = f.logs.join("docker-simulate.log");
        let cmd = f
            .learner
            .command_with(&dir, &env, "make", &["simulate", "CONTAINER=1"]);
        let ran = finish(start(cmd, &log), &log, Duration::from_secs(40 * 60));
        assert_ran(&ran, "make simulate CONTAINER=1 with docker");
        assert!(ran.output.contains(LEVEL_30), "{}", ran.output);
        assert!(
            ran.output.contains("Compiling sel4-mapping-tutorial"),
            "the edit did not rebuild the root task:\n{}",
            ran.indented()
        );
        assert!(images.is_dir(), "no images made:\n{}", ran.indented());
        let left = Command::new("podman")
            .args([
                "ps",
                "--all",
                "--quiet",
                "--filter",
                &format!("ancestor={}", f.image),
            ])
            .output()
            .unwrap();
        let left = String::from_utf8_lossy(&left.stdout);
        assert!(left.trim().is_empty(), "containers left: {left}");
    });
    stop_group(&mut service);
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
    assert_owned_by(&dir, &f.learner);
}

/// Every file under `dir` is `learner`'s: none was made as root or as another id.
fn assert_owned_by(dir: &Path, learner: &Learner) {
    let out = Command::new("find")
        .arg(dir)
        .args(["!", "-uid", &learner.uid.to_string(), "-print", "-quit"])
        .output()
        .unwrap();
    let found = String::from_utf8_lossy(&out.stdout);
    assert!(found.trim().is_empty(), "not {}'s: {found}", learner.name);
}
