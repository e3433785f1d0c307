//! Components take props and never fetch; pages fetch.
mod error_panel;
mod footer;
mod header;

pub use error_panel::ErrorPanel;
pub use footer::Footer;
pub use header::Header;
