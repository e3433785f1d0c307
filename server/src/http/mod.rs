//! The one route table: `/api/...` for the API, everything else for the built app.

mod account;
pub mod assets;
mod children;
pub mod client;
mod dev;
mod devices;
mod export;
mod health;
mod incidents;
mod live;
mod passkeys;
mod privacy;
pub mod query;
mod requests;
pub mod security;
mod session;
mod shares;
mod signup;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Uri, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use tower_http::trace::TraceLayer;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::AppError;
use security::SecurityHeaders;

/// Every API route, relative to `/api`. Both the router and the OpenAPI document are
/// built from this, so the document cannot drift from what is served.
pub fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(health::router())
        .merge(signup::router())
        .merge(session::router())
        .merge(account::router())
        .merge(children::router())
        .merge(passkeys::router())
        .merge(dev::router())
        .merge(privacy::router())
        .merge(export::router())
        .merge(requests::router())
        .merge(incidents::router())
        .merge(devices::router())
        .merge(live::router())
        .merge(shares::router())
        .routes(routes!(openapi_json))
}

pub fn router(state: AppState) -> Router {
    let (api, _) = api_routes().split_for_parts();
    // Set after the routes: it applies to the routes present when it is called.
    let api = api.method_not_allowed_fallback(|| async { AppError::MethodNotAllowed });
    let https = state.auth.public_url.as_ref().is_some_and(|u| u.scheme() == "https");
    let security = SecurityHeaders::new(state.assets.index_html()).with_hsts(https);
    Router::new()
        .nest("/api", api)
        // Global Privacy Control's well-known file, and RFC 8058 one-click unsubscribe
        // (mail clients POST to the link itself, outside /api and without a session).
        .route("/.well-known/gpc.json", axum::routing::get(privacy::gpc_json))
        // A person opening the link gets the app's unsubscribe page (GET).
        .route("/unsubscribe/{token}", axum::routing::post(privacy::one_click_unsubscribe).fallback(fallback))
        .fallback(fallback)
        .layer(middleware::map_response(no_store_for_api))
        .layer(middleware::map_response(api_errors_are_json))
        .layer(middleware::from_fn(crate::auth::session::same_origin_only))
        .layer(middleware::from_fn_with_state(security, security::apply))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Whether a path belongs to the API. Unknown paths under it answer JSON, never the app.
fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// Every unrouted path: a JSON 404 under /api (including `/api/`, which the nested router
/// does not match), the built app elsewhere.
async fn fallback(state: State<AppState>, req: Request) -> Response {
    if is_api(req.uri().path()) {
        AppError::NotFound.into_response()
    } else {
        assets::serve(state, req).await
    }
}

/// API answers are per user and per moment: never cached, by the browser or a proxy.
/// Decided by path, so 404s and 405s under /api get it too.
async fn no_store_for_api(uri: Uri, mut res: Response) -> Response {
    if is_api(uri.path()) {
        res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// Every error answer of the API has the `ApiError` body, also those made before a handler
/// runs (axum's extractor rejections, such as a WebSocket route asked without an upgrade or
/// an undecodable path, answer plain text). Found by the schemathesis sweep.
async fn api_errors_are_json(uri: Uri, res: Response) -> Response {
    use ward_model::{ApiError, ErrorCode};
    let status = res.status();
    let json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !is_api(uri.path()) || !(status.is_client_error() || status.is_server_error()) || json {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let text = axum::body::to_bytes(body, 16 * 1024).await.unwrap_or_default();
    let code = match status.as_u16() {
        401 => ErrorCode::Unauthorized,
        403 => ErrorCode::Forbidden,
        404 => ErrorCode::NotFound,
        405 => ErrorCode::MethodNotAllowed,
        413 => ErrorCode::PayloadTooLarge,
        415 => ErrorCode::UnsupportedMediaType,
        422 => ErrorCode::Validation,
        429 => ErrorCode::TooManyRequests,
        503 => ErrorCode::Unavailable,
        500.. => ErrorCode::Internal,
        _ => ErrorCode::BadRequest,
    };
    // A framework's rejection text says what was wrong with the request; a 5xx says nothing.
    let message = match String::from_utf8_lossy(&text).trim() {
        m if m.is_empty() || status.is_server_error() => {
            status.canonical_reason().unwrap_or("Error").to_string()
        }
        m => m.to_string(),
    };
    let body = serde_json::to_vec(&ApiError::new(code, message)).expect("an ApiError serialises");
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(body))
}

/// This API's OpenAPI 3.1 document.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "meta",
    responses((status = 200, description = "This document.", content_type = "application/json"))
)]
pub async fn openapi_json() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], crate::openapi::json())
}

