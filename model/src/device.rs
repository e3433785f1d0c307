//! Devices: the portal's requests and answers under `/api/devices`, `/api/events` and
//! `/api/calls`, and the messages a camera agent and the server exchange over the agent
//! WebSocket (`/api/agent`).

use serde::{Deserialize, Serialize};

/// `POST /api/devices`: claim a camera with the serial number and code from its label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClaimDevice {
    pub serial: String,
    pub code: String,
}

impl ClaimDevice {
    /// What a camera label's QR code says: `WARD:<serial>:<code>`. The camera prints it and
    /// the portal's scanner reads it back, so the format lives here, once.
    pub fn label_text(&self) -> String {
        format!("WARD:{}:{}", self.serial, self.code)
    }

    /// Reads a label's QR text; `None` for any other QR code (a URL, a Wi-Fi code...).
    pub fn from_label_text(text: &str) -> Option<Self> {
        let mut parts = text.trim().split(':');
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some("WARD"), Some(serial), Some(code), None) if !serial.is_empty() && !code.is_empty() => {
                Some(ClaimDevice { serial: serial.into(), code: code.into() })
            }
            _ => None,
        }
    }
}

/// `PATCH /api/devices/{id}`: rename and/or switch privacy mode.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privacy_mode: Option<bool>,
}

/// One device as its owner sees it (or someone it is shared with).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Device {
    pub id: String,
    pub name: String,
    /// Empty on a camera shared with you (it stays its owner's).
    pub serial: String,
    pub model: String,
    pub firmware: String,
    /// The address the camera last reported (its network address). Empty on a camera
    /// shared with you.
    pub address: String,
    /// IANA time zone the camera reported, e.g. `Europe/Berlin`.
    pub time_zone: String,
    pub online: bool,
    pub privacy_mode: bool,
    /// RFC 3339.
    pub added_at: String,
}

/// `GET /api/devices?page=&per_page=&q=&status=`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DevicePage {
    pub devices: Vec<Device>,
    /// Devices matching the filter, over all pages.
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}

/// Pushed on `GET /api/devices/status` (server-sent events): a device went on- or offline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceStatus {
    pub id: String,
    pub online: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Motion,
}

/// One alarm event (picture URLs are under `/api/events/{id}/...`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlarmEvent {
    pub id: String,
    pub device_id: String,
    pub device_name: String,
    pub kind: EventKind,
    /// RFC 3339.
    pub at: String,
    pub picture_url: String,
    pub thumbnail_url: String,
}

/// `GET /api/events?device=&kind=&from=&to=&before=`: newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventPage {
    pub events: Vec<AlarmEvent>,
    /// Pass as `before` to get the next (older) page; absent on the last page.
    pub next_before: Option<String>,
}

/// A doorbell call: when, and the picture the camera captured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CallRecord {
    pub id: String,
    pub device_id: String,
    pub device_name: String,
    pub at: String,
    pub picture_url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CallList {
    pub calls: Vec<CallRecord>,
}

/// `GET /api/dev/cameras`: demo cameras this machine runs, for the developer page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DemoCamera {
    pub serial: String,
    pub code: String,
    pub model: String,
}

/// A STUN or TURN server for the viewer's browser (`GET /api/live/ice-servers`), in the
/// shape of WebRTC's `RTCIceServer`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IceServer {
    pub urls: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}

// ---- The agent protocol (JSON text frames on `/api/agent`) -------------------------------

/// Agent → server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AgentMessage {
    /// Sent after connecting and whenever something changes.
    Report {
        firmware: String,
        address: String,
        time_zone: String,
    },
    Heartbeat,
    /// A motion alarm; pictures are base64 JPEG.
    Alarm {
        at: i64,
        picture: String,
        thumbnail: String,
    },
    /// Someone rang the doorbell.
    Call {
        at: i64,
        picture: String,
    },
    /// The answer to a viewer's offer (`ServerMessage::LiveOffer`): SDP text.
    LiveAnswer {
        session: String,
        sdp: String,
    },
    /// No live view for this offer (privacy mode, no owner, or an offer it cannot serve).
    LiveRefused {
        session: String,
        reason: String,
    },
    /// The secret of `ServerMessage::NewSecret` is stored where the camera keeps its
    /// identity: the server now accepts only it.
    SecretStored,
}

/// Server → agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// The camera's state as the server holds it; sent on connect and on every change.
    State { bound: bool, privacy_mode: bool },
    /// The owner removed the camera: forget them.
    Unbound,
    /// An alarm's or a call's pictures (`of`: `alarm` or `call`) were refused and not stored:
    /// the camera is over its limit. `error.code` is `too_many_requests`; its one field
    /// (`picture`) names the limit (`rate`: pictures a minute, `daily_bytes`: bytes a day) and
    /// says when the camera may send again, `retry_after` seconds from now.
    PicturesRefused { of: String, retry_after: u64, error: crate::ApiError },
    /// A viewer's WebRTC offer (SDP text), relayed as it came; `label` is the device's name
    /// for the picture. The media then flow from the camera to the viewer, never through
    /// the server.
    LiveOffer { session: String, sdp: String, label: String },
    /// The viewer left: stop streaming to them.
    LiveEnd { session: String },
    /// The camera's new secret (64 hex digits), issued when someone claims it, so that no one
    /// who knew the old one (a former owner) can connect as the camera. The camera stores it
    /// durably, uses it from its next connection on, and answers `SecretStored`; until that
    /// answer the server accepts the old secret as well.
    NewSecret { secret: String },
}

/// Headers of the agent's WebSocket upgrade request.
pub const AGENT_SERIAL_HEADER: &str = "x-ward-serial";
/// `Authorization: Device <factory secret>`.
pub const AGENT_AUTH_SCHEME: &str = "Device";
