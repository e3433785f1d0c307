//! The signed-in person's own account: profile, password, two-step verification,
//! sessions, activity and deletion (`/api/account/...`), and password reset.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse as _, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use ward_model::{
    Account, ActivityEntry, ApiError, CodeOnly, DeletionReceipt, EmailOnly, PasswordChange, PasswordOnly,
    PasswordReset, ProfileUpdate, RecoveryCodes, SessionSummary, TotpEnable, TotpSetup,
};

use crate::AppState;
use crate::auth::input::{self, Email, Name, Password, Phone};
use crate::auth::session::{ClientMeta, CurrentSession, now};
use crate::auth::signin::{changed_mail, signed_out_response, tell};
use crate::auth::{field, limits, rfc3339, totp};
use crate::error::Fields;
use crate::error::{AppError, Json};
use crate::store::{CodePurpose, Found};
use ward_model::FieldErrorCode;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(update_profile))
        .routes(routes!(verify_new_email))
        .routes(routes!(change_password))
        .routes(routes!(delete_account))
        .routes(routes!(totp_setup))
        .routes(routes!(totp_enable))
        .routes(routes!(totp_disable))
        .routes(routes!(list_sessions, end_other_sessions))
        .routes(routes!(end_session))
        .routes(routes!(activity))
        .routes(routes!(reset_request))
        .routes(routes!(reset_confirm))
}

/// Edits name, phone or email. Email and phone need the current password; a new email is
/// verified by a mailed code before it replaces the old one, which is then not kept.
#[utoipa::path(patch, path = "/account", tag = "accounts", request_body = ProfileUpdate,
    responses(
        (status = 200, description = "The account as it is now.", body = Account),
        (status = 422, description = "A field is not valid, or the password is missing or wrong.", body = ApiError),
        (status = 429, description = "Too many wrong passwords: try again later.", body = ApiError),
    ))]
pub async fn update_profile(
    State(state): State<AppState>,
    meta: ClientMeta,
    s: CurrentSession,
    Json(req): Json<ProfileUpdate>,
) -> Result<Json<Account>, AppError> {
    let auth = &state.auth;
    let mut fields = Fields::default();
    let name = req.name.as_deref().map(|n| Name::parse("name", n)).map(|r| fields.take(r));
    let phone =
        req.phone.as_deref().map(|p| Phone::parse("phone", p, Some(s.region))).map(|r| fields.take(r));
    let email = req.email.as_deref().map(|e| Email::parse("email", e)).map(|r| fields.take(r));
    if !fields.0.is_empty() {
        return Err(AppError::Validation(fields.0));
    }
    let (name, phone, email) = (name.flatten(), phone.flatten(), email.flatten());
    let current_email = s.key.open(field::EMAIL, &s.person.email_ct).map_err(AppError::internal)?;
    let email = email.filter(|e| e.normalised() != current_email.to_lowercase());
    if phone.is_some() || email.is_some() {
        auth.reauthenticate(&s.person, req.current_password.as_deref(), "current_password").await?;
    }
    // Whether another account (in any region) has the new address is not answered here: the
    // answer is the same either way, and only the address's owner learns more (a code if it
    // is free, a notice if it is taken). Confirming then settles it (`verify_new_email`).
    let taken = match &email {
        Some(email) => {
            state.stores.directory.directory_find(&auth.email_hash(&email.normalised())).await?.is_some()
        }
        None => false,
    };
    if let Some(name) = &name {
        s.db.person_set_name(&s.person.id, &s.key.seal(field::NAME, name.as_str())).await?;
    }
    if let Some(phone) = &phone {
        s.db.person_set_phone(&s.person.id, &s.key.seal(field::PHONE, phone.as_str())).await?;
    }
    if let Some(email) = &email {
        s.db.person_set_pending_email(&s.person.id, &s.key.seal(field::PENDING_EMAIL, email.as_str()))
            .await?;
        if taken {
            // Limited like a code, so the limit does not tell the two cases apart either.
            auth.spend_code_budget(&s.person.id, CodePurpose::ChangeEmail).await?;
            auth.mail(
                email.as_str(),
                "Someone tried to use your email address at Ward",
                "Someone signed in to another Ward account asked to use this email address for it. This \
                 address already has a Ward account, so nothing was changed and no code was sent.\n\nIf \
                 this was you, delete one of the two accounts first.\n\n— Ward\n"
                    .into(),
            )
            .await?;
        } else {
            auth.send_code(
                &s.db,
                &s.person.id,
                CodePurpose::ChangeEmail,
                email.as_str(),
                "Confirm your new email address for Ward",
                "You asked to use this address for your Ward account. Enter this code to confirm it.",
            )
            .await?;
        }
    }
    if name.is_some() || phone.is_some() {
        auth.log(&s.db, &s.person.id, &s.key, "profile_changed", &meta).await?;
    }
    current_account(&state, &s).await
}

