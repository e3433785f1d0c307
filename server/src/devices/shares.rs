//! Sharing a camera: the owner names a person of the same region by email with a set of
//! permissions, optionally until a time; the invitee accepts or declines; the owner revokes.
//! What a share allows is decided in `policy.rs` (from [`grant`]); here are the rules of
//! making one, and the two views of it.

use ward_model::{
    DeviceShare, ReceivedShare, ShareAccess, ShareDevice, ShareEdit, SharePermission, ShareStatus,
};

use super::DEVICE_NAME;
use super::policy::Grant;
use crate::AppState;
use crate::auth::input::Email;
use crate::auth::limits;
use crate::auth::session::CurrentSession;
use crate::auth::{field, rfc3339};
use crate::error::AppError;
use crate::privacy::access::Access;
use crate::store::{Db, DeviceRow, InvitationRow, ShareRow};
use ward_model::{AccessAction, AccessActor, FieldErrorCode};

/// How long a share that lets its holder set the camera up (an installer's) may last.
pub const INSTALLER_SECS: i64 = 7 * 86_400;
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

/// What a share allows, parsed: its permissions (at least one, each once) and its end (in
/// the future, or none). Every problem is reported at once.
fn terms(
    permissions: &[SharePermission],
    expires_at: Option<&str>,
    now: i64,
    errs: &mut Vec<ward_model::FieldError>,
) -> (String, Option<i64>) {
    let mut wanted: Vec<SharePermission> = permissions.to_vec();
    wanted.sort();
    wanted.dedup();
    if wanted.is_empty() {
        errs.push(bad("permissions", FieldErrorCode::Required, "Choose at least one thing they may do."));
    }
    let expires_at = match expires_at.map(str::trim).filter(|v| !v.is_empty()) {
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
    // An installer's rights are for the job: they end, and soon.
    if wanted.contains(&SharePermission::Configure) && errs.iter().all(|e| e.field != "expires_at") {
        match expires_at {
            None => errs.push(bad(
                "expires_at",
                FieldErrorCode::Required,
                "Setting it up is for a limited time: choose when it ends, at most 7 days from now.",
            )),
            Some(t) if t > now + INSTALLER_SECS => errs.push(bad(
                "expires_at",
                FieldErrorCode::Invalid,
                "Setting it up is for a limited time: at most 7 days from now.",
            )),
            Some(_) => {}
        }
    }
    (wanted.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(","), expires_at)
}

/// Since when an unanswered share or invitation still stands at `now`.
pub fn answerable_since(now: i64) -> i64 {
    now - crate::registry::INVITATION_SECS
}

/// Checks a request to share `device` (the policy has let the owner configure it), then
/// stores it as pending and mails the address. With an account in the owner's region
/// behind the address, it is a share that person answers; without one (none yet, or one in
/// another region) an invitation that becomes such a share when someone verifies the
/// address here within 14 days. The owner's answer is the same either way, so sharing
/// never tells whether an address has an account. Nothing is stored unless all is well.
pub async fn create(
    state: &AppState,
    s: &CurrentSession,
    device: &DeviceRow,
    req: &ShareDevice,
    now: i64,
) -> Result<DeviceShare, AppError> {
    let mut errs = Vec::new();
    let email = Email::parse("email", &req.email).map_err(|e| errs.push(e)).ok();
    let (permissions, expires_at) = terms(&req.permissions, req.expires_at.as_deref(), now, &mut errs);
    let Some(email) = email.filter(|_| errs.is_empty()) else { return Err(AppError::Validation(errs)) };
    // Each share mails an address the owner chose: limited, so Ward is nobody's mail cannon.
    state.auth.limits.hit(&format!("share-lookup:{}", s.person.id), limits::SHARE_LOOKUPS).await?;
    let email_hash = state.auth.email_hash(&email.normalised());
    // A child's account shares only within the family its guardian approves: the guardian.
    if let Some(g) = crate::requests::guardian::consented(&s.db, &s.person.id).await?
        && g.guardian_hash != email_hash
    {
        return Err(AppError::field(
            "email",
            FieldErrorCode::ChildLocked,
            "On a child's account, cameras are shared only with the parent or guardian who consented to it.",
        ));
    }
    let found = state.stores.directory.directory_find(&email_hash).await?;
    let invitee = match found {
        Some(entry) if entry.person_id == s.person.id => {
            return Err(AppError::field(
                "email",
                FieldErrorCode::OwnEmail,
                "This is your own email: the camera is already yours.",
            ));
        }
        // A camera's data stays in its owner's region, and so do its shares.
        Some(entry) if entry.region == s.region => Some(entry.person_id),
        _ => None,
    };
    let since = answerable_since(now);
    let existing = s.db.shares_of_device(&device.id).await?;
    let invited = s.db.invitations_of_device(&device.id, since).await?;
    let already = match &invitee {
        Some(id) => existing.iter().any(|r| &r.invitee_id == id),
        None => invited.iter().any(|i| i.email_hash == email_hash),
    };
    if already {
        return Err(AppError::Conflict(
            "This camera is already shared with this address. Change or revoke that share instead.".into(),
        ));
    }
    if existing.len() + invited.len() >= MAX_SHARES {
        return Err(AppError::field(
            "email",
            FieldErrorCode::TooMany,
            format!("A camera can be shared with at most {MAX_SHARES} people. Revoke a share first."),
        ));
    }
    let id = uuid::Uuid::new_v4().simple().to_string();
    let email_ct = s.key.seal(field::EMAIL, &email.normalised());
    let view = match &invitee {
        Some(invitee) => {
            let row = ShareRow {
                id,
                device_id: device.id.clone(),
                owner_id: s.person.id.clone(),
                invitee_id: invitee.clone(),
                permissions,
                status: ShareStatus::Pending.as_str().into(),
                expires_at,
                created_at: now,
                email_ct: Some(email_ct),
            };
            s.db.share_insert(&row).await?;
            owner_view(state, s, &row, now).await?
        }
        None => {
            let row = InvitationRow {
                id,
                device_id: device.id.clone(),
                owner_id: s.person.id.clone(),
                email_hash,
                email_ct,
                permissions,
                expires_at,
                created_at: now,
            };
            s.db.invitation_insert(&row).await?;
            invitation_view(s, &row, now)?
        }
    };
    // Names the owner chose go into the mail on one line each (see `mail::one_line`).
    let owner =
        crate::mail::one_line(&s.key.open(field::NAME, &s.person.name_ct).map_err(AppError::internal)?);
    let camera =
        crate::mail::one_line(&s.key.open(DEVICE_NAME, &device.name_ct).map_err(AppError::internal)?);
    let text = if invitee.is_some() {
        format!(
            "{owner} shared the camera \u{201c}{camera}\u{201d} with you on Ward.\n\n\
             Open Devices in Ward to accept or decline. Until you accept, it grants you nothing.\n"
        )
    } else {
        let signup = match &state.auth.public_url {
            Some(u) => format!("{}/signup", u.as_str().trim_end_matches('/')),
            None => "/signup".into(),
        };
        format!(
            "{owner} would like to share the camera \u{201c}{camera}\u{201d} with you on Ward.\n\n\
             To see it, create a Ward account with this email address within {days} days, keeping your \
             data in {region}: {signup}\n\
             Once you have verified the address, the camera is waiting under Devices for you to accept. \
             Until then it grants you nothing.\n\n\
             If you already have a Ward account kept in another region, a camera cannot be shared with it \
             yet. If you do not know {owner}, ignore this mail: nothing happens.\n",
            days = crate::registry::INVITATION_DAYS,
            region = region_words(s.region),
        )
    };
    // To the address as the owner wrote it (the account's own, once verified, is the same).
    let subject = format!("{owner} shared a camera with you");
    if let Err(e) = state.auth.mailer.send(&view.invitee_email, &subject, text).await {
        // The share stands; the invitee also finds it on their Devices page.
        tracing::warn!(error = %e, "the invitation mail could not be sent");
    }
    Ok(view)
}

/// Changes what a share (or an invitation) allows, without ending it. An invitee who
/// answered is mailed the new terms; one who may no longer watch stops watching.
pub async fn edit(
    state: &AppState,
    s: &CurrentSession,
    device: &DeviceRow,
    id: &str,
    req: &ShareEdit,
    now: i64,
) -> Result<DeviceShare, AppError> {
    let mut errs = Vec::new();
    let (permissions, expires_at) = terms(&req.permissions, req.expires_at.as_deref(), now, &mut errs);
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    if let Some(row) = s.db.share(id).await?.filter(|r| r.device_id == device.id) {
        if !s.db.share_update(&row.id, &permissions, expires_at).await? {
            return Err(AppError::NotFound);
        }
        let row = ShareRow { permissions, expires_at, ..row };
        let g = grant(&row, now);
        if !g.permissions.contains(&SharePermission::LiveView) || g.expired() {
            state.devices.hub.end_live_of_viewer(&row.device_id, &row.invitee_id);
        }
        let view = owner_view(state, s, &row, now).await?;
        if row.status != ShareStatus::Pending.as_str() {
            tell_invitee(state, s, device, &row, &view).await?;
        }
        return Ok(view);
    }
    let row =
        s.db.invitation(id)
            .await?
            .filter(|i| i.device_id == device.id && i.created_at >= answerable_since(now))
            .ok_or(AppError::NotFound)?;
    if !s.db.invitation_update(&row.id, &permissions, expires_at).await? {
        return Err(AppError::NotFound);
    }
    invitation_view(s, &InvitationRow { permissions, expires_at, ..row }, now)
}

/// Mails an invitee the new terms of a share.
async fn tell_invitee(
    state: &AppState,
    s: &CurrentSession,
    device: &DeviceRow,
    row: &ShareRow,
    view: &DeviceShare,
) -> Result<(), AppError> {
    let Some(invitee) = s.db.person(&row.invitee_id).await? else { return Ok(()) };
    let Some(key) = state.person_key(&invitee.id).await? else { return Ok(()) };
    let to = key.open(field::EMAIL, &invitee.email_ct).map_err(AppError::internal)?;
    let owner =
        crate::mail::one_line(&s.key.open(field::NAME, &s.person.name_ct).map_err(AppError::internal)?);
    let camera =
        crate::mail::one_line(&s.key.open(DEVICE_NAME, &device.name_ct).map_err(AppError::internal)?);
    let allowed = view.permissions.iter().map(|p| permission_words(*p)).collect::<Vec<_>>().join(", ");
    let until = view
        .expires_at
        .as_deref()
        .map_or_else(|| "until it is revoked".to_string(), |t| format!("until {t}"));
    let text = format!(
        "{owner} changed what you may do with the camera \u{201c}{camera}\u{201d} on Ward.\n\n\
         From now on: {allowed}, {until}.\n"
    );
    if let Err(e) =
        state.auth.mailer.send(&to, &format!("{owner} changed a camera shared with you"), text).await
    {
        tracing::warn!(error = %e, "the mail about a changed share could not be sent");
    }
    Ok(())
}

/// Where a region's data is kept, for a mail (the app has its own words, in both languages).
fn region_words(r: ward_model::Region) -> &'static str {
    use ward_model::Region::*;
    match r {
        Us => "the United States",
        Eu => "the European Union",
        Sg => "Singapore",
        Br => "Brazil",
        In => "India",
        Ru => "Russia",
        Cn => "mainland China",
    }
}

