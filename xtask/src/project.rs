// SPDX-License-Identifier: BSD-2-Clause

//! Where things are in the project checkout.

use std::path::{Path, PathBuf};

pub struct Project {
    root: PathBuf,
}

impl Project {
    /// The checkout this tool was built from (xtask/ lives at its top level).
    pub fn here() -> Self {
        let xtask = Path::new(env!("CARGO_MANIFEST_DIR"));
        Self {
            root: xtask.parent().expect("xtask/ has a parent").to_path_buf(),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The learner's file.
    pub fn main_rs(&self) -> PathBuf {
        self.root.join("src/main.rs")
    }

    pub fn build_dir(&self) -> PathBuf {
        self.root.join("build")
    }

    /// The kernel as QEMU's multiboot loader wants it (32-bit ELF), made by tools/build-kernel.
    pub fn kernel_image(&self) -> PathBuf {
        self.build_dir().join("kernel/kernel32.elf")
    }

    /// The QEMU machine definition shared by every run.
    pub fn machine_definition(&self) -> PathBuf {
        self.root.join("qemu/pc99.args")
    }

    /// The lines a stage must print, kept beside the tests.
    pub fn expected_log(&self, stage: &str) -> PathBuf {
        self.root
            .join("tests/expected")
            .join(format!("{stage}.txt"))
    }

    /// Where a stage's derived copy of the crate is built.
    pub fn stage_dir(&self, stage: &str) -> PathBuf {
        self.build_dir().join("stages").join(stage)
    }

    pub fn images_dir(&self) -> PathBuf {
        self.build_dir().join("images")
    }

    pub fn logs_dir(&self) -> PathBuf {
        self.build_dir().join("logs")
    }

    /// The cargo target directory shared by src/main.rs and every stage copy, so that the
    /// rust-sel4 dependencies are compiled once.
    pub fn target_dir(&self) -> PathBuf {
        self.root.join("target")
    }
}
