//! Pages by area, one file per page; pages fetch through `crate::api` and render with
//! components. `public` is in the main wasm module; `account`, `privacy`, `devices` and `tools`
//! each become a chunk fetched on first visit (`crate::areas`), so nothing outside
//! `crate::areas` names their pages.
pub mod account;
pub mod devices;
pub mod privacy;
pub mod public;
pub mod tools;

pub use account::profile_changes;
pub use public::needs_otp;
pub use tools::newest_first;
