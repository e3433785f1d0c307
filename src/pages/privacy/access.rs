//! "Who saw my data": every access to the person's data by someone else, newest first, and
//! whether the chain of records is whole (the server checks it on every read).

use leptos::prelude::*;
use ward_model::{AccessAction, AccessActor, AccessEntry, AccessLog};

use crate::api;
use crate::components::ErrorPanel;
use crate::i18n::{I18n, use_i18n, w};
use crate::labels::{fill, local_time, tr};
use crate::load::load;

#[component]
pub fn AccessPanel() -> impl IntoView {
    let i18n = use_i18n();
    let (log, retry) = load(api::access_log);
    view! {
        <section class="card" aria-labelledby="access-heading">
            <h2 id="access-heading">{tr(i18n, w::access::heading)}</h2>
            <p class="muted">{tr(i18n, w::access::lead)}</p>
            {move || match log.get() {
                None => view! { <p class="muted" role="status">{tr(i18n, w::access::loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <ErrorPanel error=e on_retry=retry /> }.into_any(),
                Some(Ok(l)) => view! { <Entries log=l /> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn Entries(log: AccessLog) -> impl IntoView {
    let i18n = use_i18n();
    let v = log.verification;
    let verdict = move || {
        let locale = i18n.get_locale();
        if v.intact {
            view! { <p class="notice notice-ok">{fill(w::access::intact(locale), &[v.records.to_string()])}</p> }
        } else {
            let n = v.first_broken.unwrap_or(0).to_string();
            view! { <p class="notice notice-error">{fill(w::access::broken(locale), &[n])}</p> }
        }
    };
    let shown = log.entries.len() as u64;
    let more = (shown < log.total).then(|| {
        let n = [shown.to_string(), log.total.to_string()];
        view! { <p class="muted">{move || fill(w::my_data::newest(i18n.get_locale()), &n)}</p> }
    });
    let list = if log.entries.is_empty() {
        view! { <p>{tr(i18n, w::access::none)}</p> }.into_any()
    } else {
        let items = log.entries.into_iter().map(|e| view! { <Entry entry=e /> }).collect_view();
        view! { <ol class="records access-log">{items}</ol> }.into_any()
    };
    view! {
        {verdict}
        {list}
        {more}
    }
}

/// One access in a sentence: who did what, to which camera.
fn sentence(i18n: I18n, e: &AccessEntry) -> String {
    let locale = i18n.get_locale();
    let who = match (e.actor, &e.who) {
        (AccessActor::Staff, _) => w::access::staff(locale).to_string(),
        (AccessActor::Invitee, Some(name)) => name.clone(),
        (AccessActor::Invitee, None) => w::access::invitee_gone(locale).to_string(),
        (AccessActor::Guardian, _) => w::access::guardian(locale).to_string(),
    };
    let what = e.what.clone().unwrap_or_else(|| w::access::camera_gone(locale).to_string());
    let template = match e.action {
        AccessAction::RequestOpened => w::access::request_opened(locale),
        AccessAction::RequestAnswered => w::access::request_answered(locale),
        AccessAction::LiveView => w::access::live_view(locale),
        AccessAction::AlarmPicture => w::access::alarm_picture(locale),
        AccessAction::Configured => w::access::configured(locale),
        AccessAction::GuardianRequest => w::access::guardian_request(locale),
        AccessAction::ChildViewed => w::access::child_viewed(locale),
        AccessAction::ChildArchive => w::access::child_archive(locale),
    };
    fill(template, &[who, what])
}

#[component]
fn Entry(entry: AccessEntry) -> impl IntoView {
    let i18n = use_i18n();
    let at = entry.at.clone();
    view! {
        <li>
            <time datetime=entry.at.clone()>{move || local_time(i18n, &at)}</time>
            <span>{move || sentence(i18n, &entry)}</span>
        </li>
    }
}
