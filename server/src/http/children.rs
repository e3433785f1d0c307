//! A guardian's view of the child accounts they consented to, from their own account:
//! `/api/account/children...` (the archive's download is with the others, in `http::export`). Which children a guardian reaches is decided in one place,
//! `requests::guardian::{children_of, child_of}`; each look and each download is written to
//! the child's "who saw my data".

use axum::extract::{Path, State};
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use ward_model::{AccessAction, ApiError, DeletionReceipt, GuardedChild, PasswordOnly, Region};

use crate::AppState;
use crate::auth::session::CurrentSession;
use crate::auth::{field, rfc3339};
use crate::error::{AppError, Json};
use crate::requests::guardian;
use crate::store::{ChildGuardianRow, Found};
use crate::vault::PersonKey;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list)).routes(routes!(start_archive)).routes(routes!(delete_child))
}

fn region(code: &str) -> Result<Region, AppError> {
    Region::from_code(code).ok_or(AppError::NotFound)
}

async fn view(
    state: &AppState,
    f: &Found,
    key: &PersonKey,
    g: &ChildGuardianRow,
) -> Result<GuardedChild, AppError> {
    let now = state.exports.clock.now();
    let archive = f.db.export_of(&f.person.id).await?.and_then(|e| match e.state.as_str() {
        "running" => Some("running".to_owned()),
        _ if crate::export::available(&e, now) => Some("ready".to_owned()),
        _ => None,
    });
    Ok(GuardedChild {
        region: f.region,
        id: f.person.id.clone(),
        name: key.open(field::NAME, &f.person.name_ct).map_err(AppError::internal)?,
        email: key.open(field::EMAIL, &f.person.email_ct).map_err(AppError::internal)?,
        consented_at: rfc3339(g.consented_at.unwrap_or(g.named_at)),
        locked: state.requests.guardians.child_locked.clone(),
        archive,
    })
}

/// The child accounts whose guardian consented from this account's address, in any region.
/// Each child's "who saw my data" records the look.
#[utoipa::path(get, path = "/account/children", tag = "accounts",
    responses(
        (status = 200, description = "The children's accounts (often none).", body = [GuardedChild]),
        (status = 401, description = "Not signed in.", body = ApiError),
    ))]
pub async fn list(
    State(state): State<AppState>,
    s: CurrentSession,
) -> Result<Json<Vec<GuardedChild>>, AppError> {
    let now = state.requests.clock.now();
    let mut out = Vec::new();
    for (f, key, g) in guardian::children_of(&state, &s.person).await? {
        guardian::log_guardian(&state, &s.person, &f, AccessAction::ChildViewed, now).await?;
        out.push(view(&state, &f, &key, &g).await?);
    }
    Ok(Json(out))
}

/// Starts building the child's data archive (the same as the child's own "Download my
/// data"), for the guardian to review.
#[utoipa::path(post, path = "/account/children/{region}/{id}/archive", tag = "accounts",
    params(("region" = String, Path, description = "The child's home region."), ("id" = String, Path, description = "The child's account.")),
    responses(
        (status = 202, description = "Being built (or built already).", body = GuardedChild),
        (status = 404, description = "No child account of this guardian's.", body = ApiError),
    ))]
pub async fn start_archive(
    State(state): State<AppState>,
    s: CurrentSession,
    Path((r, id)): Path<(String, String)>,
) -> Result<(StatusCode, Json<GuardedChild>), AppError> {
    let (f, key, g) = guardian::child_of(&state, &s.person, region(&r)?, &id).await?;
    let now = state.exports.clock.now();
    match crate::export::start(&state, f.region, &f.db, &f.person.id, None, crate::export::Lang::En, now)
        .await
    {
        // One archive at a time: the child's own, or one asked for already, is the one.
        Ok(_) | Err(AppError::Conflict(_)) => {}
        Err(e) => return Err(e),
    }
    Ok((StatusCode::ACCEPTED, Json(view(&state, &f, &key, &g).await?)))
}

/// Deletes the child's account (the same erasure as "Delete my account"), with the
/// guardian's own password; receipts go to the child and to the guardian.
#[utoipa::path(post, path = "/account/children/{region}/{id}/deletion", tag = "accounts", request_body = PasswordOnly,
    params(("region" = String, Path, description = "The child's home region."), ("id" = String, Path, description = "The child's account.")),
    responses(
        (status = 200, description = "Deleted.", body = DeletionReceipt),
        (status = 404, description = "No child account of this guardian's.", body = ApiError),
        (status = 422, description = "The guardian's password is missing or wrong.", body = ApiError),
        (status = 429, description = "Too many wrong passwords: try again later.", body = ApiError),
    ))]
pub async fn delete_child(
    State(state): State<AppState>,
    s: CurrentSession,
    Path((r, id)): Path<(String, String)>,
    Json(req): Json<PasswordOnly>,
) -> Result<Json<DeletionReceipt>, AppError> {
    let (f, key, _) = guardian::child_of(&state, &s.person, region(&r)?, &id).await?;
    state.auth.reauthenticate(&s.person, Some(&req.password), "password").await?;
    let name = key.open(field::NAME, &f.person.name_ct).map_err(AppError::internal)?;
    let receipt =
        crate::auth::erase::erase(&state, f.region, &f.db, &f.person, &key, state.requests.clock.now())
            .await?;
    let text = format!(
        "As you asked, {name}'s Ward account has been deleted, with the personal data it held, in every region. \
         Backups can no longer be read.\n\nDeletion receipt: {}\nDeleted at: {}\n\n— Ward\n",
        receipt.receipt, receipt.deleted_at
    );
    if let Ok(to) = s.key.open(field::EMAIL, &s.person.email_ct)
        && let Err(err) = state.auth.mailer.send(&to, "The child's Ward account was deleted", text).await
    {
        tracing::warn!(%err, "a guardian's deletion receipt could not be mailed");
    }
    Ok(Json(receipt))
}
