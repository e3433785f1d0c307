//! The one error type of the API and the JSON extractor whose rejections speak the same
//! body. Every non-2xx answer from `/api` is an [`ApiError`].

use std::error::Error as StdError;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use ward_model::{ApiError, ErrorCode, FieldError};

use crate::store::StoreError;
use ward_model::FieldErrorCode;

/// What a handler can fail with; each variant is one [`ErrorCode`] and so one status.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("no such resource")]
    NotFound,
    /// Not signed in, or the credentials are wrong; `fields` may ask for a second factor.
    #[error("{message}")]
    Unauthorized { message: String, fields: Vec<FieldError> },
    #[error("{0}")]
    Forbidden(String),
    /// A 403 whose reason the app puts beside a field, in the reader's language (an account
    /// held until a guardian consents).
    #[error("{message}")]
    Held { message: String, fields: Vec<FieldError> },
    /// A rate limit: the answer carries `Retry-After`.
    #[error("too many requests; retry after {retry_after} s")]
    TooManyRequests { retry_after: u64 },
    /// Too many wrong passwords for one email: a 429 whose field `unlock_code` tells the
    /// app that a code mailed to the owner lets them sign in now (`auth::limits`).
    #[error("sign-in delayed; retry after {retry_after} s")]
    SignInDelayed { retry_after: u64 },
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("the request has invalid fields")]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Unavailable(String),
    /// A fault on our side. The cause goes to the log, never to the client.
    #[error("internal error: {0}")]
    Internal(#[source] Box<dyn StdError + Send + Sync>),
}

/// The one way a request's field errors are collected, so the person sees every problem
/// at once and nothing is stored while one remains.
#[derive(Debug, Default)]
pub struct Fields(pub Vec<FieldError>);

impl Fields {
    pub fn push(&mut self, field: &str, code: FieldErrorCode, message: impl Into<String>) {
        self.0.push(FieldError { field: field.into(), code, message: message.into() });
    }

