//! The live view: up to four cameras at once (`/live?ids=a,b`), each a WebRTC player.
//!
//! The browser makes the offer, the server relays it to the camera (WHEP-shaped, through
//! `api::live_start`), and the video flows from the camera straight to this page. Leaving the
//! page closes every peer connection and ends every session, so no camera streams to nobody.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use send_wrapper::SendWrapper;
use wasm_bindgen::JsCast as _;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    HtmlVideoElement, RtcConfiguration, RtcPeerConnection, RtcPeerConnectionState,
    RtcRtpTransceiverDirection, RtcRtpTransceiverInit, RtcSdpType, RtcSessionDescriptionInit, RtcTrackEvent,
};

use ward_model::{SharePermission, ShareStatus};

use crate::api::{self, ClientError};
use crate::components::ErrorPanel;
use crate::i18n::{Locale, use_i18n, w};
use crate::labels::{tr, tr_with};
use crate::load::load;
use crate::routes::Page;
use crate::session::RequireSession;

/// At most this many players on one page (each is a camera encoding for this viewer).
const MAX_PLAYERS: usize = 4;
/// Reconnection attempts after a connection fails, before giving up.
const MAX_RETRIES: u32 = 3;

#[derive(Debug, Clone, PartialEq)]
enum PlayState {
    Connecting,
    Playing,
    Reconnecting,
    /// The camera cannot stream (privacy mode, offline, not the person's): why, no retry.
    Unavailable(String),
    Failed,
}

#[component]
pub fn LivePage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    // A memo: the players restart only when the chosen cameras change, not on any query edit.
    let ids = Memo::new(move |_| {
        query.with(|q| {
            let mut ids = Vec::<String>::new();
            for id in q.get("ids").unwrap_or_default().split(',').map(str::trim) {
                if !id.is_empty() && !ids.iter().any(|i| i == id) && ids.len() < MAX_PLAYERS {
                    ids.push(id.to_string());
                }
            }
            ids
        })
    });
    view! {
        <Title text=tr(i18n, w::live::title) />
        <h1>{tr(i18n, w::live::heading)}</h1>
        <p class="muted">{tr(i18n, w::live::lead)}</p>
        <RequireSession>
            {move || {
                let ids = ids.get();
                let grid = if ids.len() == 1 { "live-grid live-grid-one" } else { "live-grid" };
                view! {
                    // Open while nothing plays: choosing is then the only thing to do here.
                    <CameraPicker chosen=ids.clone() open=ids.is_empty() />
                    {(!ids.is_empty()).then(|| view! {
                        <div class=grid>
                            {ids.into_iter().map(|id| view! { <Player device_id=id /> }).collect_view()}
                        </div>
                    })}
                }
            }}
        </RequireSession>
    }
}

/// A camera the person may watch: their own, or one shared with them with its live view.
#[derive(Debug, Clone, PartialEq)]
struct Watchable {
    id: String,
    name: String,
    /// The owner's name when it is shared with the person.
    from: Option<String>,
    online: bool,
    privacy_mode: bool,
}

