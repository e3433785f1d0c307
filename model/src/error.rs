use serde::{Deserialize, Serialize};

/// The one JSON body of every non-2xx answer from the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    /// Stable, machine-readable reason; clients branch on this, never on `message`.
    pub code: ErrorCode,
    /// A sentence for people, in English.
    pub message: String,
    /// Per-field problems of a rejected request; empty otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

/// One rejected field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// The field's name as sent, e.g. `email`.
    pub field: String,
    /// Stable reason; the app has a sentence for each in every language.
    pub code: FieldErrorCode,
    /// A sentence for people, in English.
    pub message: String,
}

/// Why one field was rejected. The server can emit nothing else (the compiler holds it to
/// this list) and the app translates each (`forms::field_message` matches exhaustively).
/// Serialised as its `as_str` name; a name this build does not know reads as `Other`, so an
/// older app keeps working against a newer server (it shows the server's English sentence).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(rename_all = "snake_case"))]
pub enum FieldErrorCode {
    /// The field is empty.
    Required,
    /// The value is not in the expected format.
    Malformed,
    /// The value is not one that is accepted here (e.g. a label code or serial number that does not exist).
    Invalid,
    /// The value is too short.
    TooShort,
    /// The value is too long.
    TooLong,
    /// The value's length is outside the allowed range.
    Length,
    /// The password is one of the most common passwords.
    Common,
    /// The password is the person's own email or name.
    Guessable,
    /// The person is younger than the minimum age of their home region.
    UnderAge,
    /// The date lies in the future.
    Future,
    /// The time lies in the past.
    Past,
    /// The code or password does not match.
    Wrong,
    /// The code or ceremony has expired.
    Expired,
    /// The code has been tried too often; ask for a new one.
    Exhausted,
    /// Either the code or the password is wrong (not saying which).
    CodeOrPassword,
    /// Another record already has this value.
    Taken,
    /// The request refers to a version that is no longer current.
    Stale,
    /// The value names something that does not exist (a region, a purpose, a field).
    Unknown,
    /// No account of the region matches.
    UnknownAccount,
    /// The person named themselves.
    OwnEmail,
    /// The other person lives in another home region.
    OtherRegion,
    /// A Global Privacy Control signal keeps this purpose off.
    Gpc,
    /// The authenticator or camera refused.
    Refused,
    /// Something the request needs was not sent.
    Missing,
    /// A limit on the number of these has been reached.
    TooMany,
    /// A camera sent more alarms and calls in a minute than it may.
    Rate,
    /// A camera sent more picture bytes in a UTC day than it may.
    DailyBytes,
    /// Not an error: an emailed unlock code can be asked for.
    Available,
    /// There is nothing waiting for this code.
    NothingPending,
    /// The ceremony was not started.
    NotStarted,
    /// This step is not needed for this account.
    NotNeeded,
    /// This purpose cannot be switched off (or on) by the person.
    NotChoosable,
    /// The account has no passkey.
    NoPasskey,
    /// A file of a type not accepted here (the type is read from its first bytes).
    FileType,
    /// A file larger than accepted here.
    FileSize,
    /// A child's account keeps this off: the guardian's consent does not cover it.
    ChildLocked,
    /// The account waits for the consent of the parent or guardian the child named.
    ChildWaiting,
    /// The account is suspended as a child's until a guardian consents (or it is deleted).
    ChildSuspended,
    /// Below the region's minimum age: a parent's or guardian's address is needed to ask them.
    GuardianNeeded,
    /// A code this build does not know (never sent by the server).
    Other,
}

