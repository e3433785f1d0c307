//! The one API client: every URL the app calls, and the mapping of every non-2xx answer
//! to one typed error. Nothing else in the app builds a request.
//!
//! The CSRF token of the signed-in session is kept here too: every answer that carries a
//! `SessionInfo` stores it, every request that changes something sends it as
//! `X-CSRF-Token`, and signing out (or deleting the account) forgets it. No page can
//! forget the header because no page builds a request.

use std::cell::RefCell;

use gloo_net::http::{Method, RequestBuilder, Response};
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use serde::Serialize;
use serde::de::DeserializeOwned;
use ward_model::{
    AccessLog, ConsentChange, ConsentOverview, GuardedChild, LedgerEntry, LedgerVerification, MyData,
    PolicyAccept, PolicyDiff, PolicyDocument, PrivacyStatus, Unsubscribe,
};
use ward_model::{
    Account, ActivityEntry, ApiError, CallList, ClaimDevice, CodeOnly, DeletionReceipt, DemoCamera, Device,
    DevicePage, DeviceShare, DeviceStatus, DeviceUpdate, EmailOnly, ErrorCode, EventPage, FieldError, Health,
    MailboxMessage, PasskeyAnswer, PasskeyChallenge, PasskeySummary, PasswordChange, PasswordOnly,
    PasswordReset, ProfileUpdate, ReceivedShare, RecoveryCodes, SessionInfo, SessionSummary, ShareDevice,
    ShareEdit, SignIn, SignUp, SignUpRules, SignedUp, TotpEnable, TotpSetup, VerifyEmail,
};
use ward_model::{
    ExportConfirm, ExportLink, ExportRecipient, ExportStart, ExportStatus, ExportTransfer, LinkStart,
    TransferStart,
};
use ward_model::{
    GuardianRequestNew, GuardianRule, PublicInformation, PublicRequestNew, RequestList, RequestNew,
    RequestQueue, RequestText, RightsRequest, StaffChildFlag, StaffCorrection, StaffDecision, StaffNote,
    StaffRequest, StaffTighten,
};
use ward_model::{
    Incident, IncidentList, IncidentNew, NoticeList, ServiceNotice, ServiceNoticeList, ServiceNoticeNew,
};
use web_sys::{AbortController, AbortSignal};

/// Every URL of the API the app uses.
pub mod urls {
    pub const HEALTH: &str = "/api/health";
    pub const SIGNUP: &str = "/api/signup";
    pub const SIGNUP_VERIFY: &str = "/api/signup/verify";
    pub const SIGNUP_RESEND: &str = "/api/signup/resend";
    pub const SESSION: &str = "/api/session";
    pub const ACCOUNT: &str = "/api/account";
    pub const ACCOUNT_EMAIL_VERIFY: &str = "/api/account/email/verify";
    pub const ACCOUNT_PASSWORD: &str = "/api/account/password";
    pub const TOTP_SETUP: &str = "/api/account/totp/setup";
    pub const TOTP_ENABLE: &str = "/api/account/totp/enable";
    pub const TOTP_DISABLE: &str = "/api/account/totp/disable";
    pub const SESSIONS: &str = "/api/account/sessions";
    pub const ACTIVITY: &str = "/api/account/activity";
    pub const DELETION: &str = "/api/account/deletion";
    pub const CHILDREN: &str = "/api/account/children";

    /// `POST` starts, `GET` downloads a guardian's copy of a child's data.
    pub fn child_archive(region: &str, id: &str) -> String {
        format!("{CHILDREN}/{region}/{id}/archive")
    }
    pub const PASSWORD_RESET: &str = "/api/password-reset";
    pub const PASSWORD_RESET_CONFIRM: &str = "/api/password-reset/confirm";
    pub const REQUEST_CODE: &str = "/api/requests/code";
    pub const REQUEST_PUBLIC: &str = "/api/requests/public";
    pub const REQUEST_PUBLIC_INFORMATION: &str = "/api/requests/public/information";
    pub const GUARDIAN_RULES: &str = "/api/guardian/rules";
    pub const GUARDIAN_REQUESTS: &str = "/api/guardian/requests";
    pub const DEV_MAILBOX: &str = "/api/dev/mailbox";
    pub const PASSKEYS: &str = "/api/account/passkeys";
    pub const PASSKEYS_OPTIONS: &str = "/api/account/passkeys/options";
    pub const SESSION_PASSKEY: &str = "/api/session/passkey";
    pub const SESSION_PASSKEY_OPTIONS: &str = "/api/session/passkey/options";
    pub const SESSION_SECOND_STEP: &str = "/api/session/second-step";
    pub const SESSION_UNLOCK: &str = "/api/session/unlock";
    pub const SESSION_ROLES: &str = "/api/session/roles";

    // The privacy center.
    pub const PRIVACY_CONSENTS: &str = "/api/privacy/consents";
    pub const PRIVACY_LEDGER: &str = "/api/privacy/ledger";
    pub const PRIVACY_LEDGER_VERIFY: &str = "/api/privacy/ledger/verify";
    pub const PRIVACY_COOKIES: &str = "/api/privacy/cookies";
    pub const PRIVACY_STATUS: &str = "/api/privacy/status";
    // Data export.
    pub const PRIVACY_EXPORTS: &str = "/api/privacy/exports";
    pub const PRIVACY_EXPORT: &str = "/api/privacy/exports/current";
    pub const PRIVACY_EXPORT_EVENTS: &str = "/api/privacy/exports/current/events";
    pub const PRIVACY_EXPORT_CONFIRM: &str = "/api/privacy/exports/current/confirm";
    pub const PRIVACY_EXPORT_RECIPIENTS: &str = "/api/privacy/exports/recipients";
    pub const PRIVACY_EXPORT_TRANSFERS: &str = "/api/privacy/exports/current/transfers";
    pub const PRIVACY_EXPORT_LINKS: &str = "/api/privacy/exports/current/links";
    pub const PRIVACY_ACCEPT: &str = "/api/privacy/policy/accept";
    pub const PRIVACY_UNSUBSCRIBE: &str = "/api/privacy/unsubscribe";
    pub const PRIVACY_MY_DATA: &str = "/api/privacy/my-data";
    pub const PRIVACY_ACCESS: &str = "/api/privacy/access";
    pub const PRIVACY_NOTICES: &str = "/api/privacy/notices";
    pub const STAFF_INCIDENTS: &str = "/api/staff/incidents";
    pub const STAFF_SERVICE_NOTICES: &str = "/api/staff/service-notices";
    // Rights requests: the person's, and the privacy staff's queue.
    pub const PRIVACY_REQUESTS: &str = "/api/privacy/requests";
    pub const STAFF_REQUESTS: &str = "/api/staff/requests";

