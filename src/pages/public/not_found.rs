use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::i18n::{use_i18n, w};
use crate::labels::tr;
use crate::routes::Page;

#[component]
pub fn NotFound() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=tr(i18n, w::not_found::title) />
        <section class="empty-state">
            <p class="big-code" aria-hidden="true">"404"</p>
            <h1>{tr(i18n, w::not_found::heading)}</h1>
            <p>{tr(i18n, w::not_found::body)}</p>
            <A href={Page::Home.path()} attr:class="button">{tr(i18n, w::not_found::home)}</A>
        </section>
    }
}
