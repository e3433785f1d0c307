//! Sharing a camera (`/api/devices/{id}/shares`, `/api/shares`): an owner lets another person
//! of the same region use it, with a set of permissions, optionally until a time.

use serde::{Deserialize, Serialize};

/// What a share lets the invitee do besides seeing the camera and whether it is online.
/// Sharing, removal and doorbell call records stay the owner's alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SharePermission {
    /// Watch the live view.
    LiveView,
    /// See the alarm events and their pictures.
    Alarms,
    /// Set it up, as an installer: rename it, switch privacy mode. Only for a limited time
    /// (a share with it must end within 7 days); each change is in the owner's log.
    Configure,
}

impl SharePermission {
    pub const ALL: [SharePermission; 3] =
        [SharePermission::LiveView, SharePermission::Alarms, SharePermission::Configure];

    pub fn as_str(self) -> &'static str {
        match self {
            SharePermission::LiveView => "live_view",
            SharePermission::Alarms => "alarms",
            SharePermission::Configure => "configure",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ShareStatus {
    /// Sent; the invitee has not answered. Grants nothing yet.
    Pending,
    Accepted,
    Declined,
}

impl ShareStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ShareStatus::Pending => "pending",
            ShareStatus::Accepted => "accepted",
            ShareStatus::Declined => "declined",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [ShareStatus::Pending, ShareStatus::Accepted, ShareStatus::Declined]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// `POST /api/devices/{id}/shares`: share a camera with the person who uses `email`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShareDevice {
    pub email: String,
    /// At least one.
    pub permissions: Vec<SharePermission>,
    /// RFC 3339, in the future; absent: until revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

/// One use of a share, for the owner to see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShareAccess {
    /// `live_view` (started watching) or `alarm_picture` (opened an alarm picture).
    pub action: String,
    /// RFC 3339.
    pub at: String,
}

/// A share as the camera's owner sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceShare {
    pub id: String,
    pub device_id: String,
    pub invitee_name: String,
    pub invitee_email: String,
    pub permissions: Vec<SharePermission>,
    pub status: ShareStatus,
    /// RFC 3339; absent: until revoked.
    pub expires_at: Option<String>,
    /// The share has run past `expires_at` and grants nothing.
    pub expired: bool,
    pub created_at: String,
    /// While pending: when it lapses unless answered (RFC 3339). A share to an address with
    /// no account yet looks the same as any other pending one: the owner is never told
    /// whether an address has an account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer_by: Option<String>,
    /// The invitee's latest uses, newest first (at most 20).
    pub accesses: Vec<ShareAccess>,
}

/// Changes what a share allows, without ending it: the permissions and the end, both as
/// they are to be from now on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShareEdit {
    /// At least one.
    pub permissions: Vec<SharePermission>,
    /// RFC 3339, in the future; absent: until revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

/// A share as the invitee sees it (`GET /api/shares`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReceivedShare {
    pub id: String,
    pub device_id: String,
    pub device_name: String,
    pub owner_name: String,
    pub permissions: Vec<SharePermission>,
    pub status: ShareStatus,
    pub expires_at: Option<String>,
    pub expired: bool,
    pub online: bool,
    pub privacy_mode: bool,
}
