//! Ward's browser app: a Leptos client-side-rendered single-page app.
//!
//! `app` holds the one route table; `api` is the only module that speaks HTTP;
//! `pages` fetch, `components` take props; `session` is who is signed in.

pub mod api;
mod app;
pub mod areas;
pub mod components;
pub mod consent;
pub mod forms;
pub mod i18n;
pub mod labels;
pub mod load;
pub mod pages;
pub mod prefs;
pub mod rights;
pub mod routes;
mod scanner;
pub mod session;

pub use app::App;
