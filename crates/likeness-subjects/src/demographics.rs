//! Demographic rules: age, age band and hair, as the renderer and the prompts use them.
//!
//! * **Age** comes from the birth date only ([`crate::date::age_between`], with its
//!   minimum-age rule for partial dates). A deceased subject's age is the age at death (a
//!   death date after today counts to today); a subject known to be deceased without a date
//!   has no age. No age, no band.
//! * **Implausible dates give no age**, never a made-up one: a placeholder birth date
//!   ([`PartialDate::is_placeholder`]: `1900-01-01`, `0001-01-01`… listed in
//!   [`crate::date::PLACEHOLDER_BIRTH_DATES`]), a birth date after today, a death date before
//!   the birth date, and an age (today, or at death) over [`MAX_AGE`] (120). [`checked_age`]
//!   says which ([`AgeProblem`]); the readers report it as a [`crate::Notice`] for the record,
//!   and the subject keeps its dates as given. A birth date before 1850 is not a placeholder
//!   by itself: a living subject born then is over 120 anyway, and a historical persona with
//!   both dates (Ada Lovelace, 1815–1852) keeps the age at death.
//! * **Hair** comes from the attributes when they say (`hair_color`, `hair_length`, and `hair`
//!   as a free-text description; then `likeness_hair_color`, sampled from the subject's
//!   reference photo), otherwise from age alone:
//!
//!   | age | color | length | description |
//!   | --- | --- | --- | --- |
//!   | under 2 | — | short | fine wispy baby hair |
//!   | 55–64 | grey | — | greying hair |
//!   | 65–79 | grey | — | grey hair |
//!   | 80 and over | white | — | white hair |
//!   | otherwise, or no age | — | — | — |
//!
//!   "—" means `None`: the renderer picks (from its seed). Gender does not change these rows
//!   today. When an attribute gives the colour or the length, the inferred description is not
//!   used (it could contradict the attribute); `hair` always wins for the description.
//!   Attribute values are normalised to the fixed vocabularies ([`HAIR_COLORS`],
//!   [`HAIR_LENGTHS`]; `gray` → `grey`, `blonde` → `blond`, `dark brown` → `dark_brown`,
//!   `ginger` → `red`…); an unrecognised value is ignored. Names are never used.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::Serialize;

use crate::date::{MAX_AGE, PartialDate, years_between};
use crate::error::ParseEnumError;
use crate::subject::{Gender, Subject};

/// The hair colours the renderer knows.
pub const HAIR_COLORS: &[&str] = &[
    "black",
    "dark_brown",
    "brown",
    "auburn",
    "red",
    "blond",
    "grey",
    "white",
];

/// The hair lengths the renderer knows.
pub const HAIR_LENGTHS: &[&str] = &["bald", "short", "medium", "long"];

/// What the portrait needs to know about a subject.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Demographics {
    pub display_name: String,
    pub gender: Gender,
    pub age: Option<u32>,
    pub age_band: Option<AgeBand>,
    pub hair: Hair,
    pub deceased: bool,
}

/// Age bands: `<2`, `2–12`, `13–17`, `18–29`, `30–44`, `45–64`, `65–79`, `80+`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AgeBand {
    Infant,
    Child,
    Teen,
    YoungAdult,
    Adult,
    MiddleAged,
    Senior,
    Elderly,
}

impl AgeBand {
    /// Every band, youngest first.
    pub const ALL: [AgeBand; 8] = [
        AgeBand::Infant,
        AgeBand::Child,
        AgeBand::Teen,
        AgeBand::YoungAdult,
        AgeBand::Adult,
        AgeBand::MiddleAged,
        AgeBand::Senior,
        AgeBand::Elderly,
    ];

    pub fn from_age(age: u32) -> AgeBand {
        match age {
            0..=1 => AgeBand::Infant,
            2..=12 => AgeBand::Child,
            13..=17 => AgeBand::Teen,
            18..=29 => AgeBand::YoungAdult,
            30..=44 => AgeBand::Adult,
            45..=64 => AgeBand::MiddleAged,
            65..=79 => AgeBand::Senior,
            _ => AgeBand::Elderly,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            AgeBand::Infant => "infant",
            AgeBand::Child => "child",
            AgeBand::Teen => "teen",
            AgeBand::YoungAdult => "young_adult",
            AgeBand::Adult => "adult",
            AgeBand::MiddleAged => "middle_aged",
            AgeBand::Senior => "senior",
            AgeBand::Elderly => "elderly",
        }
    }
}

/// Accepts the snake-case names, any case, with `-` or a space for `_`.
impl FromStr for AgeBand {
    type Err = ParseEnumError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        AgeBand::ALL
            .into_iter()
            .find(|b| b.as_str() == norm)
            .ok_or_else(|| {
                ParseEnumError::new(
                    "age band",
                    s,
                    "infant, child, teen, young_adult, adult, middle_aged, senior, elderly",
                )
            })
    }
}

