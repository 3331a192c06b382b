//! [`PartialDate`]: a calendar date that may lack its day, or its month and day, as FHIR
//! `date` allows (`1962`, `1962-05`, `1962-05-17`), and the age rule built on it.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{DateError, quote};

/// A date with an optional month and an optional day (a day only with a month).
///
/// Parsing accepts `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, and a full date followed by a time after
/// `T` or a space (`1947-04-16 00:00:00`, FHIR `dateTime` `2019-03-02T10:11:12+01:00`); the
/// time and offset are dropped, the date part is kept as written (no time-zone shifting).
/// Years are four digits, 0001 to 9999. It displays and serialises as the ISO partial form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PartialDate {
    year: i32,
    month: Option<u32>,
    day: Option<u32>,
}

impl PartialDate {
    /// Build a partial date, checking the month (1–12) and the day (valid in that month).
    pub fn new(year: i32, month: Option<u32>, day: Option<u32>) -> Result<PartialDate, DateError> {
        let shown = match (month, day) {
            (Some(m), Some(d)) => format!("{year:04}-{m:02}-{d:02}"),
            (Some(m), None) => format!("{year:04}-{m:02}"),
            (None, Some(d)) => format!("{year:04}-??-{d:02}"),
            (None, None) => format!("{year:04}"),
        };
        let err = |reason: &str| DateError {
            shown: quote(&shown),
            reason: reason.into(),
        };
        if !(1..=9999).contains(&year) {
            return Err(err("the year is out of range"));
        }
        match (month, day) {
            (None, Some(_)) => return Err(err("a day needs a month")),
            (Some(m), _) if !(1..=12).contains(&m) => return Err(err("the month is out of range")),
            (Some(m), Some(d)) if NaiveDate::from_ymd_opt(year, m, d).is_none() => {
                return Err(err("there is no such day"));
            }
            _ => {}
        }
        Ok(PartialDate { year, month, day })
    }

    /// A full date.
    pub fn from_date(date: NaiveDate) -> PartialDate {
        PartialDate {
            year: date.year(),
            month: Some(date.month()),
            day: Some(date.day()),
        }
    }

    pub fn year(&self) -> i32 {
        self.year
    }
    pub fn month(&self) -> Option<u32> {
        self.month
    }
    pub fn day(&self) -> Option<u32> {
        self.day
    }

    /// The earliest day this partial date can stand for (`1962` → 1962-01-01,
    /// `1962-05` → 1962-05-01).
    pub fn earliest(&self) -> NaiveDate {
        let m = self.month.unwrap_or(1);
        let d = self.day.unwrap_or(1);
        NaiveDate::from_ymd_opt(self.year, m, d).expect("validated on construction")
    }

    /// The latest day this partial date can stand for (`1962` → 1962-12-31,
    /// `1962-02` → 1962-02-28).
    pub fn latest(&self) -> NaiveDate {
        match (self.month, self.day) {
            (Some(m), Some(d)) => NaiveDate::from_ymd_opt(self.year, m, d),
            (Some(m), None) => {
                let (ny, nm) = if m == 12 {
                    (self.year + 1, 1)
                } else {
                    (self.year, m + 1)
                };
                NaiveDate::from_ymd_opt(ny, nm, 1).and_then(|d| d.pred_opt())
            }
            _ => NaiveDate::from_ymd_opt(self.year, 12, 31),
        }
        .expect("validated on construction")
    }

    /// Whether this date, as a birth date, looks like a placeholder for "unknown": one of
    /// [`PLACEHOLDER_BIRTH_DATES`] (full dates only: `1900` alone is not one), or any date in
    /// year 0001.
    pub fn is_placeholder(&self) -> bool {
        if self.year == 1 {
            return true;
        }
        let (Some(month), Some(day)) = (self.month, self.day) else {
            return false;
        };
        PLACEHOLDER_BIRTH_DATES.contains(&(self.year, month, day))
    }
}

