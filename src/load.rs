//! Loading what a page shows: a GET's answer in a signal (`None` while it loads) and a
//! callback that loads it again.
//!
//! Lighter than `LocalResource` (no async-derived machinery per use), which matters for
//! the first page's size budget: every page of the app is in the one wasm.

use std::future::Future;

use leptos::prelude::*;
use leptos::task::spawn_local;
use send_wrapper::SendWrapper;
use web_sys::AbortSignal;

use crate::api::{self, ClientError};

/// What a page has loaded: nothing yet, or the answer.
pub type Loaded<T> = RwSignal<Option<Result<T, ClientError>>>;

/// Starts `fetch` now and returns its answer's signal and a "load again" callback (for
/// `ErrorPanel`'s retry and after changes). Requests still running when the page goes are
/// aborted.
pub fn load<T, Fut, F>(fetch: F) -> (Loaded<T>, Callback<()>)
where
    T: Send + Sync + 'static,
    Fut: Future<Output = Result<T, ClientError>> + 'static,
    F: Fn(AbortSignal) -> Fut + 'static,
{
    let abort = SendWrapper::new(api::use_abort_signal());
    let state: Loaded<T> = RwSignal::new(None);
    // The browser app is single-threaded: the wrapper only satisfies `Callback`'s bounds.
    let fetch = SendWrapper::new(fetch);
    let again = Callback::new(move |()| {
        let answer = fetch((*abort).clone());
        spawn_local(async move { state.set(Some(answer.await)) });
    });
    again.run(());
    (state, again)
}
