//! `[database] url`: which backend, and where. Shown to people only through [`redacted`]
//! (`DatabaseUrl::redacted`), with the password masked.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// `postgres://user:password@host:port/database?sslmode=...`, as given.
    Postgres(String),
}

impl DatabaseUrl {
    /// Parses `sqlite://PATH`, `sqlite:PATH` or `postgres://…` (`postgresql://…`). A relative
    /// SQLite path is taken relative to `base` (the data directory).
    pub fn parse(text: &str, base: &Path) -> Result<DatabaseUrl> {
        let text = text.trim();
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            // Checked now, so a typo fails at start-up with the key, not at first use.
            text.parse::<sqlx::postgres::PgConnectOptions>()
                .map_err(|e| {
                    Error::Config(format!(
                        "database.url {} is not a PostgreSQL URL: {e}",
                        mask_password(text)
                    ))
                })?;
            return Ok(DatabaseUrl::Postgres(text.to_string()));
        }
        let path = text
            .strip_prefix("sqlite://")
            .or_else(|| text.strip_prefix("sqlite:"))
            .ok_or_else(|| {
                Error::Config(format!(
                    "database.url {} names no database this build knows: use sqlite://PATH (the \
                     default is <data-dir>/likeness.db) or postgres://USER:PASSWORD@HOST:PORT/DB",
                    mask_password(text)
                ))
            })?;
        let path = path.split('?').next().unwrap_or_default();
        if path.is_empty() {
            return Err(Error::Config(
                "database.url sqlite:// has no path: give the file, e.g. sqlite:///srv/likeness.db"
                    .into(),
            ));
        }
        Ok(DatabaseUrl::Sqlite(base.join(path)))
    }

    /// The default: `<data-dir>/likeness.db`.
    pub fn default_for(data_dir: &Path) -> DatabaseUrl {
        DatabaseUrl::Sqlite(data_dir.join("likeness.db"))
    }

    /// Whether two URLs name the same database: the same SQLite file (however the path is
    /// spelt), or the same PostgreSQL host, port and database (whatever the user), so
    /// `migrate db` cannot copy a database onto itself.
    pub fn same_database(&self, other: &DatabaseUrl) -> bool {
        match (self, other) {
            (DatabaseUrl::Sqlite(a), DatabaseUrl::Sqlite(b)) => canonical(a) == canonical(b),
            (DatabaseUrl::Postgres(a), DatabaseUrl::Postgres(b)) => {
                use sqlx::postgres::PgConnectOptions;
                match (a.parse::<PgConnectOptions>(), b.parse::<PgConnectOptions>()) {
                    (Ok(x), Ok(y)) => {
                        let db = |o: &PgConnectOptions| {
                            o.get_database().unwrap_or(o.get_username()).to_string()
                        };
                        x.get_host() == y.get_host()
                            && x.get_port() == y.get_port()
                            && db(&x) == db(&y)
                    }
                    _ => a == b,
                }
            }
            _ => false,
        }
    }

    /// For messages and logs: the password replaced by `***`.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
            DatabaseUrl::Postgres(url) => mask_password(url),
        }
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// A file's path with links and `..` resolved, for comparing; when it does not exist yet,
/// `.` and `..` are resolved by name and the folder it would be in by the file system.
fn canonical(path: &Path) -> PathBuf {
    use std::path::Component;
    if let Ok(p) = std::fs::canonicalize(path) {
        return p;
    }
    let mut lexical = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                lexical.pop();
            }
            other => lexical.push(other),
        }
    }
    if let Ok(p) = std::fs::canonicalize(&lexical) {
        return p;
    }
    match (lexical.parent(), lexical.file_name()) {
        (Some(dir), Some(name)) => std::fs::canonicalize(dir)
            .map(|d| d.join(name))
            .unwrap_or(lexical.clone()),
        _ => lexical,
    }
}

/// `scheme://user:secret@host/…` → `scheme://user:***@host/…`; a `password=` query parameter
/// is masked too. Text that is not a URL comes back unchanged.
pub fn mask_password(url: &str) -> String {
    let mut out = url.to_string();
    if let Some(scheme_end) = out.find("://") {
        let rest = &out[scheme_end + 3..];
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        if let Some(at) = rest[..authority_end].rfind('@')
            && let Some(colon) = rest[..at].find(':')
        {
            let start = scheme_end + 3 + colon + 1;
            let end = scheme_end + 3 + at;
            out.replace_range(start..end, "***");
        }
    }
    if let Some(q) = out.find('?') {
        let (head, query) = out.split_at(q + 1);
        let masked: Vec<String> = query
            .split('&')
            .map(|kv| match kv.split_once('=') {
                Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                _ => kv.to_string(),
            })
            .collect();
        out = format!("{head}{}", masked.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse_and_never_show_their_password() {
        let base = Path::new("/data");
        assert_eq!(
            DatabaseUrl::parse("sqlite://meta.db", base).unwrap(),
            DatabaseUrl::Sqlite("/data/meta.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///srv/x.db", base).unwrap(),
            DatabaseUrl::Sqlite("/srv/x.db".into())
        );
        let pg = DatabaseUrl::parse("postgres://app:s3cret@db:5432/likeness", base).unwrap();
        assert_eq!(pg.redacted(), "postgres://app:***@db:5432/likeness");
        assert!(!format!("{pg:?}").contains("s3cret"));
        assert_eq!(
            mask_password("postgres://db/x?user=a&password=s3cret"),
            "postgres://db/x?user=a&password=***"
        );
        let err = DatabaseUrl::parse("mysql://root:s3cret@db/x", base).unwrap_err();
        assert!(err.to_string().contains("sqlite://PATH"), "{err}");
        assert!(!err.to_string().contains("s3cret"), "{err}");
    }

    #[test]
    fn the_same_database_is_recognised_however_it_is_spelt() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path();
        std::fs::create_dir(base.join("sub")).unwrap();
        let a = DatabaseUrl::parse("sqlite://x.db", base).unwrap();
        let b = DatabaseUrl::parse("sqlite://sub/../x.db", base).unwrap();
        let b2 = DatabaseUrl::parse("sqlite://./none/../x.db", base).unwrap();
        assert!(a.same_database(&b2));
        std::fs::write(base.join("x.db"), "").unwrap();
        assert!(a.same_database(&b2));
        let c = DatabaseUrl::parse("sqlite://y.db", base).unwrap();
        assert!(a.same_database(&b));
        assert!(!a.same_database(&c));
        let p = |u: &str| DatabaseUrl::parse(u, base).unwrap();
        assert!(p("postgres://a:x@db:5432/likeness").same_database(&p("postgres://b@db/likeness")));
        assert!(!p("postgres://a@db/likeness").same_database(&p("postgres://a@db/other")));
        assert!(!p("postgres://a@db/likeness").same_database(&p("postgres://a@db2/likeness")));
        assert!(!a.same_database(&p("postgres://a@db/likeness")));
    }
}
