//! Runs and jobs: every run with its counts; a run's live progress (pausable), its failures
//! grouped by error code with **Retry failed** and **Cancel queued**; a job's attempts.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use futures::Stream;
use likeness_ui::Template;
use likeness_ui::pages::{
    Counts, CountsFragment, FailureGroup, JobLine, JobPage, RunLine, RunPage, RunsPage,
};
use serde::Deserialize;

use super::pages::{chrome, encode_query, error, from_api, render, usd, when};
use super::session::UiUser;
use super::subject::{action_lines, short};
use super::versions::{Context, versions};
use crate::app::App;
use crate::db::admin::NewAction;
use crate::db::runs::Run;

/// Runs listed (newest first) and jobs per page of a run.
const RUNS_SHOWN: usize = 200;
const JOBS_PER_PAGE: i64 = 100;

async fn counts(app: &App, run: &Run) -> crate::error::Result<Counts> {
    let c = app.db.run_counts(&run.id).await?;
    let spent = app.db.run_actual_cost(&run.id).await?;
    let budget = app.db.run_budget(&run.id).await?;
    let total = c.queued + c.running + c.succeeded + c.failed + c.skipped;
    let done = c.succeeded + c.failed + c.skipped;
    let elapsed = chrono::Utc::now().timestamp_millis() - run.started_at.millis();
    let eta = if c.queued + c.running == 0 {
        "–".into()
    } else if done == 0 {
        "after the first job".into()
    } else {
        let left = (elapsed as f64 / done as f64 * (c.queued + c.running) as f64) as i64;
        super::pages::duration_ms(left)
    };
    Ok(Counts {
        queued: c.queued,
        running: c.running,
        succeeded: c.succeeded,
        failed: c.failed,
        skipped: c.skipped,
        total,
        spent: usd(spent),
        budget: budget.map(|b| b.limit_usd).map(usd).unwrap_or_default(),
        eta,
        status: run.status.clone(),
    })
}

pub async fn list(
    State(state): State<crate::http::State>,
    Extension(user): Extension<UiUser>,
) -> Response {
    let app = &state.app;
    let runs = match app.db.runs().await {
        Ok(r) => r,
        Err(e) => return from_api(&user, e),
    };
    let mut lines = Vec::new();
    for run in runs.iter().take(RUNS_SHOWN) {
        let c = match counts(app, run).await {
            Ok(c) => c,
            Err(e) => return from_api(&user, e),
        };
        lines.push(RunLine {
            href: format!("/ui/runs/{}", encode_query(&run.id)),
            id: run.id.clone(),
            key: run.run_key.clone(),
            version: run.version,
            started: when(&run.started_at),
            counts: c,
        });
    }
    render(&RunsPage {
        chrome: chrome(Some(&user), "Runs", "runs"),
        runs: lines,
    })
}

#[derive(Deserialize, Default)]
pub struct RunQuery {
    after: Option<i64>,
    notice: Option<String>,
}

async fn find_run(app: &App, user: &UiUser, id: &str) -> Result<Run, Box<Response>> {
    match app.db.run(id).await {
        Ok(Some(r)) => Ok(r),
        Ok(None) => Err(Box::new(error(
            Some(user),
            StatusCode::NOT_FOUND,
            "There is no such run.",
        ))),
        Err(e) => Err(Box::new(from_api(user, e))),
    }
}

