use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use ward_model::{EmailOnly, PasswordReset};

use super::signin::needs_otp;
use crate::api;
use crate::components::{Field, FormError, StrengthMeter, SubmitButton};
use crate::forms::FormState;
use crate::i18n::{use_i18n, w};
use crate::labels::{tr, tr_with};
use crate::routes::Page;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Step {
    Request,
    Confirm,
    Done,
}

#[component]
pub fn PasswordResetPage() -> impl IntoView {
    let i18n = use_i18n();
    let abort = api::use_abort_signal();
    let query = use_query_map();
    let email = RwSignal::new(query.with_untracked(|q| q.get("email")).unwrap_or_default());
    let code = RwSignal::new(String::new());
    let new_password = RwSignal::new(String::new());
    let otp = RwSignal::new(String::new());
    let otp_needed = RwSignal::new(false);
    let step = RwSignal::new(Step::Request);
    let request_form = FormState::new(&["email"]);
    let confirm_form = FormState::new(&["email", "code", "new_password", "otp"]);

    let request = {
        let abort = abort.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let body = EmailOnly { email: email.get_untracked().trim().to_string() };
            let abort = abort.clone();
            request_form.submit(async move { api::request_password_reset(&body, &abort).await }, move |()| {
                step.set(Step::Confirm);
            });
        }
    };

    let confirm = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if confirm_form.sending.get_untracked() {
            return;
        }
        let body = PasswordReset {
            email: email.get_untracked().trim().to_string(),
            code: code.get_untracked().trim().to_string(),
            new_password: new_password.get_untracked(),
            otp: otp_needed.get_untracked().then(|| otp.get_untracked().trim().replace(' ', "")),
        };
        confirm_form.start();
        let abort = abort.clone();
        spawn_local(async move {
            match api::confirm_password_reset(&body, &abort).await {
                Ok(()) => {
                    confirm_form.done();
                    step.set(Step::Done);
                }
                Err(e) if needs_otp(&e) && !otp_needed.get_untracked() => {
                    otp_needed.set(true);
                    confirm_form.done();
                    if e.field("otp").is_some_and(|f| f.code != ward_model::FieldErrorCode::Required) {
                        confirm_form.fail(e);
                    }
                }
                Err(e) => confirm_form.fail(e),
            }
        });
    };

    view! {
        <Title text=tr(i18n, w::reset::title) />
        <div class="narrow">
            <h1>{tr(i18n, w::reset::heading)}</h1>
            {move || match step.get() {
                Step::Request => view! {
                    <p class="lead">{tr(i18n, w::reset::lead)}</p>
                    <form class="card form" novalidate on:submit=request.clone()>
                        <Field form=request_form name="email" id="reset-email" value=email kind="email" autocomplete="email"
                            required=true label=tr(i18n, w::reset::email) />
                        <FormError form=request_form />
                        <SubmitButton form=request_form label=tr(i18n, w::reset::send) />
                    </form>
                }.into_any(),
                Step::Confirm => view! {
                    <p class="notice notice-ok" role="status">{tr_with(i18n, w::reset::sent, vec![email.get_untracked()])}</p>
                    <form class="card form" novalidate on:submit=confirm.clone()>
                        <Field form=confirm_form name="code" id="reset-code" value=code autocomplete="one-time-code"
                            inputmode="numeric" maxlength=6u32 required=true
                            label=tr(i18n, w::reset::code) />
                        <Field form=confirm_form name="new_password" id="reset-password" value=new_password kind="password"
                            autocomplete="new-password" required=true described_by="reset-password-strength"
                            label=tr(i18n, w::reset::new_password)>
                            <StrengthMeter id="reset-password-strength" value=new_password />
                        </Field>
                        {move || otp_needed.get().then(|| view! {
                            <Field form=confirm_form name="otp" id="reset-otp" value=otp autocomplete="one-time-code"
                                required=true
                                label=tr(i18n, w::signin::otp)
                                hint=tr(i18n, w::signin::otp_hint) />
                        })}
                        <FormError form=confirm_form />
                        <div class="form-actions">
                            <SubmitButton form=confirm_form label=tr(i18n, w::reset::submit) />
                            <button type="button" class="button button-secondary" on:click=move |_| step.set(Step::Request)>
                                {tr(i18n, w::reset::again)}
                            </button>
                        </div>
                    </form>
                }.into_any(),
                Step::Done => view! {
                    <div class="notice notice-ok" role="status">
                        <p class="notice-title">{tr(i18n, w::reset::done_title)}</p>
                        <p>{tr(i18n, w::reset::done_body)}</p>
                        <A href={Page::SignIn.path()} attr:class="button">{tr(i18n, w::reset::sign_in)}</A>
                    </div>
                }.into_any(),
            }}
            <p class="form-footer"><A href={Page::SignIn.path()}>{tr(i18n, w::reset::back)}</A></p>
        </div>
    }
}
