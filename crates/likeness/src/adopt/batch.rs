//! Prepared files gathered into chunks and recorded (or, in a dry run, judged the way the
//! record would judge them), and what each came to, into the report.

use super::prepare::Prepared;
use super::{AdoptedFile, CHUNK, KeptCurrent, Matched, Options, Outcome, Report};
use crate::app::App;
use crate::db::adopt::{
    AdoptionItem, AdoptionOutcome, AdoptionRun, Existing, NewAdopted, ORIGINAL_SHA256,
};
use crate::error::Result;

pub(super) struct Batch<'a> {
    app: &'a App,
    run: AdoptionRun,
    force: bool,
    dry_run: bool,
    /// Whether a chunk adopted something, so the run exists.
    run_used: bool,
    items: Vec<AdoptionItem>,
    /// For each item: the file, and the asset's key.
    pending: Vec<(Matched, String)>,
}

impl<'a> Batch<'a> {
    pub(super) fn new(app: &'a App, options: &Options, run: AdoptionRun) -> Batch<'a> {
        Batch {
            app,
            run,
            force: options.force,
            dry_run: options.dry_run,
            run_used: false,
            items: Vec::new(),
            pending: Vec::new(),
        }
    }

    pub(super) fn run_id(&self) -> Option<String> {
        self.run_used.then(|| self.run.id.clone())
    }

    /// Takes one prepared file; `known` is what its subject had in the style before.
    pub(super) async fn add(
        &mut self,
        m: Matched,
        known: &[Existing],
        prepared: Prepared,
        report: &mut Report,
    ) -> Result<()> {
        let current = known.iter().find(|e| e.current).map(|e| e.asset_id.clone());
        match prepared {
            Prepared::Rejected(problem) => report.rejected.push(problem),
            Prepared::Already(e) => {
                let key = e.storage_key.clone().unwrap_or_default();
                let flip = !e.current && (self.force || current.is_none());
                if flip && !self.dry_run {
                    self.items.push(AdoptionItem::MakeCurrent {
                        subject_id: m.subject_id.clone(),
                        style: m.style.clone(),
                        asset_id: e.asset_id.clone(),
                    });
                    self.pending.push((m, key));
                } else {
                    let kept = current.filter(|_| !e.current && !flip);
                    let asset = Some(e.asset_id);
                    entry(
                        report,
                        &m,
                        Outcome::AlreadyAdopted,
                        asset,
                        key,
                        flip || e.current,
                    );
                    keep(report, &m, kept);
                }
            }
            Prepared::New {
                stored,
                original_sha256,
                original_bytes,
                total_ms,
            } => {
                let key = stored.storage_key.clone();
                if self.dry_run {
                    let becomes = current.is_none() || self.force;
                    entry(report, &m, Outcome::Adopted, None, key, becomes);
                    keep(report, &m, current.filter(|_| !becomes));
                } else {
                    let new = NewAdopted {
                        asset_id: uuid::Uuid::now_v7().to_string(),
                        job_id: uuid::Uuid::now_v7().to_string(),
                        seq: m.seq,
                        subject_id: m.subject_id.clone(),
                        style: m.style.clone(),
                        style_version: self.app.catalog.get(&m.style)?.version,
                        stored,
                        total_ms,
                        details: serde_json::json!({
                            "original_file": m.file.name,
                            ORIGINAL_SHA256: original_sha256,
                            "original_bytes": original_bytes,
                            "matched_by": m.how,
                        }),
                    };
                    self.items.push(AdoptionItem::New(Box::new(new)));
                    self.pending.push((m, key));
                }
            }
        }
        if self.items.len() >= CHUNK {
            self.flush(report).await?;
        }
        Ok(())
    }

    /// Records the gathered items in one transaction.
    pub(super) async fn flush(&mut self, report: &mut Report) -> Result<()> {
        if self.items.is_empty() {
            return Ok(());
        }
        let outcomes = self
            .app
            .db
            .record_adoption(&self.run, self.force, &self.items)
            .await?;
        let items = std::mem::take(&mut self.items);
        for ((item, (m, key)), outcome) in items.iter().zip(self.pending.drain(..)).zip(outcomes) {
            match (item, outcome) {
                (AdoptionItem::New(new), AdoptionOutcome::Adopted { current, kept }) => {
                    self.run_used = true;
                    let asset = Some(new.asset_id.clone());
                    entry(report, &m, Outcome::Adopted, asset, key, current);
                    keep(report, &m, kept);
                }
                (_, AdoptionOutcome::AlreadyThere { asset_id, current }) => {
                    entry(
                        report,
                        &m,
                        Outcome::AlreadyAdopted,
                        Some(asset_id),
                        key,
                        current,
                    );
                }
                (AdoptionItem::MakeCurrent { asset_id, .. }, AdoptionOutcome::MadeCurrent(now)) => {
                    let asset = Some(asset_id.clone());
                    entry(report, &m, Outcome::AlreadyAdopted, asset, key, now);
                    if now {
                        made_current(report);
                    }
                }
                (_, outcome) => {
                    return Err(crate::Error::Corrupt(format!(
                        "adoption of {} recorded as {outcome:?}",
                        m.file.name
                    )));
                }
            }
        }
        Ok(())
    }
}

fn entry(
    report: &mut Report,
    m: &Matched,
    outcome: Outcome,
    asset_id: Option<String>,
    key: String,
    current: bool,
) {
    match outcome {
        Outcome::Adopted => report.adopted += 1,
        Outcome::AlreadyAdopted => report.already_adopted += 1,
    }
    report.files.push(AdoptedFile {
        file: m.file.name.clone(),
        subject_id: m.subject_id.clone(),
        style: m.style.clone(),
        matched_by: m.how,
        outcome,
        asset_id,
        key: Some(key).filter(|k| !k.is_empty()),
        current,
        made_current: false,
    });
}

/// Marks the entry just added as made current by this run.
fn made_current(report: &mut Report) {
    if let Some(last) = report.files.last_mut() {
        last.made_current = true;
    }
}

/// Notes that the subject's current image `kept` stays current over the file's.
fn keep(report: &mut Report, m: &Matched, kept: Option<String>) {
    if let Some(current_asset_id) = kept {
        report.kept_current.push(KeptCurrent {
            file: m.file.name.clone(),
            subject_id: m.subject_id.clone(),
            style: m.style.clone(),
            current_asset_id,
        });
    }
}