async fn current_account(state: &AppState, s: &CurrentSession) -> Result<Json<Account>, AppError> {
    let person = s.db.person(&s.person.id).await?.ok_or(AppError::NotFound)?;
    Ok(Json(state.auth.account(&person, &s.key, s.region)?))
}

/// Confirms a pending email change with the code mailed to the new address.
#[utoipa::path(post, path = "/account/email/verify", tag = "accounts", request_body = CodeOnly,
    responses(
        (status = 200, description = "The new email is in effect.", body = Account),
        (status = 422, description = "Wrong or expired code, or no change pending.", body = ApiError),
    ))]
pub async fn verify_new_email(
    State(state): State<AppState>,
    meta: ClientMeta,
    s: CurrentSession,
    Json(req): Json<CodeOnly>,
) -> Result<Json<Account>, AppError> {
    let code = input::parse_code("code", &req.code).map_err(|e| AppError::Validation(vec![e]))?;
    let Some(pending) = s.person.pending_email_ct.as_deref() else {
        return Err(AppError::field(
            "code",
            FieldErrorCode::NothingPending,
            "There is no email change waiting to be confirmed.",
        ));
    };
    let pending = s.key.open(field::PENDING_EMAIL, pending).map_err(AppError::internal)?;
    state.auth.use_code(&s.db, &s.person.id, CodePurpose::ChangeEmail, &code, "code").await?;
    let hash = state.auth.email_hash(&pending.to_lowercase());
    // The directory's unique hash settles a race with a sign-up of the same address.
    state.stores.directory.directory_rekey(&s.person.id, &hash).await.map_err(|e| match e {
        crate::store::StoreError::Conflict(_) => {
            AppError::field("code", FieldErrorCode::Taken, "Another account now uses this email address.")
        }
        other => other.into(),
    })?;
    s.db.person_apply_email(&s.person.id, &hash, &s.key.seal(field::EMAIL, &pending)).await?;
    crate::devices::shares::claim_invitations(&s.db, &s.person.id, &hash, crate::auth::session::now())
        .await?;
    state.auth.log(&s.db, &s.person.id, &s.key, "email_changed", &meta).await?;
    // The old address is told: if the session was stolen, this is how the owner learns.
    let old = s.key.open(field::EMAIL, &s.person.email_ct).map_err(AppError::internal)?;
    if let Err(err) = state
        .auth
        .mailer
        .send(
            &old,
            "Your Ward email address was changed",
            changed_mail(&format!(
                "The email address of your Ward account was just changed from this one to {pending}. Mail \
                 from Ward now goes there."
            )),
        )
        .await
    {
        // The change is made; failing the request now would only confuse.
        tracing::warn!(%err, "the old address could not be told of the email change");
    }
    current_account(&state, &s).await
}

/// Changes the password; every other session ends.
#[utoipa::path(post, path = "/account/password", tag = "accounts", request_body = PasswordChange,
    responses(
        (status = 204, description = "Changed; other sessions have ended."),
        (status = 422, description = "The current password is wrong or the new one is not allowed.", body = ApiError),
        (status = 429, description = "Too many wrong passwords: try again later.", body = ApiError),
    ))]
pub async fn change_password(
    State(state): State<AppState>,
    meta: ClientMeta,
    s: CurrentSession,
    Json(req): Json<PasswordChange>,
) -> Result<StatusCode, AppError> {
    let auth = &state.auth;
    auth.reauthenticate(&s.person, Some(&req.current_password), "current_password").await?;
    let email = s.key.open(field::EMAIL, &s.person.email_ct).map_err(AppError::internal)?;
    let name = s.key.open(field::NAME, &s.person.name_ct).map_err(AppError::internal)?;
    let new = Password::parse("new_password", &req.new_password, &[&email, &name])
        .map_err(|e| AppError::Validation(vec![e]))?;
    s.db.person_set_password(&s.person.id, &auth.hasher.hash(new.as_str()).await?).await?;
    s.db.sessions_delete_all(&s.person.id, Some(&s.session_id)).await?;
    state.devices.hub.end_live_of_person(&s.person.id, Some(&s.session_id));
    auth.log(&s.db, &s.person.id, &s.key, "password_changed", &meta).await?;
    auth.mail(
        &email,
        "Your Ward password was changed",
        changed_mail("Your Ward password was just changed. Other signed-in browsers were signed out."),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes the account at once: the person's data in every store, and their key (so
/// copies taken before, such as backups, can no longer be read). Mails a receipt.
#[utoipa::path(post, path = "/account/deletion", tag = "accounts", request_body = PasswordOnly,
    responses(
        (status = 200, description = "Deleted; the session has ended.", body = DeletionReceipt),
        (status = 422, description = "The password is missing or wrong.", body = ApiError),
        (status = 429, description = "Too many wrong passwords: try again later.", body = ApiError),
    ))]
