//! Requests to the privacy staff: file one (its kind and the person's words), and follow each
//! (its status, the date the law gives for the answer, its timeline), add information to an
//! open one or withdraw it.

use leptos::prelude::*;
use leptos_meta::Title;
use ward_model::{RequestKind, RequestNew, RequestText, RightsRequest};

use crate::api;
use crate::components::{AccountTabs, ErrorPanel, FieldErrorText, FormError, SubmitButton, TextArea};
use crate::forms::FormState;
use crate::i18n::{use_i18n, w};
use crate::labels::{local_time, pick, tr, tr_when, tr_with};
use crate::load::load;
use crate::rights::{self, Timeline};
use crate::session::RequireSession;

#[component]
pub fn RequestsPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=tr(i18n, w::requests::title) />
        <h1>{tr(i18n, w::requests::heading)}</h1>
        <AccountTabs />
        <RequireSession>
            <Requests />
        </RequireSession>
    }
}

#[component]
fn Requests() -> impl IntoView {
    let i18n = use_i18n();
    let (list, reload) = load(api::rights_requests);
    view! {
        <p class="lead">{tr(i18n, w::requests::lead)}</p>
        <NewRequest filed=reload />
        <section class="card" aria-labelledby="requests-heading">
            <h2 id="requests-heading">{tr(i18n, w::requests::list_heading)}</h2>
            {move || match list.get() {
                None => view! { <p class="muted" role="status">{tr(i18n, w::requests::loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <ErrorPanel error=e on_retry=reload /> }.into_any(),
                Some(Ok(l)) if l.requests.is_empty() => {
                    view! { <p class="muted">{tr(i18n, w::requests::none)}</p> }.into_any()
                }
                Some(Ok(l)) => view! {
                    <ul class="requests">
                        {l.requests.into_iter().map(|r| view! { <Request request=r changed=reload /> }).collect_view()}
                    </ul>
                }.into_any(),
            }}
            <p class="muted">
                {tr(i18n, w::requests::complain)}
                {move || list.get().and_then(Result::ok).map(|l| view! {
                    " " <a href=l.authority.url.clone() rel="noopener noreferrer">{pick(i18n, &l.authority.name)}</a> "."
                })}
            </p>
        </section>
    }
}

#[component]
fn NewRequest(filed: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let abort = api::use_abort_signal();
    let kind = RwSignal::new(RequestKind::Restriction);
    let details = RwSignal::new(String::new());
    let sent = RwSignal::new(false);
    let form = FormState::new(&["kind", "details"]);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        sent.set(false);
        let body = RequestNew { kind: kind.get_untracked(), details: details.get_untracked() };
        let abort = abort.clone();
        form.submit(async move { api::file_request(&body, &abort).await }, move |_| {
            details.set(String::new());
            sent.set(true);
            filed.run(());
        });
    };
    view! {
        <form class="card form" novalidate on:submit=submit aria-labelledby="new-request-heading">
            <h2 id="new-request-heading">{tr(i18n, w::requests::new_heading)}</h2>
            <rights::KindChoices kind prefix="request-kind" legend=w::requests::kind_label>
                <FieldErrorText form=form name="kind" id="request-kind-error" />
            </rights::KindChoices>
            <TextArea form=form name="details" id="request-details" label=w::requests::details_label
                hint=w::requests::details_hint value=details rows=5 />
            <FormError form=form />
            <p class="status-line" role="status">{tr_when(i18n, sent, w::requests::sent)}</p>
            <SubmitButton form=form label=tr(i18n, w::requests::submit) />
        </form>
    }
}

#[component]
fn Request(request: RightsRequest, changed: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let r = request;
    let heading = format!("request-{}", r.id);
    let open = r.status.is_open();
    let rule = pick(i18n, &r.rule);
    view! {
        <li class="request" aria-labelledby=heading.clone()>
            <h3 id=heading.clone()>{tr(i18n, rights::kind(r.kind))}</h3>
            <p>
                <span class="badge" data-testid="request-status">{tr(i18n, rights::status(r.status))}</span>
                " "
                <span class="row-meta">{tr_with(i18n, w::requests::filed_at, vec![local_time(i18n, &r.filed_at)])}</span>
            </p>
            {open.then(|| view! {
                <p>
                    <strong>{tr_with(i18n, w::requests::due, vec![local_time(i18n, &r.due_at)])}</strong>
                    <br />
                    <span class="muted">{rule}</span>
                </p>
            })}
            <p class="timeline-text">{r.details.clone()}</p>
            <Timeline events=r.timeline.clone() heading_id=format!("{heading}-timeline") />
            {open.then(|| view! { <RequestActions id=r.id.clone() changed=changed /> })}
        </li>
    }
}

#[component]
fn RequestActions(id: String, changed: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let abort = api::use_abort_signal();
    let text = RwSignal::new(String::new());
    let form = FormState::new(&["text"]);
    let input_id = format!("request-info-{id}");
    let error_id = format!("{input_id}-error");
    let add = {
        let (id, abort) = (id.clone(), abort.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let body = RequestText { text: text.get_untracked() };
            let (id, abort) = (id.clone(), abort.clone());
            form.submit(async move { api::add_request_information(&id, &body, &abort).await }, move |_| {
                changed.run(())
            });
        }
    };
    let withdrawing = FormState::new(&[]);
    let withdraw = move |_| {
        let (id, abort) = (id.clone(), abort.clone());
        withdrawing.submit(async move { api::withdraw_request(&id, &abort).await }, move |_| changed.run(()));
    };
    let invalid = move || form.has_error("text").then_some("true");
    view! {
        <form class="form" novalidate on:submit=add>
            <div class="field" class:field-invalid=move || form.has_error("text")>
                <label for=input_id.clone()>{tr(i18n, w::requests::info_label)}</label>
                <textarea id=input_id rows="2" maxlength="4000" aria-describedby=error_id.clone() aria-invalid=invalid
                    prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                <FieldErrorText form=form name="text" id=error_id />
            </div>
            <FormError form=form />
            <div class="form-actions">
                <SubmitButton form=form label=tr(i18n, w::requests::info_submit) />
                <button type="button" class="button button-secondary" on:click=withdraw
                    disabled=move || withdrawing.sending.get()>
                    {tr(i18n, w::requests::withdraw)}
                </button>
            </div>
            <FormError form=withdrawing />
        </form>
    }
}
