//! Components take props and never fetch; pages fetch.
mod account_tabs;
mod error_panel;
mod field;
mod footer;
mod header;
mod reconsent;

pub use account_tabs::AccountTabs;
pub use error_panel::ErrorPanel;
pub use field::{Field, FieldErrorText, FormError, StrengthMeter, SubmitButton, TextArea};
pub use footer::Footer;
pub use header::Header;
pub use reconsent::ReconsentPrompt;
