//! Signing in and out: `/api/session`.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use ward_model::{ApiError, EmailOnly, SessionInfo, SessionRoles, SignIn};

use crate::AppState;
use crate::auth::input::Email;
use crate::auth::session::{ClientMeta, CurrentSession};
use crate::auth::signin::{check_password, signed_out_response, start_session};
use crate::error::{AppError, Json};
use crate::store::{CodePurpose, Found};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sign_in, current, sign_out))
        .routes(routes!(unlock))
        .routes(routes!(roles))
}

/// Signs in with email and password (and the second factor when the account has one).
/// An unknown email and a wrong password get the same answer, in the same time.
#[utoipa::path(post, path = "/session", tag = "accounts", request_body = SignIn,
    responses(
        (status = 200, description = "Signed in; the session cookie is set.", body = SessionInfo),
        (status = 401, description = "Wrong credentials, or the second factor is needed (field `otp`).", body = ApiError),
        (status = 403, description = "The email is not verified yet.", body = ApiError),
        (status = 422, description = "A wrong, expired or malformed `unlock_code`.", body = ApiError),
        (status = 429, description = "Too many failed attempts; `Retry-After` says when to retry. After wrong passwords for this email the field `unlock_code` says that a code mailed by `POST /session/unlock` lets the owner sign in now.", body = ApiError),
    ))]
pub async fn sign_in(
    State(state): State<AppState>,
    meta: ClientMeta,
    Json(req): Json<SignIn>,
) -> Result<Response, AppError> {
    let auth = &state.auth;
    let (attempt, Found { region, db, person }, key) = check_password(&state, &meta, &req).await?;
    if let Err(err) = auth.second_factor(&db, &person, &key, req.otp.as_deref()).await {
        if req.otp.is_some() {
            // A wrong second factor is a failure: it stays counted.
            auth.log(&db, &person.id, &key, "sign_in_failed", &meta).await?;
        } else {
            // The password was right; the second factor is still to come.
            attempt.undecided(auth).await?;
        }
        return Err(err);
    }
    if !person.email_verified {
        attempt.undecided(auth).await?;
        return Err(AppError::Forbidden(
            "Confirm your email address first: enter the code we mailed you, or ask for a new one.".into(),
        ));
    }
    attempt.succeeded(auth, &db, &person.id).await?;
    let (info, cookie) = start_session(&state, region, &db, &person, &key, &meta).await?;
    auth.log(&db, &person.id, &key, "signed_in", &meta).await?;
    Ok(([(header::SET_COOKIE, cookie)], Json(info)).into_response())
}

/// Mails a code that signs in past the delays wrong passwords put on this email: the owner's
/// way in while a stranger guesses. 202 (or 429 within a minute of the last request for the
/// address) whether or not the address has an account; the mail goes after the answer.
#[utoipa::path(post, path = "/session/unlock", tag = "accounts", request_body = EmailOnly,
    responses(
        (status = 202, description = "If the address has an account, a code is on its way; send it as `unlock_code` with the password."),
        (status = 429, description = "A code was asked for this address less than a minute ago.", body = ApiError),
    ))]
pub async fn unlock(
    State(state): State<AppState>,
    Json(req): Json<EmailOnly>,
) -> Result<StatusCode, AppError> {
    let email = Email::parse("email", &req.email).map_err(|e| AppError::Validation(vec![e]))?;
    let hash = state.auth.email_hash(&email.normalised());
    // By the address, known or not: a 429 must not mean "this address has an account".
    state.auth.limit_mail_to(&hash, "unlock").await?;
    if let Some(Found { db, person, .. }) = state.stores.person_by_email(&hash).await? {
        state.auth.send_code_later(
            db,
            person.id,
            CodePurpose::UnlockSignIn,
            email.as_str().to_owned(),
            "Your Ward sign-in code",
            "Someone (hopefully you) asked for a code to sign in to your Ward account. Wrong passwords \
             were tried for it, so sign-ins have to wait; with this code and your password you can \
             sign in now. If it was not you, nobody can use it without your password; you may want to \
             change your password anyway.",
        );
    }
    Ok(StatusCode::ACCEPTED)
}

/// The signed-in person and the CSRF token for this session.
#[utoipa::path(get, path = "/session", tag = "accounts",
    responses(
        (status = 200, description = "Signed in.", body = SessionInfo),
        (status = 401, description = "Not signed in.", body = ApiError),
    ))]
pub async fn current(
    State(state): State<AppState>,
    s: CurrentSession,
) -> Result<Json<SessionInfo>, AppError> {
    let account = state.auth.account(&s.person, &s.key, s.region)?;
    Ok(Json(SessionInfo { account, csrf_token: s.csrf_token(&state) }))
}

/// What the signed-in person may do beyond their own account.
#[utoipa::path(get, path = "/session/roles", tag = "accounts",
    responses(
        (status = 200, description = "The person's roles.", body = SessionRoles),
        (status = 401, description = "Not signed in.", body = ApiError),
    ))]
pub async fn roles(State(state): State<AppState>, s: CurrentSession) -> Json<SessionRoles> {
    Json(SessionRoles { privacy_staff: state.privacy.require_staff(&s.person).is_ok() })
}

/// Signs out: ends the session and tells the browser to forget what it holds of it.
#[utoipa::path(delete, path = "/session", tag = "accounts",
    responses(
        (status = 204, description = "Signed out; `Clear-Site-Data` clears the site's cookies."),
        (status = 401, description = "Not signed in.", body = ApiError),
    ))]
pub async fn sign_out(
    State(state): State<AppState>,
    meta: ClientMeta,
    s: CurrentSession,
) -> Result<Response, AppError> {
    s.db.session_delete(&s.person.id, &s.session_id).await?;
    state.devices.hub.end_live_of_signed_in(&s.session_id);
    state.auth.log(&s.db, &s.person.id, &s.key, "signed_out", &meta).await?;
    Ok(signed_out_response(&state, StatusCode::NO_CONTENT.into_response()))
}
