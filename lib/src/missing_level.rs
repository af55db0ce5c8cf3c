// SPDX-License-Identifier: BSD-2-Clause

//! Which paging structure a failed x86_64 mapping is missing, from the lookup level the kernel
//! reports with `seL4_FailedLookup` ([`crate::mapping_failed_lookup_level`]).
//!
//! The level is the number of address bits the kernel could not translate: the PML4 (the VSpace
//! itself) translates bits 47..39, so with no PDPT below it 39 bits are left; a PDPT leaves 30 and
//! a page directory 21. Pure code with no dependencies, so that the host tests can check it
//! (tests/missing_level.rs).

use core::fmt;

/// A paging structure below the PML4, as the mapping invocations need them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PagingObject {
    /// `seL4_X86_PDPTObject`: maps 512 GiB, in 1 GiB entries.
    Pdpt,
    /// `seL4_X86_PageDirectoryObject`: maps 1 GiB, in 2 MiB entries.
    PageDirectory,
    /// `seL4_X86_PageTableObject`: maps 2 MiB, in 4 KiB entries.
    PageTable,
}

/// A lookup level that names no x86_64 paging structure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownLevel(pub usize);

impl PagingObject {
    /// The structure that is missing when a mapping fails at `level`: 39, 30 or 21.
    pub fn missing_at_level(level: usize) -> Result<Self, UnknownLevel> {
        match level {
            39 => Ok(Self::Pdpt),
            30 => Ok(Self::PageDirectory),
            21 => Ok(Self::PageTable),
            other => Err(UnknownLevel(other)),
        }
    }

    /// The structure's name, as the tutorial text writes it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Pdpt => "PDPT",
            Self::PageDirectory => "page directory",
            Self::PageTable => "page table",
        }
    }
}

impl fmt::Display for PagingObject {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for UnknownLevel {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "lookup level {} names no x86_64 paging structure: the levels are 39 (PDPT), \
             30 (page directory) and 21 (page table)",
            self.0
        )
    }
}

/// The structures made on the way to one mapping, in order: at most one of each.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Made {
    made: [Option<PagingObject>; 3],
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
            f.write_str(object.name())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_lists_each_structure_once_in_order() {
        let mut made = Made::default();
        assert_eq!(made.to_string(), "nothing");
        assert!(made.push(PagingObject::PageDirectory));
        assert!(made.push(PagingObject::PageTable));
        assert!(!made.push(PagingObject::PageTable), "a repeat is refused");
        assert_eq!(made.len(), 2);
        assert_eq!(made.to_string(), "page directory, page table");
        assert!(made.push(PagingObject::Pdpt));
        assert_eq!(made.to_string(), "page directory, page table, PDPT");
    }

    #[test]
    fn each_x86_64_level_names_its_structure() {
        assert_eq!(PagingObject::missing_at_level(39), Ok(PagingObject::Pdpt));
        assert_eq!(
            PagingObject::missing_at_level(30),
            Ok(PagingObject::PageDirectory)
        );
        assert_eq!(
            PagingObject::missing_at_level(21),
            Ok(PagingObject::PageTable)
        );
    }

    #[test]
    fn any_other_level_is_an_error_that_lists_the_valid_ones() {
        for level in [0, 1, 12, 20, 22, 29, 31, 38, 40, 47, 48, usize::MAX] {
            let err = PagingObject::missing_at_level(level).unwrap_err();
            assert_eq!(err, UnknownLevel(level));
            let text = err.to_string();
            assert!(
                text.starts_with(&format!("lookup level {level} names no")),
                "{text}"
            );
            assert!(text.contains("39 (PDPT), 30 (page directory) and 21 (page table)"));
        }
    }

    #[test]
    fn names_are_the_tutorial_text_s() {
        assert_eq!(PagingObject::Pdpt.to_string(), "PDPT");
        assert_eq!(PagingObject::PageDirectory.to_string(), "page directory");
        assert_eq!(PagingObject::PageTable.name(), "page table");
    }
}
