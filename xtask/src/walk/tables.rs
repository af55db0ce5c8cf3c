// SPDX-License-Identifier: BSD-2-Clause

//! The translation tables as each architecture's hardware reads them: which register holds the
//! VSpace's root while a thread of it runs, which address bits each level's table indexes, and
//! what an entry means. `make walk` (the walk module) reads the entries from the guest's memory;
//! this module only decodes them, so that it can be tested without a machine. Which format an
//! architecture's tables have is the catalogue's to say ([`Format`]).

use std::fmt::Write as _;

pub use crate::catalogue::TableFormat as Format;

/// One level of tables: its name in the architecture's seL4 API, and the address bits its
/// index takes (`high..=low`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Level {
    pub name: &'static str,
    pub high: u32,
    pub low: u32,
}

const fn level(name: &'static str, high: u32, low: u32) -> Level {
    Level { name, high, low }
}

const X86_64_LEVELS: &[Level] = &[
    level("PML4 (the VSpace)", 47, 39),
    level("PDPT", 38, 30),
    level("page directory", 29, 21),
    level("page table", 20, 12),
];
// A 44-bit physical (so stage-2 input) address: four levels from level 0, whose table has 512
// entries of which such addresses use only the first 32.
const AARCH64_PA44_LEVELS: &[Level] = &[
    level("VSpace", 43, 39),
    level("level-1 page table", 38, 30),
    level("level-2 page table", 29, 21),
    level("level-3 page table", 20, 12),
];
// A 40-bit one: three levels from level 1, whose table is two pages of 512 entries, concatenated
// (seL4_VSpaceIndexBits 10).
const AARCH64_PA40_LEVELS: &[Level] = &[
    level("VSpace (level-1 page table)", 39, 30),
    level("level-2 page table", 29, 21),
    level("level-3 page table", 20, 12),
];
const AARCH32_LEVELS: &[Level] = &[
    level("page directory (the VSpace)", 31, 20),
    level("page table", 19, 12),
];
const SV39_LEVELS: &[Level] = &[
    level("VSpace (level-2 page table)", 38, 30),
    level("level-1 page table", 29, 21),
    level("level-0 page table", 20, 12),
];
const SV32_LEVELS: &[Level] = &[
    level("VSpace (level-1 page table)", 31, 22),
    level("level-0 page table", 21, 12),
];

/// What an entry says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// Nothing: the hardware stops here with a fault, seL4 with a failed lookup.
    Invalid,
    /// The physical address of the next level's table.
    Table(u64),
    /// A page (or block, or section) of `size` bytes at a physical address.
    Page(Page),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub physical: u64,
    pub size: u64,
    pub read: bool,
    pub write: bool,
    pub execute: bool,
    /// The memory type the entry selects, in the architecture's words.
    pub memory: String,
}

/// Where QEMU shows the register that holds the running thread's VSpace root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RootRegister {
    /// A register of the gdb stub's target description, by name.
    Gdb(&'static str),
    /// `NAME=<hex>` in the monitor's `info registers`: QEMU 7.2's x86-64 stub numbers its control
    /// registers differently from its own description (its "cr3" is EFER).
    Monitor(&'static str),
}

impl Format {
    /// The register that holds the VSpace root of the running thread. On aarch64 the hypervisor
    /// kernel gives user threads stage-2 tables: VTTBR_EL2.
    pub fn root_register(self) -> RootRegister {
        match self {
            Self::X86_64 => RootRegister::Monitor("CR3"),
            Self::Aarch64Stage2 => RootRegister::Gdb("VTTBR_EL2"),
            Self::Aarch32Short => RootRegister::Gdb("TTBR0"),
            Self::Sv39 | Self::Sv32 => RootRegister::Gdb("satp"),
        }
    }

    /// The register's name.
    pub fn root_register_name(self) -> &'static str {
        match self.root_register() {
            RootRegister::Gdb(name) | RootRegister::Monitor(name) => name,
        }
    }

    /// The physical address of the root table, from the register's value.
    pub fn root_from_register(self, value: u64) -> u64 {
        match self {
            // Bits 51..12; the low bits are the PCID or cache attributes.
            Self::X86_64 => value & 0x000f_ffff_ffff_f000,
            // BADDR, bits 47..1 (the VSpace is 4 KiB aligned); the VMID is above.
            Self::Aarch64Stage2 => value & 0x0000_ffff_ffff_f000,
            // TTBCR.N is 0: bits 31..14, a 16 KiB page directory.
            Self::Aarch32Short => value & 0xffff_c000,
            // The PPN: bits 43..0 (Sv39) or 21..0 (Sv32), in pages.
            Self::Sv39 => (value & 0x0000_0fff_ffff_ffff) << 12,
            Self::Sv32 => (value & 0x003f_ffff) << 12,
        }
    }

    /// Bytes per entry.
    pub fn entry_bytes(self) -> u64 {
        match self {
            Self::Aarch32Short | Self::Sv32 => 4,
            _ => 8,
        }
    }
}

