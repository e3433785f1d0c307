//! Rate limits and sign-in delays, kept in the directory store (`store/limits.rs`): every
//! instance counts the same events, a restart forgets none, and the hourly retention job
//! purges the counters whose time has passed.
//!
//! Two kinds:
//! - **windows**: at most `max` events per `per` ("codes mailed to this address", "sign-ups
//!   from this client"), refused with 429 and `Retry-After` until the window ends;
//! - **delays**, for wrong passwords of one email (known or not): the first
//!   [`SIGN_IN_FREE`] are free, then each further attempt must wait a delay that doubles
//!   (from [`SIGN_IN_DELAY_FIRST`] to [`SIGN_IN_DELAY_MAX`]). A stranger can slow an
//!   account down but never lock its owner out: the owner asks for a code by email and signs
//!   in with it and the password at once (`http/session.rs`), past any delay.
//!
//! Keys name what is limited in plain words ("signin:<email hash>", "signup:<address>");
//! the store only sees their keyed hash, so it holds no client address.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::AppError;
use crate::store::{Db, DelayRow, StoreError};
use crate::vault::Vault;

/// A window limit: at most `max` events per `per` seconds.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub max: u32,
    pub per: i64,
}

impl Limit {
    pub const fn new(max: u32, secs: i64) -> Limit {
        Limit { max, per: secs }
    }
}

/// Failed sign-ins from one client address (any account): 20 per 15 minutes. Behind a
/// reverse proxy the client is found with `--trusted-proxies` (`crate::http::client`).
pub const SIGN_IN_ADDRESS: Limit = Limit::new(20, 15 * 60);
/// Wrong current passwords of one signed-in person (re-authentication): 5 per 15 minutes.
pub const REAUTH: Limit = Limit::new(5, 15 * 60);
/// Emailed codes to one account: one per minute, and 5 per hour.
pub const CODE_SEND_MINUTE: Limit = Limit::new(1, 60);
pub const CODE_SEND_HOUR: Limit = Limit::new(5, 60 * 60);
/// Wrong codes for one account and purpose: 5 per code (a new code resets it).
pub const CODE_ATTEMPTS: i64 = 5;
/// Emails one person looks up to share a camera with: 20 per hour. A share says whether an
/// email has an account (in this region), so this bounds what an owner can learn that way.
pub const SHARE_LOOKUPS: Limit = Limit::new(20, 60 * 60);
/// Password-reset confirmations for one email (known or not): 10 per 15 minutes. Each
/// code also allows only [`CODE_ATTEMPTS`] tries, second factor included.
pub const RESET_CONFIRM: Limit = Limit::new(10, 15 * 60);
/// Sign-ups from one address: 10 per hour.
pub const SIGN_UP_ADDRESS: Limit = Limit::new(10, 60 * 60);
/// Guardians' requests filed from one client address an hour: each may carry a 5 MiB proof,
/// so the store's growth from one place stays bounded whatever addresses it proves.
pub const GUARDIAN_ADDRESS: Limit = Limit::new(10, 60 * 60);

/// Wrong passwords for one email before each further attempt has to wait.
pub const SIGN_IN_FREE: i64 = 5;
/// The wait after the [`SIGN_IN_FREE`]th wrong password; each further one doubles it.
pub const SIGN_IN_DELAY_FIRST: i64 = 60;
/// The longest wait: an hour, so a stranger guessing gets at most ~24 tries a day.
pub const SIGN_IN_DELAY_MAX: i64 = 60 * 60;
/// A day after the last wrong password, the count starts over.
pub const SIGN_IN_FORGET: i64 = 24 * 60 * 60;

/// The wait after the `hits`th wrong password.
pub fn sign_in_delay(hits: i64) -> i64 {
    if hits < SIGN_IN_FREE {
        return 0;
    }
    // Capped before the shift, so a long-running attack cannot overflow it.
    let doublings = (hits - SIGN_IN_FREE).min(16);
    (SIGN_IN_DELAY_FIRST << doublings).min(SIGN_IN_DELAY_MAX)
}

/// One attempt counted by [`Limits::delay_try`]: what to put back if it was no failure.
#[derive(Debug, Clone, Copy)]
pub struct Counted {
    hits: i64,
    blocked_before: i64,
}

/// The limits, in the directory store.
#[derive(Debug, Clone)]
pub struct Limits {
    db: Db,
    /// Derived from the master key: the store sees only MACs of the keys.
    mac_key: Vec<u8>,
}

