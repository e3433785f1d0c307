//! One request as the staff open it (`/staff/request?region=…&id=…`): who asked and whether
//! their address is verified, what they ask, the timeline, and the decision (extend once where
//! the law allows, fulfil, refuse), mailed to the person. Opening it is recorded in the
//! person's timeline. A guardian's request also shows what verifying them needs: the child's
//! account their address leads to and the proof they uploaded.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use ward_model::{
    ChildFlagAction, GuardianAsk, GuardianCase, Region, RequestKind, RequestText, StaffAction,
    StaffChildFlag, StaffCorrection, StaffDecision, StaffNote, StaffRequest, StaffTighten,
};

use crate::api;
use crate::components::{ErrorPanel, Field, FieldErrorText, FormError, SubmitButton, TextArea};
use crate::forms::FormState;
use crate::i18n::{use_i18n, w};
use crate::labels::{local_time, pick, region_name, tr, tr_when, tr_with};
use crate::load::load;
use crate::rights::{self, Timeline};
use crate::routes::Page;
use crate::session::RequireSession;

#[component]
pub fn StaffRequestPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=tr(i18n, w::staff::request_title) />
        <p><A href={Page::StaffQueue.path()}>{tr(i18n, w::staff::back)}</A></p>
        <RequireSession>
            <Opened />
        </RequireSession>
    }
}

#[component]
fn Opened() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let param = move |name: &str| query.with_untracked(|q| q.get(name).unwrap_or_default());
    let (region, id) = (param("region"), param("id"));
    let (loaded, reload) = load(move |abort| api::staff_request(region.clone(), id.clone(), abort));
    // Outlives the decision form, which goes once the request is closed.
    let decided = RwSignal::new(false);
    let said = Said {
        noted: RwSignal::new(false),
        tightened: RwSignal::new(false),
        corrected: RwSignal::new(false),
        asked: RwSignal::new(false),
    };
    view! {
        {move || match loaded.get() {
            None => view! { <p class="muted" role="status">{tr(i18n, w::staff::loading_request)}</p> }.into_any(),
            Some(Err(e)) => view! { <ErrorPanel error=e on_retry=reload /> }.into_any(),
            Some(Ok(r)) => view! { <Request request=r loaded=loaded decided=decided said=said /> }.into_any(),
        }}
    }
}

/// What the note and due-date forms last did: outlives the forms, which are drawn anew with
/// the request each answer brings.
#[derive(Clone, Copy)]
struct Said {
    noted: RwSignal<bool>,
    tightened: RwSignal<bool>,
    corrected: RwSignal<bool>,
    asked: RwSignal<bool>,
}

#[component]
fn Request(
    request: StaffRequest,
    loaded: crate::load::Loaded<StaffRequest>,
    decided: RwSignal<bool>,
    said: Said,
) -> impl IntoView {
    let i18n = use_i18n();
    let (r, p) = (request.request.clone(), request.person.clone());
    let region = request.region;
    let open = r.status.is_open();
    let rule = pick(i18n, &r.rule);
    view! {
        <h1>{tr(i18n, rights::kind(r.kind))}</h1>
        <section class="card" aria-labelledby="asked-heading">
            <h2 id="asked-heading">{tr(i18n, w::staff::asked_heading)}</h2>
            <p>
                <span class="badge" data-testid="request-status">{tr(i18n, rights::status(r.status))}</span>
                " "
                <span class="row-meta">{tr_with(i18n, w::requests::filed_at, vec![local_time(i18n, &r.filed_at)])}</span>
            </p>
            <p><strong>{tr_with(i18n, w::requests::due, vec![local_time(i18n, &r.due_at)])}</strong> <br /> <span class="muted">{rule}</span></p>
            <p class="timeline-text">{r.details.clone()}</p>
            <Timeline events=r.timeline.clone() heading_id="staff-timeline" />
        </section>
        <section class="card" aria-labelledby="person-heading">
            <h2 id="person-heading">{tr(i18n, w::staff::person_heading)}</h2>
            <dl class="facts">
                <div><dt>{tr(i18n, w::staff::person_name)}</dt><dd>{p.name.clone()}</dd></div>
                <div><dt>{tr(i18n, w::staff::person_email)}</dt><dd class="break">{p.email.clone()}</dd></div>
                <div><dt>{tr(i18n, w::staff::filter_region)}</dt><dd>{move || region_name(i18n, region)}</dd></div>
                {p.account_since.as_deref().map(|t| view! {
                    <div><dt>{tr(i18n, w::staff::since)}</dt><dd>{local_time(i18n, t)}</dd></div>
                })}
            </dl>
            <p class="muted" data-testid="staff-verified">{match (&p.account_since, p.email_verified) {
                (None, _) => tr(i18n, w::staff::no_account),
                (Some(_), true) => tr(i18n, w::staff::verified),
                (Some(_), false) => tr(i18n, w::staff::not_verified),
            }}</p>
        </section>
        {request.guardian.clone().map(|case| view! { <Guardian case region id=r.id.clone() /> })}
        {child_delete_at(&request).map(|at| view! { <ChildFlag request=request.clone() loaded=loaded flagged_until=at /> })}
        <p class="status-line" role="status">{tr_when(i18n, decided, w::staff::decided)}</p>
        {(open && r.kind == RequestKind::Rectification && p.account_since.is_some()).then(|| view! {
            <Correct request=request.clone() loaded=loaded done=said.corrected />
        })}
        {open.then(|| view! { <SayForm say=Say::Ask request=request.clone() loaded=loaded done=said.asked /> })}
        {if open {
            view! {
                <Decide request=request.clone() loaded=loaded decided=decided />
                <Tighten request=request.clone() loaded=loaded done=said.tightened />
            }.into_any()
        } else {
            view! { <p class="notice notice-info">{tr(i18n, w::staff::closed)}</p> }.into_any()
        }}
        <SayForm say=Say::Note request=request loaded=loaded done=said.noted />
    }
}

