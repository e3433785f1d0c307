//! The visitor's language and theme: kept in localStorage (never sent to the server),
//! applied to `<html data-theme>` (the i18n provider keeps `<html lang>` in step).
//!
//! `public/boot.js` applies the same keys before the app loads so there is no flash of the
//! wrong theme; keep the two in step.

use leptos::prelude::*;

use crate::i18n::{Locale, use_i18n};

pub const THEME_KEY: &str = "ward.theme";
pub const LANG_KEY: &str = "ward.lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    /// Follow the operating system (`prefers-color-scheme`).
    #[default]
    System,
    Light,
    Dark,
}

impl Theme {
    pub const ALL: [Theme; 3] = [Theme::System, Theme::Light, Theme::Dark];

    pub fn as_str(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    pub fn parse(s: &str) -> Option<Theme> {
        Theme::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// The language tag stored for a locale (also what `<html lang>` gets).
pub fn lang_tag(locale: Locale) -> &'static str {
    match locale {
        Locale::en => "en",
        Locale::zh => "zh",
    }
}

/// The language the reader chose before, if any.
pub fn stored_locale() -> Option<Locale> {
    read(LANG_KEY).as_deref().and_then(parse_lang)
}

pub fn parse_lang(tag: &str) -> Option<Locale> {
    match tag {
        "en" => Some(Locale::en),
        "zh" => Some(Locale::zh),
        _ => None,
    }
}

fn storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

pub(crate) fn read(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

pub(crate) fn write(key: &str, value: &str) {
    // Storage can be full or disabled (private mode): the choice then lasts for this visit only.
    if let Some(s) = storage() {
        let _ = s.set_item(key, value);
    }
}

pub(crate) fn remove(key: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(key);
    }
}

/// Forgets both choices; the portal then follows the system again.
pub fn clear_stored() {
    if let Some(s) = storage() {
        let _ = s.remove_item(THEME_KEY);
        let _ = s.remove_item(LANG_KEY);
    }
}

/// The theme choice, shared by every component that shows or changes it.
#[derive(Clone, Copy)]
pub struct ThemeChoice(pub RwSignal<Theme>);

pub fn use_theme() -> ThemeChoice {
    expect_context::<ThemeChoice>()
}

fn apply_theme(theme: Theme) {
    let Some(root) = document().document_element() else { return };
    let _ = match theme {
        Theme::System => root.remove_attribute("data-theme"),
        t => root.set_attribute("data-theme", t.as_str()),
    };
}

/// Sets the language of the app and remembers it.
pub fn choose_locale(locale: Locale) {
    use_i18n().set_locale(locale);
    write(LANG_KEY, lang_tag(locale));
}

/// Sets the theme and remembers it.
pub fn choose_theme(theme: Theme) {
    use_theme().0.set(theme);
    write(THEME_KEY, theme.as_str());
}

/// Restores the stored theme and provides `ThemeChoice` (the i18n provider restores the
/// language); call once.
pub fn provide_preferences() {
    let theme = RwSignal::new(read(THEME_KEY).as_deref().and_then(Theme::parse).unwrap_or_default());
    provide_context(ThemeChoice(theme));
    Effect::new(move || apply_theme(theme.get()));
}
