//! "Download my data": asks the server for an archive of everything it holds about the
//! person (their password again), shows the build's progress live (server-sent events),
//! lets them cancel it, and links the archive once it is ready, until it expires. A session
//! signed in long ago confirms the password before the link is given.
//!
//! A ready archive can also leave Ward where the person asks: sent to one of the services
//! the operator declares (what is sent, to whom and where, said in one sentence before it
//! goes; each copy's delivery followed), or fetched once through a one-time link they give
//! to a service of their own (its URL shown once: the server keeps only a hash).

use std::time::Duration;

use leptos::prelude::*;
use send_wrapper::SendWrapper;
use ward_model::{
    ApiError, ErrorCode, ExportConfirm, ExportLink, ExportRecipient, ExportStart, ExportState, ExportStatus,
    ExportTransfer, FieldError, FieldErrorCode, LinkStart, TransferFailure, TransferStart, TransferState,
};

use crate::api::{self, ClientError};
use crate::components::{ErrorPanel, Field, FieldErrorText, FormError, SubmitButton};
use crate::forms::FormState;
use crate::i18n::{I18n, Locale, use_i18n, w};
use crate::labels::{fill, local_date, local_time, pick, tr, tr_when, tr_with};
use crate::load::{Loaded, load};

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
    // The archive that is ready, if one is: what is being sent or linked from it stays on
    // the page while its status changes (a password confirmed), and goes with the archive.
    let ready = Memo::new(move |_| {
        status.with(|s| s.as_ref().filter(|s| s.state == ExportState::Ready).map(|s| s.id.clone()))
    });
    let again =
        Memo::new(move |_| status.with(|s| s.as_ref().is_some_and(|s| s.state != ExportState::Running)));
    view! {
        {move || match status.get() {
            None => view! { <StartForm status=status again=false /> }.into_any(),
            Some(s) => match s.state {
                ExportState::Running => view! { <Progress status=s current=status /> }.into_any(),
                ExportState::Ready => view! { <Ready status=s current=status /> }.into_any(),
                ExportState::Failed => view! { <Failed status=s /> }.into_any(),
            },
        }}
        {move || ready.get().map(|_| view! { <SendCopy status=status /> <OwnLink status=status /> })}
        {move || again.get().then(|| view! { <StartForm status=status again=true /> })}
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

/// A text in both languages, as the `w` module gives them.
type Words = fn(Locale) -> &'static str;

/// What a part says politely to screen readers (a copy on its way, delivered, a link
/// revoked): words and the name in them.
type Said = RwSignal<Vec<(Words, String)>>;

/// Moves the focus to the element `id` once the view has caught up.
fn focus(id: String) {
    request_animation_frame(move || {
        if let Some(el) = document().get_element_by_id(&id) {
            use wasm_bindgen::JsCast;
            let _ = el.unchecked_into::<web_sys::HtmlElement>().focus();
        }
    });
}

/// Whether this session may let the archive leave without confirming the password.
fn fresh(status: RwSignal<Option<ExportStatus>>) -> bool {
    status.with_untracked(|s| s.as_ref().is_some_and(|s| s.fresh))
}

/// The password must be confirmed before the archive leaves (the server said so with a 403,
/// or the status did): the panel's confirmation form shows, with the focus in it.
fn ask_password(status: RwSignal<Option<ExportStatus>>, asked: RwSignal<bool>) {
    status.update(|s| {
        if let Some(s) = s {
            s.fresh = false;
        }
    });
    asked.set(true);
    focus("export-confirm-password".into());
}

/// A request that lets the archive leave: a 403 that the archive's status explains (this
/// session must confirm the password) is asked for (`None`) instead of shown as an error;
/// any other 403 (a missing security token) is shown as it is.
async fn or_confirm<T>(
    answer: impl Future<Output = Result<T, ClientError>>,
    abort: &web_sys::AbortSignal,
) -> Result<Option<T>, ClientError> {
    match answer.await {
        Err(e) if e.status() == Some(403) => match api::export_status(abort.clone()).await {
            Ok(Some(s)) if !s.fresh => Ok(None),
            _ => Err(e),
        },
        other => other.map(Some),
    }
}

/// The link as the person gives it on: absolute (a server without a public URL answers
/// with its path only).
fn absolute(url: String) -> String {
    match window().location().origin() {
        Ok(origin) if url.starts_with('/') => origin + &url,
        _ => url,
    }
}

/// Under a part's heading while the password is still to be confirmed after it was asked
/// for; once it is, the focus goes `back` to where the person was.
#[component]
fn ConfirmFirst(
    status: RwSignal<Option<ExportStatus>>,
    asked: RwSignal<bool>,
    back: &'static str,
) -> impl IntoView {
    let i18n = use_i18n();
    Effect::new(move |_| {
        if asked.get() && status.with(|s| s.as_ref().is_some_and(|s| s.fresh)) {
            asked.set(false);
            focus(back.into());
        }
    });
    move || {
        (asked.get() && !status.with(|s| s.as_ref().is_some_and(|s| s.fresh)))
            .then(|| view! { <p class="notice notice-info">{tr(i18n, w::export::confirm_first)}</p> })
    }
}

/// A part's polite announcements (present from the start, so changes are read out).
#[component]
fn SaidLine(said: Said) -> impl IntoView {
    let i18n = use_i18n();
    let text = move || {
        said.with(|s| {
            s.iter()
                .map(|(words, name)| fill(words(i18n.get_locale()), std::slice::from_ref(name)))
                .collect::<Vec<_>>()
                .join(" ")
        })
    };
    view! { <p role="status" class="status-line">{text}</p> }
}

/// "Send a copy to a service": one of the services the operator declares is chosen, the
/// exact sentence of what leaves for where is confirmed, and each copy's delivery follows.
/// Nothing of it shows when no service is declared and nothing was sent.
#[component]
fn SendCopy(status: RwSignal<Option<ExportStatus>>) -> impl IntoView {
    let i18n = use_i18n();
    let (recipients, retry) = load(api::export_recipients);
    let (transfers, reload) = load(api::export_transfers);
    let said: Said = RwSignal::new(Vec::new());
    follow_transfers(transfers, reload, said);
    let shown = Memo::new(move |_| match recipients.read().as_ref() {
        None => false,
        Some(Ok(rs)) if rs.is_empty() => transfers.with(|t| matches!(t, Some(Ok(ts)) if !ts.is_empty())),
        Some(_) => true,
    });
    move || {
        shown.get().then(|| {
            view! {
                <section class="export-send" aria-labelledby="export-send-heading">
                    <h3 id="export-send-heading">{tr(i18n, w::export::send_heading)}</h3>
                    {move || match recipients.get() {
                        Some(Err(e)) => view! { <ErrorPanel error=e on_retry=retry /> }.into_any(),
                        Some(Ok(rs)) if !rs.is_empty() => view! {
                            <p>{tr(i18n, w::export::send_lead)}</p>
                            <Choose recipients=rs status=status transfers=transfers reload=reload said=said />
                        }.into_any(),
                        _ => ().into_any(),
                    }}
                    <SaidLine said=said />
                    <Transfers transfers=transfers reload=reload said=said status=status />
                </section>
            }
        })
    }
}

/// Reads the copies again every second while one is on its way (not otherwise, and not once
/// the part is gone), and says when one arrives or fails.
fn follow_transfers(transfers: Loaded<Vec<ExportTransfer>>, reload: Callback<()>, said: Said) {
    let seen = StoredValue::new(Vec::<(String, TransferState)>::new());
    let timer = StoredValue::new(None::<TimeoutHandle>);
    let stop = move || {
        if let Some(Some(t)) = timer.try_update_value(Option::take) {
            t.clear();
        }
    };
    Effect::new(move |_| {
        stop();
        let Some(now) = transfers.with(|t| match t {
            Some(Ok(ts)) => {
                Some(ts.iter().map(|t| (t.id.clone(), t.state, t.recipient_name.clone())).collect::<Vec<_>>())
            }
            _ => None,
        }) else {
            return;
        };
        let news: Vec<(Words, String)> = now
            .iter()
            .filter_map(|(id, state, name)| {
                let was = seen.with_value(|s| s.iter().find(|(i, _)| i == id).map(|(_, s)| *s));
                let words: Words = match (was, state) {
                    (Some(TransferState::Sending), TransferState::Sent) => w::export::announce_sent,
                    (Some(TransferState::Sending), TransferState::Failed) => w::export::announce_failed,
                    _ => return None,
                };
                Some((words, name.clone()))
            })
            .collect();
        if !news.is_empty() {
            said.set(news);
        }
        if now.iter().any(|(_, state, _)| *state == TransferState::Sending) {
            timer.set_value(set_timeout_with_handle(move || reload.run(()), Duration::from_secs(1)).ok());
        }
        seen.set_value(now.into_iter().map(|(id, state, _)| (id, state)).collect());
    });
    on_cleanup(stop);
}

/// A copy on its way (sent, or sent again): first in the list at once, said, and the list
/// read again (and then every second until it arrives or fails).
fn on_its_way(transfers: Loaded<Vec<ExportTransfer>>, reload: Callback<()>, said: Said, t: ExportTransfer) {
    said.set(vec![(w::export::announce_sending, t.recipient_name.clone())]);
    transfers.update(|l| {
        if let Some(Ok(ts)) = l {
            ts.retain(|x| x.id != t.id);
            ts.insert(0, t);
        }
    });
    reload.run(());
    focus("export-transfers-heading".into());
}

/// The service chosen, then the sentence of exactly what leaves, confirmed or cancelled.
#[component]
fn Choose(
    recipients: Vec<ExportRecipient>,
    status: RwSignal<Option<ExportStatus>>,
    transfers: Loaded<Vec<ExportTransfer>>,
    reload: Callback<()>,
    said: Said,
) -> impl IntoView {
    let i18n = use_i18n();
    let abort = SendWrapper::new(api::use_abort_signal());
    let recipients = StoredValue::new(recipients);
    let chosen = RwSignal::new(None::<String>);
    let confirming = RwSignal::new(false);
    let asked = RwSignal::new(false);
    let form = FormState::new(&["recipient"]);
    let next = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if chosen.get_untracked().is_none() {
            // Said beside the choices, as the server's own field errors are.
            let message = w::export::send_pick_first(i18n.get_locale_untracked()).to_string();
            let mut error = ApiError::new(ErrorCode::Validation, message.clone());
            error.fields.push(FieldError { field: "recipient".into(), code: FieldErrorCode::Other, message });
            form.fail(ClientError::Api { status: 422, error, retry_after: None });
            return;
        }
        form.fields.set(Vec::new());
        form.error.set(None);
        confirming.set(true);
        focus("export-send-summary".into());
    };
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(recipient) = chosen.get_untracked() else { return };
        if !fresh(status) {
            ask_password(status, asked);
            return;
        }
        let abort = abort.clone();
        let request = async move {
            let answer = or_confirm(api::start_transfer(&TransferStart { recipient }, &abort), &abort).await;
            // A service the server does not know (any more): back to the choices, error beside them.
            if answer.as_ref().is_err_and(|e| e.field("recipient").is_some()) {
                confirming.set(false);
            }
            answer
        };
        form.submit(request, move |answer| match answer {
            Some(t) => {
                confirming.set(false);
                chosen.set(None);
                on_its_way(transfers, reload, said, t);
            }
            None => ask_password(status, asked),
        });
    };
    let cancel = move |_| {
        confirming.set(false);
        form.error.set(None);
        if let Some(id) = chosen.get_untracked() {
            focus(format!("export-recipient-{id}"));
        }
    };
    move || {
        if confirming.get() {
            let Some(r) = recipients.with_value(|rs| {
                chosen.with_untracked(|c| rs.iter().find(|r| c.as_ref() == Some(&r.id)).cloned())
            }) else {
                return ().into_any();
            };
            let (when, size) = status
                .with_untracked(|s| {
                    s.as_ref().map(|s| {
                        (local_date(i18n, &s.requested_at), s.size.map(size_text).unwrap_or_default())
                    })
                })
                .unwrap_or_default();
            let what = vec![when, size, r.name, r.legal_entity, r.endpoint];
            view! {
                <form class="form" novalidate on:submit=send.clone()>
                    <div class="notice notice-info" id="export-send-summary" tabindex="-1">
                        <p>{tr_with(i18n, w::export::send_summary, what)}</p>
                    </div>
                    <ConfirmFirst status=status asked=asked back="export-send-summary" />
                    <FormError form=form />
                    <div class="form-actions">
                        <SubmitButton form=form label=tr(i18n, w::export::send_go) />
                        <button type="button" class="button button-secondary" on:click=cancel>
                            {tr(i18n, w::export::cancel)}
                        </button>
                    </div>
                </form>
            }
            .into_any()
        } else {
            let size = status.with_untracked(|s| s.as_ref().and_then(|s| s.size)).unwrap_or(0);
            view! {
                <form class="form" novalidate on:submit=next>
                    <fieldset class="field choices" aria-describedby="export-recipient-error">
                        <legend>{tr(i18n, w::export::send_legend)}</legend>
                        {recipients.with_value(|rs| {
                            rs.iter().map(|r| view! { <Recipient recipient=r.clone() size=size chosen=chosen form=form /> }).collect_view()
                        })}
                        <FieldErrorText form=form name="recipient" id="export-recipient-error" />
                    </fieldset>
                    <button type="submit" class="button">{tr(i18n, w::export::send_next)}</button>
                </form>
            }
            .into_any()
        }
    }
}

