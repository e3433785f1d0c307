//! The app's side of the privacy center's per-visit duties, for a signed-in person:
//! the cookie banner's choice (made in the server-rendered banner, driven by
//! `public/consent.js`) is recorded in their consent ledger, and a material privacy policy
//! change they have not accepted yet is put in front of them.

use leptos::prelude::*;
use leptos::task::spawn_local;
use ward_model::PolicySummary;

use crate::api;
use crate::session::{SessionState, use_session};

/// A material privacy policy change waiting for the person's review, if any.
#[derive(Clone, Copy)]
pub struct Reconsent(pub RwSignal<Option<PolicySummary>>);

/// Whether this browser holds a cookie banner choice (`ward_consent`).
fn has_choice() -> bool {
    let cookie = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| js_sys::Reflect::get(&d, &"cookie".into()).ok())
        .and_then(|c| c.as_string())
        .unwrap_or_default();
    cookie.split(';').any(|kv| kv.trim_start().starts_with("ward_consent="))
}

fn record_choice() {
    spawn_local(async move {
        let abort = web_sys::AbortController::new().expect("AbortController").signal();
        // A failure is not shown: the choice is in the cookie, and the next visit retries.
        let _ = api::record_cookie_choice(&abort).await;
    });
}

/// Call once in `App`, after the session is provided.
pub fn provide() {
    let reconsent = Reconsent(RwSignal::new(None));
    provide_context(reconsent);
    let session = use_session();
    let signed_in = Memo::new(move |_| session.0.with(|s| matches!(s, SessionState::SignedIn(_))));
    // Each time someone signs in (or the app starts signed in): record the browser's
    // banner choice (the server ignores what it already has) and ask about re-consent.
    Effect::new(move |_| {
        if !signed_in.get() {
            reconsent.0.set(None);
            return;
        }
        if has_choice() {
            record_choice();
        }
        spawn_local(async move {
            let abort = web_sys::AbortController::new().expect("AbortController").signal();
            if let Ok(status) = api::privacy_status(&abort).await {
                reconsent.0.set(status.reconsent);
            }
        });
    });
    // The banner announces every choice.
    let handle = window_event_listener_untyped("ward:consent", move |_| {
        if signed_in.get_untracked() {
            record_choice();
        }
    });
    on_cleanup(move || handle.remove());
}

pub fn use_reconsent() -> Reconsent {
    expect_context::<Reconsent>()
}
