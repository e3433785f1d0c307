use leptos::prelude::*;

use super::policy::PolicyPage;
use crate::i18n::{Locale, td_string, use_i18n};
use crate::labels::{tr, tr_when};
use crate::prefs::{self, Theme};

/// The cookie policy (versioned like the privacy policy), a button that opens the cookie
/// banner's settings (handled by `public/consent.js`), and clearing the stored preferences.
#[component]
pub fn Cookies() -> impl IntoView {
    let i18n = use_i18n();
    let cleared = RwSignal::new(false);
    let theme = prefs::use_theme().0;
    let clear = move |_| {
        prefs::clear_stored();
        theme.set(Theme::System);
        i18n.set_locale(Locale::en);
        cleared.set(true);
    };
    view! {
        <PolicyPage kind="cookies" title=|l| td_string!(l, cookies.title) description=|l| td_string!(l, cookies.description)>
            <section class="card">
                <h2>{tr(i18n, |l| td_string!(l, cookies.settings_heading))}</h2>
                <p>{tr(i18n, |l| td_string!(l, cookies.settings_body))}</p>
                <button type="button" class="button" data-cc-open="">{tr(i18n, |l| td_string!(l, cookies.open_settings))}</button>
                <p>{tr(i18n, |l| td_string!(l, cookies.necessary_body))}</p>
                <button type="button" class="button button-secondary" on:click=clear>{tr(i18n, |l| td_string!(l, cookies.clear))}</button>
                <p role="status" class="muted">
                    {tr_when(i18n, cleared, |l| td_string!(l, cookies.cleared))}
                </p>
            </section>
        </PolicyPage>
    }
}
