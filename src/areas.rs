//! The signed-in areas, each compiled into its own wasm chunk that the browser fetches the
//! first time someone visits one of its pages. The public pages (home, sign-in, sign-up,
//! password reset, policies, cookies) stay in the main module, so a visitor who opens the
//! sign-in page downloads neither the devices nor the privacy center.
//!
//! How: each area has one split function (`wasm_split`, re-exported by Leptos) that returns
//! the page asked for as a plain function pointer. Everything only that function reaches
//! (the pages, their components, their API calls and wire types) lands in the area's chunk;
//! `xtask/src/split.rs` does the post-link split. A function pointer crosses the chunk
//! boundary as a table index and can sit in a signal, which a view could not.
//!
//! With the `eager` feature (the wasm component tests, which run without the split step) the
//! same functions are ordinary calls into one module.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;

use crate::i18n::{use_i18n, w};
use crate::labels::tr;

impl Area {
    /// The area's word table (`i18n::w::FILES`).
    fn words(self) -> usize {
        match self {
            Area::Entry(_) => w::ENTRY,
            Area::Account(_) => w::ACCOUNT,
            Area::Privacy(_) => w::PRIVACY,
            Area::Devices(_) => w::DEVICES,
            Area::Tools(_) => w::TOOLS,
        }
    }
}

/// A page of an area, made once its chunk is there.
pub type PageFn = fn() -> AnyView;

/// The chunk or its words could not be fetched or instantiated: the network is gone, or a new
/// version of Ward replaced the files this page was built with. Reloading fixes both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkError;

#[cfg(not(feature = "eager"))]
impl From<leptos::wasm_split::SplitLoaderError> for ChunkError {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        ChunkError
    }
}

/// Every page that lives outside the main module, by area (one chunk per area).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    /// Signing in and up, the policies: public, but not needed to show the home page.
    Entry(EntryPage),
    Account(AccountPage),
    Privacy(PrivacyPage),
    Devices(DevicesPage),
    /// For the people who run Ward: the developer mailbox of the embedded default, and the
    /// privacy staff's console (the queue, or one request with `?region=…&id=…`).
    Tools(ToolsPage),
}

#[repr(u8)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryPage {
    SignIn,
    SignUp,
    VerifyEmail,
    PasswordReset,
    Privacy,
    Cookies,
    Unsubscribe,
    AskRequest,
    Guardian,
}

#[repr(u8)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountPage {
    Profile,
    Security,
    Delete,
}

#[repr(u8)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrivacyPage {
    Center,
    MyData,
    Requests,
}

#[repr(u8)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolsPage {
    Mailbox,
    Staff,
}

#[repr(u8)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DevicesPage {
    List,
    Events,
    Live,
}

/// One split function per area: `$chunk` names the wasm chunk.
macro_rules! area {
    ($chunk:ident, $name:ident($page:ident: $ty:ty) $body:block) => {
        #[cfg_attr(
                    not(feature = "eager"),
                    leptos::wasm_split::wasm_split($chunk, wasm_split_path = ::leptos::wasm_split, fallible)
                )]
        fn $name($page: $ty) -> Result<PageFn, ChunkError> {
            Ok($body)
        }
    };
}

area!(entry, entry_page(page: EntryPage) {
    use crate::pages::public as p;
    match page {
        EntryPage::SignIn => || view! { <p::SignInPage /> }.into_any(),
        EntryPage::SignUp => || view! { <p::SignUpPage /> }.into_any(),
        EntryPage::VerifyEmail => || view! { <p::VerifyEmailPage /> }.into_any(),
        EntryPage::PasswordReset => || view! { <p::PasswordResetPage /> }.into_any(),
        EntryPage::Privacy => || view! { <p::Privacy /> }.into_any(),
        EntryPage::Cookies => || view! { <p::Cookies /> }.into_any(),
        EntryPage::Unsubscribe => || view! { <p::UnsubscribePage /> }.into_any(),
        EntryPage::AskRequest => || view! { <p::AskRequestPage /> }.into_any(),
        EntryPage::Guardian => || view! { <p::GuardianPage /> }.into_any(),
    }
});