impl fmt::Display for AgeBand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Hair as far as it is known or inferred; see the module docs for the rules.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Hair {
    /// One of [`HAIR_COLORS`], or `None` (the renderer picks).
    pub color: Option<String>,
    /// One of [`HAIR_LENGTHS`], or `None`.
    pub length: Option<String>,
    /// Free text for prompts.
    pub description: Option<String>,
}

/// Normalise a hair colour to [`HAIR_COLORS`]; `None` if unrecognised.
pub fn normalize_hair_color(raw: &str) -> Option<&'static str> {
    let norm = raw.trim().to_ascii_lowercase().replace(['-', ' '], "_");
    let color = match norm.as_str() {
        "gray" | "grey" | "silver" | "greying" | "graying" => "grey",
        "blonde" | "blond" | "fair" | "platinum" => "blond",
        "ginger" | "red" => "red",
        "dark_brown" | "darkbrown" | "brunette" => "dark_brown",
        "light_brown" | "brown" | "chestnut" => "brown",
        other => HAIR_COLORS.iter().copied().find(|c| *c == other)?,
    };
    Some(color)
}

/// Normalise a hair length to [`HAIR_LENGTHS`]; `None` if unrecognised.
pub fn normalize_hair_length(raw: &str) -> Option<&'static str> {
    let norm = raw.trim().to_ascii_lowercase();
    let length = match norm.as_str() {
        "none" | "shaved" | "bald" => "bald",
        "medium" | "mid" | "shoulder" | "shoulder_length" | "shoulder-length" => "medium",
        other => HAIR_LENGTHS.iter().copied().find(|c| *c == other)?,
    };
    Some(length)
}

/// Hair inferred from age alone (the table in the module docs).
pub fn inferred_hair(age: Option<u32>) -> Hair {
    let (color, length, description) = match age {
        Some(0..=1) => (None, Some("short"), Some("fine wispy baby hair")),
        Some(55..=64) => (Some("grey"), None, Some("greying hair")),
        Some(65..=79) => (Some("grey"), None, Some("grey hair")),
        Some(80..) => (Some("white"), None, Some("white hair")),
        _ => (None, None, None),
    };
    Hair {
        color: color.map(String::from),
        length: length.map(String::from),
        description: description.map(String::from),
    }
}

/// The subject's age on `today`, or at death; `None` when it is unknown (see the module docs,
/// and [`checked_age`] for why).
pub fn age(subject: &Subject, today: NaiveDate) -> Option<u32> {
    checked_age(subject, today).ok().flatten()
}

/// Why a subject that has a birth date has no age: the dates are implausible. The message
/// (`Display`) says what is wrong and that the age is treated as unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AgeProblem {
    /// The birth date is a known placeholder for "unknown" ([`PartialDate::is_placeholder`]).
    #[error("birth date {birth} looks like a placeholder; age treated as unknown")]
    PlaceholderBirthDate { birth: PartialDate },
    /// The birth date is after today.
    #[error("birth date {birth} is in the future; age treated as unknown")]
    FutureBirthDate { birth: PartialDate },
    /// The death date is certainly before the birth date.
    #[error("deceased date {death} is before the birth date {birth}; age treated as unknown")]
    DeathBeforeBirth {
        birth: PartialDate,
        death: PartialDate,
    },
    /// The age today (`death` is `None`), or at death, would be over [`MAX_AGE`].
    #[error("{}", too_old(birth, death, *age))]
    TooOld {
        birth: PartialDate,
        death: Option<PartialDate>,
        age: u32,
    },
}

fn too_old(birth: &PartialDate, death: &Option<PartialDate>, age: u32) -> String {
    let limit = format!("over the plausible maximum of {MAX_AGE}; age treated as unknown");
    match death {
        None => format!("birth date {birth} gives an age of {age}, {limit}"),
        Some(death) => format!(
            "birth date {birth} and deceased date {death} give an age at death of {age}, {limit}"
        ),
    }
}

/// The subject's age on `today`, or at death, with the reason when the dates are implausible.
///
/// `Ok(None)`: no birth date, or deceased without a death date (nothing wrong, nothing known).
/// `Err`: the subject has a birth date but it gives no believable age (see [`AgeProblem`]);
/// [`age`] is `None` then too.
pub fn checked_age(subject: &Subject, today: NaiveDate) -> Result<Option<u32>, AgeProblem> {
    let Some(birth) = subject.birth_date else {
        return Ok(None);
    };
    if birth.is_placeholder() {
        return Err(AgeProblem::PlaceholderBirthDate { birth });
    }
    if birth.earliest() > today {
        return Err(AgeProblem::FutureBirthDate { birth });
    }
    let today = PartialDate::from_date(today);
    let (end, death) = if subject.deceased || subject.deceased_date.is_some() {
        let Some(died) = subject.deceased_date else {
            return Ok(None);
        };
        if died.latest() < birth.earliest() {
            return Err(AgeProblem::DeathBeforeBirth { birth, death: died });
        }
        // A death date "in the future" is bad data; count to today at most.
        if died.earliest() > today.earliest() {
            (today, None)
        } else {
            (died, Some(died))
        }
    } else {
        (today, None)
    };
    // Both checks above leave `birth` no later than `end`, so there is an age.
    let Some(age) = years_between(&birth, &end) else {
        return Ok(None);
    };
    if age > MAX_AGE {
        return Err(AgeProblem::TooOld { birth, death, age });
    }
    Ok(Some(age))
}

