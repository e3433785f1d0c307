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
    )
)]
struct ApiDoc;

/// The document with every route of [`crate::http::api_routes`] under `/api`.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi().nest("/api", crate::http::api_routes().into_openapi())
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
