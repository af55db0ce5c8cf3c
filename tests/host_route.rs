// SPDX-License-Identifier: BSD-2-Clause

//! Where make runs the tutorial (tools/route), what the container is made from (Dockerfile,
//! tools/system-packages.txt) and how make hands a run to it (tools/container), checked on the
//! host without building anything: the package list on both host architectures, one list for the
//! native set-up and the image, and the messages of a host with no engine.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

mod common;

use xtask::catalogue::{ARCHES, Arch, SUITE_ONLY};
use xtask::project::Project;

fn root() -> PathBuf {
    Project::here().root().to_owned()
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

fn packages(host: &str) -> Vec<String> {
    listed(&["--host", host])
}

/// What tools/system-packages prints for `args`, a package a line.
fn listed(args: &[&str]) -> Vec<String> {
    let out = Command::new(root().join("tools/system-packages"))
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The lines of tools/system-packages.txt: (package, what shows it, conditions).
fn package_lines() -> Vec<(String, String, Vec<String>)> {
    fs::read_to_string(root().join("tools/system-packages.txt"))
        .unwrap()
        .lines()
        .filter_map(|line| {
            let line = line.split('#').next().unwrap();
            let mut words = line.split_whitespace().map(str::to_owned);
            Some((words.next()?, words.next()?, words.collect()))
        })
        .collect()
}

/// Each host architecture gets a compiler, under the GNU prefix its settings name, for every
/// kernel: the native gcc where the kernel is the host's own architecture, a cross compiler
/// otherwise.
#[test]
fn each_host_architecture_gets_a_compiler_for_every_kernel() {
    let lines = package_lines();
    for host in ["amd64", "arm64"] {
        let listed = packages(host);
        for arch in ARCHES.iter() {
            let gcc = format!("{}gcc", arch.cross_prefix);
            let provider = lines.iter().find(|(_, what, conditions)| {
                *what == gcc
                    && conditions
                        .iter()
                        .all(|c| c.strip_prefix("host=").is_none_or(|h| h == host))
            });
            let (package, ..) = provider.unwrap_or_else(|| {
                panic!(
                    "tools/system-packages.txt: nothing provides {gcc} ({arch}) on an {host} host"
                )
            });
            assert!(
                listed.contains(package),
                "{host}: {package} ({gcc}) is not listed: {listed:?}"
            );
        }
    }
    let amd64 = packages("amd64");
    let arm64 = packages("arm64");
    assert!(
        amd64.contains(&"gcc-aarch64-linux-gnu".into())
            && !amd64.contains(&"gcc-x86-64-linux-gnu".into())
    );
    assert!(
        arm64.contains(&"gcc-x86-64-linux-gnu".into())
            && !arm64.contains(&"gcc-aarch64-linux-gnu".into())
    );
    // Everything else is the same on both.
    let common = |list: &[String]| -> Vec<String> {
        list.iter()
            .filter(|p| !p.starts_with("gcc-x86-64") && !p.starts_with("gcc-aarch64"))
            .cloned()
            .collect()
    };
    assert_eq!(common(&amd64), common(&arm64));
}

/// A learner installs what their architecture needs: every kernel of the catalogue (the suite's
/// own too) brings its compiler, QEMU and debugger with `--kernel <name>` (tools/build-kernel asks
/// so), on both hosts; every run's packages (`--base`, tools/setup-host) and one kernel's hold
/// nothing only other kernels need; all of them, without options, are every run's and every
/// kernel's (the image's, make test's); and every kernel a line names is one.
#[test]
fn each_kernel_brings_its_own_compiler_qemu_and_debugger() {
    let lines = package_lines();
    let kernels: Vec<&Arch> = ARCHES.iter().chain(SUITE_ONLY.iter()).collect();
    let kernels_of = |conditions: &[String]| -> Option<Vec<String>> {
        conditions
            .iter()
            .find_map(|c| c.strip_prefix("arch="))
            .map(|names| names.split(',').map(str::to_owned).collect())
    };
    for (package, _, conditions) in &lines {
        for name in kernels_of(conditions).unwrap_or_default() {
            assert!(
                kernels.iter().any(|k| k.name == name),
                "tools/system-packages.txt: {package}: arch={name} is no kernel of the catalogue"
            );
        }
    }
    for host in ["amd64", "arm64"] {
        let on_host = |conditions: &[String]| {
            conditions
                .iter()
                .all(|c| c.strip_prefix("host=").is_none_or(|h| h == host))
        };
        let mut union = listed(&["--host", host, "--base"]);
        for kernel in &kernels {
            let own = listed(&["--host", host, "--kernel", kernel.name]);
            let machine = fs::read_to_string(root().join(kernel.machine_definition())).unwrap();
            let qemu = machine
                .lines()
                .map(|l| l.split('#').next().unwrap().trim())
                .find(|l| !l.is_empty())
                .unwrap()
                .to_owned();
            for what in [
                format!("{}gcc", kernel.cross_prefix),
                qemu,
                kernel.gdb.to_owned(),
            ] {
                let provider = lines.iter().find(|(_, w, conditions)| {
                    *w == what
                        && on_host(conditions)
                        && kernels_of(conditions).is_some_and(|k| k.contains(&kernel.name.into()))
                });
                let (package, ..) = provider.unwrap_or_else(|| {
                    panic!("tools/system-packages.txt: no line gives {kernel} its {what} on {host}")
                });
                assert!(
                    own.contains(package),
                    "{host}, {kernel}: {package} not in {own:?}"
                );
            }
            // Nothing only other kernels need.
            let mine = listed(&["--host", host, "--base", "--kernel", kernel.name]);
            for (package, _, conditions) in lines.iter().filter(|(_, _, c)| on_host(c)) {
                let for_others =
                    kernels_of(conditions).is_some_and(|k| !k.contains(&kernel.name.into()));
                let also_mine = lines.iter().any(|(p, _, c)| {
                    p == package
                        && on_host(c)
                        && kernels_of(c).is_none_or(|k| k.contains(&kernel.name.into()))
                        && !c.iter().any(|c| c == "for=tests")
                });
                assert!(
                    !for_others || also_mine || !mine.contains(package),
                    "{host}, {kernel}: {package}, only other kernels', is installed for it"
                );
            }
            union.extend(own);
        }
        union.sort();
        union.dedup();
        assert_eq!(union, packages(host), "{host}");
    }
    let x86_64 = listed(&["--host", "amd64", "--base", "--kernel", "x86_64"]);
    for other in [
        "qemu-system-arm",
        "qemu-system-misc",
        "gcc-aarch64-linux-gnu",
        "gdb-multiarch",
    ] {
        assert!(!x86_64.contains(&other.into()), "{x86_64:?}");
    }
}

/// The Rust route's condition: TOOLCHAIN=rustup brings its own Rust, not Debian's.
#[test]
fn the_rustup_route_leaves_out_debians_rust() {
    let out = Command::new(root().join("tools/system-packages"))
        .args(["--host", "amd64", "--rust", "rustup"])
        .output()
        .unwrap();
    let listed = String::from_utf8(out.stdout).unwrap();
    assert!(
        !listed.contains("rustc-web") && listed.contains("lld-22"),
        "{listed}"
    );
}

/// A learner installs only what a learner needs: the browser the book's tests drive comes with
/// `--tests` (make test) only, and so is in neither the learner's set-up nor the image.
#[test]
fn the_learners_packages_hold_no_browser_and_the_tests_add_it() {
    let lines = package_lines();
    let for_tests: Vec<&str> = lines
        .iter()
        .filter(|(_, _, conditions)| conditions.iter().any(|c| c == "for=tests"))
        .map(|(package, ..)| package.as_str())
        .collect();
    assert_eq!(for_tests, ["chromium", "chromium-driver"]);
    for host in ["amd64", "arm64"] {
        let learner = packages(host);
        assert!(
            !learner.iter().any(|p| p.contains("chromium")),
            "{host}: {learner:?}"
        );
        let out = Command::new(root().join("tools/system-packages"))
            .args(["--host", host, "--tests"])
            .output()
            .unwrap();
        let with_tests: Vec<String> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect();
        let added: Vec<&str> = with_tests
            .iter()
            .filter(|p| !learner.contains(p))
            .map(String::as_str)
            .collect();
        assert_eq!(added, for_tests, "{host}");
    }
}

/// A line with a condition the reader does not know is an error, not a line silently taken.
#[test]
fn an_unknown_condition_in_the_package_list_is_an_error() {
    let dir = Project::here().build_dir().join("test-system-packages");
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    fs::copy(
        root().join("tools/system-packages"),
        dir.join("system-packages"),
    )
    .unwrap();
    fs::write(
        dir.join("system-packages.txt"),
        "cmake cmake\nfoo bar os=linux\n",
    )
    .unwrap();
    let out = Command::new(dir.join("system-packages")).output().unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out).contains("unknown condition 'os=linux' (foo)"),
        "{}",
        text(&out)
    );
    let _ = fs::remove_dir_all(&dir);
}

