// SPDX-License-Identifier: BSD-2-Clause

//! Guest instructions, counted exactly under QEMU's `-icount`: from `main` to `Success!`, and per
//! map+unmap pair, with the root task's own share from QEMU's trace of its code.

use std::collections::HashMap;
use std::fs;

use anyhow::{Context, Result, bail};
use object::{Object, ObjectSection, ObjectSymbol};

use crate::bench::figure::Figure;
use crate::bench::goals;
use crate::bench::timing::progress;
use crate::boot::qemu::Step;
use crate::boot::{BOOT_TIMEOUT, Boot};
use crate::catalogue::Arch;
use crate::check::expect;
use crate::image::{self, Image, Source};
use crate::project::Project;
use crate::support::process::Output;

/// Guest instructions, counted under `-icount shift=0` (lib/src/instruction_count.rs), each twice:
/// from `main` to `Success!`, and per map+unmap pair of a 4 KiB frame, with the root task's own
/// share of the pair from QEMU's trace of its code and the kernel's as the rest.
pub(super) fn instruction_counts(project: &Project, arch: &'static Arch) -> Result<Vec<Figure>> {
    let mut figures = Vec::new();
    progress(
        arch,
        "guest instructions from main to `Success!` (QEMU -icount, two runs)",
    );
    let image = image::build_with_features(
        project,
        &Source::Stage(crate::bench::measure::last_stage(arch)),
        Output::Captured,
        &["mapping-tutorial/instruction-count"],
    )?;
    let counts = counted_twice(|| {
        let line = icount_run(project, &image, "bench-icount", &[], |line| {
            parse_counted(line, "Success!").is_some()
        })?;
        parse_counted(&line, "Success!")
            .with_context(|| format!("cannot read the count in `{line}`"))
    })?;
    figures.push(
        Figure::new(
            "instructions main -> `Success!` (same in 2 runs)",
            "instructions",
            counts.to_vec(),
        )
        .beside_c(goals::c_tutorial(arch).map(|c| c.instructions)),
    );

    progress(
        arch,
        "1,000 map+unmap pairs of a 4 KiB frame (QEMU -icount, two runs)",
    );
    let probe = image::build(project, &Source::BenchProbe(arch), Output::Captured)?;
    let pairs = counted_twice(|| {
        let line = icount_run(project, &probe, "bench-map-unmap", &[], |line| {
            line.contains("map+unmap pairs: ")
        })?;
        line.rsplit_once("per pair: ")
            .and_then(|(_, n)| n.trim().parse().ok())
            .with_context(|| format!("cannot read the count in `{line}`"))
    })?;
    figures.push(Figure::new(
        "instructions per map+unmap pair (same in 2 runs)",
        "instructions",
        pairs.to_vec(),
    ));

    progress(
        arch,
        "the root task's share of a pair, from QEMU's trace of its code (two runs)",
    );
    let user = counted_twice(|| user_instructions_per_pair(project, &probe))?;
    let kernel: Vec<f64> = pairs.iter().zip(user).map(|(p, u)| p - u).collect();
    figures.push(Figure::new(
        "  of which the root task's",
        "instructions",
        user.to_vec(),
    ));
    figures.push(Figure::new(
        "  of which the kernel's",
        "instructions",
        kernel.clone(),
    ));
    figures.push(
        Figure::new(
            "root task / kernel, per pair",
            "%",
            vec![100.0 * user[0] / kernel[0]],
        )
        .goal(goals::ROOT_TASK_SHARE),
    );
    Ok(figures)
}

/// Runs an instruction count twice; the two must agree, since `-icount` makes them
/// deterministic.
fn counted_twice(count: impl Fn() -> Result<u64>) -> Result<[f64; 2]> {
    let counts = [count()?, count()?];
    if counts[0] != counts[1] {
        bail!("two -icount runs counted differently: {counts:?}");
    }
    Ok(counts.map(|c| c as f64))
}

/// Boots `image` under `-icount shift=0,sleep=off` (and `extra` QEMU arguments) and returns the
/// first line `wanted` accepts.
fn icount_run(
    project: &Project,
    image: &Image,
    log: &str,
    extra: &[String],
    wanted: impl Fn(&str) -> bool,
) -> Result<String> {
    let boot = Boot::quiet(format!("{log}-{}", image.arch))
        .timeout(Some(BOOT_TIMEOUT * 4))
        .args(["-icount", "shift=0,sleep=off"])
        .args(extra.iter().cloned());
    let log_path = boot.log_path(project);
    let mut found = None;
    boot.run(project, image, |line| {
        if wanted(line) {
            found = Some(line.to_owned());
            Step::Stop
        } else if expect::is_ending(line) {
            Step::Stop
        } else {
            Step::Continue
        }
    })?;
    found.with_context(|| format!("the expected line never came; see {}", log_path.display()))
}

