//! The QR worker: Trunk builds this binary as a web worker (index.html, `data-type="worker"`).
//! The page posts `{width, height, data}` (an `ImageData`'s fields; `data` transferred) and
//! gets back the decoded text, or `null` when the frame holds no readable code. It first posts
//! `true` once it listens: a message sent before that would be lost.

#[cfg(target_arch = "wasm32")]
fn main() {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::prelude::*;

    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let reply_to = scope.clone();
    let on_message = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
        let frame = event.data();
        let field =
            |name: &str| js_sys::Reflect::get(&frame, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED);
        let width = field("width").as_f64().unwrap_or(0.0) as usize;
        let height = field("height").as_f64().unwrap_or(0.0) as usize;
        let pixels = js_sys::Uint8Array::new(&field("data")).to_vec();
        let text = ward_qr::decode_rgba(width, height, &pixels);
        let _ = reply_to.post_message(&text.map_or(JsValue::NULL, |t| JsValue::from_str(&t)));
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The worker lives as long as the scan; the handler must too.
    on_message.forget();
    let _ = scope.post_message(&JsValue::TRUE);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("ward-qr is a web worker: the portal's build (Trunk) compiles it to wasm.");
}
