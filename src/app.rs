use leptos::prelude::*;
use leptos_meta::{Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::components::{Footer, Header};
use crate::i18n::I18nContextProvider;
use crate::pages::{Cookies, Home, NotFound, Privacy};
use crate::prefs;

/// The whole app: contexts, the shell, and the one route table.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <I18nContextProvider>
            // Every page names itself; the tab also says which product it is.
            <Title formatter=|page: String| format!("{page} · Ward") />
            <Preferences />
            <Router>
                <Header />
                <main id="main" class="container page" tabindex="-1">
                    <Routes fallback=NotFound>
                        <Route path=path!("/") view=Home />
                        <Route path=path!("/privacy") view=Privacy />
                        <Route path=path!("/cookies") view=Cookies />
                    </Routes>
                </main>
                <Footer />
            </Router>
        </I18nContextProvider>
    }
}

/// Restores the stored language and theme, and keeps the document in step with them.
#[component]
fn Preferences() -> impl IntoView {
    prefs::provide_preferences();
}
