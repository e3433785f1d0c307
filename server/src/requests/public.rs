//! Rights requests filed without signing in: by someone who deleted their account, cannot
//! sign in, or never had one. The address is proved by a code mailed to it; neither the
//! answers nor their timing say whether the address has an account.
//!
//! With an account, the request is the account's (its region's law, its timeline, its
//! actions). Without one, the person becomes a *requester* of the region they say they live
//! in: the address and name sealed with a key of their own, kept three years after the last
//! thing that happened to one of their requests (registry), then purged with them.

use ward_model::{FieldErrorCode, Region, RequestKind, RightsRequest};

use super::{Subject, Text};
use crate::AppState;
use crate::auth::input::{Email, Name};
use crate::auth::session::ClientMeta;
use crate::auth::{CODE_VALID_SECS, field as auth_field, limits};
use crate::error::AppError;
use crate::store::{Db, RequesterRow};
use crate::vault::PersonKey;

fn code_hash(state: &AppState, email_hash: &[u8], code: &str) -> Vec<u8> {
    let mut m = email_hash.to_vec();
    m.push(0);
    m.extend_from_slice(code.as_bytes());
    state.auth.vault.token_mac("address-code", &m)
}

/// Mails a code to the address, whether or not it has an account, after the answer (so the
/// answer's timing is the same either way). Limited per address, known or not.
pub async fn ask_code(state: &AppState, email: &Email) -> Result<(), AppError> {
    let hash = state.auth.email_hash(&email.normalised());
    state.auth.limit_mail_to(&hash, "request").await?;
    let code = format!("{:06}", rand::Rng::gen_range(&mut rand::rngs::OsRng, 0..1_000_000u32));
    let expires = state.requests.clock.now() + CODE_VALID_SECS;
    let (state2, to) = (state.clone(), email.as_str().to_owned());
    state.auth.outgoing.spawn(async move {
        let sealed = code_hash(&state2, &hash, &code);
        if let Err(err) = state2.stores.directory.address_code_put(&hash, &sealed, expires).await {
            tracing::warn!(%err, "a request code could not be stored");
            return;
        }
        let text = format!(
            "Someone (hopefully you) wants to send a request to Ward's privacy staff from this address, \
             without signing in.\n\nYour code: {code}\n\nIt is valid for {} minutes and works once. If you \
             did not ask for it, ignore this email; nothing is sent.\n\n— Ward\n",
            CODE_VALID_SECS / 60
        );
        if let Err(err) = state2.auth.mailer.send(&to, "Your code for a privacy request", text).await {
            tracing::warn!(%err, "a request code could not be mailed");
        }
    });
    Ok(())
}

fn wrong() -> AppError {
    AppError::field(
        "code",
        FieldErrorCode::Wrong,
        "This code is not right. Check the latest email from Ward.",
    )
}

/// Checks and uses up the address's code: wrong, expired and exhausted codes are field errors
/// on `code`; after [`limits::CODE_ATTEMPTS`] tries the code is void.
async fn use_code(state: &AppState, email_hash: &[u8], code: &str) -> Result<(), AppError> {
    let dir = &state.stores.directory;
    let Some((hash, expires_at, attempts)) = dir.address_code_attempt(email_hash).await? else {
        return Err(wrong());
    };
    if attempts > limits::CODE_ATTEMPTS {
        dir.address_code_delete(email_hash).await?;
        return Err(AppError::field(
            "code",
            FieldErrorCode::Exhausted,
            "Too many wrong codes. Ask for a new code.",
        ));
    }
    if expires_at < state.requests.clock.now() {
        return Err(AppError::field(
            "code",
            FieldErrorCode::Expired,
            "This code has expired. Ask for a new code.",
        ));
    }
    if hash != code_hash(state, email_hash, code) {
        return Err(wrong());
    }
    // Two requests racing with one code: one of them wins.
    if !dir.address_code_delete(email_hash).await? {
        return Err(wrong());
    }
    Ok(())
}

/// Proves the address by its mailed code (guesses limited per address, known or not, so the
/// limit itself says nothing) and answers its keyed hash.
pub(super) async fn prove(state: &AppState, email: &Email, code: &str) -> Result<Vec<u8>, AppError> {
    let hash = state.auth.email_hash(&email.normalised());
    state.auth.limits.hit(&format!("request-code:{}", hex::encode(&hash)), limits::RESET_CONFIRM).await?;
    use_code(state, &hash, code).await?;
    Ok(hash)
}

/// A request filed without signing in, checked field by field.
pub struct PublicRequest {
    pub email: Email,
    pub code: String,
    pub name: Name,
    pub region: Region,
    pub kind: RequestKind,
    pub details: Text,
}