/// The person's cameras and those shared with them (live view granted, accepted, in force):
/// tick up to four and "Watch" puts them in the address (`/live?ids=…`), so the choice can
/// be bookmarked. Past one page of their own cameras, a search finds the others.
#[component]
fn CameraPicker(chosen: Vec<String>, open: bool) -> impl IntoView {
    let i18n = use_i18n();
    let navigate = use_navigate();
    let chosen = RwSignal::new(chosen);
    let q = RwSignal::new(String::new());
    let (own, reload) = load(move |abort| api::devices(1, q.get_untracked(), String::new(), abort));
    let (shared, _) = load(api::received_shares);
    let missing = RwSignal::new(false);
    let full = move || chosen.with(Vec::len) >= MAX_PLAYERS;
    let cameras = move || {
        let mut list: Vec<Watchable> = Vec::new();
        if let Some(Ok(p)) = own.get() {
            list.extend(p.devices.into_iter().map(|d| Watchable {
                id: d.id,
                name: d.name,
                from: None,
                online: d.online,
                privacy_mode: d.privacy_mode,
            }));
        }
        if let Some(Ok(shares)) = shared.get() {
            list.extend(
                shares
                    .into_iter()
                    .filter(|s| {
                        s.status == ShareStatus::Accepted
                            && !s.expired
                            && s.permissions.contains(&SharePermission::LiveView)
                    })
                    .map(|s| Watchable {
                        id: s.device_id,
                        name: s.device_name,
                        from: Some(s.owner_name),
                        online: s.online,
                        privacy_mode: s.privacy_mode,
                    }),
            );
        }
        list
    };
    let watch = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let ids = chosen.get_untracked();
        missing.set(ids.is_empty());
        if !ids.is_empty() {
            let ids: Vec<String> =
                ids.iter().map(|id| String::from(js_sys::encode_uri_component(id))).collect();
            navigate(&Page::Live.with_query(&format!("ids={}", ids.join(","))), Default::default());
        }
    };
    let searched = RwSignal::new(false);
    let search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        searched.set(true);
        reload.run(());
    };
    // The search stays once shown (a memo, so the field, and its focus, outlive each answer).
    let paged = Memo::new(move |_| {
        searched.get() || own.with(|o| matches!(o, Some(Ok(p)) if p.total > u64::from(p.per_page)))
    });
    let shown = move || {
        own.with(|o| match o {
            Some(Ok(p)) => vec![p.devices.len().to_string(), p.total.to_string()],
            _ => vec![String::new(), String::new()],
        })
    };
    let note = move || {
        if full() {
            tr(i18n, w::live::pick_full)().to_string()
        } else {
            tr_with(i18n, w::live::pick_count, vec![chosen.with(Vec::len).to_string()])()
        }
    };
    view! {
        <details class="card live-picker" open=open>
            <summary>{tr(i18n, w::live::pick_summary)}</summary>
            {move || paged.get().then(|| view! {
                <form class="filters live-pick-search" role="search" on:submit=search>
                    <p class="muted">{move || tr_with(i18n, w::live::pick_more, shown())()}</p>
                    <label>{tr(i18n, w::live::pick_search)}
                        <input type="search" name="q" bind:value=q />
                    </label>
                    <button type="submit" class="button button-secondary">{tr(i18n, w::devices::search_button)}</button>
                </form>
            })}
            {move || match (own.get(), shared.get()) {
                (Some(Err(e)), _) | (_, Some(Err(e))) => view! { <ErrorPanel error=e on_retry=reload /> }.into_any(),
                (None, _) | (_, None) => view! { <p class="muted" role="status">{tr(i18n, w::live::pick_loading)}</p> }.into_any(),
                (Some(Ok(_)), Some(Ok(_))) => {
                    let list = cameras();
                    // Chosen in the address but in neither list (another page of a big
                    // account, or gone): still shown, so what is ticked is what is counted.
                    let others: Vec<String> = chosen.with_untracked(|c| {
                        c.iter().filter(|id| !list.iter().any(|w| &&w.id == id)).cloned().collect()
                    });
                    if list.is_empty() && others.is_empty() && !paged.get_untracked() {
                        return view! {
                            <p>
                                {tr(i18n, w::live::pick_empty)} " "
                                <A href={Page::Devices.path()}>{tr(i18n, w::live::to_devices)}</A>
                            </p>
                        }.into_any();
                    }
                    view! {
                        <form class="form" novalidate on:submit=watch.clone()>
                            <fieldset class="live-pick" aria-describedby="live-pick-note">
                                <legend>{tr(i18n, w::live::pick_legend)}</legend>
                                <ul class="live-pick-list">
                                    {others.into_iter().map(|id| {
                                        let name = tr_with(i18n, w::live::pick_other, vec![id.chars().take(8).collect()])();
                                        view! { <PickItem camera=Watchable { id, name, from: None, online: true, privacy_mode: false } chosen=chosen /> }
                                    }).collect_view()}
                                    {list.into_iter().map(|camera| view! { <PickItem camera=camera chosen=chosen /> }).collect_view()}
                                </ul>
                                <p id="live-pick-note" class="muted" aria-live="polite">{note}</p>
                            </fieldset>
                            // Gone as soon as one is ticked.
                            {move || (missing.get() && chosen.with(Vec::is_empty)).then(|| view! {
                                <p class="field-error" role="alert">{tr(i18n, w::live::pick_none_chosen)}</p>
                            })}
                            <div class="form-actions">
                                <button type="submit" class="button">{tr(i18n, w::live::pick_watch)}</button>
                            </div>
                        </form>
                    }.into_any()
                }
            }}
        </details>
    }
}

