//! `server/openapi.json` is the committed copy of the generated document.
//! To accept a change: `WARD_UPDATE_OPENAPI=1 cargo test -p ward-server --test api openapi`
//! (or `cargo xtask openapi`).

use std::path::PathBuf;

use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE};

use crate::both_backends;
use crate::helpers::TestApp;

fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("openapi.json")
}

fn updating() -> bool {
    std::env::var("WARD_UPDATE_OPENAPI").is_ok_and(|v| v == "1")
}

#[test]
fn the_committed_openapi_json_equals_the_generated_document() {
    let generated = ward_server::openapi::json();
    let path = committed_path();
    if updating() {
        std::fs::write(&path, generated).unwrap();
        eprintln!("rewrote {}", path.display());
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} differs from the API the code serves.\nIf the change is intended, rewrite it with:\n  \
         WARD_UPDATE_OPENAPI=1 cargo test -p ward-server --test api openapi\nand commit it.",
        path.display()
    );
}

#[test]
fn the_openapi_document_describes_every_api_route() {
    let doc: serde_json::Value = serde_json::from_str(ward_server::openapi::json()).unwrap();
    assert_eq!(doc["info"]["title"], "Ward API");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    assert!(doc["paths"]["/api/health"]["get"].is_object(), "{doc}");
    assert!(doc["paths"]["/api/openapi.json"]["get"].is_object(), "{doc}");
    assert!(doc["components"]["schemas"]["ApiError"].is_object(), "{doc}");
    assert!(doc["components"]["schemas"]["Health"].is_object(), "{doc}");
}

both_backends!(the_served_openapi_json_is_the_committed_file);

async fn the_served_openapi_json_is_the_committed_file(app: TestApp) {
    let res = app.get("/api/openapi.json").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[CONTENT_TYPE], "application/json");
    assert_eq!(res.headers()[CACHE_CONTROL], "no-store");
    let served = res.text().await.unwrap();
    assert_eq!(served, ward_server::openapi::json());
    // While the file is being rewritten, the other test owns the comparison.
    if !updating() {
        assert_eq!(served, std::fs::read_to_string(committed_path()).unwrap());
    }
}
