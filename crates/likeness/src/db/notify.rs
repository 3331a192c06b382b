//! PostgreSQL's LISTEN/NOTIFY, for what several processes must hear from one another: work
//! that became due (`likeness_work`, sent by a trigger on `jobs`) and job events
//! (`likeness_events`, sent by whichever process works the job). SQLite has none: there the
//! callers' short polls do the job.

use sqlx::postgres::PgListener;

use super::{Backend, Db};
use crate::error::Result;

const WORK: &str = "likeness_work";
const EVENTS: &str = "likeness_events";

/// The longest payload PostgreSQL takes is 8,000 bytes; events are cut to fit well below.
pub const MAX_PAYLOAD: usize = 7_000;

/// Something another process said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// A job became queued somewhere: idle workers look again.
    Work,
    /// A job event as another process published it (JSON).
    Event(String),
}

/// A connection listening on both channels. It reconnects by itself after a lost connection;
/// what was sent meanwhile is lost, which the callers' polls cover.
pub struct Listener(PgListener);

impl Db {
    /// Listens for other processes' notices; `None` on SQLite.
    pub async fn listen(&self) -> Result<Option<Listener>> {
        let Backend::Postgres(pool) = &self.backend else {
            return Ok(None);
        };
        let mut listener = PgListener::connect_with(pool).await?;
        listener.listen_all([WORK, EVENTS]).await?;
        Ok(Some(Listener(listener)))
    }

    /// Sends a job event to every listening process (a no-op on SQLite).
    pub async fn publish_event(&self, payload: &str) -> Result<()> {
        let Backend::Postgres(pool) = &self.backend else {
            return Ok(());
        };
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(EVENTS)
            .bind(payload)
            .execute(pool)
            .await?;
        Ok(())
    }
}

impl Listener {
    pub async fn next(&mut self) -> Result<Notice> {
        let n = self.0.recv().await?;
        Ok(match n.channel() {
            EVENTS => Notice::Event(n.payload().to_string()),
            _ => Notice::Work,
        })
    }
}