/// The oldest plausible age, in whole years; an older computed age is treated as bad data
/// (`None`). The oldest verified human lived to 122; in an export, an age over 120 is far more
/// likely a placeholder birth date or a typo than a real person.
pub const MAX_AGE: u32 = 120;

/// Birth dates that exports write when the real one is unknown, as `(year, month, day)`.
///
/// | date | where it comes from |
/// | --- | --- |
/// | 0001-01-01 | .NET `DateTime.MinValue`, Go's zero `time.Time` (also every date in year 1, see [`PartialDate::is_placeholder`]) |
/// | 1753-01-01 | SQL Server's `datetime` minimum |
/// | 1800-01-01, 1850-01-01 | round "unknown" years typed by hand (1850 is one that US library systems used for an unknown birth year) |
/// | 1899-12-30 | day 0 of OLE Automation dates (Access, Delphi, VB, COM) |
/// | 1899-12-31 | day 1 of OLE Automation dates, and Excel's serial 0 (which Excel shows as 1900-01-00) as converters render it |
/// | 1900-01-01 | day 0 of SQL Server `datetime` / `smalldatetime`, day 1 of Excel; the classic "unknown" default of messaging interfaces |
/// | 1901-01-01 | a pharmacy benefit manager's default date of birth, flagged in a US all-payer claims database |
///
/// The list is short on purpose: a real person can be born on 1 January of any year, so only
/// dates that no living patient has (every one of these is more than [`MAX_AGE`] years ago
/// today, which the age rule catches anyway) or that are known machine defaults are listed.
/// The list makes the notice say "placeholder" and keeps such a date from ever giving an age,
/// even for a deceased subject or with an earlier `today`.
pub const PLACEHOLDER_BIRTH_DATES: &[(i32, u32, u32)] = &[
    (1, 1, 1),
    (1753, 1, 1),
    (1800, 1, 1),
    (1850, 1, 1),
    (1899, 12, 30),
    (1899, 12, 31),
    (1900, 1, 1),
    (1901, 1, 1),
];

/// Age in whole years of someone born on `birth`, on the day `on` (today, or the death date).
///
/// **The partial-date rule**: the age is the *minimum* age consistent with the data. A missing
/// month or day in the birth date is taken as the latest day it can stand for (`1962` is read as
/// 1962-12-31), a missing part of `on` as the earliest (a death in `2019` counts from
/// 2019-01-01). So a year-only birth date never makes anyone older than they could be.
///
/// `None` when `birth` is certainly after `on` (a future birth date, a death before birth), or
/// when the age would exceed [`MAX_AGE`]. When the ranges overlap (born and died in the same
/// year, year-only, or born in May of a year given alone for the death) the age is 0.
///
/// This is a rule on dates alone; [`crate::demographics::age`] adds the subject-level rules
/// (placeholder birth dates, deceased subjects) and
/// [`crate::demographics::checked_age`] says why an age is unknown.
pub fn age_between(birth: &PartialDate, on: &PartialDate) -> Option<u32> {
    years_between(birth, on).filter(|age| *age <= MAX_AGE)
}

/// [`age_between`] without the [`MAX_AGE`] cap: `None` only when `birth` is certainly after
/// `on`.
pub(crate) fn years_between(birth: &PartialDate, on: &PartialDate) -> Option<u32> {
    if birth.earliest() > on.latest() {
        return None;
    }
    let age = whole_years(birth.latest(), on.earliest()).max(0);
    u32::try_from(age).ok()
}

/// Whole years from `from` to `to` (negative when `to` is earlier). A 29 February birthday
/// is reached on 1 March in common years.
fn whole_years(from: NaiveDate, to: NaiveDate) -> i64 {
    let mut years = i64::from(to.year()) - i64::from(from.year());
    if (to.month(), to.day()) < (from.month(), from.day()) {
        years -= 1;
    }
    years
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
            if let Some(d) = self.day {
                write!(f, "-{d:02}")?;
            }
        }
        Ok(())
    }
}

