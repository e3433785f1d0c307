//! Sharing a camera: the owner names a person of the same region by email with a set of
//! permissions, optionally until a time; the invitee accepts or declines; the owner revokes.
//! What a share allows is decided in `policy.rs` (from [`grant`]); here are the rules of
//! making one, and the two views of it.

use ward_model::{DeviceShare, ReceivedShare, ShareAccess, ShareDevice, SharePermission, ShareStatus};

use super::DEVICE_NAME;
use super::policy::Grant;
use crate::AppState;
use crate::auth::input::Email;
use crate::auth::limits;
use crate::auth::session::CurrentSession;
use crate::auth::{field, rfc3339};
use crate::error::AppError;
use crate::privacy::access::Access;
use crate::store::{DeviceRow, ShareRow};
use ward_model::{AccessAction, AccessActor, FieldErrorCode};

/// A camera is shared with at most this many people.
pub const MAX_SHARES: usize = 20;
/// The owner sees this many of each share's latest uses.
const ACCESSES_SHOWN: i64 = 20;

/// What a stored share is to the policy at `now`.
pub fn grant(row: &ShareRow, now: i64) -> Grant {
    Grant {
        permissions: permissions(&row.permissions),
        status: ShareStatus::parse(&row.status).unwrap_or(ShareStatus::Pending),
        expires_at: row.expires_at,
        now,
    }
}

fn permissions(stored: &str) -> Vec<SharePermission> {
    stored.split(',').filter_map(SharePermission::parse).collect()
}

/// Checks a request to share `device` (the policy has let the owner configure it), then
/// stores the share as pending and mails the invitee. Nothing is stored unless all is well.
pub async fn create(
    state: &AppState,
    s: &CurrentSession,
    device: &DeviceRow,
    req: &ShareDevice,
    now: i64,
) -> Result<DeviceShare, AppError> {
    let mut errs = Vec::new();
    let email = Email::parse("email", &req.email).map_err(|e| errs.push(e)).ok();
    let mut wanted: Vec<SharePermission> = req.permissions.clone();
    wanted.sort();
    wanted.dedup();
    if wanted.is_empty() {
        errs.push(bad("permissions", FieldErrorCode::Required, "Choose at least one thing they may do."));
    }
    let expires_at = match req.expires_at.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => match time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339) {
            Ok(t) if t.unix_timestamp() > now => Some(t.unix_timestamp()),
            Ok(_) => {
                errs.push(bad("expires_at", FieldErrorCode::Past, "Choose a time in the future, or no end."));
                None
            }
            Err(_) => {
                errs.push(bad(
                    "expires_at",
                    FieldErrorCode::Malformed,
                    "Expected a time such as 2026-12-31T18:00:00Z.",
                ));
                None
            }
        },
    };
    let Some(email) = email.filter(|_| errs.is_empty()) else { return Err(AppError::Validation(errs)) };
    state.auth.limits.hit(&format!("share-lookup:{}", s.person.id), limits::SHARE_LOOKUPS).await?;
    let found = state.stores.directory.directory_find(&state.auth.email_hash(&email.normalised())).await?;
    let invitee = match found {
        None => {
            return Err(AppError::field(
                "email",
                FieldErrorCode::UnknownAccount,
                "No Ward account uses this email. Ask them to sign up, then share again.",
            ));
        }
        Some(entry) if entry.person_id == s.person.id => {
            return Err(AppError::field(
                "email",
                FieldErrorCode::OwnEmail,
                "This is your own email: the camera is already yours.",
            ));
        }
        // A camera's data stays in its owner's region, and so do its shares.
        Some(entry) if entry.region != s.region => {
            return Err(AppError::field(
                "email",
                FieldErrorCode::OtherRegion,
                "This person's account is kept in another region. A camera can only be shared with \
                 people whose data is kept in the same region as yours.",
            ));
        }
        Some(entry) => entry.person_id,
    };
    let existing = s.db.shares_of_device(&device.id).await?;
    if existing.iter().any(|r| r.invitee_id == invitee) {
        return Err(AppError::Conflict(
            "This camera is already shared with them. Revoke that share to share it differently.".into(),
        ));
    }
    if existing.len() >= MAX_SHARES {
        return Err(AppError::field(
            "email",
            FieldErrorCode::TooMany,
            format!("A camera can be shared with at most {MAX_SHARES} people. Revoke a share first."),
        ));
    }
    let row = ShareRow {
        id: uuid::Uuid::new_v4().simple().to_string(),
        device_id: device.id.clone(),
        owner_id: s.person.id.clone(),
        invitee_id: invitee,
        permissions: wanted.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(","),
        status: ShareStatus::Pending.as_str().into(),
        expires_at,
        created_at: now,
    };
    s.db.share_insert(&row).await?;
    // Names the owner chose go into the mail on one line each (see `mail::one_line`).
    let owner =
        crate::mail::one_line(&s.key.open(field::NAME, &s.person.name_ct).map_err(AppError::internal)?);
    let camera =
        crate::mail::one_line(&s.key.open(DEVICE_NAME, &device.name_ct).map_err(AppError::internal)?);
    let text = format!(
        "{owner} shared the camera \u{201c}{camera}\u{201d} with you on Ward.\n\n\
         Open Devices in Ward to accept or decline. Until you accept, it grants you nothing.\n"
    );
    let view = owner_view(state, s, &row, now).await?;
    // To the address on their account, as they wrote it when they verified it.
    let subject = format!("{owner} shared a camera with you");
    if let Err(e) = state.auth.mailer.send(&view.invitee_email, &subject, text).await {
        // The share stands; the invitee also finds it on their Devices page.
        tracing::warn!(error = %e, "the invitation mail could not be sent");
    }
    Ok(view)
}

