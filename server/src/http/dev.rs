//! The developer pages' data: the outbox folder's messages (so a newcomer on the embedded
//! default can read the codes Ward mails) and the demo cameras' label codes. Both hand out
//! credentials, so they exist only with `--dev-pages`, and only for clients on this machine;
//! to anyone else they are an unknown API path (404).

use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use futures_util::StreamExt as _;
use sha2::{Digest as _, Sha256};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use ward_model::{ApiError, DevReceived, MailboxMessage};

use crate::AppState;
use crate::error::{AppError, Json};
use crate::export::transfer;
use crate::http::client::DevClient;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(mailbox)).routes(routes!(receive, received))
}

/// The last 50 messages written to the outbox, newest first.
#[utoipa::path(get, path = "/dev/mailbox", tag = "dev",
    responses(
        (status = 200, description = "Newest first.", body = [MailboxMessage]),
        (status = 404, description = "Not served: without `--dev-pages`, to a client on another machine, or when mail goes to an SMTP server.", body = ApiError),
    ))]
pub async fn mailbox(
    State(state): State<AppState>,
    _: DevClient,
) -> Result<Json<Vec<MailboxMessage>>, AppError> {
    let dir = state.auth.mailer.outbox().ok_or(AppError::NotFound)?;
    // Codes asked for just before are mailed after their answer (`Auth::send_code_later`).
    state.auth.outgoing.settled().await;
    Ok(Json(crate::mail::read_outbox(dir, 50).await.map_err(AppError::internal)?))
}

/// The developer receiver: a recipient of export copies on this machine (listed with
/// `--dev-pages`). Checks the body against its digest and signature as a real recipient
/// would, and remembers the outcome for `GET /dev/recipient`.
#[utoipa::path(post, path = "/dev/recipient", tag = "dev",
    responses(
        (status = 200, description = "Received; what was checked.", body = DevReceived),
        (status = 404, description = "Not served: without `--dev-pages`, or to a client on another machine.", body = ApiError),
    ))]
pub async fn receive(
    State(state): State<AppState>,
    _: DevClient,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<DevReceived>, AppError> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let mut stream = body.into_data_stream();
    let (mut hash, mut bytes) = (Sha256::new(), 0u64);
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| AppError::BadRequest(format!("the body broke off: {e}")))?;
        bytes += chunk.len() as u64;
        hash.update(&chunk);
    }
    let digest = hex::encode(hash.finalize());
    let sent_at: i64 = header("Ward-Sent-At").parse().unwrap_or_default();
    let message =
        transfer::signed_message(&header("Ward-Recipient"), &header("Ward-Transfer"), sent_at, &digest);
    let public = state.exports.signer.public();
    let got = DevReceived {
        transfer: header("Ward-Transfer"),
        bytes,
        intact: digest == header("Ward-Content-SHA256"),
        signature_valid: transfer::verify(&public.public_key, &message, &header("Ward-Signature")),
    };
    let mut received = state.exports.dev_received.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    received.push(got.clone());
    let excess = received.len().saturating_sub(20);
    received.drain(..excess);
    Ok(Json(got))
}

/// What the developer receiver got, oldest first (the last 20).
#[utoipa::path(get, path = "/dev/recipient", tag = "dev",
    responses(
        (status = 200, description = "Oldest first.", body = [DevReceived]),
        (status = 404, description = "Not served: without `--dev-pages`, or to a client on another machine.", body = ApiError),
    ))]
pub async fn received(State(state): State<AppState>, _: DevClient) -> Json<Vec<DevReceived>> {
    Json(state.exports.dev_received.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone())
}
