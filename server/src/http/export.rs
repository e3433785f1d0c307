//! Data export (`/api/privacy/exports/...`): start an archive (password again), follow it
//! (status, or live as server-sent events), cancel it, download it; and the public JSON
//! Schema of its `data.json`. The archive itself is `crate::export`.

use std::convert::Infallible;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::Stream;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use ward_model::{
    ApiError, ExportConfirm, ExportLink, ExportRecipient, ExportStart, ExportState, ExportStatus,
    ExportTransfer, LinkStart, SigningKey, TransferStart,
};

use crate::AppState;
use crate::auth::session::{ClientMeta, CurrentSession, now};
use crate::error::{AppError, Json};
use crate::export::{self, Lang, transfer};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(start_export))
        .routes(routes!(current_export, cancel_export))
        .routes(routes!(export_events))
        .routes(routes!(confirm_export))
        .routes(routes!(download_export))
        .routes(routes!(export_schema))
        .routes(routes!(recipients))
        .routes(routes!(signing_key))
        .routes(routes!(list_transfers, start_transfer))
        .routes(routes!(retry_transfer))
        .routes(routes!(list_links, create_link))
        .routes(routes!(revoke_link))
        .routes(routes!(download_by_link))
        .routes(routes!(guardian_review))
        .routes(routes!(child_archive))
}

/// Starts building an archive of everything Ward holds about the person, after their
/// password. A ready archive is replaced; the person is mailed when the new one is ready.
#[utoipa::path(post, path = "/privacy/exports", tag = "privacy", request_body = ExportStart,
    responses(
        (status = 202, description = "Being built; follow it at `/privacy/exports/current`.", body = ExportStatus),
        (status = 409, description = "An archive is being built already.", body = ApiError),
        (status = 422, description = "The password is missing or wrong, or the language unknown.", body = ApiError),
        (status = 429, description = "Too many wrong passwords: try again later.", body = ApiError),
    ))]
pub async fn start_export(
    State(state): State<AppState>,
    meta: ClientMeta,
    s: CurrentSession,
    Json(req): Json<ExportStart>,
) -> Result<(StatusCode, Json<ExportStatus>), AppError> {
    let lang = match req.language.as_deref() {
        None => Lang::En,
        Some(l) => Lang::parse(l).ok_or_else(|| {
            AppError::field(
                "language",
                ward_model::FieldErrorCode::Unknown,
                "The archive can be made in English (en) or Chinese (zh).",
            )
        })?,
    };
    state.auth.reauthenticate(&s.person, Some(&req.password), "password").await?;
    let row = export::start(&state, s.region, &s.db, &s.person.id, Some(&s.session_id), lang, now()).await?;
    state.auth.log(&s.db, &s.person.id, &s.key, "export_requested", &meta).await?;
    Ok((StatusCode::ACCEPTED, Json(export::status(&state, &row, true))))
}

async fn fresh(s: &CurrentSession, row: &crate::store::ExportRow) -> Result<bool, AppError> {
    Ok(export::is_fresh(&s.db, &s.person.id, &s.session_id, row, now()).await?)
}

/// The person's archive: being built (with its progress), ready (with its link) or failed.
#[utoipa::path(get, path = "/privacy/exports/current", tag = "privacy",
    responses(
        (status = 200, description = "The person's archive.", body = ExportStatus),
        (status = 404, description = "No archive.", body = ApiError),
    ))]
pub async fn current_export(
    State(state): State<AppState>,
    s: CurrentSession,
) -> Result<Json<ExportStatus>, AppError> {
    let row = live_row(&state, &s).await?.ok_or(AppError::NotFound)?;
    let fresh = fresh(&s, &row).await?;
    Ok(Json(export::status(&state, &row, fresh)))
}

/// The person's archive unless it has expired (the retention job may not have run yet).
async fn live_row(state: &AppState, s: &CurrentSession) -> Result<Option<crate::store::ExportRow>, AppError> {
    let row = s.db.export_of(&s.person.id).await?;
    Ok(row.filter(|r| state.exports.clock.now() - r.created_at <= export::KEEP_SECS))
}

/// Cancels the archive being built, or deletes the ready one (file and link).
#[utoipa::path(delete, path = "/privacy/exports/current", tag = "privacy",
    responses(
        (status = 204, description = "Cancelled or deleted."),
        (status = 404, description = "No archive.", body = ApiError),
    ))]
