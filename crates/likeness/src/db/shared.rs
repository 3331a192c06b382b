//! State that processes on several machines share through the database: provider pacing
//! slots and the API's per-client rate buckets. Each is one atomic statement, so any number of
//! processes can draw from them at once.

use super::value::Get;
use super::{Backend, Db, on_pool};
use crate::error::Result;

/// A 429 as the shared pace applies it. Unless the last cut is younger than its `cut_for_ms`
/// (a burst of refusals answers one cut), the factor becomes `under` when that is below it,
/// else `factor × decrease`, never below `floor`; the ceiling becomes `factor × refused_share`
/// (the refused rate is more than the provider takes), or `under` if lower. In every case no slot starts within
/// `hold_ms`.
#[derive(Debug, Clone, Copy)]
pub struct PaceCut {
    /// Just under the rate the provider accepted, as a share of the configured rate.
    pub under: Option<f64>,
    pub decrease: f64,
    pub floor: f64,
    pub refused_share: f64,
    pub hold_ms: i64,
    pub cut_for_ms: i64,
}

/// A slot as [`Db::take_slot`] handed it out.
#[derive(Debug, Clone, Copy)]
pub struct PaceSlot {
    /// When it starts (unix ms, the database's clock).
    pub slot_ms: i64,
    pub factor: f64,
    /// When the last cut stopped standing alone (unix ms; 0: never).
    pub cut_until_ms: i64,
}

/// A success as [`Db::pace_succeeded`] counted it.
#[derive(Debug, Clone, Copy)]
pub struct PaceSuccess {
    /// Successes of every process so far.
    pub count: i64,
    pub factor: f64,
    /// When the last cut stopped standing alone (unix ms, the database's clock; 0: never).
    pub cut_until_ms: i64,
}

/// `MIN(a, b)` of two values: SQLite's scalar `MIN`, PostgreSQL's `LEAST`.
fn least(db: &Db) -> &'static str {
    match db.backend {
        Backend::Sqlite(_) => "MIN",
        Backend::Postgres(_) => "LEAST",
    }
}

/// `MAX(a, b)` of two values: SQLite's scalar `MAX`, PostgreSQL's `GREATEST`.
fn greatest(db: &Db) -> &'static str {
    match db.backend {
        Backend::Sqlite(_) => "MAX",
        Backend::Postgres(_) => "GREATEST",
    }
}

impl Db {
    /// Takes the next pacing slot of `key`: `base_interval_ms` divided by the key's factor
    /// after the previous slot or now, whichever is later. Returns the slot (unix ms on the
    /// database's clock), the factor it was spaced by and the end of the last cut (0: none).
    pub async fn take_slot(&self, key: &str, base_interval_ms: f64) -> Result<PaceSlot> {
        let now = self.now_ms();
        let sql = format!(
            "INSERT INTO pace_slots (name, next_ms) VALUES ($1, $2 + CAST($3 AS BIGINT))
             ON CONFLICT (name) DO UPDATE
                 SET next_ms = {}(pace_slots.next_ms, $2) + CAST($3 / pace_slots.factor AS BIGINT)
             RETURNING next_ms - CAST($3 / factor AS BIGINT) AS slot, factor, cut_until_ms",
            greatest(self)
        );
        let slot = on_pool!(self, p => {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(key)
                .bind(now)
                .bind(base_interval_ms)
                .fetch_one(p)
                .await?;
            PaceSlot {
                slot_ms: row.int("slot")?,
                factor: row.float("factor")?,
                cut_until_ms: row.int("cut_until_ms")?,
            }
        });
        Ok(slot)
    }

    /// Counts a success of `key` and wins the rate back: `recover` below the ceiling (up to
    /// it), `probe` above it once the last cut is `probe_after_ms` old. Returns the success
    /// count, the factor and the end of the last cut (unix ms; 0 for none), or `None` when
    /// `key` has never taken a slot.
    pub async fn pace_succeeded(
        &self,
        key: &str,
        recover: f64,
        probe: f64,
        probe_after_ms: i64,
    ) -> Result<Option<PaceSuccess>> {
        let now = self.now_ms();
        let min = least(self);
        let sql = format!(
            "UPDATE pace_slots SET ok_count = ok_count + 1,
                 factor = {min}(1.0, CASE
                     WHEN factor < ceiling THEN {min}(factor + $2, ceiling)
                     WHEN $4 >= cut_until_ms + $5 THEN factor + $3
                     ELSE factor END)
             WHERE name = $1
             RETURNING ok_count, factor, cut_until_ms"
        );
        on_pool!(self, p => {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(key)
                .bind(recover)
                .bind(probe)
                .bind(now)
                .bind(probe_after_ms)
                .fetch_optional(p)
                .await?;
            row.map(|r| {
                Ok::<_, crate::error::Error>(PaceSuccess {
                    count: r.int("ok_count")?,
                    factor: r.float("factor")?,
                    cut_until_ms: r.int("cut_until_ms")?,
                })
            })
            .transpose()
        })
    }

    /// A 429 for `key`, in one statement so that the processes seeing a burst of them cut the
    /// shared rate once: see [`PaceCut`]. Returns the factor now in force.
    pub async fn pace_throttled(&self, key: &str, cut: &PaceCut) -> Result<f64> {
        let now = self.now_ms();
        let (max, min) = (greatest(self), least(self));
        // Every right-hand side reads the row as it was before this statement.
        let sql = format!(
            "INSERT INTO pace_slots (name, next_ms, factor, ceiling, cut_until_ms)
                 VALUES ($1, $6,
                         CASE WHEN $3 IS NOT NULL AND $3 < 1.0 THEN {max}($3, $5)
                              ELSE {max}($4, $5) END,
                         {min}($8, CASE WHEN $3 IS NULL THEN 1.0 ELSE {max}($3, $5) END), $7)
             ON CONFLICT (name) DO UPDATE SET
                 factor = CASE
                     WHEN pace_slots.cut_until_ms > $2 THEN pace_slots.factor
                     WHEN $3 IS NOT NULL AND $3 < pace_slots.factor THEN {max}($3, $5)
                     ELSE {max}(pace_slots.factor * $4, $5) END,
                 ceiling = CASE
                     WHEN pace_slots.cut_until_ms > $2 THEN pace_slots.ceiling
                     ELSE {min}(pace_slots.factor * $8, CASE WHEN $3 IS NULL THEN 1.0 ELSE {max}($3, $5) END) END,
                 cut_until_ms = CASE
                     WHEN pace_slots.cut_until_ms > $2 THEN pace_slots.cut_until_ms
                     ELSE $7 END,
                 next_ms = {max}(pace_slots.next_ms, $6)
             RETURNING factor"
        );
        on_pool!(self, p => {
            sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(key)
                .bind(now)
                .bind(cut.under)
                .bind(cut.decrease)
                .bind(cut.floor)
                .bind(now + cut.hold_ms)
                .bind(now + cut.cut_for_ms)
                .bind(cut.refused_share)
                .fetch_one(p)
                .await?
                .float("factor")
        })
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
