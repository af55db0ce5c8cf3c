// SPDX-License-Identifier: BSD-2-Clause

//! A recorded walk read back: the picture `make record` kept of a stage's walks
//! (docs/book/recorded/<arch>/<stage>.walk), parsed into the walks it draws. The raw entries are
//! decoded again with the walk's own decoder (paging.rs), and the walks drawn again must be the
//! recording, line for line: what the book derives from a recording (its questions, its practice
//! problems' entries) is then what `make walk` says of those entries, and a recording that no
//! longer draws so is refused, with the stage to record again.

use anyhow::{Context, Result, anyhow, bail};

use crate::book::recorded::read_recorded;
use crate::catalogue::StageRef;
use crate::project::Project;
use crate::walk::addresses::parse_number;
use crate::walk::tables::{Format, Tables};
use crate::walk::{Address, Step, Walk};

/// What a stage's recorded walks say: the tables of the kernel they were read from, and each walk.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub tables: Tables,
    pub walks: Vec<Walk>,
}

/// A box of a picture: its title's level name and table, and its row.
struct Drawn {
    level: String,
    table: u64,
    index: u64,
    high: u32,
    low: u32,
    raw: u64,
}

/// The walks of a stage as `make record` recorded them.
pub fn of_stage(project: &Project, stage: StageRef) -> Result<Recorded> {
    let format = stage
        .arch
        .paging
        .with_context(|| format!("nothing walks the tables of {}", stage.arch))?;
    let path = project.recorded_walk(stage.arch, stage.name());
    let lines = read_recorded(&path, stage)?;
    read(format, &lines).with_context(|| {
        format!(
            "{}: record it again: `make record{}`",
            path.display(),
            stage.make_args()
        )
    })
}

