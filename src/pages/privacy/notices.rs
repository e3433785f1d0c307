//! The breach notices that concern the person, at the top of the privacy center; nothing at
//! all when there are none.

use leptos::prelude::*;
use ward_model::BreachNotice;

use crate::api;
use crate::components::ErrorPanel;
use crate::i18n::{use_i18n, w};
use crate::labels::{fill, local_time, pick, tr, tr_with};
use crate::load::load;

#[component]
pub fn NoticesPanel() -> impl IntoView {
    let i18n = use_i18n();
    let (list, retry) = load(api::notices);
    move || match list.get() {
        Some(Ok(l)) if !l.breaches.is_empty() => view! {
            <section class="card card-alert" aria-labelledby="notices-heading">
                <h2 id="notices-heading">{tr(i18n, w::notices::heading)}</h2>
                <p>{tr(i18n, w::notices::lead)}</p>
                <ul class="notices">
                    {l.breaches.into_iter().map(|n| view! { <Notice notice=n /> }).collect_view()}
                </ul>
            </section>
        }
        .into_any(),
        Some(Err(e)) => view! { <ErrorPanel error=e on_retry=retry /> }.into_any(),
        _ => ().into_any(),
    }
}

#[component]
fn Notice(notice: BreachNotice) -> impl IntoView {
    let i18n = use_i18n();
    let n = notice;
    let window = tr_with(
        i18n,
        w::notices::window,
        vec![local_time(i18n, &n.window_from), local_time(i18n, &n.window_to)],
    );
    let kinds = n.categories.clone();
    view! {
        <li>
            <h3>{n.title.clone()}</h3>
            <p class="muted">{tr_with(i18n, w::notices::told, vec![local_time(i18n, &n.notified_at)])}</p>
            <p>{window}</p>
            <p>{move || {
                let words = kinds.iter().map(|k| pick(i18n, k)).collect::<Vec<_>>().join(", ");
                fill(w::notices::kinds(i18n.get_locale()), &[words])
            }}</p>
            <p class="timeline-text">{n.description.clone()}</p>
        </li>
    }
}
