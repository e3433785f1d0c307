use leptos::prelude::*;
use leptos_meta::Title;

use crate::i18n::{Locale, td_string, use_i18n};
use crate::labels::{tr, tr_when};
use crate::prefs::{self, Theme};

/// Cookie settings. Ward sets no cookies yet; the page says so and lets the visitor clear
/// the browser storage that remembers their language and theme.
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
        <Title text=tr(i18n, |l| td_string!(l, cookies.title)) />
        <article class="prose">
            <h1>{tr(i18n, |l| td_string!(l, cookies.heading))}</h1>
            <p class="lead">{tr(i18n, |l| td_string!(l, cookies.intro))}</p>
            <section class="card">
                <h2>{tr(i18n, |l| td_string!(l, cookies.necessary_heading))}</h2>
                <p>{tr(i18n, |l| td_string!(l, cookies.necessary_body))}</p>
                <button type="button" class="button" on:click=clear>{tr(i18n, |l| td_string!(l, cookies.clear))}</button>
                <p role="status" class="muted">
                    {tr_when(i18n, cleared, |l| td_string!(l, cookies.cleared))}
                </p>
            </section>
        </article>
    }
}
