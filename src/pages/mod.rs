//! One file per page; pages fetch through `crate::api` and render with components.
mod cookies;
mod home;
mod not_found;
mod privacy;

pub use cookies::Cookies;
pub use home::Home;
pub use not_found::NotFound;
pub use privacy::Privacy;
