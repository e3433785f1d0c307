use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use ward_model::{
    ConsentAction, ConsentChange, ConsentMethod, ConsentOverview, LedgerEntry, LedgerVerification,
    PurposeState,
};

use crate::api::{self, ClientError};
use crate::components::AccountTabs;
use crate::components::ErrorPanel;
use crate::i18n::{use_i18n, w};
use crate::labels::{basis, fill, local_time, pick, tr, tr_with};
use crate::load::load;
use crate::session::RequireSession;

/// The privacy center: each purpose with its legal basis, data and recipients, switched
/// on or off with one click; the consent history from the ledger and its verification.
#[component]
pub fn PrivacyCenterPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=tr(i18n, w::privacy_center::title) />
        <h1>{tr(i18n, w::privacy_center::heading)}</h1>
        <AccountTabs />
        <RequireSession>
            <Center />
        </RequireSession>
    }
}

#[component]
fn Center() -> impl IntoView {
    let i18n = use_i18n();
    let (overview, retry) = load(api::consents);
    let (history, reload_history) = load(api::consent_ledger);
    let changed = Callback::new(move |o: ConsentOverview| {
        overview.set(Some(Ok(o)));
        reload_history.run(());
    });
    view! {
        <p class="lead">{tr(i18n, w::privacy_center::lead)}</p>
        <super::notices::NoticesPanel />
        <section class="card" aria-labelledby="purposes-heading">
            <h2 id="purposes-heading">{tr(i18n, w::privacy_center::purposes_heading)}</h2>
            {move || match overview.get() {
                None => view! { <p class="muted" role="status">{tr(i18n, w::privacy_center::loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <ErrorPanel error=e on_retry=retry /> }.into_any(),
                Some(Ok(o)) => {
                    let gpc = o.gpc;
                    let restricted = o.restricted_since.as_deref().map(|t| local_time(i18n, t));
                    let locked = o.child_locked;
                    let child = !locked.is_empty();
                    view! {
                        {restricted.map(|since| view! { <Restricted since=since lifted=retry /> })}
                        {gpc.then(|| view! { <p class="notice notice-info">{tr(i18n, w::privacy_center::gpc)}</p> })}
                        {child.then(|| view! { <p class="notice notice-info" data-testid="child-locked">{tr(i18n, w::privacy_center::child)}</p> })}
                        <ul class="purposes">
                            {o.purposes.into_iter().map(|p| {
                                let locked = locked.contains(&p.purpose.id);
                                view! { <PurposeRow state=p changed=changed locked /> }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }
            }}
        </section>
        <section class="card" aria-labelledby="history-heading">
            <h2 id="history-heading">{tr(i18n, w::privacy_center::history_heading)}</h2>
            <p class="muted">{tr(i18n, w::privacy_center::history_lead)}</p>
            <Verify />
            {move || match (history.get(), overview.get()) {
                (Some(Ok(h)), Some(Ok(o))) => view! { <History entries=h overview=o /> }.into_any(),
                (Some(Err(e)), _) => view! { <ErrorPanel error=e on_retry=reload_history /> }.into_any(),
                _ => view! { <p class="muted">{tr(i18n, w::privacy_center::loading)}</p> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn PurposeRow(
    state: PurposeState,
    changed: Callback<ConsentOverview>,
    /// Kept off on a child's account: no switch, it could only be refused.
    #[prop(optional)]
    locked: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let abort = api::use_abort_signal();
    let error = RwSignal::new(None::<ClientError>);
    let sending = RwSignal::new(false);
    let p = state.purpose.clone();
    let id = format!("purpose-{}", p.id);
    let name_id = format!("{id}-name");
    let active = state.active;
    let toggle = {
        let p = p.clone();
        move |_| {
            if sending.get_untracked() {
                return;
            }
            sending.set(true);
            let body = ConsentChange {
                purpose: p.id.clone(),
                active: !active,
                text_version: p.text_version.clone(),
            };
            let abort = abort.clone();
            spawn_local(async move {
                match api::set_consent(&body, &abort).await {
                    Ok(o) => {
                        error.set(None);
                        changed.run(o);
                    }
                    Err(e) => error.set(Some(e)),
                }
                sending.set(false);
            });
        }
    };
    let data = p.data_used.iter().map(|d| pick(i18n, d)).collect::<Vec<_>>().join(", ");
    let recipients = p.recipients.iter().map(|d| pick(i18n, d)).collect::<Vec<_>>().join(", ");
    let (legal_basis, choosable) = (p.legal_basis, state.choosable);
    let state_text = move || {
        use ward_model::Basis;
        if locked && !active {
            return w::privacy_center::child_off(i18n.get_locale());
        }
        match (legal_basis, choosable, active) {
            (Basis::Contract, ..) => w::privacy_center::on_contract(i18n.get_locale()),
            (Basis::LegalObligation, ..) => w::privacy_center::on_law(i18n.get_locale()),
            (Basis::LegitimateInterest, false, _) => w::privacy_center::on_overriding(i18n.get_locale()),
            (Basis::LegitimateInterest, true, true) => w::privacy_center::on_objectable(i18n.get_locale()),
            (Basis::LegitimateInterest, true, false) => w::privacy_center::objected(i18n.get_locale()),
            (Basis::Consent, _, true) => w::privacy_center::on(i18n.get_locale()),
            (Basis::Consent, _, false) => w::privacy_center::off(i18n.get_locale()),
        }
    };
    view! {
        <li class="purpose" id=id.clone()>
            <div class="purpose-head">
                <h3 id=name_id.clone()>{pick(i18n, &p.name)}</h3>
                {if locked && !active {
                    view! { <span class="badge">{tr(i18n, w::privacy_center::child_badge)}</span> }.into_any()
                } else if state.choosable {
                    view! {
                        <button type="button" role="switch" class="switch" aria-checked=if active { "true" } else { "false" }
                            aria-labelledby=name_id.clone() aria-describedby=format!("{id}-state") on:click=toggle
                            disabled=move || sending.get()>
                            <span class="switch-track" aria-hidden="true"><span class="switch-thumb"></span></span>
                        </button>
                    }.into_any()
                } else {
                    view! { <span class="badge">{tr(i18n, w::privacy_center::always)}</span> }.into_any()
                }}
            </div>
            <p class="purpose-state" id=format!("{id}-state")>{state_text}</p>
            <p>{pick(i18n, &p.description)}</p>
            <dl class="facts facts-compact">
                <div><dt>{tr(i18n, w::privacy_center::basis)}</dt><dd>{basis(i18n, p.legal_basis)}</dd></div>
                <div><dt>{tr(i18n, w::privacy_center::data_used)}</dt><dd>{data}</dd></div>
                <div><dt>{tr(i18n, w::privacy_center::recipients)}</dt><dd>{recipients}</dd></div>
            </dl>
            {move || error.get().map(|e| view! { <ErrorPanel error=e /> })}
        </li>
    }
}

/// The restriction the person asked for, and the way to lift it.
#[component]
fn Restricted(since: String, lifted: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let abort = api::use_abort_signal();
    let error = RwSignal::new(None::<ClientError>);
    let lift = move |_| {
        let abort = abort.clone();
        spawn_local(async move {
            match api::lift_restriction(&abort).await {
                Ok(()) => lifted.run(()),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <div class="notice notice-info" data-testid="restricted">
            <p>{tr_with(i18n, w::privacy_center::restricted, vec![since])}</p>
            <p><button type="button" class="button" on:click=lift>{tr(i18n, w::privacy_center::lift)}</button></p>
            <p class="muted">{tr(i18n, w::privacy_center::lift_hint)}</p>
        </div>
        {move || error.get().map(|e| view! { <ErrorPanel error=e /> })}
    }
}

#[component]
fn Verify() -> impl IntoView {
    let i18n = use_i18n();
    let abort = api::use_abort_signal();
    let result = RwSignal::new(None::<Result<LedgerVerification, ClientError>>);
    let check = move |_| {
        let abort = abort.clone();
        spawn_local(async move { result.set(Some(api::verify_ledger(&abort).await)) });
    };
    view! {
        <button type="button" class="button" on:click=check>{tr(i18n, w::privacy_center::verify)}</button>
        <div role="status" class="verify-result">
            {move || match result.get() {
                None => ().into_any(),
                Some(Ok(v)) if v.intact => view! {
                    <p class="notice notice-ok">{fill(w::privacy_center::intact(i18n.get_locale()), &[v.records.to_string()])}</p>
                }.into_any(),
                Some(Ok(v)) => view! {
                    <p class="notice notice-error">{fill(w::privacy_center::broken(i18n.get_locale()), &[v.first_broken.unwrap_or(0).to_string()])}</p>
                }.into_any(),
                Some(Err(e)) => view! { <ErrorPanel error=e /> }.into_any(),
            }}
        </div>
    }
}

#[component]
fn History(entries: Vec<LedgerEntry>, overview: ConsentOverview) -> impl IntoView {
    let i18n = use_i18n();
    let name = move |id: &str| -> String {
        if id == "privacy_policy" {
            return w::privacy_center::policy_purpose(i18n.get_locale()).to_string();
        }
        overview
            .purposes
            .iter()
            .find(|p| p.purpose.id == id)
            .map_or_else(|| id.to_string(), |p| pick(i18n, &p.purpose.name))
    };
    let action = move |a: ConsentAction| match a {
        ConsentAction::Granted => w::privacy_center::granted(i18n.get_locale()),
        ConsentAction::Withdrawn => w::privacy_center::withdrawn(i18n.get_locale()),
        ConsentAction::Objected => w::privacy_center::objected_action(i18n.get_locale()),
        ConsentAction::ObjectionWithdrawn => w::privacy_center::objection_withdrawn(i18n.get_locale()),
        ConsentAction::Transferred => w::privacy_center::transferred(i18n.get_locale()),
    };
    let method = move |m: ConsentMethod| match m {
        ConsentMethod::Signup => w::privacy_center::m_signup(i18n.get_locale()),
        ConsentMethod::Settings => w::privacy_center::m_settings(i18n.get_locale()),
        ConsentMethod::Banner => w::privacy_center::m_banner(i18n.get_locale()),
        ConsentMethod::Gpc => w::privacy_center::m_gpc(i18n.get_locale()),
        ConsentMethod::Unsubscribe => w::privacy_center::m_unsubscribe(i18n.get_locale()),
        ConsentMethod::Reconsent => w::privacy_center::m_reconsent(i18n.get_locale()),
        ConsentMethod::Restriction => w::privacy_center::m_restriction(i18n.get_locale()),
        ConsentMethod::Export => w::privacy_center::m_export(i18n.get_locale()),
        ConsentMethod::Guardian => w::privacy_center::m_guardian(i18n.get_locale()),
    };
    // A copy of the archive sent to a recipient: `portability:<id>`, named by the record.
    let purpose = move |e: &LedgerEntry| match e.purpose.strip_prefix("portability:") {
        Some(id) => fill(
            w::privacy_center::portability_purpose(i18n.get_locale()),
            &[e.recipient.clone().unwrap_or_else(|| id.to_string())],
        ),
        None => name(&e.purpose),
    };
    view! {
        <div class="table-scroll" tabindex="0" role="region" aria-label=tr(i18n, w::privacy_center::table_label)>
            <table class="ledger">
                <thead><tr>
                    <th scope="col">"#"</th>
                    <th scope="col">{tr(i18n, w::privacy_center::col_when)}</th>
                    <th scope="col">{tr(i18n, w::privacy_center::col_purpose)}</th>
                    <th scope="col">{tr(i18n, w::privacy_center::col_what)}</th>
                    <th scope="col">{tr(i18n, w::privacy_center::col_how)}</th>
                    <th scope="col">{tr(i18n, w::privacy_center::col_versions)}</th>
                </tr></thead>
                <tbody>
                    {entries.into_iter().rev().map(|e| view! {
                        <tr>
                            <td>{e.seq}</td>
                            <td>{local_time(i18n, &e.at)}</td>
                            <td>{purpose(&e)}</td>
                            <td>{action(e.action)}</td>
                            <td>{method(e.method)}</td>
                            <td>{format!("{} / {}", e.policy_version, e.text_version)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
