//! [`SubjectId`]: the validated, path-safe identifier of a subject.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{IdError, quote};

/// The longest id accepted, in characters (all ASCII, so also bytes).
pub const MAX_ID_LEN: usize = 128;

/// A subject's stable id.
///
/// Invariant: 1 to [`MAX_ID_LEN`] characters of `[A-Za-z0-9._-]`, the first one a letter or a
/// digit. It is therefore safe to put into a file name, a URL path segment or a storage key as
/// is: no separators, no `..` component, no leading dot or dash, no drive letters, nothing to
/// escape. Every constructor checks this, including deserialisation.
///
/// FHIR ids (`[A-Za-z0-9\-\.]{1,64}`), UUIDs and numeric roster ids all fit.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SubjectId(String);

impl SubjectId {
    /// Check `value` and wrap it. The error says what is allowed.
    pub fn new(value: impl Into<String>) -> Result<SubjectId, IdError> {
        let value = value.into();
        validate(&value)?;
        Ok(SubjectId(value))
    }

    /// The id as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id as an owned string.
    pub fn into_string(self) -> String {
        self.0
    }
}

fn validate(value: &str) -> Result<(), IdError> {
    let err = |reason: String| {
        Err(IdError {
            shown: quote(value),
            reason,
        })
    };
    let Some(first) = value.chars().next() else {
        return err("it is empty".into());
    };
    let len = value.chars().count();
    if len > MAX_ID_LEN {
        return err(format!("it is {len} characters long"));
    }
    if !first.is_ascii_alphanumeric() {
        return err(format!("it starts with {first:?}"));
    }
    if let Some(bad) = value
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return err(format!("it contains {bad:?}"));
    }
    Ok(())
}

impl TryFrom<String> for SubjectId {
    type Error = IdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        SubjectId::new(value)
    }
}

impl TryFrom<&str> for SubjectId {
    type Error = IdError;
    fn try_from(value: &str) -> Result<Self, Self::Error> {
        SubjectId::new(value)
    }
}

impl FromStr for SubjectId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SubjectId::new(s)
    }
}

impl AsRef<str> for SubjectId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SubjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<SubjectId> for String {
    fn from(id: SubjectId) -> String {
        id.0
    }
}

impl Serialize for SubjectId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SubjectId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        SubjectId::new(s).map_err(serde::de::Error::custom)
    }
}
