//! Sharing cameras: the owner's side under `/api/devices/{id}/shares`, the invitee's under
//! `/api/shares`. Who may do what is decided by `devices::policy`; the rules of a share
//! are in `devices::shares`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use ward_model::{ApiError, DeviceShare, ReceivedShare, ShareDevice, ShareEdit, ShareStatus};

use crate::AppState;
use crate::auth::session::{CurrentSession, now};
use crate::devices::access::device_for;
use crate::devices::policy::Permission;
use crate::devices::shares;
use crate::error::{AppError, Json};
use crate::store::ShareRow;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_device_shares, share_device))
        .routes(routes!(revoke_share, edit_share))
        .routes(routes!(list_received))
        .routes(routes!(accept_share))
        .routes(routes!(decline_share))
        .routes(routes!(leave_share))
}

/// Who a camera is shared with, what they may do, and their latest uses. Owner only.
#[utoipa::path(get, path = "/devices/{id}/shares", tag = "sharing",
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "The shares, oldest first.", body = [DeviceShare]),
        (status = 403, description = "Shared with you: only its owner sees its shares.", body = ApiError),
        (status = 404, description = "No such device, or not yours.", body = ApiError),
    ))]
pub async fn list_device_shares(
    State(state): State<AppState>,
    s: CurrentSession,
    Path(id): Path<String>,
) -> Result<Json<Vec<DeviceShare>>, AppError> {
    let d = device_for(&s, &id, Permission::Share).await?;
    Ok(Json(shares::of_device(&state, &s, &d, now()).await?))
}

/// Shares a camera with whoever uses `email`. They are mailed; the share grants nothing until
/// they accept, and one to an address with no account here waits (14 days) until someone
/// verifies that address here. The answer is the same either way.
#[utoipa::path(post, path = "/devices/{id}/shares", tag = "sharing", request_body = ShareDevice,
    params(("id" = String, Path)),
    responses(
        (status = 201, description = "Shared; pending until the invitee accepts.", body = DeviceShare),
        (status = 403, description = "Shared with you: only its owner can share it.", body = ApiError),
        (status = 404, description = "No such device, or not yours.", body = ApiError),
        (status = 409, description = "Already shared with this address.", body = ApiError),
        (status = 422, description = "A field is not valid (your own email, no permission, a past end, too many shares).", body = ApiError),
        (status = 429, description = "Too many emails looked up this hour (`Retry-After`).", body = ApiError),
    ))]
pub async fn share_device(
    State(state): State<AppState>,
    s: CurrentSession,
    Path(id): Path<String>,
    Json(req): Json<ShareDevice>,
) -> Result<(StatusCode, Json<DeviceShare>), AppError> {
    let d = device_for(&s, &id, Permission::Share).await?;
    let share = shares::create(&state, &s, &d, &req, now()).await?;
    Ok((StatusCode::CREATED, Json(share)))
}

/// Ends a share (or withdraws an invitation) at once: the invitee's live views stop.
#[utoipa::path(delete, path = "/devices/{id}/shares/{share}", tag = "sharing",
    params(("id" = String, Path), ("share" = String, Path)),
    responses(
        (status = 204, description = "Revoked."),
        (status = 403, description = "Shared with you: only its owner can revoke.", body = ApiError),
        (status = 404, description = "No such device or share, or not yours.", body = ApiError),
    ))]
