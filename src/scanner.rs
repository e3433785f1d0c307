//! "Scan the label": reads a camera label's QR code through the webcam.
//!
//! Frames go to the `ward-qr` web worker (qr/, built by Trunk beside the app), which holds
//! the decoder: the first page does not download it, and decoding never blocks the page.
//! Nothing leaves the browser: frames are read, decoded and dropped here.
// words: devices (only these areas' pages use this file: its words live in their tables, see build.rs)

use std::cell::Cell;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use send_wrapper::SendWrapper;
use ward_model::ClaimDevice;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    CanvasRenderingContext2d, HtmlCanvasElement, HtmlVideoElement, MediaStream, MessageEvent, Worker,
};

use crate::i18n::{use_i18n, w};
use crate::labels::tr;

/// Trunk names workers after their binary, without a content hash (index.html).
const WORKER_URL: &str = "/ward-qr_loader.js";
/// How often a frame is offered to the worker (skipped while it is still decoding).
const FRAME_EVERY: std::time::Duration = std::time::Duration::from_millis(200);
/// Frames are scaled down to this width: plenty for a label held up to the camera.
const MAX_WIDTH: u32 = 640;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ScanState {
    Starting,
    Scanning,
    /// A QR code was read, but it is not a Ward label.
    NotALabel,
    Denied,
    NoCamera,
    /// The page is not a secure context: browsers offer no camera then.
    Insecure,
    Failed,
}

/// The webcam stream and the worker; `stop` releases both (the camera light goes off).
struct Scan {
    stream: MediaStream,
    worker: Worker,
    canvas: HtmlCanvasElement,
    busy: Rc<Cell<bool>>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(JsValue)>,
}

impl Scan {
    fn stop(self) {
        for track in self.stream.get_tracks().iter() {
            track.unchecked_into::<web_sys::MediaStreamTrack>().stop();
        }
        self.worker.terminate();
    }

    /// Hands the current video frame to the worker unless it is still busy with the last.
    fn offer_frame(&self, video: &HtmlVideoElement) {
        // HAVE_CURRENT_DATA: there is a frame to draw.
        if self.busy.get() || video.ready_state() < 2 || video.video_width() == 0 {
            return;
        }
        let width = video.video_width().min(MAX_WIDTH);
        let height = video.video_height() * width / video.video_width();
        self.canvas.set_width(width);
        self.canvas.set_height(height);
        let Some(ctx) = self
            .canvas
            .get_context("2d")
            .ok()
            .flatten()
            .and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok())
        else {
            return;
        };
        let (w, h) = (f64::from(width), f64::from(height));
        if ctx.draw_image_with_html_video_element_and_dw_and_dh(video, 0.0, 0.0, w, h).is_err() {
            return;
        }
        // ImageData is structured-cloneable: the worker reads width, height and data.
        if let Ok(frame) = ctx.get_image_data(0.0, 0.0, w, h)
            && self.worker.post_message(&frame).is_ok()
        {
            self.busy.set(true);
        }
    }
}

type Slot = StoredValue<Option<SendWrapper<Scan>>, LocalStorage>;

