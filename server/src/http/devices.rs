//! Devices, alarm events and call records (`/api/devices`, `/api/events`, `/api/calls`),
//! the cameras' WebSocket (`/api/agent`) and the demo cameras of the developer page.
//! Every access to a device or what it recorded goes through `devices::policy`.

use std::collections::HashMap;
use std::convert::Infallible;

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::Stream;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use ward_model::{
    AlarmEvent, ApiError, CallList, CallRecord, ClaimDevice, DemoCamera, Device, DevicePage, DeviceStatus,
    DeviceUpdate, EventKind, EventPage, FieldError,
};

use crate::AppState;
use crate::auth::rfc3339;
use crate::auth::session::{CurrentSession, now};
use crate::devices::access::{self, actor, authorize_through, device_access, device_for, event_for};
use crate::devices::policy::{self, Permission, Resource};
use crate::devices::{self, Control, DEVICE_NAME, DEVICE_SERIAL, LabelCode, SerialNumber, agent, shares};
use crate::error::{AppError, Fields, Json};
use crate::http::query::{Count, FromQuery, Pairs, Query, QueryValue, TimeBound, choice};
use crate::store::EventFilter;
use ward_model::{AccessAction, FieldErrorCode};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_devices, claim_device))
        .routes(routes!(device_status))
        .routes(routes!(get_device, update_device, remove_device))
        .routes(routes!(list_events))
        .routes(routes!(delete_event))
        .routes(routes!(event_picture))
        .routes(routes!(event_thumbnail))
        .routes(routes!(list_calls))
        .routes(routes!(call_picture))
        .routes(routes!(demo_cameras))
        .routes(routes!(agent::agent_socket))
}

/// `GET /devices`'s parameters.
pub struct DeviceQuery {
    page: u32,
    per_page: u32,
    /// Lower-cased; matched against names and serials.
    search: Option<String>,
    /// `Some(true)`: online only.
    online: Option<bool>,
}

impl FromQuery for DeviceQuery {
    fn from_query(q: &Pairs, f: &mut Fields) -> Self {
        let statuses = [("all", None), ("online", Some(true)), ("offline", Some(false))];
        DeviceQuery {
            page: q.value::<Count<1, 1_000_000>>("page", f).map_or(1, |c| c.0),
            per_page: q.value::<Count<1, 100>>("per_page", f).map_or(50, |c| c.0),
            search: q.get("q").map(|v| v.trim().to_lowercase()).filter(|v| !v.is_empty()),
            online: choice(q, "status", &statuses, None, "Expected online, offline or all.", f),
        }
    }
}

/// One page of the signed-in person's devices: `page` (from 1), `per_page` (1–100, 50),
/// `q` (name or serial contains), `status` (`online` | `offline`).
#[utoipa::path(get, path = "/devices", tag = "devices",
    params(
        ("page" = Option<u32>, Query), ("per_page" = Option<u32>, Query),
        ("q" = Option<String>, Query), ("status" = Option<String>, Query),
    ),
    responses(
        (status = 200, description = "The page.", body = DevicePage),
        (status = 422, description = "A parameter is not valid.", body = ApiError),
    ))]
pub async fn list_devices(
    s: CurrentSession,
    Query(DeviceQuery { page, per_page, search, online }): Query<DeviceQuery>,
) -> Result<Json<DevicePage>, AppError> {
    let offset = i64::from(page - 1) * i64::from(per_page);
    let mut devices = Vec::new();
    let mut total = 0u64;
    for owner in policy::visible_owners(actor(&s)) {
        match &search {
            None => {
                let (rows, n) = s.db.devices_page(owner, online, offset, i64::from(per_page)).await?;
                total += n as u64;
                for d in &rows {
                    devices.push(devices::to_api(&s.key, d)?);
                }
            }
            // Names and serials are sealed: the search opens them here, in memory.
            Some(needle) => {
                let mut matching = Vec::new();
                for d in s.db.devices_of(owner, online).await? {
                    let name = s.key.open(DEVICE_NAME, &d.name_ct).map_err(AppError::internal)?;
                    let serial = s.key.open(DEVICE_SERIAL, &d.serial_ct).map_err(AppError::internal)?;
                    if name.to_lowercase().contains(needle) || serial.to_lowercase().contains(needle) {
                        matching.push(d);
                    }
                }
                total += matching.len() as u64;
                for d in matching.iter().skip(offset as usize).take(per_page as usize) {
                    devices.push(devices::to_api(&s.key, d)?);
                }
            }
        }
    }
    Ok(Json(DevicePage { devices, total, page, per_page }))
}

