// SPDX-License-Identifier: BSD-2-Clause

//! The cases, by topic, in the order they run. Each topic's cases share a shape of question; a
//! case that applies to some architectures only says so with `#[cfg(...)]`, and an expectation
//! that differs from one kernel to the next is given per architecture (`by_arch!`).
//!
//! Each case prepares its own addresses ([`Env::region`](crate::env::Env::region)), so no case
//! depends on what another left mapped.

use crate::case::Case;

mod access;
mod addresses;
mod asids;
#[cfg(any(target_arch = "aarch64", target_arch = "arm"))]
mod cache;
#[cfg(not(target_arch = "x86_64"))]
mod execute;
mod mapped_caps;
mod messages;
mod missing;
mod neighbours;
mod occupied;
mod order;
mod physical;
mod rights;
mod unmapping;
mod vspace;
mod wrong_object;

/// Every topic's cases, as `(topic, cases)`: a case's full name is `topic::case`.
pub const TOPICS: &[(&str, &[Case])] = &[
    ("missing", missing::CASES),
    ("occupied", occupied::CASES),
    ("mapped_caps", mapped_caps::CASES),
    ("addresses", addresses::CASES),
    ("vspace", vspace::CASES),
    ("wrong_object", wrong_object::CASES),
    ("messages", messages::CASES),
    ("unmapping", unmapping::CASES),
    ("access", access::CASES),
    ("rights", rights::CASES),
    ("neighbours", neighbours::CASES),
    ("asids", asids::CASES),
    ("physical", physical::CASES),
    ("order", order::CASES),
    #[cfg(any(target_arch = "aarch64", target_arch = "arm"))]
    ("cache", cache::CASES),
    #[cfg(not(target_arch = "x86_64"))]
    ("execute", execute::CASES),
];