/// What verifying a guardian needs: who they say they are and what they ask, the account the
/// child's address leads to (and whether its date of birth makes it a child), the proof, and
/// what the decision does to that account.
#[component]
fn Guardian(case: GuardianCase, region: Region, id: String) -> impl IntoView {
    let i18n = use_i18n();
    let g = case;
    let fulfil = match g.ask {
        GuardianAsk::Review => w::staff::g_fulfil_review,
        GuardianAsk::Delete => w::staff::g_fulfil_delete,
        GuardianAsk::Prohibit => w::staff::g_fulfil_prohibit,
        GuardianAsk::Consent => w::staff::g_fulfil_consent,
    };
    let proof = match (g.proof, g.method.uploads()) {
        (Some(p), _) => {
            let kind = match p.media_type.as_str() {
                "application/pdf" => "PDF",
                "image/png" => "PNG",
                "image/jpeg" => "JPEG",
                other => other,
            }
            .to_string();
            let size = format!("{kind}, {} KB", p.size.div_ceil(1024));
            view! {
                <p>
                    {size} " · "
                    <a href=api::urls::staff_proof(region.code(), &id) target="_blank" rel="noopener">
                        {tr(i18n, w::staff::g_open_proof)}
                    </a>
                </p>
                <p class="muted">{match p.delete_at {
                    Some(t) => tr_with(i18n, w::staff::g_proof_delete_at, vec![local_time(i18n, &t)]).into_any(),
                    None => tr(i18n, w::staff::g_proof_kept).into_any(),
                }}</p>
            }
            .into_any()
        }
        (None, true) => view! { <p class="muted">{tr(i18n, w::staff::g_proof_gone)}</p> }.into_any(),
        (None, false) => view! { <p class="muted">{tr(i18n, w::staff::g_video)}</p> }.into_any(),
    };
    let child = match g.child {
        Some(c) => view! {
            <dl class="facts">
                <div><dt>{tr(i18n, w::staff::filter_region)}</dt><dd>{move || region_name(i18n, c.region)}</dd></div>
                <div><dt>{tr(i18n, w::staff::g_age)}</dt><dd>{c.age}</dd></div>
                <div><dt>{tr(i18n, w::staff::since)}</dt><dd>{local_time(i18n, &c.account_since)}</dd></div>
            </dl>
            <p class="muted" data-testid="guardian-child">{tr_with(i18n, w::staff::g_age_note, vec![c.child_under.to_string()])}</p>
            // Whose consent the account waits for: the staff check the proof comes from that person.
            {(c.waits_for_consent || c.consented).then(|| {
                let said = match (c.consented, c.named_this_guardian) {
                    (true, _) => w::staff::g_consented,
                    (false, true) => w::staff::g_waits_named,
                    (false, false) => w::staff::g_waits_other,
                };
                view! { <p class="notice notice-info" data-testid="guardian-consent">{tr(i18n, said)}</p> }
            })}
        }
        .into_any(),
        None => view! { <p class="muted" data-testid="guardian-child">{tr(i18n, w::staff::g_no_account)}</p> }.into_any(),
    };
    view! {
        <section class="card" aria-labelledby="guardian-heading">
            <h2 id="guardian-heading">{tr(i18n, w::staff::g_heading)}</h2>
            <dl class="facts">
                <div><dt>{tr(i18n, w::staff::g_relation)}</dt><dd>{tr(i18n, rights::relation(g.relation))}</dd></div>
                <div><dt>{tr(i18n, w::staff::g_ask)}</dt><dd>{tr(i18n, rights::guardian_ask(g.ask))}</dd></div>
                <div><dt>{tr(i18n, w::staff::g_method)}</dt><dd>{tr(i18n, rights::method(g.method).0)}</dd></div>
                {g.child_email.map(|e| view! {
                    <div><dt>{tr(i18n, w::staff::g_child_email)}</dt><dd class="break">{e}</dd></div>
                })}
                {g.child_phone.map(|p| view! {
                    <div><dt>{tr(i18n, w::staff::g_child_phone)}</dt><dd>{p}</dd></div>
                })}
            </dl>
            <h3>{tr(i18n, w::staff::g_account)}</h3>
            {child}
            <h3>{tr(i18n, w::staff::g_proof)}</h3>
            {proof}
            <p class="notice notice-info">{tr(i18n, fulfil)}</p>
        </section>
    }
}

