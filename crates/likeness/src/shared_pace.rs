//! The provider pace kept in the database, so every process of an installation (on one
//! machine or many) paces a provider as one limiter: the adapter from
//! `provider::limiter::SharedSlots` to `Db`'s pace statements.

use std::time::Duration;

use futures::future::BoxFuture;

use crate::db::Db;
use crate::db::shared::PaceCut;
use crate::provider::limiter::{CutSeen, Recovery, SharedSlots, Slot, Success, Throttle};

/// The last cut as the limiter hears of it; 0 is the column's "never".
fn cut_seen(cut_until_ms: i64, now_ms: i64) -> Option<CutSeen> {
    (cut_until_ms > 0).then_some(CutSeen {
        id: cut_until_ms,
        ends_in_ms: cut_until_ms - now_ms,
    })
}

#[derive(Debug)]
pub struct SharedPace(Db);

impl SharedPace {
    pub fn new(db: Db) -> SharedPace {
        SharedPace(db)
    }
}

impl SharedSlots for SharedPace {
    fn take(&self, key: &str, base_interval_ms: f64) -> BoxFuture<'_, Result<Slot, String>> {
        let key = key.to_string();
        Box::pin(async move {
            let slot = self
                .0
                .take_slot(&key, base_interval_ms)
                .await
                .map_err(|e| e.to_string())?;
            let now = self.0.now_ms();
            Ok(Slot {
                wait: Duration::from_millis((slot.slot_ms - now).max(0) as u64),
                factor: slot.factor,
                cut: cut_seen(slot.cut_until_ms, now),
            })
        })
    }

    fn succeeded(&self, key: &str, recovery: Recovery) -> BoxFuture<'_, Result<Success, String>> {
        let key = key.to_string();
        Box::pin(async move {
            let probe_after_ms = recovery.probe_after.as_millis() as i64;
            let counted = self
                .0
                .pace_succeeded(&key, recovery.recover, recovery.probe, probe_after_ms)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("no shared pace for {key} yet"))?;
            Ok(Success {
                count: counted.count.max(0) as u64,
                factor: counted.factor,
                cut: cut_seen(counted.cut_until_ms, self.0.now_ms()),
            })
        })
    }

    fn throttled(&self, key: &str, throttle: Throttle) -> BoxFuture<'_, Result<f64, String>> {
        let key = key.to_string();
        let cut = PaceCut {
            under: throttle.under,
            decrease: throttle.decrease,
            floor: throttle.floor,
            refused_share: throttle.refused_share,
            hold_ms: throttle.hold.as_millis() as i64,
            cut_for_ms: throttle.cut_for.as_millis() as i64,
        };
        Box::pin(async move {
            self.0
                .pace_throttled(&key, &cut)
                .await
                .map_err(|e| e.to_string())
        })
    }
}
