//! **The one authorisation point** for devices and what they record.
//!
//! Every handler that touches a device, an alarm event or a call record asks [`authorize`]
//! (or [`visible_owners`] for lists) and never decides on its own. Today only owners pass;
//! shares (with time windows), teams, third-party services and staff become new [`Actor`]
//! kinds or new rules here, and every handler follows without change.

use crate::error::AppError;

/// Who asks.
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    /// A signed-in person.
    Person { id: &'a str },
}

/// What they want to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// See the device, its status and details.
    View,
    /// Rename it, switch privacy mode.
    Configure,
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

/// Allows or refuses. A refusal is `404`, the same answer as for a resource that does not
/// exist, so nobody learns what others own.
pub fn authorize(actor: Actor<'_>, resource: Resource<'_>, permission: Permission) -> Result<(), AppError> {
    let allowed = match actor {
        Actor::Person { id } => {
            let owner = id == resource.owner();
            match (permission, resource) {
                (Permission::ViewCalls, Resource::Call { .. }) => owner,
                (Permission::ViewCalls, _) => false,
                (
                    Permission::View | Permission::Configure | Permission::Remove | Permission::LiveView,
                    Resource::Device { .. },
                ) => owner,
                (
                    Permission::ViewAlarms | Permission::DeleteAlarms,
                    Resource::Event { .. } | Resource::Device { .. },
                ) => owner,
                _ => false,
            }
        }
    };
    if allowed { Ok(()) } else { Err(AppError::NotFound) }
}

/// Whose devices an actor's lists show (today: their own).
pub fn visible_owners<'a>(actor: Actor<'a>) -> Vec<&'a str> {
    match actor {
        Actor::Person { id } => vec![id],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_may_everything_others_nothing() {
        let device = Resource::Device { owner_id: "a", device_id: "d" };
        let event = Resource::Event { owner_id: "a", device_id: "d" };
        let call = Resource::Call { owner_id: "a", device_id: "d" };
        for p in [Permission::View, Permission::Configure, Permission::Remove, Permission::LiveView] {
            assert!(authorize(Actor::Person { id: "a" }, device, p).is_ok());
            assert!(authorize(Actor::Person { id: "b" }, device, p).is_err());
        }
        for p in [Permission::ViewAlarms, Permission::DeleteAlarms] {
            assert!(authorize(Actor::Person { id: "a" }, event, p).is_ok());
            assert!(authorize(Actor::Person { id: "b" }, event, p).is_err());
        }
        assert!(authorize(Actor::Person { id: "a" }, call, Permission::ViewCalls).is_ok());
        assert!(authorize(Actor::Person { id: "b" }, call, Permission::ViewCalls).is_err());
        // A permission meant for another kind of resource is refused, even to the owner.
        assert!(authorize(Actor::Person { id: "a" }, call, Permission::Configure).is_err());
        assert_eq!(visible_owners(Actor::Person { id: "a" }), vec!["a"]);
    }
}
