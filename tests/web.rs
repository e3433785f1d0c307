//! Component tests in a real browser (headless Chromium via wasm-bindgen-test).
#![cfg(target_arch = "wasm32")]

use leptos::prelude::*;
use leptos::task::tick;
use ward::App;
use ward::api::ClientError;
use ward::components::{Field, StrengthMeter};
use ward::forms::{FormState, base64, extract_code, password_strength, route_error};
use ward::i18n::I18nContextProvider;
use ward::pages::public::{GuardianForm, GuardianStep};
use ward::pages::{needs_otp, profile_changes};
use ward::routes::Page;
use ward::session::safe_return_path;
use ward_model::{Account, ErrorCode, GuardianRule, Localized, ProofMethod, Region};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Event, HtmlElement, HtmlInputElement, HtmlSelectElement};

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
        ClientError::Api { status, error, .. } => {
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

const SIGNUP_422: &str = r#"{"code":"validation","message":"Check the form","fields":[
    {"field":"birth_date","code":"under_age","message":"Too young for this region"},
    {"field":"email","code":"malformed","message":"Not an email address"}]}"#;

#[wasm_bindgen_test]
fn field_errors_go_to_their_fields_and_the_rest_to_the_panel() {
    let err = ClientError::from_answer(422, SIGNUP_422);
    let (fields, panel) = route_error(&err, &["name", "email", "birth_date"]);
    assert_eq!(fields.iter().map(|f| f.field.as_str()).collect::<Vec<_>>(), ["birth_date", "email"]);
    assert!(!panel, "every error has its field: no panel");

    // A field the form does not show must not be lost: the panel shows it.
    let (fields, panel) = route_error(&err, &["email"]);
    assert_eq!(fields.len(), 1);
    assert!(panel);

    // No fields at all (401, 500, network): only the panel.
    let (fields, panel) =
        route_error(&ClientError::from_answer(401, r#"{"code":"unauthorized","message":"no"}"#), &["email"]);
    assert!(fields.is_empty());
    assert!(panel);
    let (fields, panel) = route_error(&ClientError::Network("offline".into()), &["email"]);
    assert!(fields.is_empty() && panel);
}

#[wasm_bindgen_test]
fn retry_after_is_read_from_the_header_in_seconds() {
    let err =
        ClientError::from_answer(429, r#"{"code":"too_many_requests","message":"Try again in 42 seconds"}"#)
            .with_retry_after(Some("42"));
    assert_eq!(err.retry_after(), Some(42));
    assert_eq!(err.code(), Some(ErrorCode::TooManyRequests));
    // An HTTP date (allowed by the standard) is not a number of seconds: ignored, not guessed.
    let err = ClientError::from_answer(429, "").with_retry_after(Some("Wed, 21 Oct 2026 07:28:00 GMT"));
    assert_eq!(err.retry_after(), None);
}

#[wasm_bindgen_test]
fn the_second_factor_is_asked_for_only_when_the_server_names_otp() {
    let otp = ClientError::from_answer(
        401,
        r#"{"code":"unauthorized","message":"code needed","fields":[{"field":"otp","code":"required","message":"Enter the code"}]}"#,
    );
    assert!(needs_otp(&otp));
    let plain =
        ClientError::from_answer(401, r#"{"code":"unauthorized","message":"email or password not right"}"#);
    assert!(!needs_otp(&plain));
}

#[wasm_bindgen_test]
fn the_strength_meter_grows_with_length_and_variety() {
    assert_eq!(password_strength(""), 0);
    assert_eq!(password_strength("aaaaaaaaaaaaaaaa"), 0, "one repeated character is very weak however long");
    assert!(password_strength("abc12") <= 1, "short");
    assert!(password_strength("password") <= 1, "one kind of character, short");
    let fair = password_strength("Summer2026");
    let strong = password_strength("correct horse battery staple");
    assert!(fair >= 2, "mixed case and digits: {fair}");
    assert_eq!(strong, 4, "a long passphrase is strong");
    assert_eq!(password_strength("T7#qv!9Lm@2z"), 4, "long and varied");
    // Never above 4, whatever the length; a short pattern repeated stays weak.
    assert_eq!(password_strength("the quick brown fox jumps over the lazy dog 1234567890 XYZ!"), 4);
    assert!(password_strength(&"Xy7$".repeat(100)) <= 1);
}

#[wasm_bindgen_test]
fn the_code_is_found_in_the_mail_text() {
    let mail =
        "Hello Ada,\n\nYour Ward verification code is 048213. It is valid for 15 minutes.\n\nWard, 2026";
    assert_eq!(extract_code(mail).as_deref(), Some("048213"));
    // Longer or shorter runs of digits (years, phone numbers) are not the code.
    assert_eq!(extract_code("Call +4420794609 58 or 12345 in 2026").as_deref(), None);
    assert_eq!(extract_code("Code: 123456789 then 654321").as_deref(), Some("654321"));
    assert_eq!(extract_code("no code here"), None);
}

#[wasm_bindgen_test]
fn only_paths_of_this_site_are_return_paths() {
    assert_eq!(safe_return_path(Some("/account/security")), "/account/security");
    assert_eq!(safe_return_path(Some("//evil.example/")), "/account");
    assert_eq!(safe_return_path(Some("https://evil.example/")), "/account");
    assert_eq!(safe_return_path(Some("/\\evil.example")), "/account");
    assert_eq!(safe_return_path(None), "/account");
}

fn account() -> Account {
    Account {
        id: "a1".into(),
        name: "Ada Lovelace".into(),
        email: "ada@example.org".into(),
        phone: "+442079460958".into(),
        region: Region::Eu,
        birth_date: "1990-12-10".into(),
        email_verified: true,
        pending_email: None,
        totp_enabled: false,
        created_at: "2026-11-25T10:00:00Z".into(),
    }
}

#[wasm_bindgen_test]
fn a_profile_edit_sends_only_what_changed_and_the_password_when_needed() {
    let a = account();
    let only_name = profile_changes(&a, " Ada King ", "ada@example.org", "+442079460958", "");
    assert_eq!(only_name.name.as_deref(), Some("Ada King"));
    assert_eq!((only_name.email, only_name.phone, only_name.current_password), (None, None, None));

    let new_email = profile_changes(&a, "Ada Lovelace", "ada@new.example", "+442079460958", "");
    assert_eq!(new_email.name, None);
    assert_eq!(new_email.email.as_deref(), Some("ada@new.example"));
    // Sent empty so the server answers with a field error on `current_password`.
    assert_eq!(new_email.current_password.as_deref(), Some(""));
}

fn mount_in_provider<V: IntoView + 'static>(
    f: impl FnOnce() -> V + Send + 'static,
) -> (HtmlElement, leptos::mount::UnmountHandle<impl Mountable>) {
    let el: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&el).unwrap();
    let handle = leptos::mount::mount_to(
        el.clone(),
        move || view! { <I18nContextProvider>{f()}</I18nContextProvider> },
    );
    (el, handle)
}

#[wasm_bindgen_test]
async fn a_server_field_error_is_shown_beside_its_field_and_announced_with_it() {
    let form = FormState::new(&["email"]);
    let value = RwSignal::new(String::new());
    let (root, _handle) = mount_in_provider(move || {
        view! { <Field form=form name="email" id="t-email" value=value kind="email" label="Email address" /> }
    });
    tick().await;
    let input: HtmlInputElement = root.query_selector("#t-email").unwrap().unwrap().unchecked_into();
    assert_eq!(input.get_attribute("aria-invalid"), None);
    let label = root.query_selector("label[for=t-email]").unwrap().expect("a label for the input");
    assert_eq!(label.text_content().as_deref(), Some("Email address"));

    form.fail(ClientError::from_answer(422, SIGNUP_422));
    tick().await;
    assert_eq!(input.get_attribute("aria-invalid").as_deref(), Some("true"));
    let described = input.get_attribute("aria-describedby").unwrap();
    let error_id =
        described.split(' ').find(|id| id.ends_with("-error")).expect("describedby names the error");
    let error = document().get_element_by_id(error_id).unwrap().text_content().unwrap();
    assert!(error.contains("Not an email address"), "error was {error}");
    assert!(form.error.get_untracked().is_some(), "the birth_date error this form lacks goes to the panel");
}

#[wasm_bindgen_test]
async fn the_strength_meter_follows_the_typing() {
    let value = RwSignal::new(String::new());
    let (root, _handle) = mount_in_provider(move || {
        view! {
            <input id="t-pw" bind:value=value />
            <StrengthMeter id="t-strength" value=value />
        }
    });
    tick().await;
    let meter = root.query_selector("#t-strength").unwrap().unwrap();
    assert_eq!(meter.get_attribute("data-score"), None);
    let input: HtmlInputElement = root.query_selector("#t-pw").unwrap().unwrap().unchecked_into();
    for (typed, expect) in [("abc", "0"), ("correct horse battery staple", "4")] {
        input.set_value(typed);
        input.dispatch_event(&Event::new("input").unwrap()).unwrap();
        tick().await;
        assert_eq!(meter.get_attribute("data-score").as_deref(), Some(expect), "after typing {typed}");
    }
    assert!(meter.text_content().unwrap().contains("strong"));
}

#[wasm_bindgen_test]
async fn a_page_that_needs_a_session_sends_a_signed_out_visitor_to_sign_in_and_back() {
    let history = web_sys::window().unwrap().history().unwrap();
    let start = web_sys::window().unwrap().location().href().unwrap();
    history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("/account/security")).unwrap();
    let (root, _handle) = mount_app();
    let mut heading = String::new();
    for _ in 0..100 {
        tick().await;
        heading = h1(&root);
        if heading == "Sign in to Ward" {
            break;
        }
        sleep(50).await;
    }
    assert_eq!(heading, "Sign in to Ward");
    let location = web_sys::window().unwrap().location();
    assert_eq!(location.pathname().unwrap(), "/signin");
    assert_eq!(location.search().unwrap(), "?next=%2Faccount%2Fsecurity");
    let header = root.query_selector("header").unwrap().unwrap().text_content().unwrap();
    assert!(header.contains("Create account"), "signed-out header: {header}");
    history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&start)).unwrap();
}