/// Whether the request leads to an account, and if that account is flagged as a child's, until
/// when: `Some(None)` an account not flagged, `Some(Some(t))` flagged, `None` no account.
fn child_delete_at(request: &StaffRequest) -> Option<Option<String>> {
    match &request.guardian {
        Some(g) => g.child.as_ref().map(|c| c.child_delete_at.clone()),
        None => request.person.account_since.as_ref().map(|_| request.person.child_delete_at.clone()),
    }
}

/// Actual knowledge that the account behind the request is a child's: flag it (suspended now,
/// deleted after the notice unless a parent or guardian consents), or lift the flag.
#[component]
fn ChildFlag(
    request: StaffRequest,
    loaded: crate::load::Loaded<StaffRequest>,
    flagged_until: Option<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let abort = api::use_abort_signal();
    let text = RwSignal::new(String::new());
    let form = FormState::new(&["text"]);
    let (region, id) = (request.region.code(), request.request.id.clone());
    let action = if flagged_until.is_some() { ChildFlagAction::Lift } else { ChildFlagAction::Flag };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = StaffChildFlag { action, text: text.get_untracked() };
        let (abort, id) = (abort.clone(), id.clone());
        form.submit(async move { api::staff_child(region, &id, &body, &abort).await }, move |r| {
            text.set(String::new());
            loaded.set(Some(Ok(r)));
        });
    };
    view! {
        <section class="card" aria-labelledby="child-flag-heading">
            <h2 id="child-flag-heading">{tr(i18n, w::staff::child_heading)}</h2>
            {match flagged_until {
                Some(t) => view! {
                    <p class="notice notice-error" data-testid="child-flagged">{tr_with(i18n, w::staff::child_flagged, vec![local_time(i18n, &t)])}</p>
                }.into_any(),
                None => view! { <p class="muted">{tr(i18n, w::staff::child_lead)}</p> }.into_any(),
            }}
            <form class="form" novalidate on:submit=submit>
                <TextArea form=form name="text" id="child-flag-text" label=w::staff::child_why value=text rows=2 />
                <FormError form=form />
                <SubmitButton form=form label=tr(i18n, match action {
                    ChildFlagAction::Flag => w::staff::child_flag,
                    ChildFlagAction::Lift => w::staff::child_lift,
                }) />
            </form>
        </section>
    }
}

/// What the staff write on a request besides their decision.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Say {
    /// A question to the person (information, proof of identity): on their timeline, mailed.
    Ask,
    /// A note between the staff: the person never sees it.
    Note,
}

