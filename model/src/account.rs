//! Accounts, sign-up, sessions and the security page: the requests and answers of
//! `/api/account/...`, `/api/session` and `/api/signup`.
//!
//! Requests carry plain `String`s so that a malformed value (an email without `@`) reaches
//! the server's validation and comes back as a field error naming it; the server parses them
//! into its own newtypes. Field names here are the `field` of those errors.

use serde::{Deserialize, Serialize};

/// A home region: the store that holds a person's data. Chosen at sign-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Region {
    Us,
    Eu,
    Sg,
    Br,
    In,
    Ru,
    Cn,
}

impl Region {
    pub const ALL: [Region; 7] =
        [Region::Us, Region::Eu, Region::Sg, Region::Br, Region::In, Region::Ru, Region::Cn];

    /// The lowercase code used on the wire, in file names and in database names.
    pub const fn code(self) -> &'static str {
        match self {
            Region::Us => "us",
            Region::Eu => "eu",
            Region::Sg => "sg",
            Region::Br => "br",
            Region::In => "in",
            Region::Ru => "ru",
            Region::Cn => "cn",
        }
    }

    pub fn from_code(code: &str) -> Option<Region> {
        Region::ALL.into_iter().find(|r| r.code() == code)
    }
}

/// `GET /api/signup`: what the sign-up form needs to know before the person types.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignUpRules {
    /// The privacy policy version the person accepts by signing up.
    pub policy_version: String,
    pub password_min: u32,
    pub password_max: u32,
    pub name_max: u32,
    pub regions: Vec<RegionRule>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegionRule {
    pub region: Region,
    /// The minimum age to open an account whose home is this region.
    pub min_age: u32,
    /// Whether someone younger may open one with the consent of a parent or guardian
    /// (`server/privacy/guardians.json`): the sign-up then asks for that person's email.
    #[serde(default)]
    pub child_accounts: bool,
}

/// `POST /api/signup`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignUp {
    pub name: String,
    pub email: String,
    /// In international form (`+44 20 7946 0958`) or as dialled in the home region.
    pub phone: String,
    pub password: String,
    /// A region code, e.g. `eu`.
    pub region: String,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    /// The policy version the person saw and accepted; must be the current one.
    pub accepted_policy: String,
    /// Below the region's minimum age, where the region allows child accounts: the email of
    /// the parent or guardian asked to consent. Ignored for anyone old enough.
    #[serde(default)]
    pub guardian_email: String,
}

/// Answer of `POST /api/signup` (201): a code was mailed to `email`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignedUp {
    pub email: String,
    /// Minutes the emailed code stays valid.
    pub code_valid_minutes: u32,
}

/// `POST /api/signup/verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VerifyEmail {
    pub email: String,
    /// Six digits.
    pub code: String,
    /// The password chosen at sign-up: a later sign-up by someone else with this email
    /// replaces the pending account and mails a new code to the owner, so the code alone
    /// must not be enough to verify an account that carries another person's password.
    pub password: String,
}

/// `POST /api/signup/resend` and `POST /api/password-reset`: answered 202 whether or not
/// the address has an account, so neither reveals who has one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EmailOnly {
    pub email: String,
}

/// `POST /api/session`: sign in. When the account has two-factor authentication and `otp`
/// is absent, the answer is 401 with a field error on `otp` (code `required`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    pub email: String,
    pub password: String,
    /// A 6-digit authenticator code or a recovery code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub otp: Option<String>,
    /// The code mailed by `POST /api/session/unlock`: with it, the password is checked even
    /// while wrong passwords (anyone's) delay this email's sign-ins (a 429 with a field
    /// error on `unlock_code`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unlock_code: Option<String>,
}

/// `GET /api/session` and the answer of signing in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionInfo {
    pub account: Account,
    /// Send it back as the `X-CSRF-Token` header on every request that changes something.
    pub csrf_token: String,
}

/// What the signed-in person may do beyond their own account (`GET /api/session/roles`).
/// Apart from `SessionInfo`, which every page reads: decoding one more field there costs
/// every visitor's first page about 240 bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionRoles {
    /// One of Ward's privacy staff: the app offers the requests console.
    pub privacy_staff: bool,
}

/// The signed-in person as they see themselves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Account {
    pub id: String,
    pub name: String,
    pub email: String,
    /// E.164, e.g. `+442079460958`.
    pub phone: String,
    pub region: Region,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    pub email_verified: bool,
    /// An address that will replace `email` once verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_email: Option<String>,
    pub totp_enabled: bool,
    /// RFC 3339.
    pub created_at: String,
}