/// One service as a choice: its name labels the radio button; who runs it, what it is and
/// the largest archive it takes describe it (a choice it cannot take is disabled).
#[component]
fn Recipient(
    recipient: ExportRecipient,
    /// The archive's size in bytes.
    size: u64,
    chosen: RwSignal<Option<String>>,
    form: FormState,
) -> impl IntoView {
    let i18n = use_i18n();
    let ExportRecipient { id, name, legal_entity, description, max_bytes, .. } = recipient;
    let input = format!("export-recipient-{id}");
    let about = format!("{input}-about");
    let too_large = size > max_bytes;
    let limit = if too_large {
        tr_with(i18n, w::export::send_too_large, vec![size_text(size), size_text(max_bytes)])
    } else {
        tr_with(i18n, w::export::send_limit, vec![size_text(max_bytes)])
    };
    let checked = id.clone();
    view! {
        <div class="check">
            <input type="radio" id=input.clone() name="recipient" value=id.clone() disabled=too_large
                aria-describedby=about.clone()
                aria-invalid=move || form.has_error("recipient").then_some("true")
                prop:checked=move || chosen.with(|c| c.as_ref() == Some(&checked))
                on:change=move |_| chosen.set(Some(id.clone())) />
            <label for=input><strong>{name}</strong></label>
        </div>
        <p class="field-hint" id=about>
            {legal_entity} " · " {move || pick(i18n, &description)} " " {limit}
        </p>
    }
}

