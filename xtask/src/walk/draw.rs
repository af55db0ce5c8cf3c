// SPDX-License-Identifier: BSD-2-Clause

//! A walk drawn for the learner: a box per table, the entry taken, an arrow to the next, and
//! where the walk ends.

use std::fmt::Write as _;

use crate::walk::Walk;
use crate::walk::tables::{self, Entry};

impl Walk {
    /// The picture: a box per table, the entry taken, an arrow to the next.
    pub fn render(&self) -> Vec<String> {
        let digits = (self.format.entry_bytes() * 2) as usize;
        let mut lines = vec![format!(
            "==> The walk of {} = {:#x} through the tables the kernel wrote ({} = {:#x}):",
            self.address.name,
            self.address.value,
            self.format.root_register_name(),
            self.register
        )];
        let cells: Vec<(String, String)> = self
            .steps
            .iter()
            .map(|step| {
                (
                    format!("{} at {:#x}", step.level.name, step.table),
                    format!(
                        "[{}] bits {}..{}  {:#0digits$x}",
                        step.index,
                        step.level.high,
                        step.level.low,
                        step.raw,
                        digits = digits + 2
                    ),
                )
            })
            .collect();
        let width = cells
            .iter()
            .map(|(title, row)| (title.chars().count() + 2).max(row.chars().count()))
            .max()
            .unwrap_or(0);
        for ((title, row), step) in cells.iter().zip(&self.steps) {
            let (edge, meaning) = drawn_entry(&step.entry);
            let rule = "─".repeat(width - title.chars().count() - 1);
            lines.push(format!("    ┌─ {title} {rule}┐"));
            lines.push(format!("    │ {row:<width$} {edge} {meaning}"));
            lines.push(format!("    └{}┘", "─".repeat(width + 2)));
        }
        match (self.unresolved_bits(), self.page()) {
            // The last level's entry maps the 4 KiB page itself (every format's last level ends
            // at bit 12): empty, it leaves no structure missing, and seL4 names no level there.
            (Some(12), _) => lines.push(
                "    No page is mapped there: the entry that maps its 4 KiB page is empty, and no \
                 structure is missing."
                    .to_owned(),
            ),
            (Some(bits), _) => lines.push(format!(
                "    Bits {}..0 of the address are still unresolved: {bits} bits, the level seL4 \
                 names as missing.",
                bits - 1
            )),
            (None, Some(page)) => lines.push(format!(
                "    {:#x} is at offset {:#x} in that page: physical address {:#x}.",
                self.address.value,
                self.address.value & (page.size - 1),
                page.physical + (self.address.value & (page.size - 1))
            )),
            (None, None) => {}
        }
        lines
    }
}

/// How the picture of a walk draws an entry beside its table's box: the box's edge (an arrow out
/// of it, or none), and what the entry says.
pub fn drawn_entry(entry: &Entry) -> (&'static str, String) {
    match entry {
        Entry::Invalid => ("│  ", "invalid: the walk stops here".to_owned()),
        Entry::Table(next) => ("├─>", format!("next table at {next:#x}")),
        Entry::Page(page) => (
            "├─>",
            format!(
                "{} page at {:#x}: {}",
                tables::size_name(page.size),
                page.physical,
                page.rights()
            ),
        ),
    }
}

/// Every walk's picture, one after the other.
pub fn render_all(walks: &[Walk]) -> String {
    let mut text = String::new();
    for walk in walks {
        for line in walk.render() {
            let _ = writeln!(text, "{line}");
        }
    }
    text
}
