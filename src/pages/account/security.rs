use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use ward_model::{PasswordChange, PasswordOnly, SessionSummary, TotpEnable, TotpSetup};

use crate::api;
use crate::components::AccountTabs;
use crate::components::{ErrorPanel, Field, FormError, StrengthMeter, SubmitButton};
use crate::forms::FormState;
use crate::i18n::{I18n, use_i18n, w};
use crate::labels::{local_time, tr, tr_when, tr_with};
use crate::load::load;
use crate::session::{RequireSession, use_session};

#[component]
pub fn SecurityPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=tr(i18n, w::security::title) />
        <h1>{tr(i18n, w::security::heading)}</h1>
        <AccountTabs />
        <RequireSession>
            <ChangePassword />
            <TwoFactor />
            <Passkeys />
            <Sessions />
            <Activity />
        </RequireSession>
    }
}

#[component]
fn ChangePassword() -> impl IntoView {
    let i18n = use_i18n();
    let abort = api::use_abort_signal();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let form = FormState::new(&["current_password", "new_password"]);
    let changed = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body =
            PasswordChange { current_password: current.get_untracked(), new_password: new.get_untracked() };
        changed.set(false);
        let abort = abort.clone();
        form.submit(async move { api::change_password(&body, &abort).await }, move |()| {
            current.set(String::new());
            new.set(String::new());
            changed.set(true);
        });
    };
    view! {
        <form class="card form" novalidate on:submit=submit aria-labelledby="password-heading">
            <h2 id="password-heading">{tr(i18n, w::security::password_heading)}</h2>
            <p class="muted">{tr(i18n, w::security::password_lead)}</p>
            // A hidden username lets password managers know whose password changes.
            <Field form=form name="current_password" id="password-current" value=current kind="password"
                autocomplete="current-password" required=true
                label=tr(i18n, w::security::current_password) />
            <Field form=form name="new_password" id="password-new" value=new kind="password" autocomplete="new-password"
                required=true described_by="password-new-strength"
                label=tr(i18n, w::security::new_password)>
                <StrengthMeter id="password-new-strength" value=new />
            </Field>
            <FormError form=form />
            <p role="status" class="status-line">{tr_when(i18n, changed, w::security::password_changed)}</p>
            <SubmitButton form=form label=tr(i18n, w::security::password_submit) />
        </form>
    }
}

