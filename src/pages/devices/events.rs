use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use ward_model::AlarmEvent;

use crate::api;
use crate::components::ErrorPanel;
use crate::i18n::{use_i18n, w};
use crate::labels::{local_time, tr};
use crate::load::load;
use crate::session::RequireSession;

/// Alarm events across devices (or of one: `?device=`), with thumbnails, filters, the full
/// picture and delete; and the doorbell's call records.
#[component]
pub fn EventsPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=tr(i18n, w::events::title) />
        <h1>{tr(i18n, w::events::heading)}</h1>
        <RequireSession>
            <Timeline />
            <Calls />
        </RequireSession>
    }
}

#[component]
fn Timeline() -> impl IntoView {
    let i18n = use_i18n();
    let device = use_query_map().get_untracked().get("device").unwrap_or_default();
    let device = RwSignal::new(device);
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let kind = RwSignal::new(String::new());
    let before = RwSignal::new(String::new());
    let (page, reload) = load(move |abort| {
        api::events(
            vec![
                ("device", device.get_untracked()),
                ("from", from.get_untracked()),
                ("to", to.get_untracked()),
                ("kind", kind.get_untracked()),
                ("before", before.get_untracked()),
            ],
            abort,
        )
    });
    let shown = RwSignal::new(None::<AlarmEvent>);
    let filter = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        before.set(String::new());
        reload.run(());
    };
    view! {
        <section class="card card-wide" aria-labelledby="events-heading">
            <h2 id="events-heading">{tr(i18n, w::events::alarms)}</h2>
            <form class="filters" on:submit=filter>
                <label>{tr(i18n, w::events::from)}<input type="date" name="from" bind:value=from /></label>
                <label>{tr(i18n, w::events::to)}<input type="date" name="to" bind:value=to /></label>
                <label>{tr(i18n, w::events::kind)}
                    <select name="kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                        <option value="">{tr(i18n, w::events::all_kinds)}</option>
                        <option value="motion">{tr(i18n, w::events::motion)}</option>
                    </select>
                </label>
                {move || (!device.get().is_empty()).then(|| view! {
                    <button type="button" class="button button-secondary" on:click=move |_| { device.set(String::new()); reload.run(()); }>
                        {tr(i18n, w::events::all_devices)}
                    </button>
                })}
                <button type="submit" class="button button-secondary">{tr(i18n, w::events::apply)}</button>
            </form>
            {move || shown.get().map(|e| view! {
                <figure class="event-full">
                    <img src=e.picture_url.clone() alt=format!("{} · {}", e.device_name, local_time(i18n, &e.at)) width="640" height="360" />
                    <figcaption>{e.device_name.clone()} " · " {local_time(i18n, &e.at)} " "
                        <button type="button" class="button button-secondary" on:click=move |_| shown.set(None)>{tr(i18n, w::events::close)}</button>
                    </figcaption>
                </figure>
            })}
            {move || match page.get() {
                None => view! { <p class="muted" role="status">{tr(i18n, w::events::loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <ErrorPanel error=e on_retry=reload /> }.into_any(),
                Some(Ok(p)) if p.events.is_empty() => view! { <p class="muted">{tr(i18n, w::events::empty)}</p> }.into_any(),
                Some(Ok(p)) => {
                    let next = p.next_before.clone();
                    view! {
                        <ul class="event-grid">
                            {p.events.into_iter().map(|e| view! { <EventItem event=e shown=shown on_change=reload /> }).collect_view()}
                        </ul>
                        {next.map(|n| view! {
                            <button type="button" class="button button-secondary" on:click=move |_| { before.set(n.clone()); reload.run(()); }>
                                {tr(i18n, w::events::older)}
                            </button>
                        })}
                    }.into_any()
                }
            }}
        </section>
    }
}

#[component]
fn EventItem(
    event: AlarmEvent,
    shown: RwSignal<Option<AlarmEvent>>,
    on_change: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let abort = api::use_abort_signal();
    let when = local_time(i18n, &event.at);
    let alt = format!("{} · {when}", event.device_name);
    let id = event.id.clone();
    let e2 = event.clone();
    let delete = move |_| {
        let (abort, id) = (abort.clone(), id.clone());
        spawn_local(async move {
            if api::delete_event(&id, &abort).await.is_ok() {
                on_change.run(());
            }
        });
    };
    view! {
        <li class="event">
            <button type="button" class="thumb" on:click=move |_| shown.set(Some(e2.clone()))>
                <img src=event.thumbnail_url.clone() alt=alt width="160" height="90" loading="lazy" />
            </button>
            <p><strong>{event.device_name.clone()}</strong><br />{when}</p>
            <button type="button" class="button button-danger" on:click=delete>{tr(i18n, w::events::delete)}</button>
        </li>
    }
}

/// Doorbell calls: time and the captured picture, shown on request (each view is logged).
#[component]
fn Calls() -> impl IntoView {
    let i18n = use_i18n();
    let (calls, reload) = load(api::calls);
    let open = RwSignal::new(None::<String>);
    view! {
        <section class="card" aria-labelledby="calls-heading">
            <h2 id="calls-heading">{tr(i18n, w::events::calls)}</h2>
            <p class="muted">{tr(i18n, w::events::calls_note)}</p>
            {move || match calls.get() {
                None => view! { <p class="muted" role="status">{tr(i18n, w::events::loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <ErrorPanel error=e on_retry=reload /> }.into_any(),
                Some(Ok(c)) if c.calls.is_empty() => view! { <p class="muted">{tr(i18n, w::events::no_calls)}</p> }.into_any(),
                Some(Ok(c)) => view! {
                    <ul class="call-list">
                        {c.calls.into_iter().map(|c| {
                            let (id, id2, url) = (c.id.clone(), c.id.clone(), c.picture_url.clone());
                            let when = local_time(i18n, &c.at);
                            let alt = format!("{} · {when}", c.device_name);
                            view! {
                                <li>
                                    {c.device_name.clone()} " · " {when} " "
                                    <button type="button" class="button button-secondary" on:click=move |_| open.set(Some(id.clone()))>
                                        {tr(i18n, w::events::show_picture)}
                                    </button>
                                    {move || (open.get().as_deref() == Some(id2.as_str())).then(|| view! {
                                        <img src=url.clone() alt=alt.clone() width="640" height="360" />
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </section>
    }
}