/// One camera's checkbox; a fifth is disabled, the note under the list says why.
#[component]
fn PickItem(camera: Watchable, chosen: RwSignal<Vec<String>>) -> impl IntoView {
    let i18n = use_i18n();
    let id = StoredValue::new(camera.id.clone());
    let checked = move || chosen.with(|c| c.contains(&id.get_value()));
    let blocked = move || !checked() && chosen.with(Vec::len) >= MAX_PLAYERS;
    let toggle = move |ev: leptos::ev::Event| {
        let on = event_target_checked(&ev);
        chosen.update(|c| {
            let id = id.get_value();
            c.retain(|i| *i != id);
            if on && c.len() < MAX_PLAYERS {
                c.push(id);
            }
        });
    };
    view! {
        <li>
            <label class="check" class:check-disabled=blocked>
                <input type="checkbox" name="ids" value=camera.id.clone() prop:checked=checked disabled=blocked
                    aria-describedby=move || blocked().then_some("live-pick-note") on:change=toggle />
                <span>
                    {camera.name.clone()}
                    {camera.from.clone().map(|owner| view! {
                        " " <span class="muted">{tr_with(i18n, w::sharing::from, vec![owner])}</span>
                    })}
                    {(!camera.online).then(|| view! {
                        " " <span class="badge badge-off">{tr(i18n, w::devices::offline)}</span>
                    })}
                    {camera.privacy_mode.then(|| view! {
                        " " <span class="badge badge-off">{tr(i18n, w::live::pick_privacy)}</span>
                    })}
                </span>
            </label>
        </li>
    }
}

/// One peer connection and its live session; closing it ends both.
struct Connection {
    pc: RtcPeerConnection,
    location: Option<String>,
    _on_track: Closure<dyn FnMut(RtcTrackEvent)>,
    _on_state: Closure<dyn FnMut(JsValue)>,
}

impl Connection {
    fn close(self) {
        self.pc.close();
        if let Some(location) = self.location {
            spawn_local(async move {
                let _ = api::live_end(&location).await;
            });
        }
    }
}

type Slot = StoredValue<Option<SendWrapper<Connection>>, LocalStorage>;