/// Adds a camera by the serial number and verification code on its label.
#[utoipa::path(post, path = "/devices", tag = "devices", request_body = ClaimDevice,
    responses(
        (status = 201, description = "Added.", body = Device),
        (status = 403, description = "The account's email is not verified.", body = ApiError),
        (status = 409, description = "The camera is bound to an account (this one or another).", body = ApiError),
        (status = 422, description = "Unknown serial, or wrong code (with the tries left).", body = ApiError),
        (status = 429, description = "Five wrong codes: locked for 15 minutes (`Retry-After`).", body = ApiError),
    ))]
pub async fn claim_device(
    State(state): State<AppState>,
    s: CurrentSession,
    Json(req): Json<ClaimDevice>,
) -> Result<(StatusCode, Json<Device>), AppError> {
    let mut fields = Fields::default();
    let serial = fields.take(SerialNumber::parse("serial", &req.serial));
    let code = fields.take(LabelCode::parse("code", &req.code));
    let (Some(serial), Some(code)) = (serial, code) else { return Err(AppError::Validation(fields.0)) };
    let device = devices::claim(&state, &s, &serial, &code, now()).await?;
    Ok((StatusCode::CREATED, Json(device)))
}

/// Live on/offline changes of the person's devices, and of cameras shared with them while
/// the share is in force, as server-sent events named `status`.
#[utoipa::path(get, path = "/devices/status", tag = "devices",
    responses((status = 200, description = "An event stream of `DeviceStatus`.", content_type = "text/event-stream", body = DeviceStatus)))]
pub async fn device_status(
    State(state): State<AppState>,
    s: CurrentSession,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let owners: Vec<String> = policy::visible_owners(actor(&s)).into_iter().map(String::from).collect();
    // Cameras shared with them when the stream opens; each change of one is checked again
    // against its share (revoked, expired), so no other subscriber's change costs a query.
    let mut shared = std::collections::HashSet::new();
    let opened = now();
    for row in s.db.shares_received(&s.person.id).await? {
        if shares::grant(&row, opened).in_force() {
            shared.insert(row.device_id);
        }
    }
    let rx = state.devices.hub.subscribe();
    let watcher = (s.db.clone(), s.person.id.clone());
    let stream = futures_util::stream::unfold(
        (rx, owners, shared, watcher),
        |(mut rx, owners, mut shared, watcher)| async move {
            loop {
                match rx.recv().await {
                    Ok(c) => {
                        let mine = owners.contains(&c.owner_id);
                        if !mine && !shared.contains(&c.device_id) {
                            continue;
                        }
                        if !mine
                            && !access::sees_shared(&watcher.0, &watcher.1, &c.owner_id, &c.device_id, now())
                                .await
                        {
                            shared.remove(&c.device_id);
                            continue;
                        }
                        let body = DeviceStatus { id: c.device_id, online: c.online };
                        let event = Event::default().event("status").json_data(&body).unwrap_or_default();
                        return Some((Ok(event), (rx, owners, shared, watcher)));
                    }
                    // Missed changes: tell the page to load the list again.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                        return Some((
                            Ok(Event::default().event("reload").data("")),
                            (rx, owners, shared, watcher),
                        ));
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                }
            }
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

#[utoipa::path(get, path = "/devices/{id}", tag = "devices",
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "The device.", body = Device),
        (status = 404, description = "No such device, or not yours.", body = ApiError),
    ))]
pub async fn get_device(
    State(state): State<AppState>,
    s: CurrentSession,
    Path(id): Path<String>,
) -> Result<Json<Device>, AppError> {
    let a = device_access(&s, &id, Permission::View).await?;
    let key = a.key(&state, &s).await?;
    Ok(Json(match a.share {
        None => devices::to_api(&key, &a.device)?,
        Some(_) => devices::to_shared_api(&key, &a.device)?,
    }))
}

/// Renames a device and/or switches privacy mode (the camera obeys at once).
#[utoipa::path(patch, path = "/devices/{id}", tag = "devices", request_body = DeviceUpdate,
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "The device as it is now.", body = Device),
        (status = 403, description = "Shared with you without the right to set it up.", body = ApiError),
        (status = 404, description = "No such device, or not yours.", body = ApiError),
        (status = 422, description = "The name is empty, too long, or has control characters.", body = ApiError),
    ))]
