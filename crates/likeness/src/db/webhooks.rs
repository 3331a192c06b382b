//! Webhook endpoints and their deliveries: an outbox that is a durable queue of its own.
//!
//! Events are written by [`fan_out`] inside the transaction of the change they report (a
//! job's record, a run's completion, an erasure), one delivery per endpoint that asked for the
//! event, so a crash can neither lose an event nor send one for a change that was rolled back.
//! Deliveries are claimed like jobs (a lease, `FOR UPDATE SKIP LOCKED` on PostgreSQL), each
//! attempt is recorded, and an expired lease puts a delivery back in line: at least once.

use serde_json::Value;
use sqlx::types::Json;

use super::value::Get;
use super::{Backend, Db, Stamp, Tx, on_pool, on_tx};
use crate::error::Result;

/// An endpoint as stored.
#[derive(Debug, Clone)]
pub struct WebhookRow {
    pub id: String,
    pub url: String,
    pub events: Vec<String>,
    pub description: String,
    /// `whsec_…`: needed to sign, so kept; shown only when the endpoint is created.
    pub secret: String,
    /// `api` or `config`.
    pub origin: String,
    pub created_by: String,
    pub created_at: Stamp,
}

fn webhook_from(row: &impl Get) -> Result<WebhookRow> {
    Ok(WebhookRow {
        id: row.text("id")?,
        url: row.text("url")?,
        events: row.json("events")?,
        description: row.text("description")?,
        secret: row.text("secret")?,
        origin: row.text("origin")?,
        created_by: row.text("created_by")?,
        created_at: row.stamp("created_at")?,
    })
}

/// A delivery taken by a sender, with what it needs to send.
#[derive(Debug, Clone)]
pub struct ClaimedDelivery {
    pub id: String,
    pub url: String,
    pub secret: String,
    pub event: String,
    pub data: Value,
    /// This attempt's number (the fencing token of its result).
    pub attempt: i64,
    pub created_at: Stamp,
}

/// What one attempt came to.
#[derive(Debug, Clone)]
pub struct AttemptOutcome {
    pub status_code: Option<u16>,
    pub error: Option<String>,
    pub duration_ms: i64,
    /// `None`: delivered, or given up; `Some(ms)`: try again at that time.
    pub retry_at: Option<i64>,
    pub delivered: bool,
}

/// A delivery as the API lists it.
#[derive(Debug, Clone)]
pub struct DeliveryRow {
    pub id: String,
    pub event: String,
    pub data: Value,
    pub status: String,
    pub attempts: i64,
    pub created_at: Stamp,
    pub finished_at: Option<Stamp>,
    pub tries: Vec<AttemptRow>,
}

#[derive(Debug, Clone)]
pub struct AttemptRow {
    pub attempt: i64,
    pub at: Stamp,
    pub status_code: Option<i64>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// Queues `event` for every endpoint that asked for it, inside the caller's transaction.
/// `subject_id` lets an erasure find and remove the deliveries that name a person.
pub(super) async fn fan_out(
    tx: &mut Tx,
    event: &str,
    subject_id: Option<&str>,
    data: &Value,
    now: Stamp,
) -> Result<()> {
    let subscribers = Subscribers::load(tx).await?;
    subscribers.fan_out(tx, event, subject_id, data, now).await
}

/// The endpoints and the events each asked for, read once inside a transaction: a group of
/// recorded attempts fans out to them without reading the table again for each.
pub(super) struct Subscribers(Vec<(String, Vec<String>)>);

impl Subscribers {
    pub(super) async fn load(tx: &mut Tx) -> Result<Subscribers> {
        let hooks = "SELECT id, events FROM webhooks";
        let hooks = on_tx!(tx, c => {
            let rows = sqlx::query(hooks).fetch_all(&mut *c).await?;
            rows.iter()
                .map(|row| Ok((row.text("id")?, row.json::<Vec<String>>("events")?)))
                .collect::<Result<Vec<_>>>()?
        });
        Ok(Subscribers(hooks))
    }

    /// Queues `event` for each endpoint that asked for it.
    pub(super) async fn fan_out(
        &self,
        tx: &mut Tx,
        event: &str,
        subject_id: Option<&str>,
        data: &Value,
        now: Stamp,
    ) -> Result<()> {
        let insert =
            "INSERT INTO webhook_deliveries (id, webhook_id, event, subject_id, data, status,
                 attempts, run_after, created_at)
             VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $7)";
        for (hook_id, events) in &self.0 {
            if !events.iter().any(|e| e == event) {
                continue;
            }
            let id = format!("msg_{}", uuid::Uuid::now_v7().simple());
            on_tx!(tx, c => {
                sqlx::query(insert)
                    .bind(&id)
                    .bind(hook_id)
                    .bind(event)
                    .bind(subject_id)
                    .bind(Json(data))
                    .bind(now.millis())
                    .bind(now)
                    .execute(&mut *c)
                    .await?;
            });
        }
        Ok(())
    }
}

