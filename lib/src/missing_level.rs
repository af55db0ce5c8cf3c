// SPDX-License-Identifier: BSD-2-Clause

//! Which paging structure a failed mapping is missing, from the lookup level the kernel reports
//! with `seL4_FailedLookup` ([`crate::mapping_failed_lookup_level`]), on each architecture.
//!
//! The level is the number of address bits the kernel could not translate. On x86_64 the PML4
//! (the VSpace itself) translates bits 47..39, so with no PDPT below it 39 bits are left; a PDPT
//! leaves 30 and a page directory 21. ARM and RISC-V have one page table type for every level
//! below the VSpace, so the level says which page table, in the architecture's own numbering,
//! and how many levels there are depends on the kernel's configuration ([`Scheme`]).
//!
//! Pure code with no dependencies but the kernel configuration in [`Scheme::this_kernel`], so that
//! the host tests can check every architecture's answers (tests/missing_level.rs).

use core::fmt;

/// A paging structure below the VSpace, as the mapping invocations need them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PagingObject {
    /// `seL4_X86_PDPTObject`: maps 512 GiB, in 1 GiB entries.
    Pdpt,
    /// `seL4_X86_PageDirectoryObject`: maps 1 GiB, in 2 MiB entries.
    PageDirectory,
    /// A page table: x86_64's `seL4_X86_PageTableObject` (2 MiB, in 4 KiB entries), or aarch32's
    /// `seL4_ARM_PageTableObject` below the page directory (1 MiB, in 4 KiB entries).
    PageTable,
    /// A page table of an architecture that numbers its levels (`seL4_ARM_PageTableObject` on
    /// aarch64, `seL4_RISCV_PageTableObject`): aarch64 counts from the top (the VSpace is level
    /// 0 or 1, the last page table level 3), RISC-V from the bottom (the last page table is level
    /// 0, the root level 2 on Sv39).
    LevelPageTable(u8),
}

impl PagingObject {
    /// The structure that is missing when a mapping on this kernel fails at `level`.
    pub fn missing_at_level(level: usize) -> Result<Self, UnknownLevel> {
        Scheme::this_kernel().missing_at_level(level)
    }
}

impl fmt::Display for PagingObject {
    /// As the tutorial text and the architecture's manual write it.
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Self::Pdpt => f.write_str("PDPT"),
            Self::PageDirectory => f.write_str("page directory"),
            Self::PageTable => f.write_str("page table"),
            Self::LevelPageTable(level) => write!(f, "level-{level} page table"),
        }
    }
}

/// How a kernel's lookup levels name the missing structures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// x86_64: a PDPT, a page directory and a page table below the PML4.
    X86_64,
    /// aarch64 with `levels` levels of translation, the VSpace's included: 4, or 3 on a
    /// hypervisor kernel for 40-bit physical addresses, whose VSpace is a level-1 table.
    Aarch64 { levels: u8 },
    /// RISC-V with `levels` levels, the root page table's included (`KernelPTLevels`: 3 for
    /// Sv39, 2 for Sv32), each table indexed by `index_bits` bits (9; 10 on Sv32).
    Riscv { levels: u8, index_bits: u8 },
    /// aarch32: a page table below the page directory.
    Aarch32,
}

/// A 4 KiB page's bits: what is left when every structure is there.
const PAGE_BITS: usize = 12;

impl Scheme {
    /// This kernel's scheme, from its configuration.
    #[cfg(target_arch = "x86_64")]
    pub fn this_kernel() -> Self {
        Self::X86_64
    }

    /// This kernel's scheme, from its configuration. (rust-sel4's `vspace_levels::NUM_LEVELS`
    /// says 4 on every aarch64 kernel; seL4's include/config.h starts a hypervisor kernel's
    /// VSpace at level 1 when physical addresses have 40 bits.)
    #[cfg(target_arch = "aarch64")]
    pub fn this_kernel() -> Self {
        use sel4_config::sel4_cfg_bool;
        let starts_at_level_1 =
            sel4_cfg_bool!(ARM_HYPERVISOR_SUPPORT) && sel4_cfg_bool!(ARM_PA_SIZE_BITS_40);
        Self::Aarch64 {
            levels: if starts_at_level_1 { 3 } else { 4 },
        }
    }

    /// This kernel's scheme, from its configuration.
    #[cfg(any(target_arch = "riscv64", target_arch = "riscv32"))]
    pub fn this_kernel() -> Self {
        Self::Riscv {
            levels: sel4_config::sel4_cfg_usize!(PT_LEVELS) as u8,
            index_bits: if cfg!(target_arch = "riscv64") { 9 } else { 10 },
        }
    }

    /// This kernel's scheme.
    #[cfg(target_arch = "arm")]
    pub fn this_kernel() -> Self {
        Self::Aarch32
    }

