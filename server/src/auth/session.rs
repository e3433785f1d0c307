//! Sessions: the cookie, the extractor every signed-in route uses, CSRF and client facts.
//!
//! The cookie holds `<region>.<token>`: 256 random bits, stored only as SHA-256, so a copy
//! of the store cannot be replayed. A session ends after [`IDLE`] without use or
//! [`ABSOLUTE`] after sign-in, whichever comes first. Every state-changing request of a
//! signed-in person must carry `X-CSRF-Token`, a MAC of the session the page was given.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ward_model::Region;

use crate::AppState;
use crate::error::AppError;
use crate::store::{Db, PersonRow};
use crate::vault::{PersonKey, sha256};

pub const COOKIE: &str = "ward_session";
/// The name of the session cookie when cookies are `Secure` (HTTPS): the `__Host-` prefix
/// makes the browser refuse it unless it is Secure, host-only and `Path=/`, so neither a
/// plain-HTTP answer nor a sibling subdomain can set or shadow it.
pub const SECURE_COOKIE: &str = "__Host-ward_session";

/// The session cookie's name: [`SECURE_COOKIE`] over HTTPS, [`COOKIE`] otherwise.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure { SECURE_COOKIE } else { COOKIE }
}
pub const CSRF_HEADER: &str = "x-csrf-token";
/// A session unused this long ends.
pub const IDLE: i64 = 24 * 60 * 60;
/// A session ends this long after sign-in, used or not.
pub const ABSOLUTE: i64 = 14 * 24 * 60 * 60;
/// `last_seen` is written at most this often, not on every request.
const TOUCH_EVERY: i64 = 60;

pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// A new session token: the cookie value and the hash to store.
pub fn new_token(region: Region) -> (String, Vec<u8>) {
    let token = B64.encode(crate::vault::random::<32>());
    let hash = sha256(token.as_bytes());
    (format!("{}.{token}", region.code()), hash)
}

pub fn set_cookie(value: &str, secure: bool) -> HeaderValue {
    let name = cookie_name(secure);
    let secure = if secure { "; Secure" } else { "" };
    // Max-Age equals the absolute timeout; the server enforces both timeouts regardless.
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={ABSOLUTE}{secure}"
    ))
    .expect("a token is base64url, a valid header value")
}

pub fn clear_cookie(secure: bool) -> HeaderValue {
    let name = cookie_name(secure);
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"))
        .expect("a constant header value")
}

/// `(region, token hash)` of the session cookie, if one is present and well-formed. Over
/// HTTPS only the `__Host-` cookie counts.
fn cookie_token(headers: &HeaderMap, secure: bool) -> Option<(Region, Vec<u8>)> {
    let name = cookie_name(secure);
    let value = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)?;
    let (region, token) = value.split_once('.')?;
    Some((Region::from_code(region)?, sha256(token.as_bytes())))
}

/// Where a request came from, as shown in the sessions list and the activity log.
#[derive(Debug, Clone)]
pub struct ClientMeta {
    pub address: String,
    pub browser: String,
}

impl FromRequestParts<AppState> for ClientMeta {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        // The peer's address, or behind a trusted proxy (`--trusted-proxies`) the client it
        // forwarded (`crate::http::client`).
        let address = parts.extensions.get::<ConnectInfo<SocketAddr>>().map_or_else(
            || "unknown".to_string(),
            |ConnectInfo(a)| state.trusted_proxies.client(a.ip(), &parts.headers).to_string(),
        );
        let ua = parts.headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("");
        Ok(ClientMeta { address, browser: browser_of(ua) })
    }
}

/// "Chrome on Linux" from a User-Agent; coarse on purpose (it is shown, not trusted).
pub fn browser_of(ua: &str) -> String {
    let browser = if ua.contains("Edg/") {
        "Edge"
    } else if ua.contains("OPR/") {
        "Opera"
    } else if ua.contains("Firefox/") {
        "Firefox"
    } else if ua.contains("Chrome/") || ua.contains("Chromium/") || ua.contains("HeadlessChrome/") {
        "Chrome"
    } else if ua.contains("Safari/") {
        "Safari"
    } else if ua.is_empty() {
        "Unknown browser"
    } else {
        "Other browser"
    };
    let os = if ua.contains("Android") {
        Some("Android")
    } else if ua.contains("iPhone") || ua.contains("iPad") {
        Some("iOS")
    } else if ua.contains("Windows") {
        Some("Windows")
    } else if ua.contains("Mac OS X") || ua.contains("Macintosh") {
        Some("macOS")
    } else if ua.contains("Linux") || ua.contains("X11") {
        Some("Linux")
    } else {
        None
    };
    match os {
        Some(os) => format!("{browser} on {os}"),
        None => browser.to_string(),
    }
}

/// A signed-in request: its session, the person, and their unwrapped data key.
pub struct CurrentSession {
    pub session_id: String,
    pub token_hash: Vec<u8>,
    pub region: Region,
    pub db: Db,
    pub person: PersonRow,
    pub key: PersonKey,
}