/// The form for one of [`Say`]: a text and its button.
#[component]
fn SayForm(
    say: Say,
    request: StaffRequest,
    loaded: crate::load::Loaded<StaffRequest>,
    done: RwSignal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let abort = api::use_abort_signal();
    let text = RwSignal::new(String::new());
    let form = FormState::new(&["text"]);
    let (region, id) = (request.region.code(), request.request.id.clone());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text_now = text.get_untracked();
        let (abort, id) = (abort.clone(), id.clone());
        done.set(false);
        let send = async move {
            match say {
                Say::Ask => api::staff_ask(region, &id, &RequestText { text: text_now }, &abort).await,
                Say::Note => api::staff_note(region, &id, &StaffNote { text: text_now }, &abort).await,
            }
        };
        form.submit(send, move |r| {
            text.set(String::new());
            done.set(true);
            loaded.set(Some(Ok(r)));
        });
    };
    let (heading_id, text_id) = match say {
        Say::Ask => ("ask-more-heading", "ask-more-text"),
        Say::Note => ("note-heading", "note-text"),
    };
    type W = rights::Words;
    let (heading, label, hint, status, submit_label): (W, W, W, W, W) = match say {
        Say::Ask => (
            w::staff::ask_heading,
            w::staff::ask_label,
            w::staff::ask_hint,
            w::staff::asked,
            w::staff::ask_submit,
        ),
        Say::Note => (
            w::staff::note_heading,
            w::staff::note_label,
            w::staff::note_hint,
            w::staff::noted,
            w::staff::note_submit,
        ),
    };
    view! {
        <form class="card form" novalidate on:submit=submit aria-labelledby=heading_id>
            <h2 id=heading_id>{tr(i18n, heading)}</h2>
            <crate::components::TextArea form=form name="text" id=text_id label=label hint=hint value=text />
            <FormError form=form />
            <p class="status-line" role="status">{tr_when(i18n, done, status)}</p>
            <SubmitButton form=form label=tr(i18n, submit_label) />
        </form>
    }
}

/// What a rectification asks and the person cannot change themselves: the date of birth, or
/// the home region (their data moves to that region's store; the page's address follows).
#[component]
fn Correct(
    request: StaffRequest,
    loaded: crate::load::Loaded<StaffRequest>,
    done: RwSignal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let abort = api::use_abort_signal();
    let navigate = leptos_router::hooks::use_navigate();
    let birth = RwSignal::new(String::new());
    let to = RwSignal::new(None::<Region>);
    let birth_form = FormState::new(&["birth_date"]);
    let move_form = FormState::new(&[]);
    let (region, id) = (request.region.code(), request.request.id.clone());
    let send = move |form: FormState, body: StaffCorrection| {
        let (abort, id, navigate) = (abort.clone(), id.clone(), navigate.clone());
        done.set(false);
        form.submit(async move { api::staff_correct(region, &id, &body, &abort).await }, move |r| {
            done.set(true);
            if r.region.code() != region {
                let href =
                    Page::StaffQueue.with_query(&format!("region={}&id={}", r.region.code(), r.request.id));
                navigate(&href, leptos_router::NavigateOptions { replace: true, ..Default::default() });
            }
            loaded.set(Some(Ok(r)));
        });
    };
    let send_birth = send.clone();
    let correct_birth = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        send_birth(birth_form, StaffCorrection::BirthDate { birth_date: birth.get_untracked() });
    };
    let move_region = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(r) = to.get_untracked() {
            send(move_form, StaffCorrection::HomeRegion { region: r });
        }
    };
    let here = request.region;
    view! {
        <section class="card" aria-labelledby="correct-heading">
            <h2 id="correct-heading">{tr(i18n, w::staff::correct_heading)}</h2>
            <p class="muted">{tr(i18n, w::staff::correct_lead)}</p>
            <form class="form" novalidate on:submit=correct_birth>
                <Field form=birth_form name="birth_date" id="correct-birth" kind="date" label=tr(i18n, w::staff::correct_birth)
                    value=birth required=true />
                <FormError form=birth_form />
                <SubmitButton form=birth_form label=tr(i18n, w::staff::correct_birth_submit) />
            </form>
            <form class="form" novalidate on:submit=move_region>
                <div class="field">
                    <label for="correct-region">{tr(i18n, w::staff::correct_region)}</label>
                    <p class="field-hint" id="correct-region-hint">{tr(i18n, w::staff::correct_region_hint)}</p>
                    <select id="correct-region" name="region" aria-describedby="correct-region-hint"
                        on:change=move |ev| to.set(Region::from_code(&event_target_value(&ev)))>
                        <option value="" selected=move || to.get().is_none()>{tr(i18n, w::staff::correct_region_choose)}</option>
                        {Region::ALL.into_iter().filter(|r| *r != here).map(|r| view! {
                            <option value=r.code() selected=move || to.get() == Some(r)>{move || region_name(i18n, r)}</option>
                        }).collect_view()}
                    </select>
                </div>
                <FormError form=move_form />
                <SubmitButton form=move_form label=tr(i18n, w::staff::correct_region_submit) />
            </form>
            <p class="status-line" role="status">{tr_when(i18n, done, w::staff::corrected)}</p>
        </section>
    }
}

