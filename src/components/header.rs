use leptos::prelude::*;
use leptos_router::components::A;
use wasm_bindgen::JsCast;

use crate::api;
use crate::i18n::{Locale, use_i18n, w};
use crate::labels::{reactive, tr};
use crate::prefs::{self, Theme};
use crate::routes::Page;
use crate::session::{SessionState, use_session};

/// Skip link, brand, main navigation and the language and theme choices.
#[component]
pub fn Header() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let signed_in = move || session.0.with(|s| matches!(s, SessionState::SignedIn(_)));
    view! {
        <a class="skip-link" href="#main" on:click=skip_to_main>{tr(i18n, w::skip_to_content)}</a>
        <header class="site-header">
            <div class="container header-row">
                <A href={Page::Home.path()} attr:class="brand">
                    <img class="brand-mark" src="/favicon.svg" alt="" width="28" height="28" />
                    <span class="brand-name">"Ward"</span>
                    <span class="brand-tagline">{tr(i18n, w::brand_tagline)}</span>
                </A>
                <nav class="main-nav" aria-label=tr(i18n, w::nav::label)>
                    <ul>
                        <li><A href={Page::Home.path()} exact=true>{tr(i18n, w::nav::home)}</A></li>
                        <li><A href={Page::Privacy.path()}>{tr(i18n, w::nav::privacy)}</A></li>
                        // A visitor is shown what a visitor can use: devices and alarms need an account.
                        {reactive(move || signed_in().then(|| view! {
                            <li><A href={Page::Devices.path()}>{tr(i18n, w::devices::nav)}</A></li>
                            <li><A href={Page::Events.path()}>{tr(i18n, w::events::nav)}</A></li>
                        }).into_any())}
                    </ul>
                </nav>
                <AccountNav />
                <div class="prefs">
                    <LanguageSelect />
                    <ThemeSelect />
                </div>
            </div>
        </header>
    }
}

/// "Sign in" and "Create account", or the person's name, their account and "Sign out".
#[component]
fn AccountNav() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let navigate = leptos_router::hooks::use_navigate();
    let signing_out = RwSignal::new(false);
    let sign_out = move |_| {
        signing_out.set(true);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let abort = web_sys::AbortController::new().expect("AbortController").signal();
            // Signed out on the server or not, this browser forgets the session.
            let _ = api::sign_out(&abort).await;
            signing_out.set(false);
            // Leave the page first: a page that needs a session would otherwise send the
            // person to sign in with a return path back to itself.
            navigate(&Page::SignIn.with_query("signed_out=1"), Default::default());
            request_animation_frame(move || session.signed_out());
        });
    };
    let phase = Memo::new(move |_| {
        session.0.with(|s| match s {
            SessionState::Loading => None,
            SessionState::SignedOut => Some(None),
            SessionState::SignedIn(info) => Some(Some(info.account.name.clone())),
        })
    });
    view! {
        <nav class="account-nav" aria-label=tr(i18n, w::nav::account_label)>
            {move || match phase.get() {
                None => ().into_any(),
                Some(None) => view! {
                    <ul>
                        <li><A href={Page::SignIn.path()}>{tr(i18n, w::nav::sign_in)}</A></li>
                        <li><A href={Page::SignUp.path()} attr:class="button button-small">{tr(i18n, w::nav::sign_up)}</A></li>
                    </ul>
                }.into_any(),
                Some(Some(name)) => view! {
                    <ul>
                        <li class="account-name" data-testid="account-name">{name}</li>
                        <li><A href={Page::Account.path()}>{tr(i18n, w::nav::account)}</A></li>
                        <li>
                            <button type="button" class="button button-small button-quiet" on:click=sign_out.clone() disabled=move || signing_out.get()>
                                {tr(i18n, w::nav::sign_out)}
                            </button>
                        </li>
                    </ul>
                }.into_any(),
            }}
        </nav>
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
            <span class="pref-label">{tr(i18n, w::prefs::language)}</span>
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
        Theme::System => w::prefs::theme_system(i18n.get_locale()),
        Theme::Light => w::prefs::theme_light(i18n.get_locale()),
        Theme::Dark => w::prefs::theme_dark(i18n.get_locale()),
    };
    view! {
        <label class="pref">
            <span class="pref-label">{tr(i18n, w::prefs::theme)}</span>
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
