use base64::Engine as _;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use sha2::{Digest as _, Sha256};

use crate::both_backends;
use crate::helpers::{HASHED_JS, INLINE_SCRIPT, TestApp};

both_backends!(
    every_kind_of_answer_carries_the_security_headers,
    the_csp_allows_wasm_and_the_boot_script_but_nothing_inline_or_evaluated,
);

fn assert_security_headers(headers: &HeaderMap, what: &str) {
    let expect = [
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("permissions-policy", "camera=(self), microphone=(), geolocation=(), payment=(), usb=()"),
        ("x-frame-options", "DENY"),
        ("cross-origin-opener-policy", "same-origin"),
    ];
    for (name, value) in expect {
        assert_eq!(headers.get(name).map(|v| v.to_str().unwrap()), Some(value), "{what}: {name}");
    }
    assert!(headers.contains_key("content-security-policy"), "{what}: CSP");
}

async fn every_kind_of_answer_carries_the_security_headers(app: TestApp) {
    let cases = [
        ("/api/health", StatusCode::OK),
        ("/api/nope", StatusCode::NOT_FOUND),
        (HASHED_JS, StatusCode::OK),
        ("/devices", StatusCode::OK),
        ("/favicon.ico", StatusCode::NOT_FOUND),
    ];
    for (path, status) in cases {
        let res = app.get(path).await;
        assert_eq!(res.status(), status, "{path}");
        assert_security_headers(res.headers(), path);
    }
    let res = app.client.delete(app.at("/api/health")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_security_headers(res.headers(), "DELETE /api/health");
}

async fn the_csp_allows_wasm_and_the_boot_script_but_nothing_inline_or_evaluated(app: TestApp) {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(INLINE_SCRIPT));
    for path in ["/", "/api/health"] {
        let res = app.get(path).await;
        let csp = res.headers()["content-security-policy"].to_str().unwrap();
        let script_src = csp
            .split(';')
            .map(str::trim)
            .find(|d| d.starts_with("script-src "))
            .unwrap_or_else(|| panic!("no script-src in {csp}"));
        assert_eq!(script_src, format!("script-src 'self' 'wasm-unsafe-eval' 'sha256-{hash}'"));
        assert!(!csp.contains("'unsafe-inline'"), "{csp}");
        assert!(!csp.contains("'unsafe-eval'"), "{csp}");
        assert!(csp.contains("default-src 'self'"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(csp.contains("object-src 'none'"), "{csp}");
        assert!(csp.contains("base-uri 'none'"), "{csp}");
    }
}
