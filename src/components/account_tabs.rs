// words: account privacy (only these areas' pages use this file: its words live in their tables, see build.rs)
use leptos::prelude::*;
use leptos_router::components::A;

use crate::i18n::{use_i18n, w};
use crate::labels::tr;
use crate::routes::Page;

/// The sub-navigation of the account pages.
#[component]
pub fn AccountTabs() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <nav class="tabs" aria-label=tr(i18n, w::account::tabs_label)>
            <ul>
                <li><A href={Page::Account.path()} exact=true>{tr(i18n, w::account::tab_profile)}</A></li>
                <li><A href={Page::Security.path()}>{tr(i18n, w::account::tab_security)}</A></li>
                <li><A href={Page::PrivacyCenter.path()}>{tr(i18n, w::account::tab_privacy)}</A></li>
                <li><A href={Page::MyData.path()}>{tr(i18n, w::account::tab_data)}</A></li>
                <li><A href={Page::Requests.path()}>{tr(i18n, w::account::tab_requests)}</A></li>
                <li><A href={Page::DeleteAccount.path()}>{tr(i18n, w::account::tab_delete)}</A></li>
            </ul>
        </nav>
    }
}
