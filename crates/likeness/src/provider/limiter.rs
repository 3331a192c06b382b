//! Pacing for one provider and key, shared by every worker of the process: requests leave at
//! 98 % of the configured rate, evenly spaced (a quota is counted per minute, but bursts are
//! what trip it, and the 2 % absorbs jitter).
//!
//! Adaptive, for when the configured rate is more than the provider really allows: a 429 holds
//! everyone back for the provider's retry delay and cuts the rate, to 70 % or, better, to just
//! under the rate the provider was seen to accept (successes over the last few seconds), which
//! is then remembered as the ceiling. Each success wins 2 % of the configured rate back below
//! the ceiling, and only 0.2 % above it, which probes gently for a raised quota. One cut
//! answers a burst of 429s: refusals that come back within a second of a cut were sent at the
//! old rate and say nothing about the new one.
//!
//! Across processes: once [`Limiter::share`] is given a [`SharedSlots`] (the database), the
//! pace itself lives there — the next free slot, the rate factor, the ceiling and a count of
//! successes — so four workers on four machines adapt as one limiter: slots come from one
//! counter, a 429 cuts everyone's rate once, and the accepted rate is measured from the
//! fleet's successes, not this process's share of them (measuring its own share made each of
//! four processes aim at a quarter of the quota).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use futures::future::BoxFuture;

use tokio::time::Instant;

/// The share of the rate kept after a 429 when the accepted rate is not known yet.
pub const DECREASE: f64 = 0.7;
/// The share of the accepted rate aimed at after a 429.
const UNDER_ACCEPTED: f64 = 0.97;
/// The share of the configured rate won back per success below the ceiling.
pub const RECOVER: f64 = 0.02;
/// ... and above it.
pub const PROBE: f64 = 0.002;
/// The slowest the limiter goes, as a share of the configured rate.
pub const FLOOR: f64 = 0.05;
/// The share of the configured rate actually used: a quota counted by the provider's clock
/// refuses requests that network and scheduling jitter bunch together at exactly its rate.
const MARGIN: f64 = 0.98;
/// Successes remembered to measure the accepted rate.
const WINDOW: usize = 32;
/// After a cut, further 429s only hold: they were sent before it (a refusal comes back fast).
const ONE_CUT_PER: Duration = Duration::from_secs(1);

/// The pace every process shares, kept by the database. Each call is one atomic step.
pub trait SharedSlots: Send + Sync + std::fmt::Debug {
    /// Takes the next slot, `base_interval_ms` divided by the shared factor after the previous
    /// one (or now).
    fn take(&self, key: &str, base_interval_ms: f64) -> BoxFuture<'_, Result<Slot, String>>;
    /// Counts a success and wins back `recover` below the ceiling, `probe` above it.
    fn succeeded(
        &self,
        key: &str,
        recover: f64,
        probe: f64,
    ) -> BoxFuture<'_, Result<Success, String>>;
    /// Applies a 429 (see [`Throttle`]); returns the factor now in force.
    fn throttled(&self, key: &str, throttle: Throttle) -> BoxFuture<'_, Result<f64, String>>;
}

/// A shared slot: how long to wait for it, and the factor it was spaced by.
#[derive(Debug, Clone, Copy)]
pub struct Slot {
    pub wait: Duration,
    pub factor: f64,
}

/// A success as the shared pace counted it.
#[derive(Debug, Clone, Copy)]
pub struct Success {
    /// Successes of every process so far (only differences mean anything).
    pub count: u64,
    pub factor: f64,
}

/// A 429, for the shared pace: unless a cut is still fresh (before `cut_until`), the factor
/// becomes `under` when that is below it, else `factor × decrease`, never below `floor`; the
/// ceiling becomes `under` when known; and no slot starts before `hold`.
#[derive(Debug, Clone, Copy)]
pub struct Throttle {
    /// Just under the accepted rate, as a share of the configured rate.
    pub under: Option<f64>,
    pub decrease: f64,
    pub floor: f64,
    /// How long nobody may start.
    pub hold: Duration,
    /// How long this cut stands alone.
    pub cut_for: Duration,
}

#[derive(Debug)]
pub struct Limiter {
    /// Requests per minute as configured (the lower of requests and images per minute: every
    /// request asks for one image).
    per_minute: f64,
    state: Mutex<State>,
    /// Set once for processes that share a database: the pace lives there.
    shared: OnceLock<(Arc<dyn SharedSlots>, String)>,
}

/// This process's pace; with a shared pace, only `next` (a hold seen here), the samples and a
/// mirror of the shared factor, and the whole pace again if the database is unreachable.
#[derive(Debug)]
struct State {
    /// When the next request may leave.
    next: Instant,
    /// The share of `per_minute` in force.
    factor: f64,
    /// Learned from 429s: the share above which the provider refused.
    ceiling: f64,
    /// Until when a cut stands alone.
    cut_until: Instant,
    /// Successes counted here.
    count: u64,
    /// When recent successes came back, with the success count then (the fleet's when shared).
    successes: VecDeque<(Instant, u64)>,
}

