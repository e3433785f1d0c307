//! Words for values that come from the server as codes: regions, activity kinds, times.
// words: entry account privacy tools (only these areas' pages use this file: its words live in their tables, see build.rs)

use leptos::prelude::*;
use ward_model::Region;

use crate::i18n::{I18n, Locale, w};

pub fn region_name(i18n: I18n, region: Region) -> &'static str {
    match region {
        Region::Us => w::region::us(i18n.get_locale()),
        Region::Eu => w::region::eu(i18n.get_locale()),
        Region::Sg => w::region::sg(i18n.get_locale()),
        Region::Br => w::region::br(i18n.get_locale()),
        Region::In => w::region::in_(i18n.get_locale()),
        Region::Ru => w::region::ru(i18n.get_locale()),
        Region::Cn => w::region::cn(i18n.get_locale()),
    }
}

/// An RFC 3339 time in the reader's language and time zone (as sent when unreadable).
pub fn local_time(i18n: I18n, rfc3339: &str) -> String {
    local(i18n, rfc3339, |d, lang| d.to_locale_string(lang, &wasm_bindgen::JsValue::UNDEFINED).into())
}

/// An RFC 3339 time's day in the reader's language and time zone (as sent when unreadable).
pub fn local_date(i18n: I18n, rfc3339: &str) -> String {
    local(i18n, rfc3339, |d, lang| d.to_locale_date_string(lang, &wasm_bindgen::JsValue::UNDEFINED).into())
}

fn local(i18n: I18n, rfc3339: &str, show: fn(&js_sys::Date, &str) -> String) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(rfc3339));
    if date.get_time().is_nan() {
        return rfc3339.to_string();
    }
    let lang = match i18n.get_locale() {
        Locale::en => "en",
        Locale::zh => "zh-CN",
    };
    show(&date, lang)
}

/// `text`, in the reader's language, while `when` holds (nothing otherwise): one view type
/// for every "saved" / "copied" status line.
pub fn tr_when(
    i18n: I18n,
    when: RwSignal<bool>,
    text: fn(Locale) -> &'static str,
) -> impl Fn() -> Option<&'static str> + Copy + Send + Sync + 'static {
    move || when.get().then(|| text(i18n.get_locale()))
}

/// Text with values in it: `{0}`, `{1}`… in the translation are replaced by `values`.
/// One view type for every such text (an interpolating macro would make one per call site).
pub fn tr_with(
    i18n: I18n,
    text: fn(Locale) -> &'static str,
    values: Vec<String>,
) -> impl Fn() -> String + Clone + Send + Sync + 'static {
    move || fill(text(i18n.get_locale()), &values)
}

/// Replaces `{0}`, `{1}`… in `template` with `values`.
pub fn fill(template: &str, values: &[String]) -> String {
    let mut out = template.to_string();
    for (i, v) in values.iter().enumerate() {
        out = out.replace(&format!("{{{i}}}"), v);
    }
    out
}

/// Text in the reader's language that follows a language switch: `tr(i18n, w::signin::title)`.
///
/// Every call returns the same closure type, so the view code that renders it exists once;
/// a closure per call site would make a new type, and with it new view code, each time, which cost
/// about 10 KB (brotli) across the account pages.
pub fn tr(
    i18n: I18n,
    text: fn(Locale) -> &'static str,
) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    move || text(i18n.get_locale())
}

/// A part of a page that changes with signals, behind one type. Leptos instantiates its
/// renderer (effect, build, rebuild) once per closure type, 1–3 KB each in the main module;
/// every closure given here shares one instantiation. The `tr` of views.
pub type Reactive = std::sync::Arc<std::sync::Mutex<dyn FnMut() -> AnyView + Send>>;

pub fn reactive(view: impl FnMut() -> AnyView + Send + 'static) -> Reactive {
    std::sync::Arc::new(std::sync::Mutex::new(view))
}

/// Sets the page's search-engine summary, `<meta name="description">` (index.html carries
/// one, with Ward's own summary), in the reader's language, following a language switch.
/// A DOM attribute rather than leptos_meta's `Meta`, whose generic code cost ~5 KB of the
/// first page.
pub fn describe(i18n: I18n, text: fn(Locale) -> &'static str) {
    Effect::new(move || {
        if let Ok(Some(meta)) = document().query_selector("meta[name=description]") {
            let _ = meta.set_attribute("content", text(i18n.get_locale()));
        }
    });
}

/// A text the server sends in both languages, in the reader's.
pub fn pick(i18n: I18n, text: &ward_model::Localized) -> String {
    match i18n.get_locale() {
        Locale::en => text.en.clone(),
        Locale::zh => text.zh.clone(),
    }
}

/// A legal basis in words.
pub fn basis(i18n: I18n, basis: ward_model::Basis) -> &'static str {
    use ward_model::Basis;
    match basis {
        Basis::Consent => w::privacy_center::basis_consent(i18n.get_locale()),
        Basis::Contract => w::privacy_center::basis_contract(i18n.get_locale()),
        Basis::LegitimateInterest => w::privacy_center::basis_legitimate_interest(i18n.get_locale()),
        Basis::LegalObligation => w::privacy_center::basis_legal_obligation(i18n.get_locale()),
    }
}
