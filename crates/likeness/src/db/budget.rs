//! `generate --max-cost` as the run's budget, kept in the run's row so that every process
//! working its jobs draws from one sum: a worker reserves an image's list price after claiming
//! a job of a budgeted run and settles it with the actual cost after, each one atomic
//! statement. A refused reservation marks the run's budget reached; claims then skip its jobs
//! (they stay queued for a later `generate` with more budget).

use super::value::Get;
use super::{Db, on_pool};
use crate::error::Result;

/// What a reservation did.
#[derive(Debug, Clone, PartialEq)]
pub enum Reservation {
    /// The run has no budget: nothing to settle.
    Unlimited,
    Reserved(f64),
    /// Not enough left: `limit_usd` with `spent_usd` spent (the run is now marked reached).
    Refused {
        limit_usd: f64,
        spent_usd: f64,
    },
}

/// A run's budget as it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct RunBudget {
    pub limit_usd: f64,
    pub spent_usd: f64,
    /// A reservation was refused: the run's remaining jobs wait for a new budget.
    pub reached: bool,
}

impl Db {
    /// Gives a run a budget for this invocation (`None`: none), spent from zero.
    pub async fn set_run_budget(&self, run_id: &str, max_cost_usd: Option<f64>) -> Result<()> {
        let sql = "UPDATE runs SET max_cost_usd = $1, budget_reserved_usd = 0,
                 budget_spent_usd = 0, budget_reached = FALSE
             WHERE id = $2";
        on_pool!(self, p => {
            sqlx::query(sql).bind(max_cost_usd).bind(run_id).execute(p).await?;
        });
        Ok(())
    }

    /// Reserves `estimate` from the run's budget, if it has one.
    pub async fn reserve_budget(&self, run_id: &str, estimate: f64) -> Result<Reservation> {
        // Most runs have no budget: one read by primary key decides that.
        let Some(budget) = self.run_budget(run_id).await? else {
            return Ok(Reservation::Unlimited);
        };
        // A hair of tolerance, so a budget of exactly N images' list price buys N images.
        let take = "UPDATE runs SET budget_reserved_usd = budget_reserved_usd + $1
             WHERE id = $2 AND max_cost_usd IS NOT NULL AND budget_reached = FALSE
                 AND budget_spent_usd + budget_reserved_usd + $1 <= max_cost_usd + 0.000000001
             RETURNING id";
        let refuse = "UPDATE runs SET budget_reached = TRUE WHERE id = $1";
        on_pool!(self, p => {
            if sqlx::query(take).bind(estimate).bind(run_id).fetch_optional(p).await?.is_some() {
                return Ok(Reservation::Reserved(estimate));
            }
            sqlx::query(refuse).bind(run_id).execute(p).await?;
        });
        Ok(Reservation::Refused {
            limit_usd: budget.limit_usd,
            spent_usd: budget.spent_usd,
        })
    }

    /// Replaces a reservation with what the image actually cost (0 when it failed).
    pub async fn settle_budget(&self, run_id: &str, reserved: f64, actual: f64) -> Result<()> {
        let sql = "UPDATE runs SET
                 budget_reserved_usd = CASE WHEN budget_reserved_usd > $1
                     THEN budget_reserved_usd - $1 ELSE 0 END,
                 budget_spent_usd = budget_spent_usd + $2
             WHERE id = $3";
        on_pool!(self, p => {
            sqlx::query(sql).bind(reserved).bind(actual).bind(run_id).execute(p).await?;
        });
        Ok(())
    }

    /// The run's budget as it stands (`None` without one).
    pub async fn run_budget(&self, run_id: &str) -> Result<Option<RunBudget>> {
        let sql = "SELECT max_cost_usd, budget_spent_usd, budget_reached FROM runs WHERE id = $1";
        on_pool!(self, p => {
            let Some(row) = sqlx::query(sql).bind(run_id).fetch_optional(p).await? else {
                return Ok(None);
            };
            let Some(limit_usd) = row.opt_float("max_cost_usd")? else {
                return Ok(None);
            };
            Ok(Some(RunBudget {
                limit_usd,
                spent_usd: row.float("budget_spent_usd")?,
                reached: row.flag("budget_reached")?,
            }))
        })
    }
}
