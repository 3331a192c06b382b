//! Subject rows: upsert by id (idempotent re-import), lookup by id or slug, paged scans.
//!
//! An upsert reads the stored subject and merges into it (cohorts, derived attributes), so on
//! PostgreSQL each subject's key is locked for the transaction first: two processes importing
//! the same subject under two cohorts both land, neither overwrites the other.

use likeness_subjects::Subject;
use sqlx::types::Json;

use super::value::Get;
use super::{Db, Tx, on_pool, on_tx};
use crate::error::{Error, Result};
use crate::hash::hex_sha256;

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

/// What a batch does when one of its subjects belongs to another source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnConflict {
    /// Write the others (an import reports the conflict and goes on).
    Skip,
    /// Write nothing (the API answers 409 for the whole request).
    Abort,
}

/// Attributes likeness derives and caches on subjects (`likeness_description`, ...).
pub const DERIVED_PREFIX: &str = "likeness_";

pub(super) fn decode(row: &impl Get) -> Result<Subject> {
    let value: serde_json::Value = row.json("record")?;
    serde_json::from_value(value).map_err(|e| Error::Corrupt(format!("subject record: {e}")))
}

/// The content hash of a subject as stored (its JSON as serde writes it, which is also the
/// SQLite column's text), to tell an updated record from an unchanged one.
fn encode(subject: &Subject) -> Result<String> {
    let record = serde_json::to_string(subject).map_err(|e| Error::Corrupt(e.to_string()))?;
    Ok(hex_sha256(record.as_bytes()))
}

fn lock_key(id: &str) -> String {
    format!("subject:{id}")
}

impl Db {
    /// Inserts or updates subjects in one transaction, returning what happened to each (in
    /// order). Cohorts are merged with the stored ones, so importing a file under a second
    /// cohort adds to the subject rather than moving it.
    pub async fn upsert_subjects(
        &self,
        subjects: &[Subject],
        on_conflict: OnConflict,
    ) -> Result<Vec<Upsert>> {
        let mut tx = self.begin().await?;
        // Sorted, so that two batches sharing subjects lock them in the same order.
        let mut keys: Vec<String> = subjects.iter().map(|s| lock_key(s.id.as_ref())).collect();
        keys.sort();
        keys.dedup();
        for key in &keys {
            tx.lock(key).await?;
        }
        let mut outcomes = Vec::with_capacity(subjects.len());
        for subject in subjects {
            outcomes.push(self.upsert_one(&mut tx, subject).await?);
        }
        let conflicted = outcomes
            .iter()
            .any(|o| matches!(o, Upsert::Conflict { .. }));
        if conflicted && on_conflict == OnConflict::Abort {
            tx.rollback().await?;
        } else {
            tx.commit().await?;
        }
        Ok(outcomes)
    }

    async fn upsert_one(&self, tx: &mut Tx, incoming: &Subject) -> Result<Upsert> {
        let id = incoming.id.as_ref();
        let sql = "SELECT source, record, content_hash FROM subjects WHERE id = $1";
        let existing = on_tx!(tx, c => {
            match sqlx::query(sql).bind(id).fetch_optional(&mut *c).await? {
                Some(row) => Some((row.text("source")?, decode(&row)?, row.text("content_hash")?)),
                None => None,
            }
        });
        let mut subject = incoming.clone();
        let mut outcome = Upsert::Imported;
        if let Some((source, stored, _)) = &existing {
            if source != incoming.source.as_str() {
                return Ok(Upsert::Conflict {
                    existing_source: source.clone(),
                });
            }
            merge_stored(&mut subject, stored);
            outcome = Upsert::Updated;
        }
        let hash = encode(&subject)?;
        if existing.as_ref().is_some_and(|(_, _, h)| *h == hash) {
            return Ok(Upsert::Unchanged);
        }
        let now = self.now();
        let upsert = "INSERT INTO subjects (id, source, slug, name, record, content_hash,
                 created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
             ON CONFLICT (id) DO UPDATE SET slug = excluded.slug, name = excluded.name,
                 record = excluded.record, content_hash = excluded.content_hash,
                 updated_at = excluded.updated_at";
        let cohort = "INSERT INTO subject_cohorts (cohort, subject_id) VALUES ($1, $2)
             ON CONFLICT DO NOTHING";
        on_tx!(tx, c => {
            sqlx::query(upsert)
                .bind(id)
                .bind(subject.source.as_str())
                .bind(subject.slug())
                .bind(subject.name.as_deref())
                .bind(Json(&subject))
                .bind(&hash)
                .bind(now)
                .execute(&mut *c)
                .await?;
            for name in &subject.cohorts {
                sqlx::query(cohort).bind(name).bind(id).execute(&mut *c).await?;
            }
        });
        super::subject_keys::replace(tx, &subject).await?;
        Ok(outcome)
    }

