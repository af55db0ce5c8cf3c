// SPDX-License-Identifier: BSD-2-Clause

//! What `make bench` measured, reported: a Markdown table per section for the terminal, the JSON
//! of the whole run (build/bench.json), and docs/performance.md, which `make bench-report` makes
//! from a run's JSON (kept as docs/bench.json) and a test holds to it: no figure there is typed.
//! A figure over its goal is listed with why, from docs/performance-why.md, which has a section
//! for each (`## <section>: <figure>`, or for a reason shared, the figure's family or every
//! section's: [`why_headings`]); one without is an error. Its sections headed
//! `## Note: <title>` are shown too, under Notes.

use std::fmt::Write as _;

use anyhow::{Context, Result};

use crate::bench::figure::{ArchFigures, Bench, Figure};

/// The container section's title.
pub const CONTAINER: &str = "container (x86_64)";

fn show(f: &Figure, v: f64) -> String {
    match f.unit.as_str() {
        "s" => format!("{v:.2} s"),
        "bytes" => format!("{v:.0} B"),
        "%" => format!("{v:.1} %"),
        unit => format!("{v:.0} {unit}"),
    }
}

/// What a figure is shown beside: its goal and the C tutorial's figure.
fn beside(f: &Figure) -> String {
    let goal = f.goal.map(|g| match &f.goal_text {
        Some(text) => format!("goal: {text}: {}", show(f, g)),
        None => format!("goal: {}", show(f, g)),
    });
    let c = f.c_tutorial.as_ref().map(|c| format!("C tutorial: {c}"));
    goal.into_iter().chain(c).collect::<Vec<_>>().join("; ")
}

/// A Markdown table for each architecture, one for every architecture together, and the
/// container's.
pub fn table(bench: &Bench) -> String {
    sections(bench)
        .map(|(title, figures)| section(title, figures))
        .collect()
}

/// Each architecture's figures, then the shared ones and the container's (if any), with their
/// titles.
fn sections(bench: &Bench) -> impl Iterator<Item = (&str, &[Figure])> {
    bench
        .arches
        .iter()
        .map(|a| (a.arch.as_str(), a.figures.as_slice()))
        .chain(
            (!bench.shared.is_empty()).then_some(("every architecture", bench.shared.as_slice())),
        )
        .chain((!bench.container.is_empty()).then_some((CONTAINER, bench.container.as_slice())))
}

/// One section's table, headed by its title.
pub fn section(title: &str, figures: &[Figure]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "\n{title}:\n");
    let _ = writeln!(
        out,
        "| figure | min | median | max | runs | measured | beside it |"
    );
    let _ = writeln!(out, "| --- | ---: | ---: | ---: | ---: | --- | --- |");
    for f in figures {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            f.name,
            show(f, f.min()),
            show(f, f.median()),
            show(f, f.max()),
            f.samples.len(),
            f.measured.as_deref().unwrap_or("–"),
            beside(f)
        );
    }
    out
}

/// The run as JSON.
pub fn json(bench: &Bench) -> String {
    serde_json::to_string_pretty(bench).expect("a bench serialises") + "\n"
}

/// A run, from its JSON.
pub fn from_json(text: &str) -> Result<Bench> {
    serde_json::from_str(text).context("not the JSON of a `make bench` run")
}

/// The figures of the at-a-glance table: a row name and the figure's name (its start, for the
/// per-stage ones: the slowest stage is shown).
const GLANCE: [(&str, &str); 9] = [
    (
        "first `make simulate`, fresh clone",
        "first `make simulate` on a fresh clone",
    ),
    (
        "edit → `make simulate` output",
        "edit -> `make simulate` output",
    ),
    (
        "edit → `make status` answer",
        "edit -> `make status` answer",
    ),
    ("warm rebuild after an edit", "warm rebuild after an edit"),
    (
        "QEMU start → last line (slowest stage)",
        "QEMU start -> last line: ",
    ),
    ("cold build, total", "cold build: total"),
    (
        "instructions main → `Success!`",
        "instructions main -> `Success!`",
    ),
    (
        "root task / kernel, per map+unmap pair",
        "root task / kernel, per pair",
    ),
    ("stripped root task", "root task stripped"),
];

