//! The live view's signalling, shaped like WHEP (RFC 9725): the browser POSTs its SDP offer
//! for a device, the server relays it to the camera over the camera's control WebSocket and
//! answers `201 Created` with the camera's SDP answer and the session's `Location`; `DELETE`
//! on that location ends the session. The media then flow camera → browser: this server has
//! no WebRTC media stack and opens no media sockets (ARCHITECTURE.md, tested).

use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use ward_model::{AccessAction, ApiError, ErrorCode, IceServer};

use crate::AppState;
use crate::auth::session::{CurrentSession, now};
use crate::devices::DEVICE_NAME;
use crate::devices::access::device_access;
use crate::devices::hub::{LiveFull, LiveSession, MAX_LIVE_PER_CAMERA, MAX_LIVE_PER_VIEWER};
use crate::devices::policy::Permission;
use crate::devices::shares;
use crate::error::{AppError, Json};
use ward_model::FieldErrorCode;

/// How long a camera has to answer an offer (it answers in milliseconds when it is well).
const ANSWER_WAIT: Duration = Duration::from_secs(10);
/// SDP offers are a few KB; anything near this is not one.
const MAX_OFFER: usize = 64 * 1024;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(ice_servers)).routes(routes!(start)).routes(routes!(end))
}

/// The STUN/TURN servers to give `RTCPeerConnection` before making the offer.
#[utoipa::path(get, path = "/live/ice-servers", tag = "live",
    responses((status = 200, description = "Possibly empty.", body = [IceServer])))]
pub async fn ice_servers(State(state): State<AppState>, _s: CurrentSession) -> Json<Vec<IceServer>> {
    Json(state.devices.ice_servers.clone())
}

/// Starts a live view: the body is the browser's SDP offer (`application/sdp`, ICE gathered).
#[utoipa::path(post, path = "/devices/{id}/live", tag = "live",
    params(("id" = String, Path)),
    request_body(content = String, content_type = "application/sdp"),
    responses(
        (status = 201, description = "The camera's SDP answer (`application/sdp`); `Location` names the session.", body = String, content_type = "application/sdp"),
        (status = 403, description = "Shared with you, but not for the live view.", body = ApiError),
        (status = 404, description = "No such device, or not yours nor shared with you.", body = ApiError),
        (status = 409, description = "The camera is offline or in privacy mode.", body = ApiError),
        (status = 413, description = "The offer is too large.", body = ApiError),
        (status = 415, description = "The body is not `application/sdp`.", body = ApiError),
        (status = 422, description = "The camera could not use the offer.", body = ApiError),
        (status = 429, description = "The viewer or the camera has as many live views as one may.", body = ApiError),
        (status = 503, description = "The camera did not answer in time.", body = ApiError),
    ))]
