// SPDX-License-Identifier: BSD-2-Clause

//! Host-side tools for the mapping tutorial: everything between `make` and QEMU. Data flows one
//! way: the catalogue (architectures, exercises, stages) -> a stage's text (stages) -> the image
//! (image, kernel, loader) -> the boot (boot, qemu) -> the verdict (expect, boot_check).

pub mod bench;
pub mod book;
pub mod boot;
pub mod catalogue;
pub mod check;
pub mod commands;
pub mod exercise;
pub mod image;
pub mod learner;
pub mod project;
pub mod semantics;
pub mod support;
pub mod walk;