/// The copies sent of this archive, newest first, each with where it is.
#[component]
fn Transfers(
    transfers: Loaded<Vec<ExportTransfer>>,
    reload: Callback<()>,
    said: Said,
    status: RwSignal<Option<ExportStatus>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let abort = SendWrapper::new(api::use_abort_signal());
    let asked = RwSignal::new(false);
    let error = RwSignal::new(None::<ClientError>);
    let busy = RwSignal::new(false);
    // Only a real change redraws the rows (they are read every second while one is sending).
    let (list, any, failed) = parts(transfers);
    let retry = Callback::new(move |id: String| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let abort = abort.clone();
        leptos::task::spawn_local(async move {
            let answer = or_confirm(api::retry_transfer(&id, &abort), &abort).await;
            busy.set(false);
            match answer {
                Ok(Some(t)) => on_its_way(transfers, reload, said, t),
                Ok(None) => ask_password(status, asked),
                Err(e) => error.set(Some(e)),
            }
        });
    });
    view! {
        <ConfirmFirst status=status asked=asked back="export-transfers-heading" />
        {move || error.get().map(|e| view! { <ErrorPanel error=e /> })}
        {move || failed.get().map(|e| view! { <ErrorPanel error=e on_retry=reload /> })}
        {move || any.get().then(|| view! {
            <h4 id="export-transfers-heading" tabindex="-1">{tr(i18n, w::export::transfers_heading)}</h4>
        })}
        {move || list.get().filter(|ts| !ts.is_empty()).map(|ts| view! {
            <ul class="rows">
                {ts.into_iter().map(|t| view! { <TransferRow transfer=t busy=busy retry=retry /> }).collect_view()}
            </ul>
        })}
    }
}

