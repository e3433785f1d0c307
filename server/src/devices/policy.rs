//! **The one authorisation point** for devices and what they record.
//!
//! Every handler that touches a device, an alarm event or a call record asks [`authorize`]
//! (or [`visible_owners`] for lists) and never decides on its own. Handlers only gather the
//! facts (the resource's owner, and the share the person holds of that device, if any);
//! the rules are all here. Teams, third-party services and staff become new [`Actor`]
//! kinds or new rules here, and every handler follows without change.

use ward_model::{SharePermission, ShareStatus};

use crate::error::AppError;

/// A share of the resource's device that the actor holds, as stored.
#[derive(Debug, Clone)]
pub struct Grant {
    pub permissions: Vec<SharePermission>,
    pub status: ShareStatus,
    /// Unix seconds; `None`: until revoked.
    pub expires_at: Option<i64>,
    /// The time of the request.
    pub now: i64,
}

impl Grant {
    /// Past its end time.
    pub fn expired(&self) -> bool {
        self.expires_at.is_some_and(|t| self.now >= t)
    }

    /// Accepted and not expired: only then does a share grant anything.
    pub fn in_force(&self) -> bool {
        self.status == ShareStatus::Accepted && !self.expired()
    }
}

/// Who asks.
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    /// A signed-in person, with the share they hold of the resource's device, if any.
    Person { id: &'a str, share: Option<&'a Grant> },
}

/// What they want to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// See the device, its status and details.
    View,
    /// Rename it, switch privacy mode.
    Configure,
    /// Share it, change or revoke its shares. Owner only: a share never grants it.
    Share,
    /// Remove it from the account (unbinds the camera).
    Remove,
    /// See alarm events and their pictures.
    ViewAlarms,
    DeleteAlarms,
    /// See doorbell call records. Owner only, by policy: a share never grants it.
    ViewCalls,
    /// Watch the live view (media flow camera → browser; the server relays signalling).
    LiveView,
}

/// What it is about: anything owned through a device.
#[derive(Debug, Clone, Copy)]
pub enum Resource<'a> {
    Device { owner_id: &'a str, device_id: &'a str },
    Event { owner_id: &'a str, device_id: &'a str },
    Call { owner_id: &'a str, device_id: &'a str },
}

impl Resource<'_> {
    fn owner(&self) -> &str {
        match self {
            Resource::Device { owner_id, .. }
            | Resource::Event { owner_id, .. }
            | Resource::Call { owner_id, .. } => owner_id,
        }
    }
}

/// What a share in force lets its holder do; `None`: nothing a share can grant.
fn shared_permission(permission: Permission, resource: Resource<'_>) -> Option<Option<SharePermission>> {
    match (permission, resource) {
        // Seeing the camera and whether it is online comes with every share.
        (Permission::View, Resource::Device { .. }) => Some(None),
        (Permission::LiveView, Resource::Device { .. }) => Some(Some(SharePermission::LiveView)),
        (Permission::ViewAlarms, Resource::Device { .. } | Resource::Event { .. }) => {
            Some(Some(SharePermission::Alarms))
        }
        (Permission::Configure, Resource::Device { .. }) => Some(Some(SharePermission::Configure)),
        _ => None,
    }
}

/// Allows or refuses. Someone with no share in force of the device gets `404`, the same
/// answer as for a resource that does not exist, so nobody learns what others own. Someone
/// who may see the camera through a share, but was not granted this, gets `403`.
pub fn authorize(actor: Actor<'_>, resource: Resource<'_>, permission: Permission) -> Result<(), AppError> {
    let Actor::Person { id, share } = actor;
    if id == resource.owner() {
        let allowed = match (permission, resource) {
            (Permission::ViewCalls, Resource::Call { .. }) => true,
            (Permission::ViewCalls, _) => false,
            (
                Permission::View
                | Permission::Configure
                | Permission::Share
                | Permission::Remove
                | Permission::LiveView,
                Resource::Device { .. },
            ) => true,
            (
                Permission::ViewAlarms | Permission::DeleteAlarms,
                Resource::Event { .. } | Resource::Device { .. },
            ) => true,
            _ => false,
        };
        return if allowed { Ok(()) } else { Err(AppError::NotFound) };
    }
    let Some(grant) = share.filter(|g| g.in_force()) else { return Err(AppError::NotFound) };
    match shared_permission(permission, resource) {
        Some(None) => Ok(()),
        Some(Some(needed)) if grant.permissions.contains(&needed) => Ok(()),
        Some(Some(SharePermission::LiveView)) => {
            Err(AppError::Forbidden("The owner has not allowed you to watch this camera live.".into()))
        }
        Some(Some(SharePermission::Alarms)) => {
            Err(AppError::Forbidden("The owner has not allowed you to see this camera's alarms.".into()))
        }
        Some(Some(SharePermission::Configure)) => {
            Err(AppError::Forbidden("The owner has not allowed you to set this camera up.".into()))
        }
        None => Err(AppError::Forbidden("Only the camera's owner can do this.".into())),
    }
}

