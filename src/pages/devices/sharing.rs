//! Sharing cameras, on the devices page: the owner's panel under each device (share with an
//! email, choose what they may do and until when, see their uses, revoke), and the cameras
//! shared with the person (accept, decline, watch, give up).

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use ward_model::{
    DeviceShare, DeviceStatus, DeviceUpdate, ReceivedShare, ShareDevice, ShareEdit, SharePermission,
    ShareStatus,
};

use crate::api;
use crate::components::{ErrorPanel, Field, FieldErrorText, FormError, SubmitButton};
use crate::forms::FormState;
use crate::i18n::{Locale, use_i18n, w};
use crate::labels::{local_time, tr, tr_with};
use crate::load::load;
use crate::routes::Page;

use super::list::Settings;

fn permission_label(p: SharePermission) -> fn(Locale) -> &'static str {
    match p {
        SharePermission::LiveView => w::sharing::live_view,
        SharePermission::Alarms => w::sharing::alarms,
        SharePermission::Configure => w::sharing::configure,
    }
}

fn status_label(status: ShareStatus, expired: bool) -> fn(Locale) -> &'static str {
    match (status, expired) {
        (_, true) => w::sharing::expired,
        (ShareStatus::Pending, _) => w::sharing::pending,
        (ShareStatus::Accepted, _) => w::sharing::accepted,
        (ShareStatus::Declined, _) => w::sharing::declined,
    }
}

/// "Live view, Alarm pictures", in the reader's language.
fn permissions_text(i18n: crate::i18n::I18n, ps: &[SharePermission]) -> impl Fn() -> String + use<> {
    let ps = ps.to_vec();
    move || ps.iter().map(|p| tr(i18n, permission_label(*p))()).collect::<Vec<_>>().join(", ")
}

/// What a share allows and until when: "Watch live, See alarm pictures · until …".
fn terms(i18n: crate::i18n::I18n, ps: &[SharePermission], until: Option<&str>) -> impl IntoView + use<> {
    let until = until.map(|t| tr_with(i18n, w::sharing::until_time, vec![local_time(i18n, t)]));
    (permissions_text(i18n, ps), until.map(|u| view! { " · " {u} }))
}

/// What the terms fields hold, as the API wants it: the permissions ticked, and the end
/// (`datetime-local` is the reader's local time; the API wants RFC 3339).
fn chosen_terms(
    ticked: [(bool, SharePermission); 3],
    until: String,
) -> (Vec<SharePermission>, Option<String>) {
    let permissions = ticked.into_iter().filter(|(on, _)| *on).map(|(_, p)| p).collect();
    let expires_at = Some(until).filter(|v| !v.is_empty()).map(|v| {
        let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(&v));
        if d.get_time().is_nan() { v } else { String::from(d.to_iso_string()) }
    });
    (permissions, expires_at)
}

/// An RFC 3339 time as a `datetime-local` value in the reader's time zone.
fn local_input(rfc3339: &str) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(rfc3339));
    if d.get_time().is_nan() {
        return String::new();
    }
    let local = d.get_time() - d.get_timezone_offset() * 60_000.0;
    let iso = String::from(js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(local)).to_iso_string());
    iso.chars().take(16).collect()
}

/// What they may do and until when: the fields of a new share and of a change to one.
#[component]
fn TermsFields(
    form: FormState,
    base: String,
    live: RwSignal<bool>,
    alarms: RwSignal<bool>,
    configure: RwSignal<bool>,
    until: RwSignal<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let perms_error = format!("{base}-permissions-error");
    let perms_described = perms_error.clone();
    view! {
        <fieldset class="field" class:field-invalid=move || form.has_error("permissions") aria-describedby=perms_described>
            <legend>{tr(i18n, w::sharing::may)}</legend>
            <label class="check"><input type="checkbox" name="live_view" bind:checked=live />{tr(i18n, w::sharing::live_view)}</label>
            <label class="check"><input type="checkbox" name="alarms" bind:checked=alarms />{tr(i18n, w::sharing::alarms)}</label>
            <label class="check"><input type="checkbox" name="configure" bind:checked=configure />{tr(i18n, w::sharing::configure)}</label>
            <p class="field-hint">{tr(i18n, w::sharing::configure_hint)}</p>
            <FieldErrorText form=form name="permissions" id=perms_error />
        </fieldset>
        <Field form=form name="expires_at" id=format!("{base}-until") value=until kind="datetime-local"
            label=tr(i18n, w::sharing::until)
            hint=tr(i18n, w::sharing::until_hint) />
    }
}

