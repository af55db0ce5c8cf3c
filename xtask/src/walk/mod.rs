// SPDX-License-Identifier: BSD-2-Clause

//! The walk of an address through the translation tables the kernel wrote (`make walk`, `make
//! simulate WALK=1`): which addresses ([`addresses`]), driving QEMU's gdb stub to read the tables
//! while the program runs ([`walker`], over [`gdbstub`]), what each entry means ([`tables`]), the
//! picture ([`draw`]) and the walks held to the kernel's own words ([`compare`]). This module has
//! what they share: a walk, level by level.

pub mod addresses;
pub mod compare;
pub mod draw;
pub mod gdbstub;
pub mod tables;
pub mod walker;

use anyhow::{Context, Result};

use crate::walk::tables::{Entry, Format, Level, Page, Tables};

/// One address to walk, and what it is called (`TEST_VADDR`, or `ADDR=`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub name: String,
    pub value: u64,
}

/// One level of a walk: the table, the entry the address selects and what it says.
#[derive(Debug, Clone)]
pub struct Step {
    pub level: Level,
    pub table: u64,
    pub index: u64,
    pub raw: u64,
    pub entry: Entry,
}

/// A whole walk.
#[derive(Debug, Clone)]
pub struct Walk {
    pub format: Format,
    pub address: Address,
    pub register: u64,
    pub steps: Vec<Step>,
}

impl Walk {
    /// Where it ended: the unresolved bits at a missing entry, or the page.
    pub fn unresolved_bits(&self) -> Option<u32> {
        let last = self.steps.last()?;
        (last.entry == Entry::Invalid).then_some(last.level.low)
    }

    pub fn page(&self) -> Option<&Page> {
        match &self.steps.last()?.entry {
            Entry::Page(page) => Some(page),
            _ => None,
        }
    }

    /// The walk without its physical addresses, a line per level and one for where it ends: what
    /// the tests compare with tests/expected/<arch>/<stage>.walk (addresses vary between runs).
    pub fn outline(&self) -> Vec<String> {
        let mut lines = vec![format!(
            "walk of {} = {:#x}",
            self.address.name, self.address.value
        )];
        for step in &self.steps {
            let meaning = match &step.entry {
                Entry::Invalid => "invalid".to_owned(),
                Entry::Table(_) => "next table".to_owned(),
                Entry::Page(page) => {
                    format!("{} page, {}", tables::size_name(page.size), page.rights())
                }
            };
            lines.push(format!(
                "{} [{}] bits {}..{}: {meaning}",
                step.level.name, step.index, step.level.high, step.level.low
            ));
        }
        match (self.unresolved_bits(), self.page()) {
            (Some(bits), _) => lines.push(format!("unresolved: {bits} bits")),
            (None, Some(page)) => lines.push(format!(
                "offset in the page: {:#x}",
                self.address.value & (page.size - 1)
            )),
            (None, None) => {}
        }
        lines
    }
}

/// The walk of `address` through `tables` from the root table at `root` (`register` holds it),
/// reading each entry with `read(address, bytes)`: as the hardware walks, one entry per level,
/// until an entry is not a table's. `make walk` reads through QEMU's gdb stub ([`walker`]); the
/// book reads its recordings.
pub fn walk_with(
    tables: &Tables,
    root: u64,
    register: u64,
    address: &Address,
    mut read: impl FnMut(u64, usize) -> Result<u64>,
) -> Result<Walk> {
    let format = tables.format;
    let mut steps = Vec::new();
    let mut table = root;
    for (depth, level) in tables.levels().iter().enumerate() {
        let bits = level.high - level.low + 1;
        let index = address.value >> level.low & ((1 << bits) - 1);
        let size = format.entry_bytes();
        let raw = read(table + index * size, size as usize)
            .with_context(|| format!("cannot read the {} at {table:#x}", level.name))?;
        let entry = tables.decode(depth, raw);
        let next = match entry {
            Entry::Table(next) => Some(next),
            _ => None,
        };
        steps.push(Step {
            level: *level,
            table,
            index,
            raw,
            entry,
        });
        match next {
            Some(next) => table = next,
            None => break,
        }
    }
    Ok(Walk {
        format,
        address: address.clone(),
        register,
        steps,
    })
}
