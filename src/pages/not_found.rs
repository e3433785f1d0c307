use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::i18n::{t, t_string, use_i18n};

#[component]
pub fn NotFound() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=move || t_string!(i18n, not_found.title).to_string() />
        <section class="empty-state">
            <p class="big-code" aria-hidden="true">"404"</p>
            <h1>{t!(i18n, not_found.heading)}</h1>
            <p>{t!(i18n, not_found.body)}</p>
            <A href="/" attr:class="button">{t!(i18n, not_found.home)}</A>
        </section>
    }
}
