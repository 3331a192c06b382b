//! The sender: a task in every `serve` and `worker` process that takes due deliveries from
//! the database, signs and posts them, and records each attempt (retry with backoff, give up
//! after `webhooks.max_attempts`). Several processes share the work through the claim.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::app::App;
use crate::db::webhooks::{AttemptOutcome, ClaimedDelivery, WebhookRow};
use crate::error::{Error, Result};
use crate::fetch::Poster;

/// How long an idle sender waits before asking again.
const IDLE_POLL: Duration = Duration::from_millis(250);

/// Writes the config's endpoints to the database (so deliveries can name them) and starts
/// the sender, which runs until `stop`.
pub async fn start(app: Arc<App>, stop: Arc<AtomicBool>) -> Result<tokio::task::JoinHandle<()>> {
    sync_config(&app).await?;
    let settings = &app.config.webhooks;
    let poster = Poster::new(
        app.config.fetch_policy()?,
        Duration::from_secs(settings.timeout_seconds),
    )
    .map_err(|e| Error::Config(format!("cannot build the webhook client: {e}")))?;
    let sender = Sender {
        worker: format!("{}/webhooks", crate::worker_identity::worker_id()),
        poster,
        app,
    };
    Ok(tokio::spawn(async move { sender.run(stop).await }))
}

/// The config's endpoints, each under an id derived from its URL, so editing its events or
/// secret keeps its deliveries.
async fn sync_config(app: &App) -> Result<()> {
    let now = app.db.now();
    let hooks: Vec<WebhookRow> = app
        .config
        .webhooks
        .endpoints
        .iter()
        .map(|e| WebhookRow {
            id: format!(
                "wh_cfg_{}",
                &crate::hash::hex_sha256(e.url.as_bytes())[..16]
            ),
            url: e.url.clone(),
            events: e.events.clone(),
            description: e.description.clone(),
            secret: e.secret.clone(),
            origin: "config".into(),
            created_by: "config".into(),
            created_at: now,
        })
        .collect();
    app.db.sync_config_webhooks(&hooks).await
}

struct Sender {
    app: Arc<App>,
    poster: Poster,
    worker: String,
}

impl Sender {
    async fn run(&self, stop: Arc<AtomicBool>) {
        let lease_ms = (self.app.config.webhooks.timeout_seconds as i64 + 30) * 1000;
        while !stop.load(Ordering::Relaxed) {
            match self.app.db.claim_delivery(&self.worker, lease_ms).await {
                Ok(Some(delivery)) => {
                    if let Err(e) = self.deliver(&delivery).await {
                        // The attempt's record is lost; the lease runs out and it goes again.
                        tracing::warn!(error = %e, delivery = %delivery.id, "webhook attempt not recorded");
                    }
                }
                Ok(None) => tokio::time::sleep(IDLE_POLL).await,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot claim a webhook delivery; trying again");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    async fn deliver(&self, delivery: &ClaimedDelivery) -> Result<()> {
        let settings = &self.app.config.webhooks;
        let started = Instant::now();
        let answer = match super::secret_key(&delivery.secret) {
            Ok(key) => {
                let body = super::body(delivery, |key| self.asset_url(key));
                let timestamp = chrono::Utc::now().timestamp();
                let headers = [
                    ("webhook-id", delivery.id.clone()),
                    ("webhook-timestamp", timestamp.to_string()),
                    (
                        "webhook-signature",
                        super::sign(&key, &delivery.id, timestamp, &body),
                    ),
                ];
                self.poster
                    .post_json(&delivery.url, &headers, body)
                    .await
                    .map_err(|e| e.to_string())
            }
            Err(e) => Err(format!("the endpoint's secret is unusable: {e}")),
        };
        let delivered = matches!(&answer, Ok(a) if (200..300).contains(&a.status));
        let retry_at =
            (!delivered && delivery.attempt < i64::from(settings.max_attempts)).then(|| {
                self.app.db.now_ms() + super::backoff_ms(settings.retry_base_ms, delivery.attempt)
            });
        let outcome = AttemptOutcome {
            status_code: answer.as_ref().ok().map(|a| a.status),
            error: match &answer {
                Ok(_) if delivered => None,
                Ok(a) => Some(format!("the endpoint answered {}", a.status)),
                Err(e) => Some(e.chars().take(500).collect()),
            },
            duration_ms: started.elapsed().as_millis() as i64,
            retry_at,
            delivered,
        };
        tracing::info!(
            delivery = %delivery.id,
            event = %delivery.event,
            attempt = delivery.attempt,
            delivered,
            status = outcome.status_code.unwrap_or(0),
            "webhook"
        );
        self.app
            .db
            .record_delivery(&self.worker, delivery, &outcome)
            .await
    }

    /// Where a receiver finds an image: under `webhooks.public_url`, else the store's public
    /// URL, else this service's `/assets/` path.
    fn asset_url(&self, key: &str) -> String {
        if let Some(base) = &self.app.config.webhooks.public_url {
            return format!("{}/assets/{key}", base.trim_end_matches('/'));
        }
        self.app
            .store
            .url(key)
            .unwrap_or_else(|| format!("/assets/{key}"))
    }
}
