use leptos::prelude::*;
use leptos_meta::Title;
use ward_model::{DataCategory, DataHolding, HeldField, HeldValue, MyData};

use crate::api;
use crate::components::AccountTabs;
use crate::components::ErrorPanel;
use crate::i18n::{use_i18n, w};
use crate::labels::{basis, fill, local_time, pick, region_name, tr};
use crate::load::load;
use crate::session::RequireSession;

/// "My data": what Ward holds about the person, read by the server from their store and put
/// into words by its data file of labels (no list of fields, and no table or column name,
/// lives here).
#[component]
pub fn MyDataPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=tr(i18n, w::my_data::title) />
        <h1>{tr(i18n, w::my_data::heading)}</h1>
        <AccountTabs />
        <RequireSession>
            <super::export::ExportPanel />
            <super::access::AccessPanel />
            <Holdings />
        </RequireSession>
    }
}

#[component]
fn Holdings() -> impl IntoView {
    let i18n = use_i18n();
    let (data, retry) = load(api::my_data);
    move || match data.get() {
        None => view! { <p class="muted" role="status">{tr(i18n, w::my_data::loading)}</p> }.into_any(),
        Some(Err(e)) => view! { <ErrorPanel error=e on_retry=retry /> }.into_any(),
        // Read again on a language switch: the values come in both languages.
        Some(Ok(d)) => {
            i18n.get_locale();
            view! { <Summary data=d /> }.into_any()
        }
    }
}

#[component]
fn Summary(data: MyData) -> impl IntoView {
    let i18n = use_i18n();
    let region = region_name(i18n, data.region);
    view! {
        <p class="lead">{fill(w::my_data::lead(i18n.get_locale()), &[region.to_string()])}</p>
        <p class="muted">{fill(w::my_data::generated(i18n.get_locale()), &[local_time(i18n, &data.generated_at)])}</p>
        {data.categories.into_iter().map(|c| view! { <Category category=c region=region /> }).collect_view()}
    }
}

fn category_name(i18n: crate::i18n::I18n, code: &str) -> String {
    match code {
        "identity" => w::my_data::c_identity(i18n.get_locale()),
        "contact" => w::my_data::c_contact(i18n.get_locale()),
        "credentials" => w::my_data::c_credentials(i18n.get_locale()),
        "activity" => w::my_data::c_activity(i18n.get_locale()),
        "choices" => w::my_data::c_choices(i18n.get_locale()),
        "devices" => w::my_data::c_devices(i18n.get_locale()),
        _ => w::my_data::c_other(i18n.get_locale()),
    }
    .to_string()
}

#[component]
fn Category(category: DataCategory, region: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    let id = format!("data-{}", category.category);
    let labelled_by = id.clone();
    let recipients = category.recipients.iter().map(|r| pick(i18n, r)).collect::<Vec<_>>().join(", ");
    // Kinds of data the registry knows but nothing is held of are left out.
    let held: Vec<DataHolding> = category.holdings.into_iter().filter(|h| h.items > 0).collect();
    let nothing =
        held.is_empty().then(|| view! { <p class="muted">{w::my_data::nothing(i18n.get_locale())}</p> });
    view! {
        <section class="card" aria-labelledby=labelled_by>
            <h2 id=id>{category_name(i18n, &category.category)}</h2>
            <dl class="facts facts-compact">
                <div><dt>{tr(i18n, w::my_data::region)}</dt><dd>{region}</dd></div>
                <div><dt>{tr(i18n, w::my_data::recipients)}</dt><dd>{recipients}</dd></div>
            </dl>
            {nothing}
            <ul class="holdings">
                {held.into_iter().map(|h| view! { <Holding holding=h /> }).collect_view()}
            </ul>
        </section>
    }
}

fn value_text(i18n: crate::i18n::I18n, value: &HeldValue) -> String {
    match value {
        HeldValue::Text(t) => t.clone(),
        HeldValue::Time(t) => local_time(i18n, t),
        HeldValue::Number(n) => n.to_string(),
        HeldValue::YesNo(true) => w::my_data::yes(i18n.get_locale()).to_string(),
        HeldValue::YesNo(false) => w::my_data::no(i18n.get_locale()).to_string(),
        HeldValue::Words(w) => pick(i18n, w),
    }
}

/// Labelled values: the account's fields, or one record.
#[component]
fn Fields(fields: Vec<HeldField>, #[prop(optional)] class: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <dl class=format!("held {class}")>
            {fields
                .into_iter()
                .map(|f| view! { <div><dt>{pick(i18n, &f.label)}</dt><dd>{value_text(i18n, &f.value)}</dd></div> })
                .collect_view()}
        </dl>
    }
}

#[component]
fn Holding(holding: DataHolding) -> impl IntoView {
    let i18n = use_i18n();
    let rule = match (holding.retention_days, holding.next_deletion_in) {
        (None, _) => w::my_data::until_deletion(i18n.get_locale()).to_string(),
        (Some(days), Some(secs)) => {
            let left = if secs >= 86_400 {
                fill(w::my_data::in_days(i18n.get_locale()), &[(secs / 86_400).to_string()])
            } else {
                fill(w::my_data::in_hours(i18n.get_locale()), &[(secs / 3600).max(1).to_string()])
            };
            fill(w::my_data::days_next(i18n.get_locale()), &[days.to_string(), left])
        }
        (Some(days), None) => fill(w::my_data::days(i18n.get_locale()), &[days.to_string()]),
    };
    let shown = holding.records.len() as u64;
    // Records: how many in all, and when only the newest are here, where the rest are.
    let count = (!holding.records.is_empty() || (holding.items > 1 && !holding.fields.is_empty()))
        .then(|| fill(w::my_data::count(i18n.get_locale()), &[holding.items.to_string()]));
    let more = (shown > 0 && holding.items > shown).then(|| {
        view! {
            <p class="muted">{fill(w::my_data::newest(i18n.get_locale()), &[shown.to_string(), holding.items.to_string()])}</p>
        }
    });
    let records = (!holding.records.is_empty()).then(|| {
        view! {
            <ol class="records">
                {holding.records.into_iter().map(|r| view! { <li><Fields fields=r class="held-record" /></li> }).collect_view()}
            </ol>
        }
    });
    let fields = (!holding.fields.is_empty()).then(|| view! { <Fields fields=holding.fields /> });
    view! {
        <li class="holding">
            <h3 class="holding-title">{pick(i18n, &holding.title)}
                {count.map(|c| view! { " " <span class="muted">{c}</span> })}</h3>
            {fields}
            {records}
            {more}
            <dl class="facts facts-compact">
                <div><dt>{tr(i18n, w::my_data::purpose)}</dt><dd>{pick(i18n, &holding.purpose)}</dd></div>
                <div><dt>{tr(i18n, w::my_data::basis)}</dt><dd>{basis(i18n, holding.legal_basis)}</dd></div>
                <div><dt>{tr(i18n, w::my_data::retention)}</dt><dd>{rule}</dd></div>
            </dl>
        </li>
    }
}
