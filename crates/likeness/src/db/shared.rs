//! State that processes on several machines share through the database: provider pacing
//! slots and the API's per-client rate buckets. Each is one atomic statement, so any number of
//! processes can draw from them at once.

use super::value::Get;
use super::{Backend, Db, on_pool};
use crate::error::Result;

/// `MAX(a, b)` of two values: SQLite's scalar `MAX`, PostgreSQL's `GREATEST`.
fn greatest(db: &Db) -> &'static str {
    match db.backend {
        Backend::Sqlite(_) => "MAX",
        Backend::Postgres(_) => "GREATEST",
    }
}

impl Db {
    /// Takes the next pacing slot of `key`, `interval_ms` after the previous one or now,
    /// whichever is later; returns the slot (unix ms on the database's clock).
    pub async fn take_slot(&self, key: &str, interval_ms: i64) -> Result<i64> {
        let now = self.now_ms();
        let sql = format!(
            "INSERT INTO pace_slots (name, next_ms) VALUES ($1, $2 + $3)
             ON CONFLICT (name) DO UPDATE
                 SET next_ms = {}(pace_slots.next_ms, $2) + $3
             RETURNING next_ms - $3 AS slot",
            greatest(self)
        );
        on_pool!(self, p => {
            sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(key)
                .bind(now)
                .bind(interval_ms)
                .fetch_one(p)
                .await?
                .int("slot")
        })
    }

    /// Lets no slot of `key` start before `until_ms`.
    pub async fn hold_slots(&self, key: &str, until_ms: i64) -> Result<()> {
        let sql = format!(
            "INSERT INTO pace_slots (name, next_ms) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET next_ms = {}(pace_slots.next_ms, $2)",
            greatest(self)
        );
        on_pool!(self, p => {
            sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(key)
                .bind(until_ms)
                .execute(p)
                .await?;
        });
        Ok(())
    }

    /// Takes up to `wanted` tokens from the bucket `key` (capacity `burst`, refilled at
    /// `per_minute`), shared by every process; returns how many it got (0 when empty) and,
    /// when short, the ms until the next token.
    pub async fn take_tokens(
        &self,
        key: &str,
        wanted: f64,
        burst: f64,
        per_minute: f64,
    ) -> Result<(f64, i64)> {
        let now = self.now_ms();
        let (least, floor) = match self.backend {
            Backend::Sqlite(_) => ("MIN", "CAST(({}) AS INTEGER)"),
            Backend::Postgres(_) => ("LEAST", "FLOOR({})"),
        };
        // Refill by the time passed, cap at the burst, take whole tokens (up to `wanted`).
        let level = format!(
            "{least}($3, rate_buckets.tokens
                 + (CAST($2 AS DOUBLE PRECISION) - rate_buckets.updated_ms) * $4 / 60000.0)"
        );
        let take = format!("{least}($5, {})", floor.replace("{}", &level));
        let first = format!("{least}($5, {})", floor.replace("{}", "$3"));
        let sql = format!(
            "INSERT INTO rate_buckets (name, tokens, updated_ms, taken)
                 VALUES ($1, $3 - {first}, $2, CAST({first} AS DOUBLE PRECISION))
             ON CONFLICT (name) DO UPDATE SET
                 taken = CAST({take} AS DOUBLE PRECISION),
                 tokens = {level} - {take},
                 updated_ms = $2
             RETURNING taken, tokens"
        );
        let (taken, left) = on_pool!(self, p => {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(key)
                .bind(now)
                .bind(burst)
                .bind(per_minute)
                .bind(wanted)
                .fetch_one(p)
                .await?;
            (row.float("taken")?, row.float("tokens")?)
        });
        let taken = taken.max(0.0);
        let wait_ms = if taken < wanted && per_minute > 0.0 {
            ((1.0 - left.clamp(0.0, 1.0)) * 60_000.0 / per_minute).ceil() as i64
        } else {
            0
        };
        Ok((taken, wait_ms))
    }
}
