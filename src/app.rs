use leptos::prelude::*;
use leptos_meta::{Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::components::{Footer, Header, ReconsentPrompt};
use crate::i18n::I18nContextProvider;
use crate::pages::{
    AccountPage, Cookies, DeleteAccountPage, DevMailboxPage, DevicesPage, EventsPage, Home, LivePage,
    MyDataPage, NotFound, PasswordResetPage, Privacy, PrivacyCenterPage, SecurityPage, SignInPage,
    SignUpPage, UnsubscribePage, VerifyEmailPage,
};
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
                        <Route path=path!("/privacy") view=Privacy />
                        <Route path=path!("/cookies") view=Cookies />
                        <Route path=path!("/signup") view=SignUpPage />
                        <Route path=path!("/signup/verify") view=VerifyEmailPage />
                        <Route path=path!("/signin") view=SignInPage />
                        <Route path=path!("/password-reset") view=PasswordResetPage />
                        <Route path=path!("/account") view=AccountPage />
                        <Route path=path!("/account/security") view=SecurityPage />
                        <Route path=path!("/account/delete") view=DeleteAccountPage />
                        <Route path=path!("/dev/mailbox") view=DevMailboxPage />
                        <Route path=path!("/account/privacy") view=PrivacyCenterPage />
                        <Route path=path!("/account/data") view=MyDataPage />
                        <Route path=path!("/unsubscribe/:token") view=UnsubscribePage />
                        <Route path=path!("/devices") view=DevicesPage />
                        <Route path=path!("/events") view=EventsPage />
                        <Route path=path!("/live") view=LivePage />
                    </Routes>
                </main>
                <Footer />
            </Router>
        </I18nContextProvider>
    }
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
