// SPDX-License-Identifier: BSD-2-Clause

//! The architecture, exercise and stage a command is about, checked against the catalogue: an
//! unknown name is refused with the valid ones, and nothing is built.

use anyhow::{Result, bail};

use super::{Pick, WalkOptions};
use crate::catalogue::{self, Arch, ExerciseRef, StageRef};
use crate::image::Source;

/// A [`Pick`] checked against the catalogue.
#[derive(Clone, Copy)]
pub struct Picked {
    pub arch: &'static Arch,
    /// Whether ARCH= named one (a command about every architecture then takes only it).
    pub arch_given: bool,
    pub stage: Option<StageRef>,
    pub exercise: Option<ExerciseRef>,
}

impl Pick {
    /// The names checked: an unknown one is refused with the valid ones.
    pub fn check(&self) -> Result<Picked> {
        let arch = catalogue::find_arch(self.arch.as_deref().unwrap_or_default())?;
        let stage = match &self.stage {
            None => None,
            Some(name) => Some(arch.find_stage(name)?),
        };
        let exercise = match &self.exercise {
            None => None,
            Some(name) => Some(arch.find_exercise(name)?),
        };
        if let (Some(stage), Some(exercise)) = (stage, exercise)
            && stage.exercise() != exercise
        {
            bail!(
                "stage '{}' belongs to exercise '{}', not '{}'",
                stage.name(),
                stage.exercise.name,
                exercise.exercise.name
            );
        }
        Ok(Picked {
            arch,
            arch_given: self.arch.is_some(),
            stage,
            exercise,
        })
    }
}

impl Pick {
    /// The kernels `make semantics` boots: the one ARCH= names (an architecture's, or one the
    /// suite alone boots: catalogue::suite_kernels), or every one.
    pub fn suite_kernels(&self) -> Result<SuiteKernels> {
        if self.stage.is_some() || self.exercise.is_some() {
            bail!("the paging-semantics suite takes no STAGE= or EXERCISE=: it is no exercise");
        }
        Ok(match self.arch.as_deref() {
            None => SuiteKernels {
                kernels: catalogue::suite_kernels().collect(),
                all: true,
            },
            Some(name) => SuiteKernels {
                kernels: vec![catalogue::find_suite_kernel(name)?],
                all: false,
            },
        })
    }
}

/// The kernels a `make semantics` boots.
pub struct SuiteKernels {
    pub kernels: Vec<&'static Arch>,
    /// Whether they are every one (no ARCH=): then the generated tables are made.
    pub all: bool,
}

impl Picked {
    /// The exercise the command is about: the stage's, the one named, or the main one.
    pub fn exercise(&self) -> ExerciseRef {
        match (self.stage, self.exercise) {
            (Some(stage), _) => stage.exercise(),
            (None, Some(exercise)) => exercise,
            (None, None) => self.arch.main_exercise(),
        }
    }

    /// What to build: the stage named, or the exercise's file as it is.
    pub fn source(&self) -> Source<'static> {
        match self.stage {
            Some(stage) => Source::Stage(stage),
            None => Source::File(self.exercise()),
        }
    }

    /// The architectures a command about all of them takes: the one named, or every one.
    pub fn arches(&self) -> Vec<&'static Arch> {
        match self.arch_given {
            true => vec![self.arch],
            false => catalogue::ARCHES.iter().collect(),
        }
    }

    /// make's arguments that name this pick again (` ARCH=aarch64 STAGE=pt-l2`).
    pub fn make_args(&self) -> String {
        match self.stage {
            Some(stage) => stage.make_args(),
            None => self.exercise().make_args(),
        }
    }
}

impl WalkOptions {
    /// The address given, if any: ADDR= alone means WALK=1.
    pub(super) fn wanted(&self) -> Option<Option<&str>> {
        match (self.walk, self.addr.as_deref()) {
            (false, None) => None,
            (_, addr) => Some(addr),
        }
    }
}