/// docs/performance.md: at a glance (medians, with what each is measured against), the
/// container's figures, then every figure of every section.
pub fn performance_md(bench: &Bench, why: &str) -> Result<String> {
    let mut out = String::from(
        "<!-- Made by `make bench-report` from docs/bench.json, the figures of `make bench` runs: \
         edit neither by hand. -->\n\n# Performance\n\n",
    );
    let all = || sections(bench).flat_map(|(_, figures)| figures);
    let runs = all().map(|f| f.samples.len()).max().unwrap_or(0);
    let mut days: Vec<&str> = all().filter_map(|f| f.measured.as_deref()).collect();
    days.sort_unstable();
    days.dedup();
    let when = match (days.first(), days.last()) {
        (Some(first), Some(last)) if first == last => format!(" on {first}"),
        (Some(first), Some(last)) => format!(" from {first} to {last}"),
        _ => String::new(),
    };
    let undated = if all().any(|f| f.measured.is_none()) {
        " A figure measured \"–\" is from an earlier run, on a machine that was busy, before \
         the day was kept: take it as an upper bound."
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "Measured by `make bench`{when} (up to {runs} runs of each timing; instruction counts \
         twice, and the same both times) on the test machine: 2 cores, Debian 12, nothing else \
         running. Medians at a glance, each with its goal or the C tutorial's figure; every \
         figure, with min / median / max and the day it was measured, below.{undated}\n"
    );
    let arches: Vec<&ArchFigures> = bench.arches.iter().collect();
    let _ = writeln!(
        out,
        "| | {} |\n| --- |{}",
        arches
            .iter()
            .map(|a| a.arch.as_str())
            .collect::<Vec<_>>()
            .join(" | "),
        " ---: |".repeat(arches.len())
    );
    for (row, name) in GLANCE {
        // A figure this run did not measure (an older bench's JSON) gets no row.
        if !arches
            .iter()
            .any(|a| a.figures.iter().any(|f| f.name.starts_with(name)))
        {
            continue;
        }
        let cells: Vec<String> = arches
            .iter()
            .map(|a| {
                let slowest = a
                    .figures
                    .iter()
                    .filter(|f| f.name.starts_with(name))
                    .max_by(|x, y| x.median().total_cmp(&y.median()));
                match slowest {
                    Some(f) if f.goal.is_some() || f.c_tutorial.is_some() => {
                        format!("{} ({})", show(f, f.median()), beside(f))
                    }
                    Some(f) => show(f, f.median()),
                    None => "–".to_owned(),
                }
            })
            .collect();
        let _ = writeln!(out, "| {row} | {} |", cells.join(" | "));
    }
    if !bench.container.is_empty() {
        out.push_str("\n## The container\n\nThe route of every host but Debian 12 (the book's \"Setting up: With docker or podman\"), with podman.\n");
        out.push_str(&section("x86_64", &bench.container));
    }
    out.push_str(&missed(bench, why)?);
    out.push_str(&notes(why));
    out.push_str("\n## Every figure\n");
    for (title, figures) in sections(bench) {
        out.push_str(&section(title, figures));
    }
    Ok(out)
}

