//! Human text or one JSON document on stdout, chosen once by `--json`.

use serde::Serialize;

#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub json: bool,
}

impl Output {
    pub fn new(json: bool) -> Output {
        Output { json }
    }

    /// Prints `value` as JSON when `--json`, else calls `human`.
    pub fn emit<T: Serialize>(&self, value: &T, human: impl FnOnce()) -> anyhow::Result<()> {
        if self.json {
            println!("{}", serde_json::to_string_pretty(value)?);
        } else {
            human();
        }
        Ok(())
    }
}

/// Formats dollars for people.
pub fn usd(v: f64) -> String {
    // Image prices are fractions of a cent apart ($0.039 against $0.042).
    if v != 0.0 && v.abs() < 10.0 {
        format!("${v:.3}")
    } else {
        format!("${v:.2}")
    }
}

/// A price per image: `free` for nothing (local providers), else [`usd`].
pub fn price(v: f64) -> String {
    if v == 0.0 { "free".into() } else { usd(v) }
}

/// Formats milliseconds for people.
pub fn duration(ms: i64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}
