//! Error types.
//!
//! Two kinds of failure exist in this crate:
//!
//! * [`SourceError`]: the import as a whole cannot start or go on (a path that does not exist,
//!   a bad `--map`). Each variant has a stable machine-readable [`SourceError::code`].
//! * Everything that concerns one file or one record is *not* an error: it is reported as a
//!   [`crate::Rejection`] or a [`crate::Notice`] and the import goes on.
//!
//! The small parse errors ([`IdError`], [`DateError`], [`ParseEnumError`]) come from the
//! `FromStr` impls of the model types; their messages say what is allowed.

use std::path::PathBuf;

/// The import as a whole cannot start or go on.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// A path handed to [`crate::read_paths`] does not exist.
    #[error("{}: no such file or directory", path.display())]
    NotFound { path: PathBuf },
    /// A path handed to [`crate::read_paths`] exists but cannot be inspected or listed.
    #[error("{}: cannot read: {source}", path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A `--map FIELD=COLUMN` entry is invalid (unknown field, empty column).
    #[error("bad --map: {message}")]
    BadMap { message: String },
    /// The cohort given for the whole import is unusable (empty after trimming, too long).
    #[error("bad cohort: {message}")]
    BadCohort { message: String },
}

impl SourceError {
    /// A stable, machine-readable code for this error (for the CLI's JSON output and the API).
    pub fn code(&self) -> &'static str {
        match self {
            SourceError::NotFound { .. } => "source.not_found",
            SourceError::Unreadable { .. } => "source.unreadable",
            SourceError::BadMap { .. } => "source.bad_map",
            SourceError::BadCohort { .. } => "source.bad_cohort",
        }
    }
}

/// A string is not a valid [`crate::SubjectId`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid subject id {shown}: {reason}; an id is 1 to 128 characters of A-Z, a-z, 0-9, '.', '_' and '-', starting with a letter or digit"
)]
pub struct IdError {
    /// The offending value, quoted and shortened for display.
    pub shown: String,
    /// What is wrong with it.
    pub reason: String,
}

/// A string is not a valid [`crate::PartialDate`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{shown} is not a date ({reason}); expected YYYY, YYYY-MM or YYYY-MM-DD, optionally followed by a time"
)]
pub struct DateError {
    /// The offending value, quoted and shortened for display.
    pub shown: String,
    /// What is wrong with it.
    pub reason: String,
}

/// A string is not one of the names an enum accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {shown}; expected one of: {allowed}")]
pub struct ParseEnumError {
    /// What was being parsed ("source", "gender", "age band", "kind").
    pub what: &'static str,
    /// The offending value, quoted and shortened for display.
    pub shown: String,
    /// The accepted values, comma-separated.
    pub allowed: &'static str,
}

impl ParseEnumError {
    pub(crate) fn new(what: &'static str, value: &str, allowed: &'static str) -> Self {
        ParseEnumError {
            what,
            shown: quote(value),
            allowed,
        }
    }
}

/// One record (a JSON object, a row) cannot become a [`crate::Subject`]; the message is the
/// reason shown to the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RecordError(pub String);

/// Quote a user-supplied value for an error message: Debug-escaped (so control characters
/// are visible) and shortened to at most 40 characters.
pub(crate) fn quote(value: &str) -> String {
    const MAX: usize = 40;
    let count = value.chars().count();
    if count <= MAX {
        format!("{value:?}")
    } else {
        let head: String = value.chars().take(MAX).collect();
        format!("{head:?}… ({count} characters)")
    }
}
