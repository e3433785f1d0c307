//! The privacy area (its own wasm chunk): the privacy center, "my data" and requests to the privacy staff.
mod access;
mod center;
mod export;
mod my_data;
mod notices;
mod requests;

pub use center::PrivacyCenterPage;
pub use my_data::MyDataPage;
pub use requests::RequestsPage;
