//! What generation has cost, for `likeness runs --costs`: spending per provider and model over
//! a window of days, and the month it projects to.

use serde::Serialize;
use sqlx::Row;

use super::Db;
use crate::error::Result;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ModelSpend {
    pub provider: String,
    pub model: String,
    pub images: i64,
    pub cost_usd: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Spending {
    /// The window looked at, in days (ending now).
    pub days: u32,
    /// Days from the first paid image in the window to now (at least 1), over which the
    /// daily rate is taken, so a week-old installation does not project a thirtieth of a month.
    pub active_days: f64,
    pub total_usd: f64,
    pub per_day_usd: f64,
    /// `per_day_usd` × 30.
    pub projected_month_usd: f64,
    pub by_model: Vec<ModelSpend>,
}

impl Db {
    /// Succeeded images of the last `days` days by provider and model, with the projection.
    pub async fn spending(
        &self,
        days: u32,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Spending> {
        let since = (now - chrono::Duration::days(days as i64))
            .format("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string();
        let rows = sqlx::query(
            "SELECT provider, model, COUNT(*) AS n, COALESCE(SUM(cost_usd), 0.0) AS c
             FROM assets WHERE status = 'succeeded' AND created_at >= $1
             GROUP BY provider, model ORDER BY c DESC, provider, model",
        )
        .bind(&since)
        .fetch_all(self.pool())
        .await?;
        let by_model: Vec<ModelSpend> = rows
            .iter()
            .map(|r| ModelSpend {
                provider: r.get("provider"),
                model: r.get("model"),
                images: r.get("n"),
                cost_usd: r.get("c"),
            })
            .collect();
        let first: Option<String> = sqlx::query(
            "SELECT MIN(created_at) AS f FROM assets
             WHERE status = 'succeeded' AND cost_usd > 0 AND created_at >= $1",
        )
        .bind(&since)
        .fetch_one(self.pool())
        .await?
        .get("f");
        let active_days = first
            .and_then(|f| chrono::DateTime::parse_from_rfc3339(&f).ok())
            .map(|f| (now - f.with_timezone(&chrono::Utc)).num_seconds() as f64 / 86_400.0)
            .unwrap_or(days as f64)
            .clamp(1.0, days.max(1) as f64);
        let total_usd: f64 = by_model.iter().map(|m| m.cost_usd).sum();
        let per_day_usd = total_usd / active_days;
        Ok(Spending {
            days,
            active_days,
            total_usd,
            per_day_usd,
            projected_month_usd: per_day_usd * 30.0,
            by_model,
        })
    }
}
