//! `likeness providers`: what each provider is set to and whether it can be used here.

use std::process::ExitCode;

use likeness::App;
use serde::Serialize;

use super::output::{Output, price};

#[derive(Debug, Serialize)]
struct ProviderView {
    name: String,
    /// Empty when usable; else what to set.
    not_ready: Option<String>,
    audience: String,
    base_url: Option<String>,
    model: String,
    requests_per_minute: Option<f64>,
    concurrency: usize,
    /// List price of one 1024 × 1024 image of the default model.
    price_1k_usd: f64,
}

pub async fn run(app: &App, out: &Output) -> anyhow::Result<ExitCode> {
    let mut views = Vec::new();
    for name in app.providers.names() {
        let p = app.providers.get(&name)?;
        let settings = app.providers.guarded(&name).map(|g| g.settings().clone());
        views.push(ProviderView {
            not_ready: p.ready().err().map(|e| e.to_string()),
            audience: p.audience().to_string(),
            base_url: settings.as_ref().map(|s| s.base_url.clone()),
            model: p.default_model().to_string(),
            requests_per_minute: settings.as_ref().map(|s| s.requests_per_minute),
            concurrency: p.concurrency(),
            price_1k_usd: p.estimate_usd(p.default_model(), 1024, 1024),
            name,
        });
    }
    out.emit(&views, || {
        for v in &views {
            println!(
                "{:<8} {:<5} {:<28} {}{}",
                v.name,
                v.audience,
                v.model,
                match v.requests_per_minute {
                    Some(rpm) => format!(
                        "{rpm}/min, {} at once, {}",
                        v.concurrency,
                        price(v.price_1k_usd)
                    ),
                    None => format!("{} at once, {}", v.concurrency, price(v.price_1k_usd)),
                },
                v.base_url
                    .as_ref()
                    .map(|u| format!(", {u}"))
                    .unwrap_or_default()
            );
            match &v.not_ready {
                Some(why) => println!("         not usable: {why}"),
                None => println!("         ready"),
            }
        }
    })?;
    Ok(ExitCode::SUCCESS)
}
