// words: entry account privacy devices tools (only these areas' pages use this file: its words live in their tables, see build.rs)
use leptos::prelude::*;
use leptos::text_prop::TextProp;
use leptos_router::components::A;

use crate::forms::{FormState, field_message, password_strength};
use crate::i18n::{Locale, use_i18n, w};
use crate::labels::tr;
use crate::routes::Page;

/// A labelled input whose server error (matched by `name`, the wire field) shows beside it
/// and is announced with it (`aria-describedby`, `aria-invalid`).
#[component]
pub fn Field(
    form: FormState,
    /// The field's wire name: the `field` of the server's errors, and the input's `name`.
    name: &'static str,
    /// The input's id; the hint and the error get `{id}-hint` and `{id}-error`.
    #[prop(into)]
    id: String,
    #[prop(into)] label: TextProp,
    value: RwSignal<String>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] inputmode: Option<&'static str>,
    #[prop(optional, into)] hint: Option<ViewFn>,
    #[prop(optional)] required: bool,
    #[prop(optional)] maxlength: Option<u32>,
    /// Another element that describes the input (e.g. a strength meter).
    #[prop(optional)]
    described_by: Option<&'static str>,
    /// Shown below the input (e.g. a strength meter).
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    let i18n = use_i18n();
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let describedby = {
        let mut ids = Vec::new();
        if hint.is_some() {
            ids.push(hint_id.clone());
        }
        if let Some(extra) = described_by {
            ids.push(extra.to_string());
        }
        ids.push(error_id.clone());
        ids.join(" ")
    };
    let invalid = move || form.has_error(name).then_some("true");
    view! {
        <div class="field" class:field-invalid=move || form.has_error(name)>
            <label for=id.clone()>{move || label.get()}</label>
            {hint.map(|h| view! { <p class="field-hint" id=hint_id>{move || h.run()}</p> })}
            <input
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                inputmode=inputmode
                maxlength=maxlength
                required=required
                aria-describedby=describedby
                aria-invalid=invalid
                bind:value=value
            />
            {children.map(|c| c())}
            <FieldErrorText form=form name=name id=error_id />
            {move || {
                // The age gate, refusing a child or asking for a guardian's consent, also
                // points a parent to what they can do for the child.
                use ward_model::FieldErrorCode as C;
                let gate = match name {
                    "birth_date" => C::UnderAge,
                    "guardian_email" => C::GuardianNeeded,
                    _ => return None,
                };
                form.field(name).is_some_and(|e| e.code == gate)
                    .then(|| view! {
                        <p class="field-guardian">
                            {tr(i18n, w::signup::guardian_link)} " "
                            <A href=Page::Guardian.path()>{tr(i18n, w::signup::guardian_page)}</A>
                        </p>
                    })
            }}
        </div>
    }
}

/// A field's server error beside its input, announced with it (`id` is for the input's
/// `aria-describedby`). `Field` draws one; inputs it does not draw (a select, a group of
/// checkboxes) use it directly.
#[component]
pub fn FieldErrorText(form: FormState, name: &'static str, #[prop(into)] id: String) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <p class="field-error" id=id>
            {move || form.field(name).map(|e| view! { <span class="field-error-mark" aria-hidden="true">"!"</span> {field_message(i18n, &e)} })}
        </p>
    }
}

/// A live estimate of a password's strength, for the `described_by` of its field.
#[component]
pub fn StrengthMeter(id: &'static str, value: RwSignal<String>) -> impl IntoView {
    let i18n = use_i18n();
    let score = Memo::new(move |_| value.with(|v| (!v.is_empty()).then(|| password_strength(v))));
    let text = move || match score.get() {
        None => tr(i18n, w::strength::empty).into_any(),
        Some(0) => tr(i18n, w::strength::very_weak).into_any(),
        Some(1) => tr(i18n, w::strength::weak).into_any(),
        Some(2) => tr(i18n, w::strength::fair).into_any(),
        Some(3) => tr(i18n, w::strength::good).into_any(),
        Some(_) => tr(i18n, w::strength::strong).into_any(),
    };
    view! {
        <div class="strength" id=id data-score=move || score.get().map(|s| s.to_string())>
            <div class="strength-bar" aria-hidden="true">
                <span class=move || format!("strength-fill strength-{}", score.get().map_or(-1, i32::from))></span>
            </div>
            <p class="strength-text">{tr(i18n, w::strength::label)} " " <strong>{text}</strong></p>
        </div>
    }
}

/// The primary submit button: disabled, and saying so, while the form is sending.
#[component]
pub fn SubmitButton(
    form: FormState,
    #[prop(into)] label: TextProp,
    #[prop(optional)] danger: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <button type="submit" class="button" class:button-danger=danger disabled=move || form.sending.get()>
            {move || if form.sending.get() { tr(i18n, w::form::sending).into_any() } else { label.get().into_any() }}
        </button>
    }
}

/// The form-level error panel of a form (errors that belong to no field).
#[component]
pub fn FormError(form: FormState) -> impl IntoView {
    move || form.error.get().map(|e| view! { <crate::components::ErrorPanel error=e /> })
}

/// A labelled text area whose server error shows beside it.
#[component]
pub fn TextArea(
    form: FormState,
    name: &'static str,
    id: &'static str,
    label: fn(Locale) -> &'static str,
    #[prop(optional)] hint: Option<fn(Locale) -> &'static str>,
    value: RwSignal<String>,
    #[prop(default = 4000)] maxlength: u32,
    #[prop(default = 4)] rows: u32,
    #[prop(default = true)] required: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let (hint_id, error_id) = (format!("{id}-hint"), format!("{id}-error"));
    let described = if hint.is_some() { format!("{hint_id} {error_id}") } else { error_id.clone() };
    view! {
        <div class="field" class:field-invalid=move || form.has_error(name)>
            <label for=id>{tr(i18n, label)}</label>
            {hint.map(|h| view! { <p class="field-hint" id=hint_id>{tr(i18n, h)}</p> })}
            <textarea id=id name=name rows=rows maxlength=maxlength required=required aria-describedby=described
                aria-invalid=move || form.has_error(name).then_some("true")
                prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))></textarea>
            <FieldErrorText form=form name=name id=error_id />
        </div>
    }
}
