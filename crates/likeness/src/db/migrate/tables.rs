//! The tables a copy knows, their columns and how each is read, paged and written.

use super::*;

/// How a column is read and bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Text,
    Int,
    Float,
    /// Never NULL in the schema (`Get` has no optional flag); INTEGER 0/1 on SQLite, boolean
    /// on PostgreSQL.
    Flag,
    /// RFC 3339 text on SQLite, timestamptz on PostgreSQL.
    Stamp,
    /// TEXT on SQLite, jsonb on PostgreSQL.
    Json,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Column {
    pub(super) name: &'static str,
    pub(super) kind: Kind,
    pub(super) null: bool,
}

pub(super) const fn col(name: &'static str, kind: Kind) -> Column {
    Column {
        name,
        kind,
        null: false,
    }
}

pub(super) const fn opt(name: &'static str, kind: Kind) -> Column {
    Column {
        name,
        kind,
        null: true,
    }
}

pub(super) struct Table {
    pub(super) name: &'static str,
    /// The primary key's columns (all text).
    pub(super) key: &'static [&'static str],
    /// Every column, as in `migrations/*` (checked against the rows at run time).
    pub(super) columns: &'static [Column],
}

pub(super) use self::Kind as K;

/// Every table, parents before children.
pub(super) const TABLES: &[Table] = &[
    Table {
        name: "subjects",
        key: &["id"],
        columns: &[
            col("id", K::Text),
            col("source", K::Text),
            col("slug", K::Text),
            opt("name", K::Text),
            col("record", K::Json),
            col("content_hash", K::Text),
            col("created_at", K::Stamp),
            col("updated_at", K::Stamp),
        ],
    },
    Table {
        name: "subject_cohorts",
        key: &["cohort", "subject_id"],
        columns: &[col("cohort", K::Text), col("subject_id", K::Text)],
    },
    Table {
        name: "runs",
        key: &["id"],
        columns: &[
            col("id", K::Text),
            col("run_key", K::Text),
            col("version", K::Int),
            col("status", K::Text),
            col("styles", K::Json),
            opt("provider", K::Text),
            opt("size", K::Text),
            col("selection", K::Json),
            opt("notes", K::Text),
            col("planned", K::Int),
            col("skipped", K::Int),
            col("estimated_cost_usd", K::Float),
            col("app_version", K::Text),
            col("started_at", K::Stamp),
            opt("finished_at", K::Stamp),
            opt("duration_ms", K::Int),
            opt("max_cost_usd", K::Float),
            col("budget_reserved_usd", K::Float),
            col("budget_spent_usd", K::Float),
            col("budget_reached", K::Flag),
        ],
    },
    Table {
        name: "jobs",
        key: &["id"],
        columns: &[
            col("id", K::Text),
            col("run_id", K::Text),
            col("seq", K::Int),
            col("subject_id", K::Text),
            col("style", K::Text),
            col("status", K::Text),
            opt("skip_reason", K::Text),
            col("attempts", K::Int),
            col("max_attempts", K::Int),
            col("reaped", K::Int),
            col("run_after", K::Int),
            opt("locked_by", K::Text),
            opt("lease_until", K::Int),
            opt("error_code", K::Text),
            opt("error_message", K::Text),
            opt("asset_id", K::Text),
            opt("options", K::Json),
            col("created_at", K::Stamp),
            opt("finished_at", K::Stamp),
        ],
    },
    Table {
        name: "assets",
        key: &["id"],
        columns: &[
            col("id", K::Text),
            col("subject_id", K::Text),
            col("run_id", K::Text),
            col("job_id", K::Text),
            col("style", K::Text),
            col("style_version", K::Int),
            col("provider", K::Text),
            col("model", K::Text),
            col("seed", K::Text),
            col("prompt", K::Text),
            opt("negative_prompt", K::Text),
            col("status", K::Text),
            col("current", K::Flag),
            opt("width", K::Int),
            opt("height", K::Int),
            opt("bytes", K::Int),
            opt("content_hash", K::Text),
            opt("storage_key", K::Text),
            opt("content_type", K::Text),
            opt("render_us", K::Int),
            opt("encode_us", K::Int),
            col("total_ms", K::Int),
            col("cost_usd", K::Float),
            opt("error_code", K::Text),
            opt("error_message", K::Text),
            col("created_at", K::Stamp),
            opt("details", K::Json),
        ],
    },
    Table {
        name: "admin_actions",
        key: &["id"],
        columns: &[
            col("id", K::Text),
            col("at", K::Stamp),
            col("actor", K::Text),
            col("action", K::Text),
            opt("subject_id", K::Text),
            opt("run_id", K::Text),
            col("detail", K::Text),
        ],
    },
    Table {
        name: "webhooks",
        key: &["id"],
        columns: &[
            col("id", K::Text),
            col("url", K::Text),
            col("events", K::Json),
            col("description", K::Text),
            col("secret", K::Text),
            col("origin", K::Text),
            col("created_by", K::Text),
            col("created_at", K::Stamp),
        ],
    },
    Table {
        name: "webhook_deliveries",
        key: &["id"],
        columns: &[
            col("id", K::Text),
            col("webhook_id", K::Text),
            col("event", K::Text),
            opt("subject_id", K::Text),
            col("data", K::Json),
            col("status", K::Text),
            col("attempts", K::Int),
            col("run_after", K::Int),
            opt("locked_by", K::Text),
            opt("lease_until", K::Int),
            col("created_at", K::Stamp),
            opt("finished_at", K::Stamp),
        ],
    },
    Table {
        name: "webhook_attempts",
        key: &["id"],
        columns: &[
            col("id", K::Text),
            col("delivery_id", K::Text),
            col("attempt", K::Int),
            col("at", K::Stamp),
            opt("status_code", K::Int),
            opt("error", K::Text),
            col("duration_ms", K::Int),
        ],
    },
    Table {
        name: "erasures",
        key: &["id"],
        columns: &[
            col("id", K::Text),
            col("status", K::Text),
            opt("subject_id", K::Text),
            col("actor", K::Text),
            col("started_at", K::Stamp),
            opt("finished_at", K::Stamp),
            col("assets_removed", K::Int),
            col("jobs_removed", K::Int),
            col("objects_removed", K::Int),
        ],
    },
    Table {
        name: "subject_keys",
        key: &["key"],
        columns: &[col("key", K::Text), col("subject_id", K::Text)],
    },
];