/// An earlier due date, with the reason the person is sent.
#[component]
fn Tighten(
    request: StaffRequest,
    loaded: crate::load::Loaded<StaffRequest>,
    done: RwSignal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let abort = api::use_abort_signal();
    let due = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let form = FormState::new(&["due_at", "text"]);
    let (region, id) = (request.region.code(), request.request.id.clone());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body =
            StaffTighten { due_at: super::incidents::utc(&due.get_untracked()), text: text.get_untracked() };
        let (abort, id) = (abort.clone(), id.clone());
        done.set(false);
        form.submit(async move { api::staff_tighten(region, &id, &body, &abort).await }, move |r| {
            text.set(String::new());
            done.set(true);
            loaded.set(Some(Ok(r)));
        });
    };
    view! {
        <form class="card form" novalidate on:submit=submit aria-labelledby="tighten-heading">
            <h2 id="tighten-heading">{tr(i18n, w::staff::tighten_heading)}</h2>
            <Field form=form name="due_at" id="tighten-due" kind="datetime-local" label=tr(i18n, w::staff::tighten_label)
                value=due required=true hint=move || tr(i18n, w::staff::tighten_hint)() />
            <crate::components::TextArea form=form name="text" id="tighten-text" label=w::staff::tighten_reason value=text />
            <FormError form=form />
            <p class="status-line" role="status">{tr_when(i18n, done, w::staff::tightened)}</p>
            <SubmitButton form=form label=tr(i18n, w::staff::tighten_submit) />
        </form>
    }
}

#[component]
fn Decide(
    request: StaffRequest,
    loaded: crate::load::Loaded<StaffRequest>,
    decided: RwSignal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let abort = api::use_abort_signal();
    let action = RwSignal::new(StaffAction::Fulfil);
    let text = RwSignal::new(String::new());
    let form = FormState::new(&["text"]);
    let (region, id) = (request.region.code(), request.request.id.clone());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = StaffDecision { action: action.get_untracked(), text: text.get_untracked() };
        let (abort, id) = (abort.clone(), id.clone());
        decided.set(false);
        form.submit(async move { api::staff_decide(region, &id, &body, &abort).await }, move |r| {
            decided.set(true);
            loaded.set(Some(Ok(r)));
        });
    };
    let mut actions = Vec::new();
    if request.can_extend {
        actions.push((StaffAction::Extend, "extend", w::staff::action_extend as rights::Words));
    }
    actions.push((StaffAction::Fulfil, "fulfil", w::staff::action_fulfil));
    actions.push((StaffAction::Refuse, "refuse", w::staff::action_refuse));
    let invalid = move || form.has_error("text").then_some("true");
    view! {
        <form class="card form" novalidate on:submit=submit aria-labelledby="decide-heading">
            <h2 id="decide-heading">{tr(i18n, w::staff::decide_heading)}</h2>
            {(request.request.kind == RequestKind::Erasure && request.person.account_since.is_some()).then(|| view! {
                <p class="notice notice-error">{tr(i18n, w::staff::erasure_warning)}</p>
            })}
            <fieldset class="field choices">
                <legend>{tr(i18n, w::staff::action_label)}</legend>
                {actions.into_iter().map(|(a, code, label)| {
                    let id = format!("decision-{code}");
                    let label_for = id.clone();
                    view! {
                        <label class="check" for=label_for>
                            <input type="radio" id=id name="action" value=code
                                prop:checked=move || action.get() == a on:change=move |_| action.set(a) />
                            {tr(i18n, label)}
                        </label>
                    }
                }).collect_view()}
            </fieldset>
            <div class="field" class:field-invalid=move || form.has_error("text")>
                <label for="decision-text">{tr(i18n, w::staff::text_label)}</label>
                <p class="field-hint" id="decision-text-hint">{tr(i18n, w::staff::text_hint)}</p>
                <textarea id="decision-text" name="text" rows="4" maxlength="4000" required
                    aria-describedby="decision-text-hint decision-text-error" aria-invalid=invalid
                    prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                <FieldErrorText form=form name="text" id="decision-text-error" />
            </div>
            <FormError form=form />
            <SubmitButton form=form label=tr(i18n, w::staff::submit) />
        </form>
    }
}
