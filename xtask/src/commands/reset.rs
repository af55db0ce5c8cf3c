// SPDX-License-Identifier: BSD-2-Clause

//! `make reset`: an exercise's file back as it ships, after a yes (from the terminal, or
//! CONFIRM=yes), with the learner's version kept beside it as `<file>.<time>.bak`.

use std::fs;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use super::pick::Picked;
use crate::project::Project;
use crate::support::files;

pub fn run(project: &Project, picked: &Picked, confirmed: bool) -> Result<ExitCode> {
    let exercise = picked.exercise();
    let file = exercise.exercise.file;
    // As bytes: a file that is not even UTF-8 is put back too.
    let path = project.root().join(file);
    let shipped = fs::read(project.shipped(file))
        .with_context(|| format!("cannot read {}", project.shipped(file).display()))?;
    let learner = match fs::read(&path) {
        Ok(learner) => learner,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            files::write(&path, &shipped).with_context(|| format!("cannot write {file}"))?;
            eprintln!("{file} was missing: it is back as shipped.");
            return Ok(ExitCode::SUCCESS);
        }
        Err(e) => return Err(e).with_context(|| format!("cannot read {file}")),
    };
    if learner == shipped {
        eprintln!("{file} is as shipped already: nothing to do.");
        return Ok(ExitCode::SUCCESS);
    }
    if !confirmed {
        if !std::io::stdin().is_terminal() {
            bail!(
                "make reset puts {file} back as shipped: run it from a terminal to confirm, \
                 or as `make reset{} CONFIRM=yes`",
                exercise.make_args()
            );
        }
        eprint!("Put {file} back as shipped (yours is kept as a backup beside it)? [y/N] ");
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            eprintln!("Nothing changed.");
            return Ok(ExitCode::SUCCESS);
        }
    }
    let backup = PathBuf::from(format!("{}.{}.bak", path.display(), timestamp()));
    files::write(&backup, &learner)
        .with_context(|| format!("cannot keep your {file} as {}", backup.display()))?;
    files::write(&path, &shipped).with_context(|| format!("cannot write {file}"))?;
    let shown = backup.strip_prefix(project.root()).unwrap_or(&backup);
    eprintln!(
        "{file} is back as shipped, at stage '{}'. Yours is in {}.",
        exercise.start().name(),
        shown.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The time now, UTC, as `20261124-133005`: backups sort by it.
fn timestamp() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    utc(secs)
}

/// Seconds since 1970-01-01 UTC as `YYYYMMDD-HHMMSS`.
fn utc(secs: u64) -> String {
    let (days, day_secs) = (secs / 86_400, secs % 86_400);
    // Howard Hinnant's civil_from_days, for days since 1970-01-01.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}-{:02}{:02}{:02}",
        day_secs / 3600,
        day_secs / 60 % 60,
        day_secs % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc_times_are_civil_dates() {
        assert_eq!(super::utc(0), "19700101-000000");
        assert_eq!(super::utc(951_782_400), "20000229-000000");
        assert_eq!(super::utc(1_795_530_645), "20261124-143045");
    }
}