/// One list for both: the native set-up installs what tools/system-packages finds missing, the
/// image installs its whole list for the architecture it is built for; and what the Dockerfile
/// copies is exactly what the build context lets in and what the image's name is a digest of.
#[test]
fn the_image_and_the_native_set_up_read_one_package_list() {
    let dockerfile = fs::read_to_string(root().join("Dockerfile")).unwrap();
    let setup = fs::read_to_string(root().join("tools/setup-host")).unwrap();
    // The image: the learner's whole list for its own architecture, none missing after the install.
    assert!(dockerfile.contains("host=$(dpkg --print-architecture)"));
    assert!(dockerfile.contains("packages=$(sh /tmp/tutorial/system-packages --host \"$host\")"));
    assert!(dockerfile.contains("system-packages --host \"$host\" --missing"));
    // The native set-up: every run's packages always, every kernel's and the tests' for make
    // test; a kernel's own with its first build.
    let common = fs::read_to_string(root().join("tools/common.sh")).unwrap();
    let build_kernel = fs::read_to_string(root().join("tools/build-kernel")).unwrap();
    assert!(common.contains("tools/system-packages \"$@\" --missing"));
    assert!(setup.contains("ensure_packages \"\" --rust \"$route\" --base"));
    assert!(
        setup.contains(
            "ensure_packages \"for make test (every architecture's)\" --rust \"$route\"\n"
        )
    );
    assert!(setup.contains("tools/system-packages --rust \"$route\" --tests --missing"));
    assert!(build_kernel.contains("ensure_packages \"for $arch\" --kernel \"$arch\""));

    let copied: Vec<&str> = dockerfile
        .lines()
        .filter_map(|l| l.strip_prefix("COPY "))
        .flat_map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            words[..words.len() - 1].to_vec()
        })
        .collect();
    let let_in: Vec<&str> = fs::read_to_string(root().join(".dockerignore"))
        .unwrap()
        .leak()
        .lines()
        .filter_map(|l| l.strip_prefix('!'))
        .collect();
    assert_eq!(
        copied, let_in,
        "Dockerfile's COPY and .dockerignore disagree"
    );
    let container = fs::read_to_string(root().join("tools/container")).unwrap();
    let definition = container
        .lines()
        .find_map(|l| l.strip_prefix("definition=("))
        .and_then(|l| l.strip_suffix(')'))
        .expect("tools/container names what the image is made from");
    let mut expected = vec!["Dockerfile"];
    expected.extend(&copied);
    assert_eq!(definition.split_whitespace().collect::<Vec<_>>(), expected);
}

