//! The developer mailbox: the outbox folder's messages, so a newcomer on the embedded
//! default can read the codes Ward mails. Answers 404 when mail goes to an SMTP server.

use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use ward_model::{ApiError, MailboxMessage};

use crate::AppState;
use crate::error::{AppError, Json};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(mailbox))
}

/// The last 50 messages written to the outbox, newest first.
#[utoipa::path(get, path = "/dev/mailbox", tag = "dev",
    responses(
        (status = 200, description = "Newest first.", body = [MailboxMessage]),
        (status = 404, description = "Mail goes to an SMTP server; there is no outbox.", body = ApiError),
    ))]
pub async fn mailbox(State(state): State<AppState>) -> Result<Json<Vec<MailboxMessage>>, AppError> {
    let dir = state.auth.mailer.outbox().ok_or(AppError::NotFound)?;
    Ok(Json(crate::mail::read_outbox(dir, 50).await.map_err(AppError::internal)?))
}