/// `PATCH /api/account`. Absent fields are left as they are. Changing `email` or `phone`
/// needs `current_password`; a new email takes effect once its emailed code is confirmed
/// (`POST /api/account/email/verify`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProfileUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_password: Option<String>,
}

/// `POST /api/account/email/verify`: confirms a pending email change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CodeOnly {
    pub code: String,
}

/// `POST /api/account/totp/enable`: the code from the authenticator app, and the current
/// password (turning two-step verification on with a stolen session would lock the owner out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TotpEnable {
    pub code: String,
    pub password: String,
}

/// `POST /api/account/password`: other sessions end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// `POST /api/password-reset/confirm`: ends every session; asks for `otp` like sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
    pub email: String,
    pub code: String,
    pub new_password: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub otp: Option<String>,
}

/// Re-authentication for sensitive actions: `POST /api/account/deletion`,
/// `POST /api/account/totp/disable`, `POST /api/account/passkeys/options`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordOnly {
    pub password: String,
}

/// Answer of `POST /api/account/deletion`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeletionReceipt {
    /// Quote it to privacy staff; also sent by mail.
    pub receipt: String,
    /// RFC 3339.
    pub deleted_at: String,
}

/// Answer of `POST /api/account/totp/setup`: scan it, then confirm a code to turn it on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TotpSetup {
    /// Base32, for typing into an authenticator by hand.
    pub secret: String,
    /// `otpauth://totp/...`, for a QR code.
    pub otpauth_url: String,
}

/// Answer of `POST /api/account/totp/enable` (body: [`CodeOnly`]): shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecoveryCodes {
    pub codes: Vec<String>,
}

/// One signed-in browser, `GET /api/account/sessions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionSummary {
    pub id: String,
    /// e.g. "Chrome on Linux".
    pub browser: String,
    pub address: String,
    /// RFC 3339.
    pub created_at: String,
    pub last_seen: String,
    /// The session this request came from.
    pub current: bool,
}

/// One line of the account-activity log, `GET /api/account/activity`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivityEntry {
    /// Stable: `signed_up`, `email_verified`, `signed_in`, `sign_in_failed`, `signed_out`,
    /// `password_changed`, `password_reset`, `profile_changed`, `email_changed`,
    /// `totp_enabled`, `totp_disabled`, `session_revoked`.
    pub kind: String,
    pub address: String,
    pub browser: String,
    /// RFC 3339.
    pub at: String,
}

/// One message of the developer mailbox (`GET /api/dev/mailbox`), which exists only when
/// mail goes to the outbox folder instead of an SMTP server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MailboxMessage {
    pub id: String,
    pub to: String,
    pub subject: String,
    /// RFC 3339.
    pub date: String,
    /// The plain-text body.
    pub text: String,
}

/// The first step of a passkey ceremony (`POST /api/account/passkeys/options` to add one,
/// `POST /api/session/passkey/options` to sign in with one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasskeyChallenge {
    /// Names this ceremony; send it back with the browser's answer. Valid 5 minutes.
    pub ceremony: String,
    /// JSON text `{"publicKey": {...}}` in the WebAuthn JSON form: pass `publicKey` to
    /// `PublicKeyCredential.parseCreationOptionsFromJSON` (or `...RequestOptions...`).
    pub options: String,
}

/// The second step: the browser's credential, as JSON text of `credential.toJSON()`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasskeyAnswer {
    pub ceremony: String,
    pub credential: String,
}

/// One passkey of the account, `GET /api/account/passkeys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasskeySummary {
    pub id: String,
    /// Where it was made, e.g. "Chrome on Linux".
    pub name: String,
    /// RFC 3339.
    pub created_at: String,
    pub last_used: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_round_trip_through_their_codes() {
        for r in Region::ALL {
            assert_eq!(Region::from_code(r.code()), Some(r));
            assert_eq!(serde_json::to_value(r).unwrap(), serde_json::json!(r.code()));
        }
        assert_eq!(Region::from_code("mars"), None);
    }

    #[test]
    fn sign_in_without_otp_omits_it() {
        let s = SignIn { email: "a@b.c".into(), password: "p".into(), otp: None, unlock_code: None };
        assert_eq!(serde_json::to_value(&s).unwrap(), serde_json::json!({"email": "a@b.c", "password": "p"}));
    }
}