fn route(env: &[(&str, &str)]) -> (String, String) {
    let mut cmd = Command::new(root().join("tools/route"));
    cmd.env_remove("CONTAINER")
        .env_remove("NATIVE")
        .env_remove("MAPPING_TUTORIAL_IMAGE");
    cmd.envs(env.iter().copied());
    let out = cmd.output().unwrap();
    assert!(out.status.success());
    (
        String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn os_release(name: &str, text: &str) -> PathBuf {
    let dir = Project::here().build_dir().join("test-route");
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    path
}

/// Natively only on the host that was tested (Debian 12 on x86_64) and inside the image; in the
/// container everywhere else, and wherever asked; natively elsewhere only when asked, and said.
#[test]
fn make_runs_natively_only_where_that_was_tested() {
    let debian = os_release(
        "debian",
        "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n",
    );
    let ubuntu = os_release(
        "ubuntu",
        "PRETTY_NAME=\"Ubuntu 24.04.1 LTS\"\nID=ubuntu\nVERSION_ID=\"24.04\"\n",
    );
    let debian13 = os_release(
        "debian13",
        "PRETTY_NAME=\"Debian GNU/Linux 13 (trixie)\"\nID=debian\nVERSION_ID=\"13\"\n",
    );
    let (debian, ubuntu, debian13) = (
        debian.to_str().unwrap(),
        ubuntu.to_str().unwrap(),
        debian13.to_str().unwrap(),
    );
    let on_x86_64 = std::env::consts::ARCH == "x86_64";

    assert_eq!(
        route(&[("OS_RELEASE", debian)]).0,
        if on_x86_64 { "native" } else { "container" }
    );
    assert_eq!(
        route(&[("OS_RELEASE", debian), ("CONTAINER", "1")]).0,
        "container"
    );
    assert_eq!(
        route(&[("OS_RELEASE", ubuntu)]),
        ("container".into(), String::new())
    );
    assert_eq!(route(&[("OS_RELEASE", debian13)]).0, "container");
    assert_eq!(route(&[("OS_RELEASE", "/nonexistent")]).0, "container");
    let (native, note) = route(&[("OS_RELEASE", ubuntu), ("NATIVE", "1")]);
    assert_eq!(native, "native");
    assert!(
        note.contains("Ubuntu 24.04.1 LTS") && note.contains("never tested"),
        "{note}"
    );
    // Inside the tutorial's image, make runs natively whatever else is asked.
    assert_eq!(
        route(&[
            ("OS_RELEASE", ubuntu),
            ("MAPPING_TUTORIAL_IMAGE", "1"),
            ("CONTAINER", "1")
        ])
        .0,
        "native"
    );
    let _ = fs::remove_dir_all(Project::here().build_dir().join("test-route"));
}

/// On the container route, make hands every goal but help and clean to tools/container, with the
/// goals and the variables given, in one call.
#[test]
fn make_hands_the_goals_and_variables_to_the_container() {
    let dry_run = |args: &[&str]| {
        let out = Command::new("make")
            .current_dir(root())
            .args(["-n", "--no-print-directory", "CONTAINER=1"])
            .args(args)
            .env_remove("LOG_LEVEL")
            .env_remove("MAPPING_TUTORIAL_IMAGE")
            .env_remove("MAKEFLAGS")
            .env_remove("MAKELEVEL")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out));
        String::from_utf8(out.stdout).unwrap()
    };
    let out = dry_run(&["simulate", "ARCH=aarch64", "STAGE=pt-l3", "LOG_LEVEL=trace"]);
    let words: Vec<&str> = out.split_whitespace().collect();
    assert_eq!(
        words,
        [
            "tools/container",
            "simulate",
            "ARCH='aarch64'",
            "STAGE='pt-l3'",
            "LOG_LEVEL='trace'"
        ],
        "{out}"
    );
    let out = dry_run(&["status", "test"]);
    assert_eq!(
        out.lines()
            .filter(|l| l.starts_with("tools/container status test"))
            .count(),
        1,
        "{out}"
    );
    assert!(dry_run(&["clean"]).starts_with("rm -rf build"));
    assert!(!dry_run(&["help"]).contains("tools/container"));
}

