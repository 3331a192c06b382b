//! Demographic rules: age, age band and hair, as the renderer and the prompts use them.
//!
//! * **Age** comes from the birth date only ([`crate::date::age_between`], with its
//!   minimum-age rule for partial dates). A deceased subject's age is the age at death; a
//!   subject known to be deceased without a date has no age. Future birth dates and ages over
//!   [`crate::date::MAX_AGE`] give no age. No age, no band.
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

use crate::date::{PartialDate, age_between};
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

/// The subject's age on `today`, or at death (see the module docs).
pub fn age(subject: &Subject, today: NaiveDate) -> Option<u32> {
    let birth = subject.birth_date.as_ref()?;
    let today = PartialDate::from_date(today);
    let end = if subject.deceased || subject.deceased_date.is_some() {
        let died = subject.deceased_date?;
        // A death date "in the future" is bad data; count to today at most.
        if died.earliest() > today.earliest() {
            today
        } else {
            died
        }
    } else {
        today
    };
    age_between(birth, &end)
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
