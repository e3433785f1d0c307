//! A request to the privacy staff without signing in: for someone who deleted their account,
//! cannot sign in, or never had one. A code mailed to the address proves it; the page says the
//! same whether or not the address has an account.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use ward_model::{EmailOnly, PublicInformation, PublicRequestNew, Region, RequestKind, RightsRequest};

use crate::api;
use crate::components::{Field, FieldErrorText, FormError, SubmitButton, TextArea};
use crate::forms::FormState;
use crate::i18n::{use_i18n, w};
use crate::labels::{fill, local_time, pick, region_name, tr, tr_with};
use crate::rights;
use crate::routes::Page;

#[derive(Clone, PartialEq)]
enum Step {
    Email,
    Details,
    Done(Box<RightsRequest>),
}

/// The first step of a request without an account (and of a guardian's): the address, and a
/// code mailed to it (`POST /api/requests/code`, the same answer whatever the address).
#[component]
pub fn CodeStep(
    email: RwSignal<String>,
    id: &'static str,
    hint: fn(crate::i18n::Locale) -> &'static str,
    sent: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let abort = api::use_abort_signal();
    let form = FormState::new(&["email"]);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = EmailOnly { email: email.get_untracked().trim().to_string() };
        let abort = abort.clone();
        form.submit(async move { api::request_code(&body, &abort).await }, move |()| sent.run(()));
    };
    view! {
        <form class="card form" novalidate on:submit=submit>
            <Field form=form name="email" id=id value=email kind="email" autocomplete="email"
                required=true label=tr(i18n, w::ask::email) hint=tr(i18n, hint) />
            <FormError form=form />
            <SubmitButton form=form label=tr(i18n, w::ask::send_code) />
        </form>
    }
}

#[component]
pub fn AskRequestPage() -> impl IntoView {
    let i18n = use_i18n();
    // `?request=…` (the link in every mail about a request filed without an account): add
    // information to it rather than file a new one.
    let request =
        leptos_router::hooks::use_query_map().with_untracked(|q| q.get("request")).filter(|r| !r.is_empty());
    let adding = request.is_some();
    let email = RwSignal::new(String::new());
    let step = RwSignal::new(Step::Email);

    view! {
        <Title text=tr(i18n, w::ask::title) />
        <div class="narrow">
            <h1>{if adding { tr(i18n, w::ask::info_heading) } else { tr(i18n, w::ask::heading) }}</h1>
            {move || match step.get() {
                Step::Email => view! {
                    <p class="lead">{if adding { tr(i18n, w::ask::info_lead) } else { tr(i18n, w::ask::lead) }}</p>
                    <CodeStep email id="ask-email" hint=w::ask::email_hint sent=Callback::new(move |()| step.set(Step::Details)) />
                }.into_any(),
                Step::Details => match request.clone() {
                    Some(id) => view! { <AddInformation email step id /> }.into_any(),
                    None => view! { <Details email step /> }.into_any(),
                },
                Step::Done(r) if adding => view! {
                    <p class="notice notice-ok" role="status" data-testid="ask-done">
                        {tr_with(i18n, w::ask::info_done, vec![email.get_untracked()])}
                    </p>
                    <rights::Timeline events=r.timeline heading_id="ask-timeline" />
                }.into_any(),
                Step::Done(r) => view! { <Done request=*r email=email.get_untracked() /> }.into_any(),
            }}
            <p class="form-footer">
                {tr(i18n, w::ask::have_account)} " " <A href={Page::SignIn.path()}>{tr(i18n, w::ask::sign_in)}</A>
            </p>
        </div>
    }
}

