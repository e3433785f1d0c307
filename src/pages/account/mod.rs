//! The account area (its own wasm chunk): profile, security, deletion.
mod delete;
mod profile;
mod security;

pub use delete::DeleteAccountPage;
pub use profile::{AccountPage, profile_changes};
pub use security::SecurityPage;