fn store(err: StoreError) -> AppError {
    AppError::from(err)
}

impl Limits {
    pub fn new(db: Db, vault: &Vault) -> Limits {
        Limits { db, mac_key: vault.token_mac("rate-limit-key", b"") }
    }

    fn key(&self, name: &str) -> Vec<u8> {
        let mut m =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.mac_key).expect("HMAC takes keys of any length");
        m.update(name.as_bytes());
        m.finalize().into_bytes().to_vec()
    }

    fn now() -> i64 {
        crate::auth::session::now()
    }

    /// Fails with 429 (and the seconds to wait) when `name` is already at its limit.
    pub async fn check(&self, name: &str, limit: Limit) -> Result<(), AppError> {
        match self.db.limit_full(&self.key(name), Self::now(), i64::from(limit.max)).await.map_err(store)? {
            Some(wait) => Err(AppError::TooManyRequests { retry_after: wait.unsigned_abs() }),
            None => Ok(()),
        }
    }

    /// Counts one event for `name`, refused or not.
    pub async fn record(&self, name: &str, limit: Limit) -> Result<(), AppError> {
        self.db.limit_hit(&self.key(name), Self::now(), limit.per, i64::MAX).await.map_err(store)?;
        Ok(())
    }

    /// How many events `name`'s current window holds (0 once it has passed).
    pub async fn hits(&self, name: &str, now: i64) -> Result<i64, AppError> {
        let row = self.db.limit_row(&self.key(name)).await.map_err(store)?;
        Ok(row.filter(|r| r.expires_at > now).map_or(0, |r| r.hits))
    }

    /// Checks and counts in one step: 429 when `name` is at its limit, else counted.
    pub async fn hit(&self, name: &str, limit: Limit) -> Result<(), AppError> {
        match self
            .db
            .limit_hit(&self.key(name), Self::now(), limit.per, i64::from(limit.max))
            .await
            .map_err(store)?
        {
            Some(wait) => Err(AppError::TooManyRequests { retry_after: wait.unsigned_abs() }),
            None => Ok(()),
        }
    }

    /// Takes back one event counted by [`Limits::hit`] (the attempt was no failure).
    pub async fn refund(&self, name: &str) -> Result<(), AppError> {
        self.db.limit_refund(&self.key(name), None).await.map_err(store)
    }

    pub async fn clear(&self, name: &str) -> Result<(), AppError> {
        self.db.limit_clear(&self.key(name)).await.map_err(store)
    }

    /// An attempt under a sign-in delay, counted as a failure before it is made (so parallel
    /// attempts cannot share one allowed moment): [`AppError::SignInDelayed`] while the
    /// delay runs. Undo it with [`Limits::delay_undo`] if it turns out to be no failure, or
    /// [`Limits::clear`] on success.
    pub async fn delay_try(&self, name: &str) -> Result<Counted, AppError> {
        self.delay_try_at(name, Self::now()).await
    }

    pub async fn delay_try_at(&self, name: &str, now: i64) -> Result<Counted, AppError> {
        let key = self.key(name);
        // A compare-and-set: a handful of rounds suffice unless a flood races on one key,
        // and then refusing for a second is right.
        for _ in 0..8 {
            let seen = self.db.limit_row(&key).await.map_err(store)?.filter(|r| r.expires_at > now);
            if let Some(r) = seen
                && r.blocked_until > now
            {
                return Err(AppError::SignInDelayed { retry_after: (r.blocked_until - now).unsigned_abs() });
            }
            let hits = seen.map_or(0, |r| r.hits) + 1;
            let next =
                DelayRow { hits, blocked_until: now + sign_in_delay(hits), expires_at: now + SIGN_IN_FORGET };
            if self.db.limit_swap(&key, now, seen, next).await.map_err(store)? {
                return Ok(Counted { hits, blocked_before: seen.map_or(0, |r| r.blocked_until) });
            }
        }
        Err(AppError::SignInDelayed { retry_after: 1 })
    }

    /// Takes back an attempt of [`Limits::delay_try`] that was no failure (the password was
    /// right, and a second factor is still to come), unless others were counted since.
    pub async fn delay_undo(&self, name: &str, counted: Counted) -> Result<(), AppError> {
        self.db
            .limit_refund(&self.key(name), Some((counted.hits, counted.blocked_before)))
            .await
            .map_err(store)
    }

    /// Counts a failure that was not announced by [`Limits::delay_try`] (a passkey second
    /// step that failed after its ceremony had started).
    pub async fn delay_fail(&self, name: &str) -> Result<(), AppError> {
        let now = Self::now();
        let key = self.key(name);
        for _ in 0..8 {
            let seen = self.db.limit_row(&key).await.map_err(store)?.filter(|r| r.expires_at > now);
            let hits = seen.map_or(0, |r| r.hits) + 1;
            let blocked_until = (now + sign_in_delay(hits)).max(seen.map_or(0, |r| r.blocked_until));
            let next = DelayRow { hits, blocked_until, expires_at: now + SIGN_IN_FORGET };
            if self.db.limit_swap(&key, now, seen, next).await.map_err(store)? {
                break;
            }
        }
        Ok(())
    }

    /// Deletes every counter whose time has passed; how many.
    pub async fn purge(&self, now: i64) -> Result<u64, StoreError> {
        self.db.limits_purge(now).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Schema;

    async fn limits() -> (Limits, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::sqlite(&dir.path().join("d.sqlite"), Schema::Directory).await.unwrap();
        (Limits::new(db, &Vault::from_master(&[7; 32])), dir)
    }

    #[test]
    fn the_delay_is_free_at_first_then_doubles_up_to_an_hour() {
        let waits: Vec<i64> = (1..=13).map(sign_in_delay).collect();
        assert_eq!(waits, [0, 0, 0, 0, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
        assert_eq!(sign_in_delay(i64::MAX), SIGN_IN_DELAY_MAX);
    }

    #[tokio::test]
    async fn a_delay_grows_with_each_failure_and_a_passed_one_allows_one_attempt() {
        let (l, _dir) = limits().await;
        let t = 1_000_000;
        for _ in 0..4 {
            l.delay_try_at("k", t).await.unwrap();
        }
        // The fifth is counted; the sixth must wait a minute.
        l.delay_try_at("k", t).await.unwrap();
        match l.delay_try_at("k", t + 1).await {
            Err(AppError::SignInDelayed { retry_after }) => assert_eq!(retry_after, 59),
            other => panic!("{other:?}"),
        }
        // After the minute one attempt, then two minutes.
        l.delay_try_at("k", t + 60).await.unwrap();
        match l.delay_try_at("k", t + 61).await {
            Err(AppError::SignInDelayed { retry_after }) => assert_eq!(retry_after, 119),
            other => panic!("{other:?}"),
        }
        // Another key is not affected; a day after the last failure the count starts over.
        l.delay_try_at("other", t + 61).await.unwrap();
        l.delay_try_at("k", t + 60 + SIGN_IN_FORGET).await.unwrap();
        assert_eq!(l.db.limit_row(&l.key("k")).await.unwrap().unwrap().hits, 1);
    }

    #[tokio::test]
    async fn an_attempt_that_was_no_failure_is_taken_back() {
        let (l, _dir) = limits().await;
        let t = 1_000_000;
        for _ in 0..4 {
            l.delay_try_at("k", t).await.unwrap();
        }
        let fifth = l.delay_try_at("k", t).await.unwrap();
        l.delay_undo("k", fifth).await.unwrap();
        // Not delayed: the fifth did not count.
        l.delay_try_at("k", t).await.unwrap();
    }

    #[tokio::test]
    async fn a_window_refuses_past_its_maximum_and_says_how_long_to_wait() {
        let (l, _dir) = limits().await;
        let limit = Limit::new(2, 60);
        l.hit("k", limit).await.unwrap();
        l.hit("k", limit).await.unwrap();
        match l.hit("k", limit).await {
            Err(AppError::TooManyRequests { retry_after }) => assert!((59..=60).contains(&retry_after)),
            other => panic!("{other:?}"),
        }
        assert!(l.check("k", limit).await.is_err());
        l.hit("other", limit).await.unwrap();
        l.refund("k").await.unwrap();
        l.hit("k", limit).await.unwrap();
        l.clear("k").await.unwrap();
        l.check("k", limit).await.unwrap();
        // A passed window starts over, and is purged.
        let key = l.key("w");
        assert_eq!(l.db.limit_hit(&key, 100, 10, 1).await.unwrap(), None);
        assert_eq!(l.db.limit_hit(&key, 105, 10, 1).await.unwrap(), Some(5));
        assert_eq!(l.db.limit_hit(&key, 110, 10, 1).await.unwrap(), None);
        assert_eq!(l.purge(120).await.unwrap(), 1);
        assert!(l.db.limit_row(&key).await.unwrap().is_none());
    }
}