/// What `parts` makes of a loaded list.
type Parts<T> = (Memo<Option<Vec<T>>>, Memo<bool>, Memo<Option<ClientError>>);

/// A loaded list in parts that change only when they do (the transfers are read every
/// second while one is sending): the list, whether it has anything, the loading error. A
/// heading drawn from `any` stays while the rows are redrawn, and keeps the focus.
fn parts<T: Clone + PartialEq + Send + Sync + 'static>(loaded: Loaded<Vec<T>>) -> Parts<T> {
    let list = Memo::new(move |_| loaded.with(|l| l.as_ref().and_then(|l| l.as_ref().ok()).cloned()));
    let any = Memo::new(move |_| list.with(|l| l.as_ref().is_some_and(|l| !l.is_empty())));
    let failed = Memo::new(move |_| loaded.with(|l| l.as_ref().and_then(|l| l.as_ref().err()).cloned()));
    (list, any, failed)
}

/// Where a copy is, in words.
fn transfer_state(i18n: I18n, t: &ExportTransfer) -> String {
    let l = i18n.get_locale();
    match t.state {
        TransferState::Sending => w::export::transfer_sending(l).to_string(),
        TransferState::Sent => {
            let when = t.sent_at.as_deref().map(|at| local_time(i18n, at)).unwrap_or_default();
            fill(w::export::transfer_sent(l), &[when]).trim().to_string()
        }
        TransferState::Failed => {
            let reason = match (t.failure, t.status) {
                (Some(TransferFailure::Unreachable), _) => w::export::failure_unreachable(l).to_string(),
                (Some(TransferFailure::Refused), Some(code)) => {
                    fill(w::export::failure_refused(l), &[code.to_string()])
                }
                (Some(TransferFailure::Refused), None) => w::export::failure_refused_plain(l).to_string(),
                (Some(TransferFailure::ArchiveGone), _) => w::export::failure_archive_gone(l).to_string(),
                (None, _) => return w::export::transfer_failed_plain(l).to_string(),
            };
            fill(w::export::transfer_failed(l), &[reason])
        }
    }
}