#[component]
fn Player(device_id: String) -> impl IntoView {
    let i18n = use_i18n();
    let video: NodeRef<leptos::html::Video> = NodeRef::new();
    let frame: NodeRef<leptos::html::Div> = NodeRef::new();
    let state = RwSignal::new(PlayState::Connecting);
    let muted = RwSignal::new(true);
    let show_stats = RwSignal::new(false);
    let stats = RwSignal::new(String::new());
    let retries = StoredValue::new(0u32);
    let slot: Slot = StoredValue::new_local(None);
    let device = StoredValue::new(device_id.clone());
    // The camera's name, once the device is read: with several players, which is which.
    let name = RwSignal::new(None::<String>);

    // Starts (or restarts) the session once the <video> exists.
    let start = move || {
        let Some(el) = video.get_untracked() else { return };
        let el: HtmlVideoElement = el;
        if let Some(old) = slot.try_update_value(Option::take).flatten() {
            old.take().close();
        }
        let unavailable = move |text: fn(Locale) -> &'static str| {
            state.set(PlayState::Unavailable(tr(i18n, text)().to_string()))
        };
        spawn_local(async move {
            let id = device.get_value();
            // Privacy mode or offline: say so, and do not even make a peer connection.
            if let Ok(never) = web_sys::AbortController::new().map(|c| c.signal())
                && let Ok(d) = api::device(&id, &never).await
            {
                name.set(Some(d.name));
                if d.privacy_mode {
                    return unavailable(w::live::privacy_on);
                }
                if !d.online {
                    return unavailable(w::live::offline);
                }
            }
            match connect(&id, el, state, retry_on_failure(state, retries)).await {
                Ok(conn) => slot.set_value(Some(SendWrapper::new(conn))),
                // It changed between the two requests: the server refused for the same reasons.
                Err(ClientError::Api { status: 409, .. }) => unavailable(w::live::cannot_stream),
                Err(ClientError::Api { status: 403, .. }) => unavailable(w::live::not_granted),
                Err(ClientError::Api { status: 404, .. }) => unavailable(w::live::not_yours),
                Err(ClientError::Api { status: 429, .. }) => unavailable(w::live::too_many),
                Err(_) => state.set(PlayState::Failed),
            }
        });
    };
    Effect::new(move |_| {
        if video.get().is_some() {
            start();
        }
    });
    // A failed connection is retried (a new offer, a new session) a few times.
    Effect::new(move |_| {
        if state.get() == PlayState::Reconnecting {
            set_timeout(start, std::time::Duration::from_millis(1000));
        }
    });
    on_cleanup(move || {
        if let Some(old) = slot.try_update_value(Option::take).flatten() {
            old.take().close();
        }
    });
    // Leaving the app altogether runs no cleanup: end the session as the page goes.
    let unload = window_event_listener(leptos::ev::pagehide, move |_| {
        slot.with_value(|c| {
            if let Some(location) = c.as_ref().and_then(|c| c.location.as_deref()) {
                api::live_end_on_unload(location);
            }
        });
    });
    on_cleanup(move || unload.remove());
    // The stats overlay, read once a second while shown.
    let last_bytes = StoredValue::new(0f64);
    let handle = set_interval_with_handle(
        move || {
            if !show_stats.get_untracked() {
                return;
            }
            slot.with_value(|c| {
                if let Some(c) = c {
                    let pc = c.pc.clone();
                    spawn_local(async move {
                        if let Some(text) = read_stats(&pc, last_bytes).await {
                            stats.set(text);
                        }
                    });
                }
            });
        },
        std::time::Duration::from_secs(1),
    )
    .ok();
    on_cleanup(move || {
        if let Some(h) = handle {
            h.clear();
        }
    });

    let fullscreen = move |_| {
        if let Some(f) = frame.get_untracked() {
            let _ = f.request_fullscreen();
        }
    };
    let snapshot = move |_| {
        if let Some(v) = video.get_untracked() {
            save_snapshot(&v, &device.get_value());
        }
    };
    let status_text = move || match state.get() {
        PlayState::Connecting => tr(i18n, w::live::connecting)().to_string(),
        PlayState::Playing => tr(i18n, w::live::playing)().to_string(),
        PlayState::Reconnecting => tr(i18n, w::live::reconnecting)().to_string(),
        PlayState::Failed => tr(i18n, w::live::failed)().to_string(),
        PlayState::Unavailable(why) => why,
    };
    let playing = move || state.get() == PlayState::Playing;
    view! {
        // Named by the camera, or by its id until then (or when it is not the person's):
        // several players must not share one name.
        <section class="card live-player" aria-label=move || {
            let n = name.get().unwrap_or_else(|| device.get_value().chars().take(8).collect());
            tr_with(i18n, w::live::player_named, vec![n])()
        }>
            {move || name.get().map(|n| view! { <h2 class="live-name">{n}</h2> })}
            <div class="live-frame" node_ref=frame>
                <video node_ref=video autoplay=true playsinline=true prop:muted=move || muted.get()
                    on:playing=move |_| { retries.set_value(0); state.set(PlayState::Playing) }
                    aria-label=tr(i18n, w::live::video_label)></video>
                {move || (!playing()).then(|| view! {
                    <p class=move || match state.get() {
                        PlayState::Failed | PlayState::Unavailable(_) => "live-status live-status-problem",
                        _ => "live-status",
                    } role="status">{status_text}</p>
                })}
                {move || (show_stats.get() && playing()).then(|| view! { <pre class="live-stats">{move || stats.get()}</pre> })}
            </div>
            <div class="live-controls">
                <span class="live-state" aria-live="polite">{move || playing().then(|| tr(i18n, w::live::playing)())}</span>
                <button type="button" class="button button-secondary" aria-pressed=move || (!muted.get()).to_string()
                    disabled=move || !playing() on:click=move |_| muted.update(|m| *m = !*m)>
                    {move || if muted.get() { tr(i18n, w::live::unmute)() } else { tr(i18n, w::live::mute)() }}
                </button>
                <button type="button" class="button button-secondary" disabled=move || !playing() on:click=fullscreen>
                    {tr(i18n, w::live::fullscreen)}
                </button>
                <button type="button" class="button button-secondary" disabled=move || !playing() on:click=snapshot>
                    {tr(i18n, w::live::snapshot)}
                </button>
                <button type="button" class="button button-secondary" aria-pressed=move || show_stats.get().to_string()
                    disabled=move || !playing() on:click=move |_| show_stats.update(|s| *s = !*s)>
                    {tr(i18n, w::live::stats)}
                </button>
                {move || matches!(state.get(), PlayState::Failed).then(|| view! {
                    <button type="button" class="button" on:click=move |_| { retries.set_value(0); state.set(PlayState::Connecting); start() }>
                        {tr(i18n, w::live::retry)}
                    </button>
                })}
            </div>
        </section>
    }
}

