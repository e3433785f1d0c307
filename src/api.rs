//! The one API client: every URL the app calls, and the mapping of every non-2xx answer
//! to one typed error. Nothing else in the app builds a request.

use gloo_net::http::{Request, Response};
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use serde::de::DeserializeOwned;
use ward_model::{ApiError, ErrorCode, Health};
use web_sys::{AbortController, AbortSignal};

/// Every URL of the API the app uses.
pub mod urls {
    pub const HEALTH: &str = "/api/health";
}

/// Why a call failed. Views show it through `components::ErrorPanel`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientError {
    /// No answer at all: offline, connection refused, or the request was aborted.
    Network(String),
    /// A non-2xx answer, with the API's error body (or one made up from the status when the
    /// body was not ours, e.g. a proxy's error page).
    Api { status: u16, error: ApiError },
    /// A 2xx answer whose body was not what this version of the app expects.
    Decode(String),
}

impl ClientError {
    /// Maps a non-2xx answer to the typed error.
    pub fn from_answer(status: u16, body: &str) -> ClientError {
        let error = serde_json::from_str::<ApiError>(body).unwrap_or_else(|_| {
            ApiError::new(ErrorCode::from_status(status), format!("HTTP status {status}"))
        });
        ClientError::Api { status, error }
    }

    /// The API's error code, if the server answered.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ClientError::Api { error, .. } => Some(error.code),
            _ => None,
        }
    }
}

/// Aborts this component's requests in flight when it unmounts.
///
/// Each page calls it once and passes the signal to its requests.
pub fn use_abort_signal() -> AbortSignal {
    let controller = AbortController::new().expect("AbortController is in every supported browser");
    let signal = controller.signal();
    let controller = SendWrapper::new(controller);
    on_cleanup(move || controller.abort());
    signal
}

async fn read_json<T: DeserializeOwned>(response: Response) -> Result<T, ClientError> {
    let status = response.status();
    let body = response.text().await.map_err(|e| ClientError::Network(e.to_string()))?;
    if response.ok() {
        serde_json::from_str(&body).map_err(|e| ClientError::Decode(e.to_string()))
    } else {
        Err(ClientError::from_answer(status, &body))
    }
}

async fn get_json<T: DeserializeOwned>(url: &str, abort: &AbortSignal) -> Result<T, ClientError> {
    let response = Request::get(url)
        .header("Accept", "application/json")
        .abort_signal(Some(abort))
        .send()
        .await
        .map_err(|e| ClientError::Network(e.to_string()))?;
    read_json(response).await
}

/// `GET /api/health`
pub async fn health(abort: AbortSignal) -> Result<Health, ClientError> {
    get_json(urls::HEALTH, &abort).await
}
