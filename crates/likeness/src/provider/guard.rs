//! What wraps every remote provider: the breaker, the shared pace, and bounded retries with
//! exponential backoff and jitter that honour the provider's own retry hint. Provider files
//! stay one attempt each; the policies live here once.

use std::sync::Arc;
use std::time::Duration;

use likeness_styles::{Audience, Style};

use super::breaker::Breaker;
use super::limiter::{Limiter, Pace};
use super::settings::ProviderSettings;
use super::{GenerateFuture, GenerateRequest, Provider, ProviderError};

/// The longest a worker waits in-process before a retry; a longer hint (a daily quota) goes
/// back to the queue with the job's `run_after` set to it instead.
pub const MAX_WAIT: Duration = Duration::from_secs(30);

/// Backoff without a hint: 1 s, 2 s, 4 s, ... up to 30 s.
const BASE: Duration = Duration::from_secs(1);

#[derive(Debug)]
pub struct Guarded {
    inner: Arc<dyn Provider>,
    limiter: Limiter,
    breaker: Breaker,
    max_attempts: u32,
    settings: ProviderSettings,
}

impl Guarded {
    pub fn new(inner: Arc<dyn Provider>, settings: &ProviderSettings) -> Guarded {
        Guarded {
            limiter: Limiter::new(settings.requests_per_minute, settings.images_per_minute),
            breaker: Breaker::new(
                inner.name(),
                settings.breaker_failures,
                Duration::from_secs(settings.breaker_cooldown_seconds),
            ),
            max_attempts: settings.max_attempts,
            settings: settings.clone(),
            inner,
        }
    }

    pub fn pace(&self) -> Pace {
        self.limiter.pace()
    }

    /// Paces this provider from slots every process shares (see `limiter`).
    pub fn share_pace(&self, slots: Arc<dyn super::limiter::SharedSlots>) {
        self.limiter
            .share(slots, format!("provider:{}", self.inner.name()));
    }

    pub fn settings(&self) -> &ProviderSettings {
        &self.settings
    }

    pub fn breaker_open(&self) -> bool {
        self.breaker.is_open()
    }
}

/// The wait before retry `attempt` (1 = the first retry): the provider's hint when it gave
/// one (plus up to 10 % so that workers told the same moment do not all come back at once),
/// else exponential from 1 s with "equal jitter" (half fixed, half random), capped at 30 s.
/// `unit` is a random number in [0, 1).
pub fn backoff(attempt: u32, hint: Option<Duration>, unit: f64) -> Duration {
    if let Some(h) = hint {
        return h + h.mul_f64(0.1 * unit);
    }
    let exp = BASE
        .saturating_mul(1 << attempt.saturating_sub(1).min(16))
        .min(MAX_WAIT);
    exp / 2 + (exp / 2).mul_f64(unit)
}

impl Provider for Guarded {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn default_model(&self) -> &str {
        self.inner.default_model()
    }

    fn check_style(&self, style: &Style) -> Result<(), ProviderError> {
        self.inner.check_style(style)
    }

    fn audience(&self) -> Audience {
        self.inner.audience()
    }

    fn ready(&self) -> Result<(), ProviderError> {
        if !self.settings.configured {
            return Err(ProviderError::NotConfigured {
                provider: self.name().into(),
                env: self.settings.url_env.into(),
            });
        }
        self.inner.ready()
    }

    fn estimate_usd(&self, model: &str, width: u32, height: u32) -> f64 {
        self.inner.estimate_usd(model, width, height)
    }

    fn concurrency(&self) -> usize {
        self.inner.concurrency()
    }

    fn generate(&self, request: GenerateRequest) -> GenerateFuture<'_> {
        Box::pin(async move {
            self.breaker.check()?;
            let mut attempt = 1;
            loop {
                self.limiter.acquire().await;
                let result = self.inner.generate(request.clone()).await;
                let e = match result {
                    Ok(mut g) => {
                        self.limiter.succeeded().await;
                        self.breaker.succeeded();
                        g.attempts = attempt;
                        return Ok(g);
                    }
                    Err(e) => e,
                };
                if let ProviderError::RateLimited { retry_after, .. } = &e {
                    self.limiter.throttled(*retry_after).await;
                }
                let wait = backoff(attempt, e.retry_after(), fastrand::f64());
                if !e.is_retryable() || attempt >= self.max_attempts || wait > MAX_WAIT {
                    if e.is_outage() {
                        self.breaker.failed(&e);
                    }
                    return Err(e);
                }
                tracing::debug!(provider = self.name(), attempt, wait_ms = wait.as_millis() as u64, error = %e, "retrying");
                tokio::time::sleep(wait).await;
                attempt += 1;
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_honours_hints() {
        assert_eq!(backoff(1, None, 0.0), Duration::from_millis(500));
        assert!(backoff(1, None, 0.999_999) < Duration::from_secs(1));
        assert_eq!(backoff(2, None, 0.0), Duration::from_secs(1));
        assert_eq!(backoff(3, None, 1.0), Duration::from_secs(4));
        assert_eq!(backoff(30, None, 1.0), MAX_WAIT, "capped");
        let hint = Some(Duration::from_secs(17));
        assert_eq!(backoff(1, hint, 0.0), Duration::from_secs(17));
        assert_eq!(backoff(3, hint, 1.0), Duration::from_millis(18_700));
    }
}
