//! Types that cross the wire between the browser app and the API.
//!
//! Architecture invariant: this crate depends on serde only (plus utoipa behind the
//! `openapi` feature, enabled by the server), so it compiles for wasm and native alike.

mod account;
mod device;
mod error;
mod export;
mod health;
mod notices;
mod privacy;
mod requests;
mod share;

pub use account::*;
pub use device::*;

pub use error::{ApiError, ErrorCode, FieldError, FieldErrorCode};
pub use export::*;
pub use health::{Health, HealthStatus};
pub use notices::*;
pub use privacy::*;
pub use requests::*;
pub use share::*;
