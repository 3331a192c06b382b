//! Job events: what happened to a job, for waiters (`?wait=true`), live progress (SSE) and
//! the CLI's progress line, published on [`Events`] (`App::events`).
//!
//! In one process they go through a broadcast channel. With PostgreSQL they also travel
//! through the database (NOTIFY), so a client connected to one `serve` behind a load balancer
//! hears about a job worked by another machine: [`relay`] listens and re-publishes what other
//! processes sent, and wakes this process's idle workers when work became due anywhere.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc};

use crate::db::Db;
use crate::db::notify::{MAX_PAYLOAD, Notice};
use crate::db::queue::ClaimedJob;

/// What happened to a job, published on `App::events` for waiters and live progress.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobEvent {
    pub job_id: String,
    pub run_id: String,
    pub subject_id: String,
    pub style: String,
    /// `running` (claimed), `progress` (of a long generation), `succeeded`, `failed`, or
    /// `retrying` (failed, queued again after a backoff).
    pub status: String,
    pub asset_id: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    /// `[value, max]` of a `progress` event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<[u32; 2]>,
}

impl JobEvent {
    pub fn new(job: &ClaimedJob, status: &str) -> JobEvent {
        JobEvent {
            job_id: job.id.clone(),
            run_id: job.run_id.clone(),
            subject_id: job.subject_id.clone(),
            style: job.style.clone(),
            status: status.to_string(),
            asset_id: None,
            error_code: None,
            error_message: None,
            progress: None,
        }
    }
}

/// Where job events are published and heard.
#[derive(Clone, Debug)]
pub struct Events {
    local: broadcast::Sender<JobEvent>,
    /// PostgreSQL: events for other processes, sent in order by one task.
    remote: Option<mpsc::UnboundedSender<JobEvent>>,
    /// Tells this process's own events from others' when they come back through the database.
    origin: Arc<str>,
}

/// An event as it travels between processes.
#[derive(Serialize, Deserialize)]
struct Envelope {
    origin: String,
    event: JobEvent,
}

impl Events {
    /// A bus for this process; with PostgreSQL, events also go out through `db`.
    pub fn new(db: &Db) -> Events {
        let origin: Arc<str> = crate::worker_identity::worker_id().into();
        let remote = db.is_postgres().then(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(send_out(db.clone(), origin.clone(), rx));
            tx
        });
        Events {
            local: broadcast::channel(1024).0,
            remote,
            origin,
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<JobEvent> {
        self.local.subscribe()
    }

    /// Publishes an event here and, with PostgreSQL, to every other process. Nobody listening
    /// is fine: the database is the record.
    pub fn publish(&self, event: JobEvent) {
        if let Some(remote) = &self.remote {
            let _ = remote.send(event.clone());
        }
        let _ = self.local.send(event);
    }

    /// An event another process sent (through [`relay`]); this process's own are dropped, as
    /// they were delivered here already.
    fn deliver(&self, payload: &str) {
        match serde_json::from_str::<Envelope>(payload) {
            Ok(e) if *e.origin != *self.origin => {
                let _ = self.local.send(e.event);
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "unreadable job event from another process"),
        }
    }
}

/// Sends this process's events to the others, in order; an event that cannot be sent is
/// logged and dropped (waiters also poll the database).
async fn send_out(db: Db, origin: Arc<str>, mut events: mpsc::UnboundedReceiver<JobEvent>) {
    while let Some(mut event) = events.recv().await {
        if let Some(m) = &mut event.error_message
            && m.len() > MAX_PAYLOAD / 2
        {
            let mut cut = MAX_PAYLOAD / 2;
            while !m.is_char_boundary(cut) {
                cut -= 1;
            }
            m.truncate(cut);
        }
        let envelope = Envelope {
            origin: origin.to_string(),
            event,
        };
        let Ok(payload) = serde_json::to_string(&envelope) else {
            continue;
        };
        if let Err(e) = db.publish_event(&payload).await {
            tracing::warn!(error = %e, code = e.code(), "could not send a job event to other processes");
        }
    }
}

/// Hears other processes (PostgreSQL only): their job events go out on `events`, and work
/// that became due wakes `work_available`. Runs until the process ends; a lost connection is
/// retried every second.
pub async fn relay(db: Db, events: Events, work_available: Arc<tokio::sync::Notify>) {
    if !db.is_postgres() {
        return;
    }
    loop {
        let mut listener = match db.listen().await {
            Ok(Some(l)) => l,
            Ok(None) => return,
            Err(_) if db.is_closed() => return,
            Err(e) => {
                tracing::warn!(error = %e, code = e.code(), "cannot listen for other processes; retrying in 1 s");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        let lost = loop {
            match listener.next().await {
                Ok(Notice::Work) => work_available.notify_waiters(),
                Ok(Notice::Event(payload)) => events.deliver(&payload),
                Err(e) => break e,
            }
        };
        // Give the connection back before waiting: closing the pool waits for every
        // connection, and shutting down is the usual reason the connection went away.
        drop(listener);
        if db.is_closed() {
            return;
        }
        tracing::warn!(error = %lost, code = lost.code(), "lost the notification connection; reconnecting in 1 s");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
