//! Access to devices and what they recorded, as a signed-in person asks for it: the facts the
//! policy decides on (whose device, which share) are gathered here, and the decision is
//! `policy::authorize`'s. Handlers of devices, shares and live views all come through here.

use crate::AppState;
use crate::auth::session::{CurrentSession, now};
use crate::devices::policy::{self, Actor, Permission, Resource};
use crate::devices::shares;
use crate::error::AppError;
use crate::store::{Db, DeviceRow, ShareRow};
use crate::vault::PersonKey;

/// The signed-in person, for what is theirs alone (their lists, their calls).
pub(crate) fn actor(s: &CurrentSession) -> Actor<'_> {
    Actor::Person { id: &s.person.id, share: None }
}

/// The share the person holds of someone else's device, if any: a fact for the policy.
pub(crate) async fn held_share(
    s: &CurrentSession,
    owner_id: &str,
    device_id: &str,
) -> Result<Option<ShareRow>, AppError> {
    if owner_id == s.person.id {
        return Ok(None);
    }
    Ok(s.db.share_of(device_id, &s.person.id).await?)
}

/// A device the person may do something with, and the share they do it through (none for
/// the owner).
pub(crate) struct Access {
    pub device: DeviceRow,
    pub share: Option<ShareRow>,
}

impl Access {
    /// The key that opens the device's sealed fields: its owner's.
    pub async fn key<'a>(&self, state: &AppState, s: &'a CurrentSession) -> Result<KeyRef<'a>, AppError> {
        Ok(match self.share {
            None => KeyRef::Own(&s.key),
            Some(_) => {
                KeyRef::Other(state.person_key(&self.device.owner_id).await?.ok_or(AppError::NotFound)?)
            }
        })
    }
}

/// The signed-in person's key, or another person's, loaded for one request.
pub(crate) enum KeyRef<'a> {
    Own(&'a PersonKey),
    Other(PersonKey),
}

impl std::ops::Deref for KeyRef<'_> {
    type Target = PersonKey;
    fn deref(&self) -> &PersonKey {
        match self {
            KeyRef::Own(k) => k,
            KeyRef::Other(k) => k,
        }
    }
}

/// Asks the policy whether the person may do `p` with `resource`, holding `share` of its device.
pub(crate) fn authorize_through(
    s: &CurrentSession,
    share: Option<&ShareRow>,
    resource: Resource<'_>,
    p: Permission,
) -> Result<(), AppError> {
    let grant = share.map(|r| shares::grant(r, now()));
    policy::authorize(Actor::Person { id: &s.person.id, share: grant.as_ref() }, resource, p)
}

/// A device of the session's store, if the policy lets this person do `p` with it.
pub(crate) async fn device_access(s: &CurrentSession, id: &str, p: Permission) -> Result<Access, AppError> {
    let device = s.db.device(id).await?.ok_or(AppError::NotFound)?;
    let share = held_share(s, &device.owner_id, &device.id).await?;
    authorize_through(
        s,
        share.as_ref(),
        Resource::Device { owner_id: &device.owner_id, device_id: &device.id },
        p,
    )?;
    Ok(Access { device, share })
}

/// [`device_access`] when the share it goes through does not matter afterwards.
pub(crate) async fn device_for(s: &CurrentSession, id: &str, p: Permission) -> Result<DeviceRow, AppError> {
    Ok(device_access(s, id, p).await?.device)
}

/// An event the person may do `p` with, and the share they do it through (none for the owner).
pub(crate) async fn event_for(
    s: &CurrentSession,
    id: &str,
    p: Permission,
) -> Result<(crate::store::EventRow, Option<ShareRow>), AppError> {
    let e = s.db.event(id).await?.ok_or(AppError::NotFound)?;
    let share = held_share(s, &e.owner_id, &e.device_id).await?;
    authorize_through(
        s,
        share.as_ref(),
        Resource::Event { owner_id: &e.owner_id, device_id: &e.device_id },
        p,
    )?;
    Ok((e, share))
}

/// Whether `person_id` may be told a change of another owner's device (its status): they
/// hold a share of it in force, as the policy's `View` decides. For the status stream, which
/// has no session to hand to [`device_access`]; a store that does not answer says no.
pub async fn sees_shared(db: &Db, person_id: &str, owner_id: &str, device_id: &str, now: i64) -> bool {
    let Ok(Some(row)) = db.share_of(device_id, person_id).await else { return false };
    let grant = shares::grant(&row, now);
    let actor = Actor::Person { id: person_id, share: Some(&grant) };
    policy::authorize(actor, Resource::Device { owner_id, device_id }, Permission::View).is_ok()
}