/// One kernel's tables: its architecture's format, and the levels its configuration gives them.
/// Only aarch64's depend on it: the physical address size sets the stage-2 tables' input size, and
/// so where the walk starts and how many index bits the VSpace's table takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tables {
    pub format: Format,
    levels: &'static [Level],
}

impl Tables {
    /// The tables of a kernel of `format` configured as `config` says (its gen_config.json).
    pub fn of(format: Format, config: &serde_json::Value) -> anyhow::Result<Self> {
        let set = |name: &str| config.get(name).and_then(serde_json::Value::as_bool) == Some(true);
        let levels = match format {
            Format::X86_64 => X86_64_LEVELS,
            Format::Aarch64Stage2 if !set("ARM_HYPERVISOR_SUPPORT") => anyhow::bail!(
                "this aarch64 kernel runs without hypervisor support: its user VSpaces are stage-1 \
                 tables, which the walk does not read (it reads the tutorial's kernel's stage-2 ones)"
            ),
            Format::Aarch64Stage2 if set("ARM_PA_SIZE_BITS_44") => AARCH64_PA44_LEVELS,
            Format::Aarch64Stage2 if set("ARM_PA_SIZE_BITS_40") => AARCH64_PA40_LEVELS,
            Format::Aarch64Stage2 => anyhow::bail!(
                "the kernel's configuration names neither ARM_PA_SIZE_BITS_40 nor _44"
            ),
            Format::Aarch32Short => AARCH32_LEVELS,
            Format::Sv39 => SV39_LEVELS,
            Format::Sv32 => SV32_LEVELS,
        };
        Ok(Self { format, levels })
    }

    /// Every set of levels a kernel's configuration can give `format`'s tables (aarch64's follow
    /// its physical address size): what a walk drawn without its kernel at hand, as the book reads
    /// a recorded one, is matched against.
    pub fn variants(format: Format) -> Vec<Self> {
        let all: &[&'static [Level]] = match format {
            Format::X86_64 => &[X86_64_LEVELS],
            Format::Aarch64Stage2 => &[AARCH64_PA44_LEVELS, AARCH64_PA40_LEVELS],
            Format::Aarch32Short => &[AARCH32_LEVELS],
            Format::Sv39 => &[SV39_LEVELS],
            Format::Sv32 => &[SV32_LEVELS],
        };
        all.iter().map(|&levels| Self { format, levels }).collect()
    }

    /// The levels, root first.
    pub fn levels(&self) -> &'static [Level] {
        self.levels
    }

    /// The highest address the tables can translate.
    pub fn address_bits(&self) -> u32 {
        self.levels[0].high + 1
    }

    /// What entry `raw` of the table at `depth` (0: the root) says.
    pub fn decode(&self, depth: usize, raw: u64) -> Entry {
        let last = depth + 1 == self.levels.len();
        let low = self.levels[depth].low;
        let size = 1u64 << low;
        match self.format {
            Format::X86_64 => x86_64(raw, depth, last, size),
            Format::Aarch64Stage2 => aarch64_stage2(raw, last, size),
            Format::Aarch32Short => aarch32_short(raw, last),
            Format::Sv39 | Format::Sv32 => riscv(raw, size),
        }
    }
}

