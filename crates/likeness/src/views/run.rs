//! A run (a batch) with its live job counts and what it cost: `likeness runs --json` and
//! `/api/runs`.

use serde::Serialize;

use crate::db::runs::{Run, RunCounts, RunStyle};

#[derive(Debug, Clone, Serialize)]
pub struct RunView {
    pub id: String,
    /// Runs of the same selection and styles share a key; `version` counts them.
    pub run_key: String,
    pub version: i64,
    pub status: String,
    /// The styles as they were when the run was planned.
    pub styles: Vec<RunStyleView>,
    pub provider: Option<String>,
    pub size: Option<String>,
    pub selection: serde_json::Value,
    pub notes: Option<String>,
    pub planned: i64,
    pub skipped: i64,
    pub estimated_cost_usd: f64,
    pub app_version: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub duration_ms: Option<i64>,
    pub counts: RunCountsView,
    pub actual_cost_usd: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunStyleView {
    pub name: String,
    pub version: u32,
    pub fingerprint: String,
    pub prompt_template: String,
}

/// Live job counts, from the jobs table.
#[derive(Debug, Clone, Serialize)]
pub struct RunCountsView {
    pub queued: i64,
    pub running: i64,
    pub succeeded: i64,
    pub failed: i64,
    pub skipped: i64,
}

impl RunView {
    pub fn new(run: Run, counts: RunCounts, actual_cost_usd: f64) -> RunView {
        RunView {
            id: run.id,
            run_key: run.run_key,
            version: run.version,
            status: run.status,
            styles: run.styles.into_iter().map(RunStyleView::from).collect(),
            provider: run.provider,
            size: run.size,
            selection: run.selection,
            notes: run.notes,
            planned: run.planned,
            skipped: run.skipped,
            estimated_cost_usd: run.estimated_cost_usd,
            app_version: run.app_version,
            started_at: run.started_at.text(),
            finished_at: run.finished_at.map(|t| t.text()),
            duration_ms: run.duration_ms,
            counts: RunCountsView {
                queued: counts.queued,
                running: counts.running,
                succeeded: counts.succeeded,
                failed: counts.failed,
                skipped: counts.skipped,
            },
            actual_cost_usd,
        }
    }

    /// Jobs still to finish.
    pub fn remaining(&self) -> i64 {
        self.counts.queued + self.counts.running
    }
}

impl From<RunStyle> for RunStyleView {
    fn from(s: RunStyle) -> RunStyleView {
        RunStyleView {
            name: s.name,
            version: s.version,
            fingerprint: s.fingerprint,
            prompt_template: s.prompt_template,
        }
    }
}