pub async fn cancel_export(State(state): State<AppState>, s: CurrentSession) -> Result<StatusCode, AppError> {
    if export::cancel(&state, s.region, &s.db, &s.person.id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound)
    }
}

/// The archive's status as server-sent events named `status`: at once, at every step and
/// picture while it is built, and a last time when it is ready, failed or gone (then the
/// stream ends).
#[utoipa::path(get, path = "/privacy/exports/current/events", tag = "privacy",
    responses(
        (status = 200, description = "An event stream of `ExportStatus`.", content_type = "text/event-stream", body = ExportStatus),
        (status = 404, description = "No archive.", body = ApiError),
    ))]
pub async fn export_events(
    State(state): State<AppState>,
    s: CurrentSession,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let row = live_row(&state, &s).await?.ok_or(AppError::NotFound)?;
    let fresh = fresh(&s, &row).await?;
    let first = export::status(&state, &row, fresh);
    let rx = state.exports.progress(&row.id);
    fn event(st: &ExportStatus) -> Result<Event, Infallible> {
        Ok(Event::default().event("status").json_data(st).unwrap_or_default())
    }
    enum Phase {
        First,
        Live,
        Last,
        End,
    }
    let start = if first.state == ExportState::Running && rx.is_some() { Phase::First } else { Phase::Last };
    let stream = futures_util::stream::unfold(
        (start, rx, state, s.db.clone(), s.person.id.clone(), first, fresh),
        move |(phase, mut rx, state, db, person, mut last, fresh)| async move {
            match phase {
                Phase::First => {
                    let e = event(&last);
                    Some((e, (Phase::Live, rx, state, db, person, last, fresh)))
                }
                Phase::Live => {
                    let changed = match rx.as_mut() {
                        Some(r) => r.changed().await.is_ok(),
                        None => false,
                    };
                    if changed {
                        if let Some(r) = rx.as_ref() {
                            last.progress = r.borrow().clone();
                        }
                        let e = event(&last);
                        return Some((e, (Phase::Live, rx, state, db, person, last, fresh)));
                    }
                    // The job ended: its row says how.
                    match db.export_of(&person).await {
                        Ok(Some(row)) if row.id == last.id => {
                            let progress = last.progress.clone();
                            last = export::status(&state, &row, fresh);
                            last.progress = progress;
                        }
                        _ => {
                            last.state = ExportState::Failed;
                            last.download_url = None;
                            last.error = Some("Cancelled.".into());
                        }
                    }
                    let e = event(&last);
                    Some((e, (Phase::End, None, state, db, person, last, fresh)))
                }
                Phase::Last => {
                    let e = event(&last);
                    Some((e, (Phase::End, None, state, db, person, last, fresh)))
                }
                Phase::End => None,
            }
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// Confirms the password in this session, so it may download the archive for the next hour
/// (a session signed in more than an hour ago is not fresh enough on its own).
#[utoipa::path(post, path = "/privacy/exports/current/confirm", tag = "privacy", request_body = ExportConfirm,
    responses(
        (status = 200, description = "Confirmed: this session may download for an hour.", body = ExportStatus),
        (status = 404, description = "No archive.", body = ApiError),
        (status = 422, description = "The password is missing or wrong.", body = ApiError),
        (status = 429, description = "Too many wrong passwords: try again later.", body = ApiError),
    ))]
pub async fn confirm_export(
    State(state): State<AppState>,
    s: CurrentSession,
    Json(req): Json<ExportConfirm>,
) -> Result<Json<ExportStatus>, AppError> {
    let mut row = live_row(&state, &s).await?.ok_or(AppError::NotFound)?;
    state.auth.reauthenticate(&s.person, Some(&req.password), "password").await?;
    let at = now();
    s.db.export_confirm(&row.id, &s.session_id, at).await?;
    row.confirmed_session = Some(s.session_id.clone());
    row.confirmed_at = Some(at);
    Ok(Json(export::status(&state, &row, true)))
}

/// The archive (a ZIP), opened from its sealed file as it is sent. Only its owner, from a
/// fresh session (signed in or password confirmed within the hour), within 7 days of the
/// request; each download is in the activity log.
#[utoipa::path(get, path = "/privacy/exports/download/{id}", tag = "privacy",
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "The archive.", content_type = "application/zip"),
        (status = 403, description = "The session is not fresh: confirm the password first.", body = ApiError),
        (status = 404, description = "No such archive of yours, not ready, or expired.", body = ApiError),
    ))]