/// The walks `lines` draw, through tables of `format`.
pub fn read(format: Format, lines: &[String]) -> Result<Recorded> {
    let mut drawn: Vec<(Address, u64, Vec<Drawn>)> = Vec::new();
    let mut rows = lines.iter().enumerate().peekable();
    while let Some((n, line)) = rows.next() {
        let at = || format!("line {}: `{line}`", n + 1);
        if let Some(rest) = line.strip_prefix("==> The walk of ") {
            drawn.push(header(rest).with_context(at)?);
        } else if let Some(title) = line.trim_start().strip_prefix("┌─ ") {
            let (_, _, boxes) = drawn
                .last_mut()
                .ok_or_else(|| anyhow!("a table before any walk's first line"))
                .with_context(at)?;
            let (_, row) = rows
                .next()
                .ok_or_else(|| anyhow!("a table's box with no row"))
                .with_context(at)?;
            boxes.push(table_box(title, row).with_context(at)?);
        }
    }
    if drawn.is_empty() {
        bail!("no walk is drawn");
    }
    let first = &drawn[0].2;
    let tables = Tables::variants(format)
        .into_iter()
        .find(|tables| {
            drawn.iter().all(|(_, _, boxes)| {
                boxes.len() <= tables.levels().len()
                    && boxes.iter().zip(tables.levels()).all(|(b, level)| {
                        b.level == level.name && b.high == level.high && b.low == level.low
                    })
            })
        })
        .ok_or_else(|| {
            anyhow!(
                "its levels ({}) are no {format:?} kernel's",
                first
                    .iter()
                    .map(|b| format!("{} bits {}..{}", b.level, b.high, b.low))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?;
    let walks: Vec<Walk> = drawn
        .into_iter()
        .map(|(address, register, boxes)| Walk {
            format,
            address,
            register,
            steps: boxes
                .into_iter()
                .enumerate()
                .map(|(depth, b)| Step {
                    level: tables.levels()[depth],
                    table: b.table,
                    index: b.index,
                    raw: b.raw,
                    entry: tables.decode(depth, b.raw),
                })
                .collect(),
        })
        .collect();
    let again: Vec<String> = walks.iter().flat_map(Walk::render).collect();
    if let Some((n, (recorded, drawn))) = lines
        .iter()
        .zip(&again)
        .enumerate()
        .find(|(_, (a, b))| a != b)
    {
        bail!(
            "line {} is `{recorded}`, but the walk's decoder draws its entries as `{drawn}`",
            n + 1
        );
    }
    if lines.len() != again.len() {
        bail!(
            "{} lines, but the walks it draws have {}",
            lines.len(),
            again.len()
        );
    }
    Ok(Recorded { tables, walks })
}

/// `TEST_VADDR = 0xa000000000 through the tables the kernel wrote (VTTBR_EL2 = 0xffe02000):`.
fn header(rest: &str) -> Result<(Address, u64, Vec<Drawn>)> {
    let (name, rest) = rest.split_once(" = ").context("no ` = ` after the name")?;
    let (value, rest) = rest.split_once(' ').context("no address")?;
    let register = rest
        .trim_end_matches("):")
        .rsplit_once(" = ")
        .and_then(|(_, v)| parse_number(v))
        .context("no register's value")?;
    let value = parse_number(value).context("the address is no number")?;
    let address = Address {
        name: name.to_owned(),
        value,
    };
    Ok((address, register, Vec::new()))
}

/// A table's box: `VSpace at 0xffe02000 ───┐` and `    │ [1] bits 43..39  0x0000000060000003 ...`.
fn table_box(title: &str, row: &str) -> Result<Drawn> {
    let title = title.trim_end_matches(['┐', '─', ' ']);
    let (level, table) = title
        .rsplit_once(" at ")
        .context("a title with no ` at `")?;
    let table = parse_number(table).context("a table's address that is no number")?;
    let words: Vec<&str> = row
        .trim_start()
        .strip_prefix('│')
        .context("a box's row does not start with `│`")?
        .split_whitespace()
        .collect();
    let [index, "bits", bits, raw, ..] = words[..] else {
        bail!("a row that is not `[index] bits high..low raw`: `{row}`");
    };
    let index = index
        .strip_prefix('[')
        .and_then(|i| i.strip_suffix(']'))
        .and_then(parse_number)
        .context("no [index]")?;
    let (high, low) = bits
        .split_once("..")
        .and_then(|(h, l)| Some((h.parse().ok()?, l.parse().ok()?)))
        .context("no bits high..low")?;
    let raw = parse_number(raw).context("an entry that is no number")?;
    Ok(Drawn {
        level: level.to_owned(),
        table,
        index,
        high,
        low,
        raw,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::ARCHES;
    use crate::walk::tables::Entry;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_owned).collect()
    }

    const PT_L3: &str = "==> The walk of TEST_VADDR = 0xa000000000 through the tables the kernel wrote (VTTBR_EL2 = 0xffe02000):
    ┌─ VSpace at 0xffe02000 ────────────────┐
    │ [1] bits 43..39  0x0000000060000003   ├─> next table at 0x60000000
    └───────────────────────────────────────┘
    ┌─ level-1 page table at 0x60000000 ────┐
    │ [128] bits 38..30  0x0000000060001003 ├─> next table at 0x60001000
    └───────────────────────────────────────┘
    ┌─ level-2 page table at 0x60001000 ────┐
    │ [0] bits 29..21  0x0000000060002003   ├─> next table at 0x60002000
    └───────────────────────────────────────┘
    ┌─ level-3 page table at 0x60002000 ────┐
    │ [0] bits 20..12  0x040000006000347f   ├─> 4 KiB page at 0x60003000: read-only, executable, normal, write-back
    └───────────────────────────────────────┘
    0xa000000000 is at offset 0x0 in that page: physical address 0x60003000.";

    #[test]
    fn a_recorded_walk_reads_back_into_the_walk_it_draws() {
        let recorded = read(Format::Aarch64Stage2, &lines(PT_L3)).unwrap();
        assert_eq!(recorded.tables.address_bits(), 44);
        let [walk] = &recorded.walks[..] else {
            panic!("one walk")
        };
        assert_eq!(walk.address.value, 0xa0_0000_0000);
        assert_eq!(walk.register, 0xffe0_2000);
        assert_eq!(walk.steps.len(), 4);
        assert_eq!(walk.steps[1].index, 128);
        assert_eq!(walk.steps[1].entry, Entry::Table(0x6000_1000));
        assert_eq!(walk.page().unwrap().physical, 0x6000_3000);
    }

    /// A recording whose words are not what its entries decode to, whose levels are no kernel's,
    /// or that is cut short, is refused, saying where.
    #[test]
    fn a_recording_that_does_not_draw_as_it_decodes_is_refused() {
        let wrong_meaning = PT_L3.replace(": read-only,", ": read-write,");
        let error = format!(
            "{:#}",
            read(Format::Aarch64Stage2, &lines(&wrong_meaning)).unwrap_err()
        );
        assert!(
            error.contains("line 12") && error.contains("draws its entries as"),
            "{error}"
        );
        let wrong_levels = PT_L3.replace("bits 43..39", "bits 42..39");
        let error = format!(
            "{:#}",
            read(Format::Aarch64Stage2, &lines(&wrong_levels)).unwrap_err()
        );
        assert!(error.contains("are no Aarch64Stage2 kernel's"), "{error}");
        let cut: Vec<String> = lines(PT_L3).into_iter().take(13).collect();
        let error = format!("{:#}", read(Format::Aarch64Stage2, &cut).unwrap_err());
        assert!(error.contains("13 lines, but"), "{error}");
        let error = format!("{:#}", read(Format::Sv39, &lines(PT_L3)).unwrap_err());
        assert!(error.contains("no Sv39 kernel's"), "{error}");
    }

    /// Every walk the book shows reads back: the recordings are what the decoder says of them.
    #[test]
    fn every_recorded_walk_reads_back() {
        let project = Project::here();
        let mut read = 0;
        for arch in ARCHES.iter() {
            for stage in arch.stages() {
                if project.recorded_walk(arch, stage.name()).exists() {
                    of_stage(&project, stage).unwrap_or_else(|e| panic!("{e:#}"));
                    read += 1;
                }
            }
        }
        assert!(read > 90, "{read} recorded walks");
    }
}