/// The webcam view that looks for a label; `on_found` gets the serial and code it read.
#[component]
pub fn ScanLabel(on_found: Callback<ClaimDevice>, on_close: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let video: NodeRef<leptos::html::Video> = NodeRef::new();
    let state = RwSignal::new(ScanState::Starting);
    let slot: Slot = StoredValue::new_local(None);

    Effect::new(move |_| {
        let Some(el) = video.get() else { return };
        spawn_local(async move {
            match start(&el, state, on_found).await {
                Ok(scan) => {
                    // Closed while the browser was still asking for the camera: release it.
                    if let Some(Some(late)) = slot.try_set_value(Some(SendWrapper::new(scan))) {
                        late.take().stop();
                    } else {
                        state.set(ScanState::Scanning);
                    }
                }
                Err(s) => state.set(s),
            }
        });
    });
    let timer = set_interval_with_handle(
        move || {
            let Some(el) = video.get_untracked() else { return };
            slot.with_value(|s| {
                if let Some(s) = s {
                    s.offer_frame(&el);
                }
            });
        },
        FRAME_EVERY,
    )
    .ok();
    on_cleanup(move || {
        if let Some(t) = timer {
            t.clear();
        }
        if let Some(scan) = slot.try_update_value(Option::take).flatten() {
            scan.take().stop();
        }
    });

    let message = move || match state.get() {
        ScanState::Starting => tr(i18n, w::scan::starting)(),
        ScanState::Scanning => tr(i18n, w::scan::scanning)(),
        ScanState::NotALabel => tr(i18n, w::scan::not_a_label)(),
        ScanState::Denied => tr(i18n, w::scan::denied)(),
        ScanState::NoCamera => tr(i18n, w::scan::no_camera)(),
        ScanState::Insecure => tr(i18n, w::scan::insecure)(),
        ScanState::Failed => tr(i18n, w::scan::failed)(),
    };
    let trouble = move || {
        matches!(
            state.get(),
            ScanState::Denied | ScanState::NoCamera | ScanState::Insecure | ScanState::Failed
        )
    };
    view! {
        <div class="scanner" role="group" aria-labelledby="scan-heading">
            <h3 id="scan-heading">{tr(i18n, w::scan::heading)}</h3>
            <div class="scanner-frame" class:scanner-off=trouble>
                <video node_ref=video autoplay=true playsinline=true prop:muted=true
                    aria-label=tr(i18n, w::scan::video_label)></video>
            </div>
            <p role="status" class=move || if trouble() { "notice notice-error" } else { "muted" }>{message}</p>
            <button type="button" class="button button-secondary" on:click=move |_| on_close.run(())>
                {tr(i18n, w::scan::stop)}
            </button>
        </div>
    }
}

/// Asks for the camera (the back one, where there is a choice) and starts the worker.
async fn start(
    video: &HtmlVideoElement,
    state: RwSignal<ScanState>,
    on_found: Callback<ClaimDevice>,
) -> Result<Scan, ScanState> {
    let navigator = window().navigator();
    // Outside a secure context `navigator.mediaDevices` does not exist at all.
    if !js_sys::Reflect::get(&navigator, &"mediaDevices".into()).is_ok_and(|d| d.is_object()) {
        return Err(ScanState::Insecure);
    }
    let devices = navigator.media_devices().map_err(|_| ScanState::Insecure)?;
    let constraints = js_sys::JSON::parse(r#"{"audio":false,"video":{"facingMode":"environment"}}"#)
        .map_err(|_| ScanState::Failed)?;
    let asked = devices
        .get_user_media_with_constraints(constraints.unchecked_ref())
        .map_err(|_| ScanState::Failed)?;
    let stream: MediaStream = JsFuture::from(asked).await.map_err(|e| refusal(&e))?.unchecked_into();
    video.set_src_object(Some(&stream));

    // Busy until the worker says it listens (its wasm takes a moment to start).
    let busy = Rc::new(Cell::new(true));
    let idle = busy.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        idle.set(false);
        // `true` (ready) or `null` (no code in that frame): offer the next frame.
        let Some(text) = e.data().as_string() else { return };
        match ClaimDevice::from_label_text(&text) {
            // Not from inside the worker's callback: the parent closes the scanner, which
            // drops this very closure.
            Some(claim) => spawn_local(async move { on_found.run(claim) }),
            None => state.set(ScanState::NotALabel),
        }
    });
    let on_error = Closure::<dyn FnMut(JsValue)>::new(move |_| state.set(ScanState::Failed));
    let worker = match Worker::new(WORKER_URL) {
        Ok(w) => w,
        Err(_) => {
            for track in stream.get_tracks().iter() {
                track.unchecked_into::<web_sys::MediaStreamTrack>().stop();
            }
            return Err(ScanState::Failed);
        }
    };
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    let canvas = document()
        .create_element("canvas")
        .map_err(|_| ScanState::Failed)?
        .unchecked_into::<HtmlCanvasElement>();
    Ok(Scan { stream, worker, canvas, busy, _on_message: on_message, _on_error: on_error })
}

/// What getUserMedia's refusal means for the person.
fn refusal(e: &JsValue) -> ScanState {
    let name = js_sys::Reflect::get(e, &"name".into()).ok().and_then(|n| n.as_string()).unwrap_or_default();
    match name.as_str() {
        "NotAllowedError" | "SecurityError" => ScanState::Denied,
        "NotFoundError" | "OverconstrainedError" | "NotReadableError" => ScanState::NoCamera,
        _ => ScanState::Failed,
    }
}
