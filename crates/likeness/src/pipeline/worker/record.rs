//! The worker's side of a group commit: recording what a group made, closing the runs it
//! finished, and telling event listeners and progress (`pipeline::group`).
//!
//! When a loop's jobs are quick (its pace under one group window), a due group is recorded in
//! a task of its own while the loop goes on making the next jobs: the transaction waits on the
//! database (another thread for SQLite, the network for PostgreSQL), the drawing on a blocking
//! thread, so one worker keeps both busy. The task records, closes finished runs and publishes
//! the jobs' events, so an on-demand request waiting on its job hears at once. A task, not a
//! future polled beside the loop's work, because the transaction holds the process's SQLite
//! write turn (`db::WriteTurns`) and must finish while the loop waits on a claim that needs
//! it. At most one record is under way per loop; the loop collects it (progress, lease-lost
//! warnings, errors) as soon as it sees it ended, and before the next group, an empty queue
//! or its end. Slow jobs (a provider's seconds) are recorded inline: a record is nothing
//! beside them, and progress must not wait a job for it. Crash safety is the group's
//! (`pipeline::group`): an attempt is done once its record commits.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::{Workers, lock};
use crate::db::Db;
use crate::db::assets::{NewAsset, Outcome, Recorded};
use crate::error::{Error, Result};
use crate::events::{Events, JobEvent};
use crate::pipeline::group::{Done, Group};
use crate::pipeline::timings::Phase;

/// A group's record under way in its own task: the attempts, and what became of each.
pub(super) type Recording = tokio::task::JoinHandle<(Vec<Done>, Result<Vec<Recorded>>)>;

/// What a group's record needs, owned, to run in a task of its own.
struct Recorder {
    db: Db,
    worker_id: String,
    in_flight: Arc<Mutex<HashSet<String>>>,
    events: Events,
}

impl Workers<'_> {
    fn recorder(&self) -> Recorder {
        Recorder {
            db: self.app.db.clone(),
            worker_id: self.worker_id.clone(),
            in_flight: self.in_flight.clone(),
            events: self.app.events.clone(),
        }
    }

    /// Starts recording the group in its own task, once the record before it has ended.
    pub(super) async fn start_record(
        &self,
        group: &mut Group,
        recording: &mut Option<Recording>,
    ) -> Result<()> {
        let before = self.finish_recording(recording).await;
        let done = group.take();
        if !done.is_empty() {
            let recorder = self.recorder();
            *recording = Some(tokio::spawn(async move {
                let recorded = recorder.record(&done).await;
                (done, recorded)
            }));
        }
        before
    }

    /// Collects the record under way if it has ended, without waiting.
    pub(super) async fn collect_ended(&self, recording: &mut Option<Recording>) -> Result<()> {
        match recording {
            Some(under_way) if under_way.is_finished() => self.finish_recording(recording).await,
            _ => Ok(()),
        }
    }

    /// Waits for the record under way, if any, and collects it. Only this wait counts as the
    /// loop's database time: a record that overlaps the next jobs' making costs it nothing.
    pub(super) async fn finish_recording(&self, recording: &mut Option<Recording>) -> Result<()> {
        let Some(under_way) = recording.take() else {
            return Ok(());
        };
        let waiting = Instant::now();
        let ended = under_way.await;
        self.timings.lap(Phase::Record, waiting);
        let (done, recorded) = match ended {
            Ok(ended) => ended,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => {
                let e = std::io::Error::other(e);
                return Err(Error::io("recording a group of attempts", e));
            }
        };
        self.announce(&done, &recorded?);
        Ok(())
    }

    /// Waits for the record under way and records the group now: everything made is
    /// recorded when this returns (whatever the first record's outcome).
    pub(super) async fn record_all(
        &self,
        group: &mut Group,
        recording: &mut Option<Recording>,
    ) -> Result<()> {
        let before = self.finish_recording(recording).await;
        before.and(self.record_now(group).await)
    }

    /// Records the group now, the loop waiting.
    async fn record_now(&self, group: &mut Group) -> Result<()> {
        let done = group.take();
        if done.is_empty() {
            return Ok(());
        }
        let waiting = Instant::now();
        let recorded = self.recorder().record(&done).await;
        self.timings.lap(Phase::Record, waiting);
        self.announce(&done, &recorded?);
        Ok(())
    }

    /// Progress, and a word for each attempt whose lease ran out first.
    fn announce(&self, done: &[Done], recorded: &[Recorded]) {
        for (d, r) in done.iter().zip(recorded) {
            let Done { job, error, .. } = d;
            if *r == Recorded::LeaseLost {
                tracing::warn!(job = %job.id, "lease lost before the result was recorded; another worker redoes it");
                continue;
            }
            if !d.retrying {
                let error = error.as_ref().map(|(c, m)| (c.as_str(), m.as_str()));
                self.progress
                    .job_finished(&job.subject_id, &job.style, error);
            }
        }
    }
}

impl Recorder {
    /// Records the attempts in one transaction, closes the runs they finished, and publishes
    /// the jobs' events. The jobs leave `in_flight` either way: one whose result could not be
    /// recorded runs out of lease and goes back to the queue.
    async fn record(&self, done: &[Done]) -> Result<Vec<Recorded>> {
        let attempts: Vec<(i64, &NewAsset)> =
            done.iter().map(|d| (d.job.attempts, &d.asset)).collect();
        let recorded = self.db.record_attempts(&self.worker_id, &attempts).await;
        {
            let mut in_flight = lock(&self.in_flight);
            for d in done {
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
        for (d, r) in done.iter().zip(&recorded) {
            if *r == Recorded::Yes {
                // Nobody listening is fine: the database is the record.
                self.events.publish(job_event(d));
            }
        }
        Ok(recorded)
    }

    /// Marks a run completed when its last job is done, whoever worked it (a batch, a server,
    /// a `likeness worker`).
    async fn finish_run_if_done(&self, run_id: &str) -> Result<()> {
        if !self.db.run_unfinished(run_id).await?
            && let Some(run) = self.db.run(run_id).await?
        {
            self.db.finish_run(&run).await?;
        }
        Ok(())
    }
}

/// The event of a recorded attempt.
fn job_event(done: &Done) -> JobEvent {
    let Done {
        job,
        asset,
        retrying,
        ..
    } = done;
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
    event
}
