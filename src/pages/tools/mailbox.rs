use leptos::prelude::*;
use leptos_meta::Title;
use ward_model::{ErrorCode, MailboxMessage};

use crate::api;
use crate::components::ErrorPanel;
use crate::forms::extract_code;
use crate::i18n::{use_i18n, w};
use crate::labels::{local_time, tr};
use crate::load::load;

/// Newest first: the server sends them so; a list that came oldest first is turned round.
pub fn newest_first(mut messages: Vec<MailboxMessage>) -> Vec<MailboxMessage> {
    let at = |m: Option<&MailboxMessage>| m.map_or(0.0, |m| js_sys::Date::parse(&m.date));
    if at(messages.first()) < at(messages.last()) {
        messages.reverse();
    }
    messages
}

/// The developer mailbox: the mail Ward "sent" on the embedded default, so a newcomer can
/// read the verification codes without an SMTP server.
#[component]
pub fn DevMailboxPage() -> impl IntoView {
    let i18n = use_i18n();
    let (messages, retry) = load(|abort| async move { api::dev_mailbox(abort).await.map(newest_first) });
    view! {
        <Title text=tr(i18n, w::mailbox::title) />
        <h1>{tr(i18n, w::mailbox::heading)}</h1>
        <p class="lead">{tr(i18n, w::mailbox::lead)}</p>
        <p><button type="button" class="button button-secondary" on:click=move |_| retry.run(())>{tr(i18n, w::mailbox::refresh)}</button></p>
        {move || match messages.get() {
            None => view! { <p class="muted" role="status">{tr(i18n, w::mailbox::loading)}</p> }.into_any(),
            Some(Err(e)) if e.code() == Some(ErrorCode::NotFound) => {
                view! { <p class="notice notice-info">{tr(i18n, w::mailbox::unavailable)}</p> }.into_any()
            }
            Some(Err(e)) => view! { <ErrorPanel error=e on_retry=retry /> }.into_any(),
            Some(Ok(list)) if list.is_empty() => view! { <p class="muted">{tr(i18n, w::mailbox::empty)}</p> }.into_any(),
            Some(Ok(list)) => view! {
                <ol class="mail-list">
                    {list.into_iter().map(|m| view! { <Mail message=m /> }).collect_view()}
                </ol>
            }.into_any(),
        }}
    }
}

#[component]
fn Mail(message: MailboxMessage) -> impl IntoView {
    let i18n = use_i18n();
    let code = extract_code(&message.text);
    let when = local_time(i18n, &message.date);
    let heading_id = format!("mail-{}", message.id);
    let heading_id2 = heading_id.clone();
    view! {
        <li class="card mail" aria-labelledby=heading_id>
            <h2 id=heading_id2>{message.subject.clone()}</h2>
            <p class="row-meta">
                {tr(i18n, w::mailbox::to)} " " <span class="break">{message.to.clone()}</span> " · " {when}
            </p>
            {code.map(|c| view! {
                <p class="mail-code">{tr(i18n, w::mailbox::code)} " " <strong data-testid="mail-code">{c}</strong></p>
            })}
            <pre class="mail-body">{message.text.clone()}</pre>
        </li>
    }
}
