//! Rights requests in words (their kinds, statuses and timeline entries) and their timeline,
//! and kinds of personal data in words, for the person's privacy pages and the staff's console.
// words: privacy tools entry (only these areas' pages use this file: its words live in their tables, see build.rs)

use leptos::prelude::*;
use ward_model::{
    PersonalCategory, RequestActor, RequestEvent, RequestEventKind, RequestKind, RequestStatus,
};

use crate::i18n::{Locale, use_i18n, w};
use crate::labels::{local_time, tr};

pub type Words = fn(Locale) -> &'static str;

pub fn kind(k: RequestKind) -> Words {
    match k {
        RequestKind::Access => w::requests::kind_access,
        RequestKind::Rectification => w::requests::kind_rectification,
        RequestKind::Erasure => w::requests::kind_erasure,
        RequestKind::Restriction => w::requests::kind_restriction,
        RequestKind::Objection => w::requests::kind_objection,
        RequestKind::Explanation => w::requests::kind_explanation,
        RequestKind::Withdrawal => w::requests::kind_withdrawal,
        RequestKind::Complaint => w::requests::kind_complaint,
    }
}

/// A kind of personal data (the registry's categories, in "My data"'s words).
pub fn category(c: PersonalCategory) -> Words {
    match c {
        PersonalCategory::Identity => w::my_data::c_identity,
        PersonalCategory::Contact => w::my_data::c_contact,
        PersonalCategory::Credentials => w::my_data::c_credentials,
        PersonalCategory::Activity => w::my_data::c_activity,
        PersonalCategory::Choices => w::my_data::c_choices,
        PersonalCategory::Devices => w::my_data::c_devices,
    }
}

/// Kinds of data, in one line.
pub fn categories(locale: Locale, cs: &[PersonalCategory]) -> String {
    cs.iter().map(|c| category(*c)(locale)).collect::<Vec<_>>().join(", ")
}

pub fn status(s: RequestStatus) -> Words {
    match s {
        RequestStatus::Open => w::requests::status_open,
        RequestStatus::Extended => w::requests::status_extended,
        RequestStatus::Fulfilled => w::requests::status_fulfilled,
        RequestStatus::Refused => w::requests::status_refused,
        RequestStatus::Withdrawn => w::requests::status_withdrawn,
    }
}

pub fn event(k: RequestEventKind) -> Words {
    match k {
        RequestEventKind::Filed => w::requests::ev_filed,
        RequestEventKind::Information => w::requests::ev_information,
        RequestEventKind::Viewed => w::requests::ev_viewed,
        RequestEventKind::Extended => w::requests::ev_extended,
        RequestEventKind::Fulfilled => w::requests::ev_fulfilled,
        RequestEventKind::Refused => w::requests::ev_refused,
        RequestEventKind::Withdrawn => w::requests::ev_withdrawn,
        RequestEventKind::Note => w::requests::ev_note,
        RequestEventKind::Tightened => w::requests::ev_tightened,
        RequestEventKind::Lifted => w::requests::ev_lifted,
        RequestEventKind::Corrected => w::requests::ev_corrected,
        RequestEventKind::Asked => w::requests::ev_asked,
    }
}

pub fn actor(a: RequestActor) -> Words {
    match a {
        RequestActor::Person => w::requests::by_person,
        RequestActor::Staff => w::requests::by_staff,
    }
}

/// The kinds of request as radio buttons (their ids `{prefix}-{code}`), under `legend`.
#[component]
pub fn KindChoices(
    kind: RwSignal<RequestKind>,
    prefix: &'static str,
    legend: Words,
    /// Below the choices (an error text).
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <fieldset class="field choices">
            <legend>{tr(i18n, legend)}</legend>
            {RequestKind::ALL.into_iter().map(|k| {
                let id = format!("{prefix}-{}", k.code());
                let label_for = id.clone();
                view! {
                    <label class="check" for=label_for>
                        <input type="radio" id=id name="kind" value=k.code()
                            prop:checked=move || kind.get() == k
                            on:change=move |_| kind.set(k) />
                        {tr(i18n, self::kind(k))}
                    </label>
                }
            }).collect_view()}
            {children.map(|c| c())}
        </fieldset>
    }
}

/// A request's timeline, oldest first: when, who, what, and what they said.
#[component]
pub fn Timeline(events: Vec<RequestEvent>, #[prop(into)] heading_id: String) -> impl IntoView {
    let i18n = use_i18n();
    let heading = heading_id.clone();
    view! {
        <h3 id=heading>{tr(i18n, w::requests::timeline)}</h3>
        <ol class="timeline" aria-labelledby=heading_id>
            {events.into_iter().map(|e| {
                let when = local_time(i18n, &e.at);
                view! {
                    <li>
                        <p class="row-meta">{when} " · " {tr(i18n, actor(e.by))}</p>
                        <p><strong>{tr(i18n, event(e.kind))}</strong></p>
                        {e.text.map(|t| view! { <p class="timeline-text">{t}</p> })}
                    </li>
                }
            }).collect_view()}
        </ol>
    }
}
