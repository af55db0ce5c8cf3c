// SPDX-License-Identifier: BSD-2-Clause

//! Every link from the book to elsewhere, from one table: docs/book/links.toml. A chapter names
//! a link by its key (`[the C tutorial][C tutorial]`), or names an API in code (`` `frame_map` ``,
//! `` `seL4_ARM_Page_Map` ``), and the book's preprocessor (book.rs) makes the link from the
//! table, so that no chapter types an address.
//!
//! A target may name a place of the table (`{manual}`), a value of tools/upstream.env
//! (`{SEL4_RELEASE}`), and `{view}`: rust-sel4's rustdoc is published once per architecture (a
//! "view"), and a link into it goes to the reader's architecture's view, or, for an item that
//! architecture does not have, to the first view that has it.

use std::collections::BTreeMap;
use std::fs;

use anyhow::{Context, Result, anyhow, bail};
use serde::Deserialize;

use crate::catalogue::{ARCHES, Arch};
use crate::project::Project;

/// The table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    places: BTreeMap<String, String>,
    views: BTreeMap<String, String>,
    links: BTreeMap<String, Entry>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Entry {
    Target(String),
    Some { target: String, arches: Vec<String> },
}

/// One link of the table.
#[derive(Clone, Debug)]
pub struct Link {
    /// The target, with the places and upstream values filled in, and `{view}` left for
    /// [`Links::target`].
    target: String,
    /// The architectures that have the item, in the table's order (empty: every one).
    arches: Vec<&'static str>,
}

/// The table, read and checked.
pub struct Links {
    links: BTreeMap<String, Link>,
    views: BTreeMap<String, String>,
}

impl Links {
    pub fn load(project: &Project) -> Result<Self> {
        let path = project.book_links();
        let text = fs::read_to_string(&path).with_context(|| path.display().to_string())?;
        Self::parse(&text, |name| {
            crate::support::toolchain::upstream(project, name)
        })
        .with_context(|| path.display().to_string())
    }

    /// The table `text`; `upstream` gives the values of tools/upstream.env.
    pub fn parse(text: &str, upstream: impl Fn(&str) -> Result<String>) -> Result<Self> {
        let table: Table = toml::from_str(text)?;
        for arch in ARCHES.iter() {
            if !table.views.contains_key(arch.name) {
                bail!("[views] has no view for {arch}");
            }
        }
        if let Some(other) = table
            .views
            .keys()
            .find(|v| !ARCHES.iter().any(|a| a.name == *v))
        {
            bail!("[views]: '{other}' is no architecture of the catalogue");
        }
        let fill = |text: &str, places: &BTreeMap<String, String>| -> Result<String> {
            let mut out = String::new();
            let mut rest = text;
            while let Some(open) = rest.find('{') {
                let close = rest[open..]
                    .find('}')
                    .map(|c| open + c)
                    .ok_or_else(|| anyhow!("'{text}': an unclosed '{{'"))?;
                let name = &rest[open + 1..close];
                out.push_str(&rest[..open]);
                match places.get(name) {
                    Some(place) => out.push_str(place),
                    None if name == "view" => out.push_str("{view}"),
                    None if name
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_') =>
                    {
                        out.push_str(&upstream(name)?)
                    }
                    None => bail!("'{text}': no place '{name}'"),
                }
                rest = &rest[close + 1..];
            }
            out.push_str(rest);
            Ok(out)
        };
        let none = BTreeMap::new();
        let places = table
            .places
            .iter()
            .map(|(name, target)| Ok((name.clone(), fill(target, &none)?)))
            .collect::<Result<BTreeMap<_, _>>>()?;
        let mut links = BTreeMap::new();
        for (key, entry) in &table.links {
            let (target, arches) = match entry {
                Entry::Target(target) => (target, &Vec::new()),
                Entry::Some { target, arches } => (target, arches),
            };
            let arches = arches
                .iter()
                .map(|a| Ok(crate::catalogue::find_arch(a)?.name))
                .collect::<Result<Vec<_>>>()
                .with_context(|| format!("links.\"{key}\""))?;
            let target = fill(target, &places).with_context(|| format!("links.\"{key}\""))?;
            check_url(&target.replace("{view}", "view"))
                .with_context(|| format!("links.\"{key}\""))?;
            links.insert(key.clone(), Link { target, arches });
        }
        Ok(Self {
            links,
            views: table.views,
        })
    }

    pub fn get(&self, key: &str) -> Option<&Link> {
        self.links.get(key)
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.links.keys().map(String::as_str)
    }

    /// The address of `link` for a reader of `arch`.
    pub fn target(&self, link: &Link, arch: &Arch) -> String {
        let view_of = match link.arches.is_empty() || link.arches.contains(&arch.name) {
            true => arch.name,
            false => link.arches[0],
        };
        link.target.replace("{view}", &self.views[view_of])
    }