/// Tables that hold no history and stay behind: the limits every process shares (provider
/// pacing slots and API rate buckets, moments on the server's clock that start afresh) and the
/// migrator's own record and the work its migrations left (the destination has its own).
pub(super) const NOT_COPIED: &[&str] = &[
    "pace_slots",
    "rate_buckets",
    "_sqlx_migrations",
    "pending_backfills",
];

/// Refuses a source with a table this list does not know (a migration added one), so a new
/// table is never silently left behind.
pub(super) async fn check_tables(tx: &mut Tx) -> Result<()> {
    let sql = match tx {
        Tx::Sqlite(..) => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'"
        }
        Tx::Postgres(_) => {
            "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()"
        }
    };
    let names: Vec<String> = on_tx!(tx, c => {
        let rows = sqlx::query(sql).fetch_all(&mut *c).await?;
        rows.iter().map(|r| r.text("name")).collect::<Result<_>>()?
    });
    let mut unknown: Vec<&String> = names
        .iter()
        .filter(|n| !NOT_COPIED.contains(&n.as_str()) && !TABLES.iter().any(|t| t.name == *n))
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    unknown.sort();
    Err(Error::CopyRefused(format!(
        "the source has tables this likeness cannot copy ({unknown:?}); nothing was copied. This \
         is a bug in `migrate db`: please report it"
    )))
}

/// `$from, $from+1, …` (`n` of them).
pub(super) fn marks(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Table {
    pub(super) fn key_list(&self) -> String {
        self.key.join(", ")
    }

    /// One page of `what` in key order, after the key bound to `$1…` when `after`.
    pub(super) fn page_sql(&self, what: &str, after: bool) -> String {
        let keys = self.key_list();
        let from = if after {
            format!(" WHERE ({keys}) > ({})", marks(1, self.key.len()))
        } else {
            String::new()
        };
        format!(
            "SELECT {what} FROM {}{from} ORDER BY {keys} LIMIT {PAGE}",
            self.name
        )
    }

    /// The rows with any of `n` keys, bound in key-column order.
    pub(super) fn lookup_sql(&self, what: &str, n: usize) -> String {
        let width = self.key.len();
        let filter = if width == 1 {
            format!("{} IN ({})", self.key[0], marks(1, n))
        } else {
            (0..n)
                .map(|i| {
                    let parts: Vec<String> = self
                        .key
                        .iter()
                        .enumerate()
                        .map(|(j, k)| format!("{k} = ${}", i * width + j + 1))
                        .collect();
                    format!("({})", parts.join(" AND "))
                })
                .collect::<Vec<_>>()
                .join(" OR ")
        };
        format!("SELECT {what} FROM {} WHERE {filter}", self.name)
    }

    pub(super) fn insert_sql(&self, rows: usize) -> String {
        let width = self.columns.len();
        let names: Vec<&str> = self.columns.iter().map(|c| c.name).collect();
        let values: Vec<String> = (0..rows)
            .map(|r| format!("({})", marks(r * width + 1, width)))
            .collect();
        format!(
            "INSERT INTO {} ({}) VALUES {} ON CONFLICT ({}) DO NOTHING",
            self.name,
            names.join(", "),
            values.join(", "),
            self.key_list()
        )
    }

    /// Refuses rows with a column this table list does not know (a migration added one) or
    /// without one it does.
    pub(super) fn check_columns<R: sqlx::Row>(&self, row: &R) -> Result<()> {
        use sqlx::Column as _;
        let found: HashSet<&str> = row.columns().iter().map(|c| c.name()).collect();
        let known: HashSet<&str> = self.columns.iter().map(|c| c.name).collect();
        let mut unknown: Vec<&&str> = found.difference(&known).collect();
        let mut missing: Vec<&&str> = known.difference(&found).collect();
        if unknown.is_empty() && missing.is_empty() {
            return Ok(());
        }
        unknown.sort();
        missing.sort();
        Err(Error::CopyRefused(format!(
            "table {} has columns this likeness cannot copy (unknown: {unknown:?}, missing: \
             {missing:?}); nothing of it was copied. This is a bug in `migrate db`: please \
             report it",
            self.name
        )))
    }

    pub(super) fn decode(&self, row: &impl Get) -> Result<Row> {
        let key = self
            .key
            .iter()
            .map(|k| row.text(k))
            .collect::<Result<Vec<_>>>()?;
        let values = self
            .columns
            .iter()
            .map(|c| read(row, c))
            .collect::<Result<Vec<_>>>()
            .map_err(|e| match e {
                Error::Corrupt(m) => {
                    Error::Corrupt(format!("{} {}: {m}", self.name, self.show_key(&key)))
                }
                other => other,
            })?;
        Ok(Row { key, values })
    }

    pub(super) fn show_key(&self, key: &[String]) -> String {
        self.key
            .iter()
            .zip(key)
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",")
    }
}

// --- values -------------------------------------------------------------------------------