pub async fn download_export(
    State(state): State<AppState>,
    meta: ClientMeta,
    s: CurrentSession,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let row =
        live_row(&state, &s).await?.filter(|r| r.id == id && r.state == "ready").ok_or(AppError::NotFound)?;
    if !fresh(&s, &row).await? {
        return Err(AppError::Forbidden(
            "For your safety, downloading your archive needs a sign-in or your password within the last hour. \
             Confirm your password first."
                .into(),
        ));
    }
    let path = state.exports.file(s.region, &row.id);
    if !tokio::fs::try_exists(&path).await.unwrap_or(false) {
        return Err(AppError::NotFound);
    }
    state.auth.log(&s.db, &s.person.id, &s.key, "export_downloaded", &meta).await?;
    Ok(archive_response(path, s.key, &row))
}

/// The archive as a ZIP download, opened from its sealed file as it is sent.
fn archive_response(
    path: std::path::PathBuf,
    key: crate::vault::PersonKey,
    row: &crate::store::ExportRow,
) -> Response {
    let rx = export::read_archive(path, key, row.id.clone());
    let body = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) });
    let day = crate::auth::rfc3339(row.created_at);
    let name = format!("ward-data-{}.zip", &day[..10.min(day.len())]);
    let mut res = Body::from_stream(body).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/zip"));
    if let Ok(v) = header::HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Some(size) = row.size {
        h.insert(header::CONTENT_LENGTH, header::HeaderValue::from(size));
    }
    h.insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    res
}

/// The JSON Schema (2020-12) of an archive's `data.json`, version 1; the same file is in
/// every archive as `schema.json`.
#[utoipa::path(get, path = "/privacy/exports/schema/v1", tag = "privacy",
    responses((status = 200, description = "The JSON Schema.", content_type = "application/schema+json")))]
pub async fn export_schema() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/schema+json")], export::schema::json())
}

/// The services a copy of the archive can be sent to.
#[utoipa::path(get, path = "/privacy/exports/recipients", tag = "privacy",
    responses((status = 200, description = "The declared recipients.", body = [ExportRecipient])))]
pub async fn recipients(State(state): State<AppState>, _s: CurrentSession) -> Json<Vec<ExportRecipient>> {
    Json(state.exports.recipients.all().to_vec())
}

/// The public key that signs every archive Ward sends to a recipient, and what it signs.
#[utoipa::path(get, path = "/privacy/exports/signing-key", tag = "privacy",
    responses((status = 200, description = "The Ed25519 public key.", body = SigningKey)))]
pub async fn signing_key(State(state): State<AppState>) -> Json<SigningKey> {
    Json(state.exports.signer.public())
}

/// The person's ready archive, for sending it on: only from a fresh session, like its download.
async fn sendable(state: &AppState, s: &CurrentSession) -> Result<crate::store::ExportRow, AppError> {
    let row = live_row(state, s).await?.ok_or(AppError::NotFound)?;
    if !fresh(s, &row).await? {
        return Err(AppError::Forbidden(
            "For your safety, sending your archive on needs a sign-in or your password within the last hour. \
             Confirm your password first."
                .into(),
        ));
    }
    Ok(row)
}

/// The copies of the current archive sent (or being sent) to recipients, newest first.
#[utoipa::path(get, path = "/privacy/exports/current/transfers", tag = "privacy",
    responses((status = 200, description = "Newest first.", body = [ExportTransfer])))]
pub async fn list_transfers(s: CurrentSession) -> Result<Json<Vec<ExportTransfer>>, AppError> {
    Ok(Json(s.db.transfers_of(&s.person.id).await?.iter().map(transfer::view).collect()))
}

/// Sends a copy of the ready archive to a declared recipient: signed, tried up to three
/// times; when delivered, it is in the consent ledger and the activity log.
#[utoipa::path(post, path = "/privacy/exports/current/transfers", tag = "privacy", request_body = TransferStart,
    responses(
        (status = 202, description = "Being sent; follow it in the list.", body = ExportTransfer),
        (status = 403, description = "The session is not fresh: confirm the password first.", body = ApiError),
        (status = 404, description = "No archive.", body = ApiError),
        (status = 409, description = "Not ready, being sent there already, or too large for the recipient.", body = ApiError),
        (status = 422, description = "No such recipient.", body = ApiError),
    ))]
