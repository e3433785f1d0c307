use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use ward_model::Unsubscribe;

use crate::api::{self, ClientError};
use crate::components::ErrorPanel;
use crate::i18n::{use_i18n, w};
use crate::labels::tr;

/// Where a marketing mail's unsubscribe link leads a person (mail clients POST to the same
/// address instead): one button, no sign-in; the server records the withdrawal.
#[component]
pub fn UnsubscribePage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let abort = api::use_abort_signal();
    let done = RwSignal::new(false);
    let error = RwSignal::new(None::<ClientError>);
    let confirm = move |_| {
        let token = params.with_untracked(|p| p.get("token").unwrap_or_default());
        let abort = abort.clone();
        spawn_local(async move {
            match api::unsubscribe(&Unsubscribe { token }, &abort).await {
                Ok(()) => done.set(true),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <Title text=tr(i18n, w::unsubscribe::title) />
        <h1>{tr(i18n, w::unsubscribe::heading)}</h1>
        <section class="card">
            {move || if done.get() {
                view! { <p role="status" class="notice notice-ok">{tr(i18n, w::unsubscribe::done)}</p> }.into_any()
            } else {
                view! {
                    <p>{tr(i18n, w::unsubscribe::body)}</p>
                    <button type="button" class="button" on:click=confirm.clone()>{tr(i18n, w::unsubscribe::confirm)}</button>
                }.into_any()
            }}
            {move || error.get().map(|e| view! { <ErrorPanel error=e /> })}
        </section>
    }
}
