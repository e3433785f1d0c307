//! Passkeys: adding and removing them (`/api/account/passkeys`), and signing in with one
//! (`/api/session/passkey`), each a two-step WebAuthn ceremony.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use ward_model::{
    ApiError, PasskeyAnswer, PasskeyChallenge, PasskeySummary, PasswordOnly, SessionInfo, SignIn,
};
use webauthn_rs::Webauthn;
use webauthn_rs::prelude::{Passkey, PublicKeyCredential, RegisterPublicKeyCredential, Uuid};

use crate::AppState;
use crate::auth::passkeys::{Pending, relying_party};
use crate::auth::session::{ClientMeta, CurrentSession, now};
use crate::auth::signin::{check_password, start_session, tell};
use crate::auth::{field, rfc3339};
use crate::error::{AppError, Json};
use crate::store::{Db, Found, PasskeyRow};
use crate::vault::PersonKey;
use ward_model::FieldErrorCode;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register_options))
        .routes(routes!(list, register))
        .routes(routes!(remove))
        .routes(routes!(sign_in_options))
        .routes(routes!(second_step_options))
        .routes(routes!(sign_in))
}

fn rp(state: &AppState, headers: &HeaderMap) -> Result<Webauthn, AppError> {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    relying_party(state.auth.public_url.as_ref(), host)
}

fn options_json(value: &impl serde::Serialize) -> Result<String, AppError> {
    serde_json::to_string(value).map_err(AppError::internal)
}

fn expired() -> AppError {
    AppError::field(
        "ceremony",
        FieldErrorCode::Expired,
        "This passkey request has expired. Please try again.",
    )
}

fn refused() -> AppError {
    AppError::Unauthorized { message: "This passkey was not accepted.".into(), fields: vec![] }
}

fn person_uuid(person_id: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(person_id).map_err(AppError::internal)
}

/// Starts adding a passkey to the account; needs the current password (a passkey signs in
/// on its own, so a stolen session must not be able to add one).
#[utoipa::path(post, path = "/account/passkeys/options", tag = "accounts", request_body = PasswordOnly,
    responses(
        (status = 200, description = "Options for `navigator.credentials.create`.", body = PasskeyChallenge),
        (status = 409, description = "Ward is not reached by a domain name.", body = ApiError),
        (status = 422, description = "The password is missing or wrong.", body = ApiError),
        (status = 429, description = "Too many wrong passwords: try again later.", body = ApiError),
        (status = 503, description = "Too many passkey ceremonies are in progress on this server.", body = ApiError),
    ))]
pub async fn register_options(
    State(state): State<AppState>,
    headers: HeaderMap,
    s: CurrentSession,
    Json(req): Json<PasswordOnly>,
) -> Result<Json<PasskeyChallenge>, AppError> {
    let rp = rp(&state, &headers)?;
    // The ceremony is handed out only after this, so finishing it needs no second check.
    state.auth.reauthenticate(&s.person, Some(&req.password), "password").await?;
    let existing = keys_of(&s).await?;
    let exclude = existing.iter().map(|(_, k)| k.cred_id().clone()).collect();
    let email = s.key.open(field::EMAIL, &s.person.email_ct).map_err(AppError::internal)?;
    let name = s.key.open(field::NAME, &s.person.name_ct).map_err(AppError::internal)?;
    let (options, reg) = rp
        .start_passkey_registration(person_uuid(&s.person.id)?, &email, &name, Some(exclude))
        .map_err(AppError::internal)?;
    // A discoverable credential (kept on the authenticator with the user handle), so the
    // passkey signs in without an email typed first; webauthn-rs does not ask for one.
    let mut options = serde_json::to_value(&options).map_err(AppError::internal)?;
    options["publicKey"]["authenticatorSelection"]["residentKey"] = "required".into();
    options["publicKey"]["authenticatorSelection"]["requireResidentKey"] = true.into();
    let ceremony =
        state.auth.ceremonies.put(Pending::Register { person_id: s.person.id.clone(), state: reg })?;
    Ok(Json(PasskeyChallenge { ceremony, options: options_json(&options)? }))
}

