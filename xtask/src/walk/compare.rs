// SPDX-License-Identifier: BSD-2-Clause

//! The walks held to the kernel's own words in the same run.

use crate::walk::Walk;
use crate::walk::addresses::parse_number;

/// Where the walks and the kernel's own words in the run's `lines` disagree: a stage that prints
/// "... at level N" has a walk that stops with N bits unresolved; a data fault at an address that
/// was walked found no page there, or one that does not let the program both read and write.
pub fn disagreements(walks: &[Walk], lines: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    for line in lines {
        if let Some(level) = line
            .strip_prefix("Missing intermediate paging structure at level ")
            .and_then(|n| n.trim().parse::<u32>().ok())
            && !walks.iter().any(|w| w.unresolved_bits() == Some(level))
        {
            found.push(format!(
                "the kernel says level {level}, but no walk stops with {level} bits unresolved"
            ));
        }
        if let Some(rest) = line.strip_prefix("vm fault on data at address ")
            && let Some(address) = rest.split_whitespace().next().and_then(parse_number)
            && let Some(walk) = walks.iter().find(|w| w.address.value == address)
        {
            // A fault where nothing is mapped, or where the page lacks a right; never where
            // the page lets the program read and write.
            if walk.page().is_some_and(|page| page.read && page.write) {
                found.push(format!(
                    "the kernel reports a fault at {address:#x}, where the walk finds a page \
                     that can be read and written"
                ));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::walk::tables::{self, Entry, Format, Tables};
    use crate::walk::{Address, Step};
    fn walk_to(entry: Entry) -> Walk {
        let format = Format::X86_64;
        let levels = Tables::of(format, &serde_json::json!({})).unwrap().levels();
        Walk {
            format,
            address: Address {
                name: "TEST_VADDR".into(),
                value: 0xa0_0000_0000,
            },
            register: 0x1000,
            steps: vec![Step {
                level: levels[1],
                table: 0x2000,
                index: 128,
                raw: 0,
                entry,
            }],
        }
    }

    #[test]
    fn a_walk_that_disagrees_with_the_kernel_is_told() {
        let lines = |l: &str| vec!["Booting all finished".to_owned(), l.to_owned()];
        let missing = walk_to(Entry::Invalid);
        assert!(
            disagreements(
                std::slice::from_ref(&missing),
                &lines("Missing intermediate paging structure at level 30")
            )
            .is_empty()
        );
        assert_eq!(
            disagreements(
                &[missing],
                &lines("Missing intermediate paging structure at level 21")
            ),
            ["the kernel says level 21, but no walk stops with 21 bits unresolved"]
        );
        let page = |write| {
            walk_to(Entry::Page(tables::Page {
                physical: 0x4000_0000,
                size: 1 << 30,
                read: true,
                write,
                execute: false,
                memory: "write-back".into(),
            }))
        };
        let fault = lines("vm fault on data at address 0xa000000000 with status 0x7");
        assert!(disagreements(&[page(false)], &fault).is_empty());
        assert_eq!(disagreements(&[page(true)], &fault).len(), 1);
        assert!(disagreements(&[walk_to(Entry::Invalid)], &fault).is_empty());
    }

    /// The picture's last line: the level seL4 names where a structure is missing, nothing of
    /// the kind where only the page is (the last level's entry), and the physical address where
    /// the walk reaches a page.
    #[test]
    fn the_picture_says_where_the_walk_ends() {
        let last = |walk: &Walk| walk.render().last().unwrap().trim().to_owned();
        assert_eq!(
            last(&walk_to(Entry::Invalid)),
            "Bits 29..0 of the address are still unresolved: 30 bits, the level seL4 names as \
             missing."
        );
        let mut no_page = walk_to(Entry::Invalid);
        let levels = Tables::of(Format::X86_64, &serde_json::json!({}))
            .unwrap()
            .levels();
        no_page.steps[0].level = levels[3];
        assert_eq!(
            last(&no_page),
            "No page is mapped there: the entry that maps its 4 KiB page is empty, and no \
             structure is missing."
        );
        let page = walk_to(Entry::Page(tables::Page {
            physical: 0x4000_0000,
            size: 1 << 30,
            read: true,
            write: false,
            execute: false,
            memory: "write-back".into(),
        }));
        assert_eq!(
            last(&page),
            "0xa000000000 is at offset 0x0 in that page: physical address 0x40000000."
        );
    }
}
