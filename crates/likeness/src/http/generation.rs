//! What every generating endpoint shares: the per-client rate limit, queueing one-job runs for
//! a subject, and waiting (bounded) for them. The avatars endpoint, the doctor pipeline's
//! `/api/generate` and the OpenAI-compatible ones all go through here, so there is one path
//! from a request to the queue and the same workers as the CLI.

use std::time::Duration;

use axum::http::StatusCode;
use tokio::sync::broadcast;

use super::ApiError;
use super::auth::Client;
use crate::app::App;
use crate::codes;
use crate::db::queue::JobRow;
use crate::db::subjects::OnConflict;
use crate::events::JobEvent;
use crate::job_options::JobOptions;
use crate::pipeline::plan::Selection;
use crate::pipeline::run::{self, GenerateOptions};

/// 429 with `Retry-After` unless `client` has a generation left this minute.
pub(super) async fn take_rate(state: &super::State, client: &Client) -> Result<(), ApiError> {
    state.generate_limit.check(&client.0).await.map_err(|wait| {
        let seconds = wait.as_secs() + 1;
        ApiError::new(
            "http.rate_limited",
            format!("too many generation requests; retry in {seconds} s"),
        )
        .with_retry_after(seconds)
    })
}

/// Creates or refreshes a subject made for one request (OpenAI prompts, `/api/generate`
/// without a subject), so its images are recorded like every other generation.
pub(super) async fn adhoc_subject(
    app: &App,
    id: &str,
    name: Option<&str>,
    cohort: &str,
) -> Result<String, ApiError> {
    let mut fields = serde_json::json!({"id": id, "cohorts": [cohort]});
    if let Some(name) = name {
        let name: String = name
            .chars()
            .take(likeness_subjects::MAX_NAME_CHARS)
            .collect();
        fields["name"] = name.into();
    }
    let subject = likeness_subjects::subject_from_json(
        fields.as_object().expect("an object"),
        likeness_subjects::Source::Api,
    )
    .map_err(|e| ApiError::new("subject.invalid", e.to_string()))?;
    app.db
        .upsert_subjects(std::slice::from_ref(&subject), OnConflict::Skip)
        .await?;
    Ok(subject.id.to_string())
}

/// Images to make for one subject in one style: one job per entry of `jobs`.
pub(super) struct Order {
    pub subject_id: String,
    pub style: String,
    /// `provider` or `provider:model`, instead of the style's chain.
    pub provider: Option<String>,
    /// Runs are filed under this key (`api:{style}`, `openai:{style}`…); never resumed.
    pub run_key: String,
    pub notes: &'static str,
    pub jobs: Vec<JobOptions>,
}

/// Queued jobs, watched from before they were queued so no outcome slips past unseen.
pub(super) struct Queued {
    pub jobs: Vec<String>,
    events: broadcast::Receiver<JobEvent>,
}

/// A count or a size as JSON Schema counts integers: `10` and `10.0` alike (serde's `u32`
/// refuses `10.0`, which a client writing numbers as floats sends). Use with
/// `#[serde(default, deserialize_with = "...")]`.
pub(super) fn whole_number<'de, D>(d: D) -> Result<Option<u32>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    use serde::Deserialize;
    let Some(n) = Option::<serde_json::Number>::deserialize(d)? else {
        return Ok(None);
    };
    whole(&n.to_string()).map(Some).ok_or_else(|| {
        serde::de::Error::custom(format!("{n} is not a whole number from 0 to {}", u32::MAX))
    })
}

/// `text` as a whole number (`10`, `10.0`), if it is one that fits a `u32`.
pub(super) fn whole(text: &str) -> Option<u32> {
    let text = text.trim();
    text.parse::<u32>().ok().or_else(|| {
        let f: f64 = text.parse().ok()?;
        (f.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&f)).then_some(f as u32)
    })
}

/// `value` as a text field the databases can store: PostgreSQL refuses NUL in text and JSON,
/// and SQLite would store what the other backend cannot copy.
pub(super) fn storable_text(field: &str, value: &str) -> Result<(), ApiError> {
    if value.contains('\0') {
        return Err(ApiError::new(
            codes::HTTP_BAD_TEXT,
            format!("{field} contains a NUL character; send text without it"),
        ));
    }
    Ok(())
}