pub async fn update_device(
    State(state): State<AppState>,
    s: CurrentSession,
    Path(id): Path<String>,
    Json(req): Json<DeviceUpdate>,
) -> Result<Json<Device>, AppError> {
    // The owner, or an installer whose share lets them set it up (then it is in the owner's log).
    let a = device_access(&s, &id, Permission::Configure).await?;
    let d = &a.device;
    let name = match req.name.as_deref().map(str::trim) {
        Some(n) if n.is_empty() || n.chars().count() > 60 => {
            return Err(AppError::field(
                "name",
                FieldErrorCode::Length,
                "Give the device a name of 1 to 60 characters.",
            ));
        }
        // It is shown in pages and mails: one line, like a person's name.
        Some(n) if n.chars().any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')) => {
            return Err(AppError::field(
                "name",
                FieldErrorCode::Malformed,
                "A device name cannot contain line breaks or control characters.",
            ));
        }
        other => other,
    };
    let key = a.key(&state, &s).await?;
    // Sealed with the owner's key, whoever renames it.
    if let Some(name) = name {
        s.db.device_set_name(&d.id, &key.seal(DEVICE_NAME, name)).await?;
    }
    if let Some(on) = req.privacy_mode
        && on != d.privacy_mode
    {
        s.db.device_set_privacy(&d.id, on).await?;
        state.devices.hub.tell(&d.serial_hash, Control::Privacy(on));
        if on {
            // The camera ends its live views itself when privacy mode comes on.
            state.devices.hub.forget_live_of(&d.id);
        }
    }
    if a.share.is_some() && (name.is_some() || req.privacy_mode.is_some()) {
        shares::log_use(&state, &s, a.share.as_ref(), AccessAction::Configured, now()).await?;
    }
    let d = s.db.device(&d.id).await?.ok_or(AppError::NotFound)?;
    Ok(Json(match a.share {
        None => devices::to_api(&key, &d)?,
        Some(_) => devices::to_shared_api(&key, &d)?,
    }))
}

/// Removes a device: the camera is told and forgets its owner; its alarm events, call
/// records and their pictures are deleted.
#[utoipa::path(delete, path = "/devices/{id}", tag = "devices",
    params(("id" = String, Path)),
    responses(
        (status = 204, description = "Removed."),
        (status = 404, description = "No such device, or not yours.", body = ApiError),
    ))]
pub async fn remove_device(
    State(state): State<AppState>,
    s: CurrentSession,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    let d = device_for(&s, &id, Permission::Remove).await?;
    devices::remove(&state, s.region, &s.db, &d).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Where a page of events continues: the previous page's `next_before`, `<at>:<id>`.
struct EventCursor(i64, String);

impl QueryValue for EventCursor {
    fn parse(field: &str, value: &str) -> Result<Self, FieldError> {
        value
            .split_once(':')
            .and_then(|(at, id)| Some(EventCursor(at.parse().ok()?, id.to_string())))
            .ok_or_else(|| FieldError {
                field: field.into(),
                code: FieldErrorCode::Invalid,
                message: "Pass back the next_before of the previous page.".into(),
            })
    }
}

/// `GET /events`'s parameters.
pub struct EventQuery {
    device: Option<String>,
    kind: Option<&'static str>,
    from: Option<i64>,
    to: Option<i64>,
    before: Option<(i64, String)>,
    limit: u32,
}

impl FromQuery for EventQuery {
    fn from_query(q: &Pairs, f: &mut Fields) -> Self {
        EventQuery {
            device: q.get("device").map(String::from),
            kind: choice(
                q,
                "kind",
                &[("all", None), ("motion", Some("motion"))],
                None,
                "Expected motion or all.",
                f,
            ),
            from: q.value::<TimeBound<false>>("from", f).map(|t| t.0),
            to: q.value::<TimeBound<true>>("to", f).map(|t| t.0),
            before: q.value::<EventCursor>("before", f).map(|c| (c.0, c.1)),
            limit: q.value::<Count<1, 100>>("limit", f).map_or(50, |c| c.0),
        }
    }
}

/// Alarm events, newest first: across the person's devices or of one (`device`), of a
/// `kind`, between dates `from` and `to` (inclusive, UTC), `limit` (1–100, 50) per page,
/// older pages by `before` (the previous page's `next_before`).
#[utoipa::path(get, path = "/events", tag = "devices",
    params(
        ("device" = Option<String>, Query), ("kind" = Option<String>, Query),
        ("from" = Option<String>, Query), ("to" = Option<String>, Query),
        ("before" = Option<String>, Query), ("limit" = Option<u32>, Query),
    ),
    responses(
        (status = 200, description = "A page of events.", body = EventPage),
        (status = 403, description = "The device is shared with you without its alarms.", body = ApiError),
        (status = 404, description = "The device is not yours.", body = ApiError),
        (status = 422, description = "A parameter is not valid.", body = ApiError),
    ))]