#[wasm_bindgen_test]
async fn under_the_minimum_age_the_birth_date_error_links_to_the_guardian_page() {
    let form = FormState::new(&["birth_date", "email"]);
    let value = RwSignal::new(String::new());
    let (root, _handle) = mount_in_provider(move || {
        // The note links to the guardian page: links need the router.
        view! {
            <leptos_router::components::Router>
                <Field form=form name="birth_date" id="t-birth" value=value kind="date" label="Date of birth" />
            </leptos_router::components::Router>
        }
    });
    tick().await;
    assert!(root.query_selector(".field-guardian").unwrap().is_none());
    form.fail(ClientError::from_answer(422, SIGNUP_422));
    tick().await;
    let note = root.query_selector(".field-guardian").unwrap().expect("the guardian note");
    assert!(note.text_content().unwrap().contains("parent or guardian"));
    let link = note.query_selector("a").unwrap().expect("a link to the guardian page");
    assert_eq!(link.get_attribute("href").as_deref(), Some(Page::Guardian.path()));
    assert!(form.error.get_untracked().is_none(), "both errors have their field: no panel");
}

#[wasm_bindgen_test]
fn base64_is_the_standard_alphabet_with_padding() {
    assert_eq!(base64(b""), "");
    assert_eq!(base64(b"f"), "Zg==");
    assert_eq!(base64(b"fo"), "Zm8=");
    assert_eq!(base64(b"foo"), "Zm9v");
    assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    assert_eq!(base64(&[0xfb, 0xff, 0xfe]), "+//+");
}

