//! Values as the two backends store them, and typed, fallible reading of rows.
//!
//! - [`Stamp`]: a point in time; RFC 3339 text with milliseconds on SQLite (fixed width, so
//!   text order is time order, as the schema has always stored it), `timestamptz` on
//!   PostgreSQL. Shown to people and in JSON as the same text either way.
//! - JSON columns: `TEXT` on SQLite, `jsonb` on PostgreSQL, both through `sqlx::types::Json`.
//! - [`Get`]: reads a column of either backend's row by name with its type checked, and turns
//!   a mismatch into `db.corrupt` naming the column instead of a panic.

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use serde::de::DeserializeOwned;
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgRow, PgTypeInfo, PgValueRef};
use sqlx::sqlite::{SqliteRow, SqliteTypeInfo, SqliteValueRef};
use sqlx::types::Json;
use sqlx::{Decode, Encode, Postgres, Row, Sqlite, Type};

use crate::error::{Error, Result};

/// A point in time, to the millisecond.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Stamp(DateTime<Utc>);

impl Stamp {
    pub fn from_millis(ms: i64) -> Stamp {
        Stamp(Utc.timestamp_millis_opt(ms).single().unwrap_or_default())
    }

    /// RFC 3339 UTC with milliseconds, e.g. `2026-12-06T18:40:47.123Z`.
    pub fn text(&self) -> String {
        self.0.to_rfc3339_opts(SecondsFormat::Millis, true)
    }

    pub fn parse(text: &str) -> Result<Stamp> {
        DateTime::parse_from_rfc3339(text)
            .map(|t| Stamp::from_millis(t.timestamp_millis()))
            .map_err(|e| Error::Corrupt(format!("timestamp {text:?}: {e}")))
    }

    pub fn millis(&self) -> i64 {
        self.0.timestamp_millis()
    }

    pub fn datetime(&self) -> DateTime<Utc> {
        self.0
    }
}

impl std::fmt::Display for Stamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text())
    }
}

impl Type<Sqlite> for Stamp {
    fn type_info() -> SqliteTypeInfo {
        <String as Type<Sqlite>>::type_info()
    }
    fn compatible(ty: &SqliteTypeInfo) -> bool {
        <String as Type<Sqlite>>::compatible(ty)
    }
}

impl Encode<'_, Sqlite> for Stamp {
    fn encode_by_ref(
        &self,
        buf: &mut <Sqlite as sqlx::Database>::ArgumentBuffer,
    ) -> std::result::Result<IsNull, BoxDynError> {
        <String as Encode<Sqlite>>::encode(self.text(), buf)
    }
}

impl<'r> Decode<'r, Sqlite> for Stamp {
    fn decode(value: SqliteValueRef<'r>) -> std::result::Result<Stamp, BoxDynError> {
        let text = <&str as Decode<Sqlite>>::decode(value)?;
        Ok(Stamp::parse(text)?)
    }
}

impl Type<Postgres> for Stamp {
    fn type_info() -> PgTypeInfo {
        <DateTime<Utc> as Type<Postgres>>::type_info()
    }
    fn compatible(ty: &PgTypeInfo) -> bool {
        <DateTime<Utc> as Type<Postgres>>::compatible(ty)
    }
}

impl Encode<'_, Postgres> for Stamp {
    fn encode_by_ref(
        &self,
        buf: &mut <Postgres as sqlx::Database>::ArgumentBuffer,
    ) -> std::result::Result<IsNull, BoxDynError> {
        <DateTime<Utc> as Encode<Postgres>>::encode_by_ref(&self.0, buf)
    }
}

impl<'r> Decode<'r, Postgres> for Stamp {
    fn decode(value: PgValueRef<'r>) -> std::result::Result<Stamp, BoxDynError> {
        let t = <DateTime<Utc> as Decode<Postgres>>::decode(value)?;
        Ok(Stamp::from_millis(t.timestamp_millis()))
    }
}

/// Typed reading of a column by name, the same on both backends' rows.
pub trait Get {
    fn text(&self, column: &str) -> Result<String>;
    fn opt_text(&self, column: &str) -> Result<Option<String>>;
    fn int(&self, column: &str) -> Result<i64>;
    fn opt_int(&self, column: &str) -> Result<Option<i64>>;
    fn float(&self, column: &str) -> Result<f64>;
    fn opt_float(&self, column: &str) -> Result<Option<f64>>;
    fn flag(&self, column: &str) -> Result<bool>;
    fn stamp(&self, column: &str) -> Result<Stamp>;
    fn opt_stamp(&self, column: &str) -> Result<Option<Stamp>>;
    fn json<T: DeserializeOwned>(&self, column: &str) -> Result<T>;
    fn opt_json<T: DeserializeOwned>(&self, column: &str) -> Result<Option<T>>;
}

fn corrupt(column: &str, e: sqlx::Error) -> Error {
    Error::Corrupt(format!("column {column}: {e}"))
}

macro_rules! impl_get {
    ($row:ty) => {
        impl Get for $row {
            fn text(&self, column: &str) -> Result<String> {
                self.try_get(column).map_err(|e| corrupt(column, e))
            }
            fn opt_text(&self, column: &str) -> Result<Option<String>> {
                self.try_get(column).map_err(|e| corrupt(column, e))
            }
            fn int(&self, column: &str) -> Result<i64> {
                self.try_get(column).map_err(|e| corrupt(column, e))
            }
            fn opt_int(&self, column: &str) -> Result<Option<i64>> {
                self.try_get(column).map_err(|e| corrupt(column, e))
            }
            fn float(&self, column: &str) -> Result<f64> {
                self.try_get(column).map_err(|e| corrupt(column, e))
            }
            fn opt_float(&self, column: &str) -> Result<Option<f64>> {
                self.try_get(column).map_err(|e| corrupt(column, e))
            }
            fn flag(&self, column: &str) -> Result<bool> {
                self.try_get(column).map_err(|e| corrupt(column, e))
            }
            fn stamp(&self, column: &str) -> Result<Stamp> {
                self.try_get(column).map_err(|e| corrupt(column, e))
            }
            fn opt_stamp(&self, column: &str) -> Result<Option<Stamp>> {
                self.try_get(column).map_err(|e| corrupt(column, e))
            }
            fn json<T: DeserializeOwned>(&self, column: &str) -> Result<T> {
                let Json(value): Json<T> = self.try_get(column).map_err(|e| corrupt(column, e))?;
                Ok(value)
            }
            fn opt_json<T: DeserializeOwned>(&self, column: &str) -> Result<Option<T>> {
                let value: Option<Json<T>> =
                    self.try_get(column).map_err(|e| corrupt(column, e))?;
                Ok(value.map(|Json(v)| v))
            }
        }
    };
}

impl_get!(SqliteRow);
impl_get!(PgRow);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_are_fixed_width_text_with_milliseconds() {
        let t = Stamp::from_millis(1_765_046_447_000);
        assert_eq!(t.text(), "2025-12-06T18:40:47.000Z");
        assert_eq!(Stamp::parse(&t.text()).unwrap(), t);
        assert_eq!(
            Stamp::parse("2025-12-06T19:40:47.5+01:00")
                .unwrap()
                .millis(),
            1_765_046_447_500
        );
        assert!(Stamp::parse("yesterday").is_err());
    }
}
