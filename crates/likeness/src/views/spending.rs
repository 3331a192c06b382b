//! What generation has cost: `likeness runs --costs --json`.

use serde::Serialize;

use crate::db::costs::{ModelSpend, Spending};

#[derive(Debug, Clone, Serialize)]
pub struct SpendingView {
    /// The window looked at, in days (ending now).
    pub days: u32,
    /// Days from the first paid image in the window to now (at least 1).
    pub active_days: f64,
    pub total_usd: f64,
    pub per_day_usd: f64,
    /// `per_day_usd` × 30.
    pub projected_month_usd: f64,
    pub by_model: Vec<ModelSpendView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ModelSpendView {
    pub provider: String,
    pub model: String,
    pub images: i64,
    pub cost_usd: f64,
}

impl From<Spending> for SpendingView {
    fn from(s: Spending) -> SpendingView {
        SpendingView {
            days: s.days,
            active_days: s.active_days,
            total_usd: s.total_usd,
            per_day_usd: s.per_day_usd,
            projected_month_usd: s.projected_month_usd,
            by_model: s.by_model.into_iter().map(ModelSpendView::from).collect(),
        }
    }
}

impl From<ModelSpend> for ModelSpendView {
    fn from(m: ModelSpend) -> ModelSpendView {
        ModelSpendView {
            provider: m.provider,
            model: m.model,
            images: m.images,
            cost_usd: m.cost_usd,
        }
    }
}