/// The goals the run missed (median over the goal), grouped by why: each reason (the paragraphs
/// under its heading in `why`, the text of docs/performance-why.md) once, under the figures it
/// explains. A missed goal that text does not explain is an error that names the heading to
/// write.
fn missed(bench: &Bench, why: &str) -> Result<String> {
    // (heading, its text, the figures it explains), in the order the figures come.
    let mut reasons: Vec<(String, String, Vec<String>)> = Vec::new();
    let mut unexplained = Vec::new();
    for (title, figures) in sections(bench) {
        for f in figures.iter().filter(|f| f.misses_its_goal()) {
            let headings = why_headings(title, &f.name);
            let figure = format!(
                "- {title}: {}: {} against {}",
                f.name,
                show(f, f.median()),
                beside(f)
            );
            let Some((heading, text)) = headings
                .iter()
                .find_map(|h| Some((h, explanation(why, h)?)))
            else {
                unexplained.push(headings[0].clone());
                continue;
            };
            match reasons.iter_mut().find(|(h, ..)| h == heading) {
                Some((.., explained)) => explained.push(figure),
                None => reasons.push((heading.clone(), text, vec![figure])),
            }
        }
    }
    anyhow::ensure!(
        unexplained.is_empty(),
        "docs/performance-why.md does not say why these goals were missed; write a section for \
         each:\n{}",
        unexplained.join("\n")
    );
    if reasons.is_empty() {
        return Ok("\n## Goals missed\n\nNone: every figure is within its goal.\n".to_owned());
    }
    let mut out = String::from("\n## Goals missed, and why\n");
    for (heading, text, figures) in reasons {
        let title = heading.trim_start_matches("## ");
        let _ = write!(out, "\n### {title}\n\n{}\n\n{text}\n", figures.join("\n"));
    }
    Ok(out)
}

/// The headings of docs/performance-why.md that may say why `figure` of `section` missed its
/// goal, the most particular first: the section's figure, the section's family of figures (the
/// name before its last ": ", as in each stage's `QEMU start -> last line: <stage>`), then the
/// figure and its family in every section (`## <figure>`), for a reason they share.
fn why_headings(section: &str, figure: &str) -> Vec<String> {
    let family = figure.rsplit_once(": ").map(|(family, _)| family);
    let names: Vec<&str> = std::iter::once(figure).chain(family).collect();
    let in_section = names.iter().map(|n| format!("## {section}: {n}"));
    let everywhere = names.iter().map(|n| format!("## {n}"));
    in_section.chain(everywhere).collect()
}

/// The notes of `why` (its sections headed `## Note: <title>`: what a maintainer found about a
/// figure that is not a missed goal, such as what slowed one down), each under its title.
fn notes(why: &str) -> String {
    let notes: String = why
        .lines()
        .filter_map(|l| l.strip_prefix("## Note: "))
        .filter_map(|title| {
            let text = explanation(why, &format!("## Note: {title}"))?;
            Some(format!("\n### {}\n\n{text}\n", title.trim()))
        })
        .collect();
    match notes.is_empty() {
        true => notes,
        false => format!("\n## Notes\n{notes}"),
    }
}