#[component]
fn TransferRow(transfer: ExportTransfer, busy: RwSignal<bool>, retry: Callback<String>) -> impl IntoView {
    let i18n = use_i18n();
    let failed = transfer.state == TransferState::Failed;
    let meta = vec![local_time(i18n, &transfer.requested_at), transfer.attempts.to_string()];
    let name = transfer.recipient_name.clone();
    let id = transfer.id.clone();
    view! {
        <li class="row">
            <div class="row-main">
                <p class="row-title">{transfer.recipient_name.clone()}</p>
                <p class:row-warn=failed>{move || transfer_state(i18n, &transfer)}</p>
                <p class="row-meta">{tr_with(i18n, w::export::transfer_meta, meta)}</p>
            </div>
            {failed.then(|| view! {
                <button type="button" class="button button-small button-secondary"
                    aria-label=tr_with(i18n, w::export::transfer_retry_for, vec![name])
                    disabled=move || busy.get() on:click=move |_| retry.run(id.clone())>
                    {tr(i18n, w::export::transfer_retry)}
                </button>
            })}
        </li>
    }
}

/// "A link for a service of your own": a one-time link to the archive, for whom the person
/// names; its URL shown once, to copy; the links made, with revocation of the unused ones.
#[component]
fn OwnLink(status: RwSignal<Option<ExportStatus>>) -> impl IntoView {
    let i18n = use_i18n();
    let abort = SendWrapper::new(api::use_abort_signal());
    let (links, reload) = load(api::export_links);
    let (list, any, failed) = parts(links);
    let label = RwSignal::new(String::new());
    let form = FormState::new(&["label"]);
    let asked = RwSignal::new(false);
    // The link just made, with its URL: the only time it can be shown.
    let made = RwSignal::new(None::<ExportLink>);
    let copied = RwSignal::new(false);
    let selected = RwSignal::new(false);
    let said: Said = RwSignal::new(Vec::new());
    let error = RwSignal::new(None::<ClientError>);
    let busy = RwSignal::new(false);
    let submit = {
        let abort = abort.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if !fresh(status) {
                ask_password(status, asked);
                return;
            }
            let body = LinkStart { label: label.get_untracked() };
            let abort = abort.clone();
            form.submit(
                async move { or_confirm(api::create_export_link(&body, &abort), &abort).await },
                move |answer| match answer {
                    Some(link) => {
                        label.set(String::new());
                        copied.set(false);
                        selected.set(false);
                        made.set(
                            link.url.is_some().then(|| ExportLink { url: link.url.map(absolute), ..link }),
                        );
                        reload.run(());
                        focus("export-link-url".into());
                    }
                    None => ask_password(status, asked),
                },
            );
        }
    };
    let copy = move |_| {
        use wasm_bindgen::JsValue;
        use wasm_bindgen::closure::Closure;
        let Some(url) = made.with_untracked(|m| m.as_ref().and_then(|l| l.url.clone())) else { return };
        let navigator = window().navigator();
        // Only in secure contexts: otherwise (or when refused) the text is selected to copy by hand.
        let has_clipboard = js_sys::Reflect::get(&navigator, &JsValue::from_str("clipboard"))
            .is_ok_and(|c| !c.is_undefined());
        if !has_clipboard {
            select_link(selected);
            return;
        }
        // "Copied" is said only once the browser confirms it.
        let promise = navigator.clipboard().write_text(&url);
        let on_ok = Closure::<dyn FnMut(JsValue)>::new(move |_| copied.set(true));
        let on_err = Closure::<dyn FnMut(JsValue)>::new(move |_| select_link(selected));
        let _ = promise.then2(&on_ok, &on_err);
        on_ok.forget();
        on_err.forget();
    };
    let revoke = Callback::new(move |(id, whom): (String, String)| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let abort = abort.clone();
        leptos::task::spawn_local(async move {
            let answer = or_confirm(api::revoke_export_link(&id, &abort), &abort).await;
            busy.set(false);
            match answer {
                Ok(Some(())) => {
                    if made.with_untracked(|m| m.as_ref().is_some_and(|m| m.id == id)) {
                        made.set(None);
                    }
                    said.set(vec![(w::export::announce_revoked, whom)]);
                    reload.run(());
                    focus("export-links-heading".into());
                }
                Ok(None) => ask_password(status, asked),
                Err(e) => error.set(Some(e)),
            }
        });
    });
    view! {
        <section class="export-link" aria-labelledby="export-link-heading">
            <h3 id="export-link-heading">{tr(i18n, w::export::link_heading)}</h3>
            <p>{tr(i18n, w::export::link_lead)}</p>
            <ConfirmFirst status=status asked=asked back="export-link-label" />
            {move || made.get().map(|link| view! {
                <div class="notice notice-ok">
                    <p class="notice-title">{tr_with(i18n, w::export::link_made, vec![link.label])}</p>
                    <div class="field">
                        <label for="export-link-url">{tr(i18n, w::export::link_url)}</label>
                        <input id="export-link-url" type="text" readonly value=link.url.unwrap_or_default()
                            aria-describedby="export-link-once" />
                    </div>
                    <p id="export-link-once"><strong>{tr(i18n, w::export::link_once)}</strong></p>
                    <button type="button" class="button button-secondary" on:click=copy>
                        {tr(i18n, w::export::link_copy)}
                    </button>
                    <p role="status" class="muted">
                        {tr_when(i18n, copied, w::export::link_copied)}
                        {tr_when(i18n, selected, w::export::link_selected)}
                    </p>
                </div>
            })}
            <form class="form" novalidate on:submit=submit>
                <Field form=form name="label" id="export-link-label" value=label required=true maxlength=100
                    label=tr(i18n, w::export::link_label) hint=tr(i18n, w::export::link_label_hint) />
                <FormError form=form />
                <SubmitButton form=form label=tr(i18n, w::export::link_make) />
            </form>
            <SaidLine said=said />
            {move || error.get().map(|e| view! { <ErrorPanel error=e /> })}
            {move || failed.get().map(|e| view! { <ErrorPanel error=e on_retry=reload /> })}
            {move || any.get().then(|| view! {
                <h4 id="export-links-heading" tabindex="-1">{tr(i18n, w::export::links_heading)}</h4>
            })}
            {move || list.get().filter(|ls| !ls.is_empty()).map(|ls| view! {
                <ul class="rows">
                    {ls.into_iter().map(|l| view! { <LinkRow link=l busy=busy revoke=revoke /> }).collect_view()}
                </ul>
            })}
        </section>
    }
}

