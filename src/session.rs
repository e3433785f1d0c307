//! Who is signed in: loaded once at start from `GET /api/session`, then updated by the pages
//! that sign in, sign out, change the account or delete it. The CSRF token inside is also
//! kept by `api` (which sends it); this context is what views read.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_location, use_navigate};
use ward_model::{Account, SessionInfo};

use crate::i18n::{use_i18n, w};
use crate::labels::tr;
use crate::routes::Page;
use crate::{api, prefs};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionState {
    /// The first `GET /api/session` has not answered yet.
    Loading,
    SignedOut,
    SignedIn(SessionInfo),
}

/// The session context: one signal, shared by the header and every page.
#[derive(Clone, Copy)]
pub struct Session(pub RwSignal<SessionState>);

impl Session {
    pub fn account(&self) -> Option<Account> {
        self.0.with(|s| match s {
            SessionState::SignedIn(info) => Some(info.account.clone()),
            _ => None,
        })
    }

    pub fn is_loading(&self) -> bool {
        self.0.with(|s| matches!(s, SessionState::Loading))
    }

    pub fn signed_in(&self, info: SessionInfo) {
        prefs::write(SESSION_HINT_KEY, "1");
        api::set_csrf_token(Some(info.csrf_token.clone()));
        self.0.set(SessionState::SignedIn(info));
    }

    pub fn signed_out(&self) {
        prefs::remove(SESSION_HINT_KEY);
        api::set_csrf_token(None);
        self.0.set(SessionState::SignedOut);
    }

    /// The account changed (profile edit, TOTP on or off): keep the same token.
    pub fn update_account(&self, account: Account) {
        self.0.update(|s| {
            if let SessionState::SignedIn(info) = s {
                info.account = account;
            }
        });
    }
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}

/// localStorage: "this browser signed in and has not signed out since". Only then does the
/// app ask the server who is signed in; a visitor who never signed in sends no request and
/// meets no 401. The session itself stays in the HttpOnly cookie.
pub const SESSION_HINT_KEY: &str = "ward.session";

/// Provides the context and, when this browser may hold a session, asks the server who is
/// signed in; call once, in `App`.
pub fn provide_session() {
    let may_be_signed_in = prefs::read(SESSION_HINT_KEY).is_some();
    let state = RwSignal::new(if may_be_signed_in { SessionState::Loading } else { SessionState::SignedOut });
    let session = Session(state);
    provide_context(session);
    if !may_be_signed_in {
        return;
    }
    let abort = api::use_abort_signal();
    spawn_local(async move {
        // 401 is "signed out"; anything else (server down) is treated the same, and the pages
        // that need a session send the person to sign in, where the real error shows.
        match api::current_session(&abort).await {
            Ok(info) => session.signed_in(info),
            Err(_) => session.signed_out(),
        };
    });
}

/// Where to go after signing in: only a path of this site (never `//host` or a URL).
pub fn safe_return_path(next: Option<&str>) -> String {
    match next {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') => p.to_string(),
        _ => Page::Account.path().to_string(),
    }
}

/// The sign-in address that brings the person back to `path` afterwards.
pub fn signin_url_returning_to(path: &str) -> String {
    Page::SignIn.with_query(&format!("next={}", String::from(js_sys::encode_uri_component(path))))
}

/// Shows `children` only to a signed-in person; anyone else is sent to sign in and brought
/// back here afterwards.
#[component]
pub fn RequireSession(children: ChildrenFn) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let navigate = use_navigate();
    let location = use_location();
    Effect::new(move || {
        if session.0.with(|s| matches!(s, SessionState::SignedOut)) {
            // `search` comes without its `?`.
            let search = location.search.get_untracked();
            let here = if search.is_empty() {
                location.pathname.get_untracked()
            } else {
                format!("{}?{search}", location.pathname.get_untracked())
            };
            navigate(
                &signin_url_returning_to(&here),
                NavigateOptions { replace: true, ..Default::default() },
            );
        }
    });
    // A memo of the phase alone: an account update must not rebuild the page (and lose
    // what the person typed).
    let phase = Memo::new(move |_| {
        session.0.with(|s| match s {
            SessionState::Loading => 0u8,
            SessionState::SignedOut => 1,
            SessionState::SignedIn(_) => 2,
        })
    });
    let children = StoredValue::new(children);
    move || match phase.get() {
        0 => view! { <p class="muted" role="status">{tr(i18n, w::session::checking)}</p> }.into_any(),
        1 => view! { <p class="muted" role="status">{tr(i18n, w::session::redirecting)}</p> }.into_any(),
        _ => children.read_value()().into_any(),
    }
}
