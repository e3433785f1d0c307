//! The camera's secret (issue 13, item 12): checked before its WebSocket is upgraded, and
//! replaced on every claim, so that nobody who knew the old one — a former owner who read it
//! off the camera, a copy of the factory's manifest — can connect as the camera once someone
//! has claimed it.
//!
//! A claim sets `rekey_due` on the factory record (`Db::factory_bind`). The camera's
//! connection then sends `ServerMessage::NewSecret` (at once if it is connected, otherwise
//! when it next connects) and records the new secret's keyed hash as `next_secret_hash`;
//! the camera stores it and answers `AgentMessage::SecretStored`, which makes the new secret
//! the only one accepted. Crash safety, both ways:
//! - the camera crashes (or the connection drops) before storing it: it still holds the old
//!   secret, which is still accepted, and it is sent another new one when it reconnects;
//! - it stored the new one, but the acknowledgement was lost: it connects with the new one,
//!   which is accepted and promoted then.
//!
//! Limit: a camera claimed while offline keeps its old secret until it next connects, and
//! whoever connects first with that secret gets the new one.

use rand::RngCore as _;

use super::constant_time_eq;
use crate::AppState;
use crate::error::AppError;

/// The vault's lookup-hash domain of device secrets (the factory's and every later one).
pub const SECRET_HASH: &str = "device_secret";

/// Checks the secret a connecting camera presents. `None`: refused. `Some(owed)`: accepted,
/// and whether the camera is owed a new secret (claimed since its last one, or one was sent
/// and never acknowledged).
pub async fn authenticate(state: &AppState, hash: &[u8], secret: &str) -> Result<Option<bool>, AppError> {
    let dir = &state.stores.directory;
    let Some(factory) = dir.factory(hash).await? else { return Ok(None) };
    let presented = state.auth.vault.lookup_hash(SECRET_HASH, secret);
    if constant_time_eq(&presented, &factory.secret_hash) {
        return Ok(Some(factory.rekey_due || factory.next_secret_hash.is_some()));
    }
    match &factory.next_secret_hash {
        Some(next) if constant_time_eq(&presented, next) => {
            // It stored the new secret; its acknowledgement never arrived.
            if dir.factory_secret_promote(hash, next).await? {
                tracing::debug!("a camera connected with its new secret before acknowledging it");
            }
            // Re-read: a concurrent connection may have promoted it, or issued a newer one.
            let now = dir.factory(hash).await?;
            Ok(now.filter(|f| constant_time_eq(&presented, &f.secret_hash)).map(|f| f.rekey_due))
        }
        _ => Ok(None),
    }
}

/// Whether the camera is owed a new secret now.
pub async fn owed(state: &AppState, hash: &[u8]) -> Result<bool, AppError> {
    let factory = state.stores.directory.factory(hash).await?;
    Ok(factory.is_some_and(|f| f.rekey_due || f.next_secret_hash.is_some()))
}

/// A new secret sent to a camera: the text it gets, and the keyed hash the server keeps.
pub struct Issued {
    pub secret: String,
    pub hash: Vec<u8>,
}

/// Makes a new secret (32 random bytes from the OS, hex like the factory's) and records its
/// hash as the pending one, beside the current secret.
pub async fn issue(state: &AppState, hash: &[u8]) -> Result<Issued, AppError> {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let secret = hex::encode(bytes);
    let next = state.auth.vault.lookup_hash(SECRET_HASH, &secret);
    state.stores.directory.factory_secret_issue(hash, &next).await?;
    Ok(Issued { secret, hash: next })
}

/// The camera acknowledged `next` as stored: the old secret stops working.
pub async fn stored(state: &AppState, hash: &[u8], next: &[u8]) -> Result<(), AppError> {
    if state.stores.directory.factory_secret_promote(hash, next).await? {
        tracing::info!("a camera's secret was replaced");
    }
    Ok(())
}
