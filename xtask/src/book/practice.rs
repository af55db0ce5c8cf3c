// SPDX-License-Identifier: BSD-2-Clause

//! The practice page's kit (`{{#practice}}`): what the page's script (docs/book/assets/practice.js)
//! makes address-translation problems from, for each architecture, from a seed the reader can
//! share. A problem is a virtual address and the tables on its way; its answer is the walk, as
//! `make walk` draws it.
//!
//! Every entry a problem can hold is made here, at the book's build, from the entries the kernel
//! really wrote (the recorded walks of every stage, docs/book/recorded/<arch>/): each moved to
//! other physical addresses, and decoded again with the walk's own decoder (paging.rs), which must
//! say the same of it but for the address. What an entry means, on the page, is that decoder's
//! word, drawn as walk.rs draws it; the script only picks entries, places them at the indices the
//! address selects, and adds up the offset. The book's browser test walks each problem of a fixed
//! seed with walk.rs and the decoder, and holds the page's answer to that walk.

use std::collections::BTreeSet;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use crate::catalogue::Arch;
use crate::project::Project;
use crate::walk::tables::{Entry, Format, Tables};
use crate::walk::{self, Walk};

/// How many entries the kit holds for each kind of entry the kernel wrote: enough that a problem
/// rarely meets the same address twice.
const PER_KIND: usize = 6;

/// One entry a problem may hold, and what the decoder says of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub raw: u64,
    pub entry: Entry,
}

/// An architecture's kit: its tables' levels, the VSpace root its recordings show, and the entries
/// a problem may hold at each level.
#[derive(Debug, Clone)]
pub struct Kit {
    pub arch: &'static Arch,
    pub tables: Tables,
    /// The root table's address, and the register that holds it, as in the main exercise's
    /// recordings.
    pub root: u64,
    pub register: u64,
    /// A problem's addresses are below 2 to this: the lower half of what the tables translate,
    /// which is below every kernel's user top here.
    pub address_bits: u32,
    /// For each level, root first, the entries a problem may hold there.
    pub blocks: Vec<Vec<Block>>,
}

impl Kit {
    /// `arch`'s kit, from its recordings.
    pub fn of(project: &Project, arch: &'static Arch) -> Result<Self> {
        let start = crate::book::recorded_walk::of_stage(project, arch.main_exercise().start())?;
        let tables = start.tables.clone();
        let first = start.walks.first().context("the start stage has no walk")?;
        let (root, register) = (first.steps[0].table, first.register);
        let mut walks: Vec<Walk> = Vec::new();
        for stage in arch.stages() {
            if project.recorded_walk(arch, stage.name()).exists() {
                let recorded = crate::book::recorded_walk::of_stage(project, stage)?;
                if recorded.tables != tables {
                    bail!(
                        "{arch}/{}: its walks are of other tables than the start stage's",
                        stage.name()
                    );
                }
                walks.extend(recorded.walks);
            }
        }
        // The kernel's entries, one of each kind and attributes at each level.
        let mut kinds: Vec<BTreeSet<(u64, u64)>> = vec![BTreeSet::new(); tables.levels().len()];
        let (mut low, mut high) = (root, root);
        for step in walks.iter().flat_map(|w| &w.steps) {
            let depth = tables
                .levels()
                .iter()
                .position(|l| *l == step.level)
                .expect("a level of these tables");
            let address = match &step.entry {
                Entry::Invalid => continue,
                Entry::Table(next) => *next,
                Entry::Page(page) => page.physical,
            };
            low = low.min(address);
            high = high.max(address);
            let attributes = readdress(tables.format, step.raw, &step.entry, 0);
            kinds[depth].insert((attributes, step.raw));
        }
        // New places for them, in the physical memory the recordings used, in whole GiB.
        const GIB: u64 = 1 << 30;
        let (low, high) = (low / GIB * GIB, (high / GIB + 1) * GIB);
        let mut random = SplitMix(
            arch.name
                .bytes()
                .fold(0x5e14, |h: u64, b| h.wrapping_mul(31) + u64::from(b)),
        );
        let mut blocks = Vec::new();
        for (depth, kinds) in kinds.iter().enumerate() {
            let mut here = Vec::new();
            let mut seen_kind = BTreeSet::new();
            for (attributes, raw) in kinds {
                if !seen_kind.insert(attributes) {
                    continue;
                }
                let entry = tables.decode(depth, *raw);
                let align = match &entry {
                    Entry::Page(page) => page.size,
                    _ => 1 << 12,
                };
                for _ in 0..PER_KIND {
                    let new = low + random.below((high - low) / align) * align;
                    here.push(moved(&tables, depth, *raw, &entry, new).with_context(|| {
                        format!(
                            "{arch}: the kernel's entry {raw:#x} at the {}",
                            tables.levels()[depth].name
                        )
                    })?);
                }
            }
            blocks.push(here);
        }
        let last = blocks.last().map(Vec::as_slice).unwrap_or_default();
        if !last.iter().any(|b| matches!(b.entry, Entry::Page(_))) {
            bail!("{arch}: the recordings show no page at the last level to practise with");
        }
        if let Some(depth) = blocks[..blocks.len() - 1]
            .iter()
            .position(|b| !b.iter().any(|b| matches!(b.entry, Entry::Table(_))))
        {
            bail!(
                "{arch}: the recordings show no table below the {}",
                tables.levels()[depth].name
            );
        }
        if tables.decode(0, 0) != Entry::Invalid {
            bail!("{arch}: an empty entry is not invalid");
        }
        Ok(Self {
            arch,
            address_bits: tables.address_bits() - 1,
            tables,
            root,
            register,
            blocks,
        })
    }