    /// Whether `link` goes to one address whoever reads it.
    pub fn is_one_address(&self, link: &Link) -> bool {
        let first = self.target(link, &ARCHES[0]);
        ARCHES.iter().all(|a| self.target(link, a) == first)
    }

    /// Every address the book can link to.
    pub fn addresses(&self) -> Vec<String> {
        let mut all: Vec<String> = self
            .links
            .values()
            .flat_map(|link| ARCHES.iter().map(|a| self.target(link, a)))
            .collect();
        all.sort();
        all.dedup();
        all
    }
}

/// An address the book may link to: https, a host, a path, nothing that needs escaping.
pub fn check_url(url: &str) -> Result<()> {
    let rest = url
        .strip_prefix("https://")
        .ok_or_else(|| anyhow!("'{url}' is not an https:// address"))?;
    let host = rest.split(['/', '#', '?']).next().unwrap_or_default();
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < 2
        || labels
            .iter()
            .any(|l| l.is_empty() || !l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
    {
        bail!("'{url}': '{host}' is not a host name");
    }
    if let Some(bad) = url
        .chars()
        .find(|c| !(c.is_ascii_graphic()) || "<>\"'`{}|\\^".contains(*c))
    {
        bail!("'{url}' has a character that needs escaping: {bad:?}");
    }
    if url.matches('#').count() > 1 {
        bail!("'{url}' has two fragments");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::find_arch;

    fn upstream(name: &str) -> Result<String> {
        match name {
            "SEL4_RELEASE" => Ok("16.0.0".into()),
            _ => bail!("no {name}"),
        }
    }

    const VIEWS: &str = "[views]\nx86_64 = \"x/x\"\naarch64 = \"a/a\"\nriscv64 = \"r/r\"\n\
                         aarch32 = \"b/b\"\nriscv32 = \"s/s\"\n";

    #[test]
    fn a_target_is_filled_in_for_each_readers_architecture() {
        let text = format!(
            "[places]\nmanual = \"https://sel4.systems/m-{{SEL4_RELEASE}}.pdf\"\n\
             rustdoc = \"https://sel4.github.io/v/{{view}}/doc\"\n{VIEWS}[links]\n\
             \"seL4_ARM_Page_Map\" = \"{{manual}}#subsubsection.10.7.6.6\"\n\
             \"sel4::cap_type::PT\" = {{ target = \"{{rustdoc}}/sel4/cap_type/struct.PT.html\", \
             arches = [\"aarch32\", \"aarch64\"] }}\n\".frame_map\" = \"{{rustdoc}}/sel4/struct.Cap.html#method.frame_map\"\n"
        );
        let links = Links::parse(&text, upstream).unwrap();
        let map = links.get("seL4_ARM_Page_Map").unwrap();
        assert!(links.is_one_address(map));
        assert_eq!(
            links.target(map, find_arch("riscv32").unwrap()),
            "https://sel4.systems/m-16.0.0.pdf#subsubsection.10.7.6.6"
        );
        let pt = links.get("sel4::cap_type::PT").unwrap();
        assert_eq!(
            links.target(pt, find_arch("aarch64").unwrap()),
            "https://sel4.github.io/v/a/a/doc/sel4/cap_type/struct.PT.html"
        );
        // x86_64 has no PT: its reader goes to the first view that has one.
        assert_eq!(
            links.target(pt, find_arch("x86_64").unwrap()),
            "https://sel4.github.io/v/b/b/doc/sel4/cap_type/struct.PT.html"
        );
        assert!(!links.is_one_address(links.get(".frame_map").unwrap()));
        assert_eq!(links.addresses().len(), 1 + 2 + 5);
    }

    #[test]
    fn a_bad_table_is_refused_with_what_is_wrong() {
        for (text, said) in [
            ("[places]\n[views]\n[links]\n", "no view for x86_64"),
            (
                &format!("[places]\n{VIEWS}arm = \"z\"\n[links]\n") as &str,
                "'arm' is no architecture",
            ),
            (
                &format!("[places]\n{VIEWS}[links]\na = \"http://x.org/\"\n"),
                "not an https:// address",
            ),
            (
                &format!("[places]\n{VIEWS}[links]\na = \"https://x.org/a b\"\n"),
                "needs escaping",
            ),
            (
                &format!("[places]\n{VIEWS}[links]\na = \"https://localhost/\"\n"),
                "not a host name",
            ),
            (
                &format!("[places]\n{VIEWS}[links]\na = \"{{nowhere}}/x\"\n"),
                "no place 'nowhere'",
            ),
            (
                &format!(
                    "[places]\n{VIEWS}[links]\na = {{ target = \"https://x.org/\", arches = [\"arm\"] }}\n"
                ),
                "unknown architecture 'arm'",
            ),
        ] {
            let error = format!("{:#}", Links::parse(text, upstream).err().unwrap());
            assert!(error.contains(said), "{text}: {error}");
        }
    }
}
