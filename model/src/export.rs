//! Data export ("Download my data", `/api/privacy/exports/...`): starting an archive, its
//! progress, and where to download it.

use serde::{Deserialize, Serialize};

/// Starts building an archive of everything Ward holds about the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExportStart {
    /// The current password: an archive holds everything, so it is asked again.
    pub password: String,
    /// The language of the archive's `index.html`: `en` or `zh` (default `en`).
    #[serde(default)]
    pub language: Option<String>,
}

/// Confirms the password again to download an archive from a session signed in long ago.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExportConfirm {
    pub password: String,
}

/// Where an archive is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ExportState {
    /// Being gathered; `progress` says how far.
    Running,
    /// Built; downloadable until `expires_at`.
    Ready,
    /// Could not be built; `error` says why. Start again.
    Failed,
}

/// How far the building of an archive is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExportProgress {
    /// The step being done: a section of the archive (`account`, `alarms`, …), `pictures`, …
    pub step: String,
    pub steps_done: u32,
    pub steps_total: u32,
    pub pictures_done: u64,
    pub pictures_total: u64,
}

/// The person's current archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExportStatus {
    pub id: String,
    pub state: ExportState,
    /// While running (and the last figures once ready).
    pub progress: ExportProgress,
    /// RFC 3339.
    pub requested_at: String,
    pub ready_at: Option<String>,
    /// When the archive and its link are deleted (7 days after the request).
    pub expires_at: String,
    /// The archive's size in bytes, once ready.
    pub size: Option<u64>,
    /// The download URL (under `/api`), once ready.
    pub download_url: Option<String>,
    /// Whether this session may download now: signed in or password confirmed within the
    /// last hour. Otherwise confirm the password (`POST …/confirm`) first.
    pub fresh: bool,
    pub error: Option<String>,
}
