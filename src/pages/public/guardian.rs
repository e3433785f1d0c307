//! A parent's or guardian's request about a child's data, without signing in: to review it,
//! have it deleted, or stop its use. A code mailed to the guardian's address proves it; the
//! region the child lives in sets the proofs of guardianship accepted (`GET
//! /api/guardian/rules`). The page and the answer are the same whether or not the child has
//! an account: the privacy staff look for it when they verify the guardian.

use leptos::prelude::*;
use leptos_meta::Title;
use ward_model::{
    ApiError, ErrorCode, FieldError, FieldErrorCode, GuardianAsk, GuardianRelation, GuardianRequestNew,
    GuardianRule, ProofMethod, ProofUpload, Region, RightsRequest,
};

use crate::api::{self, ClientError};
use crate::components::{ErrorPanel, Field, FieldErrorText, FormError, SubmitButton, TextArea};
use crate::forms::{FormState, base64};
use crate::i18n::{use_i18n, w};
use crate::labels::{fill, local_time, pick, region_name, tr, tr_with};
use crate::load::load;
use crate::rights::{self, Words};

/// The largest proof the server takes (5 MiB): checked here before a byte is sent.
const MAX_PROOF: f64 = 5.0 * 1024.0 * 1024.0;

/// What the file input offers; the server reads the type from the file's first bytes.
const ACCEPT: &str = ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg";

/// Where the guardian is: their address, the request, or done.
#[derive(Clone, PartialEq)]
pub enum GuardianStep {
    Email,
    Details,
    Done(Box<RightsRequest>),
}

#[component]
pub fn GuardianPage() -> impl IntoView {
    let i18n = use_i18n();
    let (rules, retry) = load(api::guardian_rules);
    let email = RwSignal::new(String::new());
    let step = RwSignal::new(GuardianStep::Email);
    // A guardian asked for consent by mail arrives with what the child asked and where.
    let query = leptos_router::hooks::use_query_map();
    let (start_ask, start_region) = query.with_untracked(|q| {
        (
            q.get("ask").and_then(|a| GuardianAsk::from_code(&a)),
            q.get("region").and_then(|r| Region::from_code(&r)),
        )
    });

    view! {
        <Title text=tr(i18n, w::guardian::title) />
        <div class="narrow">
            <h1>{tr(i18n, w::guardian::heading)}</h1>
            <p class="lead">{tr(i18n, w::guardian::lead)}</p>
            <p>{tr(i18n, w::guardian::no_answer)}</p>
            {move || match step.get() {
                GuardianStep::Email => view! {
                    <super::ask::CodeStep email id="guardian-email" hint=w::guardian::email_hint
                        sent=Callback::new(move |()| step.set(GuardianStep::Details)) />
                }.into_any(),
                GuardianStep::Details => match rules.get() {
                    None => view! { <p class="muted" role="status">{tr(i18n, w::guardian::loading)}</p> }.into_any(),
                    Some(Err(e)) => view! { <ErrorPanel error=e on_retry=retry /> }.into_any(),
                    Some(Ok(rules)) => view! { <GuardianForm email step rules start_ask start_region /> }.into_any(),
                },
                GuardianStep::Done(r) => view! { <Done request=*r email=email.get_untracked() /> }.into_any(),
            }}
        </div>
    }
}

/// The fields of the request (the wire names of the server's field errors).
const FIELDS: [&str; 11] = [
    "email",
    "code",
    "name",
    "relation",
    "region",
    "ask",
    "child_email",
    "child_phone",
    "method",
    "proof",
    "details",
];