/// The owner's sharing panel of one device.
#[component]
pub fn SharePanel(device_id: String) -> impl IntoView {
    let i18n = use_i18n();
    let abort = api::use_abort_signal();
    let id = StoredValue::new(device_id.clone());
    let (shares, reload) = load(move |abort| api::device_shares(id.get_value(), abort));
    let email = RwSignal::new(String::new());
    let live = RwSignal::new(false);
    let alarms = RwSignal::new(false);
    let configure = RwSignal::new(false);
    let until = RwSignal::new(String::new());
    let form = FormState::new(&["email", "permissions", "expires_at"]);
    let base = format!("share-{device_id}");
    let submit = {
        let abort = abort.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let (permissions, expires_at) = chosen_terms(
                [
                    (live.get_untracked(), SharePermission::LiveView),
                    (alarms.get_untracked(), SharePermission::Alarms),
                    (configure.get_untracked(), SharePermission::Configure),
                ],
                until.get_untracked(),
            );
            let body = ShareDevice { email: email.get_untracked(), permissions, expires_at };
            let abort = abort.clone();
            form.submit(async move { api::share_device(&id.get_value(), &body, &abort).await }, move |_| {
                email.set(String::new());
                reload.run(());
            });
        }
    };
    view! {
        <div class="share-panel">
            <form class="form" novalidate on:submit=submit>
                <h4>{tr(i18n, w::sharing::heading)}</h4>
                <p class="muted">{tr(i18n, w::sharing::lead)}</p>
                <Field form=form name="email" id=format!("{base}-email") value=email kind="email" required=true
                    maxlength=254u32 label=tr(i18n, w::sharing::email) />
                <TermsFields form=form base=base live=live alarms=alarms configure=configure until=until />
                <FormError form=form />
                <div class="form-actions">
                    <SubmitButton form=form label=tr(i18n, w::sharing::share) />
                </div>
            </form>
            {move || match shares.get() {
                None => view! { <p class="muted" role="status">{tr(i18n, w::sharing::loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <ErrorPanel error=e on_retry=reload /> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="muted">{tr(i18n, w::sharing::none)}</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <ul class="share-list" aria-label=tr(i18n, w::sharing::list)>
                        {list.into_iter().map(|s| view! { <ShareItem share=s on_change=reload /> }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </div>
    }
}

/// What an installer may do with a camera shared with them to set it up: rename it, switch
/// privacy mode (each change is in the owner's log).
#[component]
fn SetUp(device_id: String, name: String, privacy: bool, on_change: Callback<()>) -> impl IntoView {
    let abort = api::use_abort_signal();
    let name = RwSignal::new(name);
    let form = FormState::new(&["name"]);
    let id = StoredValue::new(device_id);
    let send = Callback::new(move |body: DeviceUpdate| {
        let abort = abort.clone();
        form.submit(async move { api::update_device(&id.get_value(), &body, &abort).await }, move |_| {
            on_change.run(())
        });
    });
    view! {
        <div class="device-actions">
            <Settings base=format!("setup-{}", id.get_value()) form=form name=name privacy=Signal::stored(privacy) send=send />
        </div>
        <FormError form=form />
    }
}

/// One share, as the owner sees it; "Change" opens its terms for editing in place.
#[component]
fn ShareItem(share: DeviceShare, on_change: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let abort = api::use_abort_signal();
    let error = RwSignal::new(None);
    let editing = RwSignal::new(false);
    let (device, id) = (share.device_id.clone(), share.id.clone());
    let revoke = {
        let (abort, device, id) = (abort.clone(), device.clone(), id.clone());
        move |_| {
            let (abort, device, id) = (abort.clone(), device.clone(), id.clone());
            spawn_local(async move {
                match api::revoke_share(&device, &id, &abort).await {
                    Ok(()) => on_change.run(()),
                    Err(e) => error.set(Some(e)),
                }
            });
        }
    };
    let uses = share.accesses.len();
    let last = share.accesses.first().map(|a| local_time(i18n, &a.at));
    // Until they answer, the owner sees the address they typed and when it lapses: the same
    // whether or not the address has an account.
    let who =
        if share.invitee_name.is_empty() { share.invitee_email.clone() } else { share.invitee_name.clone() };
    let email = (!share.invitee_name.is_empty())
        .then(|| view! { " " <span class="muted">{share.invitee_email.clone()}</span> });
    let waiting =
        share.answer_by.as_deref().map(|t| tr_with(i18n, w::sharing::answer_by, vec![local_time(i18n, t)]));
    let edit_label = tr_with(i18n, w::sharing::change_for, vec![who.clone()]);
    let edit = share.clone();
    view! {
        <li class="share">
            <p>
                <strong>{who}</strong> {email} " "
                <span class="badge" data-testid="share-status">{tr(i18n, status_label(share.status, share.expired))}</span>
            </p>
            <p class="muted">
                {terms(i18n, &share.permissions, share.expires_at.as_deref())}
                " · "
                {match (waiting, last) {
                    (Some(w), _) => w.into_any(),
                    (None, Some(at)) => tr_with(i18n, w::sharing::uses, vec![uses.to_string(), at]).into_any(),
                    (None, None) => tr(i18n, w::sharing::no_uses).into_any(),
                }}
            </p>
            {move || if editing.get() {
                view! { <EditShare share=edit.clone() editing=editing on_change=on_change /> }.into_any()
            } else {
                view! {
                    <div class="form-actions">
                        <button type="button" class="button button-secondary" aria-label=edit_label.clone()
                            on:click=move |_| editing.set(true)>{tr(i18n, w::sharing::change)}</button>
                        <button type="button" class="button button-secondary" on:click=revoke.clone()>
                            {tr(i18n, w::sharing::revoke)}
                        </button>
                    </div>
                }.into_any()
            }}
            {move || error.get().map(|e| view! { <ErrorPanel error=e /> })}
        </li>
    }
}

/// A share's terms changed in place (`PATCH`): what they may do, and until when.
#[component]
fn EditShare(share: DeviceShare, editing: RwSignal<bool>, on_change: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let abort = api::use_abort_signal();
    let live = RwSignal::new(share.permissions.contains(&SharePermission::LiveView));
    let alarms = RwSignal::new(share.permissions.contains(&SharePermission::Alarms));
    let configure = RwSignal::new(share.permissions.contains(&SharePermission::Configure));
    let until = RwSignal::new(share.expires_at.as_deref().map(local_input).unwrap_or_default());
    let form = FormState::new(&["permissions", "expires_at"]);
    let (device, id) = (StoredValue::new(share.device_id.clone()), StoredValue::new(share.id.clone()));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (permissions, expires_at) = chosen_terms(
            [
                (live.get_untracked(), SharePermission::LiveView),
                (alarms.get_untracked(), SharePermission::Alarms),
                (configure.get_untracked(), SharePermission::Configure),
            ],
            until.get_untracked(),
        );
        let body = ShareEdit { permissions, expires_at };
        let abort = abort.clone();
        form.submit(
            async move { api::edit_share(&device.get_value(), &id.get_value(), &body, &abort).await },
            move |_| {
                editing.set(false);
                on_change.run(());
            },
        );
    };
    view! {
        <form class="form share-edit" novalidate on:submit=submit>
            <TermsFields form=form base=format!("share-edit-{}", share.id) live=live alarms=alarms configure=configure until=until />
            <FormError form=form />
            <div class="form-actions">
                <SubmitButton form=form label=tr(i18n, w::sharing::save) />
                <button type="button" class="button button-secondary" on:click=move |_| editing.set(false)>
                    {tr(i18n, w::sharing::cancel)}
                </button>
            </div>
        </form>
    }
}

/// Cameras other people shared with the signed-in person; nothing when there are none.
#[component]
pub fn SharedWithYou(
    /// The last status change pushed to the page (`GET /api/devices/status`).
    changed: RwSignal<Option<DeviceStatus>>,
    /// Opens the status stream again (after an answer: the cameras it covers changed).
    reconnect: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let (list, load_again) = load(api::received_shares);
    Effect::new(move |_| {
        if let Some(s) = changed.get() {
            list.update(|l| {
                if let Some(Ok(shares)) = l {
                    for share in shares.iter_mut().filter(|x| x.device_id == s.id) {
                        share.online = s.online;
                    }
                }
            });
        }
    });
    let reload = Callback::new(move |_| {
        load_again.run(());
        reconnect.run(());
    });
    move || {
        match list.get() {
        Some(Ok(shares)) if !shares.is_empty() => Some(view! {
            <section class="card" aria-labelledby="shared-heading">
                <h2 id="shared-heading">{tr(i18n, w::sharing::with_you)}</h2>
                <ul class="share-list">
                    {shares.into_iter().map(|s| view! { <ReceivedItem share=s on_change=reload /> }).collect_view()}
                </ul>
            </section>
        }.into_any()),
        Some(Err(e)) => Some(view! { <ErrorPanel error=e on_retry=reload /> }.into_any()),
        _ => None,
    }
    }
}

#[component]
fn ReceivedItem(share: ReceivedShare, on_change: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let abort = api::use_abort_signal();
    let error = RwSignal::new(None);
    let id = StoredValue::new(share.id.clone());
    let answer = {
        let abort = abort.clone();
        move |accept: bool| {
            let abort = abort.clone();
            spawn_local(async move {
                match api::answer_share(&id.get_value(), accept, &abort).await {
                    Ok(_) => on_change.run(()),
                    Err(e) => error.set(Some(e)),
                }
            });
        }
    };
    let leave = move |_| {
        let abort = abort.clone();
        spawn_local(async move {
            match api::leave_share(&id.get_value(), &abort).await {
                Ok(()) => on_change.run(()),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let in_force = share.status == ShareStatus::Accepted && !share.expired;
    let (accept, decline) = (answer.clone(), answer);
    let device = share.device_id.clone();
    view! {
        <li class="share">
            <p>
                <strong>{share.device_name.clone()}</strong> " "
                <span class="muted">{tr_with(i18n, w::sharing::from, vec![share.owner_name.clone()])}</span> " "
                <span class="badge" data-testid="share-status">{tr(i18n, status_label(share.status, share.expired))}</span>
                {in_force.then(|| view! {
                    " "
                    <span class="badge" class:badge-on=share.online class:badge-off=!share.online>
                        {if share.online { tr(i18n, w::devices::online).into_any() } else { tr(i18n, w::devices::offline).into_any() }}
                    </span>
                })}
            </p>
            <p class="muted">
                {terms(i18n, &share.permissions, share.expires_at.as_deref())}
            </p>
            <div class="device-actions">
                {(share.status != ShareStatus::Accepted && !share.expired).then(|| view! {
                    <button type="button" class="button" on:click=move |_| accept(true)>{tr(i18n, w::sharing::accept)}</button>
                })}
                {(share.status == ShareStatus::Pending).then(|| view! {
                    <button type="button" class="button button-secondary" on:click=move |_| decline(false)>{tr(i18n, w::sharing::decline)}</button>
                })}
                {(in_force && share.permissions.contains(&SharePermission::LiveView)).then(|| view! {
                    <A href=Page::Live.with_query(&format!("ids={device}")) attr:class="button" attr:aria-label=tr_with(i18n, w::live::watch_named, vec![share.device_name.clone()])>
                        {tr(i18n, w::live::watch)}
                    </A>
                })}
                {(in_force && share.permissions.contains(&SharePermission::Alarms)).then(|| view! {
                    <A href=Page::Events.with_query(&format!("device={}", share.device_id))>{tr(i18n, w::devices::alarms)}</A>
                })}
                {(share.status != ShareStatus::Pending).then(|| view! {
                    <button type="button" class="button button-secondary" on:click=leave>{tr(i18n, w::sharing::leave)}</button>
                })}
            </div>
            {(in_force && share.permissions.contains(&SharePermission::Configure)).then(|| view! {
                <SetUp device_id=share.device_id.clone() name=share.device_name.clone() privacy=share.privacy_mode on_change=on_change />
            })}
            {move || error.get().map(|e| view! { <ErrorPanel error=e /> })}
        </li>
    }
}
