//! `GET /api/agent`: the cameras' WebSocket. The upgrade request names the serial
//! (`X-Ward-Serial`) and carries the device secret (`Authorization: Device <secret>`: the
//! factory's until a claim, then the one `secret.rs` issued); anything else is refused before
//! upgrading. On a claim the camera is sent a new secret over this socket (`secret.rs`). A
//! camera silent for [`OFFLINE_AFTER`] is disconnected and counted offline.

use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use futures_util::{SinkExt as _, StreamExt as _};
use ward_model::{AGENT_AUTH_SCHEME, AGENT_SERIAL_HEADER, AgentMessage, ApiError, Region, ServerMessage};

use super::hub::{Control, Report, StatusChange};
use super::{DEVICE_ADDRESS, media, quota, secret, serial_hash};
use crate::AppState;
use crate::error::AppError;
use crate::store::{CallRow, Charge, Db, EventRow};

/// Heartbeats come every 2 s; three missed ones and a margin make a camera offline, well
/// within the 10 s the portal promises.
pub const OFFLINE_AFTER: Duration = Duration::from_secs(7);
/// A snapshot is tens of KB; nothing a camera sends is near this.
const MAX_MESSAGE: usize = 2 * 1024 * 1024;

fn refused() -> AppError {
    AppError::Unauthorized { message: "Unknown camera or wrong device secret.".into(), fields: vec![] }
}

/// A camera connects.
#[utoipa::path(get, path = "/agent", tag = "devices",
    params(
        ("x-ward-serial" = String, Header, description = "The camera's serial number."),
        ("authorization" = String, Header, description = "`Device <secret>`: the factory's, or the one issued at the last claim."),
    ),
    responses(
        (status = 101, description = "Switching to the agent protocol (JSON text frames)."),
        (status = 401, description = "Unknown serial or wrong secret.", body = ApiError),
    ))]
pub async fn agent_socket(
    State(state): State<AppState>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Result<Response, AppError> {
    let serial = headers.get(AGENT_SERIAL_HEADER).and_then(|v| v.to_str().ok()).ok_or_else(refused)?;
    let secret = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix(AGENT_AUTH_SCHEME))
        .map(str::trim)
        .ok_or_else(refused)?;
    let hash = serial_hash(&state.auth.vault, serial);
    let owed = secret::authenticate(&state, &hash, secret).await?.ok_or_else(refused)?;
    Ok(ws.max_message_size(MAX_MESSAGE).on_upgrade(move |socket| async move {
        if let Err(err) = serve(state, hash, owed, socket).await {
            tracing::debug!(%err, "agent connection ended with an error");
        }
    }))
}

/// Whom the connected camera belongs to, as far as this connection knows.
struct Binding {
    region: Region,
    db: Db,
    device_id: String,
    owner_id: String,
    privacy: bool,
}

async fn binding_of(state: &AppState, hash: &[u8]) -> Result<Option<Binding>, AppError> {
    let Some(factory) = state.stores.directory.factory(hash).await? else { return Ok(None) };
    let Some((region, device_id)) = factory.binding() else { return Ok(None) };
    let db = state.stores.region(region).await?.clone();
    Ok(db.device(&device_id).await?.map(|d| Binding {
        region,
        db,
        device_id,
        owner_id: d.owner_id,
        privacy: d.privacy_mode,
    }))
}