    /// The kit as the page's script reads it: numbers in hexadecimal (64-bit ones do not fit a
    /// JavaScript number), and each entry with what the walk's picture says of it.
    pub fn json(&self) -> Value {
        let hex = |v: u64| format!("{v:#x}");
        let drawn = |entry: &Entry| {
            let (edge, meaning) = walk::draw::drawn_entry(entry);
            json!({"edge": edge, "meaning": meaning})
        };
        json!({
            "arch": self.arch.name,
            "register": self.tables.format.root_register_name(),
            "registerValue": hex(self.register),
            "root": hex(self.root),
            "entryDigits": self.tables.format.entry_bytes() * 2,
            "entryBytes": self.tables.format.entry_bytes(),
            "addressBits": self.address_bits,
            "levels": self.tables.levels().iter().map(|l| json!({
                "name": l.name, "high": l.high, "low": l.low,
            })).collect::<Vec<_>>(),
            "invalid": drawn(&Entry::Invalid),
            // The picture's last line where the walk stops at each level, as walk.rs words it.
            "stops": self.tables.levels().iter().map(|level| {
                let walk = Walk {
                    format: self.tables.format,
                    address: walk::Address { name: String::new(), value: 0 },
                    register: 0,
                    steps: vec![walk::Step {
                        level: *level,
                        table: 0,
                        index: 0,
                        raw: 0,
                        entry: Entry::Invalid,
                    }],
                };
                walk.render().pop()
            }).collect::<Vec<_>>(),
            "blocks": self.blocks.iter().map(|blocks| blocks.iter().map(|b| {
                let mut block = drawn(&b.entry);
                block["raw"] = json!(hex(b.raw));
                match &b.entry {
                    Entry::Table(next) => {
                        block["kind"] = json!("table");
                        block["next"] = json!(hex(*next));
                    }
                    Entry::Page(page) => {
                        block["kind"] = json!("page");
                        block["physical"] = json!(hex(page.physical));
                        block["size"] = json!(hex(page.size));
                    }
                    Entry::Invalid => {}
                }
                block
            }).collect::<Vec<_>>()).collect::<Vec<_>>(),
        })
    }
}

/// The kernel's entry `raw` (which says `entry`) at `depth`, moved to the physical address `new`,
/// and held to the decoder: it must say what it said, but at `new`.
fn moved(tables: &Tables, depth: usize, raw: u64, entry: &Entry, new: u64) -> Result<Block> {
    let moved = readdress(tables.format, raw, entry, new);
    let expected = match entry {
        Entry::Invalid => Entry::Invalid,
        Entry::Table(_) => Entry::Table(new),
        Entry::Page(page) => Entry::Page(crate::walk::tables::Page {
            physical: new,
            ..page.clone()
        }),
    };
    let decoded = tables.decode(depth, moved);
    if decoded != expected {
        bail!(
            "moved to {new:#x} it is {moved:#x}, which the decoder reads as {decoded:?}, not \
             {expected:?}"
        );
    }
    Ok(Block {
        raw: moved,
        entry: decoded,
    })
}

/// `raw`, an entry that says `entry`, with its address field holding `new` (aligned as the entry
/// needs): where each format keeps the address of a table or a page.
fn readdress(format: Format, raw: u64, entry: &Entry, new: u64) -> u64 {
    let low = match entry {
        Entry::Invalid => return raw,
        // An ARMv7 page table is 1 KiB.
        Entry::Table(_) if format == Format::Aarch32Short => 10,
        Entry::Table(_) => 12,
        Entry::Page(page) => page.size.trailing_zeros(),
    };
    let field = |high: u32| ((1u64 << (high + 1)) - 1) & !((1u64 << low) - 1);
    match format {
        Format::X86_64 => raw & !field(51) | new,
        Format::Aarch64Stage2 => raw & !field(47) | new,
        Format::Aarch32Short => raw & !field(31) | new,
        // The physical page number, from bit 10.
        Format::Sv39 | Format::Sv32 => {
            let ppn = ((1u64 << 44) - 1) << 10;
            raw & !ppn | (new >> 12) << 10
        }
    }
}

