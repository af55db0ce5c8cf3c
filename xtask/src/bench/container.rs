// SPDX-License-Identifier: BSD-2-Clause

//! `make bench`'s container section: what a learner on a host other than Debian 12 waits for
//! (tools/container), on x86_64: the image's size (and what takes the space) and build, a fresh
//! clone's first `make simulate CONTAINER=1`, and the edit loop in the container; and, in a plain
//! Debian 12 container, a Debian learner's first run with nothing installed, apt included.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::{fs, io};

use anyhow::{Context, Result, bail};

use crate::bench::figure::Figure;
use crate::bench::goals;
use crate::bench::timing::{make, sampled, timed, touch};
use crate::project::Project;

fn progress(what: &str) {
    eprintln!("==> bench (container): {what}");
}

/// `tools/container` with `arg` (`--image`, `--engine`): what it prints.
fn ask(project: &Project, arg: &str) -> Result<String> {
    let out = Command::new(project.root().join("tools/container"))
        .arg(arg)
        .output()
        .with_context(|| format!("tools/container {arg}"))?;
    if !out.status.success() {
        bail!("{}", String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The engine tools/container would use, if there is one.
pub fn engine(project: &Project) -> Result<String> {
    ask(project, "--engine")
}

/// A fresh clone of the project for a container run, under build/bench/.
fn fresh_clone(project: &Project, name: &str) -> Result<PathBuf> {
    let clone = project.build_dir().join("bench").join(name);
    remove(&clone)?;
    let mut git = Command::new("git");
    git.arg("clone").arg("-q").arg(project.root()).arg(&clone);
    timed(git)?;
    Ok(clone)
}

fn remove(dir: &Path) -> Result<()> {
    match fs::remove_dir_all(dir) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => {
            Err(e).with_context(|| dir.display().to_string())
        }
        _ => Ok(()),
    }
}

/// The figure of the image's size, which README gives (tests/documentation.rs holds it to it).
pub const IMAGE_SIZE: &str = "container image: size";

/// Every figure of the container route, measured with `engine`; `native_first` is the native
/// first `make simulate` (x86_64, median), which the container's is measured against.
pub fn figures(
    project: &Project,
    engine: &str,
    runs: usize,
    native_first: Option<f64>,
) -> Result<Vec<Figure>> {
    let mut figures = Vec::new();
    let image = ask(project, "--image")?;

    // The first clone's run builds the image if it is missing, and fills the container's home
    // (crates, the loader cache) as a learner's first run would: what the native figure has.
    progress("the image and the container's home, made by a first run");
    let clone = fresh_clone(project, "container-clone")?;
    timed(make(&clone, &["simulate", "CONTAINER=1"]))?;

    let size = Command::new(engine)
        .args(["image", "inspect", "--format", "{{.Size}}", &image])
        .output()
        .with_context(|| format!("{engine} image inspect"))?;
    let bytes: f64 = String::from_utf8_lossy(&size.stdout)
        .trim()
        .parse()
        .with_context(|| format!("{engine} image inspect {image}: size"))?;
    figures.push(Figure::new(IMAGE_SIZE, "bytes", vec![bytes]).goal(goals::IMAGE_SIZE));

    // What takes the space: the image's largest directories, two levels down.
    let du = Command::new(engine)
        .args(["run", "--rm", "--pull=never", &image, "sh", "-c"])
        .arg("du -x -m -d 3 / 2>/dev/null | sort -n | tail -n 12")
        .output()
        .with_context(|| format!("{engine} run {image} du"))?;
    for line in String::from_utf8_lossy(&du.stdout).lines() {
        if let Some((megabytes, dir)) = line.split_once('\t')
            && let Ok(megabytes) = megabytes.trim().parse::<f64>()
            && dir.matches('/').count() >= 2
        {
            figures.push(Figure::new(
                format!("container image: {dir}"),
                "bytes",
                vec![megabytes * 1e6],
            ));
        }
    }

    let samples = sampled(runs, || {
        progress("a Debian learner's first run with nothing installed, apt included");
        let clone = fresh_clone(project, "fresh-debian-clone")?;
        let mut fresh = Command::new(clone.join("tools/container"));
        fresh
            .args(["--fresh-debian", "simulate"])
            .current_dir(&clone);
        let took = timed(fresh);
        remove(&clone)?;
        took
    })?;
    figures.push(
        Figure::new(
            "nothing installed (Debian 12 with make and git) to level 30, apt included",
            "s",
            samples,
        )
        .goal(goals::NOTHING_INSTALLED),
    );

    progress("the image built from its definition, with no cache (1 run)");
    let tag = "sel4-mapping-tutorial:bench";
    let mut build = Command::new(engine);
    build
        .args([
            "build",
            "--no-cache",
            "--network=host",
            "--tag",
            tag,
            "--file",
        ])
        .arg(project.root().join("Dockerfile"))
        .arg(project.root());
    let built = timed(build);
    let _ = Command::new(engine).args(["rmi", tag]).output();
    figures.push(Figure::new(
        "container image: build (local base, packages downloaded)",
        "s",
        vec![built?.as_secs_f64()],
    ));

    let samples = sampled(runs, || {
        progress("first `make simulate CONTAINER=1` on a fresh clone");
        let clone = fresh_clone(project, "container-clone")?;
        timed(make(&clone, &["simulate", "CONTAINER=1"]))
    })?;
    let over = goals::CONTAINER_FIRST_OVER_NATIVE;
    let figure = Figure::new(
        "first `make simulate CONTAINER=1` on a fresh clone",
        "s",
        samples,
    );
    figures.push(match native_first {
        Some(native) => figure.goal_said(
            native * (1.0 + over),
            format!("{:.0} % over native ({native:.1} s)", over * 100.0),
        ),
        None => figure,
    });

    progress("edit, then `make simulate CONTAINER=1` until its last line");
    let file = clone.join(
        crate::catalogue::default_arch()
            .main_exercise()
            .exercise
            .file,
    );
    // The clone is the last of those above, built. At least five samples: each is short.
    let samples = sampled(runs.max(5), || {
        touch(&file)?;
        timed(make(&clone, &["simulate", "CONTAINER=1"]))
    })?;
    figures.push(
        Figure::new("edit -> `make simulate CONTAINER=1` output", "s", samples)
            .goal(goals::CONTAINER_EDIT_LOOP),
    );
    remove(&clone)?;
    Ok(figures)
}
