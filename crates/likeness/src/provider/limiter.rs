//! Pacing for one provider and key, shared by every worker of the process: requests leave at
//! 98 % of the configured rate, evenly spaced (a quota is counted per minute, but bursts are
//! what trip it, and the 2 % absorbs jitter).
//!
//! Adaptive, for when the configured rate is more than the provider really allows: a 429 holds
//! everyone back for the provider's retry delay (voiding the slots already handed out) and cuts
//! the rate, to 70 % or, better, to just under the rate the provider was seen to accept since
//! sending last resumed. That, or else just under the refused rate, becomes the ceiling: each
//! success wins 2 % of the configured rate back up to it, so refusals walk the ceiling down to
//! just under the quota, where the pace then stays; only after a minute without a 429 does it probe
//! above, 0.2 % per success, for a raised quota. One cut answers a burst of 429s: refusals that
//! come back within a second of a cut were sent at the old rate and say nothing of the new one.
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
/// Probing above the ceiling starts only after this long without a cut: a quota is counted
/// per minute, and probing right after a refusal only meets the same refusal again.
pub const PROBE_AFTER: Duration = Duration::from_secs(60);

/// The pace every process shares, kept by the database. Each call is one atomic step.
pub trait SharedSlots: Send + Sync + std::fmt::Debug {
    /// Takes the next slot, `base_interval_ms` divided by the shared factor after the previous
    /// one (or now).
    fn take(&self, key: &str, base_interval_ms: f64) -> BoxFuture<'_, Result<Slot, String>>;
    /// Counts a success and wins back `recover` below the ceiling (up to it), `probe` above
    /// it once the last cut is `probe_after` old.
    fn succeeded(&self, key: &str, recovery: Recovery) -> BoxFuture<'_, Result<Success, String>>;
    /// Applies a 429 (see [`Throttle`]); returns the factor now in force.
    fn throttled(&self, key: &str, throttle: Throttle) -> BoxFuture<'_, Result<f64, String>>;
}

/// A shared slot: how long to wait for it, and the factor it was spaced by.
#[derive(Debug, Clone, Copy)]
pub struct Slot {
    pub wait: Duration,
    pub factor: f64,
    pub cut: Option<CutSeen>,
}

/// The last cut of the shared pace, as a process hears of it with each answer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CutSeen {
    /// Tells one cut from the next (the database's moment; only equality means anything).
    pub id: i64,
    /// When it stops standing alone, about when sending resumed: ms from now (negative: past).
    pub ends_in_ms: i64,
}

/// How a success wins the rate back (see [`SharedSlots::succeeded`]).
#[derive(Debug, Clone, Copy)]
pub struct Recovery {
    pub recover: f64,
    pub probe: f64,
    pub probe_after: Duration,
}

/// A success as the shared pace counted it.
#[derive(Debug, Clone, Copy)]
pub struct Success {
    /// Successes of every process so far (only differences mean anything).
    pub count: u64,
    pub factor: f64,
    pub cut: Option<CutSeen>,
}

/// A 429, for the shared pace: unless a cut is still fresh (before `cut_until`), the factor
/// becomes `under` when that is below it, else `factor × decrease`, never below `floor`; the
/// ceiling becomes `factor × refused_share`, or `under` if lower; and no slot starts before
/// `hold`.
#[derive(Debug, Clone, Copy)]
pub struct Throttle {
    /// Just under the accepted rate, as a share of the configured rate.
    pub under: Option<f64>,
    pub decrease: f64,
    pub floor: f64,
    /// The ceiling becomes the refused rate times this.
    pub refused_share: f64,
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
    /// Until when a cut stands alone (about when sending resumed after it).
    cut_until: Instant,
    /// When sending last resumed after a hold: the accepted rate is measured after it.
    resumed: Instant,
    /// Counts the holds this process has heard of: a slot taken before one is void.
    holds: u64,
    /// The last shared cut heard of.
    seen_cut: Option<i64>,
    /// Successes counted here.
    count: u64,
    /// When recent successes came back, with the success count then (the fleet's when shared).
    successes: VecDeque<(Instant, u64)>,
}