pub async fn start_transfer(
    State(state): State<AppState>,
    meta: ClientMeta,
    s: CurrentSession,
    Json(req): Json<TransferStart>,
) -> Result<(StatusCode, Json<ExportTransfer>), AppError> {
    let row = sendable(&state, &s).await?;
    let t = transfer::start(&state, s.region, &s.db, &row, &req.recipient, meta, state.exports.clock.now())
        .await?;
    Ok((StatusCode::ACCEPTED, Json(transfer::view(&t))))
}

/// Sends a copy that was not delivered again.
#[utoipa::path(post, path = "/privacy/exports/current/transfers/{id}/retry", tag = "privacy",
    params(("id" = String, Path)),
    responses(
        (status = 202, description = "Being sent again.", body = ExportTransfer),
        (status = 403, description = "The session is not fresh: confirm the password first.", body = ApiError),
        (status = 404, description = "No such copy of yours.", body = ApiError),
        (status = 409, description = "It was delivered or is being sent, or the recipient left the list.", body = ApiError),
    ))]
pub async fn retry_transfer(
    State(state): State<AppState>,
    meta: ClientMeta,
    s: CurrentSession,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<ExportTransfer>), AppError> {
    sendable(&state, &s).await?;
    let t = transfer::retry(&state, s.region, &s.db, &s.person.id, &id, meta).await?;
    Ok((StatusCode::ACCEPTED, Json(transfer::view(&t))))
}

/// The one-time links to the current archive, newest first (without the links themselves).
#[utoipa::path(get, path = "/privacy/exports/current/links", tag = "privacy",
    responses((status = 200, description = "Newest first.", body = [ExportLink])))]
pub async fn list_links(s: CurrentSession) -> Result<Json<Vec<ExportLink>>, AppError> {
    let rows = s.db.links_of(&s.person.id).await?;
    Ok(Json(rows.iter().map(|r| transfer::link_view(r, &s.key, None)).collect()))
}

/// Makes a one-time link to the ready archive for a recipient of the person's own: it
/// works once, for 72 hours (never past the archive). The link is in this answer only.
#[utoipa::path(post, path = "/privacy/exports/current/links", tag = "privacy", request_body = LinkStart,
    responses(
        (status = 201, description = "Made; `url` is the link, shown this once.", body = ExportLink),
        (status = 403, description = "The session is not fresh: confirm the password first.", body = ApiError),
        (status = 404, description = "No archive.", body = ApiError),
        (status = 409, description = "The archive is not ready.", body = ApiError),
        (status = 422, description = "Who it is for is missing or too long.", body = ApiError),
    ))]
pub async fn create_link(
    State(state): State<AppState>,
    meta: ClientMeta,
    s: CurrentSession,
    Json(req): Json<LinkStart>,
) -> Result<(StatusCode, Json<ExportLink>), AppError> {
    let label = req.label.trim();
    if label.is_empty() {
        return Err(AppError::field(
            "label",
            ward_model::FieldErrorCode::Required,
            "Say who the link is for, so you know it again in the list.",
        ));
    }
    if label.chars().count() > 100 {
        return Err(AppError::field("label", ward_model::FieldErrorCode::TooLong, "At most 100 characters."));
    }
    let row = sendable(&state, &s).await?;
    let now = state.exports.clock.now();
    let (link, token) = transfer::create_link(&state, s.region, &s.db, &s.key, &row, label, now).await?;
    state.auth.log(&s.db, &s.person.id, &s.key, "export_link_created", &meta).await?;
    let path = format!("/api/privacy/exports/link/{token}");
    let url = match &state.auth.public_url {
        Some(u) => format!("{}{path}", u.as_str().trim_end_matches('/')),
        None => path,
    };
    Ok((StatusCode::CREATED, Json(transfer::link_view(&link, &s.key, Some(url)))))
}

/// Revokes an unused one-time link.
#[utoipa::path(delete, path = "/privacy/exports/current/links/{id}", tag = "privacy",
    params(("id" = String, Path)),
    responses(
        (status = 204, description = "Revoked."),
        (status = 404, description = "No such unused link of yours.", body = ApiError),
    ))]
