//! The metadata database: subjects, runs, jobs (the durable queue) and assets, behind one
//! façade, [`Db`], with two backends: SQLite (WAL, the embedded default) and PostgreSQL (for
//! several processes on several machines).
//!
//! Why an enum over the two pools and not a trait with two implementations: the SQL is the
//! same text on both (`$n` placeholders, `RETURNING`, `ON CONFLICT`, values bound from Rust
//! rather than computed by SQL functions), so one method body serves both, expanded once per
//! backend by [`on_pool!`] and [`on_tx!`]; only the few statements whose semantics differ
//! (the claim's `FOR UPDATE SKIP LOCKED`, advisory locks, NOTIFY) say which backend they are
//! on. A trait would mean two copies of every query, sqlx's generic `Database` bounds would
//! mean a page of where-clauses per function, and sqlx's `Any` driver has no timestamps or JSON.
//!
//! Nothing outside `db/` sees a pool, a connection, a row or SQL: callers get domain methods
//! and plain structs, and every transaction lives inside one method.

pub mod admin;
pub mod adopt;
pub mod assets;
pub mod budget;
pub mod costs;
pub mod erase;
pub mod gallery;
mod lock;
pub mod migrate;
pub mod notify;
mod open;
pub mod queue;
pub mod runs;
pub mod shared;
pub mod stats;
pub mod subject_keys;
pub mod subjects;
mod url;
mod value;
pub mod webhooks;

use std::time::Duration;

use sqlx::{PgPool, Postgres, Sqlite, SqlitePool};

use crate::error::Result;

pub use url::{DatabaseUrl, mask_password};
pub use value::Stamp;

/// How to reach the database and how to use it.
#[derive(Debug, Clone)]
pub struct Options {
    pub url: DatabaseUrl,
    /// Connections in this process's pool.
    pub max_connections: u32,
    /// PostgreSQL: a statement running longer is cancelled (`statement_timeout`).
    pub statement_timeout: Duration,
    /// PostgreSQL: a session idle inside a transaction this long is ended by the server
    /// (`idle_in_transaction_session_timeout`), so a stalled process cannot hold locks or
    /// the xmin horizon (queue-table bloat) for ever.
    pub idle_in_transaction_timeout: Duration,
}

/// Handle to the metadata database. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Db {
    backend: Backend,
    /// Milliseconds to add to this machine's clock to get the database server's: leases are
    /// compared across machines, so they are reckoned on one clock.
    clock_offset_ms: i64,
    url: DatabaseUrl,
    turns: WriteTurns,
}

/// SQLite lets one connection write at a time. When two connections of this process want to
/// write at once, the loser sleeps in SQLite's busy handler (1, 2, 5, 10… ms), which cost two
/// workers most of their second core (2,000 sleeps in 3,000 jobs). So this process's SQLite
/// writers queue here first and are woken in turn the moment the last one is done; other
/// processes still meet SQLite's busy timeout. Unused on PostgreSQL.
#[derive(Clone, Debug, Default)]
struct WriteTurns(std::sync::Arc<tokio::sync::Mutex<()>>);

/// Past this wait for its turn a writer goes ahead and lets SQLite's own lock decide: a turn
/// held that long is a bug (a write inside a write), never a reason to hang.
const TURN_WAIT: Duration = Duration::from_secs(5);

impl WriteTurns {
    async fn take(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        let turn = tokio::time::timeout(TURN_WAIT, self.0.clone().lock_owned()).await;
        if turn.is_err() {
            tracing::debug!("no write turn within {TURN_WAIT:?}; going ahead");
        }
        turn.ok()
    }
}

#[derive(Clone, Debug)]
enum Backend {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A write transaction on either backend; only `db/` opens and sees one. A SQLite one holds
/// this process's write turn until it ends ([`WriteTurns`]).
enum Tx {
    Sqlite(
        sqlx::Transaction<'static, Sqlite>,
        Option<tokio::sync::OwnedMutexGuard<()>>,
    ),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

/// Runs `$body` with `$pool` bound to the backend's pool (`&SqlitePool` or `&PgPool`): the
/// body is compiled once per backend, so the same query text serves both.
macro_rules! on_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match &$db.backend {
            $crate::db::Backend::Sqlite($pool) => $body,
            $crate::db::Backend::Postgres($pool) => $body,
        }
    };
}