fn bit(raw: u64, n: u32) -> bool {
    raw >> n & 1 == 1
}

fn x86_64(raw: u64, depth: usize, last: bool, size: u64) -> Entry {
    if !bit(raw, 0) {
        return Entry::Invalid;
    }
    let address = raw & 0x000f_ffff_ffff_f000;
    // PS (bit 7) makes a PDPT entry a 1 GiB page and a page-directory entry a 2 MiB one.
    let large = depth > 0 && !last && bit(raw, 7);
    if !last && !large {
        return Entry::Table(address);
    }
    // PWT (bit 3) and PCD (bit 4) pick the first PAT entries, as seL4 leaves the PAT.
    let memory = match (bit(raw, 4), bit(raw, 3)) {
        (false, false) => "write-back",
        (false, true) => "write-through",
        _ => "uncached",
    };
    Entry::Page(Page {
        physical: address & !(size - 1),
        size,
        read: bit(raw, 2),
        write: bit(raw, 1) && bit(raw, 2),
        execute: bit(raw, 2) && !bit(raw, 63),
        memory: memory.into(),
    })
}

fn aarch64_stage2(raw: u64, last: bool, size: u64) -> Entry {
    let address = raw & 0x0000_ffff_ffff_f000;
    match (raw & 3, last) {
        (3, false) => return Entry::Table(address),
        // A block: 1 GiB at level 1, 2 MiB at level 2 (never at level 0).
        (1, false) if size == 1 << 30 || size == 1 << 21 => {}
        (3, true) => {}
        _ => return Entry::Invalid,
    }
    // S2AP, bits 7..6: 01 read, 10 write, 11 both; XN, bit 54; MemAttr, bits 5..2.
    let s2ap = raw >> 6 & 3;
    let memory = match raw >> 2 & 0xf {
        0b0000 => "device nGnRnE".to_owned(),
        0b0001 => "device nGnRE".to_owned(),
        0b0101 => "normal, non-cacheable".to_owned(),
        0b1111 => "normal, write-back".to_owned(),
        other => format!("MemAttr {other:#06b}"),
    };
    Entry::Page(Page {
        physical: address & !(size - 1),
        size,
        read: s2ap & 1 == 1,
        write: s2ap & 2 == 2,
        execute: !bit(raw, 54),
        memory,
    })
}

