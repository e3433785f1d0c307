//! The developer pages' data: the outbox folder's messages (so a newcomer on the embedded
//! default can read the codes Ward mails) and the demo cameras' label codes. Both hand out
//! credentials, so they exist only with `--dev-pages`, and only for clients on this machine;
//! to anyone else they are an unknown API path (404).

use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use ward_model::{ApiError, MailboxMessage};

use crate::AppState;
use crate::error::{AppError, Json};
use crate::http::client::DevClient;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(mailbox))
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
