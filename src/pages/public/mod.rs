//! The pages anyone can open without signing in: in the main wasm module.
mod ask;
mod cookies;
mod guardian;
mod home;
mod not_found;
mod password_reset;
mod policy;
mod privacy;
mod signin;
mod signup;
mod signup_verify;
mod unsubscribe;

pub use ask::AskRequestPage;
pub use cookies::Cookies;
pub use guardian::{GuardianForm, GuardianPage, GuardianStep};
pub use home::Home;
pub use not_found::NotFound;
pub use password_reset::PasswordResetPage;
pub use privacy::Privacy;
pub use signin::{SignInPage, needs_otp};
pub use signup::SignUpPage;
pub use signup_verify::VerifyEmailPage;
pub use unsubscribe::UnsubscribePage;
