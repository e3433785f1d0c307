//! The devices area (its own wasm chunk): the list with sharing, alarm events, live view.
mod events;
mod list;
mod live;
mod sharing;

pub use events::EventsPage;
pub use list::DevicesPage;
pub use live::LivePage;