    /// `POST`: more information (`information`) or withdrawal (`withdraw`) of a request.
    pub fn request_action(id: &str, action: &str) -> String {
        format!("{PRIVACY_REQUESTS}/{}/{action}", js_sys::encode_uri_component(id))
    }

    /// `POST`: sends a copy that could not be delivered again.
    pub fn export_transfer_retry(id: &str) -> String {
        format!("{PRIVACY_EXPORT_TRANSFERS}/{}/retry", js_sys::encode_uri_component(id))
    }

    /// `DELETE` revokes a one-time link to the archive.
    pub fn export_link(id: &str) -> String {
        format!("{PRIVACY_EXPORT_LINKS}/{}", js_sys::encode_uri_component(id))
    }

    /// `GET`: a request as the staff open it; with `/decision`, `POST` their answer.
    /// An incident's action (`notify`, `authority`) or its `report`.
    pub fn incident(id: &str, what: &str) -> String {
        format!("{STAFF_INCIDENTS}/{}/{what}", js_sys::encode_uri_component(id))
    }

    pub fn staff_request(region: &str, id: &str) -> String {
        format!("{STAFF_REQUESTS}/{region}/{}", js_sys::encode_uri_component(id))
    }

    /// `GET`: the proof a guardian uploaded with request `id` (privacy staff), opened by a link.
    pub fn staff_proof(region: &str, id: &str) -> String {
        format!("{}/proof", staff_request(region, id))
    }

    /// `GET`: a policy (`privacy`, `cookies`), the current version or a named one.
    pub fn policy(kind: &str, version: Option<&str>) -> String {
        match version {
            Some(v) => format!("/api/privacy/policies/{kind}/{}", js_sys::encode_uri_component(v)),
            None => format!("/api/privacy/policies/{kind}"),
        }
    }

    /// `GET`: the diff between two versions of a policy.
    pub fn policy_diff(kind: &str, from: &str, to: &str) -> String {
        format!(
            "/api/privacy/policies/{kind}/diff?from={}&to={}",
            js_sys::encode_uri_component(from),
            js_sys::encode_uri_component(to)
        )
    }

    // ---- Devices ----
    pub const DEVICES: &str = "/api/devices";
    pub const DEVICE_STATUS: &str = "/api/devices/status";
    pub const EVENTS: &str = "/api/events";
    pub const CALLS: &str = "/api/calls";
    pub const DEV_CAMERAS: &str = "/api/dev/cameras";

    pub fn device(id: &str) -> String {
        format!("{DEVICES}/{}", js_sys::encode_uri_component(id))
    }

    /// `GET` a device's shares, `POST` a new one.
    pub fn device_shares(id: &str) -> String {
        format!("{}/shares", device(id))
    }

    /// `DELETE` revokes a share of a device.
    pub fn device_share(id: &str, share: &str) -> String {
        format!("{}/{}", device_shares(id), js_sys::encode_uri_component(share))
    }

    /// Cameras shared with the person.
    pub const SHARES: &str = "/api/shares";

    /// `DELETE` gives a share up; `/accept` and `/decline` answer it.
    pub fn share(id: &str) -> String {
        format!("{SHARES}/{}", js_sys::encode_uri_component(id))
    }

    pub fn event(id: &str) -> String {
        format!("{EVENTS}/{}", js_sys::encode_uri_component(id))
    }

    /// A query string from pairs, empty values left out: `?a=1&b=x`.
    pub fn query(pairs: &[(&str, String)]) -> String {
        let mut out = String::new();
        for (k, v) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
            out.push(if out.is_empty() { '?' } else { '&' });
            out.push_str(k);
            out.push('=');
            out.push_str(&String::from(js_sys::encode_uri_component(v)));
        }
        out
    }

    /// `DELETE` removes one of the person's passkeys.
    pub fn passkey(id: &str) -> String {
        format!("{PASSKEYS}/{}", js_sys::encode_uri_component(id))
    }

    /// `DELETE` ends one of the person's sessions.
    pub fn session(id: &str) -> String {
        format!("{SESSIONS}/{}", js_sys::encode_uri_component(id))
    }
}

/// The header that proves a changing request comes from this app.
pub const CSRF_HEADER: &str = "X-CSRF-Token";

/// Why a call failed. Views show it through `components::ErrorPanel`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientError {
    /// No answer at all: offline, connection refused, or the request was aborted.
    Network(String),
    /// A non-2xx answer, with the API's error body (or one made up from the status when the
    /// body was not ours, e.g. a proxy's error page). `retry_after` is the `Retry-After`
    /// header in seconds, when the server sent one (429).
    Api { status: u16, error: ApiError, retry_after: Option<u32> },
    /// A 2xx answer whose body was not what this version of the app expects.
    Decode(String),
    /// The browser or the authenticator did not make or use a passkey (cancelled, no
    /// authenticator, not supported).
    Passkey(String),
}

impl ClientError {
    /// Maps a non-2xx answer to the typed error.
    pub fn from_answer(status: u16, body: &str) -> ClientError {
        let error = serde_json::from_str::<ApiError>(body).unwrap_or_else(|_| {
            ApiError::new(ErrorCode::from_status(status), format!("HTTP status {status}"))
        });
        ClientError::Api { status, error, retry_after: None }
    }

    /// The same, with a `Retry-After` header's value (delta-seconds; an HTTP date is ignored).
    pub fn with_retry_after(self, header: Option<&str>) -> ClientError {
        match self {
            ClientError::Api { status, error, .. } => {
                let retry_after = header.and_then(|h| h.trim().parse::<u32>().ok());
                ClientError::Api { status, error, retry_after }
            }
            other => other,
        }
    }