fn aarch32_short(raw: u64, last: bool) -> Entry {
    let raw = raw as u32;
    // AP[2] and AP[1..0] as user code sees them: 01x none, x10 read-only, 011 read-write,
    // 1x1/11x read-only.
    let user = |ap2: bool, ap: u32| match (ap2, ap) {
        (_, 0 | 1) => (false, false),
        (false, 2) | (true, _) => (true, false),
        (false, _) => (true, true),
    };
    // TEX, C and B with TEX remapping off. With TEX[2] set, C and B give the inner cache policy
    // and TEX[1..0] the outer one: 00 none, 01 write-back write-allocate, 10 write-through,
    // 11 write-back.
    let memory = |tex: u32, c: bool, b: bool| {
        let policy = |bits: u32| match bits {
            0 => "non-cacheable",
            1 => "write-back, write-allocate",
            2 => "write-through",
            _ => "write-back",
        };
        let inner = u32::from(c) << 1 | u32::from(b);
        match (tex, c, b) {
            (t, ..) if t & 4 != 0 && t & 3 == inner => format!("normal, {}", policy(inner)),
            (t, ..) if t & 4 != 0 => {
                format!("normal, inner {}, outer {}", policy(inner), policy(t & 3))
            }
            (0, false, false) => "strongly ordered".to_owned(),
            (0, false, true) => "device".to_owned(),
            (0, true, false) => "normal, write-through".to_owned(),
            (0, true, true) => "normal, write-back".to_owned(),
            (1, false, false) => "normal, non-cacheable".to_owned(),
            (1, true, true) => "normal, write-back, write-allocate".to_owned(),
            (t, c, b) => format!("TEX {t} C {} B {}", c as u8, b as u8),
        }
    };
    let page = |physical: u32, size: u64, (read, write): (bool, bool), xn: bool, memory: String| {
        Entry::Page(Page {
            physical: u64::from(physical) & !(size - 1),
            size,
            read,
            write,
            execute: read && !xn,
            memory,
        })
    };
    let c = raw >> 3 & 1 == 1;
    let b = raw >> 2 & 1 == 1;
    if !last {
        return match raw & 3 {
            1 => Entry::Table(u64::from(raw & 0xffff_fc00)),
            // A section (1 MiB) or, with bit 18, a supersection (16 MiB).
            2 => page(
                raw,
                if raw >> 18 & 1 == 1 {
                    16 << 20
                } else {
                    1 << 20
                },
                user(raw >> 15 & 1 == 1, raw >> 10 & 3),
                raw >> 4 & 1 == 1,
                memory(raw >> 12 & 7, c, b),
            ),
            _ => Entry::Invalid,
        };
    }
    match raw & 3 {
        0 => Entry::Invalid,
        // A large page: 64 KiB.
        1 => page(
            raw,
            64 << 10,
            user(raw >> 9 & 1 == 1, raw >> 4 & 3),
            raw >> 15 & 1 == 1,
            memory(raw >> 12 & 7, c, b),
        ),
        // A small page: 4 KiB, XN in bit 0.
        _ => page(
            raw,
            4 << 10,
            user(raw >> 9 & 1 == 1, raw >> 4 & 3),
            raw & 1 == 1,
            memory(raw >> 6 & 7, c, b),
        ),
    }
}

fn riscv(raw: u64, size: u64) -> Entry {
    if !bit(raw, 0) {
        return Entry::Invalid;
    }
    // The PPN starts at bit 10 (Sv32's is 22 bits, Sv39's 44: higher bits are zero here).
    let address = (raw >> 10 & 0x0000_0fff_ffff_ffff) << 12;
    let (read, write, execute) = (bit(raw, 1), bit(raw, 2), bit(raw, 3));
    if !(read || write || execute) {
        return Entry::Table(address);
    }
    // Without U (bit 4) the page is the supervisor's: user code can do nothing with it.
    let user = bit(raw, 4);
    Entry::Page(Page {
        physical: address & !(size - 1),
        size,
        read: user && read,
        write: user && write,
        execute: user && execute,
        // Sv32 and Sv39 without Svpbmt: the memory type comes from the physical address (PMAs).
        memory: match user {
            true => "as the physical address says (PMA)".into(),
            false => "supervisor only, as the physical address says (PMA)".into(),
        },
    })
}

/// A size in words: 4 KiB, 2 MiB, 1 GiB.
pub fn size_name(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 && b % (1 << 30) == 0 => format!("{} GiB", b >> 30),
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b => format!("{} KiB", b >> 10),
    }
}

