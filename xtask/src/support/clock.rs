// SPDX-License-Identifier: BSD-2-Clause

//! The time of day, UTC, in the two forms the tools write: a day (`2026-12-06`, beside a measured
//! figure) and a stamp that sorts (`20261206-223005`, in a backup's name).

use std::time::{SystemTime, UNIX_EPOCH};

/// A moment, UTC, to the second.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Utc {
    year: i64,
    month: i64,
    day: i64,
    seconds_of_day: u64,
}

impl Utc {
    /// The time now (the epoch, if the clock is set before it).
    pub fn now() -> Self {
        Self::from_unix(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        )
    }

    /// `secs` seconds after 1970-01-01 00:00:00 UTC, on the Gregorian calendar (Howard Hinnant's
    /// civil_from_days).
    pub fn from_unix(secs: u64) -> Self {
        let z = (secs / 86_400) as i64 + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Self {
            year,
            month,
            day,
            seconds_of_day: secs % 86_400,
        }
    }

    /// The day, as `YYYY-MM-DD`.
    pub fn date(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    /// Day and time, as `YYYYMMDD-HHMMSS`: names made from it sort in time order.
    pub fn stamp(&self) -> String {
        let s = self.seconds_of_day;
        format!(
            "{:04}{:02}{:02}-{:02}{:02}{:02}",
            self.year,
            self.month,
            self.day,
            s / 3600,
            s / 60 % 60,
            s % 60
        )
    }
}

#[cfg(test)]
mod tests {
    use super::Utc;

    #[test]
    fn unix_times_are_gregorian_dates_and_stamps() {
        assert_eq!(Utc::from_unix(0).date(), "1970-01-01");
        assert_eq!(Utc::from_unix(0).stamp(), "19700101-000000");
        // A leap day, in a year divisible by 400.
        assert_eq!(Utc::from_unix(951_782_400).date(), "2000-02-29");
        assert_eq!(Utc::from_unix(951_782_400 + 86_400).date(), "2000-03-01");
        assert_eq!(Utc::from_unix(1_795_530_645).stamp(), "20261124-143045");
        assert_eq!(
            Utc::from_unix(20_793 * 86_400 + 86_399).date(),
            "2026-12-06"
        );
        assert_eq!(
            Utc::from_unix(20_793 * 86_400 + 86_399).stamp(),
            "20261206-235959"
        );
    }
}