/// What to do when a connection fails: reconnect, up to `MAX_RETRIES` times.
fn retry_on_failure(state: RwSignal<PlayState>, retries: StoredValue<u32>) -> impl Fn() + 'static {
    move || {
        let n = retries.get_value();
        if n < MAX_RETRIES {
            retries.set_value(n + 1);
            state.set(PlayState::Reconnecting);
        } else {
            state.set(PlayState::Failed);
        }
    }
}

fn js_error(e: JsValue) -> ClientError {
    ClientError::Network(e.as_string().unwrap_or_else(|| format!("{e:?}")))
}

/// Makes the peer connection, the offer (ICE gathered: WHEP sends one offer), and the
/// session; the video element gets the camera's track.
async fn connect(
    device_id: &str,
    video: HtmlVideoElement,
    state: RwSignal<PlayState>,
    on_failure: impl Fn() + 'static,
) -> Result<Connection, ClientError> {
    let never = web_sys::AbortController::new().map_err(js_error)?.signal();
    let ice = api::live_ice_servers(&never).await?;
    let config = RtcConfiguration::new();
    config.set_ice_servers(&js_sys::JSON::parse(&ice).map_err(js_error)?);
    let pc = RtcPeerConnection::new_with_configuration(&config).map_err(js_error)?;
    let init = RtcRtpTransceiverInit::new();
    init.set_direction(RtcRtpTransceiverDirection::Recvonly);
    pc.add_transceiver_with_str_and_init("video", &init);
    let on_track = Closure::<dyn FnMut(RtcTrackEvent)>::new(move |e: RtcTrackEvent| {
        if let Ok(stream) = e.streams().get(0).dyn_into::<web_sys::MediaStream>() {
            video.set_src_object(Some(&stream));
        } else if let Ok(stream) = web_sys::MediaStream::new() {
            stream.add_track(&e.track());
            video.set_src_object(Some(&stream));
        }
    });
    pc.set_ontrack(Some(on_track.as_ref().unchecked_ref()));
    let watched = pc.clone();
    let on_state = Closure::<dyn FnMut(JsValue)>::new(move |_| match watched.connection_state() {
        RtcPeerConnectionState::Disconnected => state.set(PlayState::Reconnecting),
        RtcPeerConnectionState::Failed => on_failure(),
        _ => {}
    });
    pc.set_onconnectionstatechange(Some(on_state.as_ref().unchecked_ref()));
    let mut conn = Connection { pc: pc.clone(), location: None, _on_track: on_track, _on_state: on_state };

    let offer = JsFuture::from(pc.create_offer()).await.map_err(js_error)?;
    JsFuture::from(pc.set_local_description(offer.unchecked_ref::<RtcSessionDescriptionInit>()))
        .await
        .map_err(js_error)?;
    // Host candidates gather in milliseconds; STUN may take longer: wait at most 2 s.
    for _ in 0..100 {
        if pc.ice_gathering_state() == web_sys::RtcIceGatheringState::Complete {
            break;
        }
        sleep(20).await;
    }
    let sdp = pc.local_description().map(|d| d.sdp()).unwrap_or_default();
    let (answer, location) = match api::live_start(device_id, sdp, &never).await {
        Ok(a) => a,
        Err(e) => {
            conn.close();
            return Err(e);
        }
    };
    conn.location = Some(location);
    let desc = RtcSessionDescriptionInit::new(RtcSdpType::Answer);
    desc.set_sdp(&answer);
    if let Err(e) = JsFuture::from(pc.set_remote_description(&desc)).await {
        conn.close();
        return Err(js_error(e));
    }
    Ok(conn)
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(promise).await;
}

