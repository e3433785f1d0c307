//! Breach notices (`/staff/requests?view=incidents`): record an incident (what happened, the
//! kinds of data, and the query that finds the people concerned), see its 72-hour clock for
//! the supervisory authority, notify the people, record that the authority was told, and
//! download the report for it.

use leptos::prelude::*;
use leptos_meta::Title;
use ward_model::{Incident, IncidentFeature, IncidentNew, PersonalCategory, Region};
use wasm_bindgen::JsValue;

use crate::api;
use crate::components::{ErrorPanel, Field, FieldErrorText, FormError, SubmitButton};
use crate::forms::FormState;
use crate::i18n::{use_i18n, w};
use crate::labels::{local_time, region_name, tr, tr_when, tr_with};
use crate::load::load;
use crate::rights::{self, Words};
use crate::session::RequireSession;

#[component]
pub fn IncidentsPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=tr(i18n, w::incidents::title) />
        <h1>{tr(i18n, w::incidents::title)}</h1>
        <super::StaffNav current=super::Section::Incidents />
        <RequireSession>
            <Incidents />
        </RequireSession>
    }
}

#[component]
fn Incidents() -> impl IntoView {
    let i18n = use_i18n();
    let (list, reload) = load(api::incidents);
    view! {
        <p class="lead">{tr(i18n, w::incidents::lead)}</p>
        <NewIncident recorded=reload />
        <section class="card card-wide" aria-labelledby="incidents-heading">
            <h2 id="incidents-heading">{tr(i18n, w::incidents::list_heading)}</h2>
            {move || match list.get() {
                None => view! { <p class="muted" role="status">{tr(i18n, w::incidents::loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <ErrorPanel error=e on_retry=reload /> }.into_any(),
                Some(Ok(l)) if l.incidents.is_empty() => {
                    view! { <p class="muted">{tr(i18n, w::incidents::none)}</p> }.into_any()
                }
                Some(Ok(l)) => view! {
                    <ul class="requests">
                        {l.incidents.into_iter().map(|i| view! { <IncidentItem incident=i changed=reload /> }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </section>
    }
}

/// A `datetime-local` value (the browser's zone) at `ms` since the epoch.
pub(super) fn local_input(ms: f64) -> String {
    let d = js_sys::Date::new(&JsValue::from_f64(ms));
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes()
    )
}

/// A `datetime-local` value as RFC 3339 in UTC; as typed when the browser cannot read it
/// (the server then says what is wrong with it).
pub(super) fn utc(value: &str) -> String {
    let d = js_sys::Date::new(&JsValue::from_str(value));
    if d.get_time().is_nan() { value.to_string() } else { String::from(d.to_iso_string()) }
}

fn feature_words(f: IncidentFeature) -> Words {
    match f {
        IncidentFeature::Accounts => w::incidents::feature_accounts,
        IncidentFeature::SignIns => w::incidents::feature_sign_ins,
        IncidentFeature::Alarms => w::incidents::feature_alarms,
        IncidentFeature::Calls => w::incidents::feature_calls,
    }
}

/// A group of checkboxes over `all`, whose ticks are `chosen`.
fn checks<T: Copy + PartialEq + Send + Sync + 'static>(
    name: &'static str,
    all: Vec<(T, &'static str, String)>,
    chosen: RwSignal<Vec<T>>,
) -> impl IntoView {
    all.into_iter()
        .map(|(value, code, label)| {
            let id = format!("incident-{name}-{code}");
            let label_for = id.clone();
            let toggle = move |ev: leptos::ev::Event| {
                let on = event_target_checked(&ev);
                chosen.update(|v| {
                    v.retain(|x| *x != value);
                    if on {
                        v.push(value);
                    }
                });
            };
            view! {
                <label class="check" for=label_for>
                    <input type="checkbox" id=id name=name value=code
                        prop:checked=move || chosen.with(|v| v.contains(&value)) on:change=toggle />
                    {label}
                </label>
            }
        })
        .collect_view()
}

#[component]
fn NewIncident(recorded: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let abort = api::use_abort_signal();
    let now = js_sys::Date::now();
    let title = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let categories = RwSignal::new(Vec::<PersonalCategory>::new());
    let regions = RwSignal::new(Vec::<Region>::new());
    let feature = RwSignal::new(IncidentFeature::Accounts);
    let from = RwSignal::new(local_input(now - 86_400_000.0));
    let to = RwSignal::new(local_input(now));
    let discovered = RwSignal::new(local_input(now));
    let done = RwSignal::new(false);
    let form = FormState::new(&[
        "title",
        "description",
        "categories",
        "regions",
        "feature",
        "window_from",
        "window_to",
        "discovered_at",
    ]);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        done.set(false);
        let body = IncidentNew {
            title: title.get_untracked(),
            description: description.get_untracked(),
            categories: categories.get_untracked(),
            regions: regions.get_untracked(),
            feature: feature.get_untracked(),
            window_from: utc(&from.get_untracked()),
            window_to: utc(&to.get_untracked()),
            discovered_at: utc(&discovered.get_untracked()),
        };
        let abort = abort.clone();
        form.submit(async move { api::record_incident(&body, &abort).await }, move |_| {
            title.set(String::new());
            description.set(String::new());
            done.set(true);
            recorded.run(());
        });
    };
    view! {
        <form class="card form" novalidate on:submit=submit aria-labelledby="new-incident-heading">
            <h2 id="new-incident-heading">{tr(i18n, w::incidents::new_heading)}</h2>
            <Field form=form name="title" id="incident-title" label=tr(i18n, w::incidents::f_title) value=title
                required=true maxlength=200 hint=move || tr(i18n, w::incidents::f_title_hint)() />
            <crate::components::TextArea form=form name="description" id="incident-description" label=w::incidents::f_description
                value=description maxlength=8000 />
            <fieldset class="field choices" aria-describedby="incident-categories-error">
                <legend>{tr(i18n, w::incidents::f_categories)}</legend>
                {move || {
                    let locale = i18n.get_locale();
                    let all = PersonalCategory::ALL.into_iter().map(|c| (c, c.code(), rights::category(c)(locale).to_string())).collect();
                    checks("categories", all, categories)
                }}
                <FieldErrorText form=form name="categories" id="incident-categories-error" />
            </fieldset>
            <fieldset class="field choices" aria-describedby="incident-regions-error">
                <legend>{tr(i18n, w::incidents::f_regions)}</legend>
                {move || {
                    let all = Region::ALL.into_iter().map(|r| (r, r.code(), region_name(i18n, r).to_string())).collect();
                    checks("regions", all, regions)
                }}
                <FieldErrorText form=form name="regions" id="incident-regions-error" />
            </fieldset>
            <fieldset class="field choices">
                <legend>{tr(i18n, w::incidents::f_feature)}</legend>
                {IncidentFeature::ALL.into_iter().map(|f| {
                    let id = format!("incident-feature-{}", f.code());
                    let label_for = id.clone();
                    view! {
                        <label class="check" for=label_for>
                            <input type="radio" id=id name="feature" value=f.code()
                                prop:checked=move || feature.get() == f on:change=move |_| feature.set(f) />
                            {tr(i18n, feature_words(f))}
                        </label>
                    }
                }).collect_view()}
            </fieldset>
            <Field form=form name="window_from" id="incident-from" kind="datetime-local" label=tr(i18n, w::incidents::f_from) value=from required=true />
            <Field form=form name="window_to" id="incident-to" kind="datetime-local" label=tr(i18n, w::incidents::f_to) value=to required=true />
            <Field form=form name="discovered_at" id="incident-discovered" kind="datetime-local"
                label=tr(i18n, w::incidents::f_discovered) value=discovered required=true
                hint=move || tr(i18n, w::incidents::f_discovered_hint)() />
            <FormError form=form />
            <p class="status-line" role="status">{tr_when(i18n, done, w::incidents::recorded)}</p>
            <SubmitButton form=form label=tr(i18n, w::incidents::record) />
        </form>
    }
}

#[component]
fn IncidentItem(incident: Incident, changed: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let abort = api::use_abort_signal();
    let i = incident;
    let error = RwSignal::new(None::<api::ClientError>);
    let busy = RwSignal::new(false);
    let act = move |action: &'static str, id: String| {
        let abort = abort.clone();
        move |_| {
            let (abort, id) = (abort.clone(), id.clone());
            busy.set(true);
            leptos::task::spawn_local(async move {
                let result = api::incident_action(&id, action, &abort).await;
                busy.set(false);
                match result {
                    Ok(_) => changed.run(()),
                    Err(e) => error.set(Some(e)),
                }
            });
        }
    };
    let due_ms = js_sys::Date::parse(&i.authority_due_at);
    let overdue = i.authority_notified_at.is_none() && js_sys::Date::now() > due_ms;
    let kinds = i.categories.clone();
    let regions = i.regions.clone();
    let report = api::urls::incident(&i.id, "report");
    view! {
        <li class="incident">
            <h3>{i.title.clone()}</h3>
            <p class="timeline-text">{i.description.clone()}</p>
            <dl class="facts facts-compact">
                <div><dt>{tr(i18n, w::incidents::f_categories)}</dt>
                    <dd>{move || rights::categories(i18n.get_locale(), &kinds)}</dd></div>
                <div><dt>{tr(i18n, w::incidents::f_regions)}</dt>
                    <dd>{move || regions.iter().map(|r| region_name(i18n, *r)).collect::<Vec<_>>().join(", ")}</dd></div>
                <div><dt>{tr(i18n, w::incidents::f_feature)}</dt><dd>{tr(i18n, feature_words(i.feature))}</dd></div>
                <div><dt>{tr(i18n, w::incidents::window)}</dt>
                    <dd>{local_time(i18n, &i.window_from)} " – " {local_time(i18n, &i.window_to)}</dd></div>
                <div><dt>{tr(i18n, w::incidents::f_discovered)}</dt><dd>{local_time(i18n, &i.discovered_at)}</dd></div>
            </dl>
            <p data-testid="incident-affected"><strong>{tr_with(i18n, w::incidents::affected, vec![i.affected.to_string()])}</strong></p>
            {match &i.authority_notified_at {
                Some(t) => view! { <p>{tr_with(i18n, w::incidents::authority_told, vec![local_time(i18n, t)])}</p> }.into_any(),
                None => view! {
                    <p>
                        <strong>{tr_with(i18n, w::incidents::authority_due, vec![local_time(i18n, &i.authority_due_at)])}</strong>
                        {overdue.then(|| view! { " " <span class="overdue">{tr(i18n, w::staff::overdue)}</span> })}
                    </p>
                }.into_any(),
            }}
            {i.people_notified_at.as_ref().map(|t| view! { <p>{tr_with(i18n, w::incidents::people_told, vec![local_time(i18n, t)])}</p> })}
            {move || error.get().map(|e| view! { <ErrorPanel error=e /> })}
            <div class="actions">
                {i.people_notified_at.is_none().then(|| view! {
                    <button type="button" class="button button-primary" disabled=move || busy.get()
                        on:click=act("notify", i.id.clone())>{tr_with(i18n, w::incidents::notify, vec![i.affected.to_string()])}</button>
                })}
                {i.authority_notified_at.is_none().then(|| view! {
                    <button type="button" class="button" disabled=move || busy.get()
                        on:click=act("authority", i.id.clone())>{tr(i18n, w::incidents::mark_authority)}</button>
                })}
                <a class="button" href=report download="breach-report.md">{tr(i18n, w::incidents::report)}</a>
            </div>
        </li>
    }
}