/// A radio choice: its wire code, its words, and perhaps a line on what it takes.
type Choice = (&'static str, Words, Option<Words>);

/// The code from the mail and the request itself (public for the component tests).
#[component]
pub fn GuardianForm(
    email: RwSignal<String>,
    step: RwSignal<GuardianStep>,
    rules: Vec<GuardianRule>,
    /// Chosen already, from the link of a mail (`?ask=consent&region=cn`).
    #[prop(optional_no_strip)]
    start_ask: Option<GuardianAsk>,
    #[prop(optional_no_strip)] start_region: Option<Region>,
) -> impl IntoView {
    let i18n = use_i18n();
    let abort = api::use_abort_signal();
    let code = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let relation = RwSignal::new("");
    let region = RwSignal::new(start_region);
    let ask = RwSignal::new(start_ask.map_or("", GuardianAsk::code));
    let child_email = RwSignal::new(String::new());
    let child_phone = RwSignal::new(String::new());
    let method = RwSignal::new("");
    let proof = RwSignal::new(None::<ProofUpload>);
    let too_big = RwSignal::new(false);
    let details = RwSignal::new(String::new());
    let form = FormState::new(&FIELDS);

    // The chosen region's rule (signals rather than memos: lighter code for the entry chunk).
    let rule = RwSignal::new(start_region.and_then(|at| rules.iter().find(|r| r.region == at).cloned()));
    let regions: Vec<Region> = rules.iter().map(|r| r.region).collect();
    let uploads = move || ProofMethod::from_code(method.get()).is_some_and(ProofMethod::uploads);
    let video = move || ProofMethod::from_code(method.get()) == Some(ProofMethod::VideoCall);

    let choose_region = move |ev: leptos::ev::Event| {
        let at = Region::from_code(&event_target_value(&ev));
        let chosen = at.and_then(|at| rules.iter().find(|r| r.region == at).cloned());
        // A proof the new region does not accept is no longer chosen.
        if !chosen.as_ref().is_some_and(|r| r.methods.iter().any(|m| m.code() == method.get_untracked())) {
            method.set("");
        }
        region.set(at);
        rule.set(chosen);
    };
    let choose_file = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        proof.set(None);
        form.fields.update(|f| f.retain(|e| e.field != "proof"));
        let Some(file) = input.files().and_then(|files| files.get(0)) else {
            too_big.set(false);
            return;
        };
        too_big.set(file.size() > MAX_PROOF);
        if too_big.get_untracked() {
            form.fields.update(|f| f.push(proof_too_big()));
            return;
        }
        // For the guardian's own recognition; the server takes at most 200 characters.
        let name = file.name().chars().take(200).collect();
        leptos::task::spawn_local(async move {
            if let Ok(buffer) = wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await {
                let data = base64(&js_sys::Uint8Array::new(&buffer).to_vec());
                // The person may have left the page meanwhile.
                let _ = proof.try_set(Some(ProofUpload { name, data }));
            }
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let chosen = ProofMethod::from_code(method.get_untracked());
        let uploads = chosen.is_some_and(ProofMethod::uploads);
        if uploads && too_big.get_untracked() {
            let error = ApiError {
                code: ErrorCode::Validation,
                message: String::new(),
                fields: vec![proof_too_big()],
            };
            form.fail(ClientError::Api { status: 422, error, retry_after: None });
            return;
        }
        let body = GuardianRequestNew {
            email: email.get_untracked().trim().to_string(),
            code: code.get_untracked().trim().to_string(),
            name: name.get_untracked(),
            relation: GuardianRelation::from_code(relation.get_untracked()),
            region: region.get_untracked(),
            ask: GuardianAsk::from_code(ask.get_untracked()),
            child_email: child_email.get_untracked().trim().to_string(),
            child_phone: child_phone.get_untracked().trim().to_string(),
            method: chosen,
            proof: if uploads { proof.get_untracked() } else { None },
            details: details.get_untracked(),
        };
        let abort = abort.clone();
        form.submit(async move { api::file_guardian_request(&body, &abort).await }, move |r| {
            step.set(GuardianStep::Done(Box::new(r)));
        });
    };

    let relations: Vec<Choice> =
        GuardianRelation::ALL.into_iter().map(|r| (r.code(), rights::relation(r), None)).collect();
    let asks: Vec<Choice> =
        GuardianAsk::ALL.into_iter().map(|a| (a.code(), rights::guardian_ask(a), None)).collect();
    view! {
        <p class="notice notice-ok" role="status">{tr_with(i18n, w::ask::sent, vec![email.get_untracked()])}</p>
        <form class="card form" novalidate on:submit=submit>
            <FieldErrorText form=form name="email" id="guardian-details-email-error" />
            <Field form=form name="code" id="guardian-code" value=code autocomplete="one-time-code"
                inputmode="numeric" maxlength=6u32 required=true label=tr(i18n, w::ask::code) />
            <Field form=form name="name" id="guardian-name" value=name autocomplete="name" required=true
                maxlength=100u32 label=tr(i18n, w::ask::name) hint=tr(i18n, w::ask::name_hint) />
            <Choices form name="relation" legend=w::guardian::relation choices=relations chosen=relation />
            <div class="field" class:field-invalid=move || form.has_error("region")>
                <label for="guardian-region">{tr(i18n, w::guardian::region)}</label>
                <p class="field-hint" id="guardian-region-hint">{tr(i18n, w::guardian::region_hint)}</p>
                <select id="guardian-region" name="region" required
                    aria-describedby="guardian-region-hint guardian-rule guardian-region-error"
                    aria-invalid=move || form.has_error("region").then_some("true")
                    on:change=choose_region>
                    <option value="" selected=move || region.get().is_none()>{tr(i18n, w::ask::region_choose)}</option>
                    {regions.into_iter().map(|r| view! {
                        <option value=r.code() selected=move || region.get() == Some(r)>{move || region_name(i18n, r)}</option>
                    }).collect_view()}
                </select>
                <div id="guardian-rule" aria-live="polite">
                    {move || rule.get().map(|r| view! {
                        <div class="notice notice-info" data-testid="guardian-rule">
                            <p>{pick(i18n, &r.law)}</p>
                            <p>{fill(w::guardian::child_under(i18n.get_locale()), &[r.child_under.to_string()])}</p>
                            <p>{pick(i18n, &r.deadline)}</p>
                        </div>
                    })}
                </div>
                <FieldErrorText form=form name="region" id="guardian-region-error" />
            </div>
            <Field form=form name="child_email" id="guardian-child-email" value=child_email kind="email"
                label=tr(i18n, w::guardian::child_email) hint=tr(i18n, w::guardian::child_email_hint) />
            <Field form=form name="child_phone" id="guardian-child-phone" value=child_phone kind="tel"
                label=tr(i18n, w::guardian::child_phone) hint=tr(i18n, w::guardian::child_phone_hint) />
            <Choices form name="ask" legend=w::guardian::ask choices=asks chosen=ask />
            // Only the proofs the child's region accepts, each with what it takes.
            {move || {
                let methods: Vec<Choice> = rule.with(|r| {
                    r.iter().flat_map(|r| r.methods.iter()).map(|m| {
                        let (label, hint) = rights::method(*m);
                        (m.code(), label, Some(hint))
                    }).collect()
                });
                view! { <Choices form name="method" legend=w::guardian::method choices=methods chosen=method
                    empty=w::guardian::method_first /> }
            }}
            {move || (ProofMethod::from_code(method.get()) == Some(ProofMethod::SignedForm)).then(|| view! {
                <p><a href="/guardian-consent-form.html" target="_blank" rel="noopener">{tr(i18n, w::guardian::form_link)}</a></p>
            })}
            // Kept while hidden (`.field` sets `display`, so a wrapper hides it): the file stays chosen.
            <div id="guardian-proof-field" hidden=move || !uploads()>
                <div class="field" class:field-invalid=move || form.has_error("proof")>
                    <label for="guardian-proof">{tr(i18n, w::guardian::proof)}</label>
                    <p class="field-hint" id="guardian-proof-hint">{tr(i18n, w::guardian::proof_hint)}</p>
                    <input type="file" id="guardian-proof" name="proof" accept=ACCEPT required
                        aria-describedby="guardian-proof-hint guardian-proof-error"
                        aria-invalid=move || form.has_error("proof").then_some("true")
                        on:change=choose_file />
                    <FieldErrorText form=form name="proof" id="guardian-proof-error" />
                </div>
            </div>
            {move || if video() {
                view! { <TextArea form=form name="details" id="guardian-details" label=w::guardian::details_call
                    hint=w::guardian::details_call_hint value=details rows=3 /> }.into_any()
            } else {
                view! { <TextArea form=form name="details" id="guardian-details" label=w::guardian::details
                    value=details rows=3 required=false /> }.into_any()
            }}
            <FormError form=form />
            <div class="form-actions">
                <SubmitButton form=form label=tr(i18n, w::guardian::submit) />
                <button type="button" class="button button-secondary" on:click=move |_| step.set(GuardianStep::Email)>
                    {tr(i18n, w::ask::again)}
                </button>
            </div>
        </form>
    }
}

/// The browser's own check of the proof's size, as the server would say it (other languages
/// than English show the code's sentence, `forms::field_message`).
fn proof_too_big() -> FieldError {
    FieldError {
        field: "proof".into(),
        code: FieldErrorCode::FileSize,
        message: "This file is too large: at most 5 MB. Choose a smaller scan or photo.".into(),
    }
}

/// A group of radio buttons under `legend` (ids `guardian-{name}-{code}`), the error of field
/// `name` below it and announced with each choice; `empty` says why there is no choice yet.
#[component]
fn Choices(
    form: FormState,
    name: &'static str,
    legend: Words,
    choices: Vec<Choice>,
    chosen: RwSignal<&'static str>,
    #[prop(optional)] empty: Option<Words>,
) -> impl IntoView {
    let i18n = use_i18n();
    let error_id = format!("guardian-{name}-error");
    let none = choices.is_empty();
    view! {
        <fieldset class="field choices" class:field-invalid=move || form.has_error(name)>
            <legend>{tr(i18n, legend)}</legend>
            {empty.filter(|_| none).map(|e| view! { <p class="field-hint">{tr(i18n, e)}</p> })}
            {choices.into_iter().map(|(code, label, hint)| {
                let id = format!("guardian-{name}-{code}");
                let label_for = id.clone();
                // The line on what a choice takes is part of its label (read with it once).
                view! {
                    <label class="check" for=label_for>
                        <input type="radio" id=id name=name value=code aria-describedby=error_id.clone()
                            aria-invalid=move || form.has_error(name).then_some("true")
                            prop:checked=move || chosen.get() == code on:change=move |_| chosen.set(code) />
                        <span>
                            {tr(i18n, label)}
                            {hint.map(|h| view! { <br /> <span class="field-hint">{tr(i18n, h)}</span> })}
                        </span>
                    </label>
                }
            }).collect_view()}
            <FieldErrorText form=form name=name id=error_id />
        </fieldset>
    }
}

/// What was filed, when the answer is due, and that nothing happens before the verification.
#[component]
fn Done(request: RightsRequest, email: String) -> impl IntoView {
    let i18n = use_i18n();
    let r = request;
    view! {
        <div class="notice notice-ok" role="status" data-testid="guardian-done">
            <p class="notice-title">{tr(i18n, w::guardian::done_title)}</p>
            <p><strong>{tr_with(i18n, w::ask::done_due, vec![local_time(i18n, &r.due_at)])}</strong></p>
            <p class="muted">{pick(i18n, &r.rule)}</p>
            <p>{tr_with(i18n, w::ask::done_body, vec![email])}</p>
            <p>{tr(i18n, w::guardian::done_verify)}</p>
        </div>
    }
}
