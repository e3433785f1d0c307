use leptos::prelude::*;

use super::policy::PolicyPage;
use crate::i18n::td_string;

/// The privacy policy: the current version (published by privacy staff), its history and
/// diffs between versions.
#[component]
pub fn Privacy() -> impl IntoView {
    view! { <PolicyPage kind="privacy" title=|l| td_string!(l, privacy.title) description=|l| td_string!(l, privacy.description) /> }
}
