use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::components::A;
use send_wrapper::SendWrapper;
use ward_model::{ClaimDevice, Device, DeviceStatus, DeviceUpdate};

use crate::api;
use crate::components::{ErrorPanel, Field, FormError, SubmitButton};
use crate::forms::FormState;
use crate::i18n::{use_i18n, w};
use crate::labels::{local_time, tr, tr_with};
use crate::load::load;
use crate::scanner::ScanLabel;
use crate::session::RequireSession;

use super::sharing::{SharePanel, SharedWithYou};
use crate::routes::Page;

/// The devices page: add a camera, and every device with its live status, paged.
#[component]
pub fn DevicesPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=tr(i18n, w::devices::title) />
        <h1>{tr(i18n, w::devices::heading)}</h1>
        <RequireSession>
            <Devices />
        </RequireSession>
    }
}

#[component]
fn Devices() -> impl IntoView {
    let i18n = use_i18n();
    let page = RwSignal::new(1u32);
    let q = RwSignal::new(String::new());
    let status = RwSignal::new(String::new());
    let (list, reload) = load(move |abort| {
        api::devices(page.get_untracked(), q.get_untracked(), status.get_untracked(), abort)
    });
    // Live status: the server pushes each change, of the person's cameras and of those shared
    // with them; both lists are patched in place. A share accepted here reconnects, so its
    // camera's changes come too.
    let changed = RwSignal::new(None::<DeviceStatus>);
    let source = StoredValue::new(None::<SendWrapper<web_sys::EventSource>>);
    let close = move || {
        if let Some(Some(s)) = source.try_update_value(Option::take) {
            s.close();
        }
    };
    let connect = move || {
        close();
        let opened = api::watch_device_status(
            move |s| {
                list.update(|l| {
                    if let Some(Ok(p)) = l
                        && let Some(d) = p.devices.iter_mut().find(|d| d.id == s.id)
                    {
                        d.online = s.online;
                    }
                });
                changed.set(Some(s));
            },
            move || reload.run(()),
        );
        source.set_value(opened.map(SendWrapper::new));
    };
    connect();
    on_cleanup(close);
    let search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        page.set(1);
        reload.run(());
    };
    let go = move |to: u32| {
        page.set(to);
        reload.run(());
    };
    view! {
        <AddDevice on_added=reload />
        <SharedWithYou changed=changed reconnect=Callback::new(move |_| connect()) />
        <section class="card card-wide" aria-labelledby="devices-list-heading">
            <h2 id="devices-list-heading">{tr(i18n, w::devices::list_heading)}</h2>
            <form class="filters" role="search" on:submit=search>
                <label>{tr(i18n, w::devices::search)}
                    <input type="search" name="q" bind:value=q />
                </label>
                <label>{tr(i18n, w::devices::status_filter)}
                    <select name="status" on:change=move |ev| { status.set(event_target_value(&ev)); page.set(1); reload.run(()); }>
                        <option value="">{tr(i18n, w::devices::all)}</option>
                        <option value="online">{tr(i18n, w::devices::online)}</option>
                        <option value="offline">{tr(i18n, w::devices::offline)}</option>
                    </select>
                </label>
                <button type="submit" class="button button-secondary">{tr(i18n, w::devices::search_button)}</button>
            </form>
            {move || match list.get() {
                None => view! { <p class="muted" role="status">{tr(i18n, w::devices::loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <ErrorPanel error=e on_retry=reload /> }.into_any(),
                Some(Ok(p)) if p.devices.is_empty() => view! { <p class="muted">{tr(i18n, w::devices::empty)}</p> }.into_any(),
                Some(Ok(p)) => {
                    let pages = p.total.div_ceil(u64::from(p.per_page)).max(1) as u32;
                    let current = p.page;
                    view! {
                        <p class="muted" data-testid="devices-total">{if p.total == 1 { tr(i18n, w::devices::count_one).into_any() } else { tr_with(i18n, w::devices::count, vec![p.total.to_string()]).into_any() }}</p>
                        <ul class="device-list">
                            {p.devices.into_iter().map(|d| view! { <DeviceItem device=d on_change=reload /> }).collect_view()}
                        </ul>
                        <nav class="pager" aria-label=tr(i18n, w::devices::pages)>
                            <button type="button" class="button button-secondary" disabled={move || current <= 1} on:click=move |_| go(current - 1)>
                                {tr(i18n, w::devices::previous)}
                            </button>
                            <span>{tr_with(i18n, w::devices::page_of, vec![current.to_string(), pages.to_string()])}</span>
                            <button type="button" class="button button-secondary" disabled={move || current >= pages} on:click=move |_| go(current + 1)>
                                {tr(i18n, w::devices::next)}
                            </button>
                        </nav>
                    }.into_any()
                }
            }}
        </section>
    }
}

/// Add a camera by the serial number and code on its label; demo cameras are offered.
#[component]
fn AddDevice(on_added: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let abort = api::use_abort_signal();
    let serial = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let form = FormState::new(&["serial", "code"]);
    let added = RwSignal::new(None::<String>);
    let (demo, _) = load(api::demo_cameras);
    let scanning = RwSignal::new(false);
    let claim = move || {
        let body = ClaimDevice { serial: serial.get_untracked(), code: code.get_untracked() };
        added.set(None);
        let abort = abort.clone();
        form.submit(async move { api::claim_device(&body, &abort).await }, move |d| {
            serial.set(String::new());
            code.set(String::new());
            added.set(Some(d.name));
            on_added.run(());
        });
    };
    let submit = {
        let claim = claim.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            claim();
        }
    };
    // A label read by the scanner is claimed at once: the person meant to add that camera.
    let on_found = Callback::new(move |found: ClaimDevice| {
        scanning.set(false);
        serial.set(found.serial);
        code.set(found.code);
        claim();
    });
    view! {
        <form class="card form" novalidate on:submit=submit aria-labelledby="add-device-heading">
            <h2 id="add-device-heading">{tr(i18n, w::devices::add_heading)}</h2>
            <p class="muted">{tr(i18n, w::devices::add_lead)}</p>
            <Field form=form name="serial" id="device-serial" value=serial required=true maxlength=32u32
                label=tr(i18n, w::devices::serial) />
            <Field form=form name="code" id="device-code" value=code required=true maxlength=6u32
                label=tr(i18n, w::devices::code)
                hint=tr(i18n, w::devices::code_hint) />
            <FormError form=form />
            <p role="status" class="muted">
                {move || added.get().map(|n| tr_with(i18n, w::devices::added, vec![n]))}
            </p>
            <div class="form-actions">
                <SubmitButton form=form label=tr(i18n, w::devices::add) />
                <button type="button" class="button button-secondary" aria-expanded=move || scanning.get().to_string()
                    on:click=move |_| scanning.update(|s| *s = !*s)>
                    {tr(i18n, w::devices::scan)}
                </button>
            </div>
            {move || scanning.get().then(|| view! {
                <ScanLabel on_found=on_found on_close=Callback::new(move |()| scanning.set(false)) />
            })}
            {move || demo.get().and_then(|r| r.ok()).filter(|c| !c.is_empty()).map(|cams| view! {
                <div class="notice notice-info">
                    <p>{tr(i18n, w::devices::demo)}</p>
                    <ul>
                        {cams.into_iter().map(|c| {
                            let (s, k) = (c.serial.clone(), c.code.clone());
                            view! {
                                <li>
                                    <span data-testid="demo-serial">{c.serial.clone()}</span> " · "
                                    <span data-testid="demo-code">{c.code.clone()}</span> " "
                                    <button type="button" class="button button-secondary" on:click=move |_| { serial.set(s.clone()); code.set(k.clone()); }>
                                        {tr(i18n, w::devices::use_demo)}
                                    </button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </div>
            })}
        </form>
    }
}

/// One device: status, details, rename, privacy mode, remove.
#[component]
fn DeviceItem(device: Device, on_change: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let abort = api::use_abort_signal();
    let d = RwSignal::new(device);
    let id = d.get_untracked().id;
    let name = RwSignal::new(d.get_untracked().name);
    let form = FormState::new(&["name"]);
    let confirm = RwSignal::new(false);
    let sharing = RwSignal::new(false);
    let heading = format!("device-{id}");
    let send = {
        let (abort, id) = (abort.clone(), id.clone());
        move |body: DeviceUpdate| {
            let (abort, id) = (abort.clone(), id.clone());
            form.submit(async move { api::update_device(&id, &body, &abort).await }, move |updated| {
                name.set(updated.name.clone());
                d.set(updated);
            });
        }
    };
    let remove = {
        let id = id.clone();
        move |_| {
            if !confirm.get_untracked() {
                confirm.set(true);
                return;
            }
            let (abort, id) = (abort.clone(), id.clone());
            spawn_local(async move {
                match api::remove_device(&id, &abort).await {
                    Ok(()) => on_change.run(()),
                    Err(e) => form.fail(e),
                }
            });
        }
    };
    let (h1, h2) = (heading.clone(), heading.clone());
    view! {
        <li class="card device" aria-labelledby=h1>
            <h3 id=h2>
                {move || d.get().name}
                " "
                <span class="badge" class:badge-on=move || d.get().online class:badge-off=move || !d.get().online data-testid="device-status">
                    {move || if d.get().online { tr(i18n, w::devices::online).into_any() } else { tr(i18n, w::devices::offline).into_any() }}
                </span>
            </h3>
            {move || {
                let v = d.get();
                view! {
                    <dl class="facts">
                        <div><dt>{tr(i18n, w::devices::serial)}</dt><dd>{v.serial.clone()}</dd></div>
                        <div><dt>{tr(i18n, w::devices::model)}</dt><dd>{v.model.clone()}</dd></div>
                        <div><dt>{tr(i18n, w::devices::firmware)}</dt><dd>{v.firmware.clone()}</dd></div>
                        <div><dt>{tr(i18n, w::devices::address)}</dt><dd>{v.address.clone()}</dd></div>
                        <div><dt>{tr(i18n, w::devices::time_zone)}</dt><dd>{v.time_zone.clone()}</dd></div>
                        <div><dt>{tr(i18n, w::devices::added_at)}</dt><dd>{local_time(i18n, &v.added_at)}</dd></div>
                    </dl>
                }
            }}
            // What the camera is for first: watching it, its alarms; then its settings.
            <div class="device-actions device-use">
                // The visible words lead the accessible name (WCAG 2.5.3), which adds the
                // camera's: a list of cameras has one "Watch live" each.
                <A href=Page::Live.with_query(&format!("ids={id}")) attr:class="button"
                    attr:aria-label=move || tr_with(i18n, w::live::watch_named, vec![d.get().name])()>
                    {tr(i18n, w::live::watch)}
                </A>
                <A href=Page::Events.with_query(&format!("device={id}"))>{tr(i18n, w::devices::alarms)}</A>
            </div>
            <div class="device-actions">
                <Settings base=heading.clone() form=form name=name
                    privacy=Signal::derive(move || d.get().privacy_mode) send=Callback::new(send) />
                <button type="button" class="button button-secondary" aria-expanded=move || sharing.get().to_string()
                    on:click=move |_| sharing.update(|s| *s = !*s)>
                    {tr(i18n, w::sharing::open)}
                </button>
                <button type="button" class="button button-danger" on:click=remove>
                    {move || if confirm.get() { tr(i18n, w::devices::remove_confirm).into_any() } else { tr(i18n, w::devices::remove).into_any() }}
                </button>
            </div>
            <FormError form=form />
            {move || sharing.get().then(|| view! { <SharePanel device_id=id.clone() /> })}
        </li>
    }
}

/// A camera's name and privacy mode, as its owner or its installer changes them (`send`
/// carries the change); ids are made from `base`.
#[component]
pub(super) fn Settings(
    base: String,
    form: FormState,
    name: RwSignal<String>,
    privacy: Signal<bool>,
    send: Callback<DeviceUpdate>,
) -> impl IntoView {
    let i18n = use_i18n();
    let rename = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        send.run(DeviceUpdate { name: Some(name.get_untracked()), privacy_mode: None });
    };
    let (name_id, privacy_id) = (format!("{base}-name"), format!("{base}-privacy"));
    let (name_for, privacy_for) = (name_id.clone(), privacy_id.clone());
    view! {
        <form class="inline-form" novalidate on:submit=rename>
            <label for=name_for>{tr(i18n, w::devices::name)}</label>
            <input id=name_id name="name" maxlength="60" bind:value=name aria-invalid=move || form.has_error("name").to_string() />
            <button type="submit" class="button button-secondary">{tr(i18n, w::devices::rename)}</button>
        </form>
        <label class="switch" for=privacy_for>
            <input id=privacy_id type="checkbox" prop:checked=move || privacy.get()
                on:change=move |ev| send.run(DeviceUpdate { name: None, privacy_mode: Some(event_target_checked(&ev)) }) />
            {tr(i18n, w::devices::privacy)}
        </label>
    }
}