    /// The API's error code, if the server answered.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ClientError::Api { error, .. } => Some(error.code),
            _ => None,
        }
    }

    /// The HTTP status, if the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The per-field problems of a rejected request (empty for anything else).
    pub fn fields(&self) -> &[FieldError] {
        match self {
            ClientError::Api { error, .. } => &error.fields,
            _ => &[],
        }
    }

    /// The problem with one field, if the server named it.
    pub fn field(&self, name: &str) -> Option<&FieldError> {
        self.fields().iter().find(|f| f.field == name)
    }

    /// Seconds to wait before trying again, for a 429.
    pub fn retry_after(&self) -> Option<u32> {
        match self {
            ClientError::Api { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

thread_local! {
    static CSRF_TOKEN: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The CSRF token of the current session, if signed in.
pub fn csrf_token() -> Option<String> {
    CSRF_TOKEN.with(|t| t.borrow().clone())
}

/// Remembers (or, with `None`, forgets) the session's CSRF token. The calls below do it
/// themselves; the session context calls it only when it learns the session ended.
pub fn set_csrf_token(token: Option<String>) {
    CSRF_TOKEN.with(|t| *t.borrow_mut() = token);
}

/// Aborts this component's requests in flight when it unmounts.
///
/// Each page calls it once and passes the signal to its requests.
pub fn use_abort_signal() -> AbortSignal {
    let controller = AbortController::new().expect("AbortController is in every supported browser");
    let signal = controller.signal();
    let controller = SendWrapper::new(controller);
    on_cleanup(move || controller.abort());
    signal
}

/// Sends one request and reads the whole answer: the body of a 2xx answer, or the typed
/// error. Changing methods carry the CSRF token when there is one.
///
/// Deliberately not generic (bodies go in and come out as text): every endpoint shares this
/// one copy of the request code, which keeps the wasm small.
async fn exchange(
    method: Method,
    url: &str,
    body: Option<String>,
    abort: &AbortSignal,
) -> Result<String, ClientError> {
    exchange_typed(method, url, body.map(|b| ("application/json", b)), abort).await.map(|(text, _)| text)
}

/// The one request code: a body of the given content type; answers the body and the
/// `Location` header (the live view's session URL).
#[inline(never)]
async fn exchange_typed(
    method: Method,
    url: &str,
    body: Option<(&str, String)>,
    abort: &AbortSignal,
) -> Result<(String, Option<String>), ClientError> {
    let mut builder = RequestBuilder::new(url)
        .method(method.clone())
        .header("Accept", "application/json")
        .abort_signal(Some(abort));
    if method != Method::GET
        && let Some(token) = csrf_token()
    {
        builder = builder.header(CSRF_HEADER, &token);
    }
    let request = match body {
        Some((content_type, b)) => builder.header("Content-Type", content_type).body(b),
        None => builder.build(),
    }
    .map_err(|e| ClientError::Network(e.to_string()))?;
    let response: Response = request.send().await.map_err(|e| ClientError::Network(e.to_string()))?;
    let status = response.status();
    let retry_after = response.headers().get("Retry-After");
    let location = response.headers().get("Location");
    let ok = response.ok();
    let text = response.text().await;
    match (ok, text) {
        (true, Ok(text)) => Ok((text, location)),
        (true, Err(e)) => Err(ClientError::Network(e.to_string())),
        (false, text) => Err(ClientError::from_answer(status, &text.unwrap_or_default())
            .with_retry_after(retry_after.as_deref())),
    }
}

fn encode<B: Serialize>(body: &B) -> Option<String> {
    // Our request types always serialise; `None` would only send an empty body.
    serde_json::to_string(body).ok()
}

fn decode<T: DeserializeOwned>(text: Result<String, ClientError>) -> Result<T, ClientError> {
    serde_json::from_str(&text?).map_err(|e| ClientError::Decode(e.to_string()))
}

async fn get_json<T: DeserializeOwned>(url: &str, abort: &AbortSignal) -> Result<T, ClientError> {
    decode(exchange(Method::GET, url, None, abort).await)
}

async fn post_json<B: Serialize, T: DeserializeOwned>(
    url: &str,
    body: &B,
    abort: &AbortSignal,
) -> Result<T, ClientError> {
    decode(exchange(Method::POST, url, encode(body), abort).await)
}

async fn post_empty<B: Serialize>(url: &str, body: &B, abort: &AbortSignal) -> Result<(), ClientError> {
    exchange(Method::POST, url, encode(body), abort).await.map(drop)
}

async fn delete(url: &str, abort: &AbortSignal) -> Result<(), ClientError> {
    exchange(Method::DELETE, url, None, abort).await.map(drop)
}

fn remember(info: SessionInfo) -> SessionInfo {
    set_csrf_token(Some(info.csrf_token.clone()));
    info
}

/// `GET /api/health`
pub async fn health(abort: AbortSignal) -> Result<Health, ClientError> {
    get_json(urls::HEALTH, &abort).await
}

/// `GET /api/signup`: the policy version, password limits and regions with their minimum ages.
pub async fn signup_rules(abort: AbortSignal) -> Result<SignUpRules, ClientError> {
    get_json(urls::SIGNUP, &abort).await
}

/// `POST /api/signup` (201): a code was mailed.
pub async fn sign_up(body: &SignUp, abort: &AbortSignal) -> Result<SignedUp, ClientError> {
    post_json(urls::SIGNUP, body, abort).await
}

/// `POST /api/signup/verify` (204): the mailed code with the password chosen at sign-up.
pub async fn verify_email(body: &VerifyEmail, abort: &AbortSignal) -> Result<(), ClientError> {
    post_empty(urls::SIGNUP_VERIFY, body, abort).await
}

/// `POST /api/signup/resend` (202).
pub async fn resend_code(body: &EmailOnly, abort: &AbortSignal) -> Result<(), ClientError> {
    post_empty(urls::SIGNUP_RESEND, body, abort).await
}

/// `POST /api/session`: sign in; the session cookie is set by the answer.
pub async fn sign_in(body: &SignIn, abort: &AbortSignal) -> Result<SessionInfo, ClientError> {
    post_json(urls::SESSION, body, abort).await.map(remember)
}

/// `GET /api/session`: who is signed in (401 when nobody is).
pub async fn current_session(abort: &AbortSignal) -> Result<SessionInfo, ClientError> {
    match get_json(urls::SESSION, abort).await {
        Ok(info) => Ok(remember(info)),
        Err(e) => {
            if e.status() == Some(401) {
                set_csrf_token(None);
            }
            Err(e)
        }
    }
}

/// `DELETE /api/session` (204): sign out.
pub async fn sign_out(abort: &AbortSignal) -> Result<(), ClientError> {
    let result = delete(urls::SESSION, abort).await;
    if result.is_ok() || matches!(result, Err(ref e) if e.status() == Some(401)) {
        set_csrf_token(None);
    }
    result
}

/// `PATCH /api/account`.
pub async fn update_profile(body: &ProfileUpdate, abort: &AbortSignal) -> Result<Account, ClientError> {
    decode(exchange(Method::PATCH, urls::ACCOUNT, encode(body), abort).await)
}

/// `POST /api/account/email/verify`: confirms a pending email change.
pub async fn verify_new_email(body: &CodeOnly, abort: &AbortSignal) -> Result<Account, ClientError> {
    post_json(urls::ACCOUNT_EMAIL_VERIFY, body, abort).await
}

/// `POST /api/account/password` (204): other sessions end.
pub async fn change_password(body: &PasswordChange, abort: &AbortSignal) -> Result<(), ClientError> {
    post_empty(urls::ACCOUNT_PASSWORD, body, abort).await
}

/// `POST /api/account/totp/setup`.
pub async fn totp_setup(abort: &AbortSignal) -> Result<TotpSetup, ClientError> {
    decode(exchange(Method::POST, urls::TOTP_SETUP, None, abort).await)
}

/// `POST /api/account/totp/enable`: the recovery codes, shown once.
pub async fn totp_enable(body: &TotpEnable, abort: &AbortSignal) -> Result<RecoveryCodes, ClientError> {
    post_json(urls::TOTP_ENABLE, body, abort).await
}

/// `POST /api/account/totp/disable` (204).
pub async fn totp_disable(body: &PasswordOnly, abort: &AbortSignal) -> Result<(), ClientError> {
    post_empty(urls::TOTP_DISABLE, body, abort).await
}

/// `GET /api/account/sessions`.
pub async fn sessions(abort: AbortSignal) -> Result<Vec<SessionSummary>, ClientError> {
    get_json(urls::SESSIONS, &abort).await
}

/// `DELETE /api/account/sessions/{id}` (204).
pub async fn revoke_session(id: &str, abort: &AbortSignal) -> Result<(), ClientError> {
    delete(&urls::session(id), abort).await
}

/// `DELETE /api/account/sessions` (204): ends every session but this one.
pub async fn revoke_other_sessions(abort: &AbortSignal) -> Result<(), ClientError> {
    delete(urls::SESSIONS, abort).await
}

/// `GET /api/account/activity`, newest first.
pub async fn activity(abort: AbortSignal) -> Result<Vec<ActivityEntry>, ClientError> {
    get_json(urls::ACTIVITY, &abort).await
}

/// `POST /api/account/deletion`: the account is gone and its session with it.
pub async fn delete_account(
    body: &PasswordOnly,
    abort: &AbortSignal,
) -> Result<DeletionReceipt, ClientError> {
    let receipt = post_json(urls::DELETION, body, abort).await?;
    set_csrf_token(None);
    Ok(receipt)
}

/// `POST /api/session/unlock` (202): a sign-in code was mailed if the address has an account.
pub async fn request_unlock(body: &EmailOnly, abort: &AbortSignal) -> Result<(), ClientError> {
    post_empty(urls::SESSION_UNLOCK, body, abort).await
}

/// `POST /api/password-reset` (202): a code was mailed if the address has an account.
pub async fn request_password_reset(body: &EmailOnly, abort: &AbortSignal) -> Result<(), ClientError> {
    post_empty(urls::PASSWORD_RESET, body, abort).await
}

/// `POST /api/password-reset/confirm` (204): every session ends.
pub async fn confirm_password_reset(body: &PasswordReset, abort: &AbortSignal) -> Result<(), ClientError> {
    post_empty(urls::PASSWORD_RESET_CONFIRM, body, abort).await
}

/// `POST /api/requests/code` (202): a code is mailed to the address, account or not.
pub async fn request_code(body: &EmailOnly, abort: &AbortSignal) -> Result<(), ClientError> {
    post_empty(urls::REQUEST_CODE, body, abort).await
}

/// `POST /api/requests/public` (201): a request filed without signing in.
pub async fn file_public_request(
    body: &PublicRequestNew,
    abort: &AbortSignal,
) -> Result<RightsRequest, ClientError> {
    post_json(urls::REQUEST_PUBLIC, body, abort).await
}

/// `POST /api/requests/public/information` (200): more information without signing in.
pub async fn public_information(
    body: &PublicInformation,
    abort: &AbortSignal,
) -> Result<RightsRequest, ClientError> {
    post_json(urls::REQUEST_PUBLIC_INFORMATION, body, abort).await
}

/// `GET /api/guardian/rules`: what each region accepts from a parent or guardian.
pub async fn guardian_rules(abort: AbortSignal) -> Result<Vec<GuardianRule>, ClientError> {
    get_json(urls::GUARDIAN_RULES, &abort).await
}

/// `POST /api/guardian/requests` (201): a parent's or guardian's request about a child's data.
pub async fn file_guardian_request(
    body: &GuardianRequestNew,
    abort: &AbortSignal,
) -> Result<RightsRequest, ClientError> {
    post_json(urls::GUARDIAN_REQUESTS, body, abort).await
}

/// `GET /api/dev/mailbox`: only on the embedded default (404 otherwise).
pub async fn dev_mailbox(abort: AbortSignal) -> Result<Vec<MailboxMessage>, ClientError> {
    get_json(urls::DEV_MAILBOX, &abort).await
}

/// `GET /api/account/passkeys`.
pub async fn passkeys(abort: AbortSignal) -> Result<Vec<PasskeySummary>, ClientError> {
    get_json(urls::PASSKEYS, &abort).await
}

/// `DELETE /api/account/passkeys/{id}` (204).
pub async fn remove_passkey(id: &str, abort: &AbortSignal) -> Result<(), ClientError> {
    delete(&urls::passkey(id), abort).await
}

/// Makes a passkey in this browser and adds it to the account (two requests around
/// `navigator.credentials.create`; the first one with the current password).
pub async fn add_passkey(body: &PasswordOnly, abort: &AbortSignal) -> Result<PasskeySummary, ClientError> {
    let challenge: PasskeyChallenge = post_json(urls::PASSKEYS_OPTIONS, body, abort).await?;
    let credential = webauthn::ceremony(&challenge.options, "create").await?;
    post_json(urls::PASSKEYS, &PasskeyAnswer { ceremony: challenge.ceremony, credential }, abort).await
}

/// Signs in with a passkey of this browser or a nearby device: with no password, or (given
/// the email and password) as the second step instead of an authenticator code.
pub async fn sign_in_with_passkey(
    password_step: Option<&SignIn>,
    abort: &AbortSignal,
) -> Result<SessionInfo, ClientError> {
    let challenge: PasskeyChallenge = match password_step {
        Some(body) => post_json(urls::SESSION_SECOND_STEP, body, abort).await?,
        None => decode(exchange(Method::POST, urls::SESSION_PASSKEY_OPTIONS, None, abort).await)?,
    };
    let credential = webauthn::ceremony(&challenge.options, "get").await?;
    post_json(urls::SESSION_PASSKEY, &PasskeyAnswer { ceremony: challenge.ceremony, credential }, abort)
        .await
        .map(remember)
}

// --- the privacy center ---

/// `GET /api/privacy/consents`: every purpose and whether it runs for the person.
pub async fn consents(abort: AbortSignal) -> Result<ConsentOverview, ClientError> {
    get_json(urls::PRIVACY_CONSENTS, &abort).await
}

/// `POST /api/privacy/consents`: one purpose on or off.
pub async fn set_consent(body: &ConsentChange, abort: &AbortSignal) -> Result<ConsentOverview, ClientError> {
    post_json(urls::PRIVACY_CONSENTS, body, abort).await
}

/// `GET /api/privacy/ledger`, oldest first.
pub async fn consent_ledger(abort: AbortSignal) -> Result<Vec<LedgerEntry>, ClientError> {
    get_json(urls::PRIVACY_LEDGER, &abort).await
}

/// `GET /api/privacy/ledger/verify`.
pub async fn verify_ledger(abort: &AbortSignal) -> Result<LedgerVerification, ClientError> {
    get_json(urls::PRIVACY_LEDGER_VERIFY, abort).await
}

/// `POST /api/privacy/cookies`: records the banner's choice (the cookie goes along by itself).
pub async fn record_cookie_choice(abort: &AbortSignal) -> Result<(), ClientError> {
    exchange(Method::POST, urls::PRIVACY_COOKIES, None, abort).await.map(drop)
}

/// `GET /api/privacy/status`: a re-consent due?
pub async fn privacy_status(abort: &AbortSignal) -> Result<PrivacyStatus, ClientError> {
    get_json(urls::PRIVACY_STATUS, abort).await
}

/// `POST /api/privacy/policy/accept`.
pub async fn accept_policy(body: &PolicyAccept, abort: &AbortSignal) -> Result<PrivacyStatus, ClientError> {
    post_json(urls::PRIVACY_ACCEPT, body, abort).await
}

/// `GET /api/privacy/policies/{kind}[/{version}]`.
pub async fn policy(
    kind: &str,
    version: Option<&str>,
    abort: &AbortSignal,
) -> Result<PolicyDocument, ClientError> {
    get_json(&urls::policy(kind, version), abort).await
}

/// `GET /api/privacy/policies/{kind}/diff`.
pub async fn policy_diff(
    kind: &str,
    from: &str,
    to: &str,
    abort: &AbortSignal,
) -> Result<PolicyDiff, ClientError> {
    get_json(&urls::policy_diff(kind, from, to), abort).await
}

/// `GET /api/privacy/my-data`.
pub async fn my_data(abort: AbortSignal) -> Result<MyData, ClientError> {
    get_json(urls::PRIVACY_MY_DATA, &abort).await
}

/// `GET /api/privacy/access`: who else reached the person's data.
pub async fn access_log(abort: AbortSignal) -> Result<AccessLog, ClientError> {
    get_json(urls::PRIVACY_ACCESS, &abort).await
}

/// `POST /api/privacy/exports` (202): starts building an archive of the person's data.
pub async fn start_export(body: &ExportStart, abort: &AbortSignal) -> Result<ExportStatus, ClientError> {
    post_json(urls::PRIVACY_EXPORTS, body, abort).await
}

/// `GET /api/privacy/exports/current`; `None` when the person has no archive (404).
pub async fn export_status(abort: AbortSignal) -> Result<Option<ExportStatus>, ClientError> {
    match get_json(urls::PRIVACY_EXPORT, &abort).await {
        Err(e) if e.status() == Some(404) => Ok(None),
        other => other.map(Some),
    }
}

/// `DELETE /api/privacy/exports/current` (204): cancels the archive, or deletes it.
pub async fn cancel_export(abort: &AbortSignal) -> Result<(), ClientError> {
    delete(urls::PRIVACY_EXPORT, abort).await
}

/// `POST /api/privacy/exports/current/confirm`: the password again, to download.
pub async fn confirm_export(body: &ExportConfirm, abort: &AbortSignal) -> Result<ExportStatus, ClientError> {
    post_json(urls::PRIVACY_EXPORT_CONFIRM, body, abort).await
}

/// `GET /api/privacy/exports/recipients`: the services a copy of the archive can be sent to.
pub async fn export_recipients(abort: AbortSignal) -> Result<Vec<ExportRecipient>, ClientError> {
    get_json(urls::PRIVACY_EXPORT_RECIPIENTS, &abort).await
}

/// `GET /api/privacy/exports/current/transfers`: the copies sent of the archive, newest first.
pub async fn export_transfers(abort: AbortSignal) -> Result<Vec<ExportTransfer>, ClientError> {
    get_json(urls::PRIVACY_EXPORT_TRANSFERS, &abort).await
}

/// `POST /api/privacy/exports/current/transfers` (202): sends a copy of the ready archive to
/// a recipient (403 when the password must be confirmed first).
pub async fn start_transfer(
    body: &TransferStart,
    abort: &AbortSignal,
) -> Result<ExportTransfer, ClientError> {
    post_json(urls::PRIVACY_EXPORT_TRANSFERS, body, abort).await
}

/// `POST /api/privacy/exports/current/transfers/{id}/retry` (202).
pub async fn retry_transfer(id: &str, abort: &AbortSignal) -> Result<ExportTransfer, ClientError> {
    decode(exchange(Method::POST, &urls::export_transfer_retry(id), None, abort).await)
}

/// `GET /api/privacy/exports/current/links`: the one-time links (without their URLs).
pub async fn export_links(abort: AbortSignal) -> Result<Vec<ExportLink>, ClientError> {
    get_json(urls::PRIVACY_EXPORT_LINKS, &abort).await
}

/// `POST /api/privacy/exports/current/links` (201): the answer holds the link's URL, once.
pub async fn create_export_link(body: &LinkStart, abort: &AbortSignal) -> Result<ExportLink, ClientError> {
    post_json(urls::PRIVACY_EXPORT_LINKS, body, abort).await
}

/// `DELETE /api/privacy/exports/current/links/{id}` (204).
pub async fn revoke_export_link(id: &str, abort: &AbortSignal) -> Result<(), ClientError> {
    delete(&urls::export_link(id), abort).await
}

/// Listens to `GET /api/privacy/exports/current/events` (server-sent events named `status`)
/// until the returned source is closed; the server ends the stream once the archive is
/// ready, failed or gone.
pub fn watch_export(on_status: impl Fn(ExportStatus) + 'static) -> Option<web_sys::EventSource> {
    use wasm_bindgen::JsCast as _;
    use wasm_bindgen::closure::Closure;
    let source = web_sys::EventSource::new(urls::PRIVACY_EXPORT_EVENTS).ok()?;
    let status = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
        if let Some(s) = e.data().as_string().and_then(|t| serde_json::from_str::<ExportStatus>(&t).ok()) {
            on_status(s);
        }
    });
    let _ = source.add_event_listener_with_callback("status", status.as_ref().unchecked_ref());
    status.forget();
    Some(source)
}

/// `GET /api/session/roles`: what the person may do beyond their own account.
pub async fn session_roles(abort: AbortSignal) -> Result<ward_model::SessionRoles, ClientError> {
    get_json(urls::SESSION_ROLES, &abort).await
}

/// `GET /api/privacy/requests`: the person's requests, newest first.
pub async fn rights_requests(abort: AbortSignal) -> Result<RequestList, ClientError> {
    get_json(urls::PRIVACY_REQUESTS, &abort).await
}

/// `POST /api/privacy/requests` (201).
pub async fn file_request(body: &RequestNew, abort: &AbortSignal) -> Result<RightsRequest, ClientError> {
    post_json(urls::PRIVACY_REQUESTS, body, abort).await
}

/// `POST /api/privacy/requests/{id}/information`.
pub async fn add_request_information(
    id: &str,
    body: &RequestText,
    abort: &AbortSignal,
) -> Result<RightsRequest, ClientError> {
    post_json(&urls::request_action(id, "information"), body, abort).await
}

/// `POST /api/privacy/requests/{id}/withdraw`.
pub async fn withdraw_request(id: &str, abort: &AbortSignal) -> Result<RightsRequest, ClientError> {
    decode(exchange(Method::POST, &urls::request_action(id, "withdraw"), None, abort).await)
}

/// `GET /api/staff/requests?…` (privacy staff): `query` without its `?`.
pub async fn staff_queue(query: String, abort: AbortSignal) -> Result<RequestQueue, ClientError> {
    get_json(&format!("{}?{query}", urls::STAFF_REQUESTS), &abort).await
}

/// `GET /api/staff/requests/{region}/{id}` (privacy staff; the person's timeline shows it).
pub async fn staff_request(
    region: String,
    id: String,
    abort: AbortSignal,
) -> Result<StaffRequest, ClientError> {
    get_json(&urls::staff_request(&region, &id), &abort).await
}

/// `POST /api/staff/requests/{region}/{id}/decision` (privacy staff).
pub async fn staff_decide(
    region: &str,
    id: &str,
    body: &StaffDecision,
    abort: &AbortSignal,
) -> Result<StaffRequest, ClientError> {
    post_json(&format!("{}/decision", urls::staff_request(region, id)), body, abort).await
}

/// `GET /api/privacy/notices`: the breach notices that concern the person.
pub async fn notices(abort: AbortSignal) -> Result<NoticeList, ClientError> {
    get_json(urls::PRIVACY_NOTICES, &abort).await
}

/// `GET /api/staff/incidents` (privacy staff).
pub async fn incidents(abort: AbortSignal) -> Result<IncidentList, ClientError> {
    get_json(urls::STAFF_INCIDENTS, &abort).await
}

/// `POST /api/staff/incidents` (privacy staff): records an incident.
pub async fn record_incident(body: &IncidentNew, abort: &AbortSignal) -> Result<Incident, ClientError> {
    post_json(urls::STAFF_INCIDENTS, body, abort).await
}

/// `POST /api/staff/incidents/{id}/{action}` (privacy staff): `notify` the people concerned,
/// or record that the `authority` was told.
pub async fn incident_action(id: &str, action: &str, abort: &AbortSignal) -> Result<Incident, ClientError> {
    decode(exchange(Method::POST, &urls::incident(id, action), None, abort).await)
}

/// `GET /api/staff/service-notices` (privacy staff): every service notice.
pub async fn staff_service_notices(abort: AbortSignal) -> Result<ServiceNoticeList, ClientError> {
    get_json(urls::STAFF_SERVICE_NOTICES, &abort).await
}

/// `POST /api/staff/service-notices` (privacy staff): publishes a notice for everyone.
pub async fn publish_service_notice(
    body: &ServiceNoticeNew,
    abort: &AbortSignal,
) -> Result<ServiceNotice, ClientError> {
    post_json(urls::STAFF_SERVICE_NOTICES, body, abort).await
}

/// `POST /api/staff/service-notices/{id}/withdraw` (privacy staff).
pub async fn withdraw_service_notice(id: &str, abort: &AbortSignal) -> Result<ServiceNotice, ClientError> {
    let url = format!("{}/{}/withdraw", urls::STAFF_SERVICE_NOTICES, js_sys::encode_uri_component(id));
    decode(exchange(Method::POST, &url, None, abort).await)
}

/// `POST /api/staff/requests/{region}/{id}/notes` (privacy staff).
pub async fn staff_note(
    region: &str,
    id: &str,
    body: &StaffNote,
    abort: &AbortSignal,
) -> Result<StaffRequest, ClientError> {
    post_json(&format!("{}/notes", urls::staff_request(region, id)), body, abort).await
}

/// `POST /api/staff/requests/{region}/{id}/child` (privacy staff): the account behind the
/// request flagged as a child's, or the flag lifted.
pub async fn staff_child(
    region: &str,
    id: &str,
    body: &StaffChildFlag,
    abort: &AbortSignal,
) -> Result<StaffRequest, ClientError> {
    post_json(&format!("{}/child", urls::staff_request(region, id)), body, abort).await
}

/// `POST /api/staff/requests/{region}/{id}/correct` (privacy staff): a rectification carried
/// out; the answer's `region` is where the request is now.
pub async fn staff_correct(
    region: &str,
    id: &str,
    body: &StaffCorrection,
    abort: &AbortSignal,
) -> Result<StaffRequest, ClientError> {
    post_json(&format!("{}/correct", urls::staff_request(region, id)), body, abort).await
}

/// `POST /api/staff/requests/{region}/{id}/ask` (privacy staff): the person is asked for more.
pub async fn staff_ask(
    region: &str,
    id: &str,
    body: &RequestText,
    abort: &AbortSignal,
) -> Result<StaffRequest, ClientError> {
    post_json(&format!("{}/ask", urls::staff_request(region, id)), body, abort).await
}

/// `POST /api/staff/requests/{region}/{id}/due` (privacy staff): an earlier due date.
pub async fn staff_tighten(
    region: &str,
    id: &str,
    body: &StaffTighten,
    abort: &AbortSignal,
) -> Result<StaffRequest, ClientError> {
    post_json(&format!("{}/due", urls::staff_request(region, id)), body, abort).await
}

/// `GET /api/account/children`: the child accounts this person consented to as their guardian.
pub async fn children(abort: AbortSignal) -> Result<Vec<GuardedChild>, ClientError> {
    get_json(urls::CHILDREN, &abort).await
}

/// `POST /api/account/children/{region}/{id}/archive` (202): a copy of the child's data.
pub async fn child_archive(c: &GuardedChild, abort: &AbortSignal) -> Result<GuardedChild, ClientError> {
    decode(exchange(Method::POST, &urls::child_archive(c.region.code(), &c.id), None, abort).await)
}

/// `POST /api/account/children/{region}/{id}/deletion`, with the guardian's own password.
pub async fn delete_child(
    c: &GuardedChild,
    body: &PasswordOnly,
    abort: &AbortSignal,
) -> Result<DeletionReceipt, ClientError> {
    post_json(&format!("{}/{}/{}/deletion", urls::CHILDREN, c.region.code(), c.id), body, abort).await
}

/// `POST /api/privacy/restriction/lift` (204): lifts the restriction the person asked for.
pub async fn lift_restriction(abort: &AbortSignal) -> Result<(), ClientError> {
    exchange(Method::POST, "/api/privacy/restriction/lift", None, abort).await.map(drop)
}

/// `POST /api/privacy/unsubscribe` (204): no session needed.
pub async fn unsubscribe(body: &Unsubscribe, abort: &AbortSignal) -> Result<(), ClientError> {
    post_empty(urls::PRIVACY_UNSUBSCRIBE, body, abort).await
}

// ---- Devices ----

/// `GET /api/devices?page=&per_page=&q=&status=`.
pub async fn devices(
    page: u32,
    q: String,
    status: String,
    abort: AbortSignal,
) -> Result<DevicePage, ClientError> {
    let url = format!(
        "{}{}",
        urls::DEVICES,
        urls::query(&[("page", page.to_string()), ("per_page", "20".into()), ("q", q), ("status", status)])
    );
    get_json(&url, &abort).await
}

/// `GET /api/devices/{id}`: one device (404 when it is not the person's).
pub async fn device(id: &str, abort: &AbortSignal) -> Result<Device, ClientError> {
    get_json(&urls::device(id), abort).await
}

/// `POST /api/devices` (201): claim by serial and label code.
pub async fn claim_device(body: &ClaimDevice, abort: &AbortSignal) -> Result<Device, ClientError> {
    post_json(urls::DEVICES, body, abort).await
}

/// `PATCH /api/devices/{id}`: rename, privacy mode.
pub async fn update_device(
    id: &str,
    body: &DeviceUpdate,
    abort: &AbortSignal,
) -> Result<Device, ClientError> {
    decode(exchange(Method::PATCH, &urls::device(id), encode(body), abort).await)
}

/// `DELETE /api/devices/{id}` (204).
pub async fn remove_device(id: &str, abort: &AbortSignal) -> Result<(), ClientError> {
    delete(&urls::device(id), abort).await
}

/// `GET /api/devices/{id}/shares`: who the camera is shared with (owner only).
pub async fn device_shares(id: String, abort: AbortSignal) -> Result<Vec<DeviceShare>, ClientError> {
    get_json(&urls::device_shares(&id), &abort).await
}

/// `POST /api/devices/{id}/shares` (201): share with a person of the same region.
pub async fn share_device(
    id: &str,
    body: &ShareDevice,
    abort: &AbortSignal,
) -> Result<DeviceShare, ClientError> {
    post_json(&urls::device_shares(id), body, abort).await
}

/// `PATCH /api/devices/{id}/shares/{share}`: what a share allows from now on.
pub async fn edit_share(
    id: &str,
    share: &str,
    body: &ShareEdit,
    abort: &AbortSignal,
) -> Result<DeviceShare, ClientError> {
    decode(exchange(Method::PATCH, &urls::device_share(id, share), encode(body), abort).await)
}

/// `DELETE /api/devices/{id}/shares/{share}` (204).
pub async fn revoke_share(id: &str, share: &str, abort: &AbortSignal) -> Result<(), ClientError> {
    delete(&urls::device_share(id, share), abort).await
}

/// `GET /api/shares`: cameras shared with the person.
pub async fn received_shares(abort: AbortSignal) -> Result<Vec<ReceivedShare>, ClientError> {
    get_json(urls::SHARES, &abort).await
}

/// `POST /api/shares/{id}/accept` or `/decline`.
pub async fn answer_share(id: &str, accept: bool, abort: &AbortSignal) -> Result<ReceivedShare, ClientError> {
    let url = format!("{}/{}", urls::share(id), if accept { "accept" } else { "decline" });
    decode(exchange(Method::POST, &url, None, abort).await)
}

/// `DELETE /api/shares/{id}` (204): give a share up.
pub async fn leave_share(id: &str, abort: &AbortSignal) -> Result<(), ClientError> {
    delete(&urls::share(id), abort).await
}

/// `GET /api/events?...`: `filters` are `(name, value)` pairs of the API's parameters.
pub async fn events(
    filters: Vec<(&'static str, String)>,
    abort: AbortSignal,
) -> Result<EventPage, ClientError> {
    get_json(&format!("{}{}", urls::EVENTS, urls::query(&filters)), &abort).await
}

/// `DELETE /api/events/{id}` (204).
pub async fn delete_event(id: &str, abort: &AbortSignal) -> Result<(), ClientError> {
    delete(&urls::event(id), abort).await
}

/// `GET /api/calls`.
pub async fn calls(abort: AbortSignal) -> Result<CallList, ClientError> {
    get_json(urls::CALLS, &abort).await
}

/// `GET /api/dev/cameras`: demo cameras of this machine.
pub async fn demo_cameras(abort: AbortSignal) -> Result<Vec<DemoCamera>, ClientError> {
    get_json(urls::DEV_CAMERAS, &abort).await
}

/// Listens to `GET /api/devices/status` (server-sent events) until the returned source is
/// closed: `on_status` for each change, `on_reload` when changes were missed.
pub fn watch_device_status(
    on_status: impl Fn(DeviceStatus) + 'static,
    on_reload: impl Fn() + 'static,
) -> Option<web_sys::EventSource> {
    use wasm_bindgen::JsCast as _;
    use wasm_bindgen::closure::Closure;
    let source = web_sys::EventSource::new(urls::DEVICE_STATUS).ok()?;
    let status = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
        if let Some(s) = e.data().as_string().and_then(|t| serde_json::from_str::<DeviceStatus>(&t).ok()) {
            on_status(s);
        }
    });
    let reload = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |_| on_reload());
    let _ = source.add_event_listener_with_callback("status", status.as_ref().unchecked_ref());
    let _ = source.add_event_listener_with_callback("reload", reload.as_ref().unchecked_ref());
    // The source lives as long as the page; so do its listeners.
    status.forget();
    reload.forget();
    Some(source)
}

