//! Parse, don't validate: the account fields as newtypes that only exist when valid.
//! Each parser answers a [`FieldError`] naming the field, with a sentence for people.

use time::{Date, OffsetDateTime};
use ward_model::FieldErrorCode;
use ward_model::{FieldError, Region};

pub const NAME_MAX: usize = 100;
pub const EMAIL_MAX: usize = 254;
pub const PASSWORD_MIN: usize = 8;
/// Far above the 64 that must be allowed; the cap keeps hashing cost bounded.
pub const PASSWORD_MAX: usize = 128;

/// The most common passwords of 8 or more characters (zxcvbn's frequency list, MIT),
/// checked offline and case-insensitively.
static COMMON_PASSWORDS: &str = include_str!("common-passwords.txt");

fn err(field: &str, code: FieldErrorCode, message: impl Into<String>) -> FieldError {
    FieldError { field: field.into(), code, message: message.into() }
}

fn required<'a>(field: &str, value: &'a str) -> Result<&'a str, FieldError> {
    let value = value.trim();
    if value.is_empty() {
        Err(err(field, FieldErrorCode::Required, "This field is required."))
    } else {
        Ok(value)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name(String);

impl Name {
    pub fn parse(field: &str, value: &str) -> Result<Name, FieldError> {
        let value = required(field, value)?;
        if value.chars().count() > NAME_MAX {
            return Err(err(field, FieldErrorCode::TooLong, format!("Use at most {NAME_MAX} characters.")));
        }
        if value.chars().any(char::is_control) {
            return Err(err(field, FieldErrorCode::Malformed, "A name cannot contain control characters."));
        }
        Ok(Name(value.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An email address as typed (trimmed); [`Email::normalised`] is what lookups hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(field: &str, value: &str) -> Result<Email, FieldError> {
        let value = required(field, value)?;
        if value.len() > EMAIL_MAX {
            return Err(err(
                field,
                FieldErrorCode::TooLong,
                format!("An email address has at most {EMAIL_MAX} characters."),
            ));
        }
        let ok = email_address::EmailAddress::parse_with_options(
            value,
            email_address::Options::default().without_display_text().without_domain_literal(),
        )
        .is_ok_and(|a| a.domain().contains('.'));
        if !ok {
            return Err(err(
                field,
                FieldErrorCode::Malformed,
                "Enter an email address like name@example.com.",
            ));
        }
        Ok(Email(value.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Lowercased: `Ada@Example.com` and `ada@example.com` are one account.
    pub fn normalised(&self) -> String {
        self.0.to_lowercase()
    }
}

/// A phone number in E.164 (`+442079460958`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    /// A number without `+` is read as dialled in the home region's country, when the
    /// region is one country.
    pub fn parse(field: &str, value: &str, region: Option<Region>) -> Result<Phone, FieldError> {
        use phonenumber::country::Id;
        let value = required(field, value)?;
        if value.len() > 32 {
            return Err(err(field, FieldErrorCode::TooLong, "A phone number has at most 32 characters."));
        }
        let country = region.and_then(|r| match r {
            Region::Us => Some(Id::US),
            Region::Sg => Some(Id::SG),
            Region::Br => Some(Id::BR),
            Region::In => Some(Id::IN),
            Region::Ru => Some(Id::RU),
            Region::Cn => Some(Id::CN),
            Region::Eu => None,
        });
        let parsed =
            phonenumber::parse(country, value).ok().filter(phonenumber::is_valid).ok_or_else(|| {
                err(
                    field,
                    FieldErrorCode::Malformed,
                    "Enter a valid phone number, with its country code (e.g. +44 20 7946 0958).",
                )
            })?;
        Ok(Phone(parsed.format().mode(phonenumber::Mode::E164).to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password that meets the policy. Its `Debug` never shows it.
#[derive(Clone)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

impl Password {
    /// `others` are values the password must not equal (the email, the name).
    pub fn parse(field: &str, value: &str, others: &[&str]) -> Result<Password, FieldError> {
        let n = value.chars().count();
        if n == 0 {
            return Err(err(field, FieldErrorCode::Required, "Choose a password."));
        }
        if n < PASSWORD_MIN {
            return Err(err(
                field,
                FieldErrorCode::TooShort,
                format!("Use at least {PASSWORD_MIN} characters."),
            ));
        }
        if n > PASSWORD_MAX {
            return Err(err(
                field,
                FieldErrorCode::TooLong,
                format!("Use at most {PASSWORD_MAX} characters."),
            ));
        }
        let lower = value.to_lowercase();
        if is_common(&lower) {
            return Err(err(
                field,
                FieldErrorCode::Common,
                "This password is among the most common ones and would be guessed quickly. Choose another.",
            ));
        }
        if others.iter().any(|o| !o.is_empty() && o.to_lowercase() == lower) {
            return Err(err(
                field,
                FieldErrorCode::Guessable,
                "Do not use your email or name as your password.",
            ));
        }
        Ok(Password(value.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn is_common(lower: &str) -> bool {
    COMMON_PASSWORDS.lines().any(|p| p == lower)
}

pub fn parse_region(field: &str, value: &str) -> Result<Region, FieldError> {
    let value = required(field, value)?;
    Region::from_code(&value.to_ascii_lowercase())
        .ok_or_else(|| err(field, FieldErrorCode::Unknown, "Choose one of the listed regions."))
}

/// The minimum age per home region: 18 by default (the first seed policy), 14 in China,
/// 13 in the US (COPPA), 16 in the EU (GDPR art. 8). Configurable with `WARD_MIN_AGES`.
#[derive(Debug, Clone)]
pub struct AgeRules {
    default: u32,
    by_region: Vec<(Region, u32)>,
}

impl Default for AgeRules {
    fn default() -> Self {
        AgeRules { default: 18, by_region: vec![(Region::Cn, 14), (Region::Us, 13), (Region::Eu, 16)] }
    }
}

impl AgeRules {
    /// `default=18,cn=14,us=13,eu=16`: entries override the built-in table.
    pub fn parse(spec: &str) -> Result<AgeRules, String> {
        let mut rules = AgeRules::default();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, age) = part.split_once('=').ok_or_else(|| format!("`{part}` is not REGION=AGE"))?;
            let age: u32 = age.trim().parse().map_err(|_| format!("`{age}` is not an age in years"))?;
            if !(1..=30).contains(&age) {
                return Err(format!("a minimum age of {age} is not plausible"));
            }
            match key.trim() {
                "default" => rules.default = age,
                code => {
                    let region =
                        Region::from_code(code).ok_or_else(|| format!("`{code}` is not a region"))?;
                    rules.by_region.retain(|(r, _)| *r != region);
                    rules.by_region.push((region, age));
                }
            }
        }
        Ok(rules)
    }

    pub fn min_age(&self, region: Region) -> u32 {
        self.by_region.iter().find(|(r, _)| *r == region).map_or(self.default, |(_, a)| *a)
    }
}

/// A date of birth in the past, at most 130 years ago.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BirthDate(Date);

impl BirthDate {
    pub fn parse(field: &str, value: &str, today: Date) -> Result<BirthDate, FieldError> {
        let value = required(field, value)?;
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let date = Date::parse(value, format).map_err(|_| {
            err(field, FieldErrorCode::Malformed, "Enter the date as YYYY-MM-DD, e.g. 1990-04-25.")
        })?;
        if date > today {
            return Err(err(field, FieldErrorCode::Future, "A date of birth cannot be in the future."));
        }
        if age_on(date, today) > 130 {
            return Err(err(field, FieldErrorCode::Malformed, "Check the year of birth."));
        }
        Ok(BirthDate(date))
    }

    pub fn age_on(self, today: Date) -> u32 {
        age_on(self.0, today)
    }

    pub fn to_iso(self) -> String {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        self.0.format(format).expect("a valid date formats")
    }
}

/// Whole years between `birth` and `today`.
fn age_on(birth: Date, today: Date) -> u32 {
    let mut years = today.year() - birth.year();
    if (today.month() as u8, today.day()) < (birth.month() as u8, birth.day()) {
        years -= 1;
    }
    years.max(0) as u32
}

pub fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

/// A 6-digit emailed code, spaces ignored.
pub fn parse_code(field: &str, value: &str) -> Result<String, FieldError> {
    let digits: String = value.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.is_empty() {
        return Err(err(field, FieldErrorCode::Required, "Enter the 6-digit code from the email."));
    }
    if digits.len() != 6 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(err(field, FieldErrorCode::Malformed, "The code has exactly 6 digits."));
    }
    Ok(digits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(Name::parse("name", "  Ada Lovelace ").unwrap().as_str(), "Ada Lovelace");
        assert_eq!(Name::parse("name", "   ").unwrap_err().code, "required");
        assert_eq!(Name::parse("name", &"x".repeat(101)).unwrap_err().code, "too_long");
        assert_eq!(Name::parse("name", "a\u{0}b").unwrap_err().code, "malformed");
        assert!(Name::parse("name", "李小龙").is_ok());
    }

    #[test]
    fn emails_are_checked_and_normalised() {
        let e = Email::parse("email", " Ada@Example.COM ").unwrap();
        assert_eq!(e.as_str(), "Ada@Example.COM");
        assert_eq!(e.normalised(), "ada@example.com");
        for bad in ["ada", "ada@", "@example.com", "ada@example", "Ada <ada@example.com>", "a b@example.com"]
        {
            assert_eq!(Email::parse("email", bad).unwrap_err().code, "malformed", "{bad}");
        }
        assert_eq!(Email::parse("email", "").unwrap_err().code, "required");
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(Email::parse("email", &long).unwrap_err().code, "too_long");
    }

    #[test]
    fn phones_become_e164() {
        assert_eq!(Phone::parse("phone", "+44 20 7946 0958", None).unwrap().as_str(), "+442079460958");
        assert_eq!(
            Phone::parse("phone", "(201) 555-0123", Some(Region::Us)).unwrap().as_str(),
            "+12015550123"
        );
        assert_eq!(
            Phone::parse("phone", "138 0013 8000", Some(Region::Cn)).unwrap().as_str(),
            "+8613800138000"
        );
        assert_eq!(Phone::parse("phone", "12345", Some(Region::Us)).unwrap_err().code, "malformed");
        assert_eq!(Phone::parse("phone", "020 7946 0958", Some(Region::Eu)).unwrap_err().code, "malformed");
        assert_eq!(Phone::parse("phone", "call me", None).unwrap_err().code, "malformed");
    }

    #[test]
    fn passwords_follow_the_policy() {
        assert_eq!(Password::parse("password", "", &[]).unwrap_err().code, "required");
        assert_eq!(Password::parse("password", "short1!", &[]).unwrap_err().code, "too_short");
        assert!(Password::parse("password", &"long pass phrase ".repeat(4), &[]).is_ok(), "64+ allowed");
        assert_eq!(Password::parse("password", &"x".repeat(129), &[]).unwrap_err().code, "too_long");
        for common in ["password", "PASSWORD1", "12345678", "qwertyuiop", "trustno1"] {
            assert_eq!(Password::parse("password", common, &[]).unwrap_err().code, "common", "{common}");
        }
        assert_eq!(
            Password::parse("password", "ada@example.com", &["ada@example.com"]).unwrap_err().code,
            "guessable"
        );
        assert!(Password::parse("password", "correct horse battery", &[]).is_ok());
        assert!(
            !format!("{:?}", Password::parse("p", "correct horse battery", &[]).unwrap()).contains("horse")
        );
    }

    #[test]
    fn the_shipped_list_holds_ten_thousand_passwords_of_eight_or_more() {
        let n = COMMON_PASSWORDS.lines().count();
        assert_eq!(n, 10_000);
        assert!(COMMON_PASSWORDS.lines().all(|p| p.chars().count() >= PASSWORD_MIN && p == p.to_lowercase()));
    }

    #[test]
    fn ages_are_whole_years() {
        let today = date!(2026 - 11 - 25);
        let b = |s| BirthDate::parse("birth_date", s, today).unwrap();
        assert_eq!(b("2008-11-25").age_on(today), 18);
        assert_eq!(b("2008-11-26").age_on(today), 17);
        assert_eq!(b("2012-02-29").age_on(today), 14);
        assert_eq!(BirthDate::parse("birth_date", "2026-11-26", today).unwrap_err().code, "future");
        assert_eq!(BirthDate::parse("birth_date", "25/11/2000", today).unwrap_err().code, "malformed");
        assert_eq!(BirthDate::parse("birth_date", "2000-02-30", today).unwrap_err().code, "malformed");
        assert_eq!(BirthDate::parse("birth_date", "1850-01-01", today).unwrap_err().code, "malformed");
    }

    #[test]
    fn the_age_table_has_the_documented_defaults_and_can_be_overridden() {
        let rules = AgeRules::default();
        assert_eq!(rules.min_age(Region::Cn), 14);
        assert_eq!(rules.min_age(Region::Us), 13);
        assert_eq!(rules.min_age(Region::Eu), 16);
        assert_eq!(rules.min_age(Region::In), 18);
        let custom = AgeRules::parse("default=21, eu=13").unwrap();
        assert_eq!(custom.min_age(Region::Eu), 13);
        assert_eq!(custom.min_age(Region::Br), 21);
        assert_eq!(custom.min_age(Region::Cn), 14);
        assert!(AgeRules::parse("mars=3").is_err());
        assert!(AgeRules::parse("eu=abc").is_err());
        assert!(AgeRules::parse("eu").is_err());
    }

    #[test]
    fn codes_are_six_digits() {
        assert_eq!(parse_code("code", " 123 456 ").unwrap(), "123456");
        assert_eq!(parse_code("code", "").unwrap_err().code, "required");
        assert_eq!(parse_code("code", "12345").unwrap_err().code, "malformed");
        assert_eq!(parse_code("code", "12345a").unwrap_err().code, "malformed");
    }

    #[test]
    fn regions_are_parsed_from_codes() {
        assert_eq!(parse_region("region", "EU").unwrap(), Region::Eu);
        assert_eq!(parse_region("region", "").unwrap_err().code, "required");
        assert_eq!(parse_region("region", "atlantis").unwrap_err().code, "unknown");
    }
}
