// SPDX-License-Identifier: BSD-2-Clause

//! `make help`: the make commands, from the doc comments of [`super::Command`].

use clap::CommandFactory;

use super::Cli;

/// One line per command that `make` runs: its usage, padded, then what it does. The Makefile's
/// own list (its header, which `make help` prints) is held to this by a test.
pub fn make_help() -> String {
    let lines: Vec<(String, String)> = Cli::command()
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
        .map(|command| {
            let about = command
                .get_about()
                .map(ToString::to_string)
                .unwrap_or_default();
            match about
                .strip_prefix('`')
                .and_then(|rest| rest.split_once("`: "))
            {
                Some((usage, what)) => (usage.to_owned(), what.to_owned()),
                None => (format!("make {}", command.get_name()), about),
            }
        })
        .collect();
    let width = lines
        .iter()
        .map(|(usage, _)| usage.len())
        .max()
        .unwrap_or(0);
    lines
        .iter()
        .map(|(usage, what)| format!("{usage:<width$}  {what}\n"))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_make_command_has_its_usage_and_what_it_does() {
        let help = super::make_help();
        assert!(help.lines().count() >= 14, "{help}");
        for line in help.lines() {
            let (usage, what) = line.split_once("  ").unwrap();
            assert!(
                usage.starts_with("make ") && !what.trim().is_empty(),
                "{line}"
            );
        }
        assert!(
            help.contains("make simulate [ARCH=...] [STAGE=...|EXERCISE=...] [GDB=1] [WALK=1]  ")
        );
        assert!(help.contains("make walk [ARCH=...] [STAGE=...|EXERCISE=...] [ADDR=...]  "));
    }
}
