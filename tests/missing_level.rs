// SPDX-License-Identifier: BSD-2-Clause

//! The root task's pure level-to-structure mapping (lib/src/missing_level.rs), tested on the host:
//! its unit tests run here, in a hosted test crate, since the root task's own crate is
//! freestanding.

#[path = "../lib/src/missing_level.rs"]
mod missing_level;