fn guardian_rule(region: Region, child_under: u32, methods: Vec<ProofMethod>) -> GuardianRule {
    let words = |en: &str| Localized { en: en.into(), zh: en.into() };
    GuardianRule {
        region,
        child_under,
        law: words(&format!("The law of {}", region.code())),
        methods,
        deadline: words("Within 10 days."),
    }
}

/// Which of the radio buttons named `name` with these values the form shows, in the order given.
fn radios(root: &HtmlElement, name: &str) -> Vec<&'static str> {
    const VALUES: [&str; 8] = [
        "parent",
        "legal_guardian",
        "review",
        "delete",
        "prohibit",
        "signed_form",
        "id_document",
        "video_call",
    ];
    VALUES
        .into_iter()
        .filter(|v| {
            root.query_selector(&format!("input[type=radio][name={name}][value={v}]")).unwrap().is_some()
        })
        .collect()
}

#[wasm_bindgen_test]
async fn the_guardian_form_offers_only_the_proofs_the_childs_region_accepts() {
    let rules = vec![
        guardian_rule(Region::Eu, 16, vec![ProofMethod::SignedForm, ProofMethod::IdDocument]),
        guardian_rule(Region::Cn, 14, vec![ProofMethod::IdDocument, ProofMethod::VideoCall]),
    ];
    let (root, _handle) = mount_in_provider(move || {
        let email = RwSignal::new("parent@example.com".to_string());
        let step = RwSignal::new(GuardianStep::Details);
        view! { <GuardianForm email step rules /> }
    });
    tick().await;
    assert_eq!(radios(&root, "relation"), ["parent", "legal_guardian"]);
    assert_eq!(radios(&root, "ask"), ["review", "delete", "prohibit"]);
    assert!(radios(&root, "method").is_empty(), "no proof before the region is chosen");
    let proof = || root.query_selector("#guardian-proof-field").unwrap().unwrap();
    assert!(proof().has_attribute("hidden"));

    select(&root, "guardian-region", "eu");
    tick().await;
    assert_eq!(radios(&root, "method"), ["signed_form", "id_document"]);
    let rule = root.query_selector("[data-testid=guardian-rule]").unwrap().unwrap().text_content().unwrap();
    assert!(rule.contains("The law of eu") && rule.contains("under 16"), "the region's rule: {rule}");
    let signed: HtmlInputElement =
        root.query_selector("#guardian-method-signed_form").unwrap().unwrap().unchecked_into();
    signed.click();
    tick().await;
    assert!(!proof().has_attribute("hidden"), "a signed form is uploaded");

    // A region that does not take the chosen proof: it is no longer chosen.
    select(&root, "guardian-region", "cn");
    tick().await;
    assert_eq!(radios(&root, "method"), ["id_document", "video_call"]);
    assert!(proof().has_attribute("hidden"));
    let call: HtmlInputElement =
        root.query_selector("#guardian-method-video_call").unwrap().unwrap().unchecked_into();
    call.click();
    tick().await;
    let label = root.query_selector("label[for=guardian-details]").unwrap().unwrap().text_content().unwrap();
    assert_eq!(label, "When can you take the video call?");
}

#[wasm_bindgen_test]
fn every_page_is_in_the_route_table() {
    // Links are built from `Page` (src/routes.rs); the route table needs `path!` literals.
    let table = include_str!("../src/app.rs");
    for page in Page::ALL {
        let route = format!("path!(\"{}\")", page.path());
        assert!(table.contains(&route), "{page:?} ({}) has no route in src/app.rs", page.path());
    }
    let routes = table.matches("<Route path=path!(").count();
    // Every route but the mail-only unsubscribe link has its `Page`.
    assert_eq!(routes, Page::ALL.len() + 1, "a route without a `Page` in src/routes.rs");
}