/// Selects the shown link's text, for copying by hand.
fn select_link(selected: RwSignal<bool>) {
    use wasm_bindgen::JsCast;
    if let Some(input) = document()
        .get_element_by_id("export-link-url")
        .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
    {
        let _ = input.focus();
        input.select();
    }
    selected.set(true);
}

#[component]
fn LinkRow(link: ExportLink, busy: RwSignal<bool>, revoke: Callback<(String, String)>) -> impl IntoView {
    let i18n = use_i18n();
    let expired = js_sys::Date::parse(&link.expires_at) <= js_sys::Date::now();
    let unused = link.used_at.is_none() && link.revoked_at.is_none() && !expired;
    let made = tr_with(i18n, w::export::link_created, vec![local_time(i18n, &link.created_at)]);
    let ExportLink { id, label, expires_at, used_at, revoked_at, .. } = link;
    let state = move || match (&used_at, &revoked_at) {
        (Some(at), _) => fill(w::export::link_used(i18n.get_locale()), &[local_time(i18n, at)]),
        (None, Some(_)) => w::export::link_revoked(i18n.get_locale()).to_string(),
        (None, None) if expired => w::export::link_expired(i18n.get_locale()).to_string(),
        (None, None) => fill(w::export::link_unused(i18n.get_locale()), &[local_time(i18n, &expires_at)]),
    };
    let whom = label.clone();
    view! {
        <li class="row">
            <div class="row-main">
                <p class="row-title">{label.clone()}</p>
                <p>{state}</p>
                <p class="row-meta">{made}</p>
            </div>
            {unused.then(|| view! {
                <button type="button" class="button button-small button-secondary"
                    aria-label=tr_with(i18n, w::export::link_revoke_for, vec![label])
                    disabled=move || busy.get() on:click=move |_| revoke.run((id.clone(), whom.clone()))>
                    {tr(i18n, w::export::link_revoke)}
                </button>
            })}
        </li>
    }
}
