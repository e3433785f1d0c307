use leptos::prelude::*;
use leptos_router::components::A;

use crate::i18n::{use_i18n, w};
use crate::labels::tr;
use crate::routes::Page;

#[component]
pub fn Footer() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <footer class="site-footer">
            <div class="container footer-row">
                <p class="footer-note">{tr(i18n, w::footer::rights)}</p>
                <nav aria-label=tr(i18n, w::footer::label)>
                    <ul>
                        <li><A href={Page::Privacy.path()}>{tr(i18n, w::footer::privacy_policy)}</A></li>
                        <li><A href={Page::Cookies.path()}>{tr(i18n, w::footer::cookie_policy)}</A></li>
                        // Reopens the server-rendered cookie banner (public/consent.js listens).
                        <li><button type="button" class="link-button" data-cc-open="">{tr(i18n, w::footer::cookie_settings)}</button></li>
                    </ul>
                </nav>
            </div>
        </footer>
    }
}
