//! Regenerate from a subject's page: the form (prefilled with the newest prompt and seed,
//! with the estimated cost), the submission (through `generation::enqueue`, the API's own
//! path), and the live progress it streams until the new version is in the timeline.

use std::convert::Infallible;
use std::time::Duration;

use axum::Form;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Redirect, Response};
use futures::Stream;
use likeness_subjects::Subject;
use likeness_ui::Template;
use likeness_ui::pages::{Choice, Progress, RegenForm};
use serde::Deserialize;

use super::pages::{chrome, encode_query, error, from_api, is_htmx, usd};
use super::session::UiUser;
use super::subject::short;
use super::versions::{Context, version};
use crate::app::App;
use crate::db::admin::NewAction;
use crate::db::assets::AssetRow;
use crate::http::auth::Client;
use crate::http::generation::{self, Order};
use crate::job_options::JobOptions;
use crate::pipeline::plan::Selection;
use crate::pipeline::run::GenerateOptions;

/// The derived attribute holding the key of a reference photo uploaded in the UI.
pub const REFERENCE_KEY: &str = "likeness_reference_key";
/// How long a live progress stream follows a job.
const LIVE_LIMIT: Duration = Duration::from_secs(600);

/// Providers a regeneration may be sent to instead of the style's chain.
const PROVIDERS: [&str; 4] = ["builtin", "gemini", "openai", "comfyui"];

/// The estimated cost and the prompt as the style would render it now (for a cloud style,
/// what the PHI guard lets through), planning without writing anything.
async fn plan(
    app: &App,
    subject_id: &str,
    style: &str,
    provider: Option<&str>,
) -> crate::error::Result<(f64, Option<String>)> {
    let options = GenerateOptions {
        styles: vec![style.to_string()],
        selection: Selection {
            subjects: vec![subject_id.to_string()],
            force: true,
            ..Selection::default()
        },
        size: None,
        provider: provider.map(str::to_string),
        run_key: Some(format!("ui:{style}")),
        notes: None,
        resume: false,
        job_options: None,
    };
    let dry = crate::pipeline::run::dry_run(app, &options).await?;
    Ok((dry.plan.estimated_cost_usd, dry.plan.sample_prompt))
}

fn is_cloud(app: &App, style: &str) -> bool {
    app.catalog.get(style).is_ok_and(|s| {
        s.providers
            .first()
            .is_some_and(|p| matches!(p.provider.as_str(), "gemini" | "openai"))
    })
}

pub async fn form(
    app: &App,
    subject: &Subject,
    rows: &[AssetRow],
) -> crate::error::Result<RegenForm> {
    let newest = rows.last();
    let style = newest
        .map(|r| r.style.clone())
        .unwrap_or_else(|| app.config.default_style.clone());
    let (estimate, rendered) = plan(app, subject.id.as_ref(), &style, None).await?;
    let prompt = newest
        .map(|r| r.prompt.clone())
        .or_else(|| rendered.clone())
        .unwrap_or_default();
    let guarded_prompt = rendered.filter(|r| is_cloud(app, &style) && *r != prompt);
    Ok(RegenForm {
        styles: app
            .catalog
            .names()
            .map(|n| Choice {
                value: n.to_string(),
                label: n.to_string(),
                selected: n == style,
            })
            .collect(),
        prompt,
        guarded_prompt,
        seed: newest.map(|r| r.seed.clone()).unwrap_or_default(),
        providers: PROVIDERS
            .iter()
            .map(|p| Choice {
                value: p.to_string(),
                label: p.to_string(),
                selected: false,
            })
            .collect(),
        estimate: usd(estimate),
    })
}

#[derive(Deserialize)]
pub struct EstimateQuery {
    style: String,
    provider: Option<String>,
}

