//! What one camera may store: at most so many alarms and calls a minute, and so many bytes
//! of pictures a (UTC) day. Counted in the region store (`Db::picture_charge`), so several
//! instances share the count and a restart does not reset it. A camera over a limit is told
//! (`ServerMessage::PicturesRefused`) and its pictures are not stored.

use std::sync::atomic::{AtomicI64, Ordering};

use ward_model::{ApiError, ErrorCode, FieldError};

use crate::store::Charge;
use ward_model::FieldErrorCode;

/// Alarms and calls a camera may send a minute (each counts once, picture and thumbnail
/// together). A camera in view of constant motion may alarm every second; more is a fault
/// or an attack.
pub const PICTURES_PER_MINUTE: u32 = 60;
/// Bytes of pictures a camera may send a day: some 6,000 alarms of a usual 40 KB, or 128 of
/// the largest message an agent may send (2 MB).
pub const PICTURE_BYTES_PER_DAY: u64 = 256 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PictureLimits {
    pub per_minute: u32,
    pub bytes_per_day: u64,
}

impl Default for PictureLimits {
    fn default() -> Self {
        PictureLimits { per_minute: PICTURES_PER_MINUTE, bytes_per_day: PICTURE_BYTES_PER_DAY }
    }
}

/// The time the limits count by: the system's, unless a test set it (days pass at once).
#[derive(Debug, Default)]
pub struct Clock {
    /// Unix seconds set by a test; 0: the system's clock.
    fixed: AtomicI64,
}

impl Clock {
    pub fn now(&self) -> i64 {
        match self.fixed.load(Ordering::Relaxed) {
            0 => crate::auth::session::now(),
            t => t,
        }
    }

    /// Stops the clock at `t` (Unix seconds), for tests.
    pub fn set(&self, t: i64) {
        self.fixed.store(t, Ordering::Relaxed);
    }
}

/// The message a refused camera gets, in the API's error shape: which limit, and when it may
/// send again.
pub fn refusal(charge: Charge, limits: PictureLimits) -> Option<(u64, ApiError)> {
    let (retry_after, code, message) = match charge {
        Charge::Allowed => return None,
        Charge::OverRate { retry_after } => (
            retry_after,
            FieldErrorCode::Rate,
            format!(
                "This camera sent more than {} alarms and calls in a minute; their pictures are not stored. \
                 Send again in {retry_after} s.",
                limits.per_minute
            ),
        ),
        Charge::OverBytes { retry_after } => (
            retry_after,
            FieldErrorCode::DailyBytes,
            format!(
                "This camera sent its {} MB of pictures for today (UTC); more are not stored. \
                 Send again in {retry_after} s, after midnight UTC.",
                limits.bytes_per_day / (1024 * 1024)
            ),
        ),
    };
    let retry_after = u64::try_from(retry_after).unwrap_or(1).max(1);
    Some((
        retry_after,
        ApiError {
            code: ErrorCode::TooManyRequests,
            message: message.clone(),
            fields: vec![FieldError { field: "picture".into(), code, message }],
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_names_its_limit_and_when_to_send_again() {
        let limits = PictureLimits::default();
        assert!(refusal(Charge::Allowed, limits).is_none());
        let (after, e) = refusal(Charge::OverRate { retry_after: 12 }, limits).unwrap();
        assert_eq!((after, e.code, e.fields[0].code.as_str()), (12, ErrorCode::TooManyRequests, "rate"));
        assert!(e.message.contains("60 alarms") && e.message.contains("12 s"), "{}", e.message);
        let (_, e) = refusal(Charge::OverBytes { retry_after: 3600 }, limits).unwrap();
        assert!(e.message.contains("256 MB"), "{}", e.message);
    }

    #[test]
    fn the_clock_can_be_stopped_for_tests() {
        let clock = Clock::default();
        assert!((clock.now() - crate::auth::session::now()).abs() <= 1);
        clock.set(86_400 * 3);
        assert_eq!(clock.now(), 86_400 * 3);
    }
}
