//! "Download my data": asks the server for an archive of everything it holds about the
//! person (their password again), shows the build's progress live (server-sent events),
//! lets them cancel it, and links the archive once it is ready, until it expires. A session
//! signed in long ago confirms the password before the link is given.

use leptos::prelude::*;
use send_wrapper::SendWrapper;
use ward_model::{ExportConfirm, ExportStart, ExportState, ExportStatus};

use crate::api;
use crate::components::{ErrorPanel, Field, FormError, SubmitButton};
use crate::forms::FormState;
use crate::i18n::{Locale, use_i18n, w};
use crate::labels::{fill, local_time, tr};
use crate::load::load;

#[component]
pub fn ExportPanel() -> impl IntoView {
    let i18n = use_i18n();
    let (loaded, retry) = load(api::export_status);
    // The archive as last heard of: from the first load, then from the live stream.
    let status = RwSignal::new(None::<ExportStatus>);
    Effect::new(move |_| {
        if let Some(Ok(s)) = loaded.get() {
            status.set(s);
        }
    });
    // While the archive is being built, its progress comes live; the stream is closed as
    // soon as it says the build ended (a browser would otherwise reconnect to it).
    let source = StoredValue::new(None::<SendWrapper<web_sys::EventSource>>);
    let close = move || {
        source.update_value(|s| {
            if let Some(s) = s.take() {
                s.close();
            }
        })
    };
    Effect::new(move |_| {
        let running = status.with(|s| s.as_ref().is_some_and(|s| s.state == ExportState::Running));
        if running && source.with_value(Option::is_none) {
            let opened = api::watch_export(move |s| {
                // The effect closes the stream once the build has ended.
                status.set(Some(s));
            });
            source.set_value(opened.map(SendWrapper::new));
        } else if !running {
            // Cancelled or deleted here: nothing more to hear.
            close();
        }
    });
    on_cleanup(close);
    view! {
        <section class="card export" aria-labelledby="export-heading">
            <h2 id="export-heading">{tr(i18n, w::export::heading)}</h2>
            <p>{tr(i18n, w::export::lead)}</p>
            {move || match loaded.get() {
                None => view! { <p class="muted" role="status">{tr(i18n, w::export::loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <ErrorPanel error=e on_retry=retry /> }.into_any(),
                Some(Ok(_)) => view! { <Current status=status /> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn Current(status: RwSignal<Option<ExportStatus>>) -> impl IntoView {
    move || match status.get() {
        None => view! { <StartForm status=status again=false /> }.into_any(),
        Some(s) => match s.state {
            ExportState::Running => view! { <Progress status=s current=status /> }.into_any(),
            ExportState::Ready => {
                view! { <Ready status=s current=status /> <StartForm status=status again=true /> }.into_any()
            }
            ExportState::Failed => {
                view! { <Failed status=s /> <StartForm status=status again=true /> }.into_any()
            }
        },
    }
}

#[component]
fn StartForm(status: RwSignal<Option<ExportStatus>>, again: bool) -> impl IntoView {
    let i18n = use_i18n();
    let abort = api::use_abort_signal();
    let password = RwSignal::new(String::new());
    let form = FormState::new(&["password", "language"]);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let language = match i18n.get_locale_untracked() {
            Locale::zh => "zh",
            Locale::en => "en",
        };
        let body = ExportStart { password: password.get_untracked(), language: Some(language.into()) };
        let abort = abort.clone();
        form.submit(async move { api::start_export(&body, &abort).await }, move |s| {
            password.set(String::new());
            status.set(Some(s));
        });
    };
    let label = move || {
        if again { w::export::start_again(i18n.get_locale()) } else { w::export::start(i18n.get_locale()) }
    };
    view! {
        <form class="export-start" novalidate on:submit=submit>
            <Field form=form name="password" id=if again { "export-password-again" } else { "export-password" }
                value=password kind="password" autocomplete="current-password" required=true
                label=tr(i18n, w::export::password)
                hint=tr(i18n, w::export::password_hint) />
            <FormError form=form />
            <SubmitButton form=form label=label />
        </form>
    }
}

#[component]
fn Progress(status: ExportStatus, current: RwSignal<Option<ExportStatus>>) -> impl IntoView {
    let i18n = use_i18n();
    let abort = api::use_abort_signal();
    let p = status.progress.clone();
    let (done, total) = (p.steps_done, p.steps_total.max(1));
    let text = fill(
        w::export::progress(i18n.get_locale()),
        &[
            done.min(total).to_string(),
            total.to_string(),
            p.pictures_done.to_string(),
            p.pictures_total.to_string(),
        ],
    );
    let step = if p.step.is_empty() {
        String::new()
    } else {
        fill(w::export::step(i18n.get_locale()), &[p.step.replace('_', " ")])
    };
    let cancelling = RwSignal::new(false);
    let cancel = move |_| {
        cancelling.set(true);
        let abort = abort.clone();
        leptos::task::spawn_local(async move {
            // Gone either way: cancelled now, or ended (and deleted) a moment ago.
            let _ = api::cancel_export(&abort).await;
            cancelling.set(false);
            current.set(None);
        });
    };
    view! {
        <div class="export-progress" role="status">
            <p><strong>{tr(i18n, w::export::running)}</strong></p>
            <progress max=total.to_string() value=done.min(total).to_string()
                aria-label=tr(i18n, w::export::progress_label)></progress>
            <p>{text}</p>
            <p class="muted">{step}</p>
        </div>
        <button type="button" class="button button-secondary" on:click=cancel disabled=move || cancelling.get()>
            {tr(i18n, w::export::cancel)}
        </button>
    }
}

fn size_text(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", bytes.div_ceil(1024).max(1))
    }
}

#[component]
fn Ready(status: ExportStatus, current: RwSignal<Option<ExportStatus>>) -> impl IntoView {
    let i18n = use_i18n();
    let abort = api::use_abort_signal();
    let expires = fill(w::export::expires(i18n.get_locale()), &[local_time(i18n, &status.expires_at)]);
    let size = status.size.map(size_text).unwrap_or_default();
    let link = status.download_url.clone().unwrap_or_default();
    let fresh = status.fresh;
    let deleting = RwSignal::new(false);
    let delete = {
        let abort = abort.clone();
        move |_| {
            deleting.set(true);
            let abort = abort.clone();
            leptos::task::spawn_local(async move {
                let _ = api::cancel_export(&abort).await;
                deleting.set(false);
                current.set(None);
            });
        }
    };
    view! {
        <div class="export-ready" role="status">
            <p><strong>{tr(i18n, w::export::ready)}</strong></p>
            <p class="muted">{expires}</p>
        </div>
        {if fresh {
            view! {
                <p><a class="button" href=link download="">{fill(w::export::download(i18n.get_locale()), &[size])}</a></p>
            }.into_any()
        } else {
            view! { <ConfirmForm current=current /> }.into_any()
        }}
        <button type="button" class="button button-secondary" on:click=delete disabled=move || deleting.get()>
            {tr(i18n, w::export::delete)}
        </button>
    }
}

#[component]
fn ConfirmForm(current: RwSignal<Option<ExportStatus>>) -> impl IntoView {
    let i18n = use_i18n();
    let abort = api::use_abort_signal();
    let password = RwSignal::new(String::new());
    let form = FormState::new(&["password"]);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = ExportConfirm { password: password.get_untracked() };
        let abort = abort.clone();
        form.submit(async move { api::confirm_export(&body, &abort).await }, move |s| current.set(Some(s)));
    };
    view! {
        <form class="export-confirm" novalidate on:submit=submit>
            <p>{tr(i18n, w::export::confirm_lead)}</p>
            <Field form=form name="password" id="export-confirm-password" value=password kind="password"
                autocomplete="current-password" required=true
                label=tr(i18n, w::export::password) />
            <FormError form=form />
            <SubmitButton form=form label=tr(i18n, w::export::confirm) />
        </form>
    }
}

#[component]
fn Failed(status: ExportStatus) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="export-failed" role="alert">
            <p><strong>{tr(i18n, w::export::failed)}</strong></p>
            <p lang="en">{status.error.unwrap_or_default()}</p>
        </div>
    }
}