fn get(target: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// Resolution, frame rate, bit rate and latency (jitter buffer + half the round trip), from
/// `getStats()`.
async fn read_stats(pc: &RtcPeerConnection, last_bytes: StoredValue<f64>) -> Option<String> {
    let report = JsFuture::from(pc.get_stats()).await.ok()?;
    let values_fn: js_sys::Function = get(&report, "values").dyn_into().ok()?;
    let values = values_fn.call0(&report).ok()?;
    let (mut inbound, mut pair) = (None, None);
    for s in js_sys::try_iter(&values).ok()??.flatten() {
        match get(&s, "type").as_string().as_deref() {
            Some("inbound-rtp") if get(&s, "kind").as_string().as_deref() == Some("video") => {
                inbound = Some(s)
            }
            Some("candidate-pair") if get(&s, "nominated").as_bool() == Some(true) => pair = Some(s),
            _ => {}
        }
    }
    let s = inbound?;
    let num = |v: &JsValue, k: &str| get(v, k).as_f64().unwrap_or(0.0);
    let bytes = num(&s, "bytesReceived");
    let kbps = (bytes - last_bytes.get_value()).max(0.0) * 8.0 / 1000.0;
    last_bytes.set_value(bytes);
    let emitted = num(&s, "jitterBufferEmittedCount").max(1.0);
    let buffer_ms = num(&s, "jitterBufferDelay") / emitted * 1000.0;
    let rtt_ms = pair.map_or(0.0, |p| num(&p, "currentRoundTripTime") * 1000.0);
    Some(format!(
        "{}×{} · {:.0} fps · {:.0} kbit/s · ~{:.0} ms",
        num(&s, "frameWidth"),
        num(&s, "frameHeight"),
        num(&s, "framesPerSecond"),
        kbps,
        buffer_ms + rtt_ms / 2.0
    ))
}

/// Saves the current frame as a PNG, in the browser (nothing is sent anywhere).
fn save_snapshot(video: &HtmlVideoElement, device_id: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return };
    let Ok(canvas) = doc.create_element("canvas").map(|c| c.unchecked_into::<web_sys::HtmlCanvasElement>())
    else {
        return;
    };
    canvas.set_width(video.video_width());
    canvas.set_height(video.video_height());
    let Some(ctx) = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok())
    else {
        return;
    };
    if ctx.draw_image_with_html_video_element(video, 0.0, 0.0).is_err() {
        return;
    }
    let Ok(url) = canvas.to_data_url_with_type("image/png") else { return };
    if let Ok(a) = doc.create_element("a").map(|a| a.unchecked_into::<web_sys::HtmlAnchorElement>()) {
        a.set_href(&url);
        a.set_download(&format!("ward-{device_id}-{}.png", js_sys::Date::now() as u64));
        a.click();
    }
}