fn permission_words(p: SharePermission) -> &'static str {
    match p {
        SharePermission::LiveView => "watch it live",
        SharePermission::Alarms => "see its alarms",
        SharePermission::Configure => "set it up (rename it, switch privacy mode)",
    }
}

/// Ends a share or withdraws an invitation of `device`; false when there is none by `id`.
/// The invitee's live views of the camera stop.
pub async fn revoke(
    state: &AppState,
    s: &CurrentSession,
    device: &DeviceRow,
    id: &str,
) -> Result<bool, AppError> {
    if let Some(row) = s.db.share(id).await?.filter(|r| r.device_id == device.id) {
        s.db.share_delete(&row.id).await?;
        state.devices.hub.end_live_of_viewer(&row.device_id, &row.invitee_id);
        return Ok(true);
    }
    match s.db.invitation(id).await?.filter(|i| i.device_id == device.id) {
        Some(row) => Ok(s.db.invitation_delete(&row.id).await?),
        None => Ok(false),
    }
}

/// The person `person_id` verified the address `email_hash` here: invitations to it become
/// pending shares of theirs (see [`crate::store::Db::claim_invitations`]).
pub async fn claim_invitations(
    db: &Db,
    person_id: &str,
    email_hash: &[u8],
    now: i64,
) -> Result<u64, AppError> {
    Ok(db.claim_invitations(email_hash, person_id, answerable_since(now)).await?)
}