/// The browser's side of a WebAuthn ceremony, through the JSON forms of WebAuthn Level 3
/// (`parse*OptionsFromJSON`, `toJSON`), so no byte buffers are converted by hand.
mod webauthn {
    use js_sys::{Function, JSON, Object, Reflect};
    use wasm_bindgen::{JsCast as _, JsValue};
    use wasm_bindgen_futures::JsFuture;

    use super::ClientError;

    fn get(target: &JsValue, key: &str) -> Result<JsValue, ClientError> {
        Reflect::get(target, &JsValue::from_str(key)).map_err(fail)
    }

    fn fail(e: JsValue) -> ClientError {
        ClientError::Passkey(e.as_string().unwrap_or_else(|| format!("{e:?}")))
    }

    /// `kind` is `create` (a new passkey) or `get` (sign in). Answers the credential as JSON text.
    pub async fn ceremony(options_json: &str, kind: &str) -> Result<String, ClientError> {
        let window: JsValue =
            web_sys::window().ok_or_else(|| ClientError::Passkey("no window".into()))?.into();
        let pkc = get(&window, "PublicKeyCredential")?;
        if pkc.is_undefined() {
            return Err(ClientError::Passkey("this browser has no passkeys".into()));
        }
        let parser =
            if kind == "create" { "parseCreationOptionsFromJSON" } else { "parseRequestOptionsFromJSON" };
        let parse: Function = get(&pkc, parser)?.dyn_into().map_err(fail)?;
        let options = JSON::parse(options_json).map_err(fail)?;
        let public_key = parse.call1(&pkc, &get(&options, "publicKey")?).map_err(fail)?;
        let request = Object::new();
        Reflect::set(&request, &JsValue::from_str("publicKey"), &public_key).map_err(fail)?;
        let credentials = get(&get(&window, "navigator")?, "credentials")?;
        let call: Function = get(&credentials, kind)?.dyn_into().map_err(fail)?;
        let promise: js_sys::Promise =
            call.call1(&credentials, &request).map_err(fail)?.dyn_into().map_err(fail)?;
        let credential = JsFuture::from(promise).await.map_err(fail)?;
        let to_json: Function = get(&credential, "toJSON")?.dyn_into().map_err(fail)?;
        let json = to_json.call0(&credential).map_err(fail)?;
        JSON::stringify(&json)
            .map_err(fail)?
            .as_string()
            .ok_or_else(|| ClientError::Passkey("no JSON".into()))
    }
}

