//! The normalised [`Subject`], its [`Source`] and [`Gender`], and `--where` matching.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::date::PartialDate;
use crate::demographics::{AgeBand, Demographics};
use crate::error::ParseEnumError;
use crate::id::SubjectId;
use crate::names::slugify;

/// Where a subject came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Fhir,
    Csv,
    Jsonl,
    Api,
}

impl Source {
    pub fn as_str(&self) -> &'static str {
        match self {
            Source::Fhir => "fhir",
            Source::Csv => "csv",
            Source::Jsonl => "jsonl",
            Source::Api => "api",
        }
    }
}

impl FromStr for Source {
    type Err = ParseEnumError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "fhir" => Ok(Source::Fhir),
            "csv" => Ok(Source::Csv),
            "jsonl" => Ok(Source::Jsonl),
            "api" => Ok(Source::Api),
            _ => Err(ParseEnumError::new("source", s, "fhir, csv, jsonl, api")),
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The gender used for portraits. Anything a source says that is not clearly a man or a
/// woman (FHIR `other`, `unknown`, a missing value, free text) is `Person`: a neutral
/// portrait, never a guess. The source's own value is kept in [`Subject::gender_raw`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Gender {
    Man,
    Woman,
    Person,
}

impl Gender {
    pub fn as_str(&self) -> &'static str {
        match self {
            Gender::Man => "man",
            Gender::Woman => "woman",
            Gender::Person => "person",
        }
    }

    /// Map what a source says (case-insensitive, trimmed): `male`/`m`/`man`/`boy` → `Man`,
    /// `female`/`f`/`woman`/`girl` → `Woman`, anything else or nothing → `Person`.
    pub fn from_source(raw: Option<&str>) -> Gender {
        match raw.map(|r| r.trim().to_lowercase()).as_deref() {
            Some("male" | "m" | "man" | "boy") => Gender::Man,
            Some("female" | "f" | "woman" | "girl") => Gender::Woman,
            _ => Gender::Person,
        }
    }
}

/// Parses the canonical names only (`man`, `woman`, `person`, any case); use
/// [`Gender::from_source`] for source data.
impl FromStr for Gender {
    type Err = ParseEnumError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "man" => Ok(Gender::Man),
            "woman" => Ok(Gender::Woman),
            "person" => Ok(Gender::Person),
            _ => Err(ParseEnumError::new("gender", s, "man, woman, person")),
        }
    }
}

impl fmt::Display for Gender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A subject: an entity that needs a portrait, normalised from any source.
///
/// Invariants when produced by this crate's readers: `id` is valid (by type); `name`, if
/// present, is a cleaned display name of 1..=[`crate::MAX_NAME_CHARS`] characters (see
/// [`crate::names`]); `cohorts` are sorted, deduplicated, non-empty strings; attribute keys
/// are lowercase and trimmed, values trimmed and non-empty; `deceased_date` implies
/// `deceased`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Subject {
    pub id: SubjectId,
    pub source: Source,
    /// Normalised display name, or `None` when the source has none.
    pub name: Option<String>,
    pub gender: Gender,
    /// What the source said about gender, for audit.
    pub gender_raw: Option<String>,
    pub birth_date: Option<PartialDate>,
    pub deceased: bool,
    pub deceased_date: Option<PartialDate>,
    /// Sorted, deduplicated.
    pub cohorts: Vec<String>,
    pub attributes: BTreeMap<String, String>,
}

impl Subject {
    /// An empty subject: no name, gender `Person`, nothing known.
    pub fn new(id: SubjectId, source: Source) -> Subject {
        Subject {
            id,
            source,
            name: None,
            gender: Gender::Person,
            gender_raw: None,
            birth_date: None,
            deceased: false,
            deceased_date: None,
            cohorts: Vec::new(),
            attributes: BTreeMap::new(),
        }
    }

    /// Add a cohort, keeping `cohorts` sorted and deduplicated. Blank names are ignored;
    /// the name is trimmed and cleaned like a display name (no digit rule).
    pub fn add_cohort(&mut self, cohort: &str) {
        let cohort = crate::names::sanitize(cohort);
        if cohort.is_empty() {
            return;
        }
        if let Err(at) = self.cohorts.binary_search(&cohort) {
            self.cohorts.insert(at, cohort);
        }
    }

    /// The name, or the neutral fallback `Subject <id>`.
    pub fn display_name(&self) -> String {
        match &self.name {
            Some(name) => name.clone(),
            None => format!("Subject {}", self.id),
        }
    }

    /// A lowercase ASCII slug (`[a-z0-9-]`, ≤ 48 characters, never empty) of the display name:
    /// `Tomás Oquendo` → `tomas-oquendo`. See [`crate::names::slugify`].
    pub fn slug(&self) -> String {
        slugify(&self.display_name())
    }

    /// Demographics as of `today` (the age of a deceased subject is the age at death).
    pub fn demographics(&self, today: NaiveDate) -> Demographics {
        crate::demographics::demographics(self, today)
    }

    /// The value of a `--where` field, as a string:
    ///
    /// `id`, `source`, `name` (the name, `None` if there is none), `display_name`, `slug`,
    /// `gender` (`man`/`woman`/`person`), `gender_raw`, `birth_date`, `deceased_date`,
    /// `deceased` (`true`/`false`), `age`, `age_band` (snake case), `cohort`/`cohorts`
    /// (joined with `;` — use [`Subject::matches`] for membership), and otherwise the attribute
    /// of that (case-insensitive) name. Built-in fields win over attributes of the same name.
    pub fn field(&self, name: &str, today: NaiveDate) -> Option<String> {
        let key = name.trim().to_lowercase();
        match key.as_str() {
            "id" => Some(self.id.to_string()),
            "source" => Some(self.source.as_str().to_string()),
            "name" => self.name.clone(),
            "display_name" => Some(self.display_name()),
            "slug" => Some(self.slug()),
            "gender" => Some(self.gender.as_str().to_string()),
            "gender_raw" => self.gender_raw.clone(),
            "birth_date" => self.birth_date.map(|d| d.to_string()),
            "deceased_date" => self.deceased_date.map(|d| d.to_string()),
            "deceased" => Some(self.deceased.to_string()),
            "age" => self.demographics(today).age.map(|a| a.to_string()),
            "age_band" => self
                .demographics(today)
                .age_band
                .map(|b| b.as_str().to_string()),
            "cohort" | "cohorts" => Some(self.cohorts.join(";")),
            _ => self.attributes.get(&key).cloned(),
        }
    }

    /// Whether `field` equals `value` (`--where FIELD=VALUE`), case-insensitively after
    /// trimming. `cohort`/`cohorts` test membership; `age_band` also accepts `young-adult`
    /// and `young adult`. A field with no value (unknown attribute, no age) never matches.
    pub fn matches(&self, field: &str, value: &str, today: NaiveDate) -> bool {
        let key = field.trim().to_lowercase();
        let want = value.trim().to_lowercase();
        match key.as_str() {
            "cohort" | "cohorts" => self.cohorts.iter().any(|c| c.to_lowercase() == want),
            "age_band" => match (AgeBand::from_str(&want), self.demographics(today).age_band) {
                (Ok(w), Some(have)) => w == have,
                _ => false,
            },
            _ => self
                .field(&key, today)
                .is_some_and(|have| have.trim().to_lowercase() == want),
        }
    }
}
