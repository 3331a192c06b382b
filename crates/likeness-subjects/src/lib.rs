//! Subjects for `likeness`: the normalised [`Subject`] model, the demographic rules that turn
//! it into what a portrait needs ([`Demographics`]), and the readers for FHIR R4, CSV and
//! JSONL ([`read_paths`]).
//!
//! # The model
//!
//! A [`Subject`] is an entity that needs a portrait: a validated [`SubjectId`], where it came
//! from ([`Source`]), an optional cleaned display name, a [`Gender`] (`man`, `woman`, or the
//! neutral `person` whenever the source is not explicit) with the raw source value kept for
//! audit, optional [`PartialDate`]s of birth and death, a deceased flag, sorted cohorts, and
//! free string attributes (team, position, description, species…).
//!
//! # Invariants
//!
//! * **No I/O except reading the files it is handed.** No database, no network, no clock:
//!   functions that depend on the date take `today` as an argument. The one exception is
//!   [`read_paths`], which reads today's date (UTC) once to check ages, as the application
//!   does; [`read_paths_as_of`] takes it instead.
//! * **Ids are validated before they leave this crate.** A [`SubjectId`] is 1–128 characters
//!   of `[A-Za-z0-9._-]` starting with a letter or digit, so it is safe in paths, URLs and
//!   storage keys as is; every constructor and `Deserialize` checks it.
//! * **Names** follow one set of rules ([`names`]): NFC, no control or bidi-override
//!   characters, collapsed whitespace, Synthea's generated digits stripped, at most
//!   [`MAX_NAME_CHARS`] characters (longer is a rejected record, not a truncation).
//!   Nothing is ever inferred from a name.
//! * **Bad input never panics and never stops an import**: a bad file or record becomes a
//!   [`Rejection`] with the file, the record and the reason; only a missing path or a bad
//!   option is a [`SourceError`].
//! * **Streaming**: readers hand records to a sink one at a time and never hold all subjects.
//!
//! # Documented choices
//!
//! * Age from a partial birth date is the *minimum* age consistent with it (`1962` counts as
//!   1962-12-31); see [`date::age_between`].
//! * Implausible dates give no age, never a made-up one, and the readers say so in a
//!   [`Notice`]: placeholder birth dates (`1900-01-01`, `0001-01-01`…), births after today,
//!   deaths before birth, ages over [`date::MAX_AGE`] (120); see [`demographics`].
//! * A personas file without an id column gets `id = slug(name)`; see [`read`]'s tabular rules.
//! * CJK names (family and given all in Han, Kana or Hangul) are shown family first.
//! * Hair is inferred from age only, and only in a few bands; see [`demographics`].

pub mod date;
pub mod demographics;
pub mod error;
pub mod id;
pub mod names;
pub mod read;
pub mod subject;

pub use date::PartialDate;
pub use demographics::{AgeBand, AgeProblem, Demographics, Hair};
pub use error::{DateError, IdError, ParseEnumError, RecordError, SourceError};
pub use id::SubjectId;
pub use names::MAX_NAME_CHARS;
pub use read::{
    Kind, MAP_FIELDS, Notice, ReadOptions, ReadSummary, Record, Rejection, read_bytes, read_paths,
    read_paths_as_of, subject_from_json,
};
pub use subject::{Gender, Source, Subject};
