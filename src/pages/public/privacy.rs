use leptos::prelude::*;

use super::policy::PolicyPage;
use crate::i18n::w;

/// The privacy policy: the current version (published by privacy staff), its history and
/// diffs between versions.
#[component]
pub fn Privacy() -> impl IntoView {
    view! { <PolicyPage kind="privacy" title=w::privacy::title description=w::privacy::description /> }
}
