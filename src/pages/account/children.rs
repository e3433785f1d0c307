//! The child accounts a parent or guardian consented to, on their own account page: who,
//! since when, what stays off, a copy of the child's data, and deleting the account. Shown
//! only to someone who has such a child; every look is in the child's "who saw my data".

use leptos::prelude::*;
use ward_model::{DeletionReceipt, GuardedChild, PasswordOnly};

use crate::api::{self, ClientError};
use crate::components::{ErrorPanel, Field, FormError, SubmitButton};
use crate::forms::FormState;
use crate::i18n::{use_i18n, w};
use crate::labels::{local_time, region_name, tr, tr_with};
use crate::load::load;

#[component]
pub fn Children() -> impl IntoView {
    let i18n = use_i18n();
    let (children, retry) = load(api::children);
    move || match children.get() {
        Some(Ok(list)) if !list.is_empty() => view! {
            <section class="card" aria-labelledby="children-heading">
                <h2 id="children-heading">{tr(i18n, w::children::heading)}</h2>
                <p class="muted">{tr(i18n, w::children::lead)}</p>
                <ul class="children">
                    {list.into_iter().map(|c| view! { <Child child=c reload=retry /> }).collect_view()}
                </ul>
            </section>
        }
        .into_any(),
        Some(Err(e)) => view! { <ErrorPanel error=e on_retry=retry /> }.into_any(),
        // Most people are nobody's guardian: nothing to show.
        _ => ().into_any(),
    }
}

#[component]
fn Child(child: GuardedChild, reload: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let abort = api::use_abort_signal();
    let archive = RwSignal::new(child.archive.clone());
    let error = RwSignal::new(None::<ClientError>);
    let deleting = RwSignal::new(false);
    let receipt = RwSignal::new(None::<DeletionReceipt>);
    let prepare = {
        let (c, abort) = (child.clone(), abort.clone());
        move |_| {
            let (c, abort) = (c.clone(), abort.clone());
            leptos::task::spawn_local(async move {
                match api::child_archive(&c, &abort).await {
                    Ok(now) => {
                        error.set(None);
                        archive.set(now.archive);
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        }
    };
    let download = api::urls::child_archive(child.region.code(), &child.id);
    let region = child.region;
    view! {
        <li class="child">
            <h3>{child.name.clone()}</h3>
            <dl class="facts facts-compact">
                <div><dt>{tr(i18n, w::children::email)}</dt><dd class="break">{child.email.clone()}</dd></div>
                <div><dt>{tr(i18n, w::children::region)}</dt><dd>{move || region_name(i18n, region)}</dd></div>
                <div><dt>{tr(i18n, w::children::since)}</dt><dd>{local_time(i18n, &child.consented_at)}</dd></div>
            </dl>
            <p class="notice notice-info">{tr(i18n, w::children::locked)}</p>
            <div class="form-actions">
                {move || match archive.get().as_deref() {
                    Some("ready") => view! {
                        <a class="button" href=download.clone() download="">{tr(i18n, w::children::download)}</a>
                    }.into_any(),
                    Some(_) => view! {
                        <p role="status" class="muted">{tr(i18n, w::children::preparing)}</p>
                        <button type="button" class="button button-secondary" on:click=move |_| reload.run(())>
                            {tr(i18n, w::children::check)}
                        </button>
                    }.into_any(),
                    None => view! {
                        <button type="button" class="button" on:click=prepare.clone()>{tr(i18n, w::children::prepare)}</button>
                    }.into_any(),
                }}
                {move || (!deleting.get() && receipt.get().is_none()).then(|| view! {
                    <button type="button" class="button button-secondary" on:click=move |_| deleting.set(true)>
                        {tr(i18n, w::children::delete)}
                    </button>
                })}
            </div>
            {move || error.get().map(|e| view! { <ErrorPanel error=e /> })}
            {move || match receipt.get() {
                Some(r) => view! {
                    <p class="notice notice-ok" role="status" data-testid="child-deleted">
                        {tr_with(i18n, w::children::deleted, vec![r.receipt.clone()])}
                    </p>
                }.into_any(),
                None if deleting.get() => view! { <DeleteChild child=child.clone() receipt /> }.into_any(),
                None => ().into_any(),
            }}
        </li>
    }
}

#[component]
fn DeleteChild(child: GuardedChild, receipt: RwSignal<Option<DeletionReceipt>>) -> impl IntoView {
    let i18n = use_i18n();
    let abort = api::use_abort_signal();
    let password = RwSignal::new(String::new());
    let form = FormState::new(&["password"]);
    let name = child.name.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = PasswordOnly { password: password.get_untracked() };
        let (c, abort) = (child.clone(), abort.clone());
        form.submit(async move { api::delete_child(&c, &body, &abort).await }, move |r| receipt.set(Some(r)));
    };
    view! {
        <form class="form card-danger" novalidate on:submit=submit>
            <p>{tr_with(i18n, w::children::delete_what, vec![name])}</p>
            <Field form=form name="password" id="child-delete-password" value=password kind="password"
                autocomplete="current-password" required=true
                label=tr(i18n, w::children::password) />
            <FormError form=form />
            <SubmitButton form=form danger=true label=tr(i18n, w::children::delete_submit) />
        </form>
    }
}