pub async fn delete_account(
    State(state): State<AppState>,
    s: CurrentSession,
    Json(req): Json<PasswordOnly>,
) -> Result<Response, AppError> {
    state.auth.reauthenticate(&s.person, Some(&req.password), "password").await?;
    let receipt = crate::auth::erase::erase(&state, s.region, &s.db, &s.person, &s.key, now()).await?;
    let body = Json(receipt);
    Ok(signed_out_response(&state, (StatusCode::OK, body).into_response()))
}

/// Starts turning on two-step verification: a new secret to scan (not active until confirmed).
#[utoipa::path(post, path = "/account/totp/setup", tag = "accounts",
    responses(
        (status = 200, description = "The secret and its otpauth URL.", body = TotpSetup),
        (status = 409, description = "Two-step verification is already on.", body = ApiError),
    ))]
pub async fn totp_setup(
    State(_state): State<AppState>,
    s: CurrentSession,
) -> Result<Json<TotpSetup>, AppError> {
    if s.person.totp_enabled {
        return Err(AppError::Conflict(
            "Two-step verification is already on. Turn it off first to change it.".into(),
        ));
    }
    let email = s.key.open(field::EMAIL, &s.person.email_ct).map_err(AppError::internal)?;
    let (secret, otpauth_url) = totp::new_secret(&email);
    s.db.person_set_totp(&s.person.id, Some(&s.key.seal(field::TOTP_SECRET, &secret)), false).await?;
    Ok(Json(TotpSetup { secret, otpauth_url }))
}

/// Turns two-step verification on with a code from the app and the current password (a
/// stolen session alone must not be able to lock the owner out); answers the recovery codes
/// and mails the person.
#[utoipa::path(post, path = "/account/totp/enable", tag = "accounts", request_body = TotpEnable,
    responses(
        (status = 200, description = "On; the recovery codes are shown once.", body = RecoveryCodes),
        (status = 422, description = "The code or the password is not right, or setup was not started.", body = ApiError),
        (status = 429, description = "Too many wrong passwords: try again later.", body = ApiError),
    ))]
pub async fn totp_enable(
    State(state): State<AppState>,
    meta: ClientMeta,
    s: CurrentSession,
    Json(req): Json<TotpEnable>,
) -> Result<Json<RecoveryCodes>, AppError> {
    let code = input::parse_code("code", &req.code).map_err(|e| AppError::Validation(vec![e]))?;
    state.auth.reauthenticate(&s.person, Some(&req.password), "password").await?;
    let (Some(secret), false) = (s.person.totp_secret_ct.as_deref(), s.person.totp_enabled) else {
        return Err(AppError::field(
            "code",
            FieldErrorCode::NotStarted,
            "Start the setup first, then enter the code from your app.",
        ));
    };
    let secret = s.key.open(field::TOTP_SECRET, secret).map_err(AppError::internal)?;
    if totp::matching_step(&secret, &code, now()).is_none() {
        return Err(AppError::field(
            "code",
            FieldErrorCode::Wrong,
            "This code is not right. Check the time on your device.",
        ));
    }
    let codes = totp::new_recovery_codes();
    let hashes: Vec<_> = codes.iter().map(|c| state.auth.recovery_hash(&s.person.id, c)).collect();
    s.db.recovery_replace(&s.person.id, &hashes).await?;
    s.db.person_set_totp(&s.person.id, s.person.totp_secret_ct.as_deref(), true).await?;
    state.auth.log(&s.db, &s.person.id, &s.key, "totp_enabled", &meta).await?;
    tell(
        &state,
        &s,
        "Two-step verification was turned on",
        "Two-step verification was just turned on for your Ward account.",
    )
    .await;
    Ok(Json(RecoveryCodes { codes }))
}

