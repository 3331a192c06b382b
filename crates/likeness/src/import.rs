//! Import: subjects read from files (on a blocking thread, streamed) are upserted in batched
//! transactions, so memory stays flat and a crash loses at most the open batch.

use std::path::PathBuf;

use likeness_subjects::{Notice, ReadOptions, Record, Rejection};
use serde::Serialize;

use crate::app::App;
use crate::db::subjects::{OnConflict, Upsert};
use crate::error::{Error, Result};

const BATCH: usize = 500;

#[derive(Debug, Default, Serialize)]
pub struct ImportReport {
    pub imported: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: Vec<Rejection>,
    pub notices: Vec<Notice>,
    pub files: usize,
}

pub async fn import(app: &App, paths: Vec<PathBuf>, options: ReadOptions) -> Result<ImportReport> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Record>(BATCH * 2);
    let reader = tokio::task::spawn_blocking(move || {
        likeness_subjects::read_paths(&paths, &options, &mut |record| {
            // The receiver only goes away when the import failed; stop quietly then.
            let _ = tx.blocking_send(record);
        })
    });
    let mut report = ImportReport::default();
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        let received = rx.recv_many(&mut batch, BATCH).await;
        if received == 0 {
            break;
        }
        let mut subjects = Vec::with_capacity(batch.len());
        for record in batch.drain(..) {
            match record {
                Record::Subject(subject) => subjects.push(subject),
                Record::Rejected(r) => report.rejected.push(r),
                Record::Notice(n) => report.notices.push(n),
            }
        }
        let outcomes = app.db.upsert_subjects(&subjects, OnConflict::Skip).await?;
        for (subject, outcome) in subjects.iter().zip(outcomes) {
            match outcome {
                Upsert::Imported => report.imported += 1,
                Upsert::Updated => report.updated += 1,
                Upsert::Unchanged => report.unchanged += 1,
                Upsert::Conflict { existing_source } => report.rejected.push(Rejection {
                    file: subject.source.as_str().to_string(),
                    record: format!("subject {}", subject.id),
                    reason: format!(
                        "id {} already belongs to a subject imported from {existing_source}; \
                         ids must be unique across sources",
                        subject.id
                    ),
                }),
            }
        }
    }
    let summary = reader
        .await
        .map_err(|e| Error::Corrupt(format!("import reader failed: {e}")))??;
    report.files = summary.files;
    Ok(report)
}