impl CurrentSession {
    pub fn csrf_token(&self, state: &AppState) -> String {
        csrf_for(state, &self.token_hash)
    }
}

pub fn csrf_for(state: &AppState, token_hash: &[u8]) -> String {
    B64.encode(&state.auth.vault.token_mac("csrf", token_hash)[..16])
}

fn signed_out() -> AppError {
    AppError::Unauthorized {
        message: "You are not signed in, or your session has ended.".into(),
        fields: vec![],
    }
}

impl FromRequestParts<AppState> for CurrentSession {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let (region, token_hash) =
            cookie_token(&parts.headers, state.auth.secure_cookies).ok_or_else(signed_out)?;
        let db = state.stores.region(region).await?.clone();
        let session = db.session_by_token(&token_hash).await?.ok_or_else(signed_out)?;
        let now = now();
        if now - session.last_seen > IDLE || now - session.created_at > ABSOLUTE {
            db.session_delete(&session.person_id, &session.id).await?;
            return Err(signed_out());
        }
        if is_unsafe(&parts.method) {
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
            if !constant_time_eq(sent.as_bytes(), csrf_for(state, &token_hash).as_bytes()) {
                return Err(AppError::Forbidden(
                    "This request lacks the page's security token (X-CSRF-Token). Reload the page and try again."
                        .into(),
                ));
            }
        }
        let person = db.person(&session.person_id).await?.ok_or_else(signed_out)?;
        let wrapped = state.stores.directory.person_key(&person.id).await?.ok_or_else(signed_out)?;
        let key = state.auth.vault.unwrap_person_key(&person.id, &wrapped).map_err(AppError::internal)?;
        if now - session.last_seen >= TOUCH_EVERY {
            db.session_touch(&session.id, now).await?;
        }
        Ok(CurrentSession { session_id: session.id, token_hash, region, db, person, key })
    }
}

fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Refuses state-changing API requests that a browser says come from another site, before
/// any handler runs (this also covers sign-in and sign-up, which have no session yet).
pub async fn same_origin_only(req: Request, next: Next) -> Response {
    if is_unsafe(req.method()) && req.uri().path().starts_with("/api/") && is_cross_site(req.headers()) {
        return AppError::Forbidden("Requests from other sites are not accepted.".into()).into_response();
    }
    next.run(req).await
}

fn is_cross_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return site == "cross-site" || site == "same-site";
    }
    // Older browsers: compare Origin with Host. No Origin at all is a non-browser client.
    match (headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()), headers.get(header::HOST)) {
        (Some(origin), Some(host)) => {
            let host = host.to_str().unwrap_or("");
            origin.split_once("://").map(|(_, h)| h) != Some(host)
        }
        (Some(_), None) => true,
        (None, _) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browsers_are_named_coarsely() {
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36";
        assert_eq!(browser_of(chrome), "Chrome on Linux");
        let safari = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1";
        assert_eq!(browser_of(safari), "Safari on iOS");
        assert_eq!(
            browser_of("Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0"),
            "Firefox on Windows"
        );
        assert_eq!(browser_of(""), "Unknown browser");
        assert_eq!(browser_of("curl/8.0"), "Other browser");
    }

    #[test]
    fn the_cookie_names_the_region_and_hides_the_token() {
        let (value, hash) = new_token(Region::Eu);
        assert!(value.starts_with("eu."));
        assert!(value.len() > 40, "256 bits of token");
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, format!("theme=dark; {COOKIE}={value}").parse().unwrap());
        assert_eq!(cookie_token(&headers, false), Some((Region::Eu, hash.clone())));
        assert_eq!(cookie_token(&headers, true), None, "over HTTPS only the __Host- cookie counts");
        headers.insert(header::COOKIE, format!("{SECURE_COOKIE}={value}").parse().unwrap());
        assert_eq!(cookie_token(&headers, true), Some((Region::Eu, hash)));
        headers.insert(header::COOKIE, format!("{COOKIE}=mars.abc").parse().unwrap());
        assert_eq!(cookie_token(&headers, false), None);
        let set = set_cookie(&value, true).to_str().unwrap().to_string();
        assert!(set.starts_with("__Host-ward_session="), "{set}");
        for attr in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
            assert!(set.contains(attr), "{set}");
        }
        assert!(!set_cookie(&value, false).to_str().unwrap().contains("Secure"));
    }

    #[test]
    fn cross_site_requests_are_recognised() {
        let h = |pairs: &[(&'static str, &'static str)]| {
            let mut m = HeaderMap::new();
            for (k, v) in pairs {
                m.insert(*k, HeaderValue::from_static(v));
            }
            m
        };
        assert!(is_cross_site(&h(&[("sec-fetch-site", "cross-site")])));
        assert!(!is_cross_site(&h(&[("sec-fetch-site", "same-origin")])));
        assert!(!is_cross_site(&h(&[("origin", "http://127.0.0.1:8080"), ("host", "127.0.0.1:8080")])));
        assert!(is_cross_site(&h(&[("origin", "https://evil.example"), ("host", "127.0.0.1:8080")])));
        assert!(!is_cross_site(&h(&[])), "no Origin: not a browser");
    }
}