area!(account, account_page(page: AccountPage) {
    use crate::pages::account;
    match page {
        AccountPage::Profile => || view! { <account::AccountPage /> }.into_any(),
        AccountPage::Security => || view! { <account::SecurityPage /> }.into_any(),
        AccountPage::Delete => || view! { <account::DeleteAccountPage /> }.into_any(),
    }
});

area!(privacy, privacy_page(page: PrivacyPage) {
    use crate::pages::privacy;
    match page {
        PrivacyPage::Center => || view! { <privacy::PrivacyCenterPage /> }.into_any(),
        PrivacyPage::MyData => || view! { <privacy::MyDataPage /> }.into_any(),
        PrivacyPage::Requests => || view! { <privacy::RequestsPage /> }.into_any(),
    }
});

area!(devices, devices_page(page: DevicesPage) {
    use crate::pages::devices;
    match page {
        DevicesPage::List => || view! { <devices::DevicesPage /> }.into_any(),
        DevicesPage::Events => || view! { <devices::EventsPage /> }.into_any(),
        DevicesPage::Live => || view! { <devices::LivePage /> }.into_any(),
    }
});

area!(tools, tools_page(page: ToolsPage) {
    use crate::pages::tools;
    match page {
        ToolsPage::Mailbox => || view! { <tools::DevMailboxPage /> }.into_any(),
        ToolsPage::Staff => || view! { <tools::StaffConsole /> }.into_any(),
    }
});

/// Awaits a split function in the split build; calls it in the eager one.
macro_rules! open_chunk {
    ($call:expr) => {{
        #[cfg(not(feature = "eager"))]
        let page = $call.await;
        #[cfg(feature = "eager")]
        let page = $call;
        page
    }};
}

async fn open(area: Area) -> Result<PageFn, ChunkError> {
    match area {
        Area::Entry(p) => open_chunk!(entry_page(p)),
        Area::Account(p) => open_chunk!(account_page(p)),
        Area::Privacy(p) => open_chunk!(privacy_page(p)),
        Area::Devices(p) => open_chunk!(devices_page(p)),
        Area::Tools(p) => open_chunk!(tools_page(p)),
    }
}

/// A route's view for a page of an area: says it is loading while the chunk arrives (after a
/// moment, so a chunk already here does not flash), then the page; if the chunk cannot be
/// fetched, says so and offers to reload.
#[component]
pub fn AreaPage(area: Area) -> impl IntoView {
    let i18n = use_i18n();
    let chunk: RwSignal<Option<Result<PageFn, ChunkError>>> = RwSignal::new(None);
    let words: RwSignal<Option<Result<(), ChunkError>>> = RwSignal::new(None);
    // The chunk and the area's words, fetched side by side. The person may have left before
    // they came: the signals are gone, nothing to do.
    spawn_local(async move {
        let _ = chunk.try_set(Some(open(area).await));
    });
    let locale = i18n.get_locale_untracked();
    spawn_local(async move {
        let loaded = crate::i18n::load(area.words(), locale).await.map_err(|_| ChunkError);
        let _ = words.try_set(Some(loaded));
    });
    let state = move || match (chunk.get(), words.get()) {
        (Some(Err(e)), _) | (_, Some(Err(e))) => Some(Err(e)),
        (Some(Ok(page)), Some(Ok(()))) => Some(Ok(page)),
        _ => None,
    };
    // Until the page names itself, the tab says what is happening (axe: document-title).
    move || match state() {
        None => view! {
            <Title text=tr(i18n, w::area::loading) />
            <p class="area-loading" role="status" aria-live="polite">
                {tr(i18n, w::area::loading)}
            </p>
        }
        .into_any(),
        Some(Ok(page)) => page(),
        Some(Err(ChunkError)) => view! {
            <Title text=tr(i18n, w::area::failed_title) />
            <div class="notice notice-error" role="alert">
                <h1 class="notice-title">{tr(i18n, w::area::failed_title)}</h1>
                <p>{tr(i18n, w::area::failed)}</p>
                <button type="button" class="button" on:click=|_| reload()>
                    {tr(i18n, w::area::reload)}
                </button>
            </div>
        }
        .into_any(),
    }
}

fn reload() {
    if let Some(w) = web_sys::window() {
        let _ = w.location().reload();
    }
}