/// A host with neither docker nor podman: one line per kind of host says what to install, and
/// nothing is made.
#[test]
fn without_docker_or_podman_the_container_route_says_what_to_install() {
    let dir = Project::here().build_dir().join("test-no-engine");
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    // A PATH with the tools the script needs and no container engine.
    for tool in [
        "bash", "git", "cat", "cut", "dirname", "id", "uname", "mkdir", "rm", "tail",
    ] {
        let found = which(tool).unwrap_or_else(|| panic!("{tool} is not on PATH"));
        symlink(found, dir.join(tool)).unwrap();
    }
    let out = Command::new(root().join("tools/container"))
        .arg("simulate")
        .env("PATH", &dir)
        .env_remove("CONTAINER_ENGINE")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.starts_with("error: this host runs the tutorial in a container"),
        "{said}"
    );
    for host in ["macOS:", "Windows:", "Linux:"] {
        assert_eq!(
            said.lines()
                .filter(|l| l.trim_start().starts_with(host))
                .count(),
            1,
            "{said}"
        );
    }
    let out = Command::new(root().join("tools/container"))
        .arg("simulate")
        .env("CONTAINER_ENGINE", "no-such-engine")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        text(&out).contains("CONTAINER_ENGINE=no-such-engine: no such command"),
        "{}",
        text(&out)
    );
    let _ = fs::remove_dir_all(&dir);
}

