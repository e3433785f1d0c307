use leptos::prelude::*;
use leptos_router::components::A;
use wasm_bindgen::JsCast;

use crate::i18n::{Locale, t, t_string, use_i18n};
use crate::prefs::{self, Theme};

/// Skip link, brand, main navigation and the language and theme choices.
#[component]
pub fn Header() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <a class="skip-link" href="#main" on:click=skip_to_main>{t!(i18n, skip_to_content)}</a>
        <header class="site-header">
            <div class="container header-row">
                <A href="/" attr:class="brand">
                    <img class="brand-mark" src="/favicon.svg" alt="" width="28" height="28" />
                    <span class="brand-name">"Ward"</span>
                    <span class="brand-tagline">{t!(i18n, brand_tagline)}</span>
                </A>
                <nav class="main-nav" aria-label=move || t_string!(i18n, nav.label)>
                    <ul>
                        <li><A href="/" exact=true>{t!(i18n, nav.home)}</A></li>
                        <li><A href="/privacy">{t!(i18n, nav.privacy)}</A></li>
                    </ul>
                </nav>
                <div class="prefs">
                    <LanguageSelect />
                    <ThemeSelect />
                </div>
            </div>
        </header>
    }
}

/// The router would treat `#main` as a navigation; move focus to the content instead.
fn skip_to_main(ev: web_sys::MouseEvent) {
    ev.prevent_default();
    if let Some(main) = document().get_element_by_id("main") {
        let _ = main.unchecked_into::<web_sys::HtmlElement>().focus();
    }
}

/// Language names are written in their own language, so anyone can find theirs.
#[component]
fn LanguageSelect() -> impl IntoView {
    let i18n = use_i18n();
    let on_change = move |ev| {
        if let Some(locale) = prefs::parse_lang(&event_target_value(&ev)) {
            prefs::choose_locale(locale);
        }
    };
    view! {
        <label class="pref">
            <span class="pref-label">{t!(i18n, prefs.language)}</span>
            <select id="lang-select" on:change=on_change>
                <option value="en" selected=move || i18n.get_locale() == Locale::en>"English"</option>
                <option value="zh" lang="zh" selected=move || i18n.get_locale() == Locale::zh>"简体中文"</option>
            </select>
        </label>
    }
}

#[component]
fn ThemeSelect() -> impl IntoView {
    let i18n = use_i18n();
    let theme = prefs::use_theme().0;
    let on_change = move |ev| {
        if let Some(t) = Theme::parse(&event_target_value(&ev)) {
            prefs::choose_theme(t);
        }
    };
    let label = move |t: Theme| match t {
        Theme::System => t_string!(i18n, prefs.theme_system),
        Theme::Light => t_string!(i18n, prefs.theme_light),
        Theme::Dark => t_string!(i18n, prefs.theme_dark),
    };
    view! {
        <label class="pref">
            <span class="pref-label">{t!(i18n, prefs.theme)}</span>
            <select id="theme-select" on:change=on_change>
                {Theme::ALL
                    .into_iter()
                    .map(|t| {
                        view! {
                            <option value=t.as_str() selected=move || theme.get() == t>
                                {move || label(t)}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}