/// The person's passkeys, opened.
async fn open_passkeys(
    db: &Db,
    person_id: &str,
    key: &PersonKey,
) -> Result<Vec<(PasskeyRow, Passkey)>, AppError> {
    let rows = db.passkeys_of(person_id).await?;
    rows.into_iter()
        .map(|row| {
            let json = key.open(field::PASSKEY, &row.credential_ct).map_err(AppError::internal)?;
            let passkey: Passkey = serde_json::from_str(&json).map_err(AppError::internal)?;
            Ok((row, passkey))
        })
        .collect()
}

async fn keys_of(s: &CurrentSession) -> Result<Vec<(PasskeyRow, Passkey)>, AppError> {
    open_passkeys(&s.db, &s.person.id, &s.key).await
}

/// Keeps the used passkey's signature counter current (a cloned authenticator shows up as
/// a step back) and its last use.
async fn record_use(
    db: &Db,
    key: &PersonKey,
    keys: &mut [(PasskeyRow, Passkey)],
    result: &webauthn_rs::prelude::AuthenticationResult,
) -> Result<(), AppError> {
    if let Some((row, passkey)) = keys.iter_mut().find(|(_, k)| k.cred_id() == result.cred_id()) {
        passkey.update_credential(result);
        db.passkey_used(&row.id, &key.seal(field::PASSKEY, &options_json(passkey)?), now()).await?;
    }
    Ok(())
}

/// Finishes adding a passkey with the browser's new credential.
#[utoipa::path(post, path = "/account/passkeys", tag = "accounts", request_body = PasskeyAnswer,
    responses(
        (status = 201, description = "Added.", body = PasskeySummary),
        (status = 409, description = "Passkeys need Ward to be opened by a domain name.", body = ApiError),
        (status = 422, description = "The ceremony expired or the credential is not valid.", body = ApiError),
    ))]
pub async fn register(
    State(state): State<AppState>,
    headers: HeaderMap,
    meta: ClientMeta,
    s: CurrentSession,
    Json(req): Json<PasskeyAnswer>,
) -> Result<(StatusCode, Json<PasskeySummary>), AppError> {
    let rp = rp(&state, &headers)?;
    let Some(Pending::Register { person_id, state: reg }) = state.auth.ceremonies.take(&req.ceremony) else {
        return Err(expired());
    };
    if person_id != s.person.id {
        return Err(expired());
    }
    let credential: RegisterPublicKeyCredential = serde_json::from_str(&req.credential).map_err(|_| {
        AppError::field("credential", FieldErrorCode::Malformed, "The browser's answer could not be read.")
    })?;
    let passkey = rp.finish_passkey_registration(&credential, &reg).map_err(|_| {
        AppError::field(
            "credential",
            FieldErrorCode::Refused,
            "The authenticator's answer was not accepted. Try again.",
        )
    })?;
    let at = now();
    let row = PasskeyRow {
        id: uuid::Uuid::new_v4().simple().to_string(),
        person_id: s.person.id.clone(),
        credential_ct: s.key.seal(field::PASSKEY, &options_json(&passkey)?),
        name_ct: s.key.seal(field::PASSKEY_NAME, &meta.browser),
        created_at: at,
        last_used: at,
    };
    s.db.passkey_insert(&row).await?;
    state.auth.log(&s.db, &s.person.id, &s.key, "passkey_added", &meta).await?;
    tell(
        &state,
        &s,
        "A passkey was added to your Ward account",
        &format!(
            "A passkey ({}) was just added to your Ward account. It can sign in without a password.",
            meta.browser
        ),
    )
    .await;
    let summary =
        PasskeySummary { id: row.id, name: meta.browser, created_at: rfc3339(at), last_used: rfc3339(at) };
    Ok((StatusCode::CREATED, Json(summary)))
}