pub async fn list_events(
    State(state): State<AppState>,
    s: CurrentSession,
    Query(EventQuery { device, kind, from, to, before, limit }): Query<EventQuery>,
) -> Result<Json<EventPage>, AppError> {
    let mut names: HashMap<String, String> = HashMap::new();
    // One device's events may be someone else's camera shared with this person; its name
    // opens with its owner's key.
    let access = match &device {
        Some(id) => Some(device_access(&s, id, Permission::ViewAlarms).await?),
        None => None,
    };
    if let Some(a) = &access {
        let name =
            a.key(&state, &s).await?.open(DEVICE_NAME, &a.device.name_ct).map_err(AppError::internal)?;
        names.insert(a.device.id.clone(), name);
    }
    let share = access.as_ref().and_then(|a| a.share.as_ref());
    let filter = EventFilter {
        device_id: device,
        kind: kind.map(String::from),
        from,
        to,
        before,
        limit: i64::from(limit) + 1,
    };
    let mut rows = Vec::new();
    match &access {
        Some(a) => rows.extend(s.db.events_of(&a.device.owner_id, &filter).await?),
        None => {
            for owner in policy::visible_owners(actor(&s)) {
                rows.extend(s.db.events_of(owner, &filter).await?);
            }
        }
    }
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let mut events = Vec::with_capacity(rows.len());
    for e in &rows {
        authorize_through(
            &s,
            share,
            Resource::Event { owner_id: &e.owner_id, device_id: &e.device_id },
            Permission::ViewAlarms,
        )?;
        if !names.contains_key(&e.device_id) {
            let name = match s.db.device(&e.device_id).await? {
                Some(d) => s.key.open(DEVICE_NAME, &d.name_ct).map_err(AppError::internal)?,
                None => String::new(),
            };
            names.insert(e.device_id.clone(), name);
        }
        events.push(AlarmEvent {
            id: e.id.clone(),
            device_id: e.device_id.clone(),
            device_name: names[&e.device_id].clone(),
            kind: EventKind::Motion,
            at: rfc3339(e.at),
            picture_url: format!("/api/events/{}/picture", e.id),
            thumbnail_url: format!("/api/events/{}/thumbnail", e.id),
        });
    }
    let next_before = if more { rows.last().map(|e| format!("{}:{}", e.at, e.id)) } else { None };
    Ok(Json(EventPage { events, next_before }))
}

fn jpeg_response(bytes: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, "image/jpeg")], bytes).into_response()
}

/// A stored picture of `owner_id`'s, opened with their key: the viewer's own for the owner,
/// the owner's (from the directory) for someone a camera is shared with. Gone key: gone.
async fn picture_get(
    state: &AppState,
    s: &CurrentSession,
    owner_id: &str,
    key: &str,
) -> Result<Vec<u8>, AppError> {
    use crate::devices::media::PictureError;
    let owner_key;
    let owner = if owner_id == s.person.id {
        &s.key
    } else {
        owner_key = state.person_key(owner_id).await?.ok_or(AppError::NotFound)?;
        &owner_key
    };
    match state.devices.media.picture(owner, key).await {
        Ok(jpeg) => Ok(jpeg),
        Err(PictureError::NotFound) => Err(AppError::NotFound),
        Err(e) => Err(AppError::internal(e)),
    }
}

#[utoipa::path(get, path = "/events/{id}/picture", tag = "devices",
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "The JPEG.", content_type = "image/jpeg"),
        (status = 403, description = "Its camera is shared with you without its alarms.", body = ApiError),
        (status = 404, description = "No such event, or not yours.", body = ApiError),
    ))]
pub async fn event_picture(
    State(state): State<AppState>,
    s: CurrentSession,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (e, share) = event_for(&s, &id, Permission::ViewAlarms).await?;
    let picture = picture_get(&state, &s, &e.owner_id, &e.picture_key).await?;
    shares::log_use(&state, &s, share.as_ref(), AccessAction::AlarmPicture, now()).await?;
    Ok(jpeg_response(picture))
}

#[utoipa::path(get, path = "/events/{id}/thumbnail", tag = "devices",
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "The small JPEG.", content_type = "image/jpeg"),
        (status = 403, description = "Its camera is shared with you without its alarms.", body = ApiError),
        (status = 404, description = "No such event, or not yours.", body = ApiError),
    ))]
