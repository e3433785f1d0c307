use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::api;
use crate::components::ErrorPanel;
use crate::i18n::{Locale, use_i18n, w};
use crate::labels::{describe, reactive, tr};
use crate::load::load;
use crate::routes::Page;
use crate::session::{SessionState, use_session};

type Text = fn(Locale) -> &'static str;

/// Whom Ward is for: a heading, what Ward does for them, and their ways in (signed out,
/// signed in). One table and one loop, so the main module holds the view code once.
struct Audience {
    heading: Text,
    text: Text,
    visitor: &'static [(Page, Text)],
    member: &'static [(Page, Text)],
}

const SIGN_UP: (Page, Text) = (Page::SignUp, w::home::link_sign_up);
const SIGN_IN: (Page, Text) = (Page::SignIn, w::home::link_sign_in);
const DEVICES: (Page, Text) = (Page::Devices, w::home::link_devices);
const POLICY: (Page, Text) = (Page::Privacy, w::home::link_policy);
const GUARDIAN: (Page, Text) = (Page::Guardian, w::home::link_guardian);

static AUDIENCES: [Audience; 4] = [
    Audience {
        heading: w::home::cameras_heading,
        text: w::home::cameras_text,
        visitor: &[SIGN_UP, SIGN_IN],
        member: &[DEVICES],
    },
    Audience {
        heading: w::home::orgs_heading,
        text: w::home::orgs_text,
        visitor: &[SIGN_UP],
        member: &[DEVICES],
    },
    Audience {
        heading: w::home::guardians_heading,
        text: w::home::guardians_text,
        visitor: &[POLICY, GUARDIAN],
        member: &[POLICY, GUARDIAN],
    },
    Audience {
        heading: w::home::rights_heading,
        text: w::home::rights_text,
        visitor: &[POLICY, (Page::Cookies, w::home::link_cookies), (Page::AskRequest, w::home::link_ask)],
        member: &[(Page::MyData, w::home::link_my_data), POLICY],
    },
];

/// What Ward is and whom it is for, with each one's way in; the service status in a line.
#[component]
pub fn Home() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let member = move || session.0.with(|s| matches!(s, SessionState::SignedIn(_)));
    describe(i18n, w::home::description);
    view! {
        <Title text=tr(i18n, w::home::title) />
        <section class="hero">
            <h1>{tr(i18n, w::home::heading)}</h1>
            <p class="lead">{tr(i18n, w::home::lead)}</p>
        </section>
        <h2 class="section-heading">{tr(i18n, w::home::who_heading)}</h2>
        <ul class="audiences">
            {AUDIENCES
                .iter()
                .map(|a| {
                    let links = reactive(move || {
                        let links = if member() { a.member } else { a.visitor };
                        links
                            .iter()
                            .map(|(page, text)| view! { <li><A href=page.path()>{tr(i18n, *text)}</A></li> })
                            .collect_view()
                            .into_any()
                    });
                    view! {
                        <li class="card audience">
                            <h3>{tr(i18n, a.heading)}</h3>
                            <p>{tr(i18n, a.text)}</p>
                            <ul class="ways-in">{links}</ul>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
        <Status />
    }
}

/// One small line: the service works, and its version.
#[component]
fn Status() -> impl IntoView {
    let i18n = use_i18n();
    let (health, retry) = load(api::health);
    view! {
        <section class="status-line" aria-label=tr(i18n, w::home::status_heading) aria-live="polite">
            {reactive(move || match health.get() {
                None => ().into_any(),
                Some(Ok(h)) => view! {
                    <p class="muted">
                        <span class="status-dot" aria-hidden="true"></span>
                        {tr(i18n, w::home::status_ok)} " "
                        {tr(i18n, w::home::status_version)} " "
                        <span data-testid="api-version">{h.version}</span>
                    </p>
                }.into_any(),
                Some(Err(e)) => view! { <ErrorPanel error=e on_retry=retry /> }.into_any(),
            })}
        </section>
    }
}
