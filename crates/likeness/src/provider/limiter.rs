//! Pacing for one provider and key, shared by every worker of the process: requests leave at
//! 98 % of the configured rate, evenly spaced (a quota is counted per minute, but bursts are
//! what trip it, and the 2 % absorbs jitter).
//!
//! Adaptive, for when the configured rate is more than the provider really allows: a 429 holds
//! everyone back for the provider's retry delay and cuts the rate, to 70 % or, better, to just
//! under the rate the provider was seen to accept (successes over the last few seconds), which
//! is then remembered as the ceiling. Each success wins 2 % of the configured rate back below
//! the ceiling, and only 0.2 % above it, which probes gently for a raised quota.
//!
//! Across processes: once [`Limiter::share`] is given a [`SharedSlots`] (the database), slots
//! come from one counter that every process on every machine draws from, so four workers on
//! four machines keep one quota between them; each process still adapts its own rate to the
//! 429s it sees, and a 429's hold is written to the shared counter for everyone.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use futures::future::BoxFuture;

use tokio::time::Instant;

/// The share of the rate kept after a 429 when the accepted rate is not known yet.
const DECREASE: f64 = 0.7;
/// The share of the accepted rate aimed at after a 429.
const UNDER_ACCEPTED: f64 = 0.97;
/// The share of the configured rate won back per success below the ceiling.
const RECOVER: f64 = 0.02;
/// ... and above it.
const PROBE: f64 = 0.002;
/// The slowest the limiter goes, as a share of the configured rate.
const FLOOR: f64 = 0.05;
/// The share of the configured rate actually used: a quota counted by the provider's clock
/// refuses requests that network and scheduling jitter bunch together at exactly its rate.
const MARGIN: f64 = 0.98;
/// Successes remembered to measure the accepted rate.
const WINDOW: usize = 32;

/// Slots shared by every process: a counter of the next free moment per key.
pub trait SharedSlots: Send + Sync + std::fmt::Debug {
    /// Takes the next slot, `interval_ms` after the previous one (or now); returns how long
    /// to wait for it.
    fn take(&self, key: &str, interval_ms: i64) -> BoxFuture<'_, Result<Duration, String>>;
    /// Lets nobody through before `for_ms` from now.
    fn hold(&self, key: &str, for_ms: i64) -> BoxFuture<'_, Result<(), String>>;
}

#[derive(Debug)]
pub struct Limiter {
    /// Requests per minute as configured (the lower of requests and images per minute: every
    /// request asks for one image).
    per_minute: f64,
    state: Mutex<State>,
    /// Set once for processes that share a database: slots come from there.
    shared: OnceLock<(Arc<dyn SharedSlots>, String)>,
}

#[derive(Debug)]
struct State {
    /// When the next request may leave.
    next: Instant,
    /// The share of `per_minute` in force.
    factor: f64,
    /// Learned from 429s: the share above which the provider refused.
    ceiling: f64,
    /// When the last successes came back.
    successes: VecDeque<Instant>,
}

/// A snapshot for reports and tests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pace {
    pub per_minute: f64,
    pub factor: f64,
}

impl Limiter {
    pub fn new(requests_per_minute: f64, images_per_minute: f64) -> Limiter {
        Limiter {
            per_minute: requests_per_minute.min(images_per_minute).max(0.001) * MARGIN,
            state: Mutex::new(State {
                next: Instant::now(),
                factor: 1.0,
                ceiling: 1.0,
                successes: VecDeque::with_capacity(WINDOW),
            }),
            shared: OnceLock::new(),
        }
    }

    /// Draws slots from `slots` under `key` from now on (see the module's notes).
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
            let interval = self.interval(self.lock().factor).as_millis() as i64;
            match slots.take(key, interval.max(1)).await {
                Ok(wait) => {
                    // A 429 seen here holds this process too (the shared hold may lag).
                    let local = self.lock().next;
                    tokio::time::sleep_until(local.max(Instant::now() + wait)).await;
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

    /// A 429: slow down, and let nobody through before `retry_after` has passed.
    pub fn throttled(&self, retry_after: Option<Duration>) {
        let mut s = self.lock();
        let now = Instant::now();
        let cut = s.factor * DECREASE;
        s.factor = match accepted_per_minute(&s.successes, now) {
            Some(rate) => {
                let under = rate * UNDER_ACCEPTED / self.per_minute;
                s.ceiling = under;
                // Refused below what it accepted: the quota shrank, so cut instead.
                if under < s.factor { under } else { cut }
            }
            None => cut,
        }
        .max(FLOOR);
        let hold = retry_after.unwrap_or_else(|| self.interval(s.factor));
        s.next = s.next.max(now + hold);
        if let Some((slots, key)) = self.shared.get() {
            let (slots, key) = (slots.clone(), key.clone());
            let ms = hold.as_millis() as i64;
            tokio::spawn(async move {
                if let Err(e) = slots.hold(&key, ms).await {
                    tracing::warn!(error = %e, "could not share a provider's hold");
                }
            });
        }
    }

    pub fn succeeded(&self) {
        let mut s = self.lock();
        let step = if s.factor < s.ceiling { RECOVER } else { PROBE };
        s.factor = (s.factor + step).min(1.0);
        if s.successes.len() == WINDOW {
            s.successes.pop_front();
        }
        s.successes.push_back(Instant::now());
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

/// Successes per minute over the recent window: at least 8 of them within the last minute.
fn accepted_per_minute(successes: &VecDeque<Instant>, now: Instant) -> Option<f64> {
    let recent: Vec<&Instant> = successes
        .iter()
        .filter(|t| now.duration_since(**t) < Duration::from_secs(60))
        .collect();
    let (first, n) = (*recent.first()?, recent.len());
    let span = now.duration_since(*first).as_secs_f64();
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
        l.throttled(Some(Duration::from_secs(3)));
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
            l.succeeded();
        }
        assert!(l.pace().factor < 1.0, "not back after 14 successes");
        l.succeeded();
        assert!((l.pace().factor - 1.0).abs() < 1e-9, "back after 15");
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_after_steady_successes_aims_just_under_the_accepted_rate() {
        // Configured for 1200/min; the provider really takes 600/min.
        let l = Limiter::new(1200.0 / MARGIN, 1200.0 / MARGIN);
        for _ in 0..20 {
            tokio::time::advance(Duration::from_millis(100)).await;
            l.succeeded();
        }
        tokio::time::advance(Duration::from_millis(100)).await;
        l.throttled(None);
        let f = l.pace().factor;
        assert!((f - 0.485).abs() < 0.01, "about 97 % of 600/min: {f}");
        // Below the learned ceiling it recovers quickly; above it, only by probing.
        for _ in 0..10 {
            l.succeeded();
        }
        let f = l.pace().factor;
        assert!(f > 0.485 && f < 0.51, "{f}");
    }

    #[tokio::test(start_paused = true)]
    async fn repeated_429s_never_stop_it_entirely() {
        let l = Limiter::new(60.0, 60.0);
        for _ in 0..100 {
            l.throttled(None);
        }
        assert_eq!(l.pace().factor, FLOOR);
    }
}
