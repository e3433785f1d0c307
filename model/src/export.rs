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
    /// How many pictures it holds, once ready.
    #[serde(default)]
    pub pictures: Option<u64>,
    /// The download URL (under `/api`), once ready.
    pub download_url: Option<String>,
    /// Whether this session may download now: signed in or password confirmed within the
    /// last hour. Otherwise confirm the password (`POST …/confirm`) first.
    pub fresh: bool,
    pub error: Option<String>,
}

/// A service that can receive a copy of a person's archive, declared by the operator in
/// `privacy/recipients.json` (portability: "directly transmit a copy … to a third party").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExportRecipient {
    pub id: String,
    pub name: String,
    /// Who runs it, as it is registered.
    pub legal_entity: String,
    pub description: crate::Localized,
    /// Where the archive is sent (HTTPS), exactly as Ward will send it.
    pub endpoint: String,
    /// The largest archive it accepts, in bytes.
    pub max_bytes: u64,
}

/// Sends a copy of the person's ready archive to a declared recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransferStart {
    /// An `ExportRecipient::id`.
    pub recipient: String,
}

/// Where a copy sent to a recipient is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TransferState {
    /// Being sent, or waiting for its next attempt.
    Sending,
    /// The recipient confirmed it received the archive.
    Sent,
    /// Every attempt failed; `failure` says how. Send it again to retry.
    Failed,
}

/// Why a copy could not be delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TransferFailure {
    /// The service could not be reached (no connection, no answer in time).
    Unreachable,
    /// The service answered with an error (`status`).
    Refused,
    /// The archive was deleted before it could be sent.
    ArchiveGone,
}

/// One copy of the archive sent (or being sent) to a recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExportTransfer {
    pub id: String,
    /// An `ExportRecipient::id`.
    pub recipient: String,
    /// The recipient's name (kept here: a recipient may leave the list later).
    pub recipient_name: String,
    pub state: TransferState,
    pub attempts: u32,
    pub failure: Option<TransferFailure>,
    /// The HTTP status of the last refusal.
    pub status: Option<u16>,
    /// RFC 3339.
    pub requested_at: String,
    pub sent_at: Option<String>,
}

/// Creates a one-time link to the archive for a recipient of the person's own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkStart {
    /// Who the link is for, in the person's words (1–100 characters); only they see it.
    pub label: String,
}

/// A one-time link to the archive: works once, for 72 hours (never past the archive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExportLink {
    pub id: String,
    pub label: String,
    /// RFC 3339.
    pub created_at: String,
    pub expires_at: String,
    /// When it was used (it works once), or revoked.
    pub used_at: Option<String>,
    pub revoked_at: Option<String>,
    /// Only in the answer that created it: the link itself (the server keeps a hash).
    pub url: Option<String>,
}

/// The public key that signs every archive Ward sends to a recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SigningKey {
    /// `Ed25519`.
    pub algorithm: String,
    /// Named in each transfer's `Ward-Signature` header.
    pub key_id: String,
    /// The raw 32-byte public key, base64url without padding.
    pub public_key: String,
    /// What is signed, in words.
    pub message: String,
}

/// What the developer receiver (`--dev-pages`) got: one archive sent to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DevReceived {
    pub transfer: String,
    pub bytes: u64,
    /// The body's SHA-256 matched `Ward-Content-SHA256` and the signature verified.
    pub intact: bool,
    pub signature_valid: bool,
}
