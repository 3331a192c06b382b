//! A work loop's claimed jobs not yet started, and how many to claim at once.
//!
//! A claim is a write transaction: for the built-in renderer's millisecond jobs it cost as
//! much as the job. So a loop claims as many jobs as it works in one group window
//! (`group::WINDOW`) at its recent pace, up to `group::MAX`, in one statement
//! (`Db::claim_some`). It starts at one, so a slow provider's loop (seconds a job) and a lone
//! on-demand request claim one at a time, as before, and no loop holds work another machine
//! could be doing for longer than about one window.
//!
//! Crash safety is the queue's: a claimed job is leased and fenced whether it is being worked
//! or waiting here, the heartbeat keeps its lease (it is in `in_flight` from the claim), a
//! kill -9 hands it back with the others, and a loop that stops hands back what it did not
//! start, its attempt uncounted (`Db::release_job`).

use std::collections::VecDeque;
use std::time::Duration;

use crate::db::queue::{ClaimedJob, MAX_CLAIM};
use crate::pipeline::group::{MAX, WINDOW};

#[derive(Default)]
pub struct Claims {
    waiting: VecDeque<ClaimedJob>,
    /// A job's recent time (moving average), `None` before the first.
    pace: Option<Duration>,
}

impl Claims {
    /// The next claimed job to work.
    pub fn next(&mut self) -> Option<ClaimedJob> {
        self.waiting.pop_front()
    }

    /// Jobs just claimed, in queue order.
    pub fn extend(&mut self, jobs: Vec<ClaimedJob>) {
        self.waiting.extend(jobs);
    }

    /// How many jobs to claim next: what fits in a group window at the recent pace.
    pub fn batch(&self) -> u32 {
        let Some(pace) = self.pace else {
            return 1;
        };
        let fits = WINDOW.as_micros() / pace.as_micros().max(1);
        fits.clamp(1, MAX.min(MAX_CLAIM as usize) as u128) as u32
    }

    /// Whether jobs come quicker than one group window: their group's record is worth
    /// overlapping with the next jobs (`record.rs`).
    pub fn quick(&self) -> bool {
        self.pace.is_some_and(|pace| pace < WINDOW)
    }

    /// One job took `spent`, claim to recordable attempt.
    pub fn observe(&mut self, spent: Duration) {
        self.pace = Some(match self.pace {
            None => spent,
            // A quarter of the newest: a slow job (a provider's retry) shrinks the next claim
            // at once, and a run of fast ones grows it back within a few jobs.
            Some(pace) => (pace * 3 + spent) / 4,
        });
    }

    /// The jobs not started, to hand back.
    pub fn take_waiting(&mut self) -> Vec<ClaimedJob> {
        self.waiting.drain(..).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_one_until_the_pace_is_known_then_what_fits_in_a_window() {
        let mut claims = Claims::default();
        assert_eq!(claims.batch(), 1);
        claims.observe(Duration::from_secs(3));
        assert_eq!(claims.batch(), 1, "slow jobs are claimed one at a time");
        // A slow job's weight fades by a quarter a job.
        for _ in 0..40 {
            claims.observe(Duration::from_millis(2));
        }
        let fits = (WINDOW.as_micros() / 2_000) as u32;
        assert!(
            (fits..=fits + 1).contains(&claims.batch()),
            "{}",
            claims.batch()
        );
        for _ in 0..20 {
            claims.observe(Duration::from_micros(50));
        }
        assert_eq!(claims.batch(), MAX as u32, "never more than a group holds");
        claims.observe(Duration::from_millis(200));
        assert_eq!(
            claims.batch(),
            1,
            "one slow job shrinks the next claim at once"
        );
    }
}
