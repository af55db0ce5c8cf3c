// SPDX-License-Identifier: BSD-2-Clause

//! The learner's exercise files: each stage's text, derived from the shipped file by uncommenting
//! its TODOs' solutions ([`stages`]), and the hints that point from a compiler error to the
//! architecture's own names ([`hints`]).

pub mod hints;
pub mod stages;
