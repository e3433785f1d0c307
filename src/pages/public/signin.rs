use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use ward_model::{EmailOnly, SignIn};

use crate::api::{self, ClientError};
use crate::components::{Field, FormError, SubmitButton};
use crate::forms::FormState;
use crate::i18n::{use_i18n, w};
use crate::labels::{tr, tr_with};
use crate::routes::Page;
use crate::session::{safe_return_path, use_session};

/// Whether the server asks for the second factor: a field error on `otp`.
pub fn needs_otp(error: &ClientError) -> bool {
    matches!(error.status(), Some(401 | 422)) && error.field("otp").is_some()
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let i18n = use_i18n();
    let abort = api::use_abort_signal();
    let session = use_session();
    let navigate = use_navigate();
    let query = use_query_map();
    let next = safe_return_path(query.with_untracked(|q| q.get("next")).as_deref());
    let signed_out = query.with_untracked(|q| q.get("signed_out").is_some());
    let email = RwSignal::new(query.with_untracked(|q| q.get("email")).unwrap_or_default());
    let password = RwSignal::new(String::new());
    let otp = RwSignal::new(String::new());
    // The second step: the account has two-factor authentication.
    let otp_step = RwSignal::new(false);
    // Whether the account has a passkey that may stand in for the code (the server says so
    // once the password is right).
    let passkey_step = RwSignal::new(false);
    let unverified = RwSignal::new(false);
    // Wrong passwords (anyone's) delay this email's sign-ins: the server offers a code by
    // mail (`unlock_offer`); once asked for, its field shows (`unlock_step`).
    let unlock_offer = RwSignal::new(false);
    let unlock_step = RwSignal::new(false);
    let unlock_code = RwSignal::new(String::new());
    let form = FormState::new(&["email", "password", "otp", "unlock_code"]);

    let passkey = {
        let abort = abort.clone();
        let navigate = navigate.clone();
        let next = next.clone();
        // `two_step`: the password was right and a passkey stands in for the code.
        move |two_step: bool| {
            let password_step = two_step.then(|| SignIn {
                email: email.get_untracked().trim().to_string(),
                password: password.get_untracked(),
                otp: None,
                unlock_code: None,
            });
            let abort = abort.clone();
            let navigate = navigate.clone();
            let next = next.clone();
            form.submit(
                async move { api::sign_in_with_passkey(password_step.as_ref(), &abort).await },
                move |info| {
                    session.signed_in(info);
                    navigate(&next, Default::default());
                },
            );
        }
    };

    let send_unlock = {
        let abort = abort.clone();
        move |_| {
            let body = EmailOnly { email: email.get_untracked().trim().to_string() };
            let abort = abort.clone();
            form.submit(async move { api::request_unlock(&body, &abort).await }, move |()| {
                unlock_step.set(true);
            });
        }
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if form.sending.get_untracked() {
            return;
        }
        let body = SignIn {
            email: email.get_untracked().trim().to_string(),
            password: password.get_untracked(),
            otp: otp_step.get_untracked().then(|| otp.get_untracked().trim().replace(' ', "")),
            unlock_code: unlock_step.get_untracked().then(|| unlock_code.get_untracked().trim().to_string()),
        };
        form.start();
        unverified.set(false);
        let abort = abort.clone();
        let navigate = navigate.clone();
        let next = next.clone();
        spawn_local(async move {
            match api::sign_in(&body, &abort).await {
                Ok(info) => {
                    form.done();
                    session.signed_in(info);
                    navigate(&next, Default::default());
                }
                Err(e) if needs_otp(&e) => {
                    let first_time = !otp_step.get_untracked();
                    otp_step.set(true);
                    if first_time {
                        passkey_step.set(e.field("passkey").is_some());
                    }
                    if first_time
                        && e.field("otp").is_some_and(|f| f.code == ward_model::FieldErrorCode::Required)
                    {
                        // Not a mistake: the next step asks for the code.
                        form.done();
                        request_animation_frame(|| {
                            if let Some(el) = document().get_element_by_id("signin-otp") {
                                use wasm_bindgen::JsCast;
                                let _ = el.unchecked_into::<web_sys::HtmlElement>().focus();
                            }
                        });
                    } else {
                        form.fail(e);
                    }
                }
                Err(e) => {
                    // A held account says why beside the email; only an unverified one needs the link.
                    unverified.set(e.status() == Some(403) && e.field("email").is_none());
                    if e.status() == Some(429) && e.field("unlock_code").is_some() {
                        unlock_offer.set(true);
                    }
                    form.fail(e);
                }
            }
        });
    };

    let back = move |_| {
        otp_step.set(false);
        passkey_step.set(false);
        otp.set(String::new());
        form.fields.set(Vec::new());
        form.error.set(None);
    };

    crate::labels::describe(i18n, w::signin::description);
    view! {
        <Title text=tr(i18n, w::signin::title) />
        <div class="narrow">
            <h1>{tr(i18n, w::signin::heading)}</h1>
            {signed_out.then(|| view! { <p class="notice notice-ok" role="status">{tr(i18n, w::signin::signed_out)}</p> })}
            {move || session.account().map(|a| view! {
                <p class="notice notice-info">
                    {tr_with(i18n, w::signin::already, vec![a.name.clone()])} " "
                    <A href={Page::Account.path()}>{tr(i18n, w::signin::go_account)}</A>
                </p>
            })}
            <form class="card form" novalidate on:submit=submit>
                <div hidden=move || otp_step.get()>
                    <Field form=form name="email" id="signin-email" value=email kind="email" autocomplete="username" required=true
                        label=tr(i18n, w::signin::email) />
                    <Field form=form name="password" id="signin-password" value=password kind="password"
                        autocomplete="current-password" required=true
                        label=tr(i18n, w::signin::password) />
                </div>
                {move || otp_step.get().then(|| view! {
                    <p class="form-step" role="status">{tr(i18n, w::signin::otp_lead)}</p>
                    <Field form=form name="otp" id="signin-otp" value=otp autocomplete="one-time-code" required=true
                        label=tr(i18n, w::signin::otp)
                        hint=tr(i18n, w::signin::otp_hint) />
                })}
                {let passkey = passkey.clone(); move || (otp_step.get() && passkey_step.get()).then(|| {
                    let passkey = passkey.clone();
                    view! {
                        <div class="passkey-step">
                            <p class="muted">{tr(i18n, w::signin::otp_passkey_hint)}</p>
                            <button type="button" class="button button-secondary" disabled=move || form.sending.get()
                                on:click=move |_| passkey(true)>
                                {tr(i18n, w::signin::otp_passkey)}
                            </button>
                        </div>
                    }
                })}
                {move || unlock_step.get().then(|| view! {
                    <p class="form-step" role="status">{tr(i18n, w::signin::unlock_sent)}</p>
                    <Field form=form name="unlock_code" id="signin-unlock" value=unlock_code autocomplete="one-time-code"
                        required=true label=tr(i18n, w::signin::unlock_code) />
                })}
                <FormError form=form />
                {let send_unlock = send_unlock.clone(); move || (unlock_offer.get() && !unlock_step.get()).then(|| {
                    let send_unlock = send_unlock.clone();
                    view! {
                        <div class="notice notice-info">
                            <p>{tr(i18n, w::signin::unlock_lead)}</p>
                            <button type="button" class="button button-secondary" disabled=move || form.sending.get()
                                on:click=send_unlock>
                                {tr(i18n, w::signin::unlock_send)}
                            </button>
                        </div>
                    }
                })}
                {move || unverified.get().then(|| view! {
                    <p class="notice notice-info">
                        <A href=Page::VerifyEmail.with_query(&format!("email={}", String::from(js_sys::encode_uri_component(&email.get_untracked()))))>
                            {tr(i18n, w::signin::verify_link)}
                        </A>
                    </p>
                })}
                <div class="form-actions">
                    <SubmitButton form=form label=tr(i18n, w::signin::submit) />
                    {move || otp_step.get().then(|| view! {
                        <button type="button" class="button button-secondary" on:click=back>{tr(i18n, w::signin::back)}</button>
                    })}
                </div>
            </form>
            <div class="card passkey-signin" hidden=move || otp_step.get()>
                <p class="muted">{tr(i18n, w::signin::passkey_hint)}</p>
                <button type="button" class="button button-secondary" disabled=move || form.sending.get() on:click=move |_| passkey(false)>
                    {tr(i18n, w::signin::passkey)}
                </button>
            </div>
            <p class="form-footer">
                <A href={Page::PasswordReset.path()}>{tr(i18n, w::signin::forgot)}</A>
            </p>
            <p class="form-footer">
                <A href={Page::AskRequest.path()}>{tr(i18n, w::signin::ask)}</A>
            </p>
            <p class="form-footer">
                {tr(i18n, w::signin::no_account)} " " <A href={Page::SignUp.path()}>{tr(i18n, w::signin::sign_up)}</A>
            </p>
        </div>
    }
}
