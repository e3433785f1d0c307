use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use ward_model::{EmailOnly, VerifyEmail};

use crate::api;
use crate::components::{Field, FormError, SubmitButton};
use crate::forms::FormState;
use crate::i18n::{use_i18n, w};
use crate::labels::{fill, tr, tr_when};
use crate::routes::Page;

/// A countdown in seconds that ticks while the component lives.
pub fn use_countdown() -> RwSignal<u32> {
    let left = RwSignal::new(0u32);
    if let Ok(handle) = set_interval_with_handle(
        move || {
            if left.try_get_untracked().is_some_and(|n| n > 0) {
                left.update(|n| *n -= 1);
            }
        },
        Duration::from_secs(1),
    ) {
        on_cleanup(move || handle.clear());
    }
    left
}

#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let i18n = use_i18n();
    let abort = api::use_abort_signal();
    let query = use_query_map();
    let email = RwSignal::new(query.with_untracked(|q| q.get("email")).unwrap_or_default());
    let sent = query.with_untracked(|q| q.get("sent").is_some());
    // A child who named a guardian: the account opens only with that person's consent.
    let child = query.with_untracked(|q| q.get("child").is_some());
    let code = RwSignal::new(String::new());
    // Typed (or filled by a password manager), never carried here in the URL: the code alone
    // must not verify an account, since a later sign-up by someone else with this email
    // mails a new code to this mailbox.
    let password = RwSignal::new(String::new());
    let verified = RwSignal::new(false);
    let form = FormState::new(&["email", "code", "password"]);
    let resend_form = FormState::new(&["email"]);
    let resent = RwSignal::new(false);
    let wait = use_countdown();

    let submit = {
        let abort = abort.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if form.sending.get_untracked() {
                return;
            }
            let body = VerifyEmail {
                email: email.get_untracked().trim().to_string(),
                code: code.get_untracked().trim().to_string(),
                password: password.get_untracked(),
            };
            form.start();
            let abort = abort.clone();
            spawn_local(async move {
                match api::verify_email(&body, &abort).await {
                    Ok(()) => {
                        form.done();
                        verified.set(true);
                    }
                    Err(e) => {
                        if let Some(s) = e.retry_after() {
                            wait.set(s);
                        }
                        form.fail(e)
                    }
                }
            });
        }
    };

    let resend = move |_| {
        if resend_form.sending.get_untracked() || wait.get_untracked() > 0 {
            return;
        }
        let body = EmailOnly { email: email.get_untracked().trim().to_string() };
        resend_form.start();
        resent.set(false);
        let abort = abort.clone();
        spawn_local(async move {
            match api::resend_code(&body, &abort).await {
                Ok(()) => {
                    resend_form.done();
                    resent.set(true);
                    wait.set(60);
                }
                Err(e) => {
                    if let Some(s) = e.retry_after() {
                        wait.set(s);
                    }
                    resend_form.fail(e);
                }
            }
        });
    };

    let resend_disabled = move || resend_form.sending.get() || wait.get() != 0;
    view! {
        <Title text=tr(i18n, w::verify::title) />
        <div class="narrow">
            <h1>{tr(i18n, w::verify::heading)}</h1>
            {move || if verified.get() {
                view! {
                    <div class="notice notice-ok" role="status">
                        <p class="notice-title">{tr(i18n, w::verify::done_title)}</p>
                        <p>{if child { tr(i18n, w::verify::done_child) } else { tr(i18n, w::verify::done_body) }}</p>
                        {(!child).then(|| view! {
                            <A href=Page::SignIn.with_query(&format!("email={}", String::from(js_sys::encode_uri_component(&email.get_untracked())))) attr:class="button">
                                {tr(i18n, w::verify::sign_in)}
                            </A>
                        })}
                    </div>
                }.into_any()
            } else {
                view! {
                    <p class="lead">
                        {if sent { tr(i18n, w::verify::lead_sent).into_any() } else { tr(i18n, w::verify::lead).into_any() }}
                    </p>
                    <form class="card form" novalidate on:submit=submit.clone()>
                        // "username", as on the sign-in page, so a password manager pairs it with the password below.
                        <Field form=form name="email" id="verify-email" value=email kind="email" autocomplete="username" required=true
                            label=tr(i18n, w::verify::email) />
                        <Field form=form name="code" id="verify-code" value=code autocomplete="one-time-code" inputmode="numeric"
                            required=true maxlength=6u32
                            label=tr(i18n, w::verify::code)
                            hint=tr(i18n, w::verify::code_hint) />
                        <Field form=form name="password" id="verify-password" value=password kind="password"
                            autocomplete="current-password" required=true
                            label=tr(i18n, w::verify::password)
                            hint=tr(i18n, w::verify::password_hint) />
                        <FormError form=form />
                        <SubmitButton form=form label=tr(i18n, w::verify::submit) />
                    </form>
                    <section class="card" aria-labelledby="resend-heading">
                        <h2 id="resend-heading">{tr(i18n, w::verify::resend_heading)}</h2>
                        <p>{tr(i18n, w::verify::resend_body)}</p>
                        <FormError form=resend_form />
                        <button type="button" class="button button-secondary" on:click=resend.clone()
                            disabled=resend_disabled>
                            {move || match wait.get() {
                                0 => tr(i18n, w::verify::resend).into_any(),
                                n => fill(w::verify::resend_wait(i18n.get_locale()), &[n.to_string()]).into_any(),
                            }}
                        </button>
                        <p role="status" class="muted">{tr_when(i18n, resent, w::verify::resent)}</p>
                    </section>
                }.into_any()
            }}
            <p class="form-footer"><A href={Page::DevMailbox.path()}>{tr(i18n, w::verify::mailbox_link)}</A></p>
        </div>
    }
}
