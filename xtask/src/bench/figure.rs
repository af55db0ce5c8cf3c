// SPDX-License-Identifier: BSD-2-Clause

//! What `make bench` measures, as data: a figure's samples, with the goal it is held to and the C
//! tutorial's figure beside it, each architecture's figures, and a whole run (its JSON).

use serde::{Deserialize, Serialize};

/// One measured figure.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Figure {
    pub name: String,
    pub unit: String,
    pub samples: Vec<f64>,
    /// The goal: at most this much, in the figure's unit (bench/goals.rs).
    #[serde(default)]
    pub goal: Option<f64>,
    /// The goal as words, where a number alone would not say it (`20 % over native`).
    #[serde(default)]
    pub goal_text: Option<String>,
    /// The C tutorial's figure, as its table writes it.
    #[serde(default)]
    pub c_tutorial: Option<String>,
    /// The day it was measured (YYYY-MM-DD); none in a run from before days were kept.
    #[serde(default)]
    pub measured: Option<String>,
}

impl Figure {
    pub(crate) fn new(name: impl Into<String>, unit: &str, samples: Vec<f64>) -> Self {
        Self {
            name: name.into(),
            unit: unit.to_owned(),
            samples,
            goal: None,
            goal_text: None,
            c_tutorial: None,
            measured: None,
        }
    }

    /// Held to `at_most` (in the figure's unit).
    pub(crate) fn goal(mut self, at_most: f64) -> Self {
        self.goal = Some(at_most);
        self
    }

    /// Held to `at_most`, which `text` says in words.
    pub(crate) fn goal_said(mut self, at_most: f64, text: String) -> Self {
        self.goal = Some(at_most);
        self.goal_text = Some(text);
        self
    }

    /// Shown beside the C tutorial's figure `c`, where there is one.
    pub(crate) fn beside_c(mut self, c: Option<&str>) -> Self {
        self.c_tutorial = c.map(str::to_owned);
        self
    }

    /// Whether the median is over the goal.
    pub fn misses_its_goal(&self) -> bool {
        self.goal.is_some_and(|goal| self.median() > goal)
    }

    fn sorted(&self) -> Vec<f64> {
        let mut s = self.samples.clone();
        s.sort_by(f64::total_cmp);
        s
    }

    pub fn min(&self) -> f64 {
        self.sorted()[0]
    }

    pub fn median(&self) -> f64 {
        let s = self.sorted();
        s[s.len() / 2]
    }

    pub fn max(&self) -> f64 {
        *self.sorted().last().expect("a figure has samples")
    }
}

/// Today, as YYYY-MM-DD (UTC), from the system clock.
pub fn today() -> String {
    crate::support::clock::Utc::now().date()
}

/// Every figure of one architecture.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct ArchFigures {
    pub arch: String,
    pub figures: Vec<Figure>,
}

/// What `make bench` measured: each architecture's figures, those of every architecture
/// together (when it measured them all), and the container route's (x86_64; when an engine is
/// there).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct Bench {
    pub arches: Vec<ArchFigures>,
    pub shared: Vec<Figure>,
    pub container: Vec<Figure>,
}

impl Bench {
    /// Every figure, stamped as measured on `day`.
    pub fn stamped(mut self, day: &str) -> Self {
        let figures = self.arches.iter_mut().flat_map(|a| a.figures.iter_mut());
        for f in figures
            .chain(self.shared.iter_mut())
            .chain(self.container.iter_mut())
        {
            f.measured = Some(day.to_owned());
        }
        self
    }

    /// These figures with `newer`'s in place of each of the same section and name, and
    /// `newer`'s others added: a run of one architecture or one group of figures updates those.
    pub fn updated_by(mut self, newer: Bench) -> Self {
        for arch in newer.arches {
            match self.arches.iter_mut().find(|a| a.arch == arch.arch) {
                Some(old) => update(&mut old.figures, arch.figures),
                None => self.arches.push(arch),
            }
        }
        update(&mut self.shared, newer.shared);
        update(&mut self.container, newer.container);
        self
    }
}

fn update(figures: &mut Vec<Figure>, newer: Vec<Figure>) {
    for f in newer {
        match figures.iter_mut().find(|old| old.name == f.name) {
            Some(old) => *old = f,
            None => figures.push(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_newer_run_replaces_its_own_figures_and_keeps_the_others() {
        let fig = |name: &str, v: f64| Figure::new(name, "s", vec![v]);
        let arch = |name: &str, figures| ArchFigures {
            arch: name.into(),
            figures,
        };
        let old = Bench {
            arches: vec![arch("x86_64", vec![fig("a", 1.0), fig("b", 2.0)])],
            shared: vec![fig("book", 3.0)],
            container: Vec::new(),
        };
        let newer = Bench {
            arches: vec![
                arch("x86_64", vec![fig("b", 5.0), fig("c", 6.0)]),
                arch("aarch64", vec![fig("a", 7.0)]),
            ],
            shared: Vec::new(),
            container: vec![fig("image", 8.0)],
        }
        .stamped("2026-12-06");
        let merged = old.updated_by(newer);
        let x86: Vec<(&str, f64)> = merged.arches[0]
            .figures
            .iter()
            .map(|f| (f.name.as_str(), f.median()))
            .collect();
        assert_eq!(x86, [("a", 1.0), ("b", 5.0), ("c", 6.0)]);
        assert_eq!(merged.arches[0].figures[0].measured, None);
        assert_eq!(
            merged.arches[0].figures[1].measured.as_deref(),
            Some("2026-12-06")
        );
        assert_eq!(merged.arches[1].arch, "aarch64");
        assert_eq!(merged.shared[0].median(), 3.0);
        assert_eq!(merged.container[0].name, "image");
    }
}