fn which(tool: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(tool))
        .find(|p| Path::new(p).is_file())
}

/// A clone made as Git for Windows makes one (`core.autocrlf=true`) has every file LF, as
/// .gitattributes says: the scripts run (tools/route answers), and the shipped files are the
/// project's bytes.
#[test]
fn a_windows_clone_has_every_file_lf() {
    let project = Project::here();
    let dir = project
        .build_dir()
        .join("test-windows-clone/sel4-mapping-tutorial");
    common::windows_clone(&project, &dir);
    let files = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(&dir)
        .output()
        .unwrap();
    let files: Vec<String> = String::from_utf8(files.stdout)
        .unwrap()
        .split('\0')
        .filter(|f| !f.is_empty())
        .map(str::to_owned)
        .collect();
    assert!(files.len() > 100, "{} files", files.len());
    let with_cr: Vec<&String> = files
        .iter()
        .filter(|f| fs::read(dir.join(f)).unwrap().contains(&b'\r'))
        .collect();
    assert!(with_cr.is_empty(), "CRLF in a Windows clone: {with_cr:?}");
    let out = Command::new(dir.join("tools/route"))
        .env("CONTAINER", "1")
        .output()
        .unwrap();
    assert_eq!(text(&out).trim(), "container");
    let _ = fs::remove_dir_all(dir.parent().unwrap());
}

/// tools/container publishes the ports xtask serves on, and has their defaults from xtask: gdb's
/// for `make simulate GDB=1` and the book's for `make book SERVE=1`.
#[test]
fn the_container_publishes_xtasks_default_ports() {
    let container = fs::read_to_string(root().join("tools/container")).unwrap();
    let defaults = container
        .lines()
        .find(|l| l.starts_with("gdb= serve= "))
        .expect("tools/container sets its default ports on one line");
    assert!(
        defaults.contains(&format!("gdb_port={}", xtask::boot::debugger::DEFAULT_PORT)),
        "{defaults}"
    );
    assert!(
        defaults.contains(&format!("book_port={}", xtask::book::DEFAULT_PORT)),
        "{defaults}"
    );
    // The dev container forwards the book's port to the editor's browser.
    let devcontainer = fs::read_to_string(root().join(".devcontainer/devcontainer.json")).unwrap();
    assert!(
        devcontainer.contains(&format!(
            "\"forwardPorts\": [{}]",
            xtask::book::DEFAULT_PORT
        )),
        "{devcontainer}"
    );
    // What it publishes is a server listening on the container's interface.
    assert!(
        container.contains("-p \"127.0.0.1:$publish:$publish\" -e TUTORIAL_LISTEN_ADDRESS=0.0.0.0")
    );
}
