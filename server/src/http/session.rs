//! Signing in and out: `/api/session`.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use ward_model::{ApiError, SessionInfo, SignIn};

use crate::AppState;
use crate::auth::input::Email;
use crate::auth::session::{self, ClientMeta, CurrentSession, csrf_for, new_token, now};
use crate::auth::{field, limits};
use crate::error::{AppError, Json};
use crate::store::{Db, Found, PersonRow, SessionRow};
use crate::vault::PersonKey;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(sign_in, current, sign_out))
}

fn not_right() -> AppError {
    AppError::Unauthorized { message: "The email or password is not right.".into(), fields: vec![] }
}

/// Signs in with email and password (and the second factor when the account has one).
/// An unknown email and a wrong password get the same answer, in the same time.
#[utoipa::path(post, path = "/session", tag = "accounts", request_body = SignIn,
    responses(
        (status = 200, description = "Signed in; the session cookie is set.", body = SessionInfo),
        (status = 401, description = "Wrong credentials, or the second factor is needed (field `otp`).", body = ApiError),
        (status = 403, description = "The email is not verified yet.", body = ApiError),
        (status = 429, description = "Too many failed attempts; `Retry-After` says when to retry.", body = ApiError),
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
            attempt.failed(auth);
            auth.log(&db, &person.id, &key, "sign_in_failed", &meta).await?;
        }
        return Err(err);
    }
    if !person.email_verified {
        return Err(AppError::Forbidden(
            "Confirm your email address first: enter the code we mailed you, or ask for a new one.".into(),
        ));
    }
    attempt.succeeded(auth);
    let (info, cookie) = start_session(&state, region, &db, &person, &key, &meta).await?;
    auth.log(&db, &person.id, &key, "signed_in", &meta).await?;
    Ok(([(header::SET_COOKIE, cookie)], Json(info)).into_response())
}

/// One sign-in attempt under the rate limits, per account and per address.
pub struct Attempt {
    /// The account's limiter key (a prefix of the email's keyed hash).
    pub account_key: String,
    address_key: String,
}

impl Attempt {
    fn start(auth: &crate::auth::Auth, email_hash: &[u8], meta: &ClientMeta) -> Result<Self, AppError> {
        let account_key = format!("signin:{}", hex::encode(&email_hash[..8]));
        let address_key = format!("signin-address:{}", meta.address);
        auth.limiter.check(&account_key, limits::SIGN_IN_ACCOUNT)?;
        auth.limiter.check(&address_key, limits::SIGN_IN_ADDRESS)?;
        Ok(Attempt { account_key, address_key })
    }

    pub fn failed(&self, auth: &crate::auth::Auth) {
        auth.limiter.record(&self.account_key, limits::SIGN_IN_ACCOUNT);
        auth.limiter.record(&self.address_key, limits::SIGN_IN_ADDRESS);
    }

    pub fn succeeded(&self, auth: &crate::auth::Auth) {
        auth.limiter.clear(&self.account_key);
    }
}

/// The first step of a password sign-in: the person when the email and password are right,
/// else the one answer for an unknown email and a wrong password (in the same time).
pub async fn check_password(
    state: &AppState,
    meta: &ClientMeta,
    req: &SignIn,
) -> Result<(Attempt, Found, PersonKey), AppError> {
    let auth = &state.auth;
    let email = Email::parse("email", &req.email).map_err(|e| AppError::Validation(vec![e]))?;
    if req.password.is_empty() {
        return Err(AppError::field("password", "required", "Enter your password."));
    }
    let email_hash = auth.email_hash(&email.normalised());
    let attempt = Attempt::start(auth, &email_hash, meta)?;
    let found = state.stores.person_by_email(&email_hash).await?;
    let stored = found.as_ref().map(|f| f.person.password_hash.as_str());
    let password_ok = auth.hasher.verify(&req.password, stored).await?;
    let Some(found) = found.filter(|_| password_ok) else {
        attempt.failed(auth);
        return Err(not_right());
    };
    let key = person_key(state, &found.person).await?;
    Ok((attempt, found, key))
}

pub async fn person_key(state: &AppState, person: &PersonRow) -> Result<PersonKey, AppError> {
    let wrapped = state.stores.directory.person_key(&person.id).await?.ok_or_else(not_right)?;
    state.auth.vault.unwrap_person_key(&person.id, &wrapped).map_err(AppError::internal)
}

/// A new session (a fresh token every sign-in: no fixation), its info and its cookie.
pub(crate) async fn start_session(
    state: &AppState,
    region: ward_model::Region,
    db: &Db,
    person: &PersonRow,
    key: &PersonKey,
    meta: &ClientMeta,
) -> Result<(SessionInfo, HeaderValue), AppError> {
    let (cookie_value, token_hash) = new_token(region);
    let now = now();
    db.session_insert(&SessionRow {
        id: uuid::Uuid::new_v4().simple().to_string(),
        person_id: person.id.clone(),
        token_hash: token_hash.clone(),
        created_at: now,
        last_seen: now,
        address_ct: key.seal(field::ADDRESS, &meta.address),
        browser_ct: key.seal(field::BROWSER, &meta.browser),
    })
    .await?;
    let info = SessionInfo {
        account: state.auth.account(person, key, region)?,
        csrf_token: csrf_for(state, &token_hash),
    };
    Ok((info, session::set_cookie(&cookie_value, state.auth.secure_cookies)))
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

/// Clears the session cookie, and every cookie of the site in the browser.
pub fn signed_out_response(state: &AppState, mut res: Response) -> Response {
    let headers = res.headers_mut();
    headers.insert(header::SET_COOKIE, session::clear_cookie(state.auth.secure_cookies));
    // Cookies only: local storage holds the language and theme, which are not personal and
    // which the person expects to keep.
    headers.insert("clear-site-data", HeaderValue::from_static("\"cookies\""));
    res
}