    /// The architecture's name, for messages.
    pub fn arch(self) -> &'static str {
        match self {
            Self::X86_64 => "x86_64",
            Self::Aarch64 { .. } => "aarch64",
            Self::Riscv { .. } => "RISC-V",
            Self::Aarch32 => "aarch32",
        }
    }

    /// The levels a lookup can fail at, the top one first, with what is missing at each: at
    /// most four.
    pub fn levels(self) -> impl Iterator<Item = (usize, PagingObject)> {
        let (count, step) = match self {
            Self::X86_64 => (3, 9),
            // The tables below the VSpace.
            Self::Aarch64 { levels } => (usize::from(levels.saturating_sub(1)), 9),
            Self::Riscv { levels, index_bits } => {
                (usize::from(levels.saturating_sub(1)), index_bits.into())
            }
            Self::Aarch32 => (1, 8),
        };
        (0..count.min(4)).rev().map(move |k| {
            // k structures below the missing one: a page table's entries map pages.
            let level = PAGE_BITS + step * (k + 1);
            let object = match self {
                Self::X86_64 => [
                    PagingObject::PageTable,
                    PagingObject::PageDirectory,
                    PagingObject::Pdpt,
                ][k],
                Self::Aarch64 { .. } => PagingObject::LevelPageTable(3 - k as u8),
                Self::Riscv { .. } => PagingObject::LevelPageTable(k as u8),
                Self::Aarch32 => PagingObject::PageTable,
            };
            (level, object)
        })
    }

    /// The structure that is missing when a mapping fails at `level`.
    pub fn missing_at_level(self, level: usize) -> Result<PagingObject, UnknownLevel> {
        self.levels()
            .find(|&(known, _)| known == level)
            .map(|(_, object)| object)
            .ok_or(UnknownLevel {
                level,
                scheme: self,
            })
    }
}

/// A lookup level that names no paging structure of the kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownLevel {
    pub level: usize,
    pub scheme: Scheme,
}

/// `lookup level 12 names no paging structure of this x86_64 kernel: its levels are 39 (PDPT),
/// 30 (page directory) and 21 (page table)`.
impl fmt::Display for UnknownLevel {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "lookup level {} names no paging structure of this {} kernel: its levels are ",
            self.level,
            self.scheme.arch()
        )?;
        let count = self.scheme.levels().count();
        for (k, (level, object)) in self.scheme.levels().enumerate() {
            let separator = match k {
                0 => "",
                k if k + 1 == count => " and ",
                _ => ", ",
            };
            write!(f, "{separator}{level} ({object})")?;
        }
        Ok(())
    }
}

/// The structures made on the way to one mapping, in order: at most one of each.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Made {
    made: [Option<PagingObject>; 4],
}

impl Made {
    /// Adds `object`; false, and nothing added, if it was made already (a kernel that reports
    /// the same level twice) or the list is full.
    pub fn push(&mut self, object: PagingObject) -> bool {
        if self.made.contains(&Some(object)) {
            return false;
        }
        match self.made.iter_mut().find(|slot| slot.is_none()) {
            Some(slot) => {
                *slot = Some(object);
                true
            }
            None => false,
        }
    }