pub async fn revoke_link(
    State(state): State<AppState>,
    meta: ClientMeta,
    s: CurrentSession,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    if !s.db.link_revoke(&s.person.id, &id, state.exports.clock.now()).await? {
        return Err(AppError::NotFound);
    }
    state.auth.log(&s.db, &s.person.id, &s.key, "export_link_revoked", &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The archive, through a one-time link the person made: no sign-in; it works once, within
/// 72 hours, unless revoked. Its use is in the person's activity log.
#[utoipa::path(get, path = "/privacy/exports/link/{token}", tag = "privacy",
    params(("token" = String, Path)),
    responses(
        (status = 200, description = "The archive.", content_type = "application/zip"),
        (status = 404, description = "No such link, or it was used, revoked or has expired.", body = ApiError),
    ))]
pub async fn download_by_link(
    State(state): State<AppState>,
    meta: ClientMeta,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let now = state.exports.clock.now();
    let (region, link) = transfer::use_link(&state, &token, now).await?.ok_or(AppError::NotFound)?;
    let db = state.stores.region(region).await?;
    let row = db
        .export_by_id(&link.export_id)
        .await?
        .filter(|r| export::available(r, now))
        .ok_or(AppError::NotFound)?;
    let path = state.exports.file(region, &row.id);
    if !tokio::fs::try_exists(&path).await.unwrap_or(false) {
        return Err(AppError::NotFound);
    }
    let key = state.person_key(&link.person_id).await?.ok_or(AppError::NotFound)?;
    state.auth.log(db, &link.person_id, &key, "export_link_used", &meta).await?;
    Ok(archive_response(path, key, &row))
}

/// A child's archive, for the parent or guardian whose request to review it the privacy staff
/// verified: through the link mailed to them, for 7 days; each use is in the child's activity
/// log.
#[utoipa::path(get, path = "/guardian/review/{token}", tag = "requests",
    params(("token" = String, Path)),
    responses(
        (status = 200, description = "The archive.", content_type = "application/zip"),
        (status = 404, description = "No such link, or it has expired, or the account is gone.", body = ApiError),
        (status = 409, description = "The archive is still being built.", body = ApiError),
    ))]
pub async fn guardian_review(
    State(state): State<AppState>,
    meta: ClientMeta,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let (region, child_id, row) =
        crate::requests::guardian::review(&state, &token).await?.ok_or(AppError::NotFound)?;
    let path = state.exports.file(region, &row.id);
    if !tokio::fs::try_exists(&path).await.unwrap_or(false) {
        return Err(AppError::NotFound);
    }
    let key = state.person_key(&child_id).await?.ok_or(AppError::NotFound)?;
    let db = state.stores.region(region).await?;
    state.auth.log(db, &child_id, &key, "guardian_review", &meta).await?;
    Ok(archive_response(path, key, &row))
}

/// The child's archive, once built; in the child's activity log and "who saw my data".
#[utoipa::path(get, path = "/account/children/{region}/{id}/archive", tag = "accounts",
    params(("region" = String, Path, description = "The child's home region."), ("id" = String, Path, description = "The child's account.")),
    responses(
        (status = 200, description = "The archive.", content_type = "application/zip"),
        (status = 404, description = "No child account of this guardian's, or no archive.", body = ApiError),
        (status = 409, description = "The archive is still being built.", body = ApiError),
    ))]
pub async fn child_archive(
    State(state): State<AppState>,
    meta: ClientMeta,
    s: CurrentSession,
    Path((r, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (f, key, _) = crate::requests::guardian::child_of(
        &state,
        &s.person,
        ward_model::Region::from_code(&r).ok_or(AppError::NotFound)?,
        &id,
    )
    .await?;
    let now = state.exports.clock.now();
    let row = f.db.export_of(&f.person.id).await?.ok_or(AppError::NotFound)?;
    if row.state == "running" {
        return Err(AppError::Conflict(
            "The archive is still being built: try again in a few minutes.".into(),
        ));
    }
    if !crate::export::available(&row, now) {
        return Err(AppError::NotFound);
    }
    let path = state.exports.file(f.region, &row.id);
    if !tokio::fs::try_exists(&path).await.unwrap_or(false) {
        return Err(AppError::NotFound);
    }
    crate::requests::guardian::log_guardian(
        &state,
        &s.person,
        &f,
        ward_model::AccessAction::ChildArchive,
        now,
    )
    .await?;
    state.auth.log(&f.db, &f.person.id, &key, "guardian_review", &meta).await?;
    Ok(archive_response(path, key, &row))
}
