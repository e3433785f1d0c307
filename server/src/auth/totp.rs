//! TOTP (RFC 6238: SHA-1, 6 digits, 30 s) through totp-rs, and recovery codes.

use totp_rs::{Algorithm, Secret, TOTP};

const STEP: u64 = 30;
const ISSUER: &str = "Ward";

fn totp(secret_b32: &str, account: &str) -> Option<TOTP> {
    let bytes = Secret::Encoded(secret_b32.to_string()).to_bytes().ok()?;
    TOTP::new(Algorithm::SHA1, 6, 1, STEP, bytes, Some(ISSUER.into()), account.into()).ok()
}

/// A new random secret (160 bits, base32) and its `otpauth://` URL for `account`.
pub fn new_secret(account: &str) -> (String, String) {
    let secret = Secret::Raw(crate::vault::random::<20>().to_vec()).to_encoded().to_string();
    let url = totp(&secret, account).map(|t| t.get_url()).unwrap_or_default();
    (secret, url)
}

/// The time step whose code is `code`, allowing one step of clock skew either way.
pub fn matching_step(secret_b32: &str, code: &str, now: i64) -> Option<i64> {
    let t = totp(secret_b32, "")?;
    let now = u64::try_from(now).ok()?;
    [now.saturating_sub(STEP), now, now + STEP]
        .into_iter()
        .find(|time| t.generate(*time) == code)
        .map(|time| (time / STEP) as i64)
}

/// The code for `now`, for tests and tools.
pub fn code_at(secret_b32: &str, now: i64) -> String {
    totp(secret_b32, "").map(|t| t.generate(now as u64)).unwrap_or_default()
}

/// Ten recovery codes like `k7f2-9xqm`: 40 random bits each, in an alphabet without
/// look-alikes.
pub fn new_recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    (0..10)
        .map(|_| {
            let raw = crate::vault::random::<8>();
            let s: String = raw.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect();
            format!("{}-{}", &s[..4], &s[4..])
        })
        .collect()
}

/// Case, spaces and dashes do not matter when typing a recovery code.
pub fn normalise_recovery(code: &str) -> String {
    let s: String =
        code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect();
    if s.len() == 8 { format!("{}-{}", &s[..4], &s[4..]) } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_matches_its_step_and_its_neighbours_only() {
        let (secret, url) = new_secret("ada@example.com");
        assert!(url.starts_with("otpauth://totp/Ward:ada%40example.com?secret="), "{url}");
        let now = 1_800_000_000;
        let code = code_at(&secret, now);
        assert_eq!(matching_step(&secret, &code, now), Some(now / 30));
        assert_eq!(matching_step(&secret, &code, now + 30), Some(now / 30), "one step late is fine");
        assert_eq!(matching_step(&secret, &code, now + 120), None);
    }

    #[test]
    fn the_rfc_6238_vector_holds() {
        // RFC 6238 appendix B, SHA-1 key "12345678901234567890", T = 59 -> 94287082 (8 digits);
        // the 6-digit code is its last six digits.
        let secret = Secret::Raw(b"12345678901234567890".to_vec()).to_encoded().to_string();
        assert_eq!(code_at(&secret, 59), "287082");
    }

    #[test]
    fn recovery_codes_are_distinct_and_forgiving_to_type() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), 10);
        assert_eq!(codes.iter().collect::<std::collections::HashSet<_>>().len(), 10);
        assert_eq!(normalise_recovery(" K7F2 9XQM "), "k7f2-9xqm");
        assert_eq!(normalise_recovery(&codes[0].to_uppercase()), codes[0]);
    }
}