    pub fn len(&self) -> usize {
        self.made.iter().flatten().count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// `PDPT, page directory, page table`, or `nothing`.
impl fmt::Display for Made {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("nothing");
        }
        for (k, object) in self.made.iter().flatten().enumerate() {
            if k > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{object}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::PagingObject::*;
    use super::*;

    /// The kernels this project builds (sel4-kernel-config/), and aarch64's other shape.
    const X86_64: Scheme = Scheme::X86_64;
    const AARCH64: Scheme = Scheme::Aarch64 { levels: 4 };
    const AARCH64_3_LEVELS: Scheme = Scheme::Aarch64 { levels: 3 };
    const RISCV64: Scheme = Scheme::Riscv {
        levels: 3,
        index_bits: 9,
    };
    const RISCV32: Scheme = Scheme::Riscv {
        levels: 2,
        index_bits: 10,
    };
    const AARCH32: Scheme = Scheme::Aarch32;

    fn levels(scheme: Scheme) -> Vec<(usize, PagingObject)> {
        scheme.levels().collect()
    }

    #[test]
    fn each_kernel_s_levels_name_its_structures_from_the_top() {
        assert_eq!(
            levels(X86_64),
            [(39, Pdpt), (30, PageDirectory), (21, PageTable)]
        );
        assert_eq!(
            levels(AARCH64),
            [
                (39, LevelPageTable(1)),
                (30, LevelPageTable(2)),
                (21, LevelPageTable(3))
            ]
        );
        assert_eq!(
            levels(AARCH64_3_LEVELS),
            [(30, LevelPageTable(2)), (21, LevelPageTable(3))]
        );
        assert_eq!(
            levels(RISCV64),
            [(30, LevelPageTable(1)), (21, LevelPageTable(0))]
        );
        assert_eq!(levels(RISCV32), [(22, LevelPageTable(0))]);
        assert_eq!(levels(AARCH32), [(20, PageTable)]);
    }

    #[test]
    fn the_kernel_s_own_levels_are_found() {
        for scheme in [X86_64, AARCH64, AARCH64_3_LEVELS, RISCV64, RISCV32, AARCH32] {
            for (level, object) in scheme.levels() {
                assert_eq!(scheme.missing_at_level(level), Ok(object), "{scheme:?}");
            }
        }
    }

    #[test]
    fn any_other_level_is_an_error_that_lists_the_valid_ones() {
        let bad = [
            0,
            1,
            12,
            13,
            20,
            21,
            22,
            29,
            30,
            31,
            38,
            39,
            40,
            47,
            48,
            usize::MAX,
        ];
        for scheme in [X86_64, AARCH64, AARCH64_3_LEVELS, RISCV64, RISCV32, AARCH32] {
            let valid: Vec<usize> = scheme.levels().map(|(level, _)| level).collect();
            for level in bad.into_iter().filter(|level| !valid.contains(level)) {
                let err = scheme.missing_at_level(level).unwrap_err();
                assert_eq!(err, UnknownLevel { level, scheme });
                let text = err.to_string();
                assert!(
                    text.starts_with(&format!("lookup level {level} names no paging structure")),
                    "{text}"
                );
            }
        }
        // A 3-level aarch64 kernel has no level-1 page table below its VSpace: 39 is no level
        // of its, though it is one of the 4-level kernel's.
        assert!(AARCH64_3_LEVELS.missing_at_level(39).is_err());
    }

    #[test]
    fn the_error_lists_the_kernel_s_levels() {
        let text = |scheme: Scheme, level| scheme.missing_at_level(level).unwrap_err().to_string();
        assert_eq!(
            text(X86_64, 12),
            "lookup level 12 names no paging structure of this x86_64 kernel: its levels are \
             39 (PDPT), 30 (page directory) and 21 (page table)"
        );
        assert_eq!(
            text(AARCH64, 48),
            "lookup level 48 names no paging structure of this aarch64 kernel: its levels are \
             39 (level-1 page table), 30 (level-2 page table) and 21 (level-3 page table)"
        );
        assert_eq!(
            text(RISCV64, 39),
            "lookup level 39 names no paging structure of this RISC-V kernel: its levels are \
             30 (level-1 page table) and 21 (level-0 page table)"
        );
        assert_eq!(
            text(RISCV32, 21),
            "lookup level 21 names no paging structure of this RISC-V kernel: its levels are \
             22 (level-0 page table)"
        );
        assert_eq!(
            text(AARCH32, 22),
            "lookup level 22 names no paging structure of this aarch32 kernel: its levels are \
             20 (page table)"
        );
    }

    #[test]
    fn a_scheme_with_no_levels_knows_none() {
        let empty = Scheme::Riscv {
            levels: 1,
            index_bits: 9,
        };
        assert_eq!(levels(empty), []);
        assert!(empty.missing_at_level(21).is_err());
        assert!(Scheme::Aarch64 { levels: 0 }.levels().next().is_none());
    }

    /// The call the x86_64 exercise makes, which takes this kernel's scheme: the host's
    /// architecture stands in for the target's here.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_exercise_s_call_uses_this_kernel_s_scheme() {
        assert_eq!(Scheme::this_kernel(), X86_64);
        assert_eq!(PagingObject::missing_at_level(39), Ok(Pdpt));
        assert_eq!(PagingObject::missing_at_level(21), Ok(PageTable));
        assert!(PagingObject::missing_at_level(20).is_err());
    }

    #[test]
    fn made_lists_each_structure_once_in_order() {
        let mut made = Made::default();
        assert_eq!(made.to_string(), "nothing");
        assert!(made.push(PageDirectory));
        assert!(made.push(PageTable));
        assert!(!made.push(PageTable), "a repeat is refused");
        assert_eq!(made.len(), 2);
        assert_eq!(made.to_string(), "page directory, page table");
        assert!(made.push(Pdpt));
        assert_eq!(made.to_string(), "page directory, page table, PDPT");

        let mut made = Made::default();
        assert!(made.push(LevelPageTable(1)));
        assert!(made.push(LevelPageTable(0)));
        assert!(!made.push(LevelPageTable(1)));
        assert_eq!(made.to_string(), "level-1 page table, level-0 page table");
    }

    #[test]
    fn names_are_the_tutorial_text_s() {
        assert_eq!(Pdpt.to_string(), "PDPT");
        assert_eq!(PageDirectory.to_string(), "page directory");
        assert_eq!(PageTable.to_string(), "page table");
        assert_eq!(LevelPageTable(3).to_string(), "level-3 page table");
    }
}