    /// The parsed value, or `None` with its error collected.
    pub fn take<T>(&mut self, parsed: Result<T, FieldError>) -> Option<T> {
        match parsed {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok` when nothing was collected, else the 422 naming every field.
    pub fn check(self) -> Result<(), AppError> {
        if self.0.is_empty() { Ok(()) } else { Err(AppError::Validation(self.0)) }
    }
}

impl AppError {
    /// One field's problem as a 422.
    pub fn field(field: &str, code: FieldErrorCode, message: impl Into<String>) -> Self {
        AppError::Validation(vec![FieldError { field: field.into(), code, message: message.into() }])
    }

    pub fn internal(err: impl Into<Box<dyn StdError + Send + Sync>>) -> Self {
        AppError::Internal(err.into())
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::NotFound => ErrorCode::NotFound,
            AppError::Unauthorized { .. } => ErrorCode::Unauthorized,
            AppError::Forbidden(_) | AppError::Held { .. } => ErrorCode::Forbidden,
            AppError::TooManyRequests { .. } | AppError::SignInDelayed { .. } => ErrorCode::TooManyRequests,
            AppError::MethodNotAllowed => ErrorCode::MethodNotAllowed,
            AppError::BadRequest(_) => ErrorCode::BadRequest,
            AppError::UnsupportedMediaType(_) => ErrorCode::UnsupportedMediaType,
            AppError::PayloadTooLarge(_) => ErrorCode::PayloadTooLarge,
            AppError::Validation(_) => ErrorCode::Validation,
            AppError::Conflict(_) => ErrorCode::Conflict,
            AppError::Unavailable(_) => ErrorCode::Unavailable,
            AppError::Internal(_) => ErrorCode::Internal,
        }
    }

    fn body(self) -> ApiError {
        let code = self.code();
        match self {
            AppError::NotFound => ApiError::new(code, "There is nothing at this address."),
            AppError::MethodNotAllowed => ApiError::new(code, "This address does not accept this method."),
            AppError::Unauthorized { message, fields } | AppError::Held { message, fields } => {
                ApiError { code, message, fields }
            }
            AppError::TooManyRequests { retry_after } => {
                ApiError::new(code, format!("Too many attempts. Try again in {retry_after} seconds."))
            }
            AppError::SignInDelayed { retry_after } => ApiError {
                code,
                message: format!(
                    "Too many wrong passwords for this email. Try again in {retry_after} seconds, or sign in \
                     now with a code we email you."
                ),
                fields: vec![FieldError {
                    field: "unlock_code".into(),
                    code: FieldErrorCode::Available,
                    message: "Ask for a code by email: with it and your password you can sign in now.".into(),
                }],
            },
            AppError::Validation(fields) => {
                ApiError { code, message: "Some fields of the request are not valid.".into(), fields }
            }
            AppError::Internal(_) => {
                ApiError::new(code, "Something went wrong on our side. Please try again later.")
            }
            AppError::BadRequest(msg)
            | AppError::Forbidden(msg)
            | AppError::UnsupportedMediaType(msg)
            | AppError::PayloadTooLarge(msg)
            | AppError::Conflict(msg)
            | AppError::Unavailable(msg) => ApiError::new(code, msg),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(cause) = &self {
            tracing::error!(error = %ErrorChain(cause.as_ref()), "internal error");
        }
        let code = self.code();
        let status = StatusCode::from_u16(code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let retry_after = match &self {
            AppError::TooManyRequests { retry_after } | AppError::SignInDelayed { retry_after } => {
                Some(*retry_after)
            }
            _ => None,
        };
        let mut res = (status, axum::Json(self.body())).into_response();
        if let Some(secs) = retry_after {
            res.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from(secs));
        }
        res
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Conflict(_) => {
                AppError::Conflict("This conflicts with something that already exists.".into())
            }
            StoreError::Unavailable(_) => {
                tracing::warn!(error = %ErrorChain(&err), "the store does not answer");
                AppError::Unavailable("The store does not answer. Please try again later.".into())
            }
            other => AppError::internal(other),
        }
    }
}

impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        StoreError::from(err).into()
    }
}

/// Displays an error with its sources, so one log line carries the whole cause.
struct ErrorChain<'a>(&'a (dyn StdError + 'static));

impl std::fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(err) = source {
            write!(f, ": {err}")?;
            source = err.source();
        }
        Ok(())
    }
}

/// JSON in and out of handlers. Unlike `axum::Json`, a rejected body answers with an
/// [`ApiError`] and, when serde knows which field failed, a [`FieldError`] naming it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers().get(header::CONTENT_TYPE)) {
            return Err(AppError::UnsupportedMediaType(
                "Send the body as JSON with `Content-Type: application/json`.".into(),
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(body_rejection)?;
        parse_json(&bytes).map(Json)
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// `application/json` or any `application/*+json`, parameters (charset) ignored.
fn is_json(content_type: Option<&header::HeaderValue>) -> bool {
    let Some(value) = content_type.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json"
        || essence.strip_prefix("application/").is_some_and(|sub| sub.ends_with("+json"))
}

fn body_rejection(rejection: BytesRejection) -> AppError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::PayloadTooLarge("The request body is too large.".into())
    } else {
        AppError::BadRequest(format!("The request body could not be read: {}", rejection.body_text()))
    }
}

/// Syntax errors are the client's malformed JSON (400); well-formed JSON of the wrong
/// shape is a validation failure (422) naming the field when serde knows it.
pub(crate) fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de)
        .map_err(|err| json_rejection(&err.path().to_string(), err.into_inner()))?;
    // Trailing garbage after the value is malformed JSON too.
    de.end().map_err(|err| json_rejection(".", err))?;
    Ok(value)
}

/// `path` is serde_path_to_error's rendering: `.` for the root, else `a.b[0].c`.
fn json_rejection(path: &str, inner: serde_json::Error) -> AppError {
    if !inner.is_data() {
        return AppError::BadRequest(format!("The request body is not valid JSON: {inner}."));
    }
    // serde_json appends " at line L column C"; people and field messages do not need it.
    let full = inner.to_string();
    let message = match full.rfind(" at line ") {
        Some(i) => full[..i].to_string(),
        None => full,
    };
    // A missing field is reported at its parent's path, an unknown one at its own;
    // either way the FieldError names the field itself.
    let (named, code) = if let Some(name) = backticked_after(&message, "missing field `") {
        (Some(name), FieldErrorCode::Required)
    } else if let Some(name) = backticked_after(&message, "unknown field `") {
        (Some(name), FieldErrorCode::Unknown)
    } else {
        (None, FieldErrorCode::Malformed)
    };
    // `?` is a segment serde could not name (e.g. an array where an object belongs).
    let path = if path == "?" { "." } else { path };
    let field = match (path, named) {
        (".", Some(name)) => name.to_string(),
        (".", None) => String::new(),
        (at, Some(name)) if at == name || at.ends_with(&format!(".{name}")) => at.to_string(),
        (parent, Some(name)) => format!("{parent}.{name}"),
        (at, None) => at.to_string(),
    };
    if field.is_empty() {
        return AppError::BadRequest(format!("The request body has the wrong shape: {message}."));
    }
    AppError::Validation(vec![FieldError { field, code, message }])
}

fn backticked_after<'a>(message: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = message.strip_prefix(prefix)?;
    rest.split('`').next()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::http::Request as HttpRequest;
    use axum::routing::post;
    use serde::Deserialize;
    use tower::ServiceExt;

    #[derive(Debug, Deserialize, Serialize)]
    #[serde(deny_unknown_fields)]
    struct Device {
        name: String,
        location: Location,
    }

    #[derive(Debug, Deserialize, Serialize)]
    #[serde(deny_unknown_fields)]
    struct Location {
        floor: u8,
    }

    async fn echo(Json(device): Json<Device>) -> Json<Device> {
        Json(device)
    }

    async fn send(content_type: Option<&str>, body: &str) -> (StatusCode, serde_json::Value) {
        let app = Router::new().route("/devices", post(echo));
        let mut req = HttpRequest::post("/devices");
        if let Some(ct) = content_type {
            req = req.header(header::CONTENT_TYPE, ct);
        }
        let res = app.oneshot(req.body(Body::from(body.to_owned())).unwrap()).await.unwrap();
        let status = res.status();
        let bytes = axum::body::to_bytes(res.into_body(), 1 << 20).await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    const JSON: Option<&str> = Some("application/json");

    #[tokio::test]
    async fn a_well_formed_body_reaches_the_handler() {
        let (status, body) = send(JSON, r#"{"name":"Door","location":{"floor":2}}"#).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, serde_json::json!({"name": "Door", "location": {"floor": 2}}));
    }

    #[tokio::test]
    async fn malformed_json_answers_400_with_the_error_body() {
        let (status, body) = send(JSON, r#"{"name": "Door","#).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["code"], "bad_request");
        assert!(body["message"].as_str().unwrap().contains("not valid JSON"), "{body}");
    }

    #[tokio::test]
    async fn trailing_garbage_after_the_json_answers_400() {
        let (status, body) = send(JSON, r#"{"name":"Door","location":{"floor":2}} x"#).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["code"], "bad_request");
    }

    #[tokio::test]
    async fn a_body_without_the_json_content_type_answers_415() {
        let (status, body) = send(Some("text/plain"), r#"{"name":"Door"}"#).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(body["code"], "unsupported_media_type");
        let (status, _) = send(None, r#"{"name":"Door"}"#).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }

    #[tokio::test]
    async fn a_json_content_type_with_a_charset_or_suffix_is_accepted() {
        let ok = r#"{"name":"Door","location":{"floor":2}}"#;
        assert_eq!(send(Some("application/json; charset=utf-8"), ok).await.0, StatusCode::OK);
        assert_eq!(send(Some("application/merge-patch+json"), ok).await.0, StatusCode::OK);
    }

    #[tokio::test]
    async fn a_field_of_the_wrong_type_answers_422_naming_its_path() {
        let (status, body) = send(JSON, r#"{"name":"Door","location":{"floor":"two"}}"#).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["code"], "validation");
        assert_eq!(body["fields"][0]["field"], "location.floor");
        assert_eq!(body["fields"][0]["code"], "malformed");
        assert!(!body["fields"][0]["message"].as_str().unwrap().contains("line"), "{body}");
    }

    #[tokio::test]
    async fn a_missing_field_answers_422_naming_the_field() {
        let (status, body) = send(JSON, r#"{"location":{"floor":1}}"#).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["fields"][0]["field"], "name");
        assert_eq!(body["fields"][0]["code"], "required");
        let (_, body) = send(JSON, r#"{"name":"Door","location":{}}"#).await;
        assert_eq!(body["fields"][0]["field"], "location.floor");
    }

    #[tokio::test]
    async fn an_unknown_field_answers_422_naming_it() {
        let (status, body) = send(JSON, r#"{"name":"Door","location":{"floor":1},"owner":"x"}"#).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["fields"][0]["field"], "owner");
        assert_eq!(body["fields"][0]["code"], "unknown");
        let (_, body) = send(JSON, r#"{"name":"Door","location":{"floor":1,"room":2}}"#).await;
        assert_eq!(body["fields"][0]["field"], "location.room");
    }

    #[tokio::test]
    async fn a_body_of_the_wrong_shape_at_the_root_answers_400() {
        let (status, body) = send(JSON, r#""a door""#).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["code"], "bad_request");
    }

    #[tokio::test]
    async fn an_internal_error_never_shows_its_cause() {
        let res = AppError::internal("password=hunter2 leaked in a driver message").into_response();
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let bytes = axum::body::to_bytes(res.into_body(), 1 << 20).await.unwrap();
        let body: ApiError = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(body.code, ErrorCode::Internal);
        assert!(!body.message.contains("hunter2"));
    }

    #[test]
    fn every_variant_answers_with_the_status_of_its_code() {
        let errors = [
            AppError::NotFound,
            AppError::Unauthorized { message: "u".into(), fields: vec![] },
            AppError::Forbidden("f".into()),
            AppError::TooManyRequests { retry_after: 3 },
            AppError::MethodNotAllowed,
            AppError::BadRequest("b".into()),
            AppError::UnsupportedMediaType("u".into()),
            AppError::PayloadTooLarge("p".into()),
            AppError::Validation(vec![]),
            AppError::Conflict("c".into()),
            AppError::Unavailable("u".into()),
            AppError::internal("i"),
        ];
        for err in errors {
            let code = err.code();
            assert_eq!(err.into_response().status().as_u16(), code.status(), "{code:?}");
        }
    }
}