/// Removes every delivery (and its attempts) that names `subject_id`, inside an erasure.
pub(super) async fn forget_subject(tx: &mut Tx, subject_id: &str) -> Result<()> {
    let attempts = "DELETE FROM webhook_attempts WHERE delivery_id IN
         (SELECT id FROM webhook_deliveries WHERE subject_id = $1)";
    let deliveries = "DELETE FROM webhook_deliveries WHERE subject_id = $1";
    on_tx!(tx, c => {
        sqlx::query(attempts).bind(subject_id).execute(&mut *c).await?;
        sqlx::query(deliveries).bind(subject_id).execute(&mut *c).await?;
    });
    Ok(())
}

const CLAIM: &str = "UPDATE webhook_deliveries SET status = 'sending', attempts = attempts + 1,
         locked_by = $1, lease_until = $2
     WHERE id = (SELECT id FROM webhook_deliveries
         WHERE (status = 'pending' AND run_after <= $3)
            OR (status = 'sending' AND lease_until < $3)
         ORDER BY run_after LIMIT 1 {lock})
     RETURNING id, webhook_id, event, data, attempts, created_at";

impl Db {
    pub async fn create_webhook(&self, hook: &WebhookRow) -> Result<()> {
        let sql = "INSERT INTO webhooks (id, url, events, description, secret, origin, created_by,
                 created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
        on_pool!(self, p => {
            sqlx::query(sql)
                .bind(&hook.id)
                .bind(&hook.url)
                .bind(Json(&hook.events))
                .bind(&hook.description)
                .bind(&hook.secret)
                .bind(&hook.origin)
                .bind(&hook.created_by)
                .bind(hook.created_at)
                .execute(p)
                .await?;
        });
        Ok(())
    }

    pub async fn webhooks(&self) -> Result<Vec<WebhookRow>> {
        let sql = "SELECT * FROM webhooks ORDER BY created_at, id";
        on_pool!(self, p => {
            let rows = sqlx::query(sql).fetch_all(p).await?;
            rows.iter().map(webhook_from).collect()
        })
    }

    pub async fn webhook(&self, id: &str) -> Result<Option<WebhookRow>> {
        let sql = "SELECT * FROM webhooks WHERE id = $1";
        on_pool!(self, p => {
            let row = sqlx::query(sql).bind(id).fetch_optional(p).await?;
            row.as_ref().map(webhook_from).transpose()
        })
    }

    /// Removes an endpoint with its deliveries and their attempts; `false` if there was none.
    pub async fn delete_webhook(&self, id: &str) -> Result<bool> {
        let mut tx = self.begin().await?;
        let attempts = "DELETE FROM webhook_attempts WHERE delivery_id IN
             (SELECT id FROM webhook_deliveries WHERE webhook_id = $1)";
        let deliveries = "DELETE FROM webhook_deliveries WHERE webhook_id = $1";
        let hook = "DELETE FROM webhooks WHERE id = $1";
        let removed = on_tx!(&mut tx, c => {
            sqlx::query(attempts).bind(id).execute(&mut *c).await?;
            sqlx::query(deliveries).bind(id).execute(&mut *c).await?;
            sqlx::query(hook).bind(id).execute(&mut *c).await?.rows_affected()
        });
        tx.commit().await?;
        Ok(removed > 0)
    }

