//! Signing in, as the account rules see it: the password step under the limits
//! (`check_password`), a new session (`start_session`), the answer that signs a browser out,
//! and the mail that tells a person a security setting changed. The handlers of sign-in,
//! passkeys and the account call these; none calls another handler module.

use axum::http::{HeaderValue, header};
use axum::response::Response;
use ward_model::{FieldError, FieldErrorCode, SessionInfo, SignIn};

use crate::AppState;
use crate::auth::input::{self, Email};
use crate::auth::session::{self, ClientMeta, CurrentSession, csrf_for, new_token, now};
use crate::auth::{field, limits};
use crate::error::AppError;
use crate::store::{CodePurpose, Db, Found, PersonRow, SessionRow};
use crate::vault::PersonKey;

pub(crate) fn not_right() -> AppError {
    AppError::Unauthorized { message: "The email or password is not right.".into(), fields: vec![] }
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
        return Err(AppError::field("password", FieldErrorCode::Required, "Enter your password."));
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
                    FieldErrorCode::Wrong,
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
    let key = state.person_key(&found.person.id).await?.ok_or_else(not_right)?;
    Ok((attempt, found, key))
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
    if let Some(delete_at) = person.child_delete_at {
        let day = crate::auth::rfc3339(delete_at).get(..10).unwrap_or_default().to_owned();
        // Only someone who proved they hold the account learns why it is held: a child's
        // sign-up waiting for the guardian they named, or an account found to be a child's.
        let (code, message) = if crate::requests::guardian::waiting(db, &person.id).await?.is_some() {
            (
                FieldErrorCode::ChildWaiting,
                format!(
                    "This account waits for your parent's or guardian's consent: we have emailed them. If they do \
                     not give it by {day}, the account and everything in it are deleted."
                ),
            )
        } else {
            (
                FieldErrorCode::ChildSuspended,
                format!(
                    "This account is suspended: it appears to belong to a child. It will be deleted on {day} unless \
                     a parent or guardian gives their consent first, on Ward's guardian page."
                ),
            )
        };
        let field = FieldError { field: "email".into(), code, message: message.clone() };
        return Err(AppError::Held { message, fields: vec![field] });
    }
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

/// Clears the session cookie, and every cookie of the site in the browser.
pub fn signed_out_response(state: &AppState, mut res: Response) -> Response {
    let headers = res.headers_mut();
    headers.insert(header::SET_COOKIE, session::clear_cookie(state.auth.secure_cookies));
    // Cookies only: local storage holds the language and theme, which are not personal and
    // which the person expects to keep.
    headers.insert("clear-site-data", HeaderValue::from_static("\"cookies\""));
    res
}

/// Mails the person that a security setting changed. The change is made: a mail failure
/// is logged, not answered (the person would retry a change that already happened).
pub async fn tell(state: &AppState, s: &CurrentSession, subject: &str, what: &str) {
    let sent = match s.key.open(field::EMAIL, &s.person.email_ct) {
        Ok(email) => {
            state.auth.mailer.send(&email, subject, changed_mail(what)).await.map_err(|e| e.to_string())
        }
        Err(err) => Err(err.to_string()),
    };
    if let Err(err) = sent {
        tracing::warn!(%err, subject, "a security notice could not be mailed");
    }
}

pub fn changed_mail(what: &str) -> String {
    format!(
        "{what}\n\nIf this was not you, reset your password now and review the activity on your security page.\n\n— Ward\n"
    )
}
