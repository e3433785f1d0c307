//! The privacy staff's console (in the `tools` chunk, in no user's download): the queue of
//! rights requests, one request with its decision (`?region=…&id=…`), breach notices
//! (`?view=incidents`) and service notices (`?view=service`), all on one route: the first
//! page pays for one route, not four.
mod incidents;
mod queue;
mod request;
mod service;

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::i18n::{use_i18n, w};
use crate::labels::tr;
use crate::rights::Words;
use crate::routes::Page;

#[component]
pub fn StaffConsole() -> impl IntoView {
    let query = use_query_map();
    // Keyed on the id, so going back from one request to another opens the other.
    let opened = Memo::new(move |_| query.with(|q| (q.get("id"), q.get("view"))));
    move || match opened.get() {
        (Some(_), _) => view! { <request::StaffRequestPage /> }.into_any(),
        (None, Some(v)) if v == "incidents" => view! { <incidents::IncidentsPage /> }.into_any(),
        (None, Some(v)) if v == "service" => view! { <service::ServicePage /> }.into_any(),
        (None, _) => view! { <queue::QueuePage /> }.into_any(),
    }
}

/// The console's sections.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Requests,
    Incidents,
    Service,
}

/// The console's sections as links; the current one is marked for assistive technology.
#[component]
fn StaffNav(current: Section) -> impl IntoView {
    let i18n = use_i18n();
    let sections = [
        (Section::Requests, Page::StaffQueue.path().to_string(), w::incidents::nav_requests as Words),
        (Section::Incidents, Page::StaffQueue.with_query("view=incidents"), w::incidents::nav_incidents),
        (Section::Service, Page::StaffQueue.with_query("view=service"), w::incidents::nav_service),
    ];
    view! {
        <nav class="tabs" aria-label=tr(i18n, w::incidents::nav_label)>
            <ul>
                {sections.into_iter().map(|(s, href, label)| view! {
                    <li><a href=href aria-current=(s == current).then_some("page")>{tr(i18n, label)}</a></li>
                }).collect_view()}
            </ul>
        </nav>
    }
}
