//! A job as the API shows it (`/api/jobs/{id}`, SSE, `/api/generate`).

use serde::Serialize;

use crate::db::queue::JobRow;
use crate::job_options::JobOptions;

#[derive(Debug, Clone, Serialize)]
pub struct JobView {
    pub id: String,
    pub run_id: String,
    pub subject_id: String,
    pub style: String,
    /// `queued`, `running`, `succeeded`, `failed` or `skipped`.
    pub status: String,
    pub skip_reason: Option<String>,
    pub attempts: i64,
    pub max_attempts: i64,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub asset_id: Option<String>,
    /// RFC 3339 UTC with milliseconds.
    pub created_at: String,
    pub finished_at: Option<String>,
    /// The request's overrides (seed, prompt, size, references), for the audit trail.
    pub options: JobOptions,
}

impl From<JobRow> for JobView {
    fn from(j: JobRow) -> JobView {
        JobView {
            id: j.id,
            run_id: j.run_id,
            subject_id: j.subject_id,
            style: j.style,
            status: j.status,
            skip_reason: j.skip_reason,
            attempts: j.attempts,
            max_attempts: j.max_attempts,
            error_code: j.error_code,
            error_message: j.error_message,
            asset_id: j.asset_id,
            created_at: j.created_at.text(),
            finished_at: j.finished_at.map(|t| t.text()),
            options: j.options,
        }
    }
}
