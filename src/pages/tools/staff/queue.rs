//! The requests queue: every region's requests, soonest due first, with filters (kind,
//! region, status, only overdue) and the counts per status.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use ward_model::{QueueItem, Region, RequestKind, RequestQueue, RequestStatus};

use crate::api;
use crate::components::ErrorPanel;
use crate::i18n::{use_i18n, w};
use crate::labels::{local_time, region_name, tr};
use crate::load::load;
use crate::rights;
use crate::routes::Page;
use crate::session::RequireSession;

#[component]
pub fn QueuePage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=tr(i18n, w::staff::title) />
        <h1>{tr(i18n, w::staff::heading)}</h1>
        <super::StaffNav current=super::Section::Requests />
        <RequireSession>
            <Queue />
        </RequireSession>
    }
}

/// A filter's choice: a code, or "" for all.
fn select_options(all: &'static str, options: Vec<(&'static str, String)>, current: String) -> impl IntoView {
    std::iter::once((all, String::new()))
        .map(|(label, code)| (label.to_string(), code))
        .chain(options.into_iter().map(|(code, label)| (label, code.to_string())))
        .map(|(label, code)| {
            let selected = code == current;
            view! { <option value=code selected=selected>{label}</option> }
        })
        .collect_view()
}

#[component]
fn Queue() -> impl IntoView {
    let i18n = use_i18n();
    let kind = RwSignal::new(String::new());
    let region = RwSignal::new(String::new());
    let status = RwSignal::new(String::new());
    let overdue = RwSignal::new(false);
    let query = move || {
        let mut q = Vec::new();
        for (name, value) in [("kind", kind), ("region", region), ("status", status)] {
            let v = value.get_untracked();
            if !v.is_empty() {
                q.push(format!("{name}={v}"));
            }
        }
        if overdue.get_untracked() {
            q.push("overdue=true".into());
        }
        q.join("&")
    };
    let (queue, reload) = load(move |abort| api::staff_queue(query(), abort));
    let change = move |signal: RwSignal<String>| {
        move |ev: leptos::ev::Event| {
            signal.set(event_target_value(&ev));
            reload.run(());
        }
    };
    view! {
        <p class="lead">{tr(i18n, w::staff::lead)}</p>
        <section class="card card-wide" aria-labelledby="filters-heading">
            <h2 id="filters-heading">{tr(i18n, w::staff::filters)}</h2>
            {move || {
                let locale = i18n.get_locale();
                let all = w::staff::any(locale);
                let kinds = RequestKind::ALL.into_iter().map(|k| (k.code(), rights::kind(k)(locale).to_string())).collect();
                let regions = Region::ALL.into_iter().map(|r| (r.code(), region_name(i18n, r).to_string())).collect();
                let statuses =
                    RequestStatus::ALL.into_iter().map(|s| (s.code(), rights::status(s)(locale).to_string())).collect();
                view! {
                    <div class="queue-filters">
                        <div class="field">
                            <label for="queue-kind">{w::staff::filter_kind(locale)}</label>
                            <select id="queue-kind" on:change=change(kind)>{select_options(all, kinds, kind.get_untracked())}</select>
                        </div>
                        <div class="field">
                            <label for="queue-region">{w::staff::filter_region(locale)}</label>
                            <select id="queue-region" on:change=change(region)>{select_options(all, regions, region.get_untracked())}</select>
                        </div>
                        <div class="field">
                            <label for="queue-status">{w::staff::filter_status(locale)}</label>
                            <select id="queue-status" on:change=change(status)>{select_options(all, statuses, status.get_untracked())}</select>
                        </div>
                        <label class="check">
                            <input type="checkbox" prop:checked=move || overdue.get()
                                on:change=move |ev| { overdue.set(event_target_checked(&ev)); reload.run(()); } />
                            {w::staff::overdue_only(locale)}
                        </label>
                    </div>
                }
            }}
        </section>
        <section class="card card-wide" aria-labelledby="queue-heading">
            <h2 id="queue-heading">{tr(i18n, w::staff::heading)}</h2>
            {move || match queue.get() {
                None => view! { <p class="muted" role="status">{tr(i18n, w::staff::loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <ErrorPanel error=e on_retry=reload /> }.into_any(),
                Some(Ok(q)) => view! { <QueueTable queue=q /> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn QueueTable(queue: RequestQueue) -> impl IntoView {
    let i18n = use_i18n();
    let c = queue.counts.clone();
    let counts = [
        (rights::status(RequestStatus::Open), c.open),
        (rights::status(RequestStatus::Extended), c.extended),
        (rights::status(RequestStatus::Fulfilled), c.fulfilled),
        (rights::status(RequestStatus::Refused), c.refused),
        (rights::status(RequestStatus::Withdrawn), c.withdrawn),
        (w::staff::overdue, c.overdue),
    ];
    view! {
        <ul class="counts" aria-label=tr(i18n, w::staff::counts)>
            {counts.into_iter().map(|(label, n)| view! { <li>{tr(i18n, label)} ": " <strong>{n}</strong></li> }).collect_view()}
        </ul>
        {if queue.items.is_empty() {
            view! { <p class="muted">{tr(i18n, w::staff::empty)}</p> }.into_any()
        } else {
            view! {
                <div class="table-scroll">
                    <table class="ledger queue">
                        <thead>
                            <tr>
                                <th scope="col">{tr(i18n, w::staff::col_due)}</th>
                                <th scope="col">{tr(i18n, w::staff::col_kind)}</th>
                                <th scope="col">{tr(i18n, w::staff::col_region)}</th>
                                <th scope="col">{tr(i18n, w::staff::col_status)}</th>
                                <th scope="col">{tr(i18n, w::staff::col_filed)}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {queue.items.into_iter().map(|item| view! { <QueueRow item=item /> }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }.into_any()
        }}
    }
}

#[component]
fn QueueRow(item: QueueItem) -> impl IntoView {
    let i18n = use_i18n();
    let href = Page::StaffQueue.with_query(&format!("region={}&id={}", item.region.code(), item.id));
    view! {
        <tr>
            <td>
                {local_time(i18n, &item.due_at)}
                {item.overdue.then(|| view! { " " <span class="overdue">{tr(i18n, w::staff::overdue)}</span> })}
            </td>
            <td><A href=href>{tr(i18n, rights::kind(item.kind))}</A></td>
            <td>{move || region_name(i18n, item.region)}</td>
            <td>{tr(i18n, rights::status(item.status))}</td>
            <td>{local_time(i18n, &item.filed_at)}</td>
        </tr>
    }
}
