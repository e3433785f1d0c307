//! Rate limits and sign-in delays in the directory (`rate_limits`, migration
//! `0060_rate_limits`), so every instance counts the same events and a restart forgets none.
//! Keys are keyed hashes made by `crate::auth::limits`; nothing here is readable.
//!
//! Each counter is one row: `hits` within a window that ends at `expires_at`, and for
//! delays, `blocked_until` (no attempt before it). Every change is one statement that
//! checks and counts at once (or a compare-and-set on `hits`), so a burst of parallel
//! requests cannot all slip through a check made before any of them was counted.

use super::{Db, StoreError, with_pool};

/// The state of a delay counter: how many attempts it has counted and until when the next
/// one must wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DelayRow {
    pub hits: i64,
    pub blocked_until: i64,
    pub expires_at: i64,
}

impl Db {
    /// Counts one event in `key`'s window of `per` seconds if it has fewer than `max`
    /// (a passed window starts over at one). `Ok(None)`: counted; `Ok(Some(secs))`: refused,
    /// the window ends in `secs`. `max = i64::MAX` counts unconditionally.
    pub async fn limit_hit(
        &self,
        key: &[u8],
        now: i64,
        per: i64,
        max: i64,
    ) -> Result<Option<i64>, StoreError> {
        let counted: Option<i64> = with_pool!(self, pool => {
            sqlx::query_scalar(
                "INSERT INTO rate_limits (key, hits, window_start, blocked_until, expires_at) \
                 VALUES ($1, 1, $2, 0, $3) \
                 ON CONFLICT (key) DO UPDATE SET \
                   hits = CASE WHEN rate_limits.expires_at <= $2 THEN 1 ELSE rate_limits.hits + 1 END, \
                   window_start = CASE WHEN rate_limits.expires_at <= $2 THEN $2 ELSE rate_limits.window_start END, \
                   expires_at = CASE WHEN rate_limits.expires_at <= $2 THEN $3 ELSE rate_limits.expires_at END \
                 WHERE rate_limits.expires_at <= $2 OR rate_limits.hits < $4 \
                 RETURNING hits",
            )
            .bind(key)
            .bind(now)
            .bind(now + per)
            .bind(max)
            .fetch_optional(pool)
            .await?
        });
        if counted.is_some() {
            return Ok(None);
        }
        let ends = self.limit_row(key).await?.map_or(now + 1, |r| r.expires_at);
        Ok(Some((ends - now).max(1)))
    }

    /// Seconds until `key`'s window ends if it already holds `max` events, else `None`.
    pub async fn limit_full(&self, key: &[u8], now: i64, max: i64) -> Result<Option<i64>, StoreError> {
        Ok(self
            .limit_row(key)
            .await?
            .filter(|r| r.expires_at > now && r.hits >= max)
            .map(|r| (r.expires_at - now).max(1)))
    }

    pub async fn limit_row(&self, key: &[u8]) -> Result<Option<DelayRow>, StoreError> {
        let row: Option<(i64, i64, i64)> = with_pool!(self, pool => {
            sqlx::query_as("SELECT hits, blocked_until, expires_at FROM rate_limits WHERE key = $1")
                .bind(key)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(|(hits, blocked_until, expires_at)| DelayRow { hits, blocked_until, expires_at }))
    }

    /// Takes back one event (an attempt that turned out not to be a failure), unless the
    /// counter moved on since: `Some(prev)` also puts `blocked_until` back, and then only if
    /// `hits` is still `mine`.
    pub async fn limit_refund(&self, key: &[u8], mine: Option<(i64, i64)>) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            let done = match mine {
                Some((hits, blocked_until)) => sqlx::query(
                    "UPDATE rate_limits SET hits = hits - 1, blocked_until = $3 WHERE key = $1 AND hits = $2",
                )
                .bind(key)
                .bind(hits)
                .bind(blocked_until)
                .execute(pool)
                .await?,
                None => sqlx::query("UPDATE rate_limits SET hits = hits - 1 WHERE key = $1 AND hits > 0")
                    .bind(key)
                    .execute(pool)
                    .await?,
            };
            done.rows_affected()
        });
        Ok(())
    }

    pub async fn limit_clear(&self, key: &[u8]) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query("DELETE FROM rate_limits WHERE key = $1").bind(key).execute(pool).await?.rows_affected()
        });
        Ok(())
    }

    /// Replaces `key`'s row with `next` if it still is `seen` (`None`: absent or expired).
    /// Whether it was replaced; `false` means another request changed it first.
    pub async fn limit_swap(
        &self,
        key: &[u8],
        now: i64,
        seen: Option<DelayRow>,
        next: DelayRow,
    ) -> Result<bool, StoreError> {
        let n = with_pool!(self, pool => {
            let done = match seen {
                // Absent, or expired (then it counts as absent and is started over).
                None => sqlx::query(
                    "INSERT INTO rate_limits (key, hits, window_start, blocked_until, expires_at) \
                     VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (key) DO UPDATE SET hits = $2, window_start = $3, blocked_until = $4, \
                       expires_at = $5 \
                     WHERE rate_limits.expires_at <= $3",
                )
                .bind(key)
                .bind(next.hits)
                .bind(now)
                .bind(next.blocked_until)
                .bind(next.expires_at)
                .execute(pool)
                .await?,
                Some(seen) => sqlx::query(
                    "UPDATE rate_limits SET hits = $2, blocked_until = $3, expires_at = $4 \
                     WHERE key = $1 AND hits = $5 AND blocked_until = $6",
                )
                .bind(key)
                .bind(next.hits)
                .bind(next.blocked_until)
                .bind(next.expires_at)
                .bind(seen.hits)
                .bind(seen.blocked_until)
                .execute(pool)
                .await?,
            };
            done.rows_affected()
        });
        Ok(n == 1)
    }

    /// Deletes the counters whose window has passed, and the address codes that expired
    /// (the hourly retention job).
    pub async fn limits_purge(&self, now: i64) -> Result<u64, StoreError> {
        Ok(with_pool!(self, pool => {
            let limits = sqlx::query("DELETE FROM rate_limits WHERE expires_at <= $1")
                .bind(now)
                .execute(pool)
                .await?
                .rows_affected();
            let codes = sqlx::query("DELETE FROM address_codes WHERE expires_at <= $1")
                .bind(now)
                .execute(pool)
                .await?
                .rows_affected();
            limits + codes
        }))
    }
}