pub(crate) fn demographics(subject: &Subject, today: NaiveDate) -> Demographics {
    let age = age(subject, today);
    let attr = |k: &str| {
        subject
            .attributes
            .get(k)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    };
    let inferred = inferred_hair(age);
    // The subject's own attribute, else the colour sampled from their reference photo.
    let color = attr("hair_color")
        .and_then(normalize_hair_color)
        .or_else(|| attr("likeness_hair_color").and_then(normalize_hair_color));
    let length = attr("hair_length").and_then(normalize_hair_length);
    let description = match attr("hair") {
        Some(text) => Some(text.to_string()),
        None if color.is_none() && length.is_none() => inferred.description,
        None => None,
    };
    let hair = Hair {
        color: color.map(String::from).or(inferred.color),
        length: length.map(String::from).or(inferred.length),
        description,
    };
    Demographics {
        display_name: subject.display_name(),
        gender: subject.gender,
        age,
        age_band: age.map(AgeBand::from_age),
        hair,
        deceased: subject.deceased || subject.deceased_date.is_some(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::SubjectId;
    use crate::subject::Source;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()
    }

    fn subject(birth: Option<&str>, died: Option<&str>, deceased: bool) -> Subject {
        let mut s = Subject::new(SubjectId::new("s").unwrap(), Source::Api);
        s.birth_date = birth.map(|b| b.parse().unwrap());
        s.deceased_date = died.map(|d| d.parse().unwrap());
        s.deceased = deceased || died.is_some();
        s
    }

    fn message(birth: Option<&str>, died: Option<&str>) -> Result<Option<u32>, String> {
        checked_age(&subject(birth, died, false), today()).map_err(|p| p.to_string())
    }

    #[test]
    fn checked_age_says_why() {
        let unknown = |m: &str| Err(format!("{m}; age treated as unknown"));
        assert_eq!(message(None, None), Ok(None));
        assert_eq!(message(Some("1962-05-22"), None), Ok(Some(64)));
        assert_eq!(
            message(Some("1900-01-01"), None),
            unknown("birth date 1900-01-01 looks like a placeholder")
        );
        assert_eq!(
            message(Some("1903"), None),
            unknown("birth date 1903 gives an age of 122, over the plausible maximum of 120")
        );
        assert_eq!(
            message(Some("2030-01-01"), None),
            unknown("birth date 2030-01-01 is in the future")
        );
        assert_eq!(
            message(Some("1990-03-04"), Some("1980")),
            unknown("deceased date 1980 is before the birth date 1990-03-04")
        );
        assert_eq!(
            message(Some("1700-01-02"), Some("1850-06-01")),
            unknown(
                "birth date 1700-01-02 and deceased date 1850-06-01 give an age at death of \
                 150, over the plausible maximum of 120"
            )
        );
        // Placeholders win over every other rule, even for the deceased.
        assert_eq!(
            message(Some("1900-01-01"), Some("1890")),
            unknown("birth date 1900-01-01 looks like a placeholder")
        );
        assert_eq!(
            checked_age(&subject(Some("0001-01-01"), None, true), today())
                .unwrap_err()
                .to_string(),
            "birth date 0001-01-01 looks like a placeholder; age treated as unknown"
        );
        // Deceased without a date: no age, and nothing wrong.
        assert_eq!(
            checked_age(&subject(Some("1954-01-04"), None, true), today()),
            Ok(None)
        );
        // A death in the future counts to today; too old then is said without the death.
        assert_eq!(message(Some("1954-01-04"), Some("2030")), Ok(Some(72)));
        assert_eq!(
            message(Some("1880-06-01"), Some("2030")),
            unknown("birth date 1880-06-01 gives an age of 146, over the plausible maximum of 120")
        );
        // Same (partial) period for birth and death: age 0, not a death before birth.
        assert_eq!(message(Some("1990-05"), Some("1990")), Ok(Some(0)));
    }

    #[test]
    fn age_and_demographics_agree_with_checked_age() {
        for (birth, died) in [
            (Some("1900-01-01"), None),
            (Some("1906-11-21"), None),
            (Some("1905-11-21"), None),
            (Some("2026-11-22"), None),
            (Some("1815-12-10"), Some("1852-11-27")),
            (Some("1990"), Some("1980")),
        ] {
            let s = subject(birth, died, false);
            let want = checked_age(&s, today()).ok().flatten();
            assert_eq!(age(&s, today()), want, "{birth:?} {died:?}");
            let demo = s.demographics(today());
            assert_eq!(demo.age, want);
            assert_eq!(demo.age_band, want.map(AgeBand::from_age));
        }
    }
}