    pub async fn subject(&self, id: &str) -> Result<Option<Subject>> {
        let sql = "SELECT record FROM subjects WHERE id = $1";
        on_pool!(self, p => {
            let row = sqlx::query(sql).bind(id).fetch_optional(p).await?;
            row.as_ref().map(decode).transpose()
        })
    }

    /// Sets derived attributes (keys starting with `likeness_`) on a stored subject.
    pub async fn set_derived(&self, id: &str, values: &[(&str, String)]) -> Result<()> {
        let mut tx = self.begin().await?;
        tx.lock(&lock_key(id)).await?;
        let select = "SELECT record FROM subjects WHERE id = $1";
        let mut subject = on_tx!(&mut tx, c => {
            match sqlx::query(select).bind(id).fetch_optional(&mut *c).await? {
                Some(row) => decode(&row)?,
                None => return Err(Error::Corrupt(format!("subject {id} vanished"))),
            }
        });
        for (k, v) in values {
            debug_assert!(k.starts_with(DERIVED_PREFIX));
            subject.attributes.insert(k.to_string(), v.clone());
        }
        let hash = encode(&subject)?;
        let now = self.now();
        let update =
            "UPDATE subjects SET record = $1, content_hash = $2, updated_at = $3 WHERE id = $4";
        on_tx!(&mut tx, c => {
            sqlx::query(update)
                .bind(Json(&subject))
                .bind(&hash)
                .bind(now)
                .bind(id)
                .execute(&mut *c)
                .await?;
        });
        tx.commit().await
    }

    /// Finds a subject by exact id, else by slug (which must then be unambiguous).
    pub async fn find_subject(&self, id_or_slug: &str) -> Result<Subject> {
        if let Some(subject) = self.subject(id_or_slug).await? {
            return Ok(subject);
        }
        let sql = "SELECT record FROM subjects WHERE slug = $1 ORDER BY id LIMIT 6";
        let mut found: Vec<Subject> = on_pool!(self, p => {
            let rows = sqlx::query(sql).bind(id_or_slug).fetch_all(p).await?;
            rows.iter().map(decode).collect::<Result<_>>()?
        });
        match found.len() {
            0 => Err(Error::SubjectNotFound(id_or_slug.to_string())),
            1 => Ok(found.remove(0)),
            _ => Err(Error::SubjectAmbiguous {
                slug: id_or_slug.to_string(),
                ids: found.iter().map(|s| s.id.to_string()).collect(),
            }),
        }
    }

    /// One page of subjects ordered by id, after `after`, optionally within a cohort. Paging
    /// keeps memory flat however many subjects there are.
    pub async fn subjects_page(
        &self,
        after: Option<&str>,
        cohort: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Subject>> {
        let after = after.unwrap_or("");
        let in_cohort =
            "SELECT s.record FROM subject_cohorts c JOIN subjects s ON s.id = c.subject_id
             WHERE c.cohort = $1 AND s.id > $2 ORDER BY s.id LIMIT $3";
        let all = "SELECT record FROM subjects WHERE id > $1 ORDER BY id LIMIT $2";
        on_pool!(self, p => {
            let rows = match cohort {
                Some(c) => sqlx::query(in_cohort).bind(c).bind(after).bind(limit).fetch_all(p).await?,
                None => sqlx::query(all).bind(after).bind(limit).fetch_all(p).await?,
            };
            rows.iter().map(decode).collect()
        })
    }

    /// Of the given subjects, the (subject id, style) pairs that have a current image.
    pub async fn current_styles(
        &self,
        subject_ids: &[&str],
    ) -> Result<std::collections::HashSet<(String, String)>> {
        let mut out = std::collections::HashSet::new();
        // Bounded IN lists: one query per page of subjects, not one per subject × style.
        for chunk in subject_ids.chunks(500) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT subject_id, style FROM assets WHERE current = TRUE AND subject_id IN ({})",
                marks.join(", ")
            );
            on_pool!(self, p => {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
                for id in chunk {
                    q = q.bind(*id);
                }
                for row in q.fetch_all(p).await? {
                    out.insert((row.text("subject_id")?, row.text("style")?));
                }
            });
        }
        Ok(out)
    }

    pub async fn cohort_exists(&self, cohort: &str) -> Result<bool> {
        let sql = "SELECT 1 FROM subject_cohorts WHERE cohort = $1 LIMIT 1";
        let row =
            on_pool!(self, p => sqlx::query(sql).bind(cohort).fetch_optional(p).await?.is_some());
        Ok(row)
    }
}

/// Keeps what the stored subject has that a re-import must not lose: what likeness derived
/// itself (a vision model's description of the photo) and the cohorts it was imported under.
fn merge_stored(subject: &mut Subject, stored: &Subject) {
    for (k, v) in &stored.attributes {
        if k.starts_with(DERIVED_PREFIX) && !subject.attributes.contains_key(k) {
            subject.attributes.insert(k.clone(), v.clone());
        }
    }
    for cohort in &stored.cohorts {
        if !subject.cohorts.contains(cohort) {
            subject.cohorts.push(cohort.clone());
        }
    }
    subject.cohorts.sort();
}