/// The estimate for another style or provider, as text (the form refreshes it).
pub async fn estimate(
    State(state): State<crate::http::State>,
    Extension(user): Extension<UiUser>,
    Path(id): Path<String>,
    Query(q): Query<EstimateQuery>,
) -> Response {
    let provider = q.provider.as_deref().filter(|p| !p.is_empty());
    match plan(&state.app, &id, &q.style, provider).await {
        Ok((cost, _)) => Html(usd(cost)).into_response(),
        Err(e) => {
            let e = crate::http::ApiError::from(e);
            tracing::debug!(token = %user.name, code = %e.code, "ui: no estimate");
            (
                e.status,
                Html(format!(
                    "not available: {}",
                    super::pages::escape(&e.message)
                )),
            )
                .into_response()
        }
    }
}

#[derive(Deserialize)]
pub struct RegenerateForm {
    style: String,
    #[serde(default)]
    prompt: String,
    #[serde(default)]
    seed: String,
    #[serde(default)]
    provider: String,
}

pub async fn submit(
    State(state): State<crate::http::State>,
    Extension(user): Extension<UiUser>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<RegenerateForm>,
) -> Response {
    let app = &state.app;
    let subject = match super::pages::find_subject(app, &user, &id).await {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let id = subject.id.to_string();
    if app.catalog.get(&form.style).is_err() {
        return error(
            Some(&user),
            StatusCode::BAD_REQUEST,
            &format!(
                "There is no style {:?}: pick one from the list.",
                form.style
            ),
        );
    }
    let provider = Some(form.provider.trim())
        .filter(|p| !p.is_empty())
        .map(str::to_string);
    if let Some(p) = &provider
        && !PROVIDERS.contains(&p.split(':').next().unwrap_or(""))
    {
        return error(
            Some(&user),
            StatusCode::BAD_REQUEST,
            &format!(
                "There is no provider {p:?}: use one of {}.",
                PROVIDERS.join(", ")
            ),
        );
    }
    if let Err(e) = generation::take_rate(&state, &Client(user.name.clone())).await {
        return error(Some(&user), e.status, &e.message);
    }
    // The prompt as prefilled means "the style's own template"; anything else is the user's.
    let history = app.db.history(&id).await.unwrap_or_default();
    let prefilled = history
        .iter()
        .rev()
        .find(|r| r.style == form.style)
        .map(|r| r.prompt.trim().to_string());
    let prompt = form.prompt.trim();
    let custom_prompt =
        (!prompt.is_empty() && Some(prompt.to_string()) != prefilled).then(|| prompt.to_string());
    let references = subject
        .attributes
        .get(REFERENCE_KEY)
        .map(|k| vec![k.to_string()])
        .unwrap_or_default();
    let order = Order {
        subject_id: id.clone(),
        style: form.style.clone(),
        provider: provider.clone(),
        run_key: format!("ui:{}", form.style),
        notes: "regenerated in the admin UI",
        jobs: vec![JobOptions {
            seed: Some(form.seed.trim().to_string()).filter(|s| !s.is_empty()),
            custom_prompt,
            references,
            ..JobOptions::default()
        }],
    };
    let queued = match generation::enqueue(app, order).await {
        Ok(q) => q,
        Err(e) => return error(Some(&user), e.status, &e.message),
    };
    let job_id = queued.jobs[0].clone();
    let run_id = match app.db.job(&job_id).await {
        Ok(Some(j)) => j.run_id,
        Ok(None) => String::new(),
        Err(e) => return from_api(&user, e),
    };
    let detail = format!(
        "regenerated {}{}{} (job {})",
        form.style,
        provider.map(|p| format!(" with {p}")).unwrap_or_default(),
        if form.seed.trim().is_empty() {
            String::new()
        } else {
            format!(", seed {}", form.seed.trim())
        },
        short(&job_id)
    );
    if let Err(e) = app
        .db
        .record_action(&NewAction {
            actor: &user.name,
            action: "regenerate",
            subject_id: Some(&id),
            run_id: Some(&run_id),
            detail: &detail,
        })
        .await
    {
        return from_api(&user, e);
    }
    tracing::info!(token = %user.name, subject = %id, job = %job_id, "ui: regenerate");
    if !is_htmx(&headers) {
        return Redirect::to(&format!("/ui/subjects/{}", encode_query(&id))).into_response();
    }
    super::pages::render(&Progress {
        chrome: chrome(Some(&user), "", ""),
        live_url: Some(format!("/ui/jobs/{}/live", encode_query(&job_id))),
        message: format!("Queued {} for {}…", form.style, subject.display_name()),
        failed: false,
        new_version: None,
        current_changed: false,
    })
}

/// Follows one job: a message on every change of status, then the new version (swapped into
/// the timeline out of band) and a `done` event that closes the stream.
pub async fn live(
    State(state): State<crate::http::State>,
    Extension(user): Extension<UiUser>,
    Path(job_id): Path<String>,
) -> Response {
    let app = state.app.clone();
    match app.db.job(&job_id).await {
        Ok(Some(_)) => {}
        Ok(None) => return error(Some(&user), StatusCode::NOT_FOUND, "No such job."),
        Err(e) => return from_api(&user, e),
    }
    let stream = follow(app, user, job_id);
    let mut response = Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response();
    response
        .headers_mut()
        .insert("x-accel-buffering", "no".parse().expect("a header value"));
    response
}

fn follow(
    app: std::sync::Arc<App>,
    user: UiUser,
    job_id: String,
) -> impl Stream<Item = Result<Event, Infallible>> {
    async_stream(move |tx| async move {
        let started = tokio::time::Instant::now();
        let mut last = String::new();
        // A closed page stops the polling at once, not at the next change.
        while !tx.is_closed() {
            let job = match app.db.job(&job_id).await {
                Ok(Some(j)) => j,
                _ => break,
            };
            if job.status != last {
                last = job.status.clone();
                let fragment = progress(&app, &user, &job).await;
                if tx.send(Event::default().data(fragment)).await.is_err() {
                    return;
                }
            }
            if generation::is_final(&job.status) || started.elapsed() > LIVE_LIMIT {
                break;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        let _ = tx.send(Event::default().event("done").data("done")).await;
    })
}

/// What the live region says about a job, with the new version once it is recorded.
async fn progress(app: &App, user: &UiUser, job: &crate::db::queue::JobRow) -> String {
    let (message, failed) = match job.status.as_str() {
        "queued" => (
            format!(
                "Queued {} (attempt {} of {}).",
                job.style,
                job.attempts + 1,
                job.max_attempts
            ),
            false,
        ),
        "running" => (format!("Drawing {}…", job.style), false),
        "succeeded" => (
            format!(
                "Done: a new {} version is at the top of the history.",
                job.style
            ),
            false,
        ),
        _ => (
            format!(
                "Failed: {} {}",
                job.error_code.as_deref().unwrap_or("generation.failed"),
                job.error_message
                    .as_deref()
                    .map(|m| crate::http::redact_text(m, &app.store))
                    .unwrap_or_default()
            ),
            true,
        ),
    };
    let new_version = if generation::is_final(&job.status) {
        newest_attempt(app, job).await
    } else {
        None
    };
    Progress {
        chrome: chrome(Some(user), "", ""),
        live_url: None,
        message,
        failed,
        current_changed: job.status == "succeeded",
        new_version,
    }
    .render()
    .unwrap_or_default()
}

async fn newest_attempt(
    app: &App,
    job: &crate::db::queue::JobRow,
) -> Option<likeness_ui::pages::Version> {
    let attempts = app.db.job_attempts(&job.id).await.ok()?;
    let row = attempts.last()?;
    let subject = app.db.subject(&job.subject_id).await.ok()??;
    let ctx = Context::load(app, std::slice::from_ref(row), &[])
        .await
        .ok()?;
    let mut v = version(app, row, &ctx, &subject.display_name());
    v.label = format!("{} (new)", row.style);
    Some(v)
}

/// A stream fed by a task through a small channel.
fn async_stream<F, Fut>(f: F) -> impl Stream<Item = Result<Event, Infallible>>
where
    F: FnOnce(tokio::sync::mpsc::Sender<Event>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel(8);
    tokio::spawn(f(tx));
    futures::stream::unfold(
        rx,
        |mut rx| async move { rx.recv().await.map(|e| (Ok(e), rx)) },
    )
}
