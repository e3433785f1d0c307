//! Devices: factory records, claiming, the connected agents, alarm media and its retention.
//!
//! - The server learns cameras from the factory's manifests (`<data-dir>/factory/*.jsonl`,
//!   one [`FactoryLine`] per camera, imported at start), keeping only keyed hashes of the
//!   serial, the label code and the factory secret in the directory (see ARCHITECTURE.md).
//! - Claiming binds a factory record to a device row in the claimant's region store.
//! - `agent.rs` serves the cameras' WebSocket; `hub.rs` tracks who is connected here.
//! - `secret.rs` checks a camera's secret and replaces it on every claim.
//! - `policy.rs` is the one authorisation point for devices, events and calls.

pub mod access;
pub mod agent;
pub mod hub;
pub mod media;
pub mod policy;
pub mod quota;
pub mod secret;
pub mod shares;

use std::path::Path;

use serde::Deserialize;
use ward_model::{Device, Region};

use crate::AppState;
use crate::auth::limits::Limit;
use crate::auth::session::CurrentSession;
use crate::auth::{field, rfc3339};
use crate::error::AppError;
use crate::store::{DeviceRow, FactoryRow, StoreError, Stores};
use crate::vault::{PersonKey, Vault};
pub use hub::{Control, Hub, StatusChange};
pub use media::Media;
use ward_model::{FieldError, FieldErrorCode};

/// Wrong codes one person may type for one serial, and for how long adding it then waits.
/// Counted per person (not per serial), so a stranger who knows a serial cannot keep its
/// owner from adding the camera; 26⁶ codes at [`CLAIM_WRONG_ANY`] a day per account keep
/// guessing out of reach.
pub const MAX_WRONG_CODES: i64 = 5;
pub const LOCK_SECONDS: i64 = 15 * 60;
const CLAIM_WRONG: Limit = Limit::new(MAX_WRONG_CODES as u32, LOCK_SECONDS);
/// Wrong codes one person may type for any serials in a day.
const CLAIM_WRONG_ANY: Limit = Limit::new(20, 24 * 60 * 60);

/// Sealed-column names of devices (the vault binds each ciphertext to its column).
pub const DEVICE_SERIAL: &str = "device_serial";
pub const DEVICE_NAME: &str = "device_name";
pub const DEVICE_ADDRESS: &str = field::ADDRESS;

/// One line of a factory manifest, as the camera's maker ships it.
#[derive(Debug, Clone, Deserialize)]
pub struct FactoryLine {
    pub serial: String,
    pub model: String,
    pub code: String,
    pub secret: String,
}

pub struct Devices {
    pub hub: Hub,
    pub media: Media,
    pub event_days: u32,
    pub call_days: u32,
    /// STUN/TURN servers for viewers' browsers (`--ice-servers`).
    pub ice_servers: Vec<ward_model::IceServer>,
    /// What one camera may store (`--pictures-per-minute`, `--picture-bytes-per-day`), and
    /// the clock those limits count by.
    pub picture_limits: quota::PictureLimits,
    pub clock: quota::Clock,
    data_dir: std::path::PathBuf,
}

impl Devices {
    pub fn new(media: Media, event_days: u32, call_days: u32, data_dir: &Path) -> Devices {
        Devices {
            hub: Hub::default(),
            media,
            event_days,
            call_days,
            ice_servers: Vec::new(),
            picture_limits: quota::PictureLimits::default(),
            clock: quota::Clock::default(),
            data_dir: data_dir.to_path_buf(),
        }
    }

    /// Where `cargo xtask run` keeps its demo cameras' identity files (the developer page).
    pub fn cameras_dir(&self) -> std::path::PathBuf {
        self.data_dir.join("cameras")
    }
}

pub fn serial_hash(vault: &Vault, serial: &str) -> Vec<u8> {
    vault.lookup_hash("serial", &normalise_serial(serial))
}

pub fn normalise_serial(serial: &str) -> String {
    serial.trim().to_ascii_uppercase()
}

/// A camera's serial number as printed on its label (S/N): 4 to 32 letters and digits,
/// upper-cased, surrounding spaces ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SerialNumber(String);

