use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use ward_model::{PolicyDiff, PolicyDocument, PolicySummary};

use crate::api::{self, ClientError};
use crate::components::ErrorPanel;
use crate::i18n::{Locale, use_i18n, w};
use crate::labels::{fill, tr};
use crate::load::load;

/// A versioned policy (`privacy` or `cookies`): the current text with "Last updated",
/// every past version readable, and any two compared line by line.
#[component]
pub fn PolicyPage(
    kind: &'static str,
    title: fn(Locale) -> &'static str,
    /// The search engines' summary of the page, in the reader's language.
    description: fn(Locale) -> &'static str,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    let i18n = use_i18n();
    crate::labels::describe(i18n, description);
    let (doc, retry) = load(move |abort| async move { api::policy(kind, None, &abort).await });
    view! {
        <Title text=tr(i18n, title) />
        <article class="prose policy">
            <h1>{tr(i18n, title)}</h1>
            {children.map(|c| c())}
            {move || match doc.get() {
                None => view! { <p class="muted" role="status">{tr(i18n, w::policy::loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <ErrorPanel error=e on_retry=retry /> }.into_any(),
                Some(Ok(d)) => view! { <Versions kind=kind current=d /> }.into_any(),
            }}
        </article>
    }
}

fn version_line(i18n: crate::i18n::I18n, s: &PolicySummary) -> String {
    let mut line =
        fill(w::policy::version_line(i18n.get_locale()), &[s.last_updated.clone(), s.version.clone()]);
    if s.material {
        line.push_str(" · ");
        line.push_str(w::policy::material(i18n.get_locale()));
    }
    line
}

#[component]
fn Versions(kind: &'static str, current: PolicyDocument) -> impl IntoView {
    let i18n = use_i18n();
    let abort = api::use_abort_signal();
    let newest = current.summary.version.clone();
    let versions = current.versions.clone();
    let shown = RwSignal::new(current);
    let error = RwSignal::new(None::<ClientError>);
    let open = {
        let abort = abort.clone();
        move |version: String| {
            let abort = abort.clone();
            spawn_local(async move {
                match api::policy(kind, Some(&version), &abort).await {
                    Ok(d) => {
                        error.set(None);
                        shown.set(d);
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        }
    };
    let oldest = versions.last().map(|v| v.version.clone()).unwrap_or_default();
    let from = RwSignal::new(if versions.len() > 1 { versions[1].version.clone() } else { oldest });
    let to = RwSignal::new(newest.clone());
    let diff = RwSignal::new(None::<Result<PolicyDiff, ClientError>>);
    let compare = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let abort = abort.clone();
        let (f, t) = (from.get_untracked(), to.get_untracked());
        spawn_local(async move { diff.set(Some(api::policy_diff(kind, &f, &t, &abort).await)) });
    };
    let options = move |selected: RwSignal<String>| {
        versions
            .iter()
            .map(|v| {
                let value = v.version.clone();
                let is = value.clone();
                view! { <option value=value selected=move || selected.get() == is>{version_line(i18n, v)}</option> }
            })
            .collect_view()
    };
    let (from_options, to_options) = (options.clone()(from), options(to));
    let list = shown.with_untracked(|d| d.versions.clone());
    view! {
        <p class="policy-meta" data-testid="policy-version">{move || shown.with(|d| version_line(i18n, &d.summary))}</p>
        {move || shown.with(|d| (d.summary.version != newest).then(|| view! {
            <p class="notice notice-info" role="status">{tr(i18n, w::policy::old_version)}</p>
        }))}
        <div class="policy-text" lang="en" inner_html=move || shown.with(|d| d.html.clone())></div>
        {move || error.get().map(|e| view! { <ErrorPanel error=e /> })}
        <section aria-labelledby="versions-heading">
            <h2 id="versions-heading">{tr(i18n, w::policy::versions_heading)}</h2>
            <ul class="versions">
                {list.into_iter().map(|v| {
                    let version = v.version.clone();
                    let open = open.clone();
                    view! {
                        <li>
                            <button type="button" class="link-button" on:click=move |_| open(version.clone())>
                                {version_line(i18n, &v)}
                            </button>
                            " — " {v.summary.clone()}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
        <section aria-labelledby="compare-heading">
            <h2 id="compare-heading">{tr(i18n, w::policy::compare_heading)}</h2>
            <form class="compare" on:submit=compare>
                <label>{tr(i18n, w::policy::from)}
                    <select on:change=move |ev| from.set(event_target_value(&ev))>{from_options}</select>
                </label>
                <label>{tr(i18n, w::policy::to)}
                    <select on:change=move |ev| to.set(event_target_value(&ev))>{to_options}</select>
                </label>
                <button type="submit" class="button">{tr(i18n, w::policy::compare)}</button>
            </form>
            {move || diff.get().map(|d| match d {
                Ok(d) => view! { <DiffView diff=d /> }.into_any(),
                Err(e) => view! { <ErrorPanel error=e /> }.into_any(),
            })}
        </section>
    }
}

#[component]
fn DiffView(diff: PolicyDiff) -> impl IntoView {
    let i18n = use_i18n();
    let changes = diff.lines.iter().filter(|l| l.change != "same").count();
    view! {
        <p role="status">{fill(w::policy::diff_summary(i18n.get_locale()), &[diff.from.version.clone(), diff.to.version.clone(), changes.to_string()])}</p>
        <ol class="diff" lang="en">
            {diff.lines.into_iter().map(|l| match l.change.as_str() {
                "added" => view! { <li class="diff-added"><ins>{l.text}</ins></li> }.into_any(),
                "removed" => view! { <li class="diff-removed"><del>{l.text}</del></li> }.into_any(),
                _ => view! { <li class="diff-same">{l.text}</li> }.into_any(),
            }).collect_view()}
        </ol>
    }
}
