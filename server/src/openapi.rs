//! The OpenAPI document, generated from the route table. `server/openapi.json` is its
//! committed copy, so API changes show up in review; a test keeps the two equal.

use std::sync::OnceLock;

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Ward API",
        description = "The API of Ward, the privacy and device portal. Every non-2xx answer \
                       has an `ApiError` body."
    ),
    tags(
        (name = "health", description = "Whether the service answers."),
        (name = "accounts", description = "Sign-up, sessions, the profile and the security page."),
        (name = "dev", description = "Developer aids of the embedded default."),
        (name = "live", description = "Live view signalling (WHEP-shaped); media never pass the server."),
        (name = "meta", description = "This document."),
        (name = "sharing", description = "Sharing a camera with other people, and the cameras shared with you."),
        (name = "incidents", description = "Breach notices: incidents the privacy staff record, and the notices people were sent."),
    )
)]
struct ApiDoc;

/// The document with every route of [`crate::http::api_routes`] under `/api`.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi().nest("/api", crate::http::api_routes().into_openapi());
    add_common_answers(&mut doc);
    doc
}

/// Operations that need no session: every other one answers 401 without one.
const PUBLIC: &[(&str, &str)] = &[
    ("get", "/api/health"),
    ("get", "/api/service-notices"),
    ("get", "/api/openapi.json"),
    ("get", "/api/signup"),
    ("post", "/api/signup"),
    ("post", "/api/signup/resend"),
    ("post", "/api/signup/verify"),
    ("post", "/api/session"),
    ("post", "/api/session/passkey"),
    ("post", "/api/session/passkey/options"),
    ("post", "/api/session/second-step"),
    ("post", "/api/password-reset"),
    ("post", "/api/password-reset/confirm"),
    ("post", "/api/requests/code"),
    ("post", "/api/requests/public"),
    ("post", "/api/requests/public/information"),
    ("get", "/api/guardian/rules"),
    ("post", "/api/guardian/requests"),
    ("get", "/api/guardian/review/{token}"),
    ("post", "/api/analytics/pageview"),
    ("get", "/api/privacy/purposes"),
    ("get", "/api/privacy/policies/{kind}"),
    ("get", "/api/privacy/policies/{kind}/diff"),
    ("get", "/api/privacy/policies/{kind}/{version}"),
    ("post", "/api/privacy/unsubscribe"),
    ("get", "/api/privacy/exports/schema/v1"),
    ("get", "/api/privacy/exports/signing-key"),
    ("get", "/api/privacy/exports/link/{token}"),
    ("get", "/api/dev/cameras"),
    ("get", "/api/dev/mailbox"),
    ("get", "/api/dev/recipient"),
    ("post", "/api/dev/recipient"),
    ("get", "/api/agent"),
];

/// The answers that come from the shared layers, not from a handler, added to every
/// operation they apply to (unless it describes them itself), so that the document lists
/// every status an operation can answer (the schemathesis sweep and the authorization
/// matrix hold the server to it):
/// - no session: 401; a state change without the page's CSRF token or from another site: 403;
/// - a JSON body: 400 (not JSON), 413 (too large), 415 (not sent as JSON), 422 (fields);
/// - query parameters: 400 (missing or malformed); an id in the path: 404; a WebSocket that is not asked for as one: 400.
fn add_common_answers(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let error = |description: &str| {
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new().schema(Some(Ref::from_schema_name("ApiError"))).build(),
            )
            .build()
    };
    for (path, item) in doc.paths.paths.iter_mut() {
        let ops = [
            ("get", &mut item.get),
            ("put", &mut item.put),
            ("post", &mut item.post),
            ("delete", &mut item.delete),
            ("patch", &mut item.patch),
        ];
        for (method, op) in ops {
            let Some(op) = op.as_mut() else { continue };
            let websocket = op.responses.responses.contains_key("101");
            let query = op.parameters.iter().flatten().any(|p| p.parameter_in == ParameterIn::Query);
            let json_body =
                op.request_body.as_ref().is_some_and(|b| b.content.contains_key("application/json"));
            let mut add = |status: &str, description: &str| {
                op.responses.responses.entry(status.to_string()).or_insert_with(|| error(description).into());
            };
            let safe = method == "get";
            let public = PUBLIC.contains(&(method, path.as_str()));
            if !public {
                add("401", "Not signed in, or the session has ended.");
            }
            if !safe {
                add("403", "Without the page's security token (X-CSRF-Token), or from another site.");
            }
            if query {
                add("400", "A query parameter is missing or malformed.");
            }
            if websocket {
                add("400", "Not a WebSocket upgrade.");
            }
            if path.contains('{') {
                add("404", "No such resource, or not yours to see.");
            }
            if json_body {
                add("400", "The body is not valid JSON.");
                add("413", "The body is too large.");
                add("415", "The body was not sent as `application/json`.");
                add("422", "A field is missing, of the wrong type or not valid.");
            }
        }
    }
}

/// The document as served and committed: pretty JSON with a trailing newline.
pub fn json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        let mut json = document().to_pretty_json().expect("the document serialises");
        json.push('\n');
        json
    })
}