pub async fn event_thumbnail(
    State(state): State<AppState>,
    s: CurrentSession,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (e, _) = event_for(&s, &id, Permission::ViewAlarms).await?;
    Ok(jpeg_response(picture_get(&state, &s, &e.owner_id, &e.thumbnail_key).await?))
}

#[utoipa::path(delete, path = "/events/{id}", tag = "devices",
    params(("id" = String, Path)),
    responses(
        (status = 204, description = "Deleted, with its pictures."),
        (status = 404, description = "No such event, or not yours.", body = ApiError),
    ))]
pub async fn delete_event(
    State(state): State<AppState>,
    s: CurrentSession,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    let (e, _) = event_for(&s, &id, Permission::DeleteAlarms).await?;
    s.db.event_delete(&e.id).await?;
    state.devices.media.delete_many(vec![e.picture_key, e.thumbnail_key]).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Doorbell call records, newest first (the last 100). Owner only.
#[utoipa::path(get, path = "/calls", tag = "devices",
    responses((status = 200, description = "The calls.", body = CallList)))]
pub async fn list_calls(s: CurrentSession) -> Result<Json<CallList>, AppError> {
    let mut calls = Vec::new();
    let mut names: HashMap<String, String> = HashMap::new();
    for owner in policy::visible_owners(actor(&s)) {
        for c in s.db.calls_of(owner, 100).await? {
            if policy::authorize(
                actor(&s),
                Resource::Call { owner_id: &c.owner_id, device_id: &c.device_id },
                Permission::ViewCalls,
            )
            .is_err()
            {
                continue;
            }
            if !names.contains_key(&c.device_id) {
                let name = match s.db.device(&c.device_id).await? {
                    Some(d) => s.key.open(DEVICE_NAME, &d.name_ct).map_err(AppError::internal)?,
                    None => String::new(),
                };
                names.insert(c.device_id.clone(), name);
            }
            calls.push(CallRecord {
                device_name: names[&c.device_id].clone(),
                picture_url: format!("/api/calls/{}/picture", c.id),
                id: c.id,
                device_id: c.device_id,
                at: rfc3339(c.at),
            });
        }
    }
    Ok(Json(CallList { calls }))
}

/// A call's captured picture. Each view is logged (who, when).
#[utoipa::path(get, path = "/calls/{id}/picture", tag = "devices",
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "The JPEG.", content_type = "image/jpeg"),
        (status = 404, description = "No such call, or not yours.", body = ApiError),
    ))]
pub async fn call_picture(
    State(state): State<AppState>,
    s: CurrentSession,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let c = s.db.call(&id).await?.ok_or(AppError::NotFound)?;
    policy::authorize(
        actor(&s),
        Resource::Call { owner_id: &c.owner_id, device_id: &c.device_id },
        Permission::ViewCalls,
    )?;
    let bytes = picture_get(&state, &s, &c.owner_id, &c.picture_key).await?;
    let view_id = uuid::Uuid::new_v4().simple().to_string();
    s.db.call_view_log(&view_id, &c.id, &s.person.id, now()).await?;
    Ok(jpeg_response(bytes))
}

/// The demo cameras `cargo xtask run` started on this machine (serial and label code), so a
/// newcomer can add one at once. Empty elsewhere; only with `--dev-pages`, to this machine.
#[utoipa::path(get, path = "/dev/cameras", tag = "dev",
    responses(
        (status = 200, description = "Demo cameras.", body = [DemoCamera]),
        (status = 404, description = "Not served: without `--dev-pages`, or to a client on another machine.", body = ApiError),
    ))]
pub async fn demo_cameras(
    State(state): State<AppState>,
    _: crate::http::client::DevClient,
) -> Result<Json<Vec<DemoCamera>>, AppError> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(state.devices.cameras_dir()) {
        // Only the state files: a camera rewriting its own (`.tmp`, then a rename) must not
        // show up twice.
        for entry in entries.flatten().filter(|e| e.path().extension().is_some_and(|x| x == "json")) {
            let Ok(bytes) = std::fs::read(entry.path()) else { continue };
            let Ok(v) = serde_json::from_slice::<serde_json::Value>(&bytes) else { continue };
            if let (Some(serial), Some(code), Some(model)) =
                (v["serial"].as_str(), v["code"].as_str(), v["model"].as_str())
            {
                out.push(DemoCamera { serial: serial.into(), code: code.into(), model: model.into() });
            }
        }
    }
    out.sort_by(|a, b| a.serial.cmp(&b.serial));
    Ok(Json(out))
}