pub async fn page(
    State(state): State<crate::http::State>,
    Extension(user): Extension<UiUser>,
    Path(id): Path<String>,
    Query(q): Query<RunQuery>,
) -> Response {
    let app = &state.app;
    let run = match find_run(app, &user, &id).await {
        Ok(r) => r,
        Err(r) => return *r,
    };
    let after = q.after.unwrap_or(0);
    let loaded = async {
        let counts = counts(app, &run).await?;
        let failed = app.db.failed_jobs(&run.id).await?;
        let jobs = app.db.run_jobs(&run.id, after, JOBS_PER_PAGE + 1).await?;
        let actions = app.db.run_actions(&run.id, 50).await?;
        Ok::<_, crate::error::Error>((counts, failed, jobs, actions))
    }
    .await;
    let (counts, failed, mut jobs, actions) = match loaded {
        Ok(l) => l,
        Err(e) => return from_api(&user, e),
    };
    let more_jobs = if jobs.len() as i64 > JOBS_PER_PAGE {
        jobs.truncate(JOBS_PER_PAGE as usize);
        jobs.last().map(|_| {
            format!(
                "/ui/runs/{}?after={}",
                encode_query(&run.id),
                after + JOBS_PER_PAGE
            )
        })
    } else {
        None
    };
    let mut failures: Vec<FailureGroup> = Vec::new();
    for f in &failed {
        let code = if f.code.is_empty() {
            "generation.failed".to_string()
        } else {
            f.code.clone()
        };
        let group = match failures.iter_mut().position(|g| g.code == code) {
            Some(i) => &mut failures[i],
            None => {
                failures.push(FailureGroup {
                    code,
                    count: 0,
                    examples: Vec::new(),
                });
                failures.last_mut().expect("just pushed")
            }
        };
        group.count += 1;
        if group.examples.len() < 10 {
            group.examples.push((
                format!("{} ({})", f.subject_id, f.style),
                crate::http::redact_text(&f.message, &app.store),
                format!("/ui/subjects/{}", encode_query(&f.subject_id)),
            ));
        }
    }
    failures.sort_by_key(|g| std::cmp::Reverse(g.count));
    let jobs = jobs
        .iter()
        .map(|j| JobLine {
            href: format!("/ui/jobs/{}", encode_query(&j.id)),
            subject: j.subject_id.clone(),
            subject_href: format!("/ui/subjects/{}", encode_query(&j.subject_id)),
            style: j.style.clone(),
            status: j.status.clone(),
            attempts: format!("{} / {}", j.attempts, j.max_attempts),
            error: j
                .error_code
                .clone()
                .or_else(|| j.skip_reason.clone())
                .unwrap_or_default(),
        })
        .collect();
    let mut facts = vec![
        ("Version".to_string(), run.version.to_string()),
        ("Started".to_string(), when(&run.started_at)),
        (
            "Styles".to_string(),
            run.styles
                .iter()
                .map(|s| format!("{} v{}", s.name, s.version))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ("Estimated".to_string(), usd(run.estimated_cost_usd)),
    ];
    if let Some(p) = &run.provider {
        facts.push(("Provider".into(), p.clone()));
    }
    if let Some(n) = &run.notes {
        facts.push(("Notes".into(), n.clone()));
    }
    render(&RunPage {
        chrome: chrome(Some(&user), format!("Run {}", run.run_key), "runs"),
        live_url: format!("/ui/runs/{}/live", encode_query(&run.id)),
        id: run.id.clone(),
        key: format!("{} v{}", run.run_key, run.version),
        facts,
        counts,
        failures,
        jobs,
        more_jobs,
        actions: action_lines(&actions),
        notice: q.notice.map(|n| n.chars().take(200).collect()),
    })
}

/// The run's counts, re-sent every second while they change (any process's workers).
pub async fn live(
    State(state): State<crate::http::State>,
    Extension(user): Extension<UiUser>,
    Path(id): Path<String>,
) -> Response {
    let app = state.app.clone();
    if let Err(r) = find_run(&app, &user, &id).await {
        return *r;
    }
    let stream = futures::stream::unfold(
        (app, user, id, String::new(), true),
        |(app, user, id, last, first)| async move {
            loop {
                if !first || !last.is_empty() {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                let run = app.db.run(&id).await.ok()??;
                let counts = counts(&app, &run).await.ok()?;
                let html = CountsFragment {
                    chrome: chrome(Some(&user), "", ""),
                    counts,
                }
                .render()
                .ok()?;
                let html = format!(
                    "<div id=\"counts\" aria-live=\"polite\" aria-atomic=\"true\">{html}</div>"
                );
                if html != last {
                    let event: Result<Event, Infallible> = Ok(Event::default().data(html.clone()));
                    return Some((event, (app, user, id, html, false)));
                }
            }
        },
    );
    let stream: std::pin::Pin<Box<dyn Stream<Item = Result<Event, Infallible>> + Send>> =
        Box::pin(stream);
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// What an admin does to a run's jobs in bulk.
#[derive(Clone, Copy)]
enum Bulk {
    RetryFailed,
    CancelQueued,
}

pub async fn retry_failed(
    State(state): State<crate::http::State>,
    Extension(user): Extension<UiUser>,
    Path(id): Path<String>,
) -> Response {
    bulk(&state, &user, &id, Bulk::RetryFailed).await
}

pub async fn cancel_queued(
    State(state): State<crate::http::State>,
    Extension(user): Extension<UiUser>,
    Path(id): Path<String>,
) -> Response {
    bulk(&state, &user, &id, Bulk::CancelQueued).await
}

/// Does `what` to a run, records it, and goes back to the run with a notice.
async fn bulk(state: &crate::http::State, user: &UiUser, id: &str, what: Bulk) -> Response {
    let app = &state.app;
    let run = match find_run(app, user, id).await {
        Ok(r) => r,
        Err(r) => return *r,
    };
    let done = match what {
        Bulk::RetryFailed => app.db.retry_failed(&run.id).await,
        Bulk::CancelQueued => app.db.cancel_queued(&run.id, &user.name).await,
    };
    let n = match done {
        Ok(n) => n,
        Err(e) => return from_api(user, e),
    };
    let jobs = if n == 1 { "job" } else { "jobs" };
    let (action, detail, notice) = match what {
        Bulk::RetryFailed => {
            app.work_available.notify_waiters();
            app.work_available.notify_one();
            (
                "retry_failed",
                format!(
                    "retried {n} failed {jobs} of run {} v{}",
                    run.run_key, run.version
                ),
                format!("Queued {n} failed {jobs} again."),
            )
        }
        Bulk::CancelQueued => (
            "cancel_queued",
            format!(
                "cancelled {n} queued {jobs} of run {} v{}",
                run.run_key, run.version
            ),
            format!("Cancelled {n} queued {jobs}."),
        ),
    };
    if let Err(e) = record(app, user, action, &run, &detail).await {
        return from_api(user, e);
    }
    tracing::info!(token = %user.name, run = %run.id, jobs = n, action, "ui: run action");
    Redirect::to(&format!(
        "/ui/runs/{}?notice={}",
        encode_query(&run.id),
        encode_query(&notice)
    ))
    .into_response()
}

/// Records a run action, and on each subject it touched when the run has one subject.
async fn record(
    app: &App,
    user: &UiUser,
    action: &str,
    run: &Run,
    detail: &str,
) -> crate::error::Result<()> {
    let jobs = app.db.run_jobs(&run.id, 0, 2).await?;
    let subject = match jobs.as_slice() {
        [only] => Some(only.subject_id.clone()),
        _ => None,
    };
    app.db
        .record_action(&NewAction {
            actor: &user.name,
            action,
            subject_id: subject.as_deref(),
            run_id: Some(&run.id),
            detail,
        })
        .await
}

pub async fn job(
    State(state): State<crate::http::State>,
    Extension(user): Extension<UiUser>,
    Path(id): Path<String>,
) -> Response {
    let app = &state.app;
    let job = match app.db.job(&id).await {
        Ok(Some(j)) => j,
        Ok(None) => return error(Some(&user), StatusCode::NOT_FOUND, "There is no such job."),
        Err(e) => return from_api(&user, e),
    };
    let attempts = match app.db.job_attempts(&job.id).await {
        Ok(a) => a,
        Err(e) => return from_api(&user, e),
    };
    let ctx = match Context::load(app, &attempts, &[]).await {
        Ok(c) => c,
        Err(e) => return from_api(&user, e),
    };
    let name = match app.db.subject(&job.subject_id).await {
        Ok(Some(s)) => s.display_name().to_string(),
        _ => job.subject_id.clone(),
    };
    let mut facts = vec![
        (
            "Subject".to_string(),
            format!("{name} ({})", job.subject_id),
        ),
        ("Style".to_string(), job.style.clone()),
        ("Status".to_string(), job.status.clone()),
        (
            "Attempts".to_string(),
            format!("{} of {}", job.attempts, job.max_attempts),
        ),
        ("Queued".to_string(), when(&job.created_at)),
        ("Run".to_string(), short(&job.run_id).to_string()),
    ];
    if let Some(f) = &job.finished_at {
        facts.push(("Finished".into(), when(f)));
    }
    if let Some(code) = &job.error_code {
        facts.push((
            "Error".into(),
            format!(
                "{code}: {}",
                job.error_message
                    .as_deref()
                    .map(|m| crate::http::redact_text(m, &app.store))
                    .unwrap_or_default()
            ),
        ));
    }
    if let Some(r) = &job.skip_reason {
        facts.push(("Skipped".into(), r.clone()));
    }
    render(&JobPage {
        chrome: chrome(Some(&user), format!("Job {}", short(&job.id)), "runs"),
        id: job.id.clone(),
        facts,
        attempts: versions(app, &attempts, &ctx, &name, false),
    })
}