/// A small, fixed random sequence (SplitMix64): the kit is the same at every build.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// The practice page's part for each architecture: its kit, which the script makes problems
/// from. One block of HTML with no blank line, so that Markdown leaves it as it is.
pub fn html(project: &Project) -> Result<String> {
    let mut out = String::new();
    for arch in crate::catalogue::ARCHES.iter() {
        let kit = Kit::of(project, arch)?;
        // JSON in a script element: nothing in it may close the element.
        let data = kit.json().to_string().replace("</", "<\\/");
        out.push_str(&format!(
            "<div class=\"arch-only\" data-arch=\"{arch}\">\n<p class=\"arch-label\">{arch}</p>\n\
             <div class=\"practice\" data-arch=\"{arch}\">\n<script type=\"application/json\" \
             class=\"practice-kit\">{data}</script>\n<noscript>The problems are made by the \
             page's script.</noscript>\n</div>\n</div>\n"
        ));
    }
    out.push('\n');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::ARCHES;

    /// Every architecture has a kit, every entry of it says what the decoder says, at an address
    /// in the physical memory the recordings used, and every kind of entry the kernel wrote is
    /// there.
    #[test]
    fn every_architecture_has_a_kit_of_the_kernels_entries_moved() {
        let project = Project::here();
        for arch in ARCHES.iter() {
            let kit = Kit::of(&project, arch).unwrap_or_else(|e| panic!("{e:#}"));
            assert_eq!(kit.blocks.len(), kit.tables.levels().len(), "{arch}");
            for (depth, blocks) in kit.blocks.iter().enumerate() {
                assert!(!blocks.is_empty(), "{arch}: nothing at depth {depth}");
                for block in blocks {
                    assert_eq!(kit.tables.decode(depth, block.raw), block.entry, "{arch}");
                }
            }
            let json = kit.json();
            assert_eq!(json["levels"].as_array().unwrap().len(), kit.blocks.len());
        }
        // aarch64: the kernel's read-only 4 KiB page, moved, is still read-only at its new place.
        let aarch64 = crate::catalogue::find_arch("aarch64").unwrap();
        let kit = Kit::of(&project, aarch64).unwrap();
        let read_only = kit.blocks[3]
            .iter()
            .find(|b| b.raw & 0xfff == 0x47f)
            .expect("a read-only page, as in stage pt-l3");
        let Entry::Page(page) = &read_only.entry else {
            panic!()
        };
        assert!(page.read && !page.write && page.physical != 0x6000_3000);
    }

    #[test]
    fn an_entry_moves_in_each_format() {
        let tables = |format| Tables::variants(format).remove(0);
        let cases = [
            (Format::X86_64, 3, 0xa3_3025, 0x1234_5000, 0x1234_5025),
            (Format::X86_64, 2, 0x60_00e7, 0x4020_0000, 0x4020_00e7),
            (
                Format::Aarch64Stage2,
                3,
                0x0400_0000_6000_347f,
                0x7000_1000,
                0x0400_0000_7000_147f,
            ),
            (
                Format::Aarch32Short,
                0,
                0x4000_1601,
                0x5000_0c00,
                0x5000_0c01 | 0x200,
            ),
            (
                Format::Aarch32Short,
                0,
                0x4106_5e06,
                0x5000_0000,
                0x5006_5e06,
            ),
            (
                Format::Sv39,
                2,
                0x2008_c8db,
                0x8040_0000,
                (0x8040_0000 >> 2) | 0xdb,
            ),
            (
                Format::Sv32,
                0,
                0x3f3c_4001,
                0x8080_0000,
                (0x8080_0000 >> 2) | 0x001,
            ),
        ];
        for (format, depth, raw, new, expected) in cases {
            let tables = tables(format);
            let entry = tables.decode(depth, raw);
            let block = moved(&tables, depth, raw, &entry, new).unwrap();
            assert_eq!(block.raw, expected, "{format:?} {raw:#x}");
        }
        // A 16 MiB supersection cannot go where only 1 MiB is aligned: the decoder says so.
        let aarch32 = tables(Format::Aarch32Short);
        let supersection = aarch32.decode(0, 0x4106_5e06);
        assert!(moved(&aarch32, 0, 0x4106_5e06, &supersection, 0x5010_0000).is_err());
    }
}
