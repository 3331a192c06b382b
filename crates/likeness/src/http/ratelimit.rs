//! Per-client rate limit on generation: a token bucket per bearer token (or per anonymous
//! client on a token-less loopback server), refilled continuously.
//!
//! With PostgreSQL the buckets live in the database, so several `serve`s behind one load
//! balancer hold one limit per client between them; if the database cannot be reached, each
//! process limits on its own until it can.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::db::Db;

pub struct RateLimit {
    per_minute: u32,
    buckets: Mutex<HashMap<String, Bucket>>,
    shared: Option<Db>,
}

struct Bucket {
    tokens: f64,
    last: Instant,
}

impl RateLimit {
    pub fn new(per_minute: u32) -> RateLimit {
        RateLimit {
            per_minute,
            buckets: Mutex::new(HashMap::new()),
            shared: None,
        }
    }

    /// Buckets kept in `db` (PostgreSQL: shared by every server), else in this process.
    pub fn for_db(per_minute: u32, db: &Db) -> RateLimit {
        RateLimit {
            shared: db.is_postgres().then(|| db.clone()),
            ..RateLimit::new(per_minute)
        }
    }

    /// Takes one request from `client`'s bucket, or says how long until one is available.
    pub async fn check(&self, client: &str) -> Result<(), Duration> {
        if self.per_minute == 0 {
            return Ok(());
        }
        if let Some(got) = self.take_shared(client, 1).await {
            return match got {
                (n, _) if n >= 1 => Ok(()),
                (_, wait) => Err(wait),
            };
        }
        let rate = f64::from(self.per_minute) / 60.0;
        self.with_bucket(client, |bucket| {
            if bucket.tokens >= 1.0 {
                bucket.tokens -= 1.0;
                Ok(())
            } else {
                Err(Duration::from_secs_f64((1.0 - bucket.tokens) / rate))
            }
        })
    }

    /// Takes up to `wanted` generations from `client`'s bucket at once and says how many it
    /// got: background work a request causes (portraits for new subjects) spends the same
    /// budget as the generations it asks for directly.
    pub async fn take_up_to(&self, client: &str, wanted: usize) -> usize {
        if self.per_minute == 0 {
            return wanted;
        }
        if let Some((got, _)) = self.take_shared(client, wanted).await {
            return got;
        }
        self.with_bucket(client, |bucket| {
            let got = (bucket.tokens.floor() as usize).min(wanted);
            bucket.tokens -= got as f64;
            got
        })
    }

    /// The shared bucket's answer (tokens got, wait for the next), or `None` to use this
    /// process's buckets (no shared store, or it failed).
    async fn take_shared(&self, client: &str, wanted: usize) -> Option<(usize, Duration)> {
        let db = self.shared.as_ref()?;
        let burst = f64::from(self.per_minute);
        let key = format!("api:{client}");
        match db.take_tokens(&key, wanted as f64, burst, burst).await {
            Ok((got, wait_ms)) => Some((got as usize, Duration::from_millis(wait_ms as u64))),
            Err(e) => {
                tracing::warn!(error = %e, code = e.code(), "shared rate limit unavailable; limiting this process alone");
                None
            }
        }
    }

    /// `f` on `client`'s bucket, refilled for the time since it was last used.
    fn with_bucket<T>(&self, client: &str, f: impl FnOnce(&mut Bucket) -> T) -> T {
        let capacity = f64::from(self.per_minute);
        let rate = capacity / 60.0;
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let bucket = buckets.entry(client.to_string()).or_insert(Bucket {
            tokens: capacity,
            last: now,
        });
        bucket.tokens =
            (bucket.tokens + now.duration_since(bucket.last).as_secs_f64() * rate).min(capacity);
        bucket.last = now;
        f(bucket)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn allows_the_burst_then_refuses_with_a_wait() {
        let limit = RateLimit::new(3);
        for _ in 0..3 {
            assert!(limit.check("a").await.is_ok());
        }
        let wait = limit.check("a").await.unwrap_err();
        assert!(
            wait > Duration::from_secs(15) && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        // Clients do not share buckets.
        assert!(limit.check("b").await.is_ok());
    }

    #[tokio::test]
    async fn background_work_spends_the_same_budget() {
        let limit = RateLimit::new(10);
        assert_eq!(limit.take_up_to("a", 4).await, 4);
        assert_eq!(limit.take_up_to("a", 50).await, 6);
        assert_eq!(limit.take_up_to("a", 50).await, 0);
        assert!(limit.check("a").await.is_err());
        assert_eq!(RateLimit::new(0).take_up_to("a", 50).await, 50);
    }

    #[tokio::test]
    async fn zero_means_unlimited() {
        let limit = RateLimit::new(0);
        for _ in 0..100 {
            assert!(limit.check("a").await.is_ok());
        }
    }
}
