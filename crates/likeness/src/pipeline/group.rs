//! A worker's group commit: attempts made in quick succession are recorded together, in one
//! transaction, instead of one transaction each.
//!
//! Crash safety is unchanged: an attempt not yet recorded leaves its job `running` under this
//! worker's lease, so a kill -9 hands it back to the queue (reaped at once for a dead local
//! process, else when the lease runs out) and it is made again. Nothing is lost, and nothing is
//! recorded twice: a job is recorded only by the claim that holds it (the fencing token), and
//! the built-in renderer's image lands on the same content-addressed key again.
//!
//! Latency is bounded: a group is recorded when it is full, when it has been open for
//! `WINDOW` (a slow provider's attempt fills the window by itself, so it is recorded at
//! once), and whenever the worker finds no job to claim (an on-demand request alone in the
//! queue never waits for company).

use std::time::{Duration, Instant};

use crate::db::assets::NewAsset;
use crate::db::queue::ClaimedJob;

/// The most attempts in one transaction.
pub const MAX: usize = 16;
/// How long a group stays open, counted from the start of its first attempt.
pub const WINDOW: Duration = Duration::from_millis(15);

/// An attempt made and not yet recorded.
pub struct Done {
    pub job: ClaimedJob,
    pub asset: NewAsset,
    /// The attempt failed and the job goes back to the queue for another.
    pub retrying: bool,
    /// The code and message of a final failure.
    pub error: Option<(String, String)>,
    /// When the attempt started.
    pub started: Instant,
}

impl Done {
    /// What the attempt cost, for the run's budget (a kept image's price; a failure's is not
    /// charged).
    pub fn cost_usd(&self) -> f64 {
        match self.asset.outcome {
            crate::db::assets::Outcome::Stored(_) => self.asset.cost_usd,
            crate::db::assets::Outcome::Failed { .. } => 0.0,
        }
    }
}

/// The attempts waiting for the group's transaction.
#[derive(Default)]
pub struct Group {
    done: Vec<Done>,
}

impl Group {
    pub fn push(&mut self, done: Done) {
        self.done.push(done);
    }

    pub fn is_empty(&self) -> bool {
        self.done.is_empty()
    }

    /// Whether the group should be recorded now rather than after another attempt.
    pub fn is_due(&self) -> bool {
        let Some(first) = self.done.first() else {
            return false;
        };
        self.done.len() >= MAX || first.started.elapsed() >= WINDOW
    }

    /// Empties the group for its transaction.
    pub fn take(&mut self) -> Vec<Done> {
        std::mem::take(&mut self.done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::assets::Outcome;

    fn done(started: Instant) -> Done {
        Done {
            job: ClaimedJob {
                id: "j".into(),
                run_id: "r".into(),
                subject_id: "s".into(),
                style: "initials".into(),
                attempts: 1,
                max_attempts: 3,
                options: Default::default(),
                subject: None,
            },
            asset: NewAsset {
                id: "a".into(),
                subject_id: "s".into(),
                run_id: "r".into(),
                job_id: "j".into(),
                style: "initials".into(),
                style_version: 1,
                provider: "builtin".into(),
                model: "m".into(),
                seed: "s".into(),
                prompt: String::new(),
                negative_prompt: None,
                total_ms: 0,
                cost_usd: 0.0,
                details: None,
                outcome: Outcome::Failed {
                    code: "x".into(),
                    message: String::new(),
                    retry_at: None,
                },
            },
            retrying: false,
            error: None,
            started,
        }
    }

    #[test]
    fn a_group_is_due_when_full_or_open_for_the_window() {
        let mut g = Group::default();
        assert!(!g.is_due(), "an empty group is never due");
        g.push(done(Instant::now()));
        assert!(!g.is_due(), "a fresh attempt waits for company");
        for _ in 1..MAX {
            g.push(done(Instant::now()));
        }
        assert!(g.is_due(), "a full group is due");
        assert_eq!(g.take().len(), MAX);
        assert!(g.is_empty());
        g.push(done(Instant::now() - WINDOW));
        assert!(g.is_due(), "a slow attempt is recorded at once");
    }
}