/// Whose devices an actor's lists show: their own. Cameras shared with them are listed
/// apart (`GET /api/shares`), each one checked here when it is used.
pub fn visible_owners<'a>(actor: Actor<'a>) -> Vec<&'a str> {
    match actor {
        Actor::Person { id, .. } => vec![id],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(id: &str) -> Actor<'_> {
        Actor::Person { id, share: None }
    }

    #[test]
    fn owners_may_everything_others_nothing() {
        let device = Resource::Device { owner_id: "a", device_id: "d" };
        let event = Resource::Event { owner_id: "a", device_id: "d" };
        let call = Resource::Call { owner_id: "a", device_id: "d" };
        for p in [Permission::View, Permission::Configure, Permission::Remove, Permission::LiveView] {
            assert!(authorize(person("a"), device, p).is_ok());
            assert!(matches!(authorize(person("b"), device, p), Err(AppError::NotFound)));
        }
        for p in [Permission::ViewAlarms, Permission::DeleteAlarms] {
            assert!(authorize(person("a"), event, p).is_ok());
            assert!(authorize(person("b"), event, p).is_err());
        }
        assert!(authorize(person("a"), call, Permission::ViewCalls).is_ok());
        assert!(authorize(person("b"), call, Permission::ViewCalls).is_err());
        // A permission meant for another kind of resource is refused, even to the owner.
        assert!(authorize(person("a"), call, Permission::Configure).is_err());
        assert_eq!(visible_owners(person("a")), vec!["a"]);
    }

    #[test]
    fn a_share_grants_what_it_names_while_in_force_and_never_more() {
        let device = Resource::Device { owner_id: "a", device_id: "d" };
        let event = Resource::Event { owner_id: "a", device_id: "d" };
        let call = Resource::Call { owner_id: "a", device_id: "d" };
        let alarms_only = Grant {
            permissions: vec![SharePermission::Alarms],
            status: ShareStatus::Accepted,
            expires_at: Some(100),
            now: 99,
        };
        let b = Actor::Person { id: "b", share: Some(&alarms_only) };
        assert!(authorize(b, device, Permission::View).is_ok());
        assert!(authorize(b, device, Permission::ViewAlarms).is_ok());
        assert!(authorize(b, event, Permission::ViewAlarms).is_ok());
        for (resource, p) in [
            (device, Permission::LiveView),
            (device, Permission::Configure),
            (device, Permission::Remove),
            (event, Permission::DeleteAlarms),
            (call, Permission::ViewCalls),
        ] {
            assert!(matches!(authorize(b, resource, p), Err(AppError::Forbidden(_))), "{p:?}");
        }
        let live = Grant { permissions: vec![SharePermission::LiveView], ..alarms_only.clone() };
        let b = Actor::Person { id: "b", share: Some(&live) };
        assert!(authorize(b, device, Permission::LiveView).is_ok());
        assert!(matches!(authorize(b, event, Permission::ViewAlarms), Err(AppError::Forbidden(_))));
        // Expired, pending or declined: as if there were no share at all.
        for g in [
            Grant { now: 100, ..live.clone() },
            Grant { status: ShareStatus::Pending, ..live.clone() },
            Grant { status: ShareStatus::Declined, ..live.clone() },
        ] {
            let b = Actor::Person { id: "b", share: Some(&g) };
            assert!(matches!(authorize(b, device, Permission::View), Err(AppError::NotFound)));
            assert!(matches!(authorize(b, device, Permission::LiveView), Err(AppError::NotFound)));
        }
    }
}
