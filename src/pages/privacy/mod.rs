//! The privacy area (its own wasm chunk): the privacy center and "my data".
mod center;
mod export;
mod my_data;

pub use center::PrivacyCenterPage;
pub use my_data::MyDataPage;
