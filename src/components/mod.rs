//! Components take props and never fetch; pages fetch.
mod error_panel;
mod field;
mod footer;
mod header;

pub use error_panel::ErrorPanel;
pub use field::{Field, FormError, StrengthMeter, SubmitButton};
pub use footer::Footer;
pub use header::Header;
