//! `/metrics` in the Prometheus text format: HTTP requests and latency by route (counted by a
//! middleware), and, read from the database at scrape time so every process sees the same
//! numbers, jobs by state, generations by provider and outcome, and money spent.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::ApiError;

/// Upper bounds (seconds) of the latency histogram.
const BUCKETS: [f64; 10] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0];

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(&'static str, String, u16), Series>>,
}

#[derive(Default)]
struct Series {
    count: u64,
    sum: f64,
    buckets: [u64; BUCKETS.len()],
}

/// Counts every request by method, route pattern (never the raw path, so ids do not explode
/// the label set) and status.
pub async fn track(State(state): State<super::State>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    // The path only: a query string is the client's business (and may carry secrets).
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let seconds = started.elapsed().as_secs_f64();
    let status = response.status().as_u16();
    // The access log: one line per request, after the answer.
    tracing::info!(target: "likeness::access", %method, %path, status, ms = seconds * 1e3);
    let key = (method_label(&method), route, status);
    let mut requests = state
        .metrics
        .requests
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    let series = requests.entry(key).or_default();
    series.count += 1;
    series.sum += seconds;
    for (i, bound) in BUCKETS.iter().enumerate() {
        if seconds <= *bound {
            series.buckets[i] += 1;
        }
    }
    response
}

#[utoipa::path(get, path = "/metrics", tag = "operations", security(("bearer" = [])),
    responses((status = 200, description = "Prometheus text format 0.0.4: requests and latency by route, jobs by state, generations by provider and outcome, cost. Takes an API token or `server.metrics_token`; open only on a token-less loopback server",
        content_type = "text/plain", body = String)))]
pub async fn render(State(state): State<super::State>) -> Result<Response, ApiError> {
    let mut out = String::new();
    {
        let requests = state
            .metrics
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        out.push_str(
            "# HELP likeness_http_requests_total HTTP requests by method, route and status.\n",
        );
        out.push_str("# TYPE likeness_http_requests_total counter\n");
        for ((method, route, status), s) in requests.iter() {
            let _ = writeln!(
                out,
                "likeness_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {}",
                escape(method),
                escape(route),
                s.count
            );
        }
        out.push_str("# HELP likeness_http_request_duration_seconds HTTP request latency.\n");
        out.push_str("# TYPE likeness_http_request_duration_seconds histogram\n");
        for ((method, route, status), s) in requests.iter() {
            let labels = format!(
                "method=\"{}\",route=\"{}\",status=\"{status}\"",
                escape(method),
                escape(route)
            );
            for (i, bound) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "likeness_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {}",
                    s.buckets[i]
                );
            }
            let _ = writeln!(
                out,
                "likeness_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "likeness_http_request_duration_seconds_sum{{{labels}}} {}",
                s.sum
            );
            let _ = writeln!(
                out,
                "likeness_http_request_duration_seconds_count{{{labels}}} {}",
                s.count
            );
        }
    }
    out.push_str(
        "# HELP likeness_jobs Jobs by state, across all runs.\n# TYPE likeness_jobs gauge\n",
    );
    for (status, n) in &state.app.db.jobs_by_status().await? {
        let _ = writeln!(out, "likeness_jobs{{status=\"{}\"}} {n}", escape(status));
    }
    out.push_str(
        "# HELP likeness_generations_total Generation attempts by provider and outcome.\n",
    );
    out.push_str("# TYPE likeness_generations_total counter\n");
    let mut cost: BTreeMap<String, f64> = BTreeMap::new();
    for g in state.app.db.generations().await? {
        *cost.entry(g.provider.clone()).or_default() += g.cost_usd;
        let _ = writeln!(
            out,
            "likeness_generations_total{{provider=\"{}\",status=\"{}\"}} {}",
            escape(&g.provider),
            escape(&g.status),
            g.count
        );
    }
    out.push_str("# HELP likeness_cost_usd_total Money spent on generation, by provider.\n");
    out.push_str("# TYPE likeness_cost_usd_total counter\n");
    for (provider, usd) in &cost {
        let _ = writeln!(
            out,
            "likeness_cost_usd_total{{provider=\"{}\"}} {usd}",
            escape(provider)
        );
    }
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response())
}

/// A label from a fixed set: every made-up method a client sends would otherwise be a new
/// series, and the metrics page would grow without bound.
fn method_label(method: &Method) -> &'static str {
    const KNOWN: [Method; 7] = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::PATCH,
        Method::OPTIONS,
    ];
    KNOWN
        .iter()
        .find(|m| *m == method)
        .map_or("other", Method::as_str)
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_outside_the_standard_set_share_one_label() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::OPTIONS), "OPTIONS");
        let made_up = Method::from_bytes(b"XYZZY123").unwrap();
        assert_eq!(method_label(&made_up), "other");
        assert_eq!(method_label(&Method::CONNECT), "other");
    }
}
