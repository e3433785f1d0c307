//! The privacy staff's console (in the `tools` chunk, in no user's download): the queue of
//! rights requests, one request with its decision (`?region=…&id=…`), and breach notices
//! (`?view=incidents`), all on one route: the first page pays for one route, not three.
mod incidents;
mod queue;
mod request;

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::i18n::{use_i18n, w};
use crate::labels::tr;
use crate::routes::Page;

#[component]
pub fn StaffConsole() -> impl IntoView {
    let query = use_query_map();
    // Keyed on the id, so going back from one request to another opens the other.
    let opened = Memo::new(move |_| query.with(|q| (q.get("id"), q.get("view"))));
    move || match opened.get() {
        (Some(_), _) => view! { <request::StaffRequestPage /> }.into_any(),
        (None, Some(v)) if v == "incidents" => view! { <incidents::IncidentsPage /> }.into_any(),
        (None, _) => view! { <queue::QueuePage /> }.into_any(),
    }
}

/// The console's two sections; the current one is marked for assistive technology.
#[component]
fn StaffNav(#[prop(optional)] incidents: bool) -> impl IntoView {
    let i18n = use_i18n();
    let current = |on: bool| on.then_some("page");
    view! {
        <nav class="tabs" aria-label=tr(i18n, w::incidents::nav_label)>
            <ul>
                <li><a href={Page::StaffQueue.path()} aria-current=current(!incidents)>{tr(i18n, w::incidents::nav_requests)}</a></li>
                <li><a href={Page::StaffQueue.with_query("view=incidents")} aria-current=current(incidents)>{tr(i18n, w::incidents::nav_incidents)}</a></li>
            </ul>
        </nav>
    }
}
