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
    /// Stable reason, e.g. `required`, `too_long`, `malformed`.
    pub code: String,
    /// A sentence for people, in English.
    pub message: String,
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