/// A snapshot for reports and tests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pace {
    pub per_minute: f64,
    pub factor: f64,
}

impl Limiter {
    pub fn new(requests_per_minute: f64, images_per_minute: f64) -> Limiter {
        let now = Instant::now();
        Limiter {
            per_minute: requests_per_minute.min(images_per_minute).max(0.001) * MARGIN,
            state: Mutex::new(State {
                next: now,
                factor: 1.0,
                ceiling: 1.0,
                cut_until: now,
                count: 0,
                successes: VecDeque::with_capacity(WINDOW),
            }),
            shared: OnceLock::new(),
        }
    }

    /// Keeps the pace in `slots` under `key` from now on (see the module's notes).
    pub fn share(&self, slots: Arc<dyn SharedSlots>, key: String) {
        let _ = self.shared.set((slots, key));
    }

    fn interval(&self, factor: f64) -> Duration {
        Duration::from_secs_f64(60.0 / (self.per_minute * factor))
    }

    /// Waits for this request's slot. Slots are handed out in order of asking, one interval
    /// apart, so N workers together keep exactly the rate.
    pub async fn acquire(&self) {
        if let Some((slots, key)) = self.shared.get() {
            match slots.take(key, 60_000.0 / self.per_minute).await {
                Ok(slot) => {
                    // A 429 seen here holds this process too, should the shared hold have failed.
                    let local = {
                        let mut s = self.lock();
                        s.factor = slot.factor;
                        s.next
                    };
                    tokio::time::sleep_until(local.max(Instant::now() + slot.wait)).await;
                    return;
                }
                Err(e) => tracing::warn!(
                    error = %e,
                    "shared pace unavailable; pacing this process alone"
                ),
            }
        }
        let slot = {
            let mut s = self.lock();
            let now = Instant::now();
            let slot = s.next.max(now);
            s.next = slot + self.interval(s.factor);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }

    /// A 429: slow down (once per burst of them), and let nobody through before
    /// `retry_after` has passed.
    pub async fn throttled(&self, retry_after: Option<Duration>) {
        let now = Instant::now();
        let throttle = {
            let mut s = self.lock();
            let under = accepted_per_minute(&s.successes, now)
                .map(|rate| rate * UNDER_ACCEPTED / self.per_minute);
            let cut_for = ONE_CUT_PER.max(retry_after.unwrap_or_default());
            if now >= s.cut_until {
                (s.factor, s.ceiling) = cut(s.factor, s.ceiling, under);
                s.cut_until = now + cut_for;
            }
            let hold = retry_after.unwrap_or_else(|| self.interval(s.factor));
            s.next = s.next.max(now + hold);
            Throttle {
                under,
                decrease: DECREASE,
                floor: FLOOR,
                hold,
                cut_for,
            }
        };
        let Some((slots, key)) = self.shared.get() else {
            return;
        };
        match slots.throttled(key, throttle).await {
            Ok(factor) => self.lock().factor = factor,
            Err(e) => tracing::warn!(error = %e, "could not share a provider's 429"),
        }
    }

    pub async fn succeeded(&self) {
        let shared = match self.shared.get() {
            Some((slots, key)) => Some(slots.succeeded(key, RECOVER, PROBE).await),
            None => None,
        };
        let mut s = self.lock();
        let count = match shared {
            None => {
                s.factor = recovered(s.factor, s.ceiling);
                s.count += 1;
                s.count
            }
            Some(Ok(success)) => {
                s.factor = success.factor;
                success.count
            }
            Some(Err(e)) => {
                tracing::warn!(error = %e, "could not count a success in the shared pace");
                // Samples of the fleet's count and of this process's would not compare.
                s.successes.clear();
                s.factor = recovered(s.factor, s.ceiling);
                return;
            }
        };
        if s.successes.len() == WINDOW {
            s.successes.pop_front();
        }
        s.successes.push_back((Instant::now(), count));
    }

    pub fn pace(&self) -> Pace {
        Pace {
            per_minute: self.per_minute,
            factor: self.lock().factor,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The factor after a success.
fn recovered(factor: f64, ceiling: f64) -> f64 {
    let step = if factor < ceiling { RECOVER } else { PROBE };
    (factor + step).min(1.0)
}

/// The factor and ceiling after a 429 that a fresh cut did not absorb. Refused below what it
/// accepted means the quota shrank: cut instead of aiming under the accepted rate.
fn cut(factor: f64, ceiling: f64, under: Option<f64>) -> (f64, f64) {
    let (factor, ceiling) = match under {
        Some(under) if under < factor => (under, under),
        Some(under) => (factor * DECREASE, under),
        None => (factor * DECREASE, ceiling),
    };
    (factor.max(FLOOR), ceiling)
}

/// Successes per minute over the recent window: at least 8 of them within the last minute.
fn accepted_per_minute(successes: &VecDeque<(Instant, u64)>, now: Instant) -> Option<f64> {
    // Samples are in time order, so the recent ones are a suffix and the last is the newest.
    let (first, first_count) = *successes
        .iter()
        .find(|(t, _)| now.duration_since(*t) < Duration::from_secs(60))?;
    let last_count = successes.back().map_or(first_count, |(_, c)| *c);
    let n = last_count.saturating_sub(first_count) + 1;
    let span = now.duration_since(first).as_secs_f64();
    (n >= 8 && span > 0.0).then(|| n as f64 * 60.0 / span)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn slots_are_evenly_spaced_across_workers() {
        // 600/min after the margin: one per 100 ms.
        let limiter = std::sync::Arc::new(Limiter::new(600.0 / MARGIN, 1200.0));
        let start = Instant::now();
        let times = futures::future::join_all((0..5).map(|_| {
            let l = limiter.clone();
            async move {
                l.acquire().await;
                Instant::now() - start
            }
        }))
        .await;
        let mut ms: Vec<u128> = times.iter().map(|d| d.as_millis()).collect();
        ms.sort();
        for (got, want) in ms.iter().zip([0, 100, 200, 300, 400]) {
            assert!(got.abs_diff(want) <= 1, "600/min is one per 100 ms: {ms:?}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_holds_everyone_for_the_hint_then_recovers_gently() {
        let l = Limiter::new(600.0 / MARGIN, 600.0 / MARGIN);
        l.acquire().await;
        let start = Instant::now();
        l.throttled(Some(Duration::from_secs(3))).await;
        assert_eq!(l.pace().factor, 0.7);
        l.acquire().await;
        assert_eq!((Instant::now() - start).as_millis(), 3000);
        // Slower now: 70 % of 600/min is one per ~143 ms.
        let before = Instant::now();
        l.acquire().await;
        // (tokio's timer rounds up to the millisecond)
        let waited = (Instant::now() - before).as_millis();
        assert!((142..=143).contains(&waited), "{waited} ms");
        for _ in 0..14 {
            l.succeeded().await;
        }
        assert!(l.pace().factor < 1.0, "not back after 14 successes");
        l.succeeded().await;
        assert!((l.pace().factor - 1.0).abs() < 1e-9, "back after 15");
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_after_steady_successes_aims_just_under_the_accepted_rate() {
        // Configured for 1200/min; the provider really takes 600/min.
        let l = Limiter::new(1200.0 / MARGIN, 1200.0 / MARGIN);
        for _ in 0..20 {
            tokio::time::advance(Duration::from_millis(100)).await;
            l.succeeded().await;
        }
        tokio::time::advance(Duration::from_millis(100)).await;
        l.throttled(None).await;
        let f = l.pace().factor;
        assert!((f - 0.485).abs() < 0.01, "about 97 % of 600/min: {f}");
        // Below the learned ceiling it recovers quickly; above it, only by probing.
        for _ in 0..10 {
            l.succeeded().await;
        }
        let f = l.pace().factor;
        assert!(f > 0.485 && f < 0.51, "{f}");
    }

    #[tokio::test(start_paused = true)]
    async fn repeated_429s_never_stop_it_entirely() {
        let l = Limiter::new(60.0, 60.0);
        for _ in 0..100 {
            l.throttled(None).await;
            tokio::time::advance(ONE_CUT_PER).await;
        }
        assert_eq!(l.pace().factor, FLOOR);
    }

    #[tokio::test(start_paused = true)]
    async fn the_accepted_rate_is_the_fleets_when_counts_are_shared() {
        tokio::time::advance(Duration::from_secs(60)).await;
        let now = Instant::now();
        let at = |i: u64| now - Duration::from_secs(10 - i);
        // This process saw 10 successes in 10 s; the shared count says 37 in all.
        let shared: VecDeque<_> = (0..10).map(|i| (at(i), 4 * i)).collect();
        let own: VecDeque<_> = (0..10).map(|i| (at(i), i)).collect();
        assert_eq!(accepted_per_minute(&shared, now), Some(37.0 * 6.0));
        assert_eq!(accepted_per_minute(&own, now), Some(60.0));
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_of_429s_cuts_once() {
        let l = Limiter::new(600.0, 600.0);
        for _ in 0..5 {
            l.throttled(Some(Duration::from_millis(500))).await;
            tokio::time::advance(Duration::from_millis(100)).await;
        }
        assert_eq!(
            l.pace().factor,
            DECREASE,
            "five refusals within a second: one cut"
        );
        tokio::time::advance(ONE_CUT_PER).await;
        l.throttled(None).await;
        assert!(
            (l.pace().factor - DECREASE * DECREASE).abs() < 1e-9,
            "a later one cuts again"
        );
    }
}
