use leptos::prelude::*;
use leptos_meta::Title;

use crate::i18n::{td_string, use_i18n};
use crate::labels::tr;

/// What this version of Ward does with personal data, stated plainly. The versioned policy
/// documents of the privacy center replace this page's text, not its route.
#[component]
pub fn Privacy() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=tr(i18n, |l| td_string!(l, privacy.title)) />
        <article class="prose">
            <h1>{tr(i18n, |l| td_string!(l, privacy.heading))}</h1>
            <p class="lead">{tr(i18n, |l| td_string!(l, privacy.intro))}</p>
            <h2>{tr(i18n, |l| td_string!(l, privacy.now_heading))}</h2>
            <p>{tr(i18n, |l| td_string!(l, privacy.now_body))}</p>
            <h2>{tr(i18n, |l| td_string!(l, privacy.browser_heading))}</h2>
            <p>{tr(i18n, |l| td_string!(l, privacy.browser_body))}</p>
            <h2>{tr(i18n, |l| td_string!(l, privacy.rights_heading))}</h2>
            <p>{tr(i18n, |l| td_string!(l, privacy.rights_body))}</p>
        </article>
    }
}
