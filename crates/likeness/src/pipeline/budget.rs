//! `generate --max-cost`: what this invocation may spend. A worker reserves an image's list
//! price before calling a paid provider and settles it with the actual cost after, so N workers
//! together never start an image that could take the total past the limit. The batch stops
//! with its remaining jobs queued, ready for a later run with more budget.

use std::sync::Mutex;

#[derive(Debug)]
pub struct Budget {
    limit_usd: f64,
    state: Mutex<Spend>,
}

#[derive(Debug, Default, Clone, Copy)]
struct Spend {
    spent: f64,
    reserved: f64,
}

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

impl Budget {
    pub fn new(limit_usd: f64) -> Budget {
        Budget {
            limit_usd,
            state: Mutex::default(),
        }
    }

    /// Reserves `estimate` for one image, or says why not.
    pub fn reserve(&self, estimate: f64) -> Result<(), OverBudget> {
        let mut s = self.lock();
        // A hair of tolerance, so a budget of exactly N images' list price buys N images.
        if s.spent + s.reserved + estimate > self.limit_usd + 1e-9 {
            return Err(OverBudget {
                limit_usd: self.limit_usd,
                spent_usd: s.spent,
                next_usd: estimate,
            });
        }
        s.reserved += estimate;
        Ok(())
    }

    /// Replaces a reservation with what the image actually cost (0 when it failed).
    pub fn settle(&self, reserved: f64, actual: f64) {
        let mut s = self.lock();
        s.reserved = (s.reserved - reserved).max(0.0);
        s.spent += actual;
    }

    pub fn spent(&self) -> f64 {
        self.lock().spent
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Spend> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reservations_count_against_the_limit_until_settled() {
        let b = Budget::new(0.10);
        b.reserve(0.039).unwrap();
        b.reserve(0.039).unwrap();
        let e = b.reserve(0.039).unwrap_err();
        assert_eq!(e.spent_usd, 0.0, "nothing spent yet, two in flight");
        b.settle(0.039, 0.039);
        b.settle(0.039, 0.0);
        b.reserve(0.039).expect("a failed image cost nothing");
        b.settle(0.039, 0.039);
        let e = b.reserve(0.039).unwrap_err();
        assert!((e.spent_usd - 0.078).abs() < 1e-12);
        assert!(e.to_string().contains("--max-cost"), "{e}");
    }

    #[test]
    fn an_exact_budget_buys_exactly_that_many() {
        let b = Budget::new(0.039 * 3.0);
        for _ in 0..3 {
            b.reserve(0.039).unwrap();
            b.settle(0.039, 0.039);
        }
        assert!(b.reserve(0.039).is_err());
        assert!(b.reserve(0.0).is_ok(), "free images never hit the budget");
    }
}
