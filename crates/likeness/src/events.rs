//! Job events: what happened to a job, for waiters (`?wait=true`), live progress (SSE) and
//! the CLI's progress line. Published on `App::events`.

use serde::Serialize;

use crate::db::queue::ClaimedJob;

/// What happened to a job, published on `App::events` for waiters and live progress.
#[derive(Debug, Clone, Serialize)]
pub struct JobEvent {
    pub job_id: String,
    pub run_id: String,
    pub subject_id: String,
    pub style: String,
    /// `running` (claimed), `progress` (of a long generation), `succeeded`, `failed`, or
    /// `retrying` (failed, queued again after a backoff).
    pub status: &'static str,
    pub asset_id: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    /// `[value, max]` of a `progress` event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<[u32; 2]>,
}

impl JobEvent {
    pub fn new(job: &ClaimedJob, status: &'static str) -> JobEvent {
        JobEvent {
            job_id: job.id.clone(),
            run_id: job.run_id.clone(),
            subject_id: job.subject_id.clone(),
            style: job.style.clone(),
            status,
            asset_id: None,
            error_code: None,
            error_message: None,
            progress: None,
        }
    }
}
