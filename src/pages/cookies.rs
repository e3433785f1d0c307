use leptos::prelude::*;
use leptos_meta::Title;

use crate::i18n::{Locale, t, t_string, use_i18n};
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
        <Title text=move || t_string!(i18n, cookies.title).to_string() />
        <article class="prose">
            <h1>{t!(i18n, cookies.heading)}</h1>
            <p class="lead">{t!(i18n, cookies.intro)}</p>
            <section class="card">
                <h2>{t!(i18n, cookies.necessary_heading)}</h2>
                <p>{t!(i18n, cookies.necessary_body)}</p>
                <button type="button" class="button" on:click=clear>{t!(i18n, cookies.clear)}</button>
                <p role="status" class="muted">
                    {move || cleared.get().then_some(t!(i18n, cookies.cleared))}
                </p>
            </section>
        </article>
    }
}
