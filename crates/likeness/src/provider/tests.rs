//! The guard (retries, pace, breaker) and the chain (fallback, PHI rules) against scripted
//! in-process providers, on tokio's paused clock so waits are measured exactly. The wire
//! formats are tested against the fake servers in `tests/provider_*.rs`.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use likeness_styles::{Audience, Style};
use tokio::time::Instant;

use super::chain::{Chain, Link, Warnings};
use super::guard::Guarded;
use super::settings::{ProviderConfig, ProviderSettings};
use super::*;

/// A provider that answers from a script and notes when it was called.
#[derive(Debug)]
struct Scripted {
    name: &'static str,
    audience: Audience,
    ready: Result<(), ProviderError>,
    replies: Mutex<VecDeque<Result<Generated, ProviderError>>>,
    calls: Mutex<Vec<(Instant, usize)>>,
}

impl Scripted {
    fn new(name: &'static str, replies: Vec<Result<Generated, ProviderError>>) -> Arc<Scripted> {
        Arc::new(Scripted {
            name,
            audience: Audience::Cloud,
            ready: Ok(()),
            replies: Mutex::new(replies.into()),
            calls: Mutex::default(),
        })
    }

    fn calls(&self) -> Vec<Instant> {
        self.calls.lock().unwrap().iter().map(|c| c.0).collect()
    }

    fn references_seen(&self) -> Vec<usize> {
        self.calls.lock().unwrap().iter().map(|c| c.1).collect()
    }
}

impl Provider for Scripted {
    fn name(&self) -> &'static str {
        self.name
    }
    fn default_model(&self) -> &str {
        "m1"
    }
    fn check_style(&self, _: &Style) -> Result<(), ProviderError> {
        Ok(())
    }
    fn audience(&self) -> Audience {
        self.audience
    }
    fn ready(&self) -> Result<(), ProviderError> {
        self.ready.clone()
    }
    fn generate(&self, request: GenerateRequest) -> GenerateFuture<'_> {
        self.calls
            .lock()
            .unwrap()
            .push((Instant::now(), request.references.len()));
        let reply = self
            .replies
            .lock()
            .unwrap()
            .pop_front()
            .expect("the script has a reply for every call");
        Box::pin(async move { reply })
    }
}

fn image(provider: &str) -> Result<Generated, ProviderError> {
    Ok(Generated {
        bytes: vec![1, 2, 3],
        content_type: "image/png",
        provider: provider.into(),
        model: "m1".into(),
        ..Generated::default()
    })
}

fn down() -> Result<Generated, ProviderError> {
    Err(ProviderError::Unavailable {
        provider: "p".into(),
        message: "HTTP 503".into(),
    })
}

fn limited(secs: u64) -> Result<Generated, ProviderError> {
    Err(ProviderError::RateLimited {
        provider: "p".into(),
        retry_after: Some(Duration::from_secs(secs)),
        message: "quota".into(),
    })
}

fn settings(edit: impl FnOnce(&mut ProviderConfig)) -> ProviderSettings {
    let mut c = ProviderConfig {
        requests_per_minute: Some(6000.0),
        ..Default::default()
    };
    edit(&mut c);
    ProviderSettings::resolve("gemini", Some(&c), &|_| None).unwrap()
}

fn guarded(p: &Arc<Scripted>, s: &ProviderSettings) -> Guarded {
    Guarded::new(p.clone(), s)
}

fn gaps(calls: &[Instant]) -> Vec<Duration> {
    calls.windows(2).map(|w| w[1] - w[0]).collect()
}

