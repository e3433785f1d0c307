use leptos::prelude::*;
use leptos_router::components::A;

use crate::i18n::{t, t_string, use_i18n};

#[component]
pub fn Footer() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <footer class="site-footer">
            <div class="container footer-row">
                <p class="footer-note">{t!(i18n, footer.rights)}</p>
                <nav aria-label=move || t_string!(i18n, footer.label)>
                    <ul>
                        <li><A href="/privacy">{t!(i18n, footer.privacy_policy)}</A></li>
                        <li><A href="/cookies">{t!(i18n, footer.cookie_settings)}</A></li>
                    </ul>
                </nav>
            </div>
        </footer>
    }
}
