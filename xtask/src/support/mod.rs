// SPDX-License-Identifier: BSD-2-Clause

//! What every other part stands on: running a tool and showing or keeping its output
//! ([`process`]), writing files whole ([`files`]), what the builds are made from beyond the
//! project's own files ([`toolchain`]), what is built once and kept ([`cache`]), and the date
//! ([`clock`]).

pub mod cache;
pub mod clock;
pub mod files;
pub mod process;
pub mod toolchain;
