//! Rate limits: fixed windows per key ("sign-in failures of this account", "codes sent to
//! this address"). In memory, so per instance; several instances each enforce the limit.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::AppError;

/// A limit: at most `max` events per `per`.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub max: u32,
    pub per: Duration,
}

impl Limit {
    pub const fn new(max: u32, secs: u64) -> Limit {
        Limit { max, per: Duration::from_secs(secs) }
    }
}

/// Failed sign-ins of one account: 5 per 15 minutes.
pub const SIGN_IN_ACCOUNT: Limit = Limit::new(5, 15 * 60);
/// Failed sign-ins from one address (any account): 20 per 15 minutes.
pub const SIGN_IN_ADDRESS: Limit = Limit::new(20, 15 * 60);
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

#[derive(Debug, Default)]
pub struct Limiter {
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

impl Limiter {
    /// Fails with 429 (and the seconds to wait) when `key` is already at its limit.
    pub fn check(&self, key: &str, limit: Limit) -> Result<(), AppError> {
        let now = Instant::now();
        let windows = self.windows.lock().expect("the limiter's lock is never poisoned");
        match windows.get(key) {
            Some((start, count)) if now.duration_since(*start) < limit.per && *count >= limit.max => {
                let wait = limit.per - now.duration_since(*start);
                Err(AppError::TooManyRequests { retry_after: wait.as_secs().max(1) })
            }
            _ => Ok(()),
        }
    }

    /// Counts one event for `key`.
    pub fn record(&self, key: &str, limit: Limit) {
        let now = Instant::now();
        let mut windows = self.windows.lock().expect("the limiter's lock is never poisoned");
        if windows.len() > 100_000 {
            // Bounded memory under a flood of distinct keys: drop the expired windows.
            windows.retain(|_, (start, _)| now.duration_since(*start) < Duration::from_secs(3600));
        }
        let entry = windows.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) >= limit.per {
            *entry = (now, 0);
        }
        entry.1 += 1;
    }

    /// Checks, then counts: for events limited whether or not they succeed.
    pub fn hit(&self, key: &str, limit: Limit) -> Result<(), AppError> {
        self.check(key, limit)?;
        self.record(key, limit);
        Ok(())
    }

    pub fn clear(&self, key: &str) {
        self.windows.lock().expect("the limiter's lock is never poisoned").remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_is_reached_then_says_how_long_to_wait() {
        let l = Limiter::default();
        let limit = Limit::new(2, 60);
        l.hit("k", limit).unwrap();
        l.hit("k", limit).unwrap();
        match l.hit("k", limit) {
            Err(AppError::TooManyRequests { retry_after }) => assert!((59..=60).contains(&retry_after)),
            other => panic!("{other:?}"),
        }
        l.hit("other", limit).unwrap();
        l.clear("k");
        l.hit("k", limit).unwrap();
    }

    #[test]
    fn a_window_that_has_passed_starts_over() {
        let l = Limiter::default();
        let limit = Limit { max: 1, per: Duration::from_millis(1) };
        l.hit("k", limit).unwrap();
        std::thread::sleep(Duration::from_millis(5));
        l.hit("k", limit).unwrap();
    }
}
