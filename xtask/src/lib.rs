// SPDX-License-Identifier: BSD-2-Clause

//! Host-side tools for the mapping tutorial: everything between `make` and QEMU.

pub mod bench;
pub mod boot_check;
pub mod debugger;
pub mod documented;
pub mod elf_check;
pub mod expect;
pub mod image;
pub mod project;
pub mod qemu;
pub mod semantics;
pub mod solutions;
pub mod stages;
pub mod symbolize;
