// SPDX-License-Identifier: BSD-2-Clause

//! The root tasks' pure level-to-structure mapping (lib/src/missing_level.rs), tested on the host:
//! its unit tests run here, in a hosted test crate, since lib/ itself is built only for the seL4
//! targets.

#[path = "../lib/src/missing_level.rs"]
mod missing_level;
