// SPDX-License-Identifier: BSD-2-Clause

//! Host-side tools for the mapping tutorial: everything between `make` and QEMU. Data flows one
//! way: the catalogue (architectures, exercises, stages) -> a stage's text (stages) -> the image
//! (image, kernel, loader) -> the boot (boot, qemu) -> the verdict (expect, boot_check).

pub mod bench;

pub mod book;
pub mod boot;
pub mod boot_check;
pub mod catalogue;
pub mod command;
pub mod commands;
pub mod coverage;
pub mod debugger;
pub mod documented;
pub mod elf_check;
pub mod expect;
pub mod files;
pub mod gdbstub;
pub mod image;
pub mod kernel;
pub mod links;
pub mod loader;
pub mod names;
pub mod observed;
pub mod paging;
pub mod practice;
pub mod project;
pub mod qemu;
pub mod questions;
pub mod recorded_walk;
pub mod semantics;
pub mod sites;
pub mod solutions;
pub mod stages;
pub mod symbolize;
pub mod toolchain;
pub mod walk;