#[component]
fn TwoFactor() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let enabled = Memo::new(move |_| session.account().is_some_and(|a| a.totp_enabled));
    let codes = RwSignal::new(None::<Vec<String>>);
    view! {
        <section class="card" aria-labelledby="totp-heading">
            <h2 id="totp-heading">{tr(i18n, w::security::totp_heading)}</h2>
            {move || match (codes.get(), enabled.get()) {
                (Some(list), _) => view! { <RecoveryCodesView codes=list on_done=move || codes.set(None) /> }.into_any(),
                (None, true) => view! { <TotpDisable /> }.into_any(),
                (None, false) => view! { <TotpEnable codes=codes /> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn TotpEnable(codes: RwSignal<Option<Vec<String>>>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let abort = api::use_abort_signal();
    let setup = RwSignal::new(None::<TotpSetup>);
    let setup_form = FormState::new(&[]);
    let code = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let form = FormState::new(&["code", "password"]);

    let start = {
        let abort = abort.clone();
        move |_| {
            let abort = abort.clone();
            setup_form.submit(async move { api::totp_setup(&abort).await }, move |s| {
                setup.set(Some(s));
            });
        }
    };
    let confirm = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = TotpEnable {
            code: code.get_untracked().trim().replace(' ', ""),
            password: password.get_untracked(),
        };
        let abort = abort.clone();
        form.submit(async move { api::totp_enable(&body, &abort).await }, move |rc| {
            codes.set(Some(rc.codes));
            if let Some(mut a) = session.account() {
                a.totp_enabled = true;
                session.update_account(a);
            }
        });
    };
    view! {
        <p>
            <span class="badge badge-off">{tr(i18n, w::security::totp_off)}</span>
            " " {tr(i18n, w::security::totp_lead)}
        </p>
        {move || match setup.get() {
            None => view! {
                <FormError form=setup_form />
                <button type="button" class="button" on:click=start.clone() disabled=move || setup_form.sending.get()>
                    {tr(i18n, w::security::totp_start)}
                </button>
            }.into_any(),
            Some(s) => view! {
                <ol class="steps">
                    <li>
                        <p>{tr(i18n, w::security::totp_step_add)}</p>
                        <p class="secret-label" id="totp-secret-label">{tr(i18n, w::security::totp_secret)}</p>
                        <p class="secret" aria-labelledby="totp-secret-label" data-testid="totp-secret">{s.secret.clone()}</p>
                        <p><a href=s.otpauth_url.clone() class="button button-secondary">{tr(i18n, w::security::totp_open_app)}</a></p>
                    </li>
                    <li>
                        <form class="form" novalidate on:submit=confirm.clone()>
                            <Field form=form name="code" id="totp-code" value=code autocomplete="one-time-code" inputmode="numeric"
                                maxlength=6u32 required=true
                                label=tr(i18n, w::security::totp_code) />
                            <Field form=form name="password" id="totp-enable-password" value=password kind="password"
                                autocomplete="current-password" required=true
                                label=tr(i18n, w::security::totp_enable_password) />
                            <FormError form=form />
                            <SubmitButton form=form label=tr(i18n, w::security::totp_confirm) />
                        </form>
                    </li>
                </ol>
            }.into_any(),
        }}
    }
}

#[component]
fn RecoveryCodesView(codes: Vec<String>, on_done: impl Fn() + Send + Sync + 'static) -> impl IntoView {
    let i18n = use_i18n();
    let text = codes.join("\n");
    let download = format!(
        "data:text/plain;charset=utf-8,{}",
        String::from(js_sys::encode_uri_component(&format!("{text}\n")))
    );
    let copied = RwSignal::new(false);
    let copy = move |_| {
        use wasm_bindgen::JsValue;
        use wasm_bindgen::closure::Closure;
        // "Copied" is said only once the browser confirms it.
        let promise = window().navigator().clipboard().write_text(&text);
        let on_ok = Closure::<dyn FnMut(JsValue)>::new(move |_| copied.set(true));
        let on_err = Closure::<dyn FnMut(JsValue)>::new(|_| {});
        let _ = promise.then2(&on_ok, &on_err);
        on_ok.forget();
        on_err.forget();
    };
    view! {
        <div class="notice notice-ok" role="status">
            <p class="notice-title">{tr(i18n, w::security::totp_on_now)}</p>
            <p>{tr(i18n, w::security::recovery_lead)}</p>
        </div>
        <ul class="recovery-codes" data-testid="recovery-codes">
            {codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
        </ul>
        <p class="muted">{tr(i18n, w::security::recovery_hint)}</p>
        <div class="form-actions">
            <button type="button" class="button button-secondary" on:click=copy>{tr(i18n, w::security::recovery_copy)}</button>
            <a class="button button-secondary" href=download download="ward-recovery-codes.txt">{tr(i18n, w::security::recovery_download)}</a>
            <button type="button" class="button" on:click=move |_| on_done()>{tr(i18n, w::security::recovery_done)}</button>
        </div>
        <p role="status" class="muted">{tr_when(i18n, copied, w::security::recovery_copied)}</p>
    }
}

#[component]
fn TotpDisable() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let abort = api::use_abort_signal();
    let password = RwSignal::new(String::new());
    let form = FormState::new(&["password"]);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = PasswordOnly { password: password.get_untracked() };
        let abort = abort.clone();
        form.submit(async move { api::totp_disable(&body, &abort).await }, move |()| {
            if let Some(mut a) = session.account() {
                a.totp_enabled = false;
                session.update_account(a);
            }
        });
    };
    view! {
        <p><span class="badge badge-on">{tr(i18n, w::security::totp_on)}</span> " " {tr(i18n, w::security::totp_on_lead)}</p>
        <form class="form" novalidate on:submit=submit>
            <Field form=form name="password" id="totp-disable-password" value=password kind="password"
                autocomplete="current-password" required=true
                label=tr(i18n, w::security::totp_disable_password) />
            <FormError form=form />
            <SubmitButton form=form danger=true label=tr(i18n, w::security::totp_disable) />
        </form>
    }
}

#[component]
fn Passkeys() -> impl IntoView {
    let i18n = use_i18n();
    let abort = api::use_abort_signal();
    let (list, retry) = load(api::passkeys);
    let action_error = RwSignal::new(None::<api::ClientError>);
    let busy = RwSignal::new(false);
    // Which status line to show: added, or removed.
    let added = RwSignal::new(false);
    let removed = RwSignal::new(false);
    // Adding needs the current password (a passkey signs in on its own).
    let password = RwSignal::new(String::new());
    let form = FormState::new(&["password"]);
    let add = {
        let abort = abort.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if form.sending.get_untracked() || busy.get_untracked() {
                return;
            }
            let body = PasswordOnly { password: password.get_untracked() };
            action_error.set(None);
            added.set(false);
            removed.set(false);
            let abort = abort.clone();
            form.submit(async move { api::add_passkey(&body, &abort).await }, move |_| {
                password.set(String::new());
                added.set(true);
                retry.run(());
            });
        }
    };
    let run = move |id: String| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        action_error.set(None);
        added.set(false);
        removed.set(false);
        let abort = abort.clone();
        spawn_local(async move {
            let result = api::remove_passkey(&id, &abort).await;
            busy.set(false);
            match result {
                Ok(()) => {
                    removed.set(true);
                    retry.run(());
                }
                Err(e) => action_error.set(Some(e)),
            }
        });
    };
    let run = StoredValue::new_local(run);
    view! {
        <section class="card" aria-labelledby="passkeys-heading">
            <h2 id="passkeys-heading">{tr(i18n, w::security::passkeys_heading)}</h2>
            <p class="muted">{tr(i18n, w::security::passkeys_lead)}</p>
            <p class="muted">{tr(i18n, w::security::passkeys_two_step)}</p>
            {move || action_error.get().map(|e| view! { <ErrorPanel error=e /> })}
            <p role="status" class="status-line">
                {tr_when(i18n, added, w::security::passkeys_added)}
                {tr_when(i18n, removed, w::security::passkeys_removed)}
            </p>
            {move || match list.get() {
                None => view! { <p class="muted">{tr(i18n, w::security::loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <ErrorPanel error=e on_retry=retry /> }.into_any(),
                Some(Ok(keys)) if keys.is_empty() => {
                    view! { <p class="muted">{tr(i18n, w::security::passkeys_none)}</p> }.into_any()
                }
                Some(Ok(keys)) => view! {
                    <ul class="rows">
                        {keys.into_iter().map(|k| {
                            let id = k.id.clone();
                            let when = vec![local_time(i18n, &k.created_at), local_time(i18n, &k.last_used)];
                            view! {
                                <li class="row">
                                    <div class="row-main">
                                        <p class="row-title">{k.name.clone()}</p>
                                        <p class="row-meta">{tr_with(i18n, w::security::passkey_meta, when)}</p>
                                    </div>
                                    <button type="button" class="button button-small button-secondary" disabled=move || busy.get()
                                        on:click=move |_| run.with_value(|r| r(id.clone()))>
                                        {tr(i18n, w::security::passkey_remove)}
                                    </button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
            <form class="form" novalidate on:submit=add>
                <Field form=form name="password" id="passkey-password" value=password kind="password"
                    autocomplete="current-password" required=true
                    label=tr(i18n, w::security::passkeys_password) />
                <FormError form=form />
                <SubmitButton form=form label=tr(i18n, w::security::passkeys_add) />
            </form>
        </section>
    }
}

#[component]
fn Sessions() -> impl IntoView {
    let i18n = use_i18n();
    let abort = api::use_abort_signal();
    let (list, retry) = load(api::sessions);
    let action_error = RwSignal::new(None::<api::ClientError>);
    let busy = RwSignal::new(false);
    let done = RwSignal::new(false);
    let run = {
        let abort = abort.clone();
        move |id: Option<String>| {
            if busy.get_untracked() {
                return;
            }
            busy.set(true);
            action_error.set(None);
            done.set(false);
            let abort = abort.clone();
            spawn_local(async move {
                let result = match id {
                    Some(id) => api::revoke_session(&id, &abort).await,
                    None => api::revoke_other_sessions(&abort).await,
                };
                busy.set(false);
                match result {
                    Ok(()) => {
                        done.set(true);
                        retry.run(());
                    }
                    Err(e) => action_error.set(Some(e)),
                }
            });
        }
    };
    let run = StoredValue::new_local(run);
    view! {
        <section class="card" aria-labelledby="sessions-heading">
            <h2 id="sessions-heading">{tr(i18n, w::security::sessions_heading)}</h2>
            <p class="muted">{tr(i18n, w::security::sessions_lead)}</p>
            {move || action_error.get().map(|e| view! { <ErrorPanel error=e /> })}
            <p role="status" class="status-line">{tr_when(i18n, done, w::security::sessions_ended)}</p>
            {move || match list.get() {
                None => view! { <p class="muted">{tr(i18n, w::security::loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <ErrorPanel error=e on_retry=retry /> }.into_any(),
                Some(Ok(sessions)) => {
                    let others = sessions.iter().filter(|s| !s.current).count();
                    view! {
                        <ul class="rows">
                            {sessions.into_iter().map(|s| {
                                let id = s.id.clone();
                                view! {
                                    <SessionRow session=s on_revoke=move || run.with_value(|r| r(Some(id.clone()))) busy=busy />
                                }
                            }).collect_view()}
                        </ul>
                        {(others > 0).then(|| view! {
                            <button type="button" class="button button-danger" disabled=move || busy.get()
                                on:click=move |_| run.with_value(|r| r(None))>
                                {tr(i18n, w::security::sessions_end_others)}
                            </button>
                        })}
                    }.into_any()
                }
            }}
        </section>
    }
}

#[component]
fn SessionRow(
    session: SessionSummary,
    on_revoke: impl Fn() + 'static,
    busy: RwSignal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let created = local_time(i18n, &session.created_at);
    let seen = local_time(i18n, &session.last_seen);
    let browser = session.browser.clone();
    view! {
        <li class="row">
            <div class="row-main">
                <p class="row-title">
                    {session.browser.clone()}
                    {session.current.then(|| view! { " " <span class="badge badge-on">{tr(i18n, w::security::this_device)}</span> })}
                </p>
                <p class="row-meta">
                    {session.address.clone()} " · "
                    {tr_with(i18n, w::security::signed_in_at, vec![created])} " · "
                    {tr_with(i18n, w::security::last_seen, vec![seen])}
                </p>
            </div>
            {(!session.current).then(|| view! {
                <button type="button" class="button button-small button-secondary" disabled=move || busy.get()
                    on:click=move |_| on_revoke()>
                    {tr(i18n, w::security::end_session)}
                    <span class="visually-hidden">" " {browser}</span>
                </button>
            })}
        </li>
    }
}

#[component]
fn Activity() -> impl IntoView {
    let i18n = use_i18n();
    let (list, retry) = load(api::activity);
    view! {
        <section class="card" aria-labelledby="activity-heading">
            <h2 id="activity-heading">{tr(i18n, w::security::activity_heading)}</h2>
            {move || match list.get() {
                None => view! { <p class="muted">{tr(i18n, w::security::loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <ErrorPanel error=e on_retry=retry /> }.into_any(),
                Some(Ok(entries)) if entries.is_empty() => view! { <p class="muted">{tr(i18n, w::security::activity_empty)}</p> }.into_any(),
                Some(Ok(entries)) => view! {
                    <ul class="rows" data-testid="activity">
                        {entries.into_iter().map(|e| {
                            let when = local_time(i18n, &e.at);
                            let kind = e.kind.clone();
                            let failed = kind == "sign_in_failed";
                            view! {
                                <li class="row">
                                    <div class="row-main">
                                        <p class="row-title" class:row-warn=failed>{move || activity_kind(i18n, &kind)}</p>
                                        <p class="row-meta">{when} " · " {e.address.clone()} " · " {e.browser.clone()}</p>
                                    </div>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </section>
    }
}

/// An activity-log kind in words (here, not in `labels.rs`, so that the words travel with the
/// account chunk); a kind this version does not know is shown as sent.
fn activity_kind(i18n: I18n, kind: &str) -> String {
    let s = match kind {
        "signed_up" => w::activity::signed_up(i18n.get_locale()),
        "email_verified" => w::activity::email_verified(i18n.get_locale()),
        "signed_in" => w::activity::signed_in(i18n.get_locale()),
        "sign_in_failed" => w::activity::sign_in_failed(i18n.get_locale()),
        "signed_out" => w::activity::signed_out(i18n.get_locale()),
        "password_changed" => w::activity::password_changed(i18n.get_locale()),
        "password_reset" => w::activity::password_reset(i18n.get_locale()),
        "profile_changed" => w::activity::profile_changed(i18n.get_locale()),
        "email_changed" => w::activity::email_changed(i18n.get_locale()),
        "totp_enabled" => w::activity::totp_enabled(i18n.get_locale()),
        "totp_disabled" => w::activity::totp_disabled(i18n.get_locale()),
        "session_revoked" => w::activity::session_revoked(i18n.get_locale()),
        "passkey_added" => w::activity::passkey_added(i18n.get_locale()),
        "passkey_removed" => w::activity::passkey_removed(i18n.get_locale()),
        "signed_in_passkey" => w::activity::signed_in_passkey(i18n.get_locale()),
        "signed_in_two_step_passkey" => w::activity::signed_in_two_step_passkey(i18n.get_locale()),
        "export_requested" => w::activity::export_requested(i18n.get_locale()),
        "export_downloaded" => w::activity::export_downloaded(i18n.get_locale()),
        "export_sent" => w::activity::export_sent(i18n.get_locale()),
        "export_send_failed" => w::activity::export_send_failed(i18n.get_locale()),
        "export_link_created" => w::activity::export_link_created(i18n.get_locale()),
        "export_link_used" => w::activity::export_link_used(i18n.get_locale()),
        "guardian_review" => w::activity::guardian_review(i18n.get_locale()),
        "export_link_revoked" => w::activity::export_link_revoked(i18n.get_locale()),
        "request_filed" => w::activity::request_filed(i18n.get_locale()),
        "request_withdrawn" => w::activity::request_withdrawn(i18n.get_locale()),
        "restriction_lifted" => w::activity::restriction_lifted(i18n.get_locale()),
        other => return other.replace('_', " "),
    };
    s.to_string()
}
