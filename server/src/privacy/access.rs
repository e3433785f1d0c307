//! "Who saw my data": every access to a person's data by anyone but themselves, in a chain
//! of records like the consent ledger (each MACed with the master key over its fields and
//! the previous record's MAC; the head anchored in the directory), so a changed, removed or
//! truncated record shows. Written where the access happens (`crate::requests` when the
//! staff open or answer a request, `crate::devices::shares` when an invitee uses a camera);
//! read for "My data" and the export.

use std::collections::HashMap;

use ward_model::{AccessAction, AccessActor, AccessEntry, AccessLog};

use crate::AppState;
use crate::auth::{field, rfc3339};
use crate::devices::DEVICE_NAME;
use crate::error::AppError;
use crate::store::{AccessRow, Chain, Db, NewAccess};
use crate::vault::{PersonKey, Vault};

/// The MAC that chains the records; its own label, so no ledger record passes for one.
pub fn access_mac(vault: &Vault) -> impl Fn(&[u8]) -> Vec<u8> + Send + Sync + '_ {
    move |msg| vault.token_mac("access-log", msg)
}

/// An invitee's same use of the same camera again within this many seconds (one picture
/// after another, a reconnecting live view) is one record: the log says who used which
/// camera and when, without a write per picture. Each staff access is recorded.
pub const INVITEE_COALESCE_SECS: i64 = 600;

/// One access: who, what they did, to what (a request's or a camera's id), when.
pub struct Access<'a> {
    pub actor: AccessActor,
    pub actor_id: &'a str,
    pub action: AccessAction,
    pub object_id: &'a str,
    pub at: i64,
}

/// Records an access to the data of `subject` (whose region store is `db`) and anchors the
/// chain's new head. A person's own use of their data is not an access by someone else and
/// is not recorded.
pub async fn record(state: &AppState, db: &Db, subject: &str, a: &Access<'_>) -> Result<(), AppError> {
    if subject == a.actor_id {
        return Ok(());
    }
    let e = NewAccess {
        at: a.at,
        actor: a.actor.code(),
        actor_id: a.actor_id.into(),
        action: a.action.code(),
        object_id: a.object_id.into(),
    };
    let coalesce = match a.actor {
        AccessActor::Invitee => INVITEE_COALESCE_SECS,
        AccessActor::Staff => 0,
        // A guardian's look at the list, repeated within the window, is one record.
        AccessActor::Guardian => INVITEE_COALESCE_SECS,
    };
    if let Some((records, head)) =
        db.access_append(subject, &e, coalesce, &access_mac(&state.auth.vault)).await?
    {
        state.stores.directory.chain_anchor(Chain::Access, subject, records, &head).await?;
    }
    Ok(())
}

/// The records and whether their chain is whole.
pub async fn chain(
    state: &AppState,
    db: &Db,
    person_id: &str,
) -> Result<(Vec<AccessRow>, ward_model::LedgerVerification), AppError> {
    let rows = db.access_log(person_id).await?;
    let anchor = state.stores.directory.chain_head(Chain::Access, person_id).await?;
    let verification = super::verify_chain(&access_mac(&state.auth.vault), person_id, &rows, anchor.as_ref());
    Ok((rows, verification))
}

/// The person's log, newest first, in words: an invitee's name (opened with the invitee's
/// key: the name the owner already sees on their shares), a camera's name (opened with the
/// person's own key; none once the camera is no longer theirs).
pub async fn log(state: &AppState, db: &Db, person_id: &str, key: &PersonKey) -> Result<AccessLog, AppError> {
    let (rows, verification) = chain(state, db, person_id).await?;
    let mut people: HashMap<String, Option<String>> = HashMap::new();
    let mut cameras: HashMap<String, Option<String>> = HashMap::new();
    let mut entries = Vec::new();
    for r in rows.iter().rev().take(AccessLog::SHOWN) {
        let (Some(actor), Some(action)) =
            (AccessActor::from_code(&r.actor), AccessAction::from_code(&r.action))
        else {
            return Err(AppError::internal(format!("access log record `{}`/`{}`", r.actor, r.action)));
        };
        let who = match actor {
            // The guardian may live in another region: named by the role, not looked up.
            AccessActor::Staff | AccessActor::Guardian => None,
            AccessActor::Invitee => {
                if !people.contains_key(&r.actor_id) {
                    let name = name_of(state, db, &r.actor_id).await?;
                    people.insert(r.actor_id.clone(), name);
                }
                people[&r.actor_id].clone()
            }
        };
        let what = match action {
            AccessAction::RequestOpened
            | AccessAction::RequestAnswered
            | AccessAction::GuardianRequest
            | AccessAction::ChildViewed
            | AccessAction::ChildArchive => None,
            AccessAction::LiveView | AccessAction::AlarmPicture | AccessAction::Configured => {
                if !cameras.contains_key(&r.object_id) {
                    let name = db
                        .device(&r.object_id)
                        .await?
                        .filter(|d| d.owner_id == person_id)
                        .and_then(|d| key.open(DEVICE_NAME, &d.name_ct).ok());
                    cameras.insert(r.object_id.clone(), name);
                }
                cameras[&r.object_id].clone()
            }
        };
        entries.push(AccessEntry { seq: r.seq as u64, at: rfc3339(r.at), actor, who, action, what });
    }
    Ok(AccessLog { entries, total: rows.len() as u64, verification })
}

/// The name on someone's account, if it still exists.
async fn name_of(state: &AppState, db: &Db, person_id: &str) -> Result<Option<String>, AppError> {
    let (Some(person), Some(key)) = (db.person(person_id).await?, state.person_key(person_id).await?) else {
        return Ok(None);
    };
    Ok(key.open(field::NAME, &person.name_ct).ok())
}
