//! Webhooks: endpoints told when a job ends, a run completes or a subject is erased, signed
//! per the Standard Webhooks specification (`webhook-id`, `webhook-timestamp`,
//! `webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`).
//!
//! Events are queued in the database with the change they report (`db/webhooks.rs`); the
//! [`sender`] takes them from there, so delivery is at least once and survives restarts. This
//! module holds what both sides agree on: event names, secrets, signatures, the body.

pub mod sender;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::db::Stamp;
use crate::db::webhooks::ClaimedDelivery;
use crate::error::{Error, Result};

/// Every event an endpoint can ask for.
pub const EVENTS: [&str; 4] = [
    "job.succeeded",
    "job.failed",
    "run.completed",
    "subject.erased",
];

/// Checks an endpoint's event list: known names, at least one.
pub fn check_events(events: &[String]) -> Result<(), String> {
    if events.is_empty() {
        return Err(format!("name at least one event of {}", EVENTS.join(", ")));
    }
    if let Some(bad) = events.iter().find(|e| !EVENTS.contains(&e.as_str())) {
        return Err(format!(
            "{bad:?} is not an event; the events are {}",
            EVENTS.join(", ")
        ));
    }
    Ok(())
}

/// A new secret: `whsec_` and the base64 of 24 random bytes, as Standard Webhooks suggests.
pub fn new_secret() -> Result<String> {
    let mut key = [0u8; 24];
    getrandom::fill(&mut key)
        .map_err(|e| Error::Config(format!("no randomness for a secret: {e}")))?;
    Ok(format!("whsec_{}", STANDARD.encode(key)))
}

/// The signing key inside a `whsec_…` secret (24 to 64 bytes).
pub fn secret_key(secret: &str) -> Result<Vec<u8>, String> {
    let Some(encoded) = secret.strip_prefix("whsec_") else {
        return Err(
            "a secret starts with `whsec_` (e.g. `whsec_$(openssl rand -base64 32)`)".into(),
        );
    };
    let key = STANDARD
        .decode(encoded)
        .map_err(|_| "the part after `whsec_` must be base64".to_string())?;
    if !(24..=64).contains(&key.len()) {
        return Err(format!(
            "the key is {} bytes; use 24 to 64 random bytes",
            key.len()
        ));
    }
    Ok(key)
}

/// `v1,<signature>` of `body` sent as message `id` at `timestamp` (unix seconds).
pub fn sign(key: &[u8], id: &str, timestamp: i64, body: &str) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes any key");
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// The body of a delivery: `{type, timestamp, data}`, the same bytes on every attempt (the
/// event's time, not the attempt's). `data` gets `asset_url` from its `asset_key`.
pub fn body(delivery: &ClaimedDelivery, asset_url: impl Fn(&str) -> String) -> String {
    let mut data = delivery.data.clone();
    if let Some(key) = data.get("asset_key").and_then(Value::as_str) {
        data["asset_url"] = asset_url(key).into();
    }
    let timestamp = delivery
        .created_at
        .datetime()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    json!({"type": delivery.event, "timestamp": timestamp, "data": data}).to_string()
}

/// How long to wait after failed attempt `attempt` (1-based): `base` × 6^(attempt-1), at most
/// ten hours, with ±20 % jitter so many endpoints failing together do not retry together.
pub fn backoff_ms(base_ms: u64, attempt: i64) -> i64 {
    const MAX_MS: f64 = 10.0 * 3600.0 * 1000.0;
    let exp = (attempt - 1).clamp(0, 20) as i32;
    let delay = (base_ms as f64 * 6f64.powi(exp)).min(MAX_MS);
    let jitter = 0.8 + 0.4 * fastrand::f64();
    (delay * jitter) as i64
}

/// A stored endpoint for the API: never its secret (shown once, at creation).
pub fn view(hook: &crate::db::webhooks::WebhookRow) -> Value {
    json!({
        "id": hook.id,
        "url": hook.url,
        "events": hook.events,
        "description": hook.description,
        "origin": hook.origin,
        "created_by": hook.created_by,
        "created_at": stamp(hook.created_at),
    })
}

fn stamp(s: Stamp) -> String {
    s.datetime()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A delivery with its attempts, for `GET /api/webhooks/{id}/deliveries`.
pub fn delivery_view(d: &crate::db::webhooks::DeliveryRow) -> Value {
    let tries: Vec<Value> = d
        .tries
        .iter()
        .map(|a| {
            json!({
                "attempt": a.attempt,
                "at": stamp(a.at),
                "status_code": a.status_code,
                "error": a.error,
                "duration_ms": a.duration_ms,
            })
        })
        .collect();
    json!({
        "id": d.id,
        "event": d.event,
        "data": d.data,
        "status": d.status,
        "attempts": d.attempts,
        "created_at": stamp(d.created_at),
        "finished_at": d.finished_at.map(stamp),
        "tries": tries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example from the Standard Webhooks specification's reference tests.
    #[test]
    fn signs_like_the_specification() {
        let key = secret_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let signature = sign(
            &key,
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        );
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn secrets_and_events() {
        let secret = new_secret().unwrap();
        assert_eq!(secret_key(&secret).unwrap().len(), 24);
        assert_ne!(secret, new_secret().unwrap());
        assert!(secret_key("nope").unwrap_err().contains("whsec_"));
        assert!(
            secret_key("whsec_c2hvcnQ=")
                .unwrap_err()
                .contains("24 to 64")
        );
        assert!(check_events(&[]).is_err());
        assert!(
            check_events(&["job.succeeded".into(), "job.exploded".into()])
                .unwrap_err()
                .contains("job.exploded")
        );
        assert!(check_events(&["run.completed".into()]).is_ok());
    }

    #[test]
    fn backoff_grows_and_stops_growing() {
        let a = backoff_ms(1000, 1);
        assert!((800..=1200).contains(&a), "{a}");
        let b = backoff_ms(1000, 3);
        assert!((28_800..=43_200).contains(&b), "{b}");
        assert!(backoff_ms(1000, 40) <= 12 * 3600 * 1000);
    }
}
