//! The circuit breaker of one provider: after `failures` outages in a row (each already past
//! its retries) it opens, and calls fail at once with `provider.breaker_open` instead of
//! waiting on a dead endpoint. After the cooldown one trial call goes through: success closes
//! it, failure opens it again.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use super::ProviderError;

#[derive(Debug)]
pub struct Breaker {
    provider: &'static str,
    threshold: u32,
    cooldown: Duration,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    failures: u32,
    last: String,
    open_until: Option<Instant>,
    /// A trial call is out after the cooldown; others still fail fast.
    trial: bool,
}

impl Breaker {
    pub fn new(provider: &'static str, threshold: u32, cooldown: Duration) -> Breaker {
        Breaker {
            provider,
            threshold: threshold.max(1),
            cooldown,
            state: Mutex::default(),
        }
    }

    /// Before a call: Ok to go ahead, or the open breaker's error.
    pub fn check(&self) -> Result<(), ProviderError> {
        let mut s = self.lock();
        let Some(until) = s.open_until else {
            return Ok(());
        };
        let now = Instant::now();
        if now >= until && !s.trial {
            s.trial = true;
            return Ok(());
        }
        Err(ProviderError::BreakerOpen {
            provider: self.provider.into(),
            failures: s.failures,
            last: s.last.clone(),
            retry_in: until
                .saturating_duration_since(now)
                .max(Duration::from_secs(1)),
        })
    }

    pub fn succeeded(&self) {
        let mut s = self.lock();
        *s = State::default();
    }

    /// An outage (after retries). Other errors neither count nor reset.
    pub fn failed(&self, error: &ProviderError) {
        let mut s = self.lock();
        s.failures += 1;
        s.last = error.to_string();
        if s.failures >= self.threshold || s.trial {
            s.open_until = Some(Instant::now() + self.cooldown);
            s.trial = false;
            tracing::warn!(
                provider = self.provider,
                failures = s.failures,
                "circuit breaker open for {} s: {}",
                self.cooldown.as_secs(),
                s.last
            );
        }
    }

    pub fn is_open(&self) -> bool {
        self.lock().open_until.is_some()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn down() -> ProviderError {
        ProviderError::Unavailable {
            provider: "gemini".into(),
            message: "HTTP 503".into(),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn opens_after_the_threshold_and_half_opens_after_the_cooldown() {
        let b = Breaker::new("gemini", 3, Duration::from_secs(60));
        for _ in 0..2 {
            b.check().unwrap();
            b.failed(&down());
        }
        b.check().expect("two failures are not three");
        b.failed(&down());
        let e = b.check().unwrap_err();
        assert_eq!(e.code(), "provider.breaker_open");
        assert!(e.to_string().contains("HTTP 503"), "{e}");
        assert_eq!(e.retry_after(), Some(Duration::from_secs(60)));
        tokio::time::advance(Duration::from_secs(61)).await;
        b.check().expect("one trial after the cooldown");
        assert!(b.check().is_err(), "only one trial at a time");
        b.failed(&down());
        assert!(b.check().is_err(), "a failed trial opens it again");
        tokio::time::advance(Duration::from_secs(61)).await;
        b.check().unwrap();
        b.succeeded();
        assert!(!b.is_open());
        b.check().unwrap();
        b.check().unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn a_success_resets_the_count() {
        let b = Breaker::new("openai", 2, Duration::from_secs(5));
        b.failed(&down());
        b.succeeded();
        b.failed(&down());
        assert!(b.check().is_ok());
    }
}
