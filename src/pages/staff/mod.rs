//! The privacy staff's console (its own wasm chunk, in no one else's download): the queue of
//! rights requests and one request with its decision.
mod queue;
mod request;

pub use queue::QueuePage;
pub use request::StaffRequestPage;