impl SerialNumber {
    pub fn parse(field: &str, raw: &str) -> Result<SerialNumber, FieldError> {
        let serial = normalise_serial(raw);
        if (4..=32).contains(&serial.len()) && serial.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(SerialNumber(serial))
        } else {
            Err(FieldError {
                field: field.into(),
                code: FieldErrorCode::Malformed,
                message: "Type the serial number as printed on the label (S/N), letters and digits only."
                    .into(),
            })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The 6 letters after CODE on a camera's label, upper-cased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelCode(String);

impl LabelCode {
    pub fn parse(field: &str, raw: &str) -> Result<LabelCode, FieldError> {
        let code = raw.trim().to_ascii_uppercase();
        if code.len() == 6 && code.bytes().all(|b| b.is_ascii_alphabetic()) {
            Ok(LabelCode(code))
        } else {
            Err(FieldError {
                field: field.into(),
                code: FieldErrorCode::Malformed,
                message: "The verification code is the 6 letters after CODE on the label.".into(),
            })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Imports factory records; known serials are left as they are. Returns how many were new.
pub async fn import_factory(
    stores: &Stores,
    vault: &Vault,
    lines: &[FactoryLine],
) -> Result<usize, StoreError> {
    let mut new = 0;
    for l in lines {
        let row = FactoryRow {
            serial_hash: serial_hash(vault, &l.serial),
            model: l.model.clone(),
            code_hash: vault.lookup_hash("device_code", &l.code.trim().to_ascii_uppercase()),
            secret_hash: vault.lookup_hash(secret::SECRET_HASH, &l.secret),
            bound_region: None,
            device_id: None,
            next_secret_hash: None,
            rekey_due: false,
        };
        new += usize::from(stores.directory.factory_insert(&row).await?);
    }
    Ok(new)
}

/// Reads every `*.jsonl` manifest in `dir` (missing dir: nothing).
pub fn read_manifests(dir: &Path) -> anyhow::Result<Vec<FactoryLine>> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(out) };
    for entry in entries {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "jsonl") {
            for (n, line) in std::fs::read_to_string(&path)?.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                out.push(
                    serde_json::from_str(line)
                        .map_err(|e| anyhow::anyhow!("{}:{}: {e}", path.display(), n + 1))?,
                );
            }
        }
    }
    Ok(out)
}

/// A camera as someone it is shared with sees it: its serial number and network address
/// stay its owner's.
pub fn to_shared_api(owner_key: &PersonKey, d: &DeviceRow) -> Result<Device, AppError> {
    Ok(Device { serial: String::new(), address: String::new(), ..to_api(owner_key, d)? })
}

/// A device row as its owner sees it.
pub fn to_api(key: &PersonKey, d: &DeviceRow) -> Result<Device, AppError> {
    let open = |f: &str, ct: &[u8]| key.open(f, ct).map_err(AppError::internal);
    Ok(Device {
        id: d.id.clone(),
        name: open(DEVICE_NAME, &d.name_ct)?,
        serial: open(DEVICE_SERIAL, &d.serial_ct)?,
        model: d.model.clone(),
        firmware: d.firmware.clone(),
        address: match &d.address_ct {
            Some(ct) => open(DEVICE_ADDRESS, ct)?,
            None => String::new(),
        },
        time_zone: d.time_zone.clone(),
        online: d.online,
        privacy_mode: d.privacy_mode,
        added_at: rfc3339(d.created_at),
    })
}

/// Claims a camera for the signed-in person: serial + label code; after five wrong codes
/// that person waits 15 minutes before trying that serial again.
pub async fn claim(
    state: &AppState,
    s: &CurrentSession,
    serial: &SerialNumber,
    code: &LabelCode,
    now: i64,
) -> Result<Device, AppError> {
    if !s.person.email_verified {
        return Err(AppError::Forbidden("Verify your email address before adding a device.".into()));
    }
    let (serial, code) = (serial.as_str(), code.as_str());
    let vault = &state.auth.vault;
    let hash = serial_hash(vault, serial);
    let dir = &state.stores.directory;
    let Some(factory) = dir.factory(&hash).await? else {
        return Err(AppError::field(
            "serial",
            FieldErrorCode::Unknown,
            "No Ward camera has this serial number. Check the S/N on the label.",
        ));
    };
    let limits = &state.auth.limits;
    let (this_serial, any_serial) = (
        format!("claim:{}:{}:{}", s.region.code(), s.person.id, hex::encode(&hash)),
        format!("claim-any:{}:{}", s.region.code(), s.person.id),
    );
    limits.check(&this_serial, CLAIM_WRONG).await?;
    limits.check(&any_serial, CLAIM_WRONG_ANY).await?;
    if !constant_time_eq(&vault.lookup_hash("device_code", code), &factory.code_hash) {
        limits.record(&this_serial, CLAIM_WRONG).await?;
        limits.record(&any_serial, CLAIM_WRONG_ANY).await?;
        let failed = limits.hits(&this_serial, now).await?;
        if failed >= MAX_WRONG_CODES {
            return Err(AppError::TooManyRequests { retry_after: LOCK_SECONDS as u64 });
        }
        let left = MAX_WRONG_CODES - failed;
        return Err(AppError::field(
            "code",
            FieldErrorCode::Wrong,
            format!(
                "This code does not match the serial number. {left} more tries, then adding this camera is locked for 15 minutes."
            ),
        ));
    }
    if let Some((region, device_id)) = factory.binding() {
        let mine =
            region == s.region && s.db.device(&device_id).await?.is_some_and(|d| d.owner_id == s.person.id);
        return Err(if mine {
            AppError::Conflict("This camera is already in your devices.".into())
        } else {
            AppError::Conflict(
                "This camera is bound to another account. Its owner can release it in Ward (Devices → Remove); \
                 or reset the camera (hold its reset button for 10 seconds) and ask Ward support to release it with proof of purchase."
                    .into(),
            )
        });
    }
    let device_id = uuid::Uuid::new_v4().simple().to_string();
    if !dir.factory_bind(&hash, s.region, &device_id).await? {
        return Err(AppError::Conflict("Someone else added this camera a moment ago.".into()));
    }
    let report = state.devices.hub.report(&hash).unwrap_or_default();
    let tail = &serial[serial.len().saturating_sub(4)..];
    let row = DeviceRow {
        id: device_id.clone(),
        owner_id: s.person.id.clone(),
        serial_hash: hash.clone(),
        serial_ct: s.key.seal(DEVICE_SERIAL, serial),
        name_ct: s.key.seal(DEVICE_NAME, &format!("{} {tail}", factory.model)),
        model: factory.model.clone(),
        firmware: report.firmware.clone(),
        address_ct: (!report.address.is_empty()).then(|| s.key.seal(DEVICE_ADDRESS, &report.address)),
        time_zone: report.time_zone.clone(),
        privacy_mode: false,
        online: state.devices.hub.is_connected(&hash),
        created_at: now,
    };
    if let Err(err) = s.db.device_insert(&row).await {
        // Two stores, no shared transaction: undo the binding so nothing half-written stays.
        dir.factory_unbind(&hash, &device_id).await?;
        return Err(err.into());
    }
    state.devices.hub.tell(
        &hash,
        Control::Bound { region: s.region, device_id: device_id.clone(), owner_id: s.person.id.clone() },
    );
    to_api(&s.key, &row)
}

/// Removes a device: its row, events, calls and pictures; the camera is told and unbound.
pub async fn remove(
    state: &AppState,
    region: Region,
    db: &crate::store::Db,
    d: &DeviceRow,
) -> Result<(), AppError> {
    let keys = db.device_media_keys(&d.id).await?;
    db.device_delete(&d.id).await?;
    state.stores.directory.factory_unbind(&d.serial_hash, &d.id).await?;
    state.devices.hub.tell(&d.serial_hash, Control::Unbound);
    state.devices.hub.forget_live_of(&d.id);
    state.devices.media.delete_many(keys).await;
    state.devices.media.delete_prefix(&format!("{}/{}/{}", region.code(), d.owner_id, d.id)).await;
    if d.online {
        state.devices.hub.publish(StatusChange {
            owner_id: d.owner_id.clone(),
            device_id: d.id.clone(),
            online: false,
        });
    }
    Ok(())
}

/// Counts of what a purge deleted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    pub events: u64,
    pub calls: u64,
    pub files: u64,
}