async fn serve(state: AppState, hash: Vec<u8>, owed: bool, socket: WebSocket) -> Result<(), AppError> {
    let hub = &state.devices.hub;
    let (conn, mut control) = hub.connect(&hash);
    let (mut tx, mut rx) = socket.split();
    let mut binding = binding_of(&state, &hash).await?;
    // The hash of a new secret sent on this connection and not yet acknowledged: one at a
    // time, so an acknowledgement names exactly one secret.
    let mut issued: Option<Vec<u8>> = None;
    let result = async {
        send(&mut tx, &state_message(&binding)).await?;
        if let Some(b) = &binding {
            set_online(&state, b, true).await?;
        }
        if owed {
            rekey(&state, &hash, &mut tx, &mut issued).await?;
        }
        let mut report: Option<Report> = None;
        let mut refusals = Refusals::default();
        loop {
            tokio::select! {
                msg = tokio::time::timeout(OFFLINE_AFTER, rx.next()) => {
                    let text = match msg {
                        Err(_) => return Ok(()), // silent too long
                        Ok(None | Some(Err(_)) | Some(Ok(Message::Close(_)))) => return Ok(()),
                        Ok(Some(Ok(Message::Text(t)))) => t,
                        Ok(Some(Ok(_))) => continue,
                    };
                    hub.messages.fetch_add(1, Ordering::Relaxed);
                    let Ok(msg) = serde_json::from_str::<AgentMessage>(text.as_str()) else { continue };
                    match msg {
                        AgentMessage::Heartbeat => {}
                        AgentMessage::Report { firmware, address, time_zone } => {
                            let r = Report { firmware, address, time_zone };
                            hub.set_report(&hash, conn, r.clone());
                            if let Some(b) = &binding {
                                store_report(&state, b, &r).await?;
                            }
                            report = Some(r);
                        }
                        AgentMessage::Alarm { at, picture, thumbnail } => {
                            if let Some(b) = binding.as_ref().filter(|b| !b.privacy)
                                && let Some(refused) =
                                    store_alarm(&state, b, at, &picture, &thumbnail, &mut refusals).await?
                            {
                                send(&mut tx, &refused).await?;
                            }
                        }
                        AgentMessage::Call { at, picture } => {
                            if let Some(b) = binding.as_ref().filter(|b| !b.privacy)
                                && let Some(refused) = store_call(&state, b, at, &picture, &mut refusals).await?
                            {
                                send(&mut tx, &refused).await?;
                            }
                        }
                        AgentMessage::LiveAnswer { session, sdp } => hub.answered(&session, Ok(sdp)),
                        AgentMessage::LiveRefused { session, reason } => hub.answered(&session, Err(reason)),
                        AgentMessage::SecretStored => {
                            if let Some(next) = issued.take() {
                                secret::stored(&state, &hash, &next).await?;
                                // Claimed again while that one was on its way.
                                if secret::owed(&state, &hash).await? {
                                    rekey(&state, &hash, &mut tx, &mut issued).await?;
                                }
                            }
                        }
                    }
                }
                ctl = control.recv() => {
                    let Some(ctl) = ctl else { return Ok(()) }; // replaced by a newer connection
                    match ctl {
                        Control::Bound { region, device_id, owner_id } => {
                            let db = state.stores.region(region).await?.clone();
                            let b = Binding { region, db, device_id, owner_id, privacy: false };
                            if let Some(r) = &report {
                                store_report(&state, &b, r).await?;
                            }
                            set_online(&state, &b, true).await?;
                            binding = Some(b);
                            // Claimed: whoever knew the old secret must not keep it.
                            rekey(&state, &hash, &mut tx, &mut issued).await?;
                        }
                        Control::Privacy(on) => {
                            if let Some(b) = &mut binding { b.privacy = on; }
                        }
                        Control::Unbound => {
                            binding = None;
                            send(&mut tx, &ServerMessage::Unbound).await?;
                            continue;
                        }
                        Control::LiveOffer { session, sdp, label } => {
                            send(&mut tx, &ServerMessage::LiveOffer { session, sdp, label }).await?;
                            continue;
                        }
                        Control::LiveEnd { session } => {
                            send(&mut tx, &ServerMessage::LiveEnd { session }).await?;
                            continue;
                        }
                    }
                    send(&mut tx, &state_message(&binding)).await?;
                }
            }
        }
    }
    .await;
    let current = hub.disconnect(&hash, conn);
    if current && let Some(b) = &binding {
        set_online(&state, b, false).await?;
    }
    let _ = tx.close().await;
    result
}

/// Sends the camera a new secret, unless one is on its way already (the acknowledgement of
/// that one checks whether another is owed).
async fn rekey(
    state: &AppState,
    hash: &[u8],
    tx: &mut futures_util::stream::SplitSink<WebSocket, Message>,
    issued: &mut Option<Vec<u8>>,
) -> Result<(), AppError> {
    if issued.is_some() {
        return Ok(());
    }
    let new = secret::issue(state, hash).await?;
    send(tx, &ServerMessage::NewSecret { secret: new.secret }).await?;
    *issued = Some(new.hash);
    Ok(())
}

fn state_message(b: &Option<Binding>) -> ServerMessage {
    ServerMessage::State { bound: b.is_some(), privacy_mode: b.as_ref().is_some_and(|b| b.privacy) }
}

async fn send(
    tx: &mut futures_util::stream::SplitSink<WebSocket, Message>,
    msg: &ServerMessage,
) -> Result<(), AppError> {
    let text = serde_json::to_string(msg).map_err(AppError::internal)?;
    tx.send(Message::Text(text.into())).await.map_err(AppError::internal)
}

async fn set_online(state: &AppState, b: &Binding, online: bool) -> Result<(), AppError> {
    b.db.device_set_online(&b.device_id, online).await?;
    state.devices.hub.publish(StatusChange {
        owner_id: b.owner_id.clone(),
        device_id: b.device_id.clone(),
        online,
    });
    Ok(())
}

async fn store_report(state: &AppState, b: &Binding, r: &Report) -> Result<(), AppError> {
    let Some(key) = state.person_key(&b.owner_id).await? else { return Ok(()) };
    let address_ct = key.seal(DEVICE_ADDRESS, &r.address);
    b.db.device_report(&b.device_id, &r.firmware, &address_ct, &r.time_zone).await?;
    Ok(())
}

fn jpeg(b64: &str) -> Option<Vec<u8>> {
    B64.decode(b64).ok().filter(|b| b.starts_with(&[0xFF, 0xD8, 0xFF]))
}

fn media_key(b: &Binding, name: &str) -> String {
    format!("{}/{}/{}/{name}", b.region.code(), b.owner_id, b.device_id)
}

