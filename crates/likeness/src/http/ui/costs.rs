//! Spending by day (a bar chart drawn as SVG on the server: no script, readable as a table
//! too) and by provider and model, with the month projection.

use axum::extract::{Extension, Query, State};
use axum::response::Response;
use likeness_ui::pages::{Bar, CostsPage, SpendLine};
use serde::Deserialize;

use super::pages::{chrome, from_api, render, usd};
use super::session::UiUser;

#[derive(Deserialize, Default)]
pub struct CostsQuery {
    days: Option<u32>,
}

pub async fn page(
    State(state): State<crate::http::State>,
    Extension(user): Extension<UiUser>,
    Query(q): Query<CostsQuery>,
) -> Response {
    let app = &state.app;
    let days = q.days.unwrap_or(30).clamp(1, 366);
    let now = chrono::Utc::now();
    let (spending, by_day) = match (
        app.db.spending(days, now).await,
        app.db.spending_by_day(days, now).await,
    ) {
        (Ok(s), Ok(d)) => (s, d),
        (Err(e), _) | (_, Err(e)) => return from_api(&user, e),
    };
    // The chart: one bar per day of the window, from 40 to 630 px wide, 20 to 190 px tall.
    let max = by_day.iter().map(|d| d.cost_usd).fold(0.0, f64::max);
    let slot = 590.0 / days as f64;
    let first = now - chrono::Duration::days(days as i64 - 1);
    let mut bars = Vec::new();
    for d in &by_day {
        let Ok(date) = chrono::NaiveDate::parse_from_str(&d.day, "%Y-%m-%d") else {
            continue;
        };
        let index = (date - first.date_naive()).num_days();
        if index < 0 || index >= days as i64 {
            continue;
        }
        let h = if max > 0.0 {
            d.cost_usd / max * 166.0
        } else {
            0.0
        };
        bars.push(Bar {
            x: 40.0 + index as f64 * slot + slot * 0.1,
            y: 190.0 - h,
            w: (slot * 0.8).max(1.0),
            h,
            title: format!("{}: {} for {} images", d.day, usd(d.cost_usd), d.images),
        });
    }
    let chart_label = format!(
        "Spending per day over the last {days} days: {} in total, at most {} on one day.",
        usd(spending.total_usd),
        usd(max)
    );
    render(&CostsPage {
        chrome: chrome(Some(&user), "Costs", "costs"),
        days,
        bars,
        chart_label,
        axis_max: usd(max),
        first_day: first.format("%b %-d").to_string(),
        last_day: now.format("%b %-d").to_string(),
        by_day: by_day
            .iter()
            .rev()
            .map(|d| (d.day.clone(), d.images, usd(d.cost_usd)))
            .collect(),
        by_model: spending
            .by_model
            .iter()
            .map(|m| SpendLine {
                provider: m.provider.clone(),
                model: m.model.clone(),
                images: m.images,
                cost: usd(m.cost_usd),
            })
            .collect(),
        total: usd(spending.total_usd),
        per_day: usd(spending.per_day_usd),
        projected: usd(spending.projected_month_usd),
    })
}
