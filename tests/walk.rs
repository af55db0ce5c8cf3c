// SPDX-License-Identifier: BSD-2-Clause

//! `make walk` on each architecture's seL4 kernel under QEMU, beyond what every walked stage
//! checks (tests/stages.rs: its walk file, and that the walk agrees with the kernel's "level N"
//! and its faults): the remap stage shows the page that faulted, now writable, at the same
//! physical address; any address of the root task walks (its own entry point, mapped by the kernel
//! at boot); an address outside the user range or not an address is refused with the range; the
//! `make walk` command prints the picture and leaves no QEMU behind.

use std::process::Command;

use xtask::catalogue::{self, Arch};
use xtask::check::boot_stage;
use xtask::image::Source;
use xtask::project::Project;
use xtask::walk;

/// One module per architecture.
macro_rules! per_arch {
    ($($arch:ident,)+) => {$(
        mod $arch {
            #[test]
            fn the_remap_stage_shows_the_faulting_page_writable_at_the_same_address() {
                super::the_remap_stage_shows_the_faulting_page_writable(stringify!($arch));
            }
            #[test]
            fn any_user_address_walks_and_others_are_refused_with_the_range() {
                super::any_user_address_walks(stringify!($arch));
            }
        }
    )+};
}

per_arch! {
    x86_64,
    aarch64,
    riscv64,
    aarch32,
    riscv32,
}

fn arch(name: &str) -> &'static Arch {
    catalogue::find_arch(name).unwrap()
}

fn the_remap_stage_shows_the_faulting_page_writable(name: &str) {
    let project = Project::here();
    let stages: Vec<_> = arch(name).main_exercise().stages().collect();
    let [.., fault, remap] = stages.as_slice() else {
        panic!("{name}: the main exercise has no fault and remap stages")
    };
    let page = |stage| {
        let passed = boot_stage(&project, stage).unwrap_or_else(|e| panic!("{e:#}"));
        let walk = passed
            .walks
            .first()
            .expect("the main exercise's stages are walked");
        walk.page()
            .cloned()
            .unwrap_or_else(|| panic!("{}", walk.render().join("\n")))
    };
    let (before, after) = (page(*fault), page(*remap));
    assert!(before.read && !before.write, "{name}: {before:?}");
    assert!(after.read && after.write, "{name}: {after:?}");
    assert_eq!(
        before.physical, after.physical,
        "{name}: the remap maps the same frame"
    );
}

/// `0x7fff_ffff_efff`: hexadecimal in groups of four digits, as the documents write addresses.
fn grouped_hex(value: u64) -> String {
    let digits = format!("{value:x}");
    let mut groups: Vec<&str> = Vec::new();
    let mut end = digits.len();
    while end > 0 {
        let start = end.saturating_sub(4);
        groups.insert(0, &digits[start..end]);
        end = start;
    }
    format!("0x{}", groups.join("_"))
}

/// The root task's entry point walks to an executable page; an address above
/// seL4_UserVSpaceTop, or not a number, is refused with the range, by `make walk` too.
fn any_user_address_walks(name: &str) {
    let project = Project::here();
    let arch = arch(name);
    let stage = arch.main_exercise().start();
    let source = Source::Stage(stage);
    let image = xtask::check::build_checked_image(
        &project,
        &source,
        xtask::support::process::Output::Captured,
    )
    .unwrap();
    let entry = {
        use object::Object;
        let elf = std::fs::read(&image.root_task).unwrap();
        object::File::parse(&*elf).unwrap().entry()
    };
    let addresses =
        walk::addresses::addresses_for(&project, &source, Some(&format!("{entry:#x}"))).unwrap();
    let mut walked = None;
    xtask::boot::Boot::quiet(format!("test-walk-entry-{name}"))
        .run_walking(
            &project,
            &image,
            &addresses,
            xtask::check::expect::unattended_step,
            |w| walked = Some(w),
        )
        .unwrap();
    let walks = walked.expect("the program ended").unwrap();
    let page = walks[0]
        .page()
        .unwrap_or_else(|| panic!("{}", walks[0].render().join("\n")));
    assert!(
        page.read && page.execute,
        "{name}: the code's page: {page:?}"
    );

    let top = walk::addresses::user_vspace_top(arch, &project.kernel_prefix(arch)).unwrap();
    let format = arch.paging.expect("every architecture's tables are walked");
    let config = xtask::image::kernel::config(&project, arch).unwrap();
    let tables = xtask::walk::tables::Tables::of(format, &config).unwrap();
    assert!(top < 1 << tables.address_bits(), "{name}: {top:#x}");
    // The documents give the kernel's value: the book, in the architecture's part of "Where user
    // addresses end" ("On aarch64 that is 0xfff_ffff_ffff"), and the seL4_UserVSpaceTop row of
    // docs/kernel-semantics.md.
    let grouped = grouped_hex(top);
    let background = project.book_dir().join("src/background.md");
    let tutorial = std::fs::read_to_string(background).unwrap();
    let part = tutorial
        .split("## Where user addresses end")
        .nth(1)
        .and_then(|section| section.split(&format!("{{{{#arch {name}}}}}")).nth(1))
        .and_then(|part| part.split("{{#endarch}}").next())
        .unwrap_or_else(|| {
            panic!("the book's background.md has no part for {name} where user addresses end")
        });
    assert!(
        part.contains(&format!("On {name}")) && part.contains(&format!("that is {grouped}")),
        "the book's background.md: {name}'s seL4_UserVSpaceTop is {grouped}, not as in: {part}"
    );
    let semantics =
        std::fs::read_to_string(project.root().join("docs/kernel-semantics.md")).unwrap();
    let row = semantics
        .lines()
        .find(|l| l.starts_with("| **`seL4_UserVSpaceTop`**"))
        .expect("docs/kernel-semantics.md has a seL4_UserVSpaceTop row");
    let column = 2 + catalogue::ARCHES
        .iter()
        .position(|a| a.name == name)
        .unwrap();
    assert!(
        row.split('|')
            .nth(column)
            .is_some_and(|cell| cell.trim().starts_with(&grouped)),
        "docs/kernel-semantics.md: {name}'s seL4_UserVSpaceTop is {grouped}, not as in: {row}"
    );
    let above = format!("{:#x}", top + 1);
    let error = walk::addresses::addresses_for(&project, &source, Some(&above))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("outside the user range") && error.contains(&format!("{top:#x}")),
        "{error}"
    );

    // The command: a word that is no address changes nothing and says what is valid.
    let output = Command::new(project.root().join("tools/xtask"))
        .args(["walk", "--arch", name, "--addr", "0xzz"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("ADDR='0xzz' is not an address") && stderr.contains(&format!("{top:#x}")),
        "{stderr}"
    );
}