/// The account's passkeys.
#[utoipa::path(get, path = "/account/passkeys", tag = "accounts",
    responses((status = 200, description = "Oldest first.", body = [PasskeySummary])))]
pub async fn list(s: CurrentSession) -> Result<Json<Vec<PasskeySummary>>, AppError> {
    let rows = s.db.passkeys_of(&s.person.id).await?;
    let out = rows
        .into_iter()
        .map(|r| {
            Ok(PasskeySummary {
                name: s.key.open(field::PASSKEY_NAME, &r.name_ct).map_err(AppError::internal)?,
                created_at: rfc3339(r.created_at),
                last_used: rfc3339(r.last_used),
                id: r.id,
            })
        })
        .collect::<Result<_, AppError>>()?;
    Ok(Json(out))
}

/// Removes a passkey.
#[utoipa::path(delete, path = "/account/passkeys/{id}", tag = "accounts",
    params(("id" = String, Path, description = "A passkey id from the list.")),
    responses(
        (status = 204, description = "Removed."),
        (status = 404, description = "This account has no such passkey.", body = ApiError),
    ))]
pub async fn remove(
    State(state): State<AppState>,
    meta: ClientMeta,
    s: CurrentSession,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    if !s.db.passkey_delete(&s.person.id, &id).await? {
        return Err(AppError::NotFound);
    }
    state.auth.log(&s.db, &s.person.id, &s.key, "passkey_removed", &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Starts a password-less sign-in with any passkey of this site.
#[utoipa::path(post, path = "/session/passkey/options", tag = "accounts",
    responses(
        (status = 200, description = "Options for `navigator.credentials.get`.", body = PasskeyChallenge),
        (status = 409, description = "Ward is not reached by a domain name.", body = ApiError),
        (status = 503, description = "Too many passkey ceremonies are in progress on this server.", body = ApiError),
    ))]
pub async fn sign_in_options(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<PasskeyChallenge>, AppError> {
    let rp = rp(&state, &headers)?;
    let (options, auth) = rp.start_discoverable_authentication().map_err(AppError::internal)?;
    let ceremony = state.auth.ceremonies.put(Pending::SignIn(auth))?;
    Ok(Json(PasskeyChallenge { ceremony, options: options_json(&options)? }))
}

/// Starts the passkey second step of a password sign-in: when two-step verification is on,
/// one of the account's passkeys may stand in for the authenticator code.
#[utoipa::path(post, path = "/session/second-step", tag = "accounts", request_body = SignIn,
    responses(
        (status = 200, description = "Options for `navigator.credentials.get`, limited to this account's passkeys; finish at `POST /session/passkey`.", body = PasskeyChallenge),
        (status = 401, description = "Wrong credentials.", body = ApiError),
        (status = 409, description = "Ward is not reached by a domain name.", body = ApiError),
        (status = 422, description = "Two-step verification is off, or the account has no passkey (field `passkey`).", body = ApiError),
        (status = 429, description = "Too many failed attempts; `Retry-After` says when to retry.", body = ApiError),
        (status = 503, description = "Too many passkey ceremonies are in progress on this server.", body = ApiError),
    ))]