/// The text under `heading` in `why`, to the next heading, as one paragraph.
fn explanation(why: &str, heading: &str) -> Option<String> {
    let mut lines = why.lines().skip_while(|l| l.trim() != heading).skip(1);
    let text: Vec<&str> = lines
        .by_ref()
        .take_while(|l| !l.starts_with("## "))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    (!text.is_empty()).then(|| text.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a_bench() -> Bench {
        Bench {
            arches: vec![ArchFigures {
                arch: "x86_64".into(),
                figures: vec![
                    Figure::new("x", "s", vec![3.0, 1.0, 2.0, 5.0, 4.0]),
                    Figure::new("QEMU start -> last line: start", "s", vec![0.1])
                        .goal(0.2)
                        .beside_c(Some("0.5 s")),
                    Figure::new("QEMU start -> last line: remap", "s", vec![0.3]),
                ],
            }],
            shared: Vec::new(),
            container: vec![Figure::new("container image: size", "bytes", vec![1.5e9])],
        }
    }

    #[test]
    fn statistics_of_a_figure() {
        let f = Figure::new("x", "s", vec![3.0, 1.0, 2.0, 5.0, 4.0]);
        assert_eq!((f.min(), f.median(), f.max()), (1.0, 3.0, 5.0));
        assert!(table(&a_bench()).contains("| x | 1.00 s | 3.00 s | 5.00 s | 5 | – |  |"));
    }

    #[test]
    fn a_run_goes_to_json_and_back_unchanged() {
        let bench = a_bench();
        let text = json(&bench);
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["arches"][0]["arch"], "x86_64");
        assert_eq!(from_json(&text).unwrap(), bench);
        assert!(from_json("{\"x86_64\": []}").is_err());
    }

    #[test]
    fn the_glance_shows_the_slowest_stage_and_what_it_is_measured_against() {
        let md = performance_md(&a_bench(), "").unwrap();
        assert!(
            md.contains("| QEMU start → last line (slowest stage) | 0.30 s |"),
            "{md}"
        );
        // No architecture has the figure: no row (an older run's JSON).
        assert!(!md.contains("| stripped root task |"), "{md}");
        assert!(md.contains("## The container"), "{md}");
        assert!(
            md.contains("| container image: size | 1500000000 B |"),
            "{md}"
        );
        assert!(
            md.contains("None: every figure is within its goal."),
            "{md}"
        );
    }

    /// A goal missed is listed with the explanation written for it, and one with none written is
    /// an error naming the heading to write.
    #[test]
    fn a_missed_goal_needs_its_reason() {
        let mut bench = a_bench();
        bench.arches[0]
            .figures
            .push(Figure::new("edit -> `make simulate` output", "s", vec![0.9]).goal(0.7));
        let err = performance_md(&bench, "").unwrap_err().to_string();
        assert!(
            err.contains("## x86_64: edit -> `make simulate` output"),
            "{err}"
        );
        let why = "# Why\n\n## x86_64: edit -> `make simulate` output\n\nQEMU takes\nlonger.\n\n## other\nno\n";
        let md = performance_md(&bench, why).unwrap();
        assert!(
            md.contains(
                "### x86_64: edit -> `make simulate` output\n\n\
                 - x86_64: edit -> `make simulate` output: 0.90 s against goal: 0.70 s\n\n\
                 QEMU takes longer.\n"
            ),
            "{md}"
        );
        assert!(!md.contains("## Notes"), "{md}");
    }

    /// A reason written once for a family of figures, or for every section, is shown once,
    /// under every figure it explains.
    #[test]
    fn a_reason_may_be_a_figures_family_or_every_sections() {
        let mut bench = a_bench();
        bench.arches[0].figures[1] =
            Figure::new("QEMU start -> last line: start", "s", vec![0.25]).goal(0.2);
        bench.arches[0].figures[2] = bench.arches[0].figures[2].clone().goal(0.2);
        bench.arches.push(ArchFigures {
            arch: "aarch64".into(),
            figures: vec![
                Figure::new("QEMU start -> last line: pt", "s", vec![0.4]).goal(0.1),
                Figure::new("QEMU start -> last line: pd", "s", vec![0.3]).goal(0.1),
            ],
        });
        let why = "## x86_64: QEMU start -> last line\n\nSeaBIOS.\n\n\
                   ## QEMU start -> last line\n\nThe kernel's boot.\n";
        let md = performance_md(&bench, why).unwrap();
        assert!(
            md.contains(
                "### x86_64: QEMU start -> last line\n\n\
                 - x86_64: QEMU start -> last line: start: 0.25 s against goal: 0.20 s\n\
                 - x86_64: QEMU start -> last line: remap: 0.30 s against goal: 0.20 s\n\n\
                 SeaBIOS.\n"
            ),
            "{md}"
        );
        assert!(
            md.contains(
                "### QEMU start -> last line\n\n\
                 - aarch64: QEMU start -> last line: pt: 0.40 s against goal: 0.10 s\n\
                 - aarch64: QEMU start -> last line: pd: 0.30 s against goal: 0.10 s\n\n\
                 The kernel's boot.\n"
            ),
            "{md}"
        );
        assert_eq!(md.matches("The kernel's boot.").count(), 1, "{md}");
        assert_eq!(
            why_headings("x86_64", "QEMU start -> last line: pt")[1],
            "## x86_64: QEMU start -> last line"
        );
    }

    #[test]
    fn a_note_is_shown_under_its_title() {
        let why = "# Why\n\n## Note: What slowed x86_64\n\nTwo cargo\nruns.\n\n## x86_64: y\n\nz\n";
        let md = performance_md(&a_bench(), why).unwrap();
        assert!(
            md.contains("\n## Notes\n\n### What slowed x86_64\n\nTwo cargo runs.\n"),
            "{md}"
        );
    }
}