/// The code from the mail and the request itself.
#[component]
fn Details(email: RwSignal<String>, step: RwSignal<Step>) -> impl IntoView {
    let i18n = use_i18n();
    let abort = api::use_abort_signal();
    let code = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let region = RwSignal::new(None::<Region>);
    let kind = RwSignal::new(RequestKind::Access);
    let details = RwSignal::new(String::new());
    let form = FormState::new(&["email", "code", "name", "region", "kind", "details"]);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = PublicRequestNew {
            email: email.get_untracked().trim().to_string(),
            code: code.get_untracked().trim().to_string(),
            name: name.get_untracked(),
            region: region.get_untracked(),
            kind: kind.get_untracked(),
            details: details.get_untracked(),
        };
        let abort = abort.clone();
        form.submit(async move { api::file_public_request(&body, &abort).await }, move |r| {
            step.set(Step::Done(Box::new(r)));
        });
    };
    view! {
        <p class="notice notice-ok" role="status">{tr_with(i18n, w::ask::sent, vec![email.get_untracked()])}</p>
        <form class="card form" novalidate on:submit=submit>
            <FieldErrorText form=form name="email" id="ask-details-email-error" />
            <Field form=form name="code" id="ask-code" value=code autocomplete="one-time-code"
                inputmode="numeric" maxlength=6u32 required=true label=tr(i18n, w::ask::code) />
            <Field form=form name="name" id="ask-name" value=name autocomplete="name" required=true
                maxlength=100u32 label=tr(i18n, w::ask::name) hint=tr(i18n, w::ask::name_hint) />
            <div class="field" class:field-invalid=move || form.has_error("region")>
                <label for="ask-region">{tr(i18n, w::ask::region)}</label>
                <p class="field-hint" id="ask-region-hint">{tr(i18n, w::ask::region_hint)}</p>
                <select id="ask-region" name="region" required
                    aria-describedby="ask-region-hint ask-region-error"
                    aria-invalid=move || form.has_error("region").then_some("true")
                    on:change=move |ev| region.set(Region::from_code(&event_target_value(&ev)))>
                    <option value="" selected=move || region.get().is_none()>{tr(i18n, w::ask::region_choose)}</option>
                    {Region::ALL.into_iter().map(|r| view! {
                        <option value=r.code() selected=move || region.get() == Some(r)>{move || region_name(i18n, r)}</option>
                    }).collect_view()}
                </select>
                <FieldErrorText form=form name="region" id="ask-region-error" />
            </div>
            <rights::KindChoices kind prefix="ask-kind" legend=w::ask::kind />
            <TextArea form=form name="details" id="ask-details" label=w::ask::details hint=w::ask::details_hint value=details rows=5 />
            <FormError form=form />
            <div class="form-actions">
                <SubmitButton form=form label=tr(i18n, w::ask::submit) />
                <button type="button" class="button button-secondary" on:click=move |_| step.set(Step::Email)>
                    {tr(i18n, w::ask::again)}
                </button>
            </div>
        </form>
    }
}

/// The code from the mail and what the person adds to their request `id`.
#[component]
fn AddInformation(email: RwSignal<String>, step: RwSignal<Step>, id: String) -> impl IntoView {
    let i18n = use_i18n();
    let abort = api::use_abort_signal();
    let code = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let form = FormState::new(&["email", "code", "text"]);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = PublicInformation {
            email: email.get_untracked().trim().to_string(),
            code: code.get_untracked().trim().to_string(),
            request: id.clone(),
            text: text.get_untracked(),
        };
        let abort = abort.clone();
        form.submit(async move { api::public_information(&body, &abort).await }, move |r| {
            step.set(Step::Done(Box::new(r)));
        });
    };
    view! {
        <p class="notice notice-ok" role="status">{tr_with(i18n, w::ask::sent, vec![email.get_untracked()])}</p>
        <form class="card form" novalidate on:submit=submit>
            <FieldErrorText form=form name="email" id="ask-info-email-error" />
            <Field form=form name="code" id="ask-info-code" value=code autocomplete="one-time-code"
                inputmode="numeric" maxlength=6u32 required=true label=tr(i18n, w::ask::code) />
            <TextArea form=form name="text" id="ask-info-text" label=w::ask::info_text value=text rows=5 />
            <FormError form=form />
            <div class="form-actions">
                <SubmitButton form=form label=tr(i18n, w::ask::info_submit) />
                <button type="button" class="button button-secondary" on:click=move |_| step.set(Step::Email)>
                    {tr(i18n, w::ask::again)}
                </button>
            </div>
        </form>
    }
}

/// What was filed and when the answer is due.
#[component]
fn Done(request: RightsRequest, email: String) -> impl IntoView {
    let i18n = use_i18n();
    let r = request;
    view! {
        <div class="notice notice-ok" role="status" data-testid="ask-done">
            <p class="notice-title">
                {move || fill(w::ask::done_title(i18n.get_locale()), &[rights::kind(r.kind)(i18n.get_locale()).to_string()])}
            </p>
            <p><strong>{tr_with(i18n, w::ask::done_due, vec![local_time(i18n, &r.due_at)])}</strong></p>
            <p class="muted">{pick(i18n, &r.rule)}</p>
            <p>{tr_with(i18n, w::ask::done_body, vec![email])}</p>
        </div>
    }
}
