//! `generate --max-cost`: what an invocation may spend, kept as the run's budget in the
//! database (`db::budget`). A worker reserves an image's list price before calling a paid
//! provider and settles it with the actual cost after, so N workers in any number of processes
//! together never start an image that could take the total past the limit. The batch stops
//! with its remaining jobs queued, ready for a later run with more budget.

/// Why a reservation was refused, for the batch's stop reason.
#[derive(Debug, Clone, PartialEq)]
pub struct OverBudget {
    pub limit_usd: f64,
    pub spent_usd: f64,
    pub next_usd: f64,
}

impl std::fmt::Display for OverBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "budget reached: ${:.4} spent of --max-cost ${:.4}, and the next image could cost \
             ${:.4}; run the same command again with a higher --max-cost to go on",
            self.spent_usd, self.limit_usd, self.next_usd
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reason_says_what_was_spent_and_what_to_do() {
        let e = OverBudget {
            limit_usd: 0.1,
            spent_usd: 0.078,
            next_usd: 0.039,
        };
        let text = e.to_string();
        assert!(
            text.contains("$0.0780 spent of --max-cost $0.1000"),
            "{text}"
        );
        assert!(text.contains("higher --max-cost"), "{text}");
    }
}
