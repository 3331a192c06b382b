//! Subject rows: upsert by id (idempotent re-import), lookup by id or slug, paged scans.

use crate::hash::hex_sha256;
use likeness_subjects::Subject;
use sqlx::{Row, SqliteConnection};

use super::{Db, now_text};
use crate::error::{Error, Result};

/// What an upsert did to the stored subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Upsert {
    Imported,
    Updated,
    Unchanged,
    /// The id already belongs to a subject from another source; nothing was written.
    Conflict {
        existing_source: String,
    },
}

/// Inserts or updates one subject inside the caller's transaction. Cohorts are merged with the
/// stored ones, so importing a file under a second cohort adds to the subject rather than
/// moving it.
pub async fn upsert(conn: &mut SqliteConnection, incoming: &Subject) -> Result<Upsert> {
    let id = incoming.id.as_ref();
    let existing = sqlx::query("SELECT source, record, content_hash FROM subjects WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    let mut subject = incoming.clone();
    let mut outcome = Upsert::Imported;
    if let Some(row) = &existing {
        let source: String = row.get("source");
        if source != incoming.source.as_str() {
            return Ok(Upsert::Conflict {
                existing_source: source,
            });
        }
        let stored = decode(row.get("record"))?;
        // What likeness derived itself (a vision model's description of the photo) survives a
        // re-import of the same subject from its source.
        for (k, v) in &stored.attributes {
            if k.starts_with(DERIVED_PREFIX) && !subject.attributes.contains_key(k) {
                subject.attributes.insert(k.clone(), v.clone());
            }
        }
        for cohort in stored.cohorts {
            if !subject.cohorts.contains(&cohort) {
                subject.cohorts.push(cohort);
            }
        }
        subject.cohorts.sort();
        outcome = Upsert::Updated;
    }
    let record = serde_json::to_string(&subject).map_err(|e| Error::Corrupt(e.to_string()))?;
    let hash = hex_sha256(record.as_bytes());
    if let Some(row) = &existing
        && row.get::<String, _>("content_hash") == hash
    {
        return Ok(Upsert::Unchanged);
    }
    let now = now_text();
    sqlx::query(
        "INSERT INTO subjects (id, source, slug, name, record, content_hash, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
         ON CONFLICT (id) DO UPDATE SET slug = excluded.slug, name = excluded.name,
             record = excluded.record, content_hash = excluded.content_hash,
             updated_at = excluded.updated_at",
    )
    .bind(id)
    .bind(subject.source.as_str())
    .bind(subject.slug())
    .bind(subject.name.as_deref())
    .bind(&record)
    .bind(&hash)
    .bind(&now)
    .execute(&mut *conn)
    .await?;
    for cohort in &subject.cohorts {
        sqlx::query(
            "INSERT INTO subject_cohorts (cohort, subject_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(cohort)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(outcome)
}

/// One page of subjects ordered by id, after `after`, optionally within a cohort. Paging keeps
/// memory flat however many subjects there are.
pub async fn page(
    conn: &mut SqliteConnection,
    after: Option<&str>,
    cohort: Option<&str>,
    limit: i64,
) -> Result<Vec<Subject>> {
    let after = after.unwrap_or("");
    let rows = match cohort {
        Some(c) => {
            sqlx::query(
                "SELECT s.record FROM subject_cohorts c JOIN subjects s ON s.id = c.subject_id
                 WHERE c.cohort = $1 AND s.id > $2 ORDER BY s.id LIMIT $3",
            )
            .bind(c)
            .bind(after)
            .bind(limit)
            .fetch_all(&mut *conn)
            .await?
        }
        None => {
            sqlx::query("SELECT record FROM subjects WHERE id > $1 ORDER BY id LIMIT $2")
                .bind(after)
                .bind(limit)
                .fetch_all(&mut *conn)
                .await?
        }
    };
    rows.into_iter().map(|r| decode(r.get("record"))).collect()
}

/// Whether a subject has a current image in a style.
pub async fn has_current(
    conn: &mut SqliteConnection,
    subject_id: &str,
    style: &str,
) -> Result<bool> {
    let row =
        sqlx::query("SELECT 1 FROM assets WHERE subject_id = $1 AND style = $2 AND current = 1")
            .bind(subject_id)
            .bind(style)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(row.is_some())
}

/// Finds a subject by exact id, else by slug (which must then be unambiguous), on the caller's
/// connection: inside a transaction, taking a second pooled connection can deadlock the pool.
pub async fn find(conn: &mut SqliteConnection, id_or_slug: &str) -> Result<Subject> {
    let by_id = sqlx::query("SELECT record FROM subjects WHERE id = $1")
        .bind(id_or_slug)
        .fetch_optional(&mut *conn)
        .await?;
    if let Some(row) = by_id {
        return decode(row.get("record"));
    }
    let rows = sqlx::query("SELECT record FROM subjects WHERE slug = $1 ORDER BY id LIMIT 6")
        .bind(id_or_slug)
        .fetch_all(&mut *conn)
        .await?;
    let mut found: Vec<Subject> = rows
        .into_iter()
        .map(|r| decode(r.get("record")))
        .collect::<Result<_>>()?;
    match found.len() {
        0 => Err(Error::SubjectNotFound(id_or_slug.to_string())),
        1 => Ok(found.remove(0)),
        _ => Err(Error::SubjectAmbiguous {
            slug: id_or_slug.to_string(),
            ids: found.iter().map(|s| s.id.to_string()).collect(),
        }),
    }
}

/// Attributes likeness derives and caches on subjects (`likeness_description`, ...).
pub const DERIVED_PREFIX: &str = "likeness_";

fn decode(record: String) -> Result<Subject> {
    serde_json::from_str(&record).map_err(|e| Error::Corrupt(format!("subject record: {e}")))
}

impl Db {
    pub async fn subject(&self, id: &str) -> Result<Option<Subject>> {
        let row = sqlx::query("SELECT record FROM subjects WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| decode(r.get("record"))).transpose()
    }

    /// Sets derived attributes (keys starting with `likeness_`) on a stored subject.
    pub async fn set_derived(&self, id: &str, values: &[(&str, String)]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query("SELECT record FROM subjects WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| Error::Corrupt(format!("subject {id} vanished")))?;
        let mut subject = decode(row.get("record"))?;
        for (k, v) in values {
            debug_assert!(k.starts_with(DERIVED_PREFIX));
            subject.attributes.insert(k.to_string(), v.clone());
        }
        let record = serde_json::to_string(&subject).map_err(|e| Error::Corrupt(e.to_string()))?;
        sqlx::query(
            "UPDATE subjects SET record = $1, content_hash = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(&record)
        .bind(hex_sha256(record.as_bytes()))
        .bind(now_text())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Finds a subject by exact id, else by slug (which must then be unambiguous).
    pub async fn find_subject(&self, id_or_slug: &str) -> Result<Subject> {
        find(&mut *self.pool().acquire().await?, id_or_slug).await
    }

    /// One page of subjects ordered by id, after `after`, optionally within a cohort.
    pub async fn subjects_page(
        &self,
        after: Option<&str>,
        cohort: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Subject>> {
        let mut conn = self.pool().acquire().await?;
        page(&mut conn, after, cohort, limit).await
    }

    pub async fn cohort_exists(&self, cohort: &str) -> Result<bool> {
        let row = sqlx::query("SELECT 1 FROM subject_cohorts WHERE cohort = $1 LIMIT 1")
            .bind(cohort)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.is_some())
    }
}
