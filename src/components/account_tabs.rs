// words: account privacy (only these areas' pages use this file: its words live in their tables, see build.rs)
use std::cell::RefCell;

use leptos::prelude::*;
use leptos_router::components::A;

use crate::api;
use crate::i18n::{use_i18n, w};
use crate::labels::tr;
use crate::routes::Page;
use crate::session::{SessionState, use_session};

thread_local! {
    /// Whether the account (by id) is privacy staff: asked once per account and page load,
    /// not at every change of tab.
    static STAFF: RefCell<Option<(String, bool)>> = const { RefCell::new(None) };
}

/// Whether the signed-in person is privacy staff (false until known).
fn is_staff() -> RwSignal<bool> {
    let session = use_session();
    let staff = RwSignal::new(false);
    Effect::new(move |_| {
        let Some(id) = session.0.with(|s| match s {
            SessionState::SignedIn(info) => Some(info.account.id.clone()),
            _ => None,
        }) else {
            return staff.set(false);
        };
        if let Some(known) = STAFF.with_borrow(|k| k.as_ref().filter(|(of, _)| *of == id).map(|(_, s)| *s)) {
            return staff.set(known);
        }
        let abort = api::use_abort_signal();
        leptos::task::spawn_local(async move {
            if let Ok(roles) = api::session_roles(abort).await {
                STAFF.with_borrow_mut(|k| *k = Some((id, roles.privacy_staff)));
                let _ = staff.try_set(roles.privacy_staff);
            }
        });
    });
    staff
}

/// The sub-navigation of the account pages.
#[component]
pub fn AccountTabs() -> impl IntoView {
    let i18n = use_i18n();
    let staff = is_staff();
    view! {
        <nav class="tabs" aria-label=tr(i18n, w::account::tabs_label)>
            <ul>
                <li><A href={Page::Account.path()} exact=true>{tr(i18n, w::account::tab_profile)}</A></li>
                <li><A href={Page::Security.path()}>{tr(i18n, w::account::tab_security)}</A></li>
                <li><A href={Page::PrivacyCenter.path()}>{tr(i18n, w::account::tab_privacy)}</A></li>
                <li><A href={Page::MyData.path()}>{tr(i18n, w::account::tab_data)}</A></li>
                <li><A href={Page::Requests.path()}>{tr(i18n, w::account::tab_requests)}</A></li>
                <li><A href={Page::DeleteAccount.path()}>{tr(i18n, w::account::tab_delete)}</A></li>
                // The privacy staff's console, for them only (the API decides; this is the way there).
                {move || staff.get().then(|| view! {
                    <li><A href={Page::StaffQueue.path()}>{tr(i18n, w::account::tab_staff)}</A></li>
                })}
            </ul>
        </nav>
    }
}