pub async fn revoke_share(
    State(state): State<AppState>,
    s: CurrentSession,
    Path((id, share)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    let d = device_for(&s, &id, Permission::Share).await?;
    if !shares::revoke(&state, &s, &d, &share).await? {
        return Err(AppError::NotFound);
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Changes what a share allows (its permissions and its end) without ending it. An invitee
/// who has answered is mailed the new terms; one who may no longer watch stops watching.
#[utoipa::path(patch, path = "/devices/{id}/shares/{share}", tag = "sharing", request_body = ShareEdit,
    params(("id" = String, Path), ("share" = String, Path)),
    responses(
        (status = 200, description = "Changed.", body = DeviceShare),
        (status = 403, description = "Shared with you: only its owner can change it.", body = ApiError),
        (status = 404, description = "No such device or share, or not yours.", body = ApiError),
        (status = 422, description = "No permission, or an end in the past.", body = ApiError),
    ))]
pub async fn edit_share(
    State(state): State<AppState>,
    s: CurrentSession,
    Path((id, share)): Path<(String, String)>,
    Json(req): Json<ShareEdit>,
) -> Result<Json<DeviceShare>, AppError> {
    let d = device_for(&s, &id, Permission::Share).await?;
    Ok(Json(shares::edit(&state, &s, &d, &share, &req, now()).await?))
}

/// The invitee gives the share up: gone as if revoked, their live views stopped.
async fn end(state: &AppState, s: &CurrentSession, row: &ShareRow) -> Result<(), AppError> {
    s.db.share_delete(&row.id).await?;
    state.devices.hub.end_live_of_viewer(&row.device_id, &row.invitee_id);
    Ok(())
}

/// Cameras shared with the signed-in person: invitations to answer and shares in force.
#[utoipa::path(get, path = "/shares", tag = "sharing",
    responses((status = 200, description = "Newest first.", body = [ReceivedShare])))]
pub async fn list_received(
    State(state): State<AppState>,
    s: CurrentSession,
) -> Result<Json<Vec<ReceivedShare>>, AppError> {
    let now = now();
    let mut out = Vec::new();
    for row in s.db.shares_received(&s.person.id).await? {
        out.extend(shares::invitee_view(&state, &s, &row, now).await?);
    }
    Ok(Json(out))
}

/// A share sent to the signed-in person.
async fn received(s: &CurrentSession, id: &str) -> Result<ShareRow, AppError> {
    s.db.share(id).await?.filter(|r| r.invitee_id == s.person.id).ok_or(AppError::NotFound)
}

async fn answer(
    state: &AppState,
    s: &CurrentSession,
    id: &str,
    status: ShareStatus,
) -> Result<Json<ReceivedShare>, AppError> {
    let row = received(s, id).await?;
    if !s.db.share_answer(&row.id, status.as_str()).await? {
        return Err(AppError::NotFound);
    }
    let row = ShareRow { status: status.as_str().into(), ..row };
    if status == ShareStatus::Declined {
        state.devices.hub.end_live_of_viewer(&row.device_id, &row.invitee_id);
    }
    shares::invitee_view(state, s, &row, now()).await?.map(Json).ok_or(AppError::NotFound)
}

#[utoipa::path(post, path = "/shares/{id}/accept", tag = "sharing",
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "Accepted: the share is in force (until it expires).", body = ReceivedShare),
        (status = 404, description = "No such share for you.", body = ApiError),
    ))]
pub async fn accept_share(
    State(state): State<AppState>,
    s: CurrentSession,
    Path(id): Path<String>,
) -> Result<Json<ReceivedShare>, AppError> {
    answer(&state, &s, &id, ShareStatus::Accepted).await
}

#[utoipa::path(post, path = "/shares/{id}/decline", tag = "sharing",
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "Declined: it grants nothing.", body = ReceivedShare),
        (status = 404, description = "No such share for you.", body = ApiError),
    ))]
pub async fn decline_share(
    State(state): State<AppState>,
    s: CurrentSession,
    Path(id): Path<String>,
) -> Result<Json<ReceivedShare>, AppError> {
    answer(&state, &s, &id, ShareStatus::Declined).await
}

/// The invitee gives a share up; it is gone as if the owner had revoked it.
#[utoipa::path(delete, path = "/shares/{id}", tag = "sharing",
    params(("id" = String, Path)),
    responses(
        (status = 204, description = "Gone."),
        (status = 404, description = "No such share for you.", body = ApiError),
    ))]
pub async fn leave_share(
    State(state): State<AppState>,
    s: CurrentSession,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    let row = received(&s, &id).await?;
    end(&state, &s, &row).await?;
    Ok(StatusCode::NO_CONTENT)
}