/// An invitation as its owner sees it: like any pending share (the address as typed).
fn invitation_view(s: &CurrentSession, row: &InvitationRow, now: i64) -> Result<DeviceShare, AppError> {
    let g = Grant {
        permissions: permissions(&row.permissions),
        status: ShareStatus::Pending,
        expires_at: row.expires_at,
        now,
    };
    Ok(DeviceShare {
        id: row.id.clone(),
        device_id: row.device_id.clone(),
        invitee_name: String::new(),
        invitee_email: s.key.open(field::EMAIL, &row.email_ct).map_err(AppError::internal)?,
        expired: g.expired(),
        permissions: g.permissions,
        status: ShareStatus::Pending,
        expires_at: row.expires_at.map(rfc3339),
        created_at: rfc3339(row.created_at),
        answer_by: Some(rfc3339(row.created_at + crate::registry::INVITATION_SECS)),
        accesses: Vec::new(),
    })
}

/// Every share and standing invitation of `device`, oldest first, as its owner sees them.
pub async fn of_device(
    state: &AppState,
    s: &CurrentSession,
    device: &DeviceRow,
    now: i64,
) -> Result<Vec<DeviceShare>, AppError> {
    let mut out = Vec::new();
    for row in s.db.shares_of_device(&device.id).await? {
        out.push(owner_view(state, s, &row, now).await?);
    }
    for row in s.db.invitations_of_device(&device.id, answerable_since(now)).await? {
        out.push(invitation_view(s, &row, now)?);
    }
    out.sort_by(|a, b| a.created_at.cmp(&b.created_at).then_with(|| a.id.cmp(&b.id)));
    Ok(out)
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
    // Until they answer, the owner sees what they typed, as for an address with no account.
    let pending = g.status == ShareStatus::Pending;
    let typed = match (&row.email_ct, pending) {
        (Some(ct), true) => Some(s.key.open(field::EMAIL, ct).map_err(AppError::internal)?),
        _ => None,
    };
    Ok(DeviceShare {
        id: row.id.clone(),
        device_id: row.device_id.clone(),
        invitee_name: if pending {
            String::new()
        } else {
            key.open(field::NAME, &invitee.name_ct).map_err(AppError::internal)?
        },
        invitee_email: match typed {
            Some(t) => t,
            None => key.open(field::EMAIL, &invitee.email_ct).map_err(AppError::internal)?,
        },
        expired: g.expired(),
        permissions: g.permissions,
        status: g.status,
        expires_at: row.expires_at.map(rfc3339),
        created_at: rfc3339(row.created_at),
        answer_by: pending.then(|| rfc3339(row.created_at + crate::registry::INVITATION_SECS)),
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
