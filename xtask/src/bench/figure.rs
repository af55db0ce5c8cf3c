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