/// Files the request once the code proves the address: for the account the address belongs
/// to, if any, else for the requester of the chosen region (made on their first request).
/// An account's activity log records it, as if filed from a session.
pub async fn file(
    state: &AppState,
    req: PublicRequest,
    meta: &ClientMeta,
) -> Result<RightsRequest, AppError> {
    let hash = prove(state, &req.email, &req.code).await?;
    if let Some(found) = state.stores.person_by_email(&hash).await? {
        let key = state.person_key(&found.person.id).await?.ok_or(AppError::NotFound)?;
        let who = Subject { region: found.region, db: &found.db, person_id: &found.person.id, key: &key };
        let filed = super::file(state, &who, req.kind, req.details).await?;
        state.auth.log(&found.db, &found.person.id, &key, "request_filed", meta).await?;
        return Ok(filed);
    }
    let now = state.requests.clock.now();
    let (requester, key) = requester(state, req.region, &hash, &req.email, &req.name, now).await?;
    let db = state.stores.region(req.region).await?;
    let who = Subject { region: req.region, db, person_id: &requester.id, key: &key };
    super::file(state, &who, req.kind, req.details).await
}

/// More information for a request (`request_id`) filed with or without an account, once the
/// code proves the address: the address's account's request, or one of its requester's in
/// any region. 404 when no such request is theirs (after the code: only its owner learns it).
pub async fn add_information(
    state: &AppState,
    email: &Email,
    code: &str,
    request_id: &str,
    text: Text,
) -> Result<RightsRequest, AppError> {
    let hash = prove(state, email, code).await?;
    // The account's own request; else a requester's of the same address (a guardian's request
    // is always a requester's, whether or not the guardian has an account).
    if let Some(found) = state.stores.person_by_email(&hash).await?
        && found.db.request_by_id(request_id).await?.is_some_and(|r| r.person_id == found.person.id)
    {
        let key = state.person_key(&found.person.id).await?.ok_or(AppError::NotFound)?;
        let who = Subject { region: found.region, db: &found.db, person_id: &found.person.id, key: &key };
        return super::add_information(state, &who, request_id, text).await;
    }
    for region in Region::ALL {
        let Some(db) = state.stores.existing_region(region).await? else { continue };
        let Some(requester) = db.requester_by_email(&hash).await? else { continue };
        if db.request_by_id(request_id).await?.is_none_or(|r| r.person_id != requester.id) {
            continue;
        }
        let key = state.person_key(&requester.id).await?.ok_or(AppError::NotFound)?;
        db.requester_touch(&requester.id, state.requests.clock.now()).await?;
        let who = Subject { region, db, person_id: &requester.id, key: &key };
        return super::add_information(state, &who, request_id, text).await;
    }
    Err(AppError::NotFound)
}

/// The region's requester of the address `email_hash` (proved), made on their first request,
/// their retention started again; with their key.
pub(super) async fn requester(
    state: &AppState,
    region: Region,
    email_hash: &[u8],
    email: &Email,
    name: &Name,
    now: i64,
) -> Result<(RequesterRow, PersonKey), AppError> {
    let db = state.stores.region(region).await?;
    let (requester, key) = match db.requester_by_email(email_hash).await? {
        Some(r) => {
            let key = state.person_key(&r.id).await?.ok_or(AppError::NotFound)?;
            (r, key)
        }
        None => new_requester(state, region, email_hash, email, name, now).await?,
    };
    db.requester_touch(&requester.id, now).await?;
    Ok((requester, key))
}

async fn new_requester(
    state: &AppState,
    region: Region,
    email_hash: &[u8],
    email: &Email,
    name: &Name,
    now: i64,
) -> Result<(RequesterRow, PersonKey), AppError> {
    let db = state.stores.region(region).await?;
    let id = uuid::Uuid::new_v4().to_string();
    let (key, wrapped) = state.auth.vault.new_person_key(&id);
    // The key first: a requester row whose key is missing could never be read.
    state.stores.directory.key_insert(&id, &wrapped).await?;
    let row = RequesterRow {
        id: id.clone(),
        email_hash: email_hash.to_vec(),
        email_ct: key.seal(auth_field::EMAIL, email.as_str()),
        name_ct: key.seal(auth_field::NAME, name.as_str()),
        created_at: now,
        last_active_at: now,
    };
    if db.requester_insert(&row).await? {
        return Ok((row, key));
    }
    // Filed twice at once from the same address: the other one made the requester.
    state.stores.directory.directory_forget(&id).await?;
    let row = db.requester_by_email(email_hash).await?.ok_or(AppError::NotFound)?;
    let key = state.person_key(&row.id).await?.ok_or(AppError::NotFound)?;
    Ok((row, key))
}

/// Deletes the requesters of the region store `db` whose retention (registry) has run out at
/// `now`, with their requests, then destroys their keys. Answers how many went.
pub async fn purge(directory: &Db, db: &Db, now: i64) -> Result<usize, AppError> {
    let days = crate::registry::retention_days("requesters").unwrap_or(u32::MAX);
    let ids = db.requesters_purge(now.saturating_sub(i64::from(days) * 86_400)).await?;
    for id in &ids {
        directory.directory_forget(id).await?;
    }
    Ok(ids.len())
}
