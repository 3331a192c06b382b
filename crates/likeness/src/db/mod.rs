//! The metadata database: subjects, runs, jobs (the durable queue) and assets.
//!
//! SQLite in WAL mode is the embedded default. SQL is written in the dialect both SQLite and
//! PostgreSQL accept (`$n` placeholders, `RETURNING`, `ON CONFLICT`) so a second backend is a
//! new pool type, not a copy of these modules.

pub mod assets;
pub mod costs;
pub mod queue;
pub mod runs;
pub mod subjects;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::error::{Error, Result};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// Handle to the metadata database. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Db {
    pool: SqlitePool,
}

impl Db {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub async fn open(path: &Path, max_connections: u32) -> Result<Db> {
        let options = SqliteConnectOptions::from_str("sqlite://")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // WAL + NORMAL: a commit survives a killed process; only power loss can drop the
            // last commits, never corrupt the file.
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(30))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(max_connections.max(2))
            .acquire_timeout(Duration::from_secs(60))
            .connect_with(options)
            .await
            .map_err(|e| Error::Config(format!("cannot open database {}: {e}", path.display())))?;
        MIGRATOR.run(&pool).await?;
        Ok(Db { pool })
    }

    /// Opens an existing database for reading only, for commands that only look (`subjects`,
    /// `history`, `runs`…): they work on a read-only data directory and on a copy mounted
    /// read-only. The schema is not migrated (that would write); a database from an older
    /// version is reported as such.
    pub async fn open_read_only(path: &Path) -> Result<Db> {
        if !path.exists() {
            return Err(Error::Config(format!(
                "no database at {}: run `likeness import PATH` first",
                path.display()
            )));
        }
        let options = |immutable: bool| -> Result<SqliteConnectOptions> {
            Ok(SqliteConnectOptions::from_str("sqlite://")?
                .filename(path)
                .read_only(true)
                .immutable(immutable)
                .busy_timeout(Duration::from_secs(30))
                .foreign_keys(true))
        };
        let pool = |options| {
            SqlitePoolOptions::new()
                .max_connections(2)
                .acquire_timeout(Duration::from_secs(60))
                .connect_with(options)
        };
        // A WAL database needs its shared-memory file, which SQLite cannot create in a
        // read-only folder; nobody can be writing there, so reading it as immutable is safe.
        let pool = match pool(options(false)?).await {
            Ok(pool) if sqlx::query("SELECT 1").execute(&pool).await.is_ok() => pool,
            _ => pool(options(true)?).await.map_err(|e| {
                Error::Config(format!("cannot open database {}: {e}", path.display()))
            })?,
        };
        let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
            .fetch_one(&pool)
            .await
            .unwrap_or(0);
        if applied < MIGRATOR.iter().count() as i64 {
            return Err(Error::Config(format!(
                "the database {} is from an older likeness and the data directory is read-only: \
                 run any command once where it can be written, to update it",
                path.display()
            )));
        }
        Ok(Db { pool })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Starts a transaction that will write. It takes the write lock up front (`BEGIN
    /// IMMEDIATE`): a transaction that reads first and writes later can fail with
    /// SQLITE_BUSY_SNAPSHOT when another process commits in between, which no busy timeout
    /// retries.
    pub async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Milliseconds since the Unix epoch, for queue timing fields.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// RFC 3339 UTC with milliseconds, fixed width so that text order is time order.
pub fn now_text() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}