#[cfg(test)]
mod layers {
    //! The layers' import rules, checked on the sources: a handler module parses, calls the
    //! domain (`auth`, `devices`, `export`, `privacy`, `requests`, `store`) and answers; what two handlers share
    //! lives in the domain or in the HTTP plumbing below, never in another handler module. The
    //! domain never reaches up into `http` (only `config` names `http::client`'s type).

    use std::path::Path;

    /// HTTP plumbing any handler may use: who the client is, query-string parsing, headers.
    const PLUMBING: [&str; 4] = ["client", "query", "security", "assets"];
    const DOMAIN: [&str; 8] =
        ["auth", "devices", "export", "privacy", "requests", "store", "vault.rs", "registry.rs"];

    fn sources(dir: &Path) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                out.extend(sources(&path));
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push((path.display().to_string(), std::fs::read_to_string(&path).unwrap()));
            }
        }
        out
    }

    /// Lines of code that name `module` of `http` (doc comments and comments aside); `super::`
    /// names it only in a file of `http` itself (in the domain it is the domain's own parent).
    fn naming<'a>(text: &'a str, module: &str, in_http: bool) -> Vec<&'a str> {
        let mut needles = vec![format!("http::{module}::"), format!("http::{module};")];
        if in_http {
            needles.push(format!("super::{module}::"));
        }
        text.lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .filter(|l| needles.iter().any(|n| l.contains(n.as_str())))
            .collect()
    }

    #[test]
    fn handler_modules_do_not_import_each_other_and_the_domain_does_not_import_handlers() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let handlers: Vec<String> = std::fs::read_dir(root.join("http"))
            .unwrap()
            .map(|e| e.unwrap().path().file_stem().unwrap().to_string_lossy().into_owned())
            .filter(|m| m != "mod" && !PLUMBING.contains(&m.as_str()))
            .collect();
        assert!(handlers.iter().any(|h| h == "devices"), "the walk sees the handler modules: {handlers:?}");
        let mut wrong = Vec::new();
        // `mod.rs` is the route table: it names every handler module, and holds this test.
        for (file, text) in sources(&root.join("http")).into_iter().filter(|(f, _)| !f.ends_with("mod.rs")) {
            let own = Path::new(&file).file_stem().unwrap().to_string_lossy().into_owned();
            for other in handlers.iter().filter(|h| **h != own) {
                for line in naming(&text, other, true) {
                    wrong.push(format!("{file}: {}", line.trim()));
                }
            }
        }
        for part in DOMAIN {
            let path = root.join(part);
            let files = if path.is_dir() { sources(&path) } else { sources_of(&path) };
            for (file, text) in files {
                for module in handlers.iter().map(String::as_str).chain(PLUMBING) {
                    for line in naming(&text, module, false) {
                        wrong.push(format!("{file}: {}", line.trim()));
                    }
                }
            }
        }
        assert!(
            wrong.is_empty(),
            "move what is shared into the domain (auth, devices, privacy) or the HTTP plumbing \
             ({PLUMBING:?}):\n{}",
            wrong.join("\n")
        );
    }

    fn sources_of(file: &Path) -> Vec<(String, String)> {
        vec![(file.display().to_string(), std::fs::read_to_string(file).unwrap())]
    }

    #[test]
    fn the_rule_sees_an_import_of_another_handler_but_not_a_comment() {
        let text = "use crate::http::devices::device_access;\n// see crate::http::devices::x\n";
        assert_eq!(naming(text, "devices", false), ["use crate::http::devices::device_access;"]);
        assert!(naming(text, "shares", false).is_empty());
        // `super::privacy` is a sibling handler inside `http`, the domain's own module outside.
        let text = "use super::privacy::Chained;\n";
        assert_eq!(naming(text, "privacy", true), ["use super::privacy::Chained;"]);
        assert!(naming(text, "privacy", false).is_empty());
    }
}
