//! A fake provider as a standalone server, for benchmarks (bench/quota.sh):
//!
//!   likeness-fake openai --listen 127.0.0.1:PORT [--rpm R] [--burst B]
//!                        [--retry-after-ms MS] [--latency-ms L]
//!
//! Prints `listening on http://ADDR` once it accepts connections; on SIGTERM or ctrl-c prints
//! one JSON line `{"ok":N,"rate_limited":M}` and exits. Any `sk-` key is accepted.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use likeness_fakes::Quota;
use likeness_fakes::openai::{OpenAiFake, Reply};

const USAGE: &str = "usage: likeness-fake openai --listen ADDR [--rpm R] [--burst B] \
                     [--retry-after-ms MS] [--latency-ms L]";

struct Args {
    listen: String,
    rpm: Option<f64>,
    burst: f64,
    retry_after_ms: u64,
    latency_ms: u64,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    match args.next().as_deref() {
        Some("openai") => {}
        Some(other) => return Err(format!("unknown fake {other:?}; available: openai")),
        None => return Err("which fake? available: openai".into()),
    }
    let mut a = Args {
        listen: "127.0.0.1:0".into(),
        rpm: None,
        burst: 1.0,
        retry_after_ms: 1000,
        latency_ms: 0,
    };
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = |v: &str| {
            v.parse::<f64>()
                .ok()
                .filter(|n| n.is_finite() && *n >= 0.0)
                .ok_or_else(|| format!("{flag}: {v:?} is not a number"))
        };
        match flag.as_str() {
            "--listen" => a.listen = value,
            "--rpm" => a.rpm = Some(number(&value)?).filter(|r| *r > 0.0),
            "--burst" => a.burst = number(&value)?.max(1.0),
            "--retry-after-ms" => a.retry_after_ms = number(&value)? as u64,
            "--latency-ms" => a.latency_ms = number(&value)? as u64,
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    Ok(a)
}

#[tokio::main]
async fn main() {
    let args = match parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("likeness-fake: {e}\n{USAGE}");
            std::process::exit(2);
        }
    };
    let fake = match OpenAiFake::start_on(&args.listen).await {
        Ok(f) => f,
        Err(e) => {
            eprintln!("likeness-fake: cannot listen on {}: {e}", args.listen);
            std::process::exit(1);
        }
    };
    let quota = args.rpm.map(|rpm| {
        Arc::new(Quota::new(
            rpm,
            args.burst,
            Duration::from_millis(args.retry_after_ms),
        ))
    });
    fake.set_quota(quota.clone());
    if args.latency_ms > 0 {
        fake.set_default(Reply::Slow(
            Duration::from_millis(args.latency_ms),
            Box::new(Reply::Image),
        ));
    }
    let mut out = std::io::stdout();
    let _ = writeln!(out, "listening on {}", fake.server.url);
    let _ = out.flush();

    stopped().await;
    let (ok, rate_limited) = match &quota {
        Some(q) => *q.counts.lock().unwrap_or_else(|p| p.into_inner()),
        None => (fake.requests().len() as u64, 0),
    };
    let _ = writeln!(out, "{{\"ok\":{ok},\"rate_limited\":{rate_limited}}}");
    let _ = out.flush();
}

/// SIGTERM or ctrl-c.
async fn stopped() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
