//! What every form shares: the state of one submission (sending, per-field errors, a
//! form-level error) and the small pure pieces the account pages need (password strength,
//! the code in a mail, which server errors belong to which field).
// words: entry account privacy devices tools (only these areas' pages use this file: its words live in their tables, see build.rs)

use leptos::prelude::*;
use ward_model::FieldError;

use crate::api::ClientError;
use crate::i18n::{I18n, Locale, w};

/// Splits a failed call into errors shown beside the form's fields (those whose `field` the
/// form has) and whether the form-level panel must show the error too (anything else: no
/// field errors at all, or fields this form does not have).
pub fn route_error(error: &ClientError, known: &[&str]) -> (Vec<FieldError>, bool) {
    let (mine, others): (Vec<FieldError>, Vec<FieldError>) =
        error.fields().iter().cloned().partition(|f| known.contains(&f.field.as_str()));
    let panel = mine.is_empty() || !others.is_empty();
    (mine, panel)
}

/// One submission's state. `Copy`, so handlers and views can share it freely.
#[derive(Clone, Copy)]
pub struct FormState {
    pub sending: RwSignal<bool>,
    pub fields: RwSignal<Vec<FieldError>>,
    pub error: RwSignal<Option<ClientError>>,
    known: &'static [&'static str],
}

impl FormState {
    /// `known`: the wire names of the fields this form shows.
    pub fn new(known: &'static [&'static str]) -> Self {
        FormState {
            sending: RwSignal::new(false),
            fields: RwSignal::new(Vec::new()),
            error: RwSignal::new(None),
            known,
        }
    }

    /// A submission starts: old errors go, the button is disabled.
    pub fn start(&self) {
        self.sending.set(true);
        self.fields.set(Vec::new());
        self.error.set(None);
    }

    /// One submission, the way every form sends: nothing while one is on its way; otherwise
    /// the old errors go, the button is disabled and `request` is sent; its answer goes to
    /// `then` (the form is done), a failure beside the fields or to the panel (`fail`).
    pub fn submit<T: 'static>(
        self,
        request: impl Future<Output = Result<T, ClientError>> + 'static,
        then: impl FnOnce(T) + 'static,
    ) {
        if self.sending.get_untracked() {
            return;
        }
        self.start();
        leptos::task::spawn_local(async move {
            match request.await {
                Ok(answer) => {
                    self.done();
                    then(answer);
                }
                Err(e) => self.fail(e),
            }
        });
    }

    /// The submission ended well.
    pub fn done(&self) {
        self.sending.set(false);
    }

    /// The submission failed: field errors go beside their fields (and the first of them
    /// gets the focus), anything else to the form's panel.
    pub fn fail(&self, error: ClientError) {
        let (fields, panel) = route_error(&error, self.known);
        let focus = !fields.is_empty();
        self.fields.set(fields);
        self.error.set(panel.then_some(error));
        self.sending.set(false);
        if focus {
            request_animation_frame(|| {
                if let Ok(Some(el)) = document().query_selector("[aria-invalid=true]") {
                    use wasm_bindgen::JsCast;
                    let _ = el.unchecked_into::<web_sys::HtmlElement>().focus();
                }
            });
        }
    }

    /// The error of one field, if any (tracked).
    pub fn field(&self, name: &str) -> Option<FieldError> {
        self.fields.with(|fs| fs.iter().find(|f| f.field == name).cloned())
    }

    /// Whether the field has an error (tracked).
    pub fn has_error(&self, name: &str) -> bool {
        self.fields.with(|fs| fs.iter().any(|f| f.field == name))
    }
}

