//! Keys that serialise writers on PostgreSQL, where several processes write at once; SQLite
//! already lets one writer at a time in (`BEGIN IMMEDIATE`).
//!
//! A PostgreSQL advisory transaction lock is taken on a 64-bit hash of the key and released at
//! commit or rollback. Callers lock keys in a fixed order (sorted) to avoid deadlocks.

use super::Tx;
use crate::error::Result;

pub(super) async fn lock_key(tx: &mut Tx, key: &str) -> Result<()> {
    let Tx::Postgres(t) = tx else {
        return Ok(());
    };
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(key_hash(key))
        .execute(&mut **t)
        .await?;
    Ok(())
}

/// A stable 64-bit hash of the key (the first 8 bytes of its SHA-256): the same in every
/// process and every version, unlike std's hasher.
fn key_hash(key: &str) -> i64 {
    let hex = crate::hash::hex_sha256(key.as_bytes());
    u64::from_str_radix(&hex[..16], 16).unwrap_or_default() as i64
}

#[cfg(test)]
mod tests {
    #[test]
    fn key_hashes_are_stable_and_distinct() {
        assert_eq!(super::key_hash("run:a"), super::key_hash("run:a"));
        assert_ne!(super::key_hash("run:a"), super::key_hash("run:b"));
    }
}