impl FromStr for PartialDate {
    type Err = DateError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let err = |reason: &str| DateError {
            shown: quote(input),
            reason: reason.into(),
        };
        let s = input.trim();
        if s.is_empty() {
            return Err(err("it is empty"));
        }
        // Split off a time part: only after a full date, introduced by 'T' or a space.
        let (date, time) = match s.find(['T', ' ']) {
            Some(i) => (&s[..i], Some(s[i + 1..].trim_start())),
            None => (s, None),
        };
        let parts: Vec<&str> = date.split('-').collect();
        let number = |p: &str, width: usize, what: &str| -> Result<u32, DateError> {
            if p.len() != width || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err(&format!("the {what} must be {width} digits")));
            }
            p.parse::<u32>().map_err(|_| err(&format!("bad {what}")))
        };
        let (year, month, day) = match parts.as_slice() {
            [y] => (number(y, 4, "year")?, None, None),
            [y, m] => (number(y, 4, "year")?, Some(number(m, 2, "month")?), None),
            [y, m, d] => (
                number(y, 4, "year")?,
                Some(number(m, 2, "month")?),
                Some(number(d, 2, "day")?),
            ),
            _ => return Err(err("too many '-' separators")),
        };
        if let Some(time) = time {
            if day.is_none() {
                return Err(err("a time needs a full date before it"));
            }
            let time_ok = time.starts_with(|c: char| c.is_ascii_digit())
                && time
                    .chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, ':' | '.' | '+' | '-' | 'Z'));
            if !time_ok {
                return Err(err("the time part is not a time"));
            }
        }
        let year = i32::try_from(year).map_err(|_| err("bad year"))?;
        PartialDate::new(year, month, day).map_err(|e| DateError {
            shown: quote(input),
            reason: e.reason,
        })
    }
}

impl Serialize for PartialDate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PartialDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> PartialDate {
        s.parse().unwrap()
    }

    #[test]
    fn placeholders() {
        for yes in [
            "0001-01-01",
            "0001-06-15",
            "0001",
            "1753-01-01",
            "1800-01-01",
            "1850-01-01",
            "1899-12-30",
            "1899-12-31",
            "1900-01-01",
            "1901-01-01",
            "1900-01-01T00:00:00Z",
        ] {
            assert!(d(yes).is_placeholder(), "{yes}");
        }
        // Partial forms of those years, neighbours, and ordinary 1 Januaries are real dates.
        for no in [
            "1900",
            "1900-01",
            "1900-01-02",
            "1899-12-29",
            "1849-05-01",
            "1950-01-01",
            "1970-01-01",
            "0002-01-01",
        ] {
            assert!(!d(no).is_placeholder(), "{no}");
        }
        // Every listed date is a valid date, and none could be a living person's.
        for &(y, m, day) in PLACEHOLDER_BIRTH_DATES {
            let date = PartialDate::new(y, Some(m), Some(day)).unwrap();
            let today = d("2026-01-01");
            assert!(years_between(&date, &today).unwrap() > MAX_AGE, "{date}");
        }
    }

    #[test]
    fn years_between_has_no_cap_and_age_between_does() {
        assert_eq!(years_between(&d("1800-06-01"), &d("2026-06-01")), Some(226));
        assert_eq!(age_between(&d("1800-06-01"), &d("2026-06-01")), None);
        assert_eq!(years_between(&d("2027"), &d("2026-06-01")), None);
        // Overlapping ranges: the minimum age, 0.
        assert_eq!(age_between(&d("1990-05"), &d("1990")), Some(0));
        assert_eq!(age_between(&d("1990-05-02"), &d("1990-05")), Some(0));
        assert_eq!(age_between(&d("1990-06"), &d("1990-05")), None);
    }
}
