//! The account area (its own wasm chunk): profile, a guardian's children, security, deletion.
mod children;
mod delete;
mod profile;
mod security;

pub use children::Children;
pub use delete::DeleteAccountPage;
pub use profile::{AccountPage, profile_changes};
pub use security::SecurityPage;
