//! Service notices (`/staff/requests?view=service`): publish a dated notice for everyone, in
//! both languages (a service's end at least 30 days ahead), shown at the top of every page by
//! the server; withdraw one.

use leptos::prelude::*;
use leptos_meta::Title;
use ward_model::{Localized, ServiceNotice, ServiceNoticeKind, ServiceNoticeNew};

use crate::api;
use crate::components::{ErrorPanel, Field, FormError, SubmitButton};
use crate::forms::FormState;
use crate::i18n::{use_i18n, w};
use crate::labels::{local_time, pick, tr, tr_when, tr_with};
use crate::load::load;
use crate::rights::Words;
use crate::session::RequireSession;

#[component]
pub fn ServicePage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=tr(i18n, w::service::title) />
        <h1>{tr(i18n, w::service::title)}</h1>
        <super::StaffNav current=super::Section::Service />
        <RequireSession>
            <Notices />
        </RequireSession>
    }
}

#[component]
fn Notices() -> impl IntoView {
    let i18n = use_i18n();
    let (list, reload) = load(api::staff_service_notices);
    view! {
        <p class="lead">{tr(i18n, w::service::lead)}</p>
        <NewNotice published=reload />
        <section class="card card-wide" aria-labelledby="service-heading">
            <h2 id="service-heading">{tr(i18n, w::service::list_heading)}</h2>
            {move || match list.get() {
                None => view! { <p class="muted" role="status">{tr(i18n, w::service::loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <ErrorPanel error=e on_retry=reload /> }.into_any(),
                Some(Ok(l)) if l.notices.is_empty() => view! { <p class="muted">{tr(i18n, w::service::none)}</p> }.into_any(),
                Some(Ok(l)) => view! {
                    <ul class="requests">
                        {l.notices.into_iter().map(|n| view! { <NoticeItem notice=n changed=reload /> }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </section>
    }
}

fn kind_words(k: ServiceNoticeKind) -> Words {
    match k {
        ServiceNoticeKind::ServiceEnd => w::service::kind_end,
        ServiceNoticeKind::Change => w::service::kind_change,
    }
}

#[component]
fn NewNotice(published: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let abort = api::use_abort_signal();
    let kind = RwSignal::new(ServiceNoticeKind::ServiceEnd);
    let (title_en, title_zh) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let (body_en, body_zh) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let effective = RwSignal::new(super::incidents::local_input(js_sys::Date::now() + 31.0 * 86_400_000.0));
    let done = RwSignal::new(false);
    let form = FormState::new(&["title_en", "title_zh", "body_en", "body_zh", "effective_at"]);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        done.set(false);
        let body = ServiceNoticeNew {
            kind: kind.get_untracked(),
            title: Localized { en: title_en.get_untracked(), zh: title_zh.get_untracked() },
            body: Localized { en: body_en.get_untracked(), zh: body_zh.get_untracked() },
            effective_at: super::incidents::utc(&effective.get_untracked()),
        };
        let abort = abort.clone();
        form.submit(async move { api::publish_service_notice(&body, &abort).await }, move |_| {
            for s in [title_en, title_zh, body_en, body_zh] {
                s.set(String::new());
            }
            done.set(true);
            published.run(());
        });
    };
    view! {
        <form class="card form" novalidate on:submit=submit aria-labelledby="new-service-heading">
            <h2 id="new-service-heading">{tr(i18n, w::service::new_heading)}</h2>
            <fieldset class="field choices">
                <legend>{tr(i18n, w::service::kind)}</legend>
                {ServiceNoticeKind::ALL.into_iter().map(|k| {
                    let id = format!("service-kind-{}", k.code());
                    let label_for = id.clone();
                    view! {
                        <label class="check" for=label_for>
                            <input type="radio" id=id name="kind" value=k.code()
                                prop:checked=move || kind.get() == k on:change=move |_| kind.set(k) />
                            {tr(i18n, kind_words(k))}
                        </label>
                    }
                }).collect_view()}
            </fieldset>
            <Field form=form name="title_en" id="service-title-en" label=tr(i18n, w::service::title_en) value=title_en required=true maxlength=200 />
            <Field form=form name="title_zh" id="service-title-zh" label=tr(i18n, w::service::title_zh) value=title_zh required=true maxlength=200 />
            <crate::components::TextArea form=form name="body_en" id="service-body-en" label=w::service::body_en value=body_en maxlength=2000 />
            <crate::components::TextArea form=form name="body_zh" id="service-body-zh" label=w::service::body_zh value=body_zh maxlength=2000 />
            <Field form=form name="effective_at" id="service-effective" kind="datetime-local"
                label=tr(i18n, w::service::effective) value=effective required=true
                hint=move || tr(i18n, w::service::effective_hint)() />
            <FormError form=form />
            <p class="status-line" role="status">{tr_when(i18n, done, w::service::published)}</p>
            <SubmitButton form=form label=tr(i18n, w::service::publish) />
        </form>
    }
}

#[component]
fn NoticeItem(notice: ServiceNotice, changed: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let abort = api::use_abort_signal();
    let n = notice;
    let error = RwSignal::new(None::<api::ClientError>);
    let id = n.id.clone();
    let withdraw = move |_| {
        let (abort, id) = (abort.clone(), id.clone());
        leptos::task::spawn_local(async move {
            match api::withdraw_service_notice(&id, &abort).await {
                Ok(_) => changed.run(()),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let (title, body) = (n.title.clone(), n.body.clone());
    view! {
        <li class="incident">
            <h3>{move || pick(i18n, &title)}</h3>
            <p>{move || pick(i18n, &body)}</p>
            <p class="muted">{tr(i18n, kind_words(n.kind))} " · "
                {tr_with(i18n, w::service::effective_on, vec![local_time(i18n, &n.effective_at)])}</p>
            {move || error.get().map(|e| view! { <ErrorPanel error=e /> })}
            {match &n.withdrawn_at {
                Some(t) => view! { <p>{tr_with(i18n, w::service::withdrawn, vec![local_time(i18n, t)])}</p> }.into_any(),
                None => view! {
                    <div class="actions"><button type="button" class="button" on:click=withdraw>{tr(i18n, w::service::withdraw)}</button></div>
                }.into_any(),
            }}
        </li>
    }
}
