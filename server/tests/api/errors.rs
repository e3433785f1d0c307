use reqwest::StatusCode;
use reqwest::header::{ALLOW, CACHE_CONTROL, CONTENT_TYPE};
use ward_model::{ApiError, ErrorCode};

use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(
    an_unknown_api_path_answers_404_with_the_error_body,
    a_wrong_method_answers_405_with_the_error_body,
    the_api_root_is_not_the_app,
);

async fn an_unknown_api_path_answers_404_with_the_error_body(app: TestApp) {
    for path in ["/api/nope", "/api/devices/42/x.json", "/api/"] {
        let res = app.get(path).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(res.headers()[CACHE_CONTROL], "no-store", "{path}");
        assert_eq!(res.headers()[CONTENT_TYPE], "application/json", "{path}");
        let body: ApiError = res.json().await.unwrap();
        assert_eq!(body.code, ErrorCode::NotFound, "{path}");
    }
}

async fn a_wrong_method_answers_405_with_the_error_body(app: TestApp) {
    let res = app.client.delete(app.at("/api/health")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(res.headers()[CACHE_CONTROL], "no-store");
    let allow = res.headers()[ALLOW].to_str().unwrap().to_string();
    assert!(allow.contains("GET"), "{allow}");
    let body: ApiError = res.json().await.unwrap();
    assert_eq!(body.code, ErrorCode::MethodNotAllowed);
}

/// `/api` itself belongs to the API, so a typo there never answers the app's HTML.
async fn the_api_root_is_not_the_app(app: TestApp) {
    let res = app.get("/api").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let body: ApiError = res.json().await.unwrap();
    assert_eq!(body.code, ErrorCode::NotFound);
}
