use leptos::prelude::*;
use leptos_meta::Title;
use ward_model::Health;

use crate::api;
use crate::components::ErrorPanel;
use crate::i18n::{use_i18n, w};
use crate::labels::tr;
use crate::load::load;

#[component]
pub fn Home() -> impl IntoView {
    let i18n = use_i18n();
    let (health, retry) = load(api::health);

    view! {
        <Title text=tr(i18n, w::home::title) />
        <section class="hero">
            <h1>{tr(i18n, w::home::heading)}</h1>
            <p class="lead">{tr(i18n, w::home::lead)}</p>
        </section>
        <section class="card" aria-labelledby="status-heading">
            <h2 id="status-heading">{tr(i18n, w::home::status_heading)}</h2>
            <div aria-live="polite">
                {move || match health.get() {
                    None => view! { <p class="muted">{tr(i18n, w::home::status_checking)}</p> }.into_any(),
                    Some(Ok(h)) => view! { <HealthSummary health=h /> }.into_any(),
                    Some(Err(e)) => view! { <ErrorPanel error=e on_retry=retry /> }.into_any(),
                }}
            </div>
        </section>
    }
}

#[component]
fn HealthSummary(health: Health) -> impl IntoView {
    let i18n = use_i18n();
    let store = match health.store.as_str() {
        "sqlite" => "SQLite".to_string(),
        "postgres" => "PostgreSQL".to_string(),
        other => other.to_string(),
    };
    view! {
        <p class="status-ok">
            <span class="status-dot" aria-hidden="true"></span>
            {tr(i18n, w::home::status_ok)}
        </p>
        <dl class="facts">
            <div>
                <dt>{tr(i18n, w::home::status_version)}</dt>
                <dd data-testid="api-version">{health.version}</dd>
            </div>
            <div>
                <dt>{tr(i18n, w::home::status_store)}</dt>
                <dd>{store}</dd>
            </div>
        </dl>
        <p class="muted">{tr(i18n, w::home::status_region_note)}</p>
    }
}