/// `[306199 instructions] Success!` → 306199, for the line `message`.
fn parse_counted(line: &str, message: &str) -> Option<u64> {
    let rest = line.strip_prefix('[')?;
    let (count, rest) = rest.split_once(" instructions] ")?;
    (rest == message).then(|| count.parse().ok()).flatten()
}

/// The probe's user-mode instructions per pair: QEMU logs every translation block of the probe's
/// own code it translates (`-d in_asm`) and runs (`-d exec,nochain`), and only those
/// (`-dfilter` on its .text); counted from the first block of `map_unmap_pairs` run to its last.
fn user_instructions_per_pair(project: &Project, probe: &Image) -> Result<u64> {
    const PAIRS: u64 = 1000;
    let data = fs::read(&probe.root_task).with_context(|| probe.root_task.display().to_string())?;
    let file = object::File::parse(&*data)?;
    let text = file
        .section_by_name(".text")
        .context("the probe has no .text")?;
    let pairs = file
        .symbols()
        .find(|s| s.name().is_ok_and(|n| n.contains("15map_unmap_pairs")))
        .context("the probe has no map_unmap_pairs")?;
    let window = pairs.address()..pairs.address() + pairs.size();
    let trace = project
        .logs_dir()
        .join(format!("bench-trace-{}.log", probe.arch));
    let extra = [
        "-d".to_owned(),
        "in_asm,exec,nochain".to_owned(),
        "-dfilter".to_owned(),
        format!("{:#x}..{:#x}", text.address(), text.address() + text.size()),
        "-D".to_owned(),
        trace.display().to_string(),
    ];
    let _ = fs::remove_file(&trace);
    icount_run(project, probe, "bench-trace-run", &extra, |line| {
        line.contains("map+unmap pairs: ")
    })?;
    let log = fs::read_to_string(&trace).with_context(|| trace.display().to_string())?;
    let _ = fs::remove_file(&trace);
    let counted = count_in_window(&log, &window)
        .with_context(|| format!("QEMU's trace has no run of map_unmap_pairs ({window:x?})"))?;
    Ok(counted / PAIRS)
}

/// From a QEMU log of `-d in_asm,exec,nochain`: the instructions of the translation blocks run
/// from the first that starts in `window` to the last, inclusive.
pub fn count_in_window(log: &str, window: &std::ops::Range<u64>) -> Option<u64> {
    let mut sizes: HashMap<u64, u64> = HashMap::new();
    let mut runs: Vec<(u64, u64)> = Vec::new();
    let mut block: Option<(u64, u64)> = None;
    for line in log.lines() {
        if let Some(rest) = line.strip_prefix("Trace ") {
            // `Trace 0: 0x7f.. [cs_base/pc/flags/cflags] symbol`
            let pc = rest
                .split_once('[')
                .and_then(|(_, r)| r.split('/').nth(1))
                .and_then(|pc| u64::from_str_radix(pc, 16).ok())?;
            runs.push((pc, *sizes.get(&pc)?));
        } else if line.starts_with("IN:") {
            block = None;
        } else if let Some(addr) = line.strip_prefix("0x").and_then(|l| l.split(':').next()) {
            let addr = u64::from_str_radix(addr, 16).ok()?;
            let (start, count) = block.get_or_insert((addr, 0));
            *count += 1;
            sizes.insert(*start, *count);
        }
    }
    let first = runs.iter().position(|(pc, _)| window.contains(pc))?;
    let last = runs.iter().rposition(|(pc, _)| window.contains(pc))?;
    Some(runs[first..=last].iter().map(|(_, n)| n).sum())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counted_lines_are_parsed() {
        assert_eq!(
            parse_counted("[306199 instructions] Success!", "Success!"),
            Some(306199)
        );
        assert_eq!(
            parse_counted("[306199 instructions] Read x: 0", "Success!"),
            None
        );
        assert_eq!(parse_counted("Success!", "Success!"), None);
    }

    /// Blocks run before the window's first and after its last are not counted; those between
    /// are, with the instruction count of their (latest) translation.
    #[test]
    fn a_trace_is_counted_from_the_first_block_in_the_window_to_the_last() {
        let log = "\
----------------
IN: 
0x00001000:  nop
0x00001004:  nop

Trace 0: 0x7f [0000000000000000/0000000000001000/00000001/ff020200] 
----------------
IN: 
0x00002000:  nop
0x00002004:  nop
0x00002008:  nop

Trace 0: 0x7f [0000000000000000/0000000000002000/00000001/ff020200] 
----------------
IN: 
0x00003000:  nop

Trace 0: 0x7f [0000000000000000/0000000000003000/00000001/ff020200] 
Trace 0: 0x7f [0000000000000000/0000000000002000/00000001/ff020200] 
Trace 0: 0x7f [0000000000000000/0000000000001000/00000001/ff020200] 
";
        assert_eq!(count_in_window(log, &(0x2000..0x2100)), Some(3 + 1 + 3));
        assert_eq!(count_in_window(log, &(0x9000..0x9100)), None);
    }
}
