//! Query strings, parsed rather than validated: a handler takes `Query<T>` and gets a `T` whose
//! fields are already the types it needs (a bounded count, a time, a cursor), or the request
//! is answered 422 naming every parameter that is wrong, with the same `FieldError`s as a body
//! (axum's own `Query` answers 400 with serde's sentence and stops at the first problem).

use std::collections::HashMap;

use axum::extract::{FromRequestParts, RawQuery};
use axum::http::request::Parts;
use ward_model::{FieldError, FieldErrorCode};

use crate::error::{AppError, Fields};

/// A query string's parameters, parsed into `T` by [`FromQuery`].
pub struct Query<T>(pub T);

/// What a query-string type reads from the parameters; problems go into `fields` and the
/// value then holds defaults, never seen because the extractor answers 422.
pub trait FromQuery: Sized {
    fn from_query(q: &Pairs, fields: &mut Fields) -> Self;
}

/// One parameter's value type.
pub trait QueryValue: Sized {
    fn parse(field: &str, value: &str) -> Result<Self, FieldError>;
}

/// The decoded parameters; a later repetition of a name wins.
pub struct Pairs(HashMap<String, String>);

impl Pairs {
    pub fn parse(raw: Option<&str>) -> Pairs {
        Pairs(url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()).into_owned().collect())
    }

    /// The value of `name`; an empty one counts as absent, as a form's untouched input does.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str).filter(|v| !v.is_empty())
    }

    /// `name` parsed as `T`: `None` when absent or wrong (the error is collected).
    pub fn value<T: QueryValue>(&self, name: &str, fields: &mut Fields) -> Option<T> {
        self.get(name).and_then(|v| fields.take(T::parse(name, v)))
    }
}

impl<S: Send + Sync, T: FromQuery> FromRequestParts<S> for Query<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let RawQuery(raw) = RawQuery::from_request_parts(parts, state).await.unwrap_or(RawQuery(None));
        let mut fields = Fields::default();
        let value = T::from_query(&Pairs::parse(raw.as_deref()), &mut fields);
        fields.check()?;
        Ok(Query(value))
    }
}

fn invalid(field: &str, message: impl Into<String>) -> FieldError {
    FieldError { field: field.into(), code: FieldErrorCode::Invalid, message: message.into() }
}

/// A whole number from `MIN` to `MAX`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count<const MIN: u32, const MAX: u32>(pub u32);

impl<const MIN: u32, const MAX: u32> QueryValue for Count<MIN, MAX> {
    fn parse(field: &str, value: &str) -> Result<Self, FieldError> {
        match value.parse::<u32>() {
            Ok(n) if (MIN..=MAX).contains(&n) => Ok(Count(n)),
            _ => Err(invalid(field, format!("Expected a whole number from {MIN} to {MAX}."))),
        }
    }
}

/// A moment as Unix seconds, given as an RFC 3339 time or a date (UTC); a date means its
/// first second, or with `END` its last, so `from` and `to` dates both include their day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeBound<const END: bool>(pub i64);

impl<const END: bool> QueryValue for TimeBound<END> {
    fn parse(field: &str, value: &str) -> Result<Self, FieldError> {
        use time::format_description::well_known::Rfc3339;
        if let Ok(t) = time::OffsetDateTime::parse(value, &Rfc3339) {
            return Ok(TimeBound(t.unix_timestamp()));
        }
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let day = time::Date::parse(value, &format)
            .map_err(|_| invalid(field, "Expected a date (YYYY-MM-DD) or an RFC 3339 time."))?;
        let t = if END { day.with_hms(23, 59, 59) } else { day.with_hms(0, 0, 0) };
        Ok(TimeBound(t.expect("a valid time of day").assume_utc().unix_timestamp()))
    }
}

/// One of a fixed set of words, each meaning a `T`.
pub fn choice<T: Copy>(
    q: &Pairs,
    name: &str,
    choices: &[(&str, T)],
    absent: T,
    message: &str,
    fields: &mut Fields,
) -> T {
    match q.get(name) {
        None => absent,
        Some(v) => choices.iter().find(|(word, _)| *word == v).map(|(_, t)| *t).unwrap_or_else(|| {
            fields.0.push(invalid(name, message));
            absent
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_wrong_parameter_is_collected_and_empty_ones_are_absent() {
        let q = Pairs::parse(Some("page=0&per_page=7&from=2026-02-30&to=&kind=x"));
        let mut fields = Fields::default();
        assert_eq!(q.value::<Count<1, 100>>("page", &mut fields), None);
        assert_eq!(q.value::<Count<1, 100>>("per_page", &mut fields), Some(Count(7)));
        assert_eq!(q.value::<TimeBound<false>>("from", &mut fields), None);
        assert_eq!(q.value::<TimeBound<true>>("to", &mut fields), None);
        assert_eq!(choice(&q, "kind", &[("all", None), ("motion", Some(1))], None, "no", &mut fields), None);
        let named: Vec<_> = fields.0.iter().map(|f| (f.field.as_str(), f.code)).collect();
        assert_eq!(
            named,
            [
                ("page", FieldErrorCode::Invalid),
                ("from", FieldErrorCode::Invalid),
                ("kind", FieldErrorCode::Invalid)
            ]
        );
    }

    #[test]
    fn a_date_bound_includes_its_whole_day() {
        let from = TimeBound::<false>::parse("from", "2026-01-02").unwrap().0;
        let to = TimeBound::<true>::parse("to", "2026-01-02").unwrap().0;
        assert_eq!(to - from, 86_399);
        assert_eq!(TimeBound::<false>::parse("from", "2026-01-02T00:00:01Z").unwrap().0, from + 1);
    }
}