/// Turns two-step verification off (password required); recovery codes are discarded.
#[utoipa::path(post, path = "/account/totp/disable", tag = "accounts", request_body = PasswordOnly,
    responses(
        (status = 204, description = "Off."),
        (status = 422, description = "The password is missing or wrong.", body = ApiError),
        (status = 429, description = "Too many wrong passwords: try again later.", body = ApiError),
    ))]
pub async fn totp_disable(
    State(state): State<AppState>,
    meta: ClientMeta,
    s: CurrentSession,
    Json(req): Json<PasswordOnly>,
) -> Result<StatusCode, AppError> {
    state.auth.reauthenticate(&s.person, Some(&req.password), "password").await?;
    s.db.person_set_totp(&s.person.id, None, false).await?;
    s.db.recovery_replace(&s.person.id, &[]).await?;
    state.auth.log(&s.db, &s.person.id, &s.key, "totp_disabled", &meta).await?;
    tell(
        &state,
        &s,
        "Two-step verification was turned off",
        "Two-step verification was just turned off for your Ward account.",
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

/// The browsers signed in to this account.
#[utoipa::path(get, path = "/account/sessions", tag = "accounts",
    responses((status = 200, description = "Newest use first.", body = [SessionSummary])))]
pub async fn list_sessions(s: CurrentSession) -> Result<Json<Vec<SessionSummary>>, AppError> {
    let rows = s.db.sessions_of(&s.person.id).await?;
    let out = rows
        .into_iter()
        .map(|r| {
            Ok(SessionSummary {
                current: r.id == s.session_id,
                browser: s.key.open(field::BROWSER, &r.browser_ct).map_err(AppError::internal)?,
                address: s.key.open(field::ADDRESS, &r.address_ct).map_err(AppError::internal)?,
                created_at: rfc3339(r.created_at),
                last_seen: rfc3339(r.last_seen),
                id: r.id,
            })
        })
        .collect::<Result<_, AppError>>()?;
    Ok(Json(out))
}

/// Signs out every other browser.
#[utoipa::path(delete, path = "/account/sessions", tag = "accounts",
    responses((status = 204, description = "Only this session remains.")))]
pub async fn end_other_sessions(
    State(state): State<AppState>,
    meta: ClientMeta,
    s: CurrentSession,
) -> Result<StatusCode, AppError> {
    s.db.sessions_delete_all(&s.person.id, Some(&s.session_id)).await?;
    state.devices.hub.end_live_of_person(&s.person.id, Some(&s.session_id));
    state.auth.log(&s.db, &s.person.id, &s.key, "session_revoked", &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Signs out one browser.
#[utoipa::path(delete, path = "/account/sessions/{id}", tag = "accounts",
    params(("id" = String, Path, description = "A session id from the list.")),
    responses(
        (status = 204, description = "Ended."),
        (status = 404, description = "This account has no such session.", body = ApiError),
    ))]
pub async fn end_session(
    State(state): State<AppState>,
    meta: ClientMeta,
    s: CurrentSession,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    if !s.db.session_delete(&s.person.id, &id).await? {
        return Err(AppError::NotFound);
    }
    state.devices.hub.end_live_of_signed_in(&id);
    state.auth.log(&s.db, &s.person.id, &s.key, "session_revoked", &meta).await?;
    let res = StatusCode::NO_CONTENT.into_response();
    Ok(if id == s.session_id { signed_out_response(&state, res) } else { res })
}

/// Sign-ins, failures and changes, newest first (the last 200).
#[utoipa::path(get, path = "/account/activity", tag = "accounts",
    responses((status = 200, description = "Newest first.", body = [ActivityEntry])))]
pub async fn activity(s: CurrentSession) -> Result<Json<Vec<ActivityEntry>>, AppError> {
    let rows = s.db.activity_of(&s.person.id, 200).await?;
    let out = rows
        .into_iter()
        .map(|r| {
            Ok(ActivityEntry {
                kind: r.kind,
                address: s.key.open(field::ADDRESS, &r.address_ct).map_err(AppError::internal)?,
                browser: s.key.open(field::BROWSER, &r.browser_ct).map_err(AppError::internal)?,
                at: rfc3339(r.at),
            })
        })
        .collect::<Result<_, AppError>>()?;
    Ok(Json(out))
}

