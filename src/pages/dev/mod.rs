//! Developer pages (their own wasm chunk, never part of a visitor's download).
mod mailbox;

pub use mailbox::{DevMailboxPage, newest_first};
