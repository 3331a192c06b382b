//! The provider pace kept in the database, so every process of an installation (on one
//! machine or many) paces a provider as one limiter: the adapter from
//! `provider::limiter::SharedSlots` to `Db`'s pace statements.

use std::time::Duration;

use futures::future::BoxFuture;

use crate::db::Db;
use crate::db::shared::PaceCut;
use crate::provider::limiter::{SharedSlots, Slot, Success, Throttle};

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
            let (slot, factor) = self
                .0
                .take_slot(&key, base_interval_ms)
                .await
                .map_err(|e| e.to_string())?;
            let wait = (slot - self.0.now_ms()).max(0);
            Ok(Slot {
                wait: Duration::from_millis(wait as u64),
                factor,
            })
        })
    }

    fn succeeded(
        &self,
        key: &str,
        recover: f64,
        probe: f64,
    ) -> BoxFuture<'_, Result<Success, String>> {
        let key = key.to_string();
        Box::pin(async move {
            match self.0.pace_succeeded(&key, recover, probe).await {
                Ok(Some((count, factor))) => Ok(Success {
                    count: count.max(0) as u64,
                    factor,
                }),
                Ok(None) => Err(format!("no shared pace for {key} yet")),
                Err(e) => Err(e.to_string()),
            }
        })
    }

    fn throttled(&self, key: &str, throttle: Throttle) -> BoxFuture<'_, Result<f64, String>> {
        let key = key.to_string();
        let cut = PaceCut {
            under: throttle.under,
            decrease: throttle.decrease,
            floor: throttle.floor,
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
