//! Rights requests in words (their kinds, statuses and timeline entries) and their timeline,
//! and kinds of personal data in words, for the person's privacy pages and the staff's console.
// words: privacy tools entry (only these areas' pages use this file: its words live in their tables, see build.rs)

use leptos::prelude::*;
use ward_model::{
    GuardianAsk, GuardianRelation, PersonalCategory, ProofMethod, RequestActor, RequestEvent,
    RequestEventKind, RequestKind, RequestStatus,
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
        RequestKind::Guardian => w::requests::kind_guardian,
    }
}

/// What a parent or guardian asks about a child's data (the guardian page and the console).
pub fn guardian_ask(a: GuardianAsk) -> Words {
    match a {
        GuardianAsk::Review => w::guardian::ask_review,
        GuardianAsk::Delete => w::guardian::ask_delete,
        GuardianAsk::Prohibit => w::guardian::ask_prohibit,
        GuardianAsk::Consent => w::guardian::ask_consent,
    }
}

pub fn relation(r: GuardianRelation) -> Words {
    match r {
        GuardianRelation::Parent => w::guardian::relation_parent,
        GuardianRelation::LegalGuardian => w::guardian::relation_legal_guardian,
    }
}

/// A proof of guardianship: its name and a line on what it takes.
pub fn method(m: ProofMethod) -> (Words, Words) {
    match m {
        ProofMethod::SignedForm => (w::guardian::m_signed_form, w::guardian::m_signed_form_hint),
        ProofMethod::IdDocument => (w::guardian::m_id_document, w::guardian::m_id_document_hint),
        ProofMethod::VideoCall => (w::guardian::m_video_call, w::guardian::m_video_call_hint),
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

/// The kinds of request a person may make about themselves as radio buttons (their ids
/// `{prefix}-{code}`), under `legend`. A guardian's request has its own page.
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
            {RequestKind::PERSONAL.into_iter().map(|k| {
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
