//! Component tests in a real browser (headless Chromium via wasm-bindgen-test).
#![cfg(target_arch = "wasm32")]

use leptos::prelude::*;
use leptos::task::tick;
use ward::App;
use ward::api::ClientError;
use ward_model::ErrorCode;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Event, HtmlElement, HtmlSelectElement};

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// Mounts the whole app into a fresh element, with no stored preferences.
fn mount_app() -> (HtmlElement, leptos::mount::UnmountHandle<impl Mountable>) {
    web_sys::window().unwrap().local_storage().unwrap().unwrap().clear().unwrap();
    mount_app_keeping_storage()
}

fn mount_app_keeping_storage() -> (HtmlElement, leptos::mount::UnmountHandle<impl Mountable>) {
    let el: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&el).unwrap();
    let handle = leptos::mount::mount_to(el.clone(), App);
    (el, handle)
}

fn select(root: &HtmlElement, id: &str, value: &str) {
    let sel: HtmlSelectElement = root.query_selector(&format!("#{id}")).unwrap().unwrap().unchecked_into();
    sel.set_value(value);
    sel.dispatch_event(&Event::new("change").unwrap()).unwrap();
}

async fn sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(p).await.unwrap();
}

fn h1(root: &HtmlElement) -> String {
    root.query_selector("h1").unwrap().map(|e| e.text_content().unwrap_or_default()).unwrap_or_default()
}

#[wasm_bindgen_test]
fn an_api_error_body_becomes_the_typed_error_with_its_fields() {
    let body = r#"{"code":"validation","message":"Check the form","fields":[{"field":"email","code":"malformed","message":"Not an email"}]}"#;
    match ClientError::from_answer(422, body) {
        ClientError::Api { status, error } => {
            assert_eq!(status, 422);
            assert_eq!(error.code, ErrorCode::Validation);
            assert_eq!(error.fields[0].field, "email");
        }
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[wasm_bindgen_test]
fn a_proxy_error_page_still_becomes_a_typed_error() {
    let err = ClientError::from_answer(502, "<html>Bad gateway</html>");
    assert_eq!(err.code(), Some(ErrorCode::Internal));
    let err = ClientError::from_answer(429, "");
    assert_eq!(err.code(), Some(ErrorCode::TooManyRequests));
}

#[wasm_bindgen_test]
async fn choosing_the_dark_theme_marks_the_document_and_is_remembered() {
    let (root, _handle) = mount_app();
    tick().await;
    select(&root, "theme-select", "dark");
    tick().await;
    let html = document().document_element().unwrap();
    assert_eq!(html.get_attribute("data-theme").as_deref(), Some("dark"));
    let stored = web_sys::window().unwrap().local_storage().unwrap().unwrap().get_item("ward.theme").unwrap();
    assert_eq!(stored.as_deref(), Some("dark"));
    select(&root, "theme-select", "system");
    tick().await;
    assert_eq!(html.get_attribute("data-theme"), None);
}

#[wasm_bindgen_test]
async fn choosing_chinese_translates_the_page_and_sets_the_document_language() {
    let (root, _handle) = mount_app();
    tick().await;
    select(&root, "lang-select", "zh");
    tick().await;
    let nav = root.query_selector("nav").unwrap().unwrap().text_content().unwrap();
    assert!(nav.contains("首页"), "nav was {nav}");
    assert_eq!(document().document_element().unwrap().get_attribute("lang").as_deref(), Some("zh"));
    select(&root, "lang-select", "en");
    tick().await;
    assert_eq!(document().document_element().unwrap().get_attribute("lang").as_deref(), Some("en"));
}

#[wasm_bindgen_test]
async fn an_unreachable_api_shows_an_alert_with_a_retry_button() {
    // The test runner's server has no /api/health, so the home page must show the error.
    let (root, _handle) = mount_app();
    let mut alert = None;
    for _ in 0..100 {
        tick().await;
        alert = root.query_selector("[role=alert]").unwrap();
        if alert.is_some() {
            break;
        }
        sleep(50).await;
    }
    let alert = alert.expect("an alert within 5 s");
    let button = alert.query_selector("button").unwrap().expect("a retry button");
    assert_eq!(button.text_content().as_deref(), Some("Try again"));
    assert!(
        alert.text_content().unwrap().contains("could not answer"),
        "a plain sentence, not a status code"
    );
    assert!(!h1(&root).is_empty());
}

#[wasm_bindgen_test]
async fn a_stored_language_is_restored_when_the_app_starts() {
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage.clear().unwrap();
    storage.set_item("ward.lang", "zh").unwrap();
    let (root, _handle) = mount_app_keeping_storage();
    for _ in 0..5 {
        tick().await;
    }
    let nav = root.query_selector("nav").unwrap().unwrap().text_content().unwrap();
    assert!(nav.contains("首页"), "nav was {nav}");
    storage.clear().unwrap();
}