/// Mails a password-reset code. 202 (or 429 within a minute of the last request for the
/// same address) whether or not the address has an account, so it reveals nothing about it.
#[utoipa::path(post, path = "/password-reset", tag = "accounts", request_body = EmailOnly,
    responses(
        (status = 202, description = "If the address has an account, a code is on its way."),
        (status = 429, description = "A code was asked for this address less than a minute ago.", body = ApiError),
    ))]
pub async fn reset_request(
    State(state): State<AppState>,
    Json(req): Json<EmailOnly>,
) -> Result<StatusCode, AppError> {
    let email = Email::parse("email", &req.email).map_err(|e| AppError::Validation(vec![e]))?;
    let hash = state.auth.email_hash(&email.normalised());
    // Limited by the address, known or not: the per-person limit alone made a 429 mean
    // "this address has an account".
    state.auth.limit_mail_to(&hash, "reset").await?;
    if let Some(Found { db, person, .. }) = state.stores.person_by_email(&hash).await? {
        // After the answer: mailing takes time (and can fail), which an unknown address
        // would not, so doing it here would tell the two apart.
        state.auth.send_code_later(
            db,
            person.id,
            CodePurpose::ResetPassword,
            email.as_str().to_owned(),
            "Reset your Ward password",
            "Someone (hopefully you) asked to reset the password of your Ward account.",
        );
    }
    Ok(StatusCode::ACCEPTED)
}

/// Sets a new password with the mailed code (and the second factor, if on); every session
/// ends, and every passkey is removed (whoever had the account's sessions or passkeys before
/// the reset may be who the reset is meant to shut out).
#[utoipa::path(post, path = "/password-reset/confirm", tag = "accounts", request_body = PasswordReset,
    responses(
        (status = 204, description = "The password is changed; sign in with it."),
        (status = 401, description = "The code is right, and the second factor is needed or wrong (field `otp`).", body = ApiError),
        (status = 422, description = "Wrong or expired code, or the new password is not allowed.", body = ApiError),
        (status = 429, description = "Too many tries for this address.", body = ApiError),
    ))]
pub async fn reset_confirm(
    State(state): State<AppState>,
    meta: ClientMeta,
    Json(req): Json<PasswordReset>,
) -> Result<StatusCode, AppError> {
    let auth = &state.auth;
    let mut fields = Fields::default();
    let email = fields.take(Email::parse("email", &req.email));
    let code = fields.take(input::parse_code("code", &req.code));
    let others: Vec<&str> = email.as_ref().map(Email::as_str).into_iter().collect();
    let password = fields.take(Password::parse("new_password", &req.new_password, &others));
    let (Some(email), Some(code), Some(password)) = (email, code, password) else {
        return Err(AppError::Validation(fields.0));
    };
    let hash = auth.email_hash(&email.normalised());
    // Per address, known or not, so the limit itself says nothing.
    auth.limits.hit(&format!("reset-confirm:{}", hex::encode(&hash)), limits::RESET_CONFIRM).await?;
    let wrong = || {
        AppError::field(
            "code",
            FieldErrorCode::Wrong,
            "This code is not right. Check the latest email from Ward.",
        )
    };
    let Found { db, person, .. } = state.stores.person_by_email(&hash).await?.ok_or_else(wrong)?;
    // The code first: only someone who has it learns whether a second factor is on. Each
    // try counts against the code, so the second factor cannot be guessed more often than
    // the code allows (a wrong one uses up a try).
    auth.check_code(&db, &person.id, CodePurpose::ResetPassword, &code, "code").await?;
    let key = state.person_key(&person.id).await?.ok_or(AppError::NotFound)?;
    auth.second_factor(&db, &person, &key, req.otp.as_deref()).await?;
    auth.consume_code(&db, &person.id, CodePurpose::ResetPassword, "code").await?;
    db.person_set_password(&person.id, &auth.hasher.hash(password.as_str()).await?).await?;
    db.sessions_delete_all(&person.id, None).await?;
    state.devices.hub.end_live_of_person(&person.id, None);
    let passkeys = db.passkeys_of(&person.id).await?;
    for p in &passkeys {
        db.passkey_delete(&person.id, &p.id).await?;
    }
    // Receiving the code proves the email reaches the person.
    db.person_set_verified(&person.id).await?;
    auth.log(&db, &person.id, &key, "password_reset", &meta).await?;
    let removed = if passkeys.is_empty() {
        ""
    } else {
        " Your passkeys were removed too: add them again from your security page."
    };
    auth.mail(
        email.as_str(),
        "Your Ward password was reset",
        changed_mail(&format!(
            "Your Ward password was just reset, and every signed-in browser was signed out.{removed}"
        )),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