/// Rows deleted per statement by the retention purge: bigger batches touch each scattered
/// index page once for many rows (SQLite alone, 1,000,000 events: 10,000 → 23 s, 100,000 → 7 s);
/// a batch holds the write lock for under a second. Readers are never blocked (WAL).
const PURGE_BATCH: i64 = 100_000;

/// The retention rule for alarm media and call records, at `now` (injected by tests):
/// events older than `event_days` and calls older than `call_days` go, with their pictures.
pub async fn purge(state: &AppState, now: i64) -> Result<Purged, StoreError> {
    let mut purged = Purged::default();
    for (_, db) in state.stores.opened_regions() {
        for (table, days) in
            [("alarm_events", state.devices.event_days), ("call_records", state.devices.call_days)]
        {
            let cutoff = now - i64::from(days) * 86_400;
            // The pictures of one batch are deleted while the next batch's rows are: the
            // store and the file system work at the same time.
            let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<String>>(1);
            let media = state.devices.media.clone();
            let deleter = tokio::spawn(async move {
                let mut files = 0u64;
                while let Some(keys) = rx.recv().await {
                    files += keys.len() as u64;
                    media.delete_many(keys).await;
                }
                files
            });
            let rows = db.media_purge(table, cutoff, PURGE_BATCH, &tx).await;
            drop(tx);
            purged.files += deleter.await.unwrap_or(0);
            if table == "alarm_events" {
                purged.events += rows?;
            } else {
                purged.calls += rows?;
            }
        }
    }
    Ok(purged)
}

/// Seals the pictures stored plain before sealing came (once, at start; see `media.rs`),
/// then runs [`purge`] at start and every ten minutes.
pub async fn retention_job(state: AppState) {
    match media::seal_legacy_pictures(&state.stores, &state.auth.vault, &state.devices.media).await {
        Ok(0) => {}
        Ok(sealed) => tracing::info!(sealed, "pictures stored before sealing are sealed now"),
        Err(err) => {
            tracing::warn!(%err, "sealing the pictures stored before sealing failed; again at the next start")
        }
    }
    let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        every.tick().await;
        match purge(&state, crate::auth::session::now()).await {
            Ok(p) => tracing::debug!(?p, "media retention purge"),
            Err(err) => tracing::warn!(%err, "media retention purge failed"),
        }
    }
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