pub async fn second_step_options(
    State(state): State<AppState>,
    headers: HeaderMap,
    meta: ClientMeta,
    Json(req): Json<SignIn>,
) -> Result<Json<PasskeyChallenge>, AppError> {
    let rp = rp(&state, &headers)?;
    let (attempt, Found { region, db, person }, key) = check_password(&state, &meta, &req).await?;
    // The password was right: not a failure. The ceremony's end counts as one or a success.
    attempt.undecided(&state.auth).await?;
    if !person.totp_enabled {
        return Err(AppError::field(
            "passkey",
            FieldErrorCode::NotNeeded,
            "Two-step verification is off for this account: your password is enough.",
        ));
    }
    let keys = open_passkeys(&db, &person.id, &key).await?;
    if keys.is_empty() {
        return Err(AppError::field(
            "passkey",
            FieldErrorCode::NoPasskey,
            "This account has no passkey yet. Enter the code from your authenticator app.",
        ));
    }
    let passkeys: Vec<Passkey> = keys.into_iter().map(|(_, k)| k).collect();
    let (options, auth) = rp.start_passkey_authentication(&passkeys).map_err(AppError::internal)?;
    let ceremony = state.auth.ceremonies.put(Pending::SecondStep {
        person_id: person.id,
        region,
        attempt: attempt.account_key,
        state: auth,
    })?;
    Ok(Json(PasskeyChallenge { ceremony, options: options_json(&options)? }))
}

/// Signs in with a passkey: on its own (password-less; the passkey is both factors), or as
/// the second step after the password (`POST /session/second-step`).
#[utoipa::path(post, path = "/session/passkey", tag = "accounts", request_body = PasskeyAnswer,
    responses(
        (status = 200, description = "Signed in; the session cookie is set.", body = SessionInfo),
        (status = 401, description = "The passkey was not accepted.", body = ApiError),
        (status = 409, description = "Passkeys need Ward to be opened by a domain name.", body = ApiError),
        (status = 422, description = "The ceremony expired.", body = ApiError),
    ))]
pub async fn sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    meta: ClientMeta,
    Json(req): Json<PasskeyAnswer>,
) -> Result<Response, AppError> {
    let rp = rp(&state, &headers)?;
    let pending = state.auth.ceremonies.take(&req.ceremony).ok_or_else(expired)?;
    let credential: PublicKeyCredential = serde_json::from_str(&req.credential).map_err(|_| refused())?;
    let (person_id, region, second_step) = match &pending {
        Pending::SignIn(_) => {
            let (user, _) = rp.identify_discoverable_authentication(&credential).map_err(|_| refused())?;
            let person_id = user.simple().to_string();
            let region = state.stores.directory.directory_region_of(&person_id).await?.ok_or_else(refused)?;
            (person_id, region, None)
        }
        Pending::SecondStep { person_id, region, attempt, .. } => {
            (person_id.clone(), *region, Some(attempt.clone()))
        }
        Pending::Register { .. } => return Err(expired()),
    };
    let db = state.stores.region(region).await?.clone();
    let person = db.person(&person_id).await?.ok_or_else(refused)?;
    let key = state.person_key(&person.id).await?.ok_or(AppError::NotFound)?;
    let mut keys = open_passkeys(&db, &person.id, &key).await?;
    let result = match pending {
        Pending::SignIn(auth) => {
            let discoverable: Vec<_> = keys.iter().map(|(_, k)| k.into()).collect();
            rp.finish_discoverable_authentication(&credential, auth, &discoverable)
        }
        Pending::SecondStep { state: auth, .. } => rp.finish_passkey_authentication(&credential, &auth),
        Pending::Register { .. } => return Err(expired()),
    };
    let result = match result {
        Ok(result) => result,
        Err(_) => {
            if let Some(attempt) = &second_step {
                state.auth.limits.delay_fail(attempt).await?;
                state.auth.log(&db, &person.id, &key, "sign_in_failed", &meta).await?;
            }
            return Err(refused());
        }
    };
    record_use(&db, &key, &mut keys, &result).await?;
    if !person.email_verified {
        return Err(AppError::Forbidden("Confirm your email address first.".into()));
    }
    let kind = match &second_step {
        Some(attempt) => {
            state.auth.limits.clear(attempt).await?;
            "signed_in_two_step_passkey"
        }
        None => "signed_in_passkey",
    };
    let (info, cookie) = start_session(&state, region, &db, &person, &key, &meta).await?;
    state.auth.log(&db, &person.id, &key, kind, &meta).await?;
    Ok(([(header::SET_COOKIE, cookie)], Json(info)).into_response())
}