/// One connection's memory of its camera's refusals: while its minute is full, pictures are
/// refused without asking the store again (a flooding camera costs no queries), and a
/// refusal is logged once per window, not once per picture.
#[derive(Default)]
struct Refusals {
    rate_until: i64,
    logged_until: i64,
}

/// Counts `bytes` of an alarm's or call's (`of`) pictures against the camera's limits; the
/// message that refuses them if they are over (nothing is counted then).
async fn charge(
    state: &AppState,
    b: &Binding,
    of: &str,
    bytes: usize,
    r: &mut Refusals,
) -> Result<Option<ServerMessage>, AppError> {
    let now = state.devices.clock.now();
    let limits = state.devices.picture_limits;
    let charge = if now < r.rate_until {
        Charge::OverRate { retry_after: r.rate_until - now }
    } else {
        let bytes = i64::try_from(bytes).unwrap_or(i64::MAX);
        let per_day = i64::try_from(limits.bytes_per_day).unwrap_or(i64::MAX);
        b.db.picture_charge(&b.device_id, &b.owner_id, bytes, now, i64::from(limits.per_minute), per_day)
            .await?
    };
    if let Charge::OverRate { retry_after } = charge {
        r.rate_until = now + retry_after;
    }
    let Some((retry_after, error)) = quota::refusal(charge, limits) else { return Ok(None) };
    if now >= r.logged_until {
        r.logged_until = now + retry_after as i64;
        // The device's random id and region only: no owner, serial or address in the log.
        tracing::warn!(
            device = %b.device_id,
            region = b.region.code(),
            of,
            limit = %error.fields[0].code,
            retry_after,
            "a camera's pictures were refused: it is over its limit"
        );
    }
    Ok(Some(ServerMessage::PicturesRefused { of: of.into(), retry_after, error }))
}

/// Stores an alarm: its pictures sealed with the owner's key, then the row. Answers the
/// message that refuses it when the camera is over its limits.
async fn store_alarm(
    state: &AppState,
    b: &Binding,
    at: i64,
    picture: &str,
    thumbnail: &str,
    refusals: &mut Refusals,
) -> Result<Option<ServerMessage>, AppError> {
    let (Some(picture), Some(thumbnail)) = (jpeg(picture), jpeg(thumbnail)) else {
        tracing::debug!("an alarm without a JPEG picture was dropped");
        return Ok(None);
    };
    // No key: the owner's account is being deleted; nothing of theirs is stored any more.
    let Some(owner) = state.person_key(&b.owner_id).await? else { return Ok(None) };
    if let Some(refused) = charge(state, b, "alarm", picture.len() + thumbnail.len(), refusals).await? {
        return Ok(Some(refused));
    }
    let id = uuid::Uuid::new_v4().simple().to_string();
    let row = EventRow {
        picture_key: media_key(b, &format!("{id}.jpg")),
        thumbnail_key: media_key(b, &format!("{id}-thumb.jpg")),
        id,
        device_id: b.device_id.clone(),
        owner_id: b.owner_id.clone(),
        kind: "motion".into(),
        // The server's clock, not the camera's: retention must not trust a device's time.
        at: crate::auth::session::now().min(at.max(0)).max(crate::auth::session::now() - 60),
    };
    let media = &state.devices.media;
    let sealed_picture = media::seal(&owner, &row.picture_key, &picture);
    let sealed_thumbnail = media::seal(&owner, &row.thumbnail_key, &thumbnail);
    media.put(&row.picture_key, sealed_picture).await.map_err(AppError::internal)?;
    media.put(&row.thumbnail_key, sealed_thumbnail).await.map_err(AppError::internal)?;
    if let Err(err) = b.db.event_insert(&row).await {
        media.delete_many(vec![row.picture_key, row.thumbnail_key]).await;
        return Err(err.into());
    }
    Ok(None)
}

async fn store_call(
    state: &AppState,
    b: &Binding,
    at: i64,
    picture: &str,
    refusals: &mut Refusals,
) -> Result<Option<ServerMessage>, AppError> {
    let Some(picture) = jpeg(picture) else { return Ok(None) };
    let Some(owner) = state.person_key(&b.owner_id).await? else { return Ok(None) };
    if let Some(refused) = charge(state, b, "call", picture.len(), refusals).await? {
        return Ok(Some(refused));
    }
    let id = uuid::Uuid::new_v4().simple().to_string();
    let row = CallRow {
        picture_key: media_key(b, &format!("call-{id}.jpg")),
        id,
        device_id: b.device_id.clone(),
        owner_id: b.owner_id.clone(),
        at: crate::auth::session::now().min(at.max(0)).max(crate::auth::session::now() - 60),
    };
    let media = &state.devices.media;
    let sealed = media::seal(&owner, &row.picture_key, &picture);
    media.put(&row.picture_key, sealed).await.map_err(AppError::internal)?;
    if let Err(err) = b.db.call_insert(&row).await {
        media.delete_many(vec![row.picture_key]).await;
        return Err(err.into());
    }
    Ok(None)
}
