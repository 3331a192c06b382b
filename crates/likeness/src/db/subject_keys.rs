//! The `subject_keys` table: e-mail hashes and user names → subject (see
//! [`crate::subject_keys`] for what a key is). Keys are replaced with the subject's record, in
//! the upsert's transaction, so they can never describe an older record.

use likeness_subjects::Subject;

use super::value::Get;
use super::{Db, Tx, on_pool, on_tx};
use crate::error::Result;

/// Replaces `subject`'s keys inside the transaction that writes its record. A key another
/// subject had moves to this one (the last written wins, as the table's comment says).
pub(super) async fn replace(tx: &mut Tx, subject: &Subject) -> Result<()> {
    let id = subject.id.as_str();
    let delete = "DELETE FROM subject_keys WHERE subject_id = $1";
    let insert = "INSERT INTO subject_keys (key, subject_id) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET subject_id = excluded.subject_id";
    let keys = crate::subject_keys::keys(subject);
    on_tx!(tx, c => {
        sqlx::query(delete).bind(id).execute(&mut *c).await?;
        for key in &keys {
            sqlx::query(insert).bind(key).bind(id).execute(&mut *c).await?;
        }
    });
    Ok(())
}

/// Subjects read per transaction while backfilling.
const BACKFILL_PAGE: i64 = 500;

impl Db {
    /// The id of the subject `key` belongs to.
    pub async fn subject_by_key(&self, key: &str) -> Result<Option<String>> {
        let sql = "SELECT subject_id FROM subject_keys WHERE key = $1";
        on_pool!(self, p => {
            let row = sqlx::query(sql).bind(key).fetch_optional(p).await?;
            row.map(|r| r.text("subject_id")).transpose()
        })
    }

    /// Gives subjects written before the `subject_keys` migration their keys, once: the
    /// migration leaves a `pending_backfills` row, removed when every page is done (a crash
    /// midway leaves it, and the next open starts again; replacing keys is idempotent).
    pub(super) async fn backfill_subject_keys(&self) -> Result<()> {
        let pending = "SELECT name FROM pending_backfills WHERE name = 'subject_keys'";
        let found = on_pool!(self, p => sqlx::query(pending).fetch_optional(p).await?.is_some());
        if !found {
            return Ok(());
        }
        let page = "SELECT id, record FROM subjects WHERE id > $1 ORDER BY id LIMIT $2";
        let mut after = String::new();
        loop {
            let mut tx = self.begin().await?;
            let subjects = on_tx!(&mut tx, c => {
                let rows = sqlx::query(page).bind(&after).bind(BACKFILL_PAGE).fetch_all(&mut *c).await?;
                rows.iter().map(super::subjects::decode).collect::<Result<Vec<Subject>>>()?
            });
            for subject in &subjects {
                replace(&mut tx, subject).await?;
            }
            tx.commit().await?;
            match subjects.last() {
                Some(last) if subjects.len() as i64 == BACKFILL_PAGE => {
                    after = last.id.to_string();
                }
                _ => break,
            }
        }
        let done = "DELETE FROM pending_backfills WHERE name = 'subject_keys'";
        on_pool!(self, p => {
            sqlx::query(done).execute(p).await?;
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use likeness_subjects::{Source, Subject, SubjectId};

    use super::super::{Backend, DatabaseUrl, Options, subjects::OnConflict};
    use super::*;

    fn person(id: &str, email: &str) -> Subject {
        let mut s = Subject::new(SubjectId::new(id.to_string()).unwrap(), Source::Api);
        s.attributes.insert("email".into(), email.into());
        s
    }

    /// Keys follow the record, a shared address belongs to the last writer, and subjects from
    /// before the migration get theirs when the database is next opened.
    #[tokio::test]
    async fn keys_follow_records_and_old_subjects_are_backfilled() {
        let dir = tempfile::tempdir().unwrap();
        let options = Options {
            url: DatabaseUrl::Sqlite(dir.path().join("t.db")),
            max_connections: 2,
            statement_timeout: std::time::Duration::from_secs(60),
            idle_in_transaction_timeout: std::time::Duration::from_secs(60),
        };
        let db = Db::open(&options).await.unwrap();
        let key = |email: &str| crate::subject_keys::keys(&person("x", email))[0].clone();
        let subjects: Vec<Subject> = (0..1100)
            .map(|i| person(&format!("p{i:04}"), &format!("p{i}@example.org")))
            .collect();
        db.upsert_subjects(&subjects, OnConflict::Skip)
            .await
            .unwrap();
        assert_eq!(
            db.subject_by_key(&key("P7@example.org"))
                .await
                .unwrap()
                .as_deref(),
            Some("p0007")
        );
        db.upsert_subjects(&[person("p0007", "new@example.org")], OnConflict::Skip)
            .await
            .unwrap();
        assert_eq!(
            db.subject_by_key(&key("p7@example.org")).await.unwrap(),
            None
        );
        db.upsert_subjects(&[person("p0008", "new@example.org")], OnConflict::Skip)
            .await
            .unwrap();
        assert_eq!(
            db.subject_by_key(&key("new@example.org"))
                .await
                .unwrap()
                .as_deref(),
            Some("p0008")
        );

        // As a database from before the migration: no keys, the backfill pending.
        let Backend::Sqlite(pool) = &db.backend else {
            unreachable!()
        };
        sqlx::query("DELETE FROM subject_keys")
            .execute(pool)
            .await
            .unwrap();
        sqlx::query("INSERT INTO pending_backfills (name) VALUES ('subject_keys')")
            .execute(pool)
            .await
            .unwrap();
        drop(db);
        let db = Db::open(&options).await.unwrap();
        for i in [0, 499, 500, 1099] {
            let found = db
                .subject_by_key(&key(&format!("p{i}@example.org")))
                .await
                .unwrap();
            assert_eq!(found, Some(format!("p{i:04}")), "backfilled across pages");
        }
        let Backend::Sqlite(pool) = &db.backend else {
            unreachable!()
        };
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pending_backfills")
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!(left, 0, "done once");
    }
}
