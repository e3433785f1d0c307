//! Every page of the route table by name. Links and navigations are built from `Page`, so a
//! link to a page that does not exist does not compile. The route table itself (`app.rs`)
//! needs `path!` literals; the wasm test `every_page_is_in_the_route_table` checks that each
//! `Page` has its route there, and the end-to-end journeys that each route is reachable.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Home,
    Privacy,
    Cookies,
    SignUp,
    VerifyEmail,
    SignIn,
    PasswordReset,
    AskRequest,
    Guardian,
    Account,
    Security,
    DeleteAccount,
    PrivacyCenter,
    MyData,
    Requests,
    Devices,
    Events,
    Live,
    StaffQueue,
    DevMailbox,
}

impl Page {
    pub const ALL: [Page; 20] = [
        Page::Home,
        Page::Privacy,
        Page::Cookies,
        Page::SignUp,
        Page::VerifyEmail,
        Page::SignIn,
        Page::PasswordReset,
        Page::AskRequest,
        Page::Guardian,
        Page::Account,
        Page::Security,
        Page::DeleteAccount,
        Page::PrivacyCenter,
        Page::MyData,
        Page::Requests,
        Page::Devices,
        Page::Events,
        Page::Live,
        Page::StaffQueue,
        Page::DevMailbox,
    ];

    pub const fn path(self) -> &'static str {
        match self {
            Page::Home => "/",
            Page::Privacy => "/privacy",
            Page::Cookies => "/cookies",
            Page::SignUp => "/signup",
            Page::VerifyEmail => "/signup/verify",
            Page::SignIn => "/signin",
            Page::PasswordReset => "/password-reset",
            Page::AskRequest => "/requests/ask",
            Page::Guardian => "/guardian",
            Page::Account => "/account",
            Page::Security => "/account/security",
            Page::DeleteAccount => "/account/delete",
            Page::PrivacyCenter => "/account/privacy",
            Page::MyData => "/account/data",
            Page::Requests => "/account/requests",
            Page::Devices => "/devices",
            Page::Events => "/events",
            Page::Live => "/live",
            Page::StaffQueue => "/staff/requests",
            Page::DevMailbox => "/dev/mailbox",
        }
    }

    /// The page's address with a query string (`query` without its `?`).
    pub fn with_query(self, query: &str) -> String {
        format!("{}?{query}", self.path())
    }
}
