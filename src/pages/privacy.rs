use leptos::prelude::*;
use leptos_meta::Title;

use crate::i18n::{t, t_string, use_i18n};

/// What this version of Ward does with personal data, stated plainly. The versioned policy
/// documents of the privacy center replace this page's text, not its route.
#[component]
pub fn Privacy() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=move || t_string!(i18n, privacy.title).to_string() />
        <article class="prose">
            <h1>{t!(i18n, privacy.heading)}</h1>
            <p class="lead">{t!(i18n, privacy.intro)}</p>
            <h2>{t!(i18n, privacy.now_heading)}</h2>
            <p>{t!(i18n, privacy.now_body)}</p>
            <h2>{t!(i18n, privacy.browser_heading)}</h2>
            <p>{t!(i18n, privacy.browser_body)}</p>
            <h2>{t!(i18n, privacy.rights_heading)}</h2>
            <p>{t!(i18n, privacy.rights_body)}</p>
        </article>
    }
}