#[tokio::test(start_paused = true)]
async fn outages_are_retried_with_growing_jittered_waits() {
    let p = Scripted::new("p", vec![down(), down(), image("p")]);
    let g = guarded(&p, &settings(|_| {}));
    let out = g.generate(sample_request("watercolor")).await.unwrap();
    assert_eq!(out.attempts, 3);
    let gaps = gaps(&p.calls());
    assert!(
        gaps[0] >= Duration::from_millis(500) && gaps[0] < Duration::from_millis(1010),
        "first wait 0.5–1 s: {gaps:?}"
    );
    assert!(
        gaps[1] >= Duration::from_secs(1) && gaps[1] < Duration::from_millis(2010),
        "second wait 1–2 s: {gaps:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_rate_limit_waits_for_the_providers_hint_and_slows_the_pace() {
    let p = Scripted::new("p", vec![limited(17), image("p")]);
    let g = guarded(&p, &settings(|_| {}));
    g.generate(sample_request("watercolor")).await.unwrap();
    let gap = gaps(&p.calls())[0];
    assert!(
        gap >= Duration::from_secs(17) && gap <= Duration::from_millis(18_700),
        "waited {gap:?} for a 17 s hint"
    );
    assert!(g.pace().factor < 1.0, "a 429 slows the shared pace");
}

#[tokio::test(start_paused = true)]
async fn a_hint_longer_than_a_worker_should_wait_goes_back_to_the_queue() {
    let p = Scripted::new("p", vec![limited(56)]);
    let g = guarded(&p, &settings(|_| {}));
    let e = g.generate(sample_request("watercolor")).await.unwrap_err();
    assert_eq!(e.code(), "provider.rate_limited");
    assert_eq!(e.retry_after(), Some(Duration::from_secs(56)));
    assert_eq!(p.calls().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn refusals_and_bad_keys_are_not_retried() {
    for e in [
        ProviderError::ContentFiltered {
            provider: "p".into(),
            reason: "IMAGE_SAFETY".into(),
            message: "blocked".into(),
            retryable: false,
        },
        ProviderError::Auth {
            provider: "p".into(),
            status: 401,
            message: "bad key".into(),
            hint: "KEY".into(),
        },
    ] {
        let code = e.code();
        let p = Scripted::new("p", vec![Err(e)]);
        let g = guarded(&p, &settings(|_| {}));
        let got = g.generate(sample_request("watercolor")).await.unwrap_err();
        assert_eq!((got.code(), p.calls().len()), (code, 1));
    }
}

#[tokio::test(start_paused = true)]
async fn attempts_are_bounded_and_outages_open_the_breaker() {
    let p = Scripted::new("p", (0..6).map(|_| down()).collect());
    let s = settings(|c| {
        c.max_attempts = Some(3);
        c.breaker_failures = Some(2);
        c.breaker_cooldown_seconds = Some(60);
    });
    let g = guarded(&p, &s);
    for _ in 0..2 {
        let e = g.generate(sample_request("watercolor")).await.unwrap_err();
        assert_eq!(e.code(), "provider.unavailable");
    }
    assert_eq!(p.calls().len(), 6, "3 attempts each");
    let e = g.generate(sample_request("watercolor")).await.unwrap_err();
    assert_eq!(e.code(), "provider.breaker_open");
    assert_eq!(p.calls().len(), 6, "an open breaker calls nobody");
    assert!(g.breaker_open());
}

#[tokio::test(start_paused = true)]
async fn workers_share_one_pace() {
    let p = Scripted::new("p", (0..4).map(|_| image("p")).collect());
    let g = Arc::new(guarded(
        &p,
        &settings(|c| c.requests_per_minute = Some(120.0 / 0.98)),
    ));
    futures::future::join_all((0..4).map(|_| {
        let g = g.clone();
        async move { g.generate(sample_request("watercolor")).await.unwrap() }
    }))
    .await;
    for gap in gaps(&p.calls()) {
        assert_eq!(
            gap,
            Duration::from_millis(500),
            "120/min is one every 500 ms"
        );
    }
}

fn chain(links: Vec<Arc<Scripted>>) -> Chain {
    Chain::new(
        links
            .into_iter()
            .map(|p| Link {
                provider: p,
                model: None,
            })
            .collect(),
        Arc::new(Warnings::default()),
    )
}

#[tokio::test]
async fn the_chain_falls_back_in_order_and_records_why() {
    let no_key = Arc::new(Scripted {
        ready: Err(ProviderError::NoKey {
            provider: "gemini".into(),
            env: "GEMINI_API_KEY".into(),
        }),
        ..Arc::into_inner(Scripted::new("gemini", vec![])).unwrap()
    });
    let failing = Scripted::new("openai", vec![down()]);
    let last = Scripted::new("builtin", vec![image("builtin")]);
    let c = chain(vec![no_key.clone(), failing.clone(), last.clone()]);
    let g = c.generate(sample_request("watercolor")).await.unwrap();
    assert_eq!(g.provider, "builtin");
    assert_eq!(
        no_key.calls().len(),
        0,
        "a provider without a key is not called"
    );
    assert_eq!(failing.calls().len(), 1);
    assert_eq!(g.fallback.len(), 2, "{:?}", g.fallback);
    assert!(
        g.fallback[0].starts_with("gemini:m1: provider.no_key"),
        "{:?}",
        g.fallback
    );
    assert!(
        g.fallback[1].starts_with("openai:m1: provider.unavailable"),
        "{:?}",
        g.fallback
    );
    assert_eq!(
        c.name(),
        "openai",
        "the first ready link is the expected one"
    );
}

#[tokio::test]
async fn when_every_link_fails_the_last_error_decides() {
    let c = chain(vec![
        Scripted::new("a", vec![down()]),
        Scripted::new("b", vec![limited(3)]),
    ]);
    let e = c.generate(sample_request("watercolor")).await.unwrap_err();
    assert_eq!(e.code(), "provider.rate_limited");
    assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
    assert!(e.to_string().contains("a:m1: provider.unavailable"), "{e}");
}

#[tokio::test]
async fn reference_photos_reach_cloud_providers_only_when_the_style_allows() {
    let cloud = Scripted::new("gemini", vec![image("gemini")]);
    let local = Arc::new(Scripted {
        audience: Audience::Local,
        ..Arc::into_inner(Scripted::new("comfyui", vec![image("comfyui")])).unwrap()
    });
    let c = chain(vec![cloud.clone(), local.clone()]);
    assert_eq!(
        c.audience(),
        Audience::Cloud,
        "prompts are rendered for the strictest reader"
    );
    let mut request = sample_request("consultant");
    request.references.push(Reference {
        bytes: bytes::Bytes::from_static(b"photo"),
        content_type: "image/png",
    });
    let g = c.generate(request.clone()).await.unwrap();
    assert_eq!(g.provider, "comfyui");
    assert!(
        cloud.calls().is_empty(),
        "the photo never went to the cloud"
    );
    assert_eq!(local.references_seen(), [1]);
    assert!(
        g.fallback[0].contains("provider.references_not_allowed"),
        "{:?}",
        g.fallback
    );

    let cloud = Scripted::new("gemini", vec![image("gemini")]);
    let c = chain(vec![cloud.clone()]);
    let mut allowed = (*request.style).clone();
    allowed.send_references = true;
    request.style = Arc::new(allowed);
    c.generate(request).await.unwrap();
    assert_eq!(cloud.references_seen(), [1]);
}
