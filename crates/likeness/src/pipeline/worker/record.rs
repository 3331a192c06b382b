//! The worker's side of a group commit: recording what a group made, closing the runs it
//! finished, and telling progress and event listeners (`pipeline::group`).

use std::time::Instant;

use super::{Workers, lock};
use crate::db::assets::{NewAsset, Outcome, Recorded};
use crate::error::Result;
use crate::events::JobEvent;
use crate::pipeline::group::{Done, Group};
use crate::pipeline::timings::Phase;

impl Workers<'_> {
    /// Records the group's attempts in one transaction, closes the runs they finished, and
    /// tells progress and event listeners. The jobs leave `in_flight` either way: one whose
    /// result could not be recorded runs out of lease and goes back to the queue.
    pub(super) async fn record(&self, group: &mut Group) -> Result<()> {
        if group.is_empty() {
            return Ok(());
        }
        let recording = Instant::now();
        let done = group.take();
        let attempts: Vec<(i64, &NewAsset)> =
            done.iter().map(|d| (d.job.attempts, &d.asset)).collect();
        let recorded = self
            .app
            .db
            .record_attempts(&self.worker_id, &attempts)
            .await;
        {
            let mut in_flight = lock(&self.in_flight);
            for d in &done {
                in_flight.remove(&d.job.id);
            }
        }
        let recorded = recorded?;
        let mut finished_runs: Vec<&str> = done
            .iter()
            .zip(&recorded)
            .filter(|(d, r)| **r == Recorded::Yes && !d.retrying)
            .map(|(d, _)| d.job.run_id.as_str())
            .collect();
        finished_runs.sort_unstable();
        finished_runs.dedup();
        for run_id in finished_runs {
            self.finish_run_if_done(run_id).await?;
        }
        self.timings.lap(Phase::Record, recording);
        for (d, r) in done.iter().zip(recorded) {
            self.announce(d, r);
        }
        Ok(())
    }

    /// Progress and the job's event, once its attempt is recorded.
    fn announce(&self, done: &Done, recorded: Recorded) {
        let Done {
            job,
            asset,
            retrying,
            error,
            ..
        } = done;
        if recorded == Recorded::LeaseLost {
            tracing::warn!(job = %job.id, "lease lost before the result was recorded; another worker redoes it");
            return;
        }
        if !retrying {
            self.progress.job_finished(
                &job.subject_id,
                &job.style,
                error.as_ref().map(|(c, m)| (c.as_str(), m.as_str())),
            );
        }
        let status = match (&asset.outcome, retrying) {
            (Outcome::Stored(_), _) => "succeeded",
            (_, true) => "retrying",
            _ => "failed",
        };
        let mut event = JobEvent::new(job, status);
        event.asset_id = Some(asset.id.clone());
        if let Outcome::Failed { code, message, .. } = &asset.outcome {
            event.error_code = Some(code.clone());
            event.error_message = Some(message.clone());
        }
        self.publish(event);
    }

    /// Marks a run completed when its last job is done, whoever worked it (a batch, a server,
    /// a `likeness worker`).
    async fn finish_run_if_done(&self, run_id: &str) -> Result<()> {
        if !self.app.db.run_unfinished(run_id).await?
            && let Some(run) = self.app.db.run(run_id).await?
        {
            self.app.db.finish_run(&run).await?;
        }
        Ok(())
    }
}