impl State {
    /// Takes in the shared pace's last cut: a new one is a hold this process did not see.
    fn heard_of(&mut self, cut: Option<CutSeen>, now: Instant) {
        let Some(cut) = cut else { return };
        if self.seen_cut == Some(cut.id) {
            return;
        }
        self.seen_cut = Some(cut.id);
        self.holds += 1;
        let resumed = if cut.ends_in_ms >= 0 {
            now.checked_add(Duration::from_millis(cut.ends_in_ms as u64))
        } else {
            now.checked_sub(Duration::from_millis(cut.ends_in_ms.unsigned_abs()))
        };
        if let Some(resumed) = resumed {
            self.resumed = self.resumed.max(resumed);
        }
    }
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
                resumed: now,
                holds: 0,
                seen_cut: None,
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
        // A hold that begins while a slot is waited for voids it: the slots handed out before
        // a 429 would otherwise all go out into the provider's refusal, or at its end at once.
        for _ in 0..4 {
            let holds = self.lock().holds;
            let slot = self.next_slot().await;
            tokio::time::sleep_until(slot).await;
            if self.lock().holds == holds {
                return;
            }
        }
    }

    async fn next_slot(&self) -> Instant {
        if let Some((slots, key)) = self.shared.get() {
            match slots.take(key, 60_000.0 / self.per_minute).await {
                Ok(slot) => {
                    let now = Instant::now();
                    let mut s = self.lock();
                    s.factor = slot.factor;
                    s.heard_of(slot.cut, now);
                    // A 429 seen here holds this process too, should the shared hold have failed.
                    return s.next.max(now + slot.wait);
                }
                Err(e) => tracing::warn!(
                    error = %e,
                    "shared pace unavailable; pacing this process alone"
                ),
            }
        }
        let mut s = self.lock();
        let slot = s.next.max(Instant::now());
        s.next = slot + self.interval(s.factor);
        slot
    }

    /// A 429: slow down (once per burst of them), and let nobody through before
    /// `retry_after` has passed.
    pub async fn throttled(&self, retry_after: Option<Duration>) {
        let now = Instant::now();
        let throttle = {
            let mut s = self.lock();
            let under = accepted_per_minute(&s.successes, s.resumed, now)
                .map(|rate| rate * UNDER_ACCEPTED / self.per_minute);
            let cut_for = ONE_CUT_PER.max(retry_after.unwrap_or_default());
            if now >= s.cut_until {
                (s.factor, s.ceiling) = cut(s.factor, under);
                s.cut_until = now + cut_for;
            }
            tracing::debug!(
                accepted_share = under,
                factor = s.factor,
                ceiling = s.ceiling,
                "refused for pace (429)"
            );
            let hold = retry_after.unwrap_or_else(|| self.interval(s.factor));
            s.next = s.next.max(now + hold);
            s.resumed = s.resumed.max(now + hold);
            s.holds += 1;
            Throttle {
                under,
                decrease: DECREASE,
                floor: FLOOR,
                refused_share: UNDER_ACCEPTED,
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
            Some((slots, key)) => Some(slots.succeeded(key, RECOVERY).await),
            None => None,
        };
        let mut s = self.lock();
        let now = Instant::now();
        let probing = now >= s.cut_until + PROBE_AFTER;
        let count = match shared {
            None => {
                s.factor = recovered(s.factor, s.ceiling, probing);
                s.count += 1;
                s.count
            }
            Some(Ok(success)) => {
                s.factor = success.factor;
                s.heard_of(success.cut, now);
                success.count
            }
            Some(Err(e)) => {
                tracing::warn!(error = %e, "could not count a success in the shared pace");
                // Samples of the fleet's count and of this process's would not compare.
                s.successes.clear();
                s.factor = recovered(s.factor, s.ceiling, probing);
                return;
            }
        };
        if s.successes.len() == WINDOW {
            s.successes.pop_front();
        }
        s.successes.push_back((now, count));
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

const RECOVERY: Recovery = Recovery {
    recover: RECOVER,
    probe: PROBE,
    probe_after: PROBE_AFTER,
};

/// The factor after a success: back up to the ceiling quickly, above it only when `probing`.
fn recovered(factor: f64, ceiling: f64, probing: bool) -> f64 {
    let factor = if factor < ceiling {
        (factor + RECOVER).min(ceiling)
    } else if probing {
        factor + PROBE
    } else {
        factor
    };
    factor.min(1.0)
}

/// The factor and ceiling after a 429 that a fresh cut did not absorb. Refused below what it
/// accepted means the quota shrank: cut instead of aiming under the accepted rate.
/// The ceiling is just under the accepted rate when measured, and never above just under the
/// refused one.
fn cut(factor: f64, under: Option<f64>) -> (f64, f64) {
    let ceiling = under
        .map_or(1.0, |u| u.max(FLOOR))
        .min(factor * UNDER_ACCEPTED);
    let factor = match under {
        Some(under) if under < factor => under,
        _ => factor * DECREASE,
    };
    (factor.max(FLOOR), ceiling)
}

/// Successes per minute since sending last `resumed` after a hold, within the last minute:
/// the count between the first and the newest sample over the time between them (at least 8
/// successes apart; with a shared pace a process's samples are a few of the fleet's). Never
/// across a hold: the pause would make the provider look slower than it is.
fn accepted_per_minute(
    successes: &VecDeque<(Instant, u64)>,
    resumed: Instant,
    now: Instant,
) -> Option<f64> {
    let since = now
        .checked_sub(Duration::from_secs(60))
        .map_or(resumed, |minute_ago| resumed.max(minute_ago));
    // Samples are in time order, so the recent ones are a suffix and the last is the newest.
    let (first, first_count) = *successes.iter().find(|(t, _)| *t >= since)?;
    let &(last, last_count) = successes.back()?;
    let n = last_count.saturating_sub(first_count);
    let span = last.duration_since(first).as_secs_f64();
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
        // Back up to just under the refused rate, 2 % a success, and no further for a while.
        for _ in 0..13 {
            l.succeeded().await;
        }
        assert!(
            l.pace().factor < UNDER_ACCEPTED,
            "not back after 13 successes"
        );
        for _ in 0..10 {
            l.succeeded().await;
        }
        assert!(
            (l.pace().factor - UNDER_ACCEPTED).abs() < 1e-9,
            "{:?}",
            l.pace()
        );
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
        // That is the ceiling too: the pace holds there for a minute, then probes gently.
        for _ in 0..30 {
            l.succeeded().await;
        }
        let ceiling = l.pace().factor;
        assert_eq!(ceiling, f);
        tokio::time::advance(PROBE_AFTER + ONE_CUT_PER).await;
        for _ in 0..10 {
            l.succeeded().await;
        }
        let g = l.pace().factor;
        assert!((g - ceiling - 10.0 * PROBE).abs() < 1e-9, "{ceiling} → {g}");
    }

    #[tokio::test(start_paused = true)]
    async fn repeated_refusals_walk_the_ceiling_down_to_the_quota() {
        let l = Limiter::new(1000.0, 1000.0);
        let mut refused_at = vec![];
        // Whatever the rate, the provider refuses above 60 % of it.
        for _ in 0..20 {
            while l.pace().factor <= 0.6 {
                let before = l.pace().factor;
                l.succeeded().await;
                if l.pace().factor == before {
                    break;
                }
            }
            if l.pace().factor <= 0.6 {
                break;
            }
            refused_at.push(l.pace().factor);
            l.throttled(None).await;
            tokio::time::advance(ONE_CUT_PER).await;
        }
        let settled = l.pace().factor;
        assert!(
            settled <= 0.6 && settled > 0.55,
            "{settled} after {refused_at:?}"
        );
        assert!(refused_at.len() <= 6, "{refused_at:?}");
    }

    #[test]
    fn recovery_stops_at_the_ceiling_until_probing() {
        assert_eq!(recovered(0.5, 0.51, false), 0.51);
        assert_eq!(recovered(0.51, 0.51, false), 0.51);
        assert!((recovered(0.51, 0.51, true) - 0.512).abs() < 1e-9);
        assert_eq!(recovered(1.0, 1.0, true), 1.0);
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
        // This process saw a success a second; the shared count says four times as many.
        let shared: VecDeque<_> = (0..10).map(|i| (at(i), 4 * i)).collect();
        let own: VecDeque<_> = (0..10).map(|i| (at(i), i)).collect();
        let long_ago = now - Duration::from_secs(60);
        assert_eq!(accepted_per_minute(&shared, long_ago, now), Some(240.0));
        assert_eq!(accepted_per_minute(&own, long_ago, now), Some(60.0));
        // Measured from when sending resumed after a hold, and only if there are enough samples.
        assert_eq!(accepted_per_minute(&shared, at(2), now), Some(240.0));
        assert_eq!(accepted_per_minute(&own, at(1), now), Some(60.0));
        assert_eq!(
            accepted_per_minute(&own, at(2), now),
            None,
            "7 since the hold"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_hold_voids_the_slots_already_handed_out() {
        let l = std::sync::Arc::new(Limiter::new(600.0 / MARGIN, 600.0 / MARGIN));
        let start = Instant::now();
        l.acquire().await;
        // The next slot is at 100 ms; a 429 at 50 ms holds everyone for 3 s.
        let waiter = {
            let l = l.clone();
            tokio::spawn(async move {
                l.acquire().await;
                Instant::now() - start
            })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        l.throttled(Some(Duration::from_secs(3))).await;
        let went = waiter.await.unwrap().as_millis();
        assert!((3050..=3051).contains(&went), "went at {went} ms");
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
