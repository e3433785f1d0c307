//! Signing in and out: `/api/session`.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use ward_model::{ApiError, EmailOnly, SessionInfo, SignIn};

use crate::AppState;
use crate::auth::input::{self, Email};
use crate::auth::session::{self, ClientMeta, CurrentSession, csrf_for, new_token, now};
use crate::auth::{field, limits};
use crate::error::{AppError, Json};
use crate::store::{CodePurpose, Db, Found, PersonRow, SessionRow};
use crate::vault::PersonKey;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(sign_in, current, sign_out)).routes(routes!(unlock))
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

/// How an attempt was let in: counted under the limits, or by a code mailed to the owner.
enum Pass {
    Counted(limits::Counted),
    Unlocked,
}

/// One sign-in attempt under the limits: per client address (a window) and per email (a
/// growing delay), both counted before the password is checked and taken back when it turns
/// out not to be a failure; or let in by a mailed code (`unlock_code`).
pub struct Attempt {
    /// The email's delay key (a prefix of the email's keyed hash).
    pub account_key: String,
    address_key: String,
    pass: Pass,
}

impl Attempt {
    fn keys(email_hash: &[u8], meta: &ClientMeta) -> (String, String) {
        (format!("signin:{}", hex::encode(&email_hash[..8])), format!("signin-address:{}", meta.address))
    }

    /// The password was right but more is needed (a second factor, a verified email).
    pub async fn undecided(&self, auth: &crate::auth::Auth) -> Result<(), AppError> {
        if let Pass::Counted(counted) = self.pass {
            auth.limits.delay_undo(&self.account_key, counted).await?;
            auth.limits.refund(&self.address_key).await?;
        }
        Ok(())
    }

    /// Signed in: the email's delay starts over; a mailed code is used up (only now, so it
    /// still works for the second factor's request after the password's).
    pub async fn succeeded(
        &self,
        auth: &crate::auth::Auth,
        db: &Db,
        person_id: &str,
    ) -> Result<(), AppError> {
        auth.limits.clear(&self.account_key).await?;
        match self.pass {
            Pass::Counted(_) => auth.limits.refund(&self.address_key).await,
            Pass::Unlocked => {
                auth.consume_code(db, person_id, CodePurpose::UnlockSignIn, "unlock_code").await
            }
        }
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
    let (account_key, address_key) = Attempt::keys(&email_hash, meta);
    let (pass, found) = match req.unlock_code.as_deref().filter(|c| !c.trim().is_empty()) {
        // The owner's way past the delays: a code mailed to the address, which whoever guesses
        // passwords cannot read. A wrong code counts against the client's window (not the
        // code's tries, so a stranger guessing cannot void the owner's code) and checks no
        // password: an unknown address answers alike. A right one counts a try of the code,
        // which bounds the passwords tried with it.
        Some(code) => {
            let code = input::parse_code("unlock_code", code).map_err(|e| AppError::Validation(vec![e]))?;
            auth.limits.hit(&address_key, limits::SIGN_IN_ADDRESS).await?;
            let found = state.stores.person_by_email(&email_hash).await?;
            let right = match &found {
                Some(f) => auth.code_matches(&f.db, &f.person.id, CodePurpose::UnlockSignIn, &code).await?,
                None => false,
            };
            let Some(found) = found.filter(|_| right) else {
                return Err(AppError::field(
                    "unlock_code",
                    "wrong",
                    "This code is not right. Check the latest email from Ward.",
                ));
            };
            auth.limits.refund(&address_key).await?;
            auth.check_code(&found.db, &found.person.id, CodePurpose::UnlockSignIn, &code, "unlock_code")
                .await?;
            (Pass::Unlocked, Some(found))
        }
        None => {
            auth.limits.hit(&address_key, limits::SIGN_IN_ADDRESS).await?;
            let counted = match auth.limits.delay_try(&account_key).await {
                Ok(counted) => counted,
                Err(err) => {
                    auth.limits.refund(&address_key).await?;
                    return Err(err);
                }
            };
            (Pass::Counted(counted), state.stores.person_by_email(&email_hash).await?)
        }
    };
    let attempt = Attempt { account_key, address_key, pass };
    let stored = found.as_ref().map(|f| f.person.password_hash.as_str());
    let password_ok = auth.hasher.verify(&req.password, stored).await?;
    let Some(found) = found.filter(|_| password_ok) else {
        // Counted already (or a try of the mailed code).
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