// ---- The live view (WHEP-shaped signalling; media never pass the server) ----------------

/// `GET /api/live/ice-servers`, as the JSON text `RTCConfiguration.iceServers` takes.
pub async fn live_ice_servers(abort: &AbortSignal) -> Result<String, ClientError> {
    exchange(Method::GET, "/api/live/ice-servers", None, abort).await
}

/// `POST /api/devices/{id}/live` with the browser's SDP offer: the camera's SDP answer and
/// the session's URL (to `DELETE` when leaving).
pub async fn live_start(
    device_id: &str,
    offer: String,
    abort: &AbortSignal,
) -> Result<(String, String), ClientError> {
    let url = format!("/api/devices/{}/live", js_sys::encode_uri_component(device_id));
    let (answer, location) =
        exchange_typed(Method::POST, &url, Some(("application/sdp", offer)), abort).await?;
    let location = location.ok_or_else(|| ClientError::Decode("no Location".into()))?;
    Ok((answer, location))
}

/// `DELETE` a live session (the camera stops sending). Not tied to a page's abort signal:
/// it is sent while the page goes away.
pub async fn live_end(location: &str) -> Result<(), ClientError> {
    let signal =
        AbortController::new().map_err(|_| ClientError::Network("no AbortController".into()))?.signal();
    exchange(Method::DELETE, location, None, &signal).await.map(|_| ())
}

/// Ends a live session while the page unloads (tab closed, reload, another site): a
/// `keepalive` request outlives the page, which an ordinary fetch does not.
pub fn live_end_on_unload(location: &str) {
    let Some(window) = web_sys::window() else { return };
    let init = web_sys::RequestInit::new();
    init.set_method("DELETE");
    // web-sys has no setter for `keepalive`; it is a plain dictionary member.
    let _ = js_sys::Reflect::set(
        &init,
        &wasm_bindgen::JsValue::from_str("keepalive"),
        &wasm_bindgen::JsValue::TRUE,
    );
    if let (Some(token), Ok(headers)) = (csrf_token(), web_sys::Headers::new()) {
        let _ = headers.set(CSRF_HEADER, &token);
        init.set_headers(&headers);
    }
    let _ = window.fetch_with_str_and_init(location, &init);
}
