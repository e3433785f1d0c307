//! One file per page; pages fetch through `crate::api` and render with components.
mod account;
mod cookies;
mod delete_account;
mod dev_mailbox;
mod home;
mod live;
mod not_found;
mod password_reset;
mod privacy;
mod security;
mod signin;
mod signup;
mod signup_verify;

pub use account::{AccountPage, profile_changes};
pub use cookies::Cookies;
pub use delete_account::DeleteAccountPage;
pub use dev_mailbox::{DevMailboxPage, newest_first};
pub use home::Home;
pub use live::LivePage;
pub use not_found::NotFound;
pub use password_reset::PasswordResetPage;
pub use privacy::Privacy;
pub use security::SecurityPage;
pub use signin::{SignInPage, needs_otp};
pub use signup::SignUpPage;
pub use signup_verify::VerifyEmailPage;