/// A share as its owner sees it: who (opened with the invitee's key), what, and its use.
pub async fn owner_view(
    state: &AppState,
    s: &CurrentSession,
    row: &ShareRow,
    now: i64,
) -> Result<DeviceShare, AppError> {
    let invitee = s.db.person(&row.invitee_id).await?.ok_or(AppError::NotFound)?;
    let key = state.person_key(&invitee.id).await?.ok_or(AppError::NotFound)?;
    let g = grant(row, now);
    let accesses =
        s.db.share_accesses(&row.id, ACCESSES_SHOWN)
            .await?
            .into_iter()
            .map(|(action, at)| ShareAccess { action, at: rfc3339(at) })
            .collect();
    Ok(DeviceShare {
        id: row.id.clone(),
        device_id: row.device_id.clone(),
        invitee_name: key.open(field::NAME, &invitee.name_ct).map_err(AppError::internal)?,
        invitee_email: key.open(field::EMAIL, &invitee.email_ct).map_err(AppError::internal)?,
        expired: g.expired(),
        permissions: g.permissions,
        status: g.status,
        expires_at: row.expires_at.map(rfc3339),
        created_at: rfc3339(row.created_at),
        accesses,
    })
}

/// A share as the invitee sees it: the camera's name and its owner's (opened with the
/// owner's key: sharing is the owner's choice to show them).
pub async fn invitee_view(
    state: &AppState,
    s: &CurrentSession,
    row: &ShareRow,
    now: i64,
) -> Result<Option<ReceivedShare>, AppError> {
    let (Some(device), Some(owner)) = (s.db.device(&row.device_id).await?, s.db.person(&row.owner_id).await?)
    else {
        return Ok(None);
    };
    let key = state.person_key(&owner.id).await?.ok_or(AppError::NotFound)?;
    let g = grant(row, now);
    Ok(Some(ReceivedShare {
        id: row.id.clone(),
        device_id: row.device_id.clone(),
        device_name: key.open(DEVICE_NAME, &device.name_ct).map_err(AppError::internal)?,
        owner_name: key.open(field::NAME, &owner.name_ct).map_err(AppError::internal)?,
        expired: g.expired(),
        permissions: g.permissions,
        status: g.status,
        expires_at: row.expires_at.map(rfc3339),
        online: device.online,
        privacy_mode: device.privacy_mode,
    }))
}

/// Records a use of a share for its owner to see: on the share, and in the owner's "who saw
/// my data" log.
pub async fn log_use(
    state: &AppState,
    s: &CurrentSession,
    share: Option<&ShareRow>,
    action: AccessAction,
    now: i64,
) -> Result<(), AppError> {
    if let Some(share) = share {
        let id = uuid::Uuid::new_v4().simple().to_string();
        s.db.share_access_log(&id, &share.id, &s.person.id, action.code(), now).await?;
        let access = Access {
            actor: AccessActor::Invitee,
            actor_id: &s.person.id,
            action,
            object_id: &share.device_id,
            at: now,
        };
        crate::privacy::access::record(state, &s.db, &share.owner_id, &access).await?;
    }
    Ok(())
}

fn bad(field: &str, code: FieldErrorCode, message: &str) -> ward_model::FieldError {
    ward_model::FieldError { field: field.into(), code, message: message.into() }
}
