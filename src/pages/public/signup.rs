use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use ward_model::{SignUp, SignUpRules};

use crate::api;
use crate::components::{ErrorPanel, Field, FieldErrorText, FormError, StrengthMeter, SubmitButton};
use crate::forms::FormState;
use crate::i18n::{use_i18n, w};
use crate::labels::{fill, region_name, tr, tr_with};
use crate::load::load;
use crate::routes::Page;

const FIELDS: &[&str] =
    &["name", "email", "phone", "password", "region", "birth_date", "guardian_email", "accepted_policy"];

#[component]
pub fn SignUpPage() -> impl IntoView {
    let i18n = use_i18n();
    let abort = api::use_abort_signal();
    let (rules, retry) = load(api::signup_rules);
    crate::labels::describe(i18n, w::signup::description);
    view! {
        <Title text=tr(i18n, w::signup::title) />
        <div class="narrow">
            <h1>{tr(i18n, w::signup::heading)}</h1>
            <p class="lead">{tr(i18n, w::signup::lead)}</p>
            {move || match rules.get() {
                None => view! { <p class="muted" role="status">{tr(i18n, w::signup::loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <ErrorPanel error=e on_retry=retry /> }.into_any(),
                Some(Ok(r)) => view! { <SignUpForm rules=r abort=abort.clone() /> }.into_any(),
            }}
            <p class="form-footer">
                {tr(i18n, w::signup::have_account)} " " <A href={Page::SignIn.path()}>{tr(i18n, w::signup::sign_in)}</A>
            </p>
        </div>
    }
}

#[component]
fn SignUpForm(rules: SignUpRules, abort: web_sys::AbortSignal) -> impl IntoView {
    let i18n = use_i18n();
    let navigate = use_navigate();
    let form = FormState::new(FIELDS);
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let region = RwSignal::new(String::new());
    let birth_date = RwSignal::new(String::new());
    let accepted = RwSignal::new(false);
    // Asked for once the server says the date of birth needs a guardian's consent (it knows
    // the region's rule and today's date; the form need not compute an age).
    let guardian = RwSignal::new(String::new());
    let asks_guardian = move || form.has_error("guardian_email") || !guardian.get().is_empty();
    let policy_version = rules.policy_version.clone();
    let password_min = rules.password_min;
    let password_max = rules.password_max;
    let name_max = rules.name_max;

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = SignUp {
            name: name.get_untracked().trim().to_string(),
            email: email.get_untracked().trim().to_string(),
            phone: phone.get_untracked().trim().to_string(),
            password: password.get_untracked(),
            region: region.get_untracked(),
            birth_date: birth_date.get_untracked(),
            accepted_policy: if accepted.get_untracked() { policy_version.clone() } else { String::new() },
            guardian_email: guardian.get_untracked().trim().to_string(),
        };
        let child = if body.guardian_email.is_empty() { "" } else { "&child=1" };
        let abort = abort.clone();
        let navigate = navigate.clone();
        form.submit(async move { api::sign_up(&body, &abort).await }, move |done| {
            let email = String::from(js_sys::encode_uri_component(&done.email));
            navigate(
                &Page::VerifyEmail.with_query(&format!("email={email}&sent=1{child}")),
                Default::default(),
            );
        });
    };

    let regions = rules.regions.clone();

    view! {
        <form class="card form" novalidate on:submit=submit>
            <Field form=form name="name" id="signup-name" value=name autocomplete="name" required=true maxlength=name_max
                label=tr(i18n, w::signup::name) />
            <Field form=form name="email" id="signup-email" value=email kind="email" autocomplete="email" required=true
                label=tr(i18n, w::signup::email) />
            <Field form=form name="phone" id="signup-phone" value=phone kind="tel" autocomplete="tel" required=true
                label=tr(i18n, w::signup::phone)
                hint=tr(i18n, w::signup::phone_hint) />
            <Field form=form name="password" id="signup-password" value=password kind="password" autocomplete="new-password"
                required=true maxlength=password_max described_by="signup-password-strength"
                label=tr(i18n, w::signup::password)
                hint=tr_with(i18n, w::signup::password_hint, vec![password_min.to_string()])>
                <StrengthMeter id="signup-password-strength" value=password />
            </Field>
            <div class="field" class:field-invalid=move || form.has_error("region")>
                <label for="signup-region">{tr(i18n, w::signup::region)}</label>
                <p class="field-hint" id="signup-region-hint">{tr(i18n, w::signup::region_hint)}</p>
                <select id="signup-region" name="region" required
                    aria-describedby="signup-region-hint signup-region-error"
                    aria-invalid=move || form.has_error("region").then_some("true")
                    on:change=move |ev| region.set(event_target_value(&ev))>
                    <option value="" selected=move || region.get().is_empty()>{tr(i18n, w::signup::region_choose)}</option>
                    {regions.iter().map(|r| {
                        let code = r.region.code();
                        let min_age = r.min_age;
                        let rg = r.region;
                        view! {
                            <option value=code selected=move || region.get() == code>
                                {move || fill(w::signup::region_option(i18n.get_locale()), &[region_name(i18n, rg).to_string(), min_age.to_string()])}
                            </option>
                        }
                    }).collect_view()}
                </select>
                <FieldErrorText form=form name="region" id="signup-region-error" />
            </div>
            <Field form=form name="birth_date" id="signup-birth-date" value=birth_date kind="date" autocomplete="bday" required=true
                label=tr(i18n, w::signup::birth_date)
                hint=tr(i18n, w::signup::birth_date_hint) />
            {move || asks_guardian().then(|| view! {
                <Field form=form name="guardian_email" id="signup-guardian-email" value=guardian kind="email" required=true
                    label=tr(i18n, w::signup::guardian_email)
                    hint=tr(i18n, w::signup::guardian_email_hint) />
            })}
            <div class="field field-check" class:field-invalid=move || form.has_error("accepted_policy")>
                <input type="checkbox" id="signup-policy" name="accepted_policy" required
                    aria-describedby="signup-policy-error"
                    aria-invalid=move || form.has_error("accepted_policy").then_some("true")
                    prop:checked=move || accepted.get()
                    on:change=move |ev| accepted.set(event_target_checked(&ev)) />
                <label for="signup-policy">
                    {tr(i18n, w::signup::accept_before)} " "
                    <A href={Page::Privacy.path()}>{tr(i18n, w::signup::accept_link)}</A>
                    " " {tr_with(i18n, w::signup::accept_after, vec![rules.policy_version.clone()])}
                </label>
                <FieldErrorText form=form name="accepted_policy" id="signup-policy-error" />
            </div>
            <FormError form=form />
            <SubmitButton form=form label=tr(i18n, w::signup::submit) />
        </form>
    }
}
