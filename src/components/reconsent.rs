use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use ward_model::PolicyAccept;

use crate::api::{self, ClientError};
use crate::components::ErrorPanel;
use crate::consent::use_reconsent;
use crate::i18n::{use_i18n, w};
use crate::labels::{fill, tr};
use crate::routes::Page;

/// Shown on every page while a material privacy policy change waits for the signed-in
/// person's review: what changed, a link to read (and compare) it, and "I accept".
/// Fetches nothing itself: `consent::provide` keeps the context.
#[component]
pub fn ReconsentPrompt() -> impl IntoView {
    let i18n = use_i18n();
    let reconsent = use_reconsent();
    let error = RwSignal::new(None::<ClientError>);
    move || {
        reconsent.0.get().map(|p| {
            let version = p.version.clone();
            let accept = move |_| {
                let body = PolicyAccept { version: version.clone() };
                spawn_local(async move {
                    let abort = web_sys::AbortController::new().expect("AbortController").signal();
                    match api::accept_policy(&body, &abort).await {
                        Ok(status) => reconsent.0.set(status.reconsent),
                        Err(e) => error.set(Some(e)),
                    }
                });
            };
            view! {
                <section class="notice notice-info reconsent" aria-labelledby="reconsent-heading">
                    <h2 id="reconsent-heading">{tr(i18n, w::reconsent::heading)}</h2>
                    <p>{fill(w::reconsent::body(i18n.get_locale()), std::slice::from_ref(&p.last_updated))}</p>
                    <p lang="en"><strong>{p.summary.clone()}</strong></p>
                    <p class="actions">
                        <A href={Page::Privacy.path()}>{tr(i18n, w::reconsent::read)}</A>
                        <button type="button" class="button" on:click=accept>{tr(i18n, w::reconsent::accept)}</button>
                    </p>
                    {move || error.get().map(|e| view! { <ErrorPanel error=e /> })}
                </section>
            }
        })
    }
}
