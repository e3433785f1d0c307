use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use ward_model::{DeletionReceipt, PasswordOnly};

use crate::api;
use crate::components::AccountTabs;
use crate::components::{Field, FormError, SubmitButton};
use crate::forms::FormState;
use crate::i18n::{use_i18n, w};
use crate::labels::{local_time, tr};
use crate::routes::Page;
use crate::session::{RequireSession, use_session};

#[component]
pub fn DeleteAccountPage() -> impl IntoView {
    let i18n = use_i18n();
    // The receipt outlives the session: once deleted, the person is signed out, and the
    // page must keep showing the receipt rather than send them to sign in.
    let receipt = RwSignal::new(None::<DeletionReceipt>);
    view! {
        <Title text=tr(i18n, w::delete::title) />
        <h1>{tr(i18n, w::delete::heading)}</h1>
        {move || match receipt.get() {
            Some(r) => view! { <Receipt receipt=r /> }.into_any(),
            None => view! {
                <AccountTabs />
                <RequireSession>
                    <DeleteForm receipt=receipt />
                </RequireSession>
            }.into_any(),
        }}
    }
}

#[component]
fn DeleteForm(receipt: RwSignal<Option<DeletionReceipt>>) -> impl IntoView {
    let i18n = use_i18n();
    let abort = api::use_abort_signal();
    let password = RwSignal::new(String::new());
    let form = FormState::new(&["password"]);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = PasswordOnly { password: password.get_untracked() };
        let abort = abort.clone();
        form.submit(async move { api::delete_account(&body, &abort).await }, move |r| {
            // `Receipt` marks the session ended once this form (and the
            // `RequireSession` around it, which would send the person to sign in) is gone.
            receipt.set(Some(r));
        });
    };
    view! {
        <section class="card" aria-labelledby="delete-what-heading">
            <h2 id="delete-what-heading">{tr(i18n, w::delete::what_heading)}</h2>
            <ul class="bullets">
                <li>{tr(i18n, w::delete::what_account)}</li>
                <li>{tr(i18n, w::delete::what_sessions)}</li>
                <li>{tr(i18n, w::delete::what_security)}</li>
                <li>{tr(i18n, w::delete::what_keys)}</li>
            </ul>
            <h2>{tr(i18n, w::delete::kept_heading)}</h2>
            <ul class="bullets">
                <li>{tr(i18n, w::delete::kept_receipt)}</li>
                <li>{tr(i18n, w::delete::kept_logs)}</li>
            </ul>
            <p class="muted">{tr(i18n, w::delete::final_note)}</p>
        </section>
        <form class="card form card-danger" novalidate on:submit=submit aria-labelledby="delete-confirm-heading">
            <h2 id="delete-confirm-heading">{tr(i18n, w::delete::confirm_heading)}</h2>
            <Field form=form name="password" id="delete-password" value=password kind="password"
                autocomplete="current-password" required=true
                label=tr(i18n, w::delete::password)
                hint=tr(i18n, w::delete::password_hint) />
            <FormError form=form />
            <SubmitButton form=form danger=true label=tr(i18n, w::delete::submit) />
        </form>
    }
}

#[component]
fn Receipt(receipt: DeletionReceipt) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    Effect::new(move |_| session.signed_out());
    let when = local_time(i18n, &receipt.deleted_at);
    view! {
        <div class="card" role="status">
            <h2>{tr(i18n, w::delete::done_heading)}</h2>
            <p>{tr(i18n, w::delete::done_body)}</p>
            <dl class="facts">
                <div><dt>{tr(i18n, w::delete::receipt)}</dt><dd class="receipt" data-testid="deletion-receipt">{receipt.receipt.clone()}</dd></div>
                <div><dt>{tr(i18n, w::delete::deleted_at)}</dt><dd>{when}</dd></div>
            </dl>
            <p class="muted">{tr(i18n, w::delete::receipt_hint)}</p>
            <A href={Page::Home.path()} attr:class="button">{tr(i18n, w::delete::home)}</A>
        </div>
    }
}
