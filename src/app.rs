use leptos::prelude::*;
use leptos_meta::{Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::areas::{AccountPage, Area, AreaPage, DevicesPage, EntryPage, PrivacyPage, ToolsPage};
use crate::components::{Footer, Header, ReconsentPrompt};
use crate::i18n::I18nContextProvider;
use crate::pages::public::{Home, NotFound};
use crate::{prefs, session};

/// The whole app: contexts, the shell, and the one route table.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <I18nContextProvider>
            // Every page names itself; the tab also says which product it is.
            <Title formatter=|page: String| format!("{page} · Ward") />
            <Preferences />
            <SessionProvider />
            <ConsentProvider />
            <Router>
                <Header />
                <main id="main" class="container page" tabindex="-1">
                    <ReconsentPrompt />
                    <Routes fallback=NotFound>
                        <Route path=path!("/") view=Home />
                        <Route path=path!("/privacy") view=|| area(Area::Entry(EntryPage::Privacy)) />
                        <Route path=path!("/cookies") view=|| area(Area::Entry(EntryPage::Cookies)) />
                        <Route path=path!("/signup") view=|| area(Area::Entry(EntryPage::SignUp)) />
                        <Route path=path!("/signup/verify") view=|| area(Area::Entry(EntryPage::VerifyEmail)) />
                        <Route path=path!("/signin") view=|| area(Area::Entry(EntryPage::SignIn)) />
                        <Route path=path!("/password-reset") view=|| area(Area::Entry(EntryPage::PasswordReset)) />
                        <Route path=path!("/requests/ask") view=|| area(Area::Entry(EntryPage::AskRequest)) />
                        <Route path=path!("/guardian") view=|| area(Area::Entry(EntryPage::Guardian)) />
                        <Route path=path!("/unsubscribe/:token") view=|| area(Area::Entry(EntryPage::Unsubscribe)) />
                        // The signed-in areas: each a wasm chunk, fetched on first visit.
                        <Route path=path!("/account") view=|| area(Area::Account(AccountPage::Profile)) />
                        <Route path=path!("/account/security") view=|| area(Area::Account(AccountPage::Security)) />
                        <Route path=path!("/account/delete") view=|| area(Area::Account(AccountPage::Delete)) />
                        <Route path=path!("/account/privacy") view=|| area(Area::Privacy(PrivacyPage::Center)) />
                        <Route path=path!("/account/data") view=|| area(Area::Privacy(PrivacyPage::MyData)) />
                        <Route path=path!("/account/requests") view=|| area(Area::Privacy(PrivacyPage::Requests)) />
                        <Route path=path!("/devices") view=|| area(Area::Devices(DevicesPage::List)) />
                        <Route path=path!("/events") view=|| area(Area::Devices(DevicesPage::Events)) />
                        <Route path=path!("/live") view=|| area(Area::Devices(DevicesPage::Live)) />
                        <Route path=path!("/staff/requests") view=|| area(Area::Tools(ToolsPage::Staff)) />
                        <Route path=path!("/dev/mailbox") view=|| area(Area::Tools(ToolsPage::Mailbox)) />
                    </Routes>
                </main>
                <Footer />
            </Router>
        </I18nContextProvider>
    }
}

fn area(area: Area) -> impl IntoView {
    view! { <AreaPage area /> }
}

/// Asks the server who is signed in and provides the session context.
#[component]
fn SessionProvider() -> impl IntoView {
    session::provide_session();
}

/// Records the cookie banner's choice and asks about re-consent for signed-in people.
#[component]
fn ConsentProvider() -> impl IntoView {
    crate::consent::provide();
}

/// Restores the stored language and theme, and keeps the document in step with them.
#[component]
fn Preferences() -> impl IntoView {
    prefs::provide_preferences();
}
