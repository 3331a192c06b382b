//! Where a process's worker time goes, phase by phase: the figures `generate --timings`
//! prints and the batch benchmark splits. Counters are process-wide sums over every worker
//! loop (atomics: loops add concurrently, nobody waits on a lock to count).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;

/// A phase of a job's life in a worker.
#[derive(Debug, Clone, Copy)]
pub enum Phase {
    /// Claiming jobs, the budget, reading the subject: the database before the work.
    Claim,
    /// The provider: for the built-in renderer, drawing and its PNG encode.
    Render,
    /// Measuring the image (quality; identity against a reference photo).
    Measure,
    /// The service's own encode after the provider (oxipng, other formats).
    Encode,
    /// Writing the image to the store.
    Store,
    /// Recording the attempt and closing the run: the database after the work.
    Record,
}

const PHASES: usize = 6;

/// Sums of time per phase, in microseconds.
#[derive(Default)]
pub struct Timings {
    sums: [AtomicU64; PHASES],
}

impl Timings {
    pub fn add(&self, phase: Phase, spent: Duration) {
        self.sums[phase as usize].fetch_add(spent.as_micros() as u64, Ordering::Relaxed);
    }

    /// Adds the time since `since` to `phase` and returns now, to chain phases.
    pub fn lap(&self, phase: Phase, since: Instant) -> Instant {
        let now = Instant::now();
        self.add(phase, now - since);
        now
    }

    /// The split of `workers × wall` worker time: the phases, and the rest as scheduling
    /// (waiting for a job, for a blocking thread, for the runtime).
    pub fn split(&self, wall: Duration, workers: usize) -> TimeSplit {
        let ms = |p: Phase| self.sums[p as usize].load(Ordering::Relaxed) as f64 / 1000.0;
        let worker_ms = wall.as_secs_f64() * 1000.0 * workers.max(1) as f64;
        let mut split = TimeSplit {
            worker_ms,
            render_ms: ms(Phase::Render),
            measure_ms: ms(Phase::Measure),
            encode_ms: ms(Phase::Encode),
            store_ms: ms(Phase::Store),
            database_ms: ms(Phase::Claim) + ms(Phase::Record),
            scheduling_ms: 0.0,
        };
        let counted = split.render_ms
            + split.measure_ms
            + split.encode_ms
            + split.store_ms
            + split.database_ms;
        split.scheduling_ms = (worker_ms - counted).max(0.0);
        split
    }
}

/// Worker time by phase, in milliseconds (`generate --json`'s `time_split`).
#[derive(Debug, Clone, Serialize)]
pub struct TimeSplit {
    /// Wall time × worker loops: the time the split shares out.
    pub worker_ms: f64,
    pub render_ms: f64,
    pub measure_ms: f64,
    pub encode_ms: f64,
    pub store_ms: f64,
    pub database_ms: f64,
    pub scheduling_ms: f64,
}

impl TimeSplit {
    /// One line for people: each phase's share of worker time.
    pub fn describe(&self) -> String {
        let share = |ms: f64| {
            if self.worker_ms > 0.0 {
                100.0 * ms / self.worker_ms
            } else {
                0.0
            }
        };
        format!(
            "worker time {:.1} s: render {:.0} %, measure {:.0} %, encode {:.0} %, store {:.0} %, \
             database {:.0} %, scheduling {:.0} %",
            self.worker_ms / 1000.0,
            share(self.render_ms),
            share(self.measure_ms),
            share(self.encode_ms),
            share(self.store_ms),
            share(self.database_ms),
            share(self.scheduling_ms),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_split_shares_out_worker_time_and_the_rest_is_scheduling() {
        let t = Timings::default();
        t.add(Phase::Render, Duration::from_millis(600));
        t.add(Phase::Claim, Duration::from_millis(100));
        t.add(Phase::Record, Duration::from_millis(200));
        t.add(Phase::Store, Duration::from_millis(50));
        let s = t.split(Duration::from_millis(500), 2);
        assert_eq!(s.worker_ms, 1000.0);
        assert_eq!(s.render_ms, 600.0);
        assert_eq!(s.database_ms, 300.0);
        assert_eq!(s.scheduling_ms, 50.0);
        let line = s.describe();
        assert!(line.contains("render 60 %"), "{line}");
        assert!(line.contains("database 30 %"), "{line}");
    }
}
