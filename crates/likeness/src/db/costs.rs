//! What generation has cost, for `likeness runs --costs`: spending per provider and model over
//! a window of days, and the month it projects to.

use super::value::Get;
use super::{Db, Stamp, on_pool};
use crate::error::Result;

#[derive(Debug, Clone, PartialEq)]
pub struct ModelSpend {
    pub provider: String,
    pub model: String,
    pub images: i64,
    pub cost_usd: f64,
}

#[derive(Debug, Clone)]
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
        let since =
            Stamp::from_millis((now - chrono::Duration::days(days as i64)).timestamp_millis());
        let by_model_sql = "SELECT provider, model, COUNT(*) AS n,
                 CAST(COALESCE(SUM(cost_usd), 0) AS DOUBLE PRECISION) AS c
             FROM assets WHERE status = 'succeeded' AND created_at >= $1
             GROUP BY provider, model ORDER BY c DESC, provider, model";
        let first_sql = "SELECT MIN(created_at) AS f FROM assets
             WHERE status = 'succeeded' AND cost_usd > 0 AND created_at >= $1";
        let (by_model, first) = on_pool!(self, p => {
            let rows = sqlx::query(by_model_sql).bind(since).fetch_all(p).await?;
            let by_model = rows
                .iter()
                .map(|r| {
                    Ok(ModelSpend {
                        provider: r.text("provider")?,
                        model: r.text("model")?,
                        images: r.int("n")?,
                        cost_usd: r.float("c")?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let first = sqlx::query(first_sql).bind(since).fetch_one(p).await?.opt_stamp("f")?;
            (by_model, first)
        });
        let active_days = first
            .map(|f| (now - f.datetime()).num_seconds() as f64 / 86_400.0)
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