pub async fn start(
    State(state): State<AppState>,
    s: CurrentSession,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Result<Response, AppError> {
    let access = device_access(&s, &id, Permission::LiveView).await?;
    let d = &access.device;
    let is_sdp = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| {
        v.split(';').next().is_some_and(|t| t.trim().eq_ignore_ascii_case("application/sdp"))
    });
    if !is_sdp {
        return Err(AppError::UnsupportedMediaType("Send the offer as `application/sdp`.".into()));
    }
    if body.len() > MAX_OFFER {
        return Err(AppError::PayloadTooLarge("An SDP offer is a few kilobytes; this is not one.".into()));
    }
    if !body.starts_with("v=0") || !body.contains("m=video") {
        return Err(AppError::field(
            "offer",
            FieldErrorCode::Malformed,
            "The offer is not an SDP offer with video.",
        ));
    }
    if d.privacy_mode {
        return Err(AppError::Conflict(
            "Privacy mode is on for this camera: it sends no video until you turn it off.".into(),
        ));
    }
    if !d.online || !state.devices.hub.is_connected(&d.serial_hash) {
        return Err(AppError::Conflict("This camera is offline, so there is no live view.".into()));
    }
    let label = access.key(&state, &s).await?.open(DEVICE_NAME, &d.name_ct).map_err(AppError::internal)?;
    let session_id = hex::encode(crate::vault::random::<16>());
    let session = LiveSession {
        device_id: d.id.clone(),
        viewer_id: s.person.id.clone(),
        serial_hash: d.serial_hash.clone(),
        signed_in: s.session_id.clone(),
    };
    // When the right to watch ends by itself: the share's end time, or the sign-in session's
    // absolute end (the session cannot be used after it; ending it otherwise ends this too).
    let signed_in_until =
        s.db.session_by_token(&s.token_hash).await?.map(|r| r.created_at + crate::auth::session::ABSOLUTE);
    let ends_at =
        [access.share.as_ref().and_then(|sh| sh.expires_at), signed_in_until].into_iter().flatten().min();
    let relayed = state.devices.hub.relay_offer(&session, &session_id, body, label, ANSWER_WAIT).await;
    let relayed = match relayed {
        Ok(relayed) => relayed,
        Err(full) => return Ok(too_many(full)),
    };
    match relayed {
        Some(Ok(answer)) => {
            if let Some(ends_at) = ends_at {
                end_on_time(&state, &session_id, ends_at);
            }
            shares::log_use(&state, &s, access.share.as_ref(), AccessAction::LiveView, now()).await?;
            let location = format!("/api/devices/{}/live/{session_id}", d.id);
            let mut res = (StatusCode::CREATED, answer).into_response();
            let h = res.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/sdp"));
            h.insert(header::LOCATION, HeaderValue::from_str(&location).map_err(AppError::internal)?);
            Ok(res)
        }
        Some(Err(reason)) if reason.contains("privacy") => Err(AppError::Conflict(
            "Privacy mode is on for this camera: it sends no video until you turn it off.".into(),
        )),
        Some(Err(reason)) => {
            // The camera's words can hold its RTSP URL (a LAN address, a path, a user name):
            // they go to the log, never to a viewer, who may be an invitee of the owner.
            tracing::info!(device = %d.id, %reason, "a camera refused a live view");
            Err(AppError::field(
                "offer",
                FieldErrorCode::Refused,
                "The camera could not start the live view. Try again; if it keeps failing, its owner can check the camera.",
            ))
        }
        None => Err(AppError::Unavailable("The camera did not answer. Try again in a moment.".into())),
    }
}

/// 429 with why: the viewer or the camera has as many live views as one may.
fn too_many(full: LiveFull) -> Response {
    let message = match full {
        LiveFull::Viewer => {
            format!("You are watching {MAX_LIVE_PER_VIEWER} live views already. Close one to open another.")
        }
        LiveFull::Camera => format!(
            "This camera is streaming to {MAX_LIVE_PER_CAMERA} viewers already, as many as it can. Try again when one has left."
        ),
    };
    let body = ApiError::new(ErrorCode::TooManyRequests, message);
    (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response()
}

/// Ends the live session at `ends_at` (Unix seconds): one task per session sleeping until
/// then (no polling), stopped by the hub if the session ends first.
fn end_on_time(state: &AppState, id: &str, ends_at: i64) {
    let left_ms = (ends_at * 1000 - now_ms()).max(0);
    let deadline = tokio::time::Instant::now() + Duration::from_millis(left_ms.unsigned_abs());
    let devices = state.devices.clone();
    let session = id.to_string();
    let timer = tokio::spawn(async move {
        tokio::time::sleep_until(deadline).await;
        devices.hub.end_live(&session);
    });
    state.devices.hub.set_live_timer(id, timer.abort_handle());
}

fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// Ends a live view (the viewer left the page); the camera stops sending.
#[utoipa::path(delete, path = "/devices/{id}/live/{session}", tag = "live",
    params(("id" = String, Path), ("session" = String, Path)),
    responses(
        (status = 204, description = "Ended."),
        (status = 404, description = "No such session of yours.", body = ApiError),
    ))]
pub async fn end(
    State(state): State<AppState>,
    s: CurrentSession,
    Path((id, session)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    let hub = &state.devices.hub;
    // Only the viewer who started a session can end it; anyone else learns nothing.
    if !hub.live_session(&session).is_some_and(|l| l.device_id == id && l.viewer_id == s.person.id) {
        return Err(AppError::NotFound);
    }
    hub.end_live(&session);
    Ok(StatusCode::NO_CONTENT)
}
