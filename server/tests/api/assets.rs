use reqwest::StatusCode;
use reqwest::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, VARY};

use crate::both_backends;
use crate::helpers::{
    Backend, Dist, HASHED_JS, HASHED_JS_BR, HASHED_JS_GZ, HASHED_JS_TEXT, ROBOTS_TXT, TestApp, index_html,
    spawn_app_with,
};

both_backends!(
    the_root_answers_the_app_page,
    deep_links_answer_200_with_the_app_page,
    private_pages_are_not_indexed_and_public_ones_are,
    robots_txt_is_the_file,
    missing_files_answer_404_and_never_the_app_page,
    a_hashed_asset_is_cached_forever_and_the_page_is_revalidated,
    a_browser_accepting_brotli_gets_the_br_file,
    a_browser_accepting_only_gzip_gets_the_gz_file,
    a_client_without_accept_encoding_gets_the_plain_file,
);

async fn the_root_answers_the_app_page(app: TestApp) {
    let res = app.get("/").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    assert_eq!(without_banner(&res.text().await.unwrap()), index_html());
}

/// The built page as served, less the cookie banner the server adds before `</body>`.
pub fn without_banner(page: &str) -> String {
    let start = page.find("<div id=\"cc\"").expect("the page carries the cookie banner");
    let end = page.rfind("</body>").unwrap();
    format!("{}{}", &page[..start], &page[end..])
}

async fn deep_links_answer_200_with_the_app_page(app: TestApp) {
    for path in ["/devices", "/settings/security", "/devices/42/"] {
        let res = app.get(path).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert!(res.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("text/html"), "{path}");
        assert_eq!(res.headers()[CACHE_CONTROL], "no-cache", "{path}");
        assert_eq!(without_banner(&res.text().await.unwrap()), index_html(), "{path}");
    }
}

async fn private_pages_are_not_indexed_and_public_ones_are(app: TestApp) {
    for path in ["/", "/privacy", "/cookies", "/signup", "/signin"] {
        let res = app.get(path).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert!(res.headers().get("x-robots-tag").is_none(), "{path} may be indexed");
    }
    for path in ["/account", "/account/data", "/devices", "/events", "/dev/mailbox", "/no-such-page"] {
        let res = app.get(path).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(res.headers()["x-robots-tag"], "noindex", "{path}");
    }
}

async fn robots_txt_is_the_file(app: TestApp) {
    let res = app.get("/robots.txt").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("text/plain"));
    assert_eq!(res.text().await.unwrap(), ROBOTS_TXT);
}

async fn missing_files_answer_404_and_never_the_app_page(app: TestApp) {
    for path in ["/favicon.ico", "/x.js", "/devices/missing.css", "/ward-0123456789abcdef_bg.wasm"] {
        let res = app.get(path).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
        let ct = res.headers().get(CONTENT_TYPE).map(|v| v.to_str().unwrap().to_string());
        assert!(!ct.as_deref().unwrap_or("").contains("html"), "{path}: {ct:?}");
        // A 404 must not be cached forever even when its name looks hashed.
        assert_eq!(res.headers()[CACHE_CONTROL], "no-cache", "{path}");
        let body = res.text().await.unwrap();
        assert!(!body.contains("<html"), "{path}: {body}");
    }
}

async fn a_hashed_asset_is_cached_forever_and_the_page_is_revalidated(app: TestApp) {
    let js = app.get(HASHED_JS).await;
    assert_eq!(js.status(), StatusCode::OK);
    assert_eq!(js.headers()[CACHE_CONTROL], "public, max-age=31536000, immutable");
    for path in ["/", "/index.html", "/devices", "/robots.txt"] {
        let res = app.get(path).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(res.headers()[CACHE_CONTROL], "no-cache", "{path}");
    }
}

async fn a_browser_accepting_brotli_gets_the_br_file(app: TestApp) {
    let res =
        app.client.get(app.at(HASHED_JS)).header(ACCEPT_ENCODING, "gzip, deflate, br").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[CONTENT_ENCODING], "br");
    assert!(res.headers()[CONTENT_TYPE].to_str().unwrap().contains("javascript"));
    assert!(res.headers()[VARY].to_str().unwrap().to_ascii_lowercase().contains("accept-encoding"));
    assert_eq!(res.bytes().await.unwrap().as_ref(), HASHED_JS_BR);
}

async fn a_browser_accepting_only_gzip_gets_the_gz_file(app: TestApp) {
    let res = app.client.get(app.at(HASHED_JS)).header(ACCEPT_ENCODING, "gzip").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[CONTENT_ENCODING], "gzip");
    assert_eq!(res.bytes().await.unwrap().as_ref(), HASHED_JS_GZ);
}

async fn a_client_without_accept_encoding_gets_the_plain_file(app: TestApp) {
    let res = app.get(HASHED_JS).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers().get(CONTENT_ENCODING).is_none());
    assert_eq!(res.text().await.unwrap(), HASHED_JS_TEXT);
}

#[tokio::test]
async fn without_a_built_app_pages_answer_503_and_the_api_still_works() {
    let app = spawn_app_with(Backend::Sqlite, Dist::Missing).await.unwrap();
    for path in ["/", "/devices", "/robots.txt"] {
        let res = app.get(path).await;
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert_eq!(res.text().await.unwrap(), "The app is not built: run `cargo xtask run`");
    }
    assert_eq!(app.get("/api/health").await.status(), StatusCode::OK);
    let csp = app.get("/").await.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(!csp.contains("sha256-"), "{csp}");
}