impl Page {
    /// `read-only, execute-never, normal, write-back`.
    pub fn rights(&self) -> String {
        let mut text = match (self.read, self.write) {
            (true, true) => "read-write".to_owned(),
            (true, false) => "read-only".to_owned(),
            (false, true) => "write-only".to_owned(),
            (false, false) => "no read or write".to_owned(),
        };
        let _ = write!(
            text,
            ", {}, {}",
            if self.execute {
                "executable"
            } else {
                "execute-never"
            },
            self.memory
        );
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The tables of the tutorial's kernels (sel4-kernel-config/): aarch64's is a hypervisor
    /// kernel for cortex-a57, with 44-bit physical addresses.
    fn tables(format: Format) -> Tables {
        let config = json!({"ARM_HYPERVISOR_SUPPORT": true, "ARM_PA_SIZE_BITS_44": true});
        Tables::of(format, &config).unwrap()
    }

    const FORMATS: [Format; 5] = [
        Format::X86_64,
        Format::Aarch64Stage2,
        Format::Aarch32Short,
        Format::Sv39,
        Format::Sv32,
    ];

    #[test]
    fn the_levels_cover_the_address_from_bit_12_without_gaps() {
        let pa40 = json!({"ARM_HYPERVISOR_SUPPORT": true, "ARM_PA_SIZE_BITS_40": true});
        let all = FORMATS
            .map(tables)
            .into_iter()
            .chain([Tables::of(Format::Aarch64Stage2, &pa40).unwrap()]);
        for tables in all {
            let levels = tables.levels();
            assert_eq!(levels.last().unwrap().low, 12, "{tables:?}");
            for pair in levels.windows(2) {
                assert_eq!(pair[0].low, pair[1].high + 1, "{tables:?}");
            }
        }
    }

    /// The variants of a format are the tables every configuration `Tables::of` accepts gives.
    #[test]
    fn the_variants_are_what_the_configurations_give() {
        let configs = [
            json!({}),
            json!({"ARM_HYPERVISOR_SUPPORT": true, "ARM_PA_SIZE_BITS_44": true}),
            json!({"ARM_HYPERVISOR_SUPPORT": true, "ARM_PA_SIZE_BITS_40": true}),
        ];
        for format in FORMATS {
            let configured: Vec<Tables> = configs
                .iter()
                .filter_map(|c| Tables::of(format, c).ok())
                .fold(Vec::new(), |mut all, t| {
                    if !all.contains(&t) {
                        all.push(t);
                    }
                    all
                });
            assert_eq!(Tables::variants(format), configured, "{format:?}");
        }
    }

    /// aarch64's tables follow the kernel's physical address size; a kernel without hypervisor
    /// support (stage-1 tables) or with neither size is refused, saying which.
    #[test]
    fn aarch64s_levels_come_from_the_kernels_configuration() {
        let of = |config| Tables::of(Format::Aarch64Stage2, &config);
        let pa44 =
            of(json!({"ARM_HYPERVISOR_SUPPORT": true, "ARM_PA_SIZE_BITS_44": true})).unwrap();
        assert_eq!((pa44.levels().len(), pa44.address_bits()), (4, 44));
        let pa40 =
            of(json!({"ARM_HYPERVISOR_SUPPORT": true, "ARM_PA_SIZE_BITS_40": true})).unwrap();
        assert_eq!((pa40.levels().len(), pa40.address_bits()), (3, 40));
        // Level 1 is pa40's root: a 1 GiB block may be there.
        let Entry::Page(block) = pa40.decode(0, 0x4000_0000 | 0x4fd) else {
            panic!("a level-1 block")
        };
        assert_eq!((block.physical, block.size), (0x4000_0000, 1 << 30));
        assert_eq!(pa44.decode(0, 0x4000_0000 | 0x4fd), Entry::Invalid);
        let el1 = of(json!({"ARM_HYPERVISOR_SUPPORT": false, "ARM_PA_SIZE_BITS_44": true}));
        assert!(
            el1.unwrap_err()
                .to_string()
                .contains("without hypervisor support")
        );
        let neither = of(json!({"ARM_HYPERVISOR_SUPPORT": true}));
        assert!(
            neither
                .unwrap_err()
                .to_string()
                .contains("neither ARM_PA_SIZE_BITS_40 nor _44")
        );
    }

    /// Entries as the kernels wrote them (read from QEMU's memory in `make walk` runs).
    #[test]
    fn real_entries_decode() {
        assert_eq!(
            tables(Format::Aarch64Stage2).decode(0, 0x6000_0003),
            Entry::Table(0x6000_0000)
        );
        assert_eq!(tables(Format::Aarch64Stage2).decode(1, 0), Entry::Invalid);
        // The root is never a block.
        assert_eq!(
            tables(Format::Aarch64Stage2).decode(0, 0x4000_0001),
            Entry::Invalid
        );
        assert_eq!(
            Format::Sv39.root_from_register(0x8000_1000_0013_fe02),
            0x1_3fe0_2000
        );
        assert_eq!(Format::Sv32.root_from_register(0x804f_cf02), 0xfcf0_2000);
        assert_eq!(
            Format::Aarch32Short.root_from_register(0x7ff0_0018),
            0x7ff0_0000
        );
        assert_eq!(
            Format::Aarch64Stage2.root_from_register(0x0001_0000_ffe0_2000),
            0xffe0_2000
        );
        assert_eq!(Format::X86_64.root_from_register(0x50_1001), 0x50_1000);
    }

    #[test]
    fn x86_64_pages_and_tables() {
        // A present, user, read-only 4 KiB page, execute-never.
        let Entry::Page(page) = tables(Format::X86_64).decode(3, 0x8000_0000_0123_4005) else {
            panic!()
        };
        assert_eq!((page.physical, page.size), (0x123_4000, 4096));
        assert_eq!(page.rights(), "read-only, execute-never, write-back");
        // PS in a page-directory entry: a 2 MiB page.
        let Entry::Page(large) = tables(Format::X86_64).decode(2, 0x4020_0087) else {
            panic!()
        };
        assert_eq!((large.physical, large.size), (0x4020_0000, 2 << 20));
        assert!(large.write);
        // Bit 7 in a PML4 entry is not PS.
        assert_eq!(
            tables(Format::X86_64).decode(0, 0x5000_0087),
            Entry::Table(0x5000_0000)
        );
        assert_eq!(
            tables(Format::X86_64).decode(1, 0x5000_0086),
            Entry::Invalid
        );
    }

    #[test]
    fn riscv_leaves_have_rights_and_tables_have_none() {
        // V, R, U, A: a read-only user page at PPN 0x80400.
        let Entry::Page(page) = tables(Format::Sv39).decode(2, 0x8040_0000 >> 2 | 0x53) else {
            panic!()
        };
        assert_eq!(page.physical, 0x8040_0000);
        assert!(page.read && !page.write && !page.execute);
        // X without U: the supervisor's, so nothing for user code.
        let Entry::Page(kernel) = tables(Format::Sv39).decode(2, 0x8040_0000 >> 2 | 0xc9) else {
            panic!()
        };
        assert!(!kernel.read && !kernel.write && !kernel.execute);
        assert_eq!(
            tables(Format::Sv32).decode(0, 0x8040_0000 >> 2 | 1),
            Entry::Table(0x8040_0000)
        );
    }

    #[test]
    fn aarch32_sections_and_small_pages() {
        // A section with AP 11 (read-write), XN.
        let Entry::Page(section) = tables(Format::Aarch32Short).decode(0, 0x4010_0c12) else {
            panic!()
        };
        assert_eq!((section.physical, section.size), (0x4010_0000, 1 << 20));
        assert!(section.write && !section.execute);
        // A small page with AP 10 (user read-only), XN, write-back.
        let Entry::Page(small) = tables(Format::Aarch32Short).decode(1, 0x6000_002f) else {
            panic!()
        };
        assert_eq!(small.physical, 0x6000_0000);
        assert_eq!(
            small.rights(),
            "read-only, execute-never, normal, write-back"
        );
        // As seL4 maps a user page: TEX 101, C 0, B 1 (write-back, write-allocate), user read-only.
        let Entry::Page(user) = tables(Format::Aarch32Short).decode(1, 0x4000_1966) else {
            panic!()
        };
        assert_eq!(
            user.rights(),
            "read-only, executable, normal, write-back, write-allocate"
        );
        assert_eq!(
            tables(Format::Aarch32Short).decode(0, 0x6000_0401),
            Entry::Table(0x6000_0400)
        );
    }

    #[test]
    fn sizes_in_words() {
        assert_eq!(size_name(4096), "4 KiB");
        assert_eq!(size_name(2 << 20), "2 MiB");
        assert_eq!(size_name(1 << 30), "1 GiB");
        assert_eq!(size_name(64 << 10), "64 KiB");
    }
}