/// Plans one run per job (each carries its own options) and wakes the workers.
pub(super) async fn enqueue(app: &App, order: Order) -> Result<Queued, ApiError> {
    if let Some(provider) = &order.provider {
        storable_text("provider", provider)?;
    }
    for options in &order.jobs {
        crate::limits::check_job_options(options)
            .map_err(|m| ApiError::new("http.field_too_long", m))?;
        let texts = [
            ("custom_prompt", &options.custom_prompt),
            ("seed", &options.seed),
        ];
        for (field, text) in texts {
            text.as_deref()
                .map_or(Ok(()), |t| storable_text(field, t))?;
        }
    }
    let events = app.events.subscribe();
    let mut jobs = Vec::with_capacity(order.jobs.len());
    for options in order.jobs {
        let plan = GenerateOptions {
            styles: vec![order.style.clone()],
            selection: Selection {
                subjects: vec![order.subject_id.clone()],
                force: true,
                ..Selection::default()
            },
            size: None,
            provider: order.provider.clone(),
            run_key: Some(order.run_key.clone()),
            notes: Some(order.notes.into()),
            resume: false,
            job_options: Some(options),
        };
        let prepared = run::prepare(app, &plan).await?;
        let ids = app.db.job_ids(&prepared.run.id).await?;
        if ids.is_empty() {
            return Err(ApiError::new("queue.empty_run", "the run has no job"));
        }
        jobs.extend(ids);
    }
    app.work_available.notify_waiters();
    app.work_available.notify_one();
    Ok(Queued { jobs, events })
}

impl Queued {
    /// Waits until every job has finished (succeeded or failed) or `limit` has passed, and
    /// returns the jobs as they are then.
    pub async fn wait(&mut self, app: &App, limit: Duration) -> Result<Vec<JobRow>, ApiError> {
        let deadline = tokio::time::Instant::now() + limit;
        let mut rows = Vec::with_capacity(self.jobs.len());
        for id in &self.jobs {
            let row = loop {
                let job = app
                    .db
                    .job(id)
                    .await?
                    .ok_or_else(|| ApiError::not_found(format!("job {id} vanished")))?;
                if is_final(&job.status) || tokio::time::Instant::now() >= deadline {
                    break job;
                }
                // Woken by this process's workers at once; the short poll covers workers in
                // other processes (`likeness worker`).
                let events = &mut self.events;
                let _ = tokio::time::timeout(Duration::from_millis(250), async {
                    loop {
                        match events.recv().await {
                            Ok(e) if &e.job_id == id && e.status != "retrying" => break,
                            Ok(_) => continue,
                            Err(broadcast::error::RecvError::Lagged(_)) => break,
                            Err(broadcast::error::RecvError::Closed) => {
                                std::future::pending::<()>().await
                            }
                        }
                    }
                })
                .await;
            };
            rows.push(row);
        }
        Ok(rows)
    }
}

pub(super) fn is_final(status: &str) -> bool {
    matches!(status, "succeeded" | "failed")
}

/// Renderer options (`flip`, `background`, `palette`, …) for a style, checked against its
/// `[renderer]` table now, with the reason, rather than failing the job later.
pub(super) fn renderer_options(
    app: &App,
    style: &str,
    options: Option<serde_json::Map<String, serde_json::Value>>,
) -> Result<serde_json::Map<String, serde_json::Value>, ApiError> {
    let options = options.unwrap_or_default();
    if !options.is_empty() {
        let style = app.style(style)?;
        crate::provider::builtin::Builtin::recipe(&style, &options)
            .map_err(|e| ApiError::new(e.code(), format!("options: {e}")))?;
    }
    Ok(options)
}

/// A failed job as an error, with the status its code has when raised directly
/// (`codes::http_status`).
pub(super) fn job_error(app: &App, job: &JobRow) -> ApiError {
    let code = job
        .error_code
        .as_deref()
        .unwrap_or(codes::GENERATION_FAILED);
    let message = match &job.error_message {
        Some(m) => super::redact_text(m, &app.store),
        None => "generation failed".into(),
    };
    let error = ApiError::new(code, message);
    // The job's own retries have already waited out the provider's hints; a client gets a
    // modest pause before asking again.
    match error.status {
        StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => {
            error.with_retry_after(30)
        }
        _ => error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_are_integers_as_json_schema_counts_them() {
        assert_eq!(whole("10"), Some(10));
        assert_eq!(whole("10.0"), Some(10));
        assert_eq!(whole(" 3 "), Some(3));
        for not in [
            "10.5",
            "-1",
            "-0.5",
            "4294967296",
            "1e400",
            "NaN",
            "inf",
            "",
            "x",
        ] {
            assert_eq!(whole(not), None, "{not}");
        }
        #[derive(serde::Deserialize)]
        struct N {
            #[serde(default, deserialize_with = "whole_number")]
            n: Option<u32>,
        }
        let read = |text: &str| serde_json::from_str::<N>(text).map(|v| v.n);
        assert_eq!(read(r#"{"n": 10.0}"#).unwrap(), Some(10));
        assert_eq!(read(r#"{"n": null}"#).unwrap(), None);
        assert_eq!(read("{}").unwrap(), None);
        assert!(read(r#"{"n": 1.5}"#).is_err());
        assert!(read(r#"{"n": "1"}"#).is_err());
    }

    #[test]
    fn nul_is_refused_in_stored_text() {
        assert!(storable_text("seed", "a b\tc").is_ok());
        let e = storable_text("seed", "a\0b").unwrap_err();
        assert_eq!(
            (e.status.as_u16(), e.code.as_str()),
            (400, codes::HTTP_BAD_TEXT)
        );
    }
}