/// A field error in the reader's language: the server's English sentence is the most
/// specific in English; other languages get a sentence for the code (the server's sentence
/// when the code is unknown).
pub fn field_message(i18n: I18n, error: &FieldError) -> String {
    if i18n.get_locale() == Locale::en {
        return error.message.clone();
    }
    use ward_model::FieldErrorCode as C;
    // Exhaustive: a code added to the model fails to compile here until it has a sentence.
    let s = match error.code {
        C::Required => w::field_error::required(i18n.get_locale()),
        C::Malformed => w::field_error::malformed(i18n.get_locale()),
        C::Invalid => w::field_error::invalid(i18n.get_locale()),
        C::TooShort => w::field_error::too_short(i18n.get_locale()),
        C::TooLong => w::field_error::too_long(i18n.get_locale()),
        C::Length => w::field_error::length(i18n.get_locale()),
        C::Common => w::field_error::too_common(i18n.get_locale()),
        C::Guessable => w::field_error::guessable(i18n.get_locale()),
        C::UnderAge => w::field_error::under_age(i18n.get_locale()),
        C::Future => w::field_error::future(i18n.get_locale()),
        C::Past => w::field_error::past(i18n.get_locale()),
        C::Wrong => w::field_error::wrong(i18n.get_locale()),
        C::Expired => w::field_error::expired(i18n.get_locale()),
        C::Exhausted => w::field_error::exhausted(i18n.get_locale()),
        C::CodeOrPassword => w::field_error::code_or_password(i18n.get_locale()),
        C::Taken => w::field_error::taken(i18n.get_locale()),
        C::Stale => w::field_error::outdated(i18n.get_locale()),
        C::Unknown => w::field_error::unknown(i18n.get_locale()),
        C::UnknownAccount => w::field_error::unknown_account(i18n.get_locale()),
        C::OwnEmail => w::field_error::own_email(i18n.get_locale()),
        C::OtherRegion => w::field_error::other_region(i18n.get_locale()),
        C::Gpc => w::field_error::gpc(i18n.get_locale()),
        C::Refused => w::field_error::refused(i18n.get_locale()),
        C::Missing => w::field_error::missing(i18n.get_locale()),
        C::TooMany => w::field_error::too_many(i18n.get_locale()),
        C::Rate => w::field_error::rate(i18n.get_locale()),
        C::DailyBytes => w::field_error::daily_bytes(i18n.get_locale()),
        C::Available => w::field_error::available(i18n.get_locale()),
        C::NothingPending => w::field_error::nothing_pending(i18n.get_locale()),
        C::NotStarted => w::field_error::not_started(i18n.get_locale()),
        C::NotNeeded => w::field_error::not_needed(i18n.get_locale()),
        C::NotChoosable => w::field_error::not_choosable(i18n.get_locale()),
        C::NoPasskey => w::field_error::no_passkey(i18n.get_locale()),
        C::FileType => w::field_error::file_type(i18n.get_locale()),
        C::FileSize => w::field_error::file_size(i18n.get_locale()),
        C::ChildLocked => w::field_error::child_locked(i18n.get_locale()),
        C::ChildWaiting => w::field_error::child_waiting(i18n.get_locale()),
        C::ChildSuspended => w::field_error::child_suspended(i18n.get_locale()),
        C::GuardianNeeded => w::field_error::guardian_needed(i18n.get_locale()),
        C::Other => return error.message.clone(),
    };
    s.to_string()
}

/// A quick estimate of a password's strength, 0 (very weak) to 4 (strong), from its length
/// and the kinds of characters in it. The server is the authority (it also knows common
/// passwords); this only helps while typing.
pub fn password_strength(password: &str) -> u8 {
    let len = password.chars().count();
    if len == 0 {
        return 0;
    }
    let has = |f: fn(&char) -> bool| password.chars().any(|c| f(&c));
    let lower = has(char::is_ascii_lowercase);
    let upper = has(char::is_ascii_uppercase);
    let digit = has(char::is_ascii_digit);
    let other = has(|c| !c.is_ascii_alphanumeric());
    let pool: u32 =
        [(lower, 26), (upper, 26), (digit, 10), (other, 33)].iter().filter(|(h, _)| *h).map(|(_, n)| n).sum();
    let kinds = [lower, upper, digit, other].iter().filter(|h| **h).count();
    let mut distinct: Vec<char> = Vec::new();
    for c in password.chars() {
        if !distinct.contains(&c) {
            distinct.push(c);
        }
    }
    let bits = len as f64 * f64::from(pool.max(2)).log2();
    let mut score: u8 = match bits {
        b if b < 28.0 => 0,
        b if b < 36.0 => 1,
        b if b < 60.0 => 2,
        b if b < 75.0 => 3,
        _ => 4,
    };
    if distinct.len() <= 2 {
        score = 0;
    } else if len < 8 || (kinds == 1 && len < 12) || distinct.len() * 3 < len {
        score = score.min(1);
    }
    score
}

/// The verification code in a mail's text: the first run of exactly six digits.
pub fn extract_code(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            if i - start == 6 {
                return Some(chars[start..i].iter().collect());
            }
        } else {
            i += 1;
        }
    }
    None
}

/// `bytes` in standard base64 with padding (a file the API takes in JSON).
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let byte = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (byte(0) << 16) | (byte(1) << 8) | byte(2);
        for i in 0..4 {
            // A chunk of k bytes gives k + 1 characters; `=` pads to four.
            out.push(if i <= chunk.len() {
                char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63])
            } else {
                '='
            });
        }
    }
    out
}
