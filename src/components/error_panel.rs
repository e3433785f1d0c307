use leptos::prelude::*;
use ward_model::ErrorCode;

use crate::api::ClientError;
use crate::i18n::{use_i18n, w};
use crate::labels::{tr, tr_with};

/// The one way a failed call is shown: what happened, in words, and a way to try again.
#[component]
pub fn ErrorPanel(
    error: ClientError,
    /// Called by the "Try again" button; no button without it.
    #[prop(optional, into)]
    on_retry: Option<Callback<()>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let reason = move || match &error {
        ClientError::Network(_) => tr(i18n, w::error::network).into_any(),
        ClientError::Decode(_) => tr(i18n, w::error::unexpected).into_any(),
        ClientError::Passkey(_) => tr(i18n, w::error::passkey).into_any(),
        // How long to wait, in the reader's language.
        ClientError::Api { retry_after: Some(seconds), .. } => {
            let seconds = *seconds;
            tr_with(i18n, w::error::retry_after, vec![seconds.to_string()])().into_any()
        }
        // The API's own words about the request itself are worth showing as they are.
        ClientError::Api { error, .. } if says_what_to_fix(error.code) => error.message.clone().into_any(),
        // Anything else (server trouble, a proxy's page) gets a plain sentence.
        ClientError::Api { .. } => tr(i18n, w::error::server).into_any(),
    };
    view! {
        <div class="notice notice-error" role="alert">
            <p class="notice-title">{tr(i18n, w::error::heading)}</p>
            <p>{reason}</p>
            {on_retry.map(|retry| view! {
                <button type="button" class="button" on:click=move |_| retry.run(())>
                    {tr(i18n, w::error::retry)}
                </button>
            })}
        </div>
    }
}

/// Codes whose message tells the person what to change or wait for.
fn says_what_to_fix(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::BadRequest
            | ErrorCode::Validation
            | ErrorCode::Conflict
            | ErrorCode::Forbidden
            | ErrorCode::Unauthorized
            | ErrorCode::TooManyRequests
            | ErrorCode::PayloadTooLarge
    )
}
