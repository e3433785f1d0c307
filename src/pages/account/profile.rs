use leptos::prelude::*;
use leptos_meta::Title;
use ward_model::{Account, CodeOnly, ProfileUpdate};

use crate::api;
use crate::components::{AccountTabs, Field, FormError, SubmitButton};
use crate::forms::FormState;
use crate::i18n::{use_i18n, w};
use crate::labels::{local_time, region_name, tr, tr_when, tr_with};
use crate::session::{RequireSession, use_session};

#[component]
pub fn AccountPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=tr(i18n, w::account::title) />
        <h1>{tr(i18n, w::account::heading)}</h1>
        <AccountTabs />
        <RequireSession>
            <Profile />
            <super::Children />
        </RequireSession>
    }
}

/// Which changes to send: only what differs from the account, trimmed.
pub fn profile_changes(
    account: &Account,
    name: &str,
    email: &str,
    phone: &str,
    password: &str,
) -> ProfileUpdate {
    let changed = |new: &str, old: &str| (new.trim() != old).then(|| new.trim().to_string());
    let email_changed = changed(email, account.pending_email.as_deref().unwrap_or(&account.email));
    let phone_changed = changed(phone, &account.phone);
    let needs_password = email_changed.is_some() || phone_changed.is_some();
    ProfileUpdate {
        name: changed(name, &account.name),
        phone: phone_changed,
        email: email_changed,
        current_password: (needs_password || !password.is_empty()).then(|| password.to_string()),
    }
}

#[component]
fn Profile() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let abort = api::use_abort_signal();
    let account = Memo::new(move |_| session.account());
    let start = account.get_untracked().expect("RequireSession shows this only when signed in");
    let name = RwSignal::new(start.name.clone());
    let email = RwSignal::new(start.pending_email.clone().unwrap_or(start.email.clone()));
    let phone = RwSignal::new(start.phone.clone());
    let current_password = RwSignal::new(String::new());
    let form = FormState::new(&["name", "email", "phone", "current_password"]);
    let saved = RwSignal::new(false);
    let unchanged = RwSignal::new(false);

    let submit = {
        let abort = abort.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let Some(acc) = account.get_untracked() else { return };
            let body = profile_changes(
                &acc,
                &name.get_untracked(),
                &email.get_untracked(),
                &phone.get_untracked(),
                &current_password.get_untracked(),
            );
            saved.set(false);
            unchanged.set(false);
            if body.name.is_none() && body.email.is_none() && body.phone.is_none() {
                unchanged.set(true);
                return;
            }
            let abort = abort.clone();
            form.submit(async move { api::update_profile(&body, &abort).await }, move |updated| {
                name.set(updated.name.clone());
                email.set(updated.pending_email.clone().unwrap_or(updated.email.clone()));
                phone.set(updated.phone.clone());
                current_password.set(String::new());
                session.update_account(updated);
                saved.set(true);
            });
        }
    };

    view! {
        <section class="card" aria-labelledby="profile-facts-heading">
            <h2 id="profile-facts-heading">{tr(i18n, w::account::facts_heading)}</h2>
            {move || account.get().map(|a| {
                let created = local_time(i18n, &a.created_at);
                view! {
                    <dl class="facts">
                        <div><dt>{tr(i18n, w::account::name)}</dt><dd data-testid="profile-name">{a.name.clone()}</dd></div>
                        <div><dt>{tr(i18n, w::account::email)}</dt><dd class="break">{a.email.clone()}</dd></div>
                        <div><dt>{tr(i18n, w::account::phone)}</dt><dd>{a.phone.clone()}</dd></div>
                        <div><dt>{tr(i18n, w::account::region)}</dt><dd>{region_name(i18n, a.region)}</dd></div>
                        <div><dt>{tr(i18n, w::account::birth_date)}</dt><dd>{a.birth_date.clone()}</dd></div>
                        <div><dt>{tr(i18n, w::account::created)}</dt><dd>{created}</dd></div>
                        <div>
                            <dt>{tr(i18n, w::account::two_factor)}</dt>
                            <dd>{if a.totp_enabled { tr(i18n, w::account::on).into_any() } else { tr(i18n, w::account::off).into_any() }}</dd>
                        </div>
                    </dl>
                    <p class="muted">{tr(i18n, w::account::region_note)}</p>
                }
            })}
        </section>
        {move || account.get().and_then(|a| a.pending_email).map(|pending| view! { <PendingEmail pending=pending /> })}
        <form class="card form" novalidate on:submit=submit aria-labelledby="profile-edit-heading">
            <h2 id="profile-edit-heading">{tr(i18n, w::account::edit_heading)}</h2>
            <Field form=form name="name" id="profile-name" value=name autocomplete="name" required=true
                label=tr(i18n, w::account::name) />
            <Field form=form name="phone" id="profile-phone" value=phone kind="tel" autocomplete="tel" required=true
                label=tr(i18n, w::account::phone) />
            <Field form=form name="email" id="profile-email" value=email kind="email" autocomplete="email" required=true
                label=tr(i18n, w::account::email)
                hint=tr(i18n, w::account::email_hint) />
            <Field form=form name="current_password" id="profile-current-password" value=current_password kind="password"
                autocomplete="current-password"
                label=tr(i18n, w::account::current_password)
                hint=tr(i18n, w::account::current_password_hint) />
            <FormError form=form />
            <p role="status" class="muted">
                {tr_when(i18n, saved, w::account::saved)}
                {tr_when(i18n, unchanged, w::account::unchanged)}
            </p>
            <SubmitButton form=form label=tr(i18n, w::account::save) />
        </form>
    }
}

/// A new address waits for its emailed code.
#[component]
fn PendingEmail(pending: String) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let abort = api::use_abort_signal();
    let code = RwSignal::new(String::new());
    let form = FormState::new(&["code"]);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = CodeOnly { code: code.get_untracked().trim().to_string() };
        let abort = abort.clone();
        form.submit(async move { api::verify_new_email(&body, &abort).await }, move |account| {
            session.update_account(account);
        });
    };
    view! {
        <form class="card form card-attention" novalidate on:submit=submit aria-labelledby="pending-heading">
            <h2 id="pending-heading">{tr(i18n, w::account::pending_heading)}</h2>
            <p>{tr_with(i18n, w::account::pending_body, vec![pending])}</p>
            <Field form=form name="code" id="pending-code" value=code autocomplete="one-time-code" inputmode="numeric"
                maxlength=6u32 required=true
                label=tr(i18n, w::account::pending_code) />
            <FormError form=form />
            <SubmitButton form=form label=tr(i18n, w::account::pending_submit) />
        </form>
    }
}
