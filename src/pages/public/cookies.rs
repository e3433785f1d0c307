use leptos::prelude::*;

use super::policy::PolicyPage;
use crate::i18n::{Locale, use_i18n, w};
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
        <PolicyPage kind="cookies" title=w::cookies::title description=w::cookies::description>
            <section class="card">
                <h2>{tr(i18n, w::cookies::settings_heading)}</h2>
                <p>{tr(i18n, w::cookies::settings_body)}</p>
                <button type="button" class="button" data-cc-open="">{tr(i18n, w::cookies::open_settings)}</button>
                <p>{tr(i18n, w::cookies::necessary_body)}</p>
                <button type="button" class="button button-secondary" on:click=clear>{tr(i18n, w::cookies::clear)}</button>
                <p role="status" class="muted">
                    {tr_when(i18n, cleared, w::cookies::cleared)}
                </p>
            </section>
        </PolicyPage>
    }
}
