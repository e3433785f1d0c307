//! The privacy staff's console (in the `tools` chunk, in no user's download): the queue of
//! rights requests, and one request with its decision (`?region=…&id=…`, the same route: the
//! first page pays for one route, not two).
mod queue;
mod request;

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn StaffConsole() -> impl IntoView {
    let query = use_query_map();
    // Keyed on the id, so going back from one request to another opens the other.
    let opened = Memo::new(move |_| query.with(|q| q.get("id")));
    move || match opened.get() {
        Some(_) => view! { <request::StaffRequestPage /> }.into_any(),
        None => view! { <queue::QueuePage /> }.into_any(),
    }
}