    /// Makes the config's endpoints (`origin = 'config'`) exactly `hooks`: new ones added,
    /// changed ones updated in place (their deliveries kept), ones gone from the file removed.
    pub async fn sync_config_webhooks(&self, hooks: &[WebhookRow]) -> Result<()> {
        let stored: Vec<WebhookRow> = self.webhooks().await?;
        for old in stored.iter().filter(|h| h.origin == "config") {
            if !hooks.iter().any(|h| h.id == old.id) {
                self.delete_webhook(&old.id).await?;
            }
        }
        let upsert = "INSERT INTO webhooks (id, url, events, description, secret, origin,
                 created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, 'config', 'config', $6)
             ON CONFLICT (id) DO UPDATE SET url = excluded.url, events = excluded.events,
                 description = excluded.description, secret = excluded.secret";
        for hook in hooks {
            on_pool!(self, p => {
                sqlx::query(upsert)
                    .bind(&hook.id)
                    .bind(&hook.url)
                    .bind(Json(&hook.events))
                    .bind(&hook.description)
                    .bind(&hook.secret)
                    .bind(hook.created_at)
                    .execute(p)
                    .await?;
            });
        }
        Ok(())
    }

    /// Takes the next due delivery for `worker` (a pending one whose time has come, or one
    /// whose sender's lease ran out), counting the attempt.
    pub async fn claim_delivery(
        &self,
        worker: &str,
        lease_ms: i64,
    ) -> Result<Option<ClaimedDelivery>> {
        let now = self.now_ms();
        let sql = CLAIM.replace(
            "{lock}",
            match self.backend {
                Backend::Sqlite(_) => "",
                Backend::Postgres(_) => "FOR UPDATE SKIP LOCKED",
            },
        );
        let hook = "SELECT url, secret FROM webhooks WHERE id = $1";
        on_pool!(self, p => {
            let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(worker)
                .bind(now + lease_ms)
                .bind(now)
                .fetch_optional(p)
                .await?
            else {
                return Ok(None);
            };
            let endpoint = sqlx::query(hook).bind(row.text("webhook_id")?).fetch_optional(p).await?;
            // An endpoint deleted since the event: its deliveries went with it, and a claim
            // racing the delete finds nothing to send to.
            let Some(endpoint) = endpoint else { return Ok(None) };
            Ok(Some(ClaimedDelivery {
                id: row.text("id")?,
                url: endpoint.text("url")?,
                secret: endpoint.text("secret")?,
                event: row.text("event")?,
                data: row.json("data")?,
                attempt: row.int("attempts")?,
                created_at: row.stamp("created_at")?,
            }))
        })
    }

    /// Records one attempt and moves the delivery on (delivered, failed, or back in line),
    /// only if `worker` still holds it in this attempt.
    pub async fn record_delivery(
        &self,
        worker: &str,
        delivery: &ClaimedDelivery,
        outcome: &AttemptOutcome,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let now = self.now();
        let status = match (outcome.delivered, outcome.retry_at) {
            (true, _) => "delivered",
            (false, Some(_)) => "pending",
            (false, None) => "failed",
        };
        let update =
            "UPDATE webhook_deliveries SET status = $1, run_after = COALESCE($2, run_after),
                 locked_by = NULL, lease_until = NULL, finished_at = $3
             WHERE id = $4 AND locked_by = $5 AND attempts = $6 AND status = 'sending'";
        let insert = "INSERT INTO webhook_attempts (id, delivery_id, attempt, at, status_code,
                 error, duration_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING";
        let held = on_tx!(&mut tx, c => {
            sqlx::query(update)
                .bind(status)
                .bind(outcome.retry_at)
                .bind((status != "pending").then_some(now))
                .bind(&delivery.id)
                .bind(worker)
                .bind(delivery.attempt)
                .execute(&mut *c)
                .await?
                .rows_affected()
        });
        if held == 0 {
            // The lease passed to another sender; its attempt is the one that counts.
            tx.rollback().await?;
            return Ok(());
        }
        // An erasure's notice names the person until it is sent (or given up on); then the
        // id goes too, and the file is compacted like after the erasure itself.
        let forget = status != "pending" && delivery.event == "subject.erased";
        if forget {
            let scrub = "UPDATE webhook_deliveries SET data = $1 WHERE id = $2";
            on_tx!(&mut tx, c => {
                sqlx::query(scrub)
                    .bind(Json(serde_json::json!({})))
                    .bind(&delivery.id)
                    .execute(&mut *c)
                    .await?;
            });
        }
        on_tx!(&mut tx, c => {
            sqlx::query(insert)
                .bind(format!("{}:{}", delivery.id, delivery.attempt))
                .bind(&delivery.id)
                .bind(delivery.attempt)
                .bind(now)
                .bind(outcome.status_code.map(i64::from))
                .bind(outcome.error.as_deref())
                .bind(outcome.duration_ms)
                .execute(&mut *c)
                .await?;
        });
        tx.commit().await?;
        if forget {
            self.compact().await?;
        }
        Ok(())
    }

    /// An endpoint's newest `limit` deliveries, newest first, each with its attempts.
    pub async fn webhook_deliveries(
        &self,
        webhook_id: &str,
        limit: i64,
    ) -> Result<Vec<DeliveryRow>> {
        let sql = "SELECT * FROM webhook_deliveries WHERE webhook_id = $1
             ORDER BY created_at DESC, id DESC LIMIT $2";
        let tries = "SELECT * FROM webhook_attempts WHERE delivery_id = $1 ORDER BY attempt";
        on_pool!(self, p => {
            let rows = sqlx::query(sql).bind(webhook_id).bind(limit).fetch_all(p).await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in &rows {
                let id = row.text("id")?;
                let attempts = sqlx::query(tries).bind(&id).fetch_all(p).await?;
                out.push(DeliveryRow {
                    id,
                    event: row.text("event")?,
                    data: row.json("data")?,
                    status: row.text("status")?,
                    attempts: row.int("attempts")?,
                    created_at: row.stamp("created_at")?,
                    finished_at: row.opt_stamp("finished_at")?,
                    tries: attempts
                        .iter()
                        .map(|a| {
                            Ok(AttemptRow {
                                attempt: a.int("attempt")?,
                                at: a.stamp("at")?,
                                status_code: a.opt_int("status_code")?,
                                error: a.opt_text("error")?,
                                duration_ms: a.int("duration_ms")?,
                            })
                        })
                        .collect::<Result<_>>()?,
                });
            }
            Ok(out)
        })
    }

    /// Whether any delivery is waiting (pending or being sent): senders sleep longer when not.
    pub async fn has_pending_deliveries(&self) -> Result<bool> {
        let sql =
            "SELECT id FROM webhook_deliveries WHERE status IN ('pending', 'sending') LIMIT 1";
        on_pool!(self, p => Ok(sqlx::query(sql).fetch_optional(p).await?.is_some()))
    }
}
