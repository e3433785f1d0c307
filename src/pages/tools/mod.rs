//! Pages for the people who run Ward, not for its users: the developer mailbox and the
//! privacy staff's console. One wasm chunk, never part of a user's download (one chunk rather
//! than two: each chunk's loader costs the first page about 1 KB, `cargo xtask bench size`).
mod mailbox;
mod staff;

pub use mailbox::{DevMailboxPage, newest_first};
pub use staff::StaffConsole;