impl FieldErrorCode {
    pub const ALL: [FieldErrorCode; 39] = [
        FieldErrorCode::Required,
        FieldErrorCode::Malformed,
        FieldErrorCode::Invalid,
        FieldErrorCode::TooShort,
        FieldErrorCode::TooLong,
        FieldErrorCode::Length,
        FieldErrorCode::Common,
        FieldErrorCode::Guessable,
        FieldErrorCode::UnderAge,
        FieldErrorCode::Future,
        FieldErrorCode::Past,
        FieldErrorCode::Wrong,
        FieldErrorCode::Expired,
        FieldErrorCode::Exhausted,
        FieldErrorCode::CodeOrPassword,
        FieldErrorCode::Taken,
        FieldErrorCode::Stale,
        FieldErrorCode::Unknown,
        FieldErrorCode::UnknownAccount,
        FieldErrorCode::OwnEmail,
        FieldErrorCode::OtherRegion,
        FieldErrorCode::Gpc,
        FieldErrorCode::Refused,
        FieldErrorCode::Missing,
        FieldErrorCode::TooMany,
        FieldErrorCode::Rate,
        FieldErrorCode::DailyBytes,
        FieldErrorCode::Available,
        FieldErrorCode::NothingPending,
        FieldErrorCode::NotStarted,
        FieldErrorCode::NotNeeded,
        FieldErrorCode::NotChoosable,
        FieldErrorCode::NoPasskey,
        FieldErrorCode::FileType,
        FieldErrorCode::FileSize,
        FieldErrorCode::ChildLocked,
        FieldErrorCode::ChildWaiting,
        FieldErrorCode::ChildSuspended,
        FieldErrorCode::GuardianNeeded,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            FieldErrorCode::Required => "required",
            FieldErrorCode::Malformed => "malformed",
            FieldErrorCode::Invalid => "invalid",
            FieldErrorCode::TooShort => "too_short",
            FieldErrorCode::TooLong => "too_long",
            FieldErrorCode::Length => "length",
            FieldErrorCode::Common => "common",
            FieldErrorCode::Guessable => "guessable",
            FieldErrorCode::UnderAge => "under_age",
            FieldErrorCode::Future => "future",
            FieldErrorCode::Past => "past",
            FieldErrorCode::Wrong => "wrong",
            FieldErrorCode::Expired => "expired",
            FieldErrorCode::Exhausted => "exhausted",
            FieldErrorCode::CodeOrPassword => "code_or_password",
            FieldErrorCode::Taken => "taken",
            FieldErrorCode::Stale => "stale",
            FieldErrorCode::Unknown => "unknown",
            FieldErrorCode::UnknownAccount => "unknown_account",
            FieldErrorCode::OwnEmail => "own_email",
            FieldErrorCode::OtherRegion => "other_region",
            FieldErrorCode::Gpc => "gpc",
            FieldErrorCode::Refused => "refused",
            FieldErrorCode::Missing => "missing",
            FieldErrorCode::TooMany => "too_many",
            FieldErrorCode::Rate => "rate",
            FieldErrorCode::DailyBytes => "daily_bytes",
            FieldErrorCode::Available => "available",
            FieldErrorCode::NothingPending => "nothing_pending",
            FieldErrorCode::NotStarted => "not_started",
            FieldErrorCode::NotNeeded => "not_needed",
            FieldErrorCode::NotChoosable => "not_choosable",
            FieldErrorCode::NoPasskey => "no_passkey",
            FieldErrorCode::FileType => "file_type",
            FieldErrorCode::FileSize => "file_size",
            FieldErrorCode::ChildLocked => "child_locked",
            FieldErrorCode::ChildWaiting => "child_waiting",
            FieldErrorCode::ChildSuspended => "child_suspended",
            FieldErrorCode::GuardianNeeded => "guardian_needed",
            FieldErrorCode::Other => "other",
        }
    }

    pub fn parse(name: &str) -> FieldErrorCode {
        FieldErrorCode::ALL.into_iter().find(|c| c.as_str() == name).unwrap_or(FieldErrorCode::Other)
    }
}

// Written by hand rather than derived: the derived visitor is a string match per variant in
// the app's main module, and the first page has a byte budget; this is one loop over `as_str`.
impl Serialize for FieldErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for FieldErrorCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(FieldErrorCode::parse(&String::deserialize(d)?))
    }
}

impl std::fmt::Display for FieldErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Lets tests compare a code with its wire name.
impl PartialEq<&str> for FieldErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// Why a request failed. Each code maps to exactly one HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    Conflict,
    PayloadTooLarge,
    UnsupportedMediaType,
    Validation,
    TooManyRequests,
    Unavailable,
    Internal,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 12] = [
        ErrorCode::BadRequest,
        ErrorCode::Unauthorized,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::Conflict,
        ErrorCode::PayloadTooLarge,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::Validation,
        ErrorCode::TooManyRequests,
        ErrorCode::Unavailable,
        ErrorCode::Internal,
    ];

    /// The HTTP status that carries this code.
    pub const fn status(self) -> u16 {
        match self {
            ErrorCode::BadRequest => 400,
            ErrorCode::Unauthorized => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::Conflict => 409,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::Validation => 422,
            ErrorCode::TooManyRequests => 429,
            ErrorCode::Unavailable => 503,
            ErrorCode::Internal => 500,
        }
    }

    /// The code a client should assume for a status it got without a readable body
    /// (a proxy's error page, a truncated answer).
    pub fn from_status(status: u16) -> ErrorCode {
        match ErrorCode::ALL.into_iter().find(|c| c.status() == status) {
            Some(code) => code,
            None if (400..500).contains(&status) => ErrorCode::BadRequest,
            None => ErrorCode::Internal,
        }
    }
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError { code, message: message.into(), fields: Vec::new() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_error_code_survives_the_wire_and_unknown_names_read_as_other() {
        for code in FieldErrorCode::ALL {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(serde_json::from_str::<FieldErrorCode>(&json).unwrap(), code, "{json}");
        }
        assert_eq!(
            serde_json::from_str::<FieldErrorCode>("\"from_the_future\"").unwrap(),
            FieldErrorCode::Other
        );
        let names: std::collections::BTreeSet<_> = FieldErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names.len(), FieldErrorCode::ALL.len(), "two codes share a name");
    }

    #[test]
    fn every_code_survives_its_own_status() {
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::from_status(code.status()), code);
        }
    }

    #[test]
    fn statuses_without_a_code_fall_back_by_class() {
        assert_eq!(ErrorCode::from_status(418), ErrorCode::BadRequest);
        assert_eq!(ErrorCode::from_status(502), ErrorCode::Internal);
    }

    #[test]
    fn an_error_without_fields_serialises_without_the_fields_key() {
        let body = serde_json::to_value(ApiError::new(ErrorCode::NotFound, "gone")).unwrap();
        assert_eq!(body, serde_json::json!({"code": "not_found", "message": "gone"}));
    }

    #[test]
    fn an_error_body_without_fields_parses() {
        let err: ApiError = serde_json::from_str(r#"{"code":"validation","message":"bad"}"#).unwrap();
        assert!(err.fields.is_empty());
        assert_eq!(err.code, ErrorCode::Validation);
    }
}
