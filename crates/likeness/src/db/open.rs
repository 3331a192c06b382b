//! Opening either backend: pools, connection settings, and migrations applied once under a
//! lock however many processes start together.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::ConnectOptions;
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::{Backend, DatabaseUrl, Db, Options, on_pool};
use crate::error::{Error, Result};

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

pub(super) async fn open(options: &Options) -> Result<Db> {
    match &options.url {
        DatabaseUrl::Sqlite(path) => {
            let pool = sqlite_pool(path, options.max_connections).await?;
            // sqlx takes no lock on SQLite: a file lock beside the database makes processes
            // that start together migrate one after the other (the later ones find nothing
            // to do).
            let _guard = MigrationLock::take(path).await?;
            SQLITE_MIGRATOR.run(&pool).await?;
            let db = Db {
                backend: Backend::Sqlite(pool),
                clock_offset_ms: 0,
                url: options.url.clone(),
                turns: Default::default(),
            };
            db.backfill_subject_keys().await?;
            Ok(db)
        }
        DatabaseUrl::Postgres(url) => {
            let pool = postgres_pool(url, options).await?;
            // sqlx's PostgreSQL migrator holds an advisory lock while it works.
            POSTGRES_MIGRATOR.run(&pool).await?;
            let mut db = Db {
                backend: Backend::Postgres(pool),
                clock_offset_ms: 0,
                url: options.url.clone(),
                turns: Default::default(),
            };
            db.clock_offset_ms = clock_offset(&db).await?;
            db.backfill_subject_keys().await?;
            Ok(db)
        }
    }
}

pub(super) async fn open_read_only(options: &Options) -> Result<Db> {
    let (backend, expected) = match &options.url {
        DatabaseUrl::Sqlite(path) => (
            Backend::Sqlite(sqlite_read_only(path).await?),
            SQLITE_MIGRATOR.iter().count(),
        ),
        DatabaseUrl::Postgres(url) => (
            Backend::Postgres(postgres_pool(url, options).await?),
            POSTGRES_MIGRATOR.iter().count(),
        ),
    };
    let mut db = Db {
        backend,
        clock_offset_ms: 0,
        url: options.url.clone(),
        turns: Default::default(),
    };
    let applied: i64 = on_pool!(db, p => {
        sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations").fetch_one(p).await
    })
    .unwrap_or(0);
    if applied < expected as i64 {
        return Err(Error::Config(format!(
            "the database {} is from an older likeness (or empty) and this command only reads: \
             run any writing command once (e.g. `likeness import`), to bring it up to date",
            db.describe()
        )));
    }
    if db.is_postgres() {
        db.clock_offset_ms = clock_offset(&db).await?;
    }
    Ok(db)
}

async fn sqlite_pool(path: &Path, max_connections: u32) -> Result<sqlx::SqlitePool> {
    let options = SqliteConnectOptions::from_str("sqlite://")?
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // WAL + NORMAL: a commit survives a killed process; only power loss can drop the
        // last commits, never corrupt the file.
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(30))
        .foreign_keys(true)
        // Deleted content is overwritten with zeros, so an erased person cannot be read back
        // from free pages of the file (`subjects erase`).
        .pragma("secure_delete", "ON");
    SqlitePoolOptions::new()
        .max_connections(max_connections.max(2))
        .acquire_timeout(Duration::from_secs(60))
        .connect_with(options)
        .await
        .map_err(|e| Error::Config(format!("cannot open database {}: {e}", path.display())))
}

async fn sqlite_read_only(path: &Path) -> Result<sqlx::SqlitePool> {
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
    // A WAL database needs its shared-memory file, which SQLite cannot create in a read-only
    // folder; nobody can be writing there, so reading it as immutable is safe.
    match pool(options(false)?).await {
        Ok(p) if sqlx::query("SELECT 1").execute(&p).await.is_ok() => Ok(p),
        _ => pool(options(true)?)
            .await
            .map_err(|e| Error::Config(format!("cannot open database {}: {e}", path.display()))),
    }
}

async fn postgres_pool(url: &str, options: &Options) -> Result<sqlx::PgPool> {
    let shown = options.url.redacted();
    let connect = PgConnectOptions::from_str(url)
        .map_err(|e| Error::Config(format!("database.url {shown}: {e}")))?
        .application_name("likeness")
        .options([
            (
                "statement_timeout",
                format!("{}ms", options.statement_timeout.as_millis()),
            ),
            (
                "idle_in_transaction_session_timeout",
                format!("{}ms", options.idle_in_transaction_timeout.as_millis()),
            ),
        ]);
    // sqlx's messages name host and port, never the password.
    let refused = |e: &dyn std::fmt::Display| {
        Error::Config(format!("cannot connect to the database {shown}: {e}"))
    };
    // One connection first, so a wrong host, port or password is told at once with its own
    // message; the pool alone would retry it for the whole acquire timeout and then only say
    // that it timed out.
    let first = tokio::time::timeout(Duration::from_secs(15), connect.connect())
        .await
        .map_err(|_| refused(&"no answer within 15 s"))?
        .map_err(|e| refused(&e))?;
    first.close().await.ok();
    PgPoolOptions::new()
        .max_connections(options.max_connections.max(2))
        .acquire_timeout(Duration::from_secs(60))
        .connect_with(connect)
        .await
        .map_err(|e| refused(&e))
}

/// The database server's clock minus this machine's, in ms (half the round trip allowed for).
async fn clock_offset(db: &Db) -> Result<i64> {
    let before = chrono::Utc::now().timestamp_millis();
    let server: i64 = on_pool!(db, p => {
        sqlx::query_scalar("SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)")
            .fetch_one(p)
            .await
    })?;
    let after = chrono::Utc::now().timestamp_millis();
    let offset = server - (before + after) / 2;
    if offset.abs() > 2_000 {
        tracing::warn!(
            offset_ms = offset,
            "this machine's clock differs from the database server's; leases use the server's"
        );
    }
    Ok(offset)
}

/// An exclusive `flock` on `<database>.migrate-lock`, released when dropped.
struct MigrationLock(std::fs::File);

impl MigrationLock {
    async fn take(db_path: &Path) -> Result<MigrationLock> {
        let mut name = db_path.as_os_str().to_owned();
        name.push(".migrate-lock");
        let lock_path = std::path::PathBuf::from(name);
        tokio::task::spawn_blocking(move || {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&lock_path)
                .map_err(|e| Error::io(format!("cannot open {}", lock_path.display()), e))?;
            use std::os::fd::AsRawFd;
            // SAFETY: flock on a descriptor this function owns; it blocks until granted.
            if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } != 0 {
                let e = std::io::Error::last_os_error();
                return Err(Error::io(format!("cannot lock {}", lock_path.display()), e));
            }
            Ok(MigrationLock(file))
        })
        .await
        .map_err(|e| Error::Store(format!("migration lock task failed: {e}")))?
    }
}

impl Drop for MigrationLock {
    fn drop(&mut self) {
        use std::os::fd::AsRawFd;
        // SAFETY: unlocking the descriptor this value owns.
        unsafe { libc::flock(self.0.as_raw_fd(), libc::LOCK_UN) };
    }
}