/// Runs `$body` with `$conn` bound to the transaction's connection (`&mut SqliteConnection`
/// or `&mut PgConnection`).
macro_rules! on_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx {
            $crate::db::Tx::Sqlite(t, _) => {
                let $conn = &mut **t;
                $body
            }
            $crate::db::Tx::Postgres(t) => {
                let $conn = &mut **t;
                $body
            }
        }
    };
}

pub(crate) use {on_pool, on_tx};

impl Db {
    /// Opens the database the URL names (creating a SQLite file if needed) and brings its
    /// schema up to date, once, however many processes start together.
    pub async fn open(options: &Options) -> Result<Db> {
        open::open(options).await
    }

    /// Opens an existing database for reading only, for commands that only look (`subjects`,
    /// `history`, `runs`…): they work on a read-only data directory and on a copy mounted
    /// read-only. The schema is not migrated (that would write); a database from an older
    /// version is reported as such.
    pub async fn open_read_only(options: &Options) -> Result<Db> {
        open::open_read_only(options).await
    }

    /// The URL this handle was opened with, password masked: for messages and logs.
    pub fn describe(&self) -> String {
        self.url.redacted()
    }

    /// The URL this handle was opened with (show it through [`DatabaseUrl::redacted`]).
    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.backend, Backend::Postgres(_))
    }

    /// Whether the database answers (`/readyz`).
    pub async fn ping(&self) -> Result<()> {
        on_pool!(self, p => {
            sqlx::query("SELECT 1").execute(p).await?;
        });
        Ok(())
    }

    /// Starts a transaction that will write. On SQLite it takes the write lock up front
    /// (`BEGIN IMMEDIATE`): a transaction that reads first and writes later can fail with
    /// SQLITE_BUSY_SNAPSHOT when another process commits in between, which no busy timeout
    /// retries. On PostgreSQL the statements that need it lock rows or keys themselves.
    async fn begin(&self) -> Result<Tx> {
        Ok(match &self.backend {
            Backend::Sqlite(p) => {
                let turn = self.turns.take().await;
                Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?, turn)
            }
            Backend::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// This process's turn to write outside a transaction (a single-statement write on the
    /// hot path, such as a claim), held until dropped; `None` on PostgreSQL ([`WriteTurns`]).
    async fn write_turn(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        match &self.backend {
            Backend::Sqlite(_) => self.turns.take().await,
            Backend::Postgres(_) => None,
        }
    }

    /// Unix milliseconds on the database's clock, for queue timing (run_after, leases).
    pub fn now_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis() + self.clock_offset_ms
    }

    /// Now, on the database's clock, for the audit timestamps.
    pub fn now(&self) -> Stamp {
        Stamp::from_millis(self.now_ms())
    }

    pub async fn close(&self) {
        on_pool!(self, p => p.close().await)
    }

    /// Whether [`Db::close`] has begun: long-lived tasks stop instead of reconnecting.
    pub fn is_closed(&self) -> bool {
        on_pool!(self, p => p.is_closed())
    }
}

impl Tx {
    async fn commit(self) -> Result<()> {
        match self {
            // The turn is handed on after the commit.
            Tx::Sqlite(t, _turn) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }

    async fn rollback(self) -> Result<()> {
        match self {
            Tx::Sqlite(t, _turn) => t.rollback().await?,
            Tx::Postgres(t) => t.rollback().await?,
        }
        Ok(())
    }

    /// Serialises this transaction with every other one that locks the same `key`, until it
    /// ends: a PostgreSQL advisory transaction lock. SQLite needs none (`BEGIN IMMEDIATE`
    /// already makes writers take turns).
    async fn lock(&mut self, key: &str) -> Result<()> {
        lock::lock_key(self, key).await
    }
}
