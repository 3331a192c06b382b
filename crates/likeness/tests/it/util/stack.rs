//! The stack a test runs on. By default SQLite and a folder in the test's data directory; with
//! `LIKENESS_TEST_STACK=postgres` (scripts/test's second pass) every `TestDir` gets a fresh
//! PostgreSQL database of its own on the server `LIKENESS_TEST_POSTGRES_URL` points at
//! (started by `scripts/test-services`), dropped when the test ends.
//!
//! A run that asks for PostgreSQL without a server to point at fails; it never falls back to
//! SQLite. Tests that only make sense on PostgreSQL call [`postgres_url`], which skips them only
//! when no server was given and `CI` is unset.

use std::sync::atomic::{AtomicU64, Ordering};

/// Which stack this test process runs every `TestDir` on.
pub fn wants_postgres() -> bool {
    match std::env::var("LIKENESS_TEST_STACK").as_deref() {
        Ok("postgres") => true,
        Ok("sqlite") | Err(_) => false,
        Ok(other) => panic!("LIKENESS_TEST_STACK={other}: use sqlite or postgres"),
    }
}

/// The PostgreSQL server for tests, or `None` to skip a PostgreSQL-only test. Under CI a
/// missing server is a failure, not a skip.
pub fn postgres_url() -> Option<String> {
    match std::env::var("LIKENESS_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() || wants_postgres() => panic!(
            "LIKENESS_TEST_POSTGRES_URL is not set: scripts/test starts a PostgreSQL for the \
             tests (scripts/test-services start DIR)"
        ),
        _ => {
            eprintln!("skipped: LIKENESS_TEST_POSTGRES_URL is not set (scripts/test sets it)");
            None
        }
    }
}

/// A database created for one test on the test server, dropped with it.
pub struct TestDatabase {
    admin_url: String,
    name: String,
    pub url: String,
}

static NEXT: AtomicU64 = AtomicU64::new(0);

impl TestDatabase {
    pub fn create(admin_url: &str) -> TestDatabase {
        let name = format!(
            "t_{}_{}_{:x}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed),
            fastrand_u32()
        );
        admin(admin_url, &format!("CREATE DATABASE \"{name}\""));
        let base = admin_url.rsplit_once('/').map_or(admin_url, |(b, _)| b);
        TestDatabase {
            url: format!("{base}/{name}"),
            admin_url: admin_url.to_string(),
            name,
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        admin(
            &self.admin_url,
            &format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name),
        );
    }
}

/// Runs one statement on the admin database, on a thread of its own (a test may already be
/// inside a runtime, where another cannot block).
fn admin(url: &str, statement: &str) {
    let (url, statement) = (url.to_string(), statement.to_string());
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(&url)
                .await
                .unwrap_or_else(|e| panic!("test PostgreSQL at {url}: {e}"));
            sqlx::query(sqlx::AssertSqlSafe(statement.as_str()))
                .execute(&mut conn)
                .await
                .unwrap_or_else(|e| panic!("{statement}: {e}"));
        })
    })
    .join()
    .unwrap();
}

fn fastrand_u32() -> u32 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    t.subsec_nanos() ^ (t.as_secs() as u32).rotate_left(13)
}

/// A prefix of its own in the test S3 bucket (`LIKENESS_TEST_S3_*`, from
/// `scripts/test-services`), for a test on the scale-out stack.
#[derive(Clone)]
pub struct TestBucket {
    /// `s3://bucket/<prefix>`, the public side; the private side is beside it.
    pub url: String,
    /// The standard AWS variables the binary reads, as an operator would set them.
    pub env: Vec<(&'static str, String)>,
}

impl TestBucket {
    pub fn create() -> TestBucket {
        let var = |name: &str| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| {
                    panic!(
                        "{name} is not set: the PostgreSQL stack stores images in S3; \
                     scripts/test-services start DIR sets it"
                    )
                })
        };
        let prefix = format!(
            "t-{}-{}-{:x}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed),
            fastrand_u32()
        );
        TestBucket {
            url: format!("s3://{}/{prefix}/public", var("LIKENESS_TEST_S3_BUCKET")),
            env: vec![
                ("AWS_ENDPOINT_URL", var("LIKENESS_TEST_S3_ENDPOINT")),
                (
                    "AWS_REGION",
                    std::env::var("LIKENESS_TEST_S3_REGION").unwrap_or_else(|_| "us-east-1".into()),
                ),
                ("AWS_ALLOW_HTTP", "true".into()),
                ("AWS_ACCESS_KEY_ID", var("LIKENESS_TEST_S3_ACCESS_KEY_ID")),
                (
                    "AWS_SECRET_ACCESS_KEY",
                    var("LIKENESS_TEST_S3_SECRET_ACCESS_KEY"),
                ),
            ],
        }
    }
}

/// Runs a future to completion on a thread of its own (callers may be inside a runtime).
pub fn block_on<T: Send + 'static>(
    fut: impl std::future::Future<Output = T> + Send + 'static,
) -> T {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(fut)
    })
    .join()
    .unwrap()
}
