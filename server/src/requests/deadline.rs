//! When a rights request must be answered: the rules of each home region, read from
//! `server/privacy/deadlines.json` (calendar days, months, or working days with an official
//! calendar of holidays and moved workdays), in the region's own time zone.

use std::collections::{BTreeSet, HashMap};

use serde::Deserialize;
use time::{Date, Month, OffsetDateTime, Time, UtcOffset, Weekday};
use ward_model::Region;

use ward_model::Localized;

/// A length of time the law gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Span {
    Days(u32),
    /// To the same date `n` months on; where that month is shorter, its last day.
    Months(u32),
    /// Monday to Friday, less the region's holidays, plus its moved workdays.
    WorkingDays(u32),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    rule: Localized,
    answer: Span,
    extension: Option<Span>,
    utc_offset_hours: i8,
    #[serde(default)]
    calendar_years: Vec<i32>,
    #[serde(default)]
    holidays: Vec<String>,
    #[serde(default)]
    workdays: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct DeadlinesFile {
    #[serde(rename = "_comment")]
    _comment: String,
    default: RuleFile,
    regions: HashMap<String, RuleFile>,
}

/// One region's rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The law (or promise) the dates come from, in words.
    pub words: Localized,
    answer: Span,
    extension: Option<Span>,
    offset: UtcOffset,
    holidays: BTreeSet<Date>,
    workdays: BTreeSet<Date>,
    /// The last year the official calendar covers.
    pub calendar_until: Option<i32>,
}

/// Every region's rule.
#[derive(Debug, Clone)]
pub struct Deadlines {
    default: Rule,
    regions: HashMap<Region, Rule>,
}

const FILE: &str = include_str!("../../privacy/deadlines.json");

impl Deadlines {
    /// The rules shipped with Ward; a mistake in the file stops the server at start.
    pub fn load() -> Result<Deadlines, String> {
        Deadlines::parse(FILE)
    }

    pub fn parse(text: &str) -> Result<Deadlines, String> {
        let file: DeadlinesFile = serde_json::from_str(text).map_err(|e| format!("deadlines.json: {e}"))?;
        let default = Rule::from_file(file.default).map_err(|e| format!("deadlines.json default: {e}"))?;
        let mut regions = HashMap::new();
        for (code, rule) in file.regions {
            let region =
                Region::from_code(&code).ok_or_else(|| format!("deadlines.json: no region {code:?}"))?;
            regions.insert(region, Rule::from_file(rule).map_err(|e| format!("deadlines.json {code}: {e}"))?);
        }
        Ok(Deadlines { default, regions })
    }

    pub fn rule(&self, region: Region) -> &Rule {
        self.regions.get(&region).unwrap_or(&self.default)
    }

    /// Regions whose official calendar ends before `year` (their working days then count
    /// weekends only until someone adds the new year's calendar).
    pub fn stale_calendars(&self, year: i32) -> Vec<Region> {
        let mut out: Vec<Region> = self
            .regions
            .iter()
            .filter(|(_, r)| r.calendar_until.is_some_and(|until| until < year))
            .map(|(region, _)| *region)
            .collect();
        out.sort_by_key(|r| r.code());
        out
    }
}

fn date(s: &str) -> Result<Date, String> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s, format).map_err(|e| format!("{s:?} is not a date: {e}"))
}

fn is_weekend(d: Date) -> bool {
    matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
}

impl Rule {
    fn from_file(f: RuleFile) -> Result<Rule, String> {
        let offset = UtcOffset::from_hms(f.utc_offset_hours, 0, 0).map_err(|e| e.to_string())?;
        let holidays = f.holidays.iter().map(|s| date(s)).collect::<Result<BTreeSet<_>, _>>()?;
        let workdays = f.workdays.iter().map(|s| date(s)).collect::<Result<BTreeSet<_>, _>>()?;
        if let Some(d) = workdays.iter().find(|d| !is_weekend(**d)) {
            return Err(format!("{d} is a workday already: only a weekend day can be a moved workday"));
        }
        if let Some(d) = holidays.intersection(&workdays).next() {
            return Err(format!("{d} is both a holiday and a workday"));
        }
        let years: BTreeSet<i32> = f.calendar_years.iter().copied().collect();
        if let Some(d) = holidays.iter().chain(&workdays).find(|d| !years.contains(&d.year())) {
            return Err(format!("{d} lies outside calendar_years {years:?}"));
        }
        for span in std::iter::once(f.answer).chain(f.extension) {
            if matches!(span, Span::Days(0) | Span::Months(0) | Span::WorkingDays(0)) {
                return Err("a span of zero".into());
            }
        }
        Ok(Rule {
            words: f.rule,
            answer: f.answer,
            extension: f.extension,
            offset,
            holidays,
            workdays,
            calendar_until: years.last().copied(),
        })
    }

    fn is_working_day(&self, d: Date) -> bool {
        self.workdays.contains(&d) || !(is_weekend(d) || self.holidays.contains(&d))
    }

    fn add(&self, from: Date, span: Span) -> Date {
        match span {
            Span::Days(n) => from + time::Duration::days(n.into()),
            Span::Months(n) => {
                let months = i32::from(u8::from(from.month())) - 1 + n as i32;
                let year = from.year() + months.div_euclid(12);
                let month = Month::try_from((months.rem_euclid(12) + 1) as u8).expect("1 to 12");
                let day = from.day().min(month.length(year));
                Date::from_calendar_date(year, month, day).expect("a day of the month")
            }
            Span::WorkingDays(n) => {
                // The clock starts the day after: the day of filing does not count.
                let (mut d, mut left) = (from, n);
                while left > 0 {
                    d = d.next_day().expect("a date before the year 9999");
                    if self.is_working_day(d) {
                        left -= 1;
                    }
                }
                d
            }
        }
    }

    fn local_date(&self, unix: i64) -> Date {
        OffsetDateTime::from_unix_timestamp(unix).expect("a time Ward stored").to_offset(self.offset).date()
    }

    /// The last second of `d` in the region's zone.
    fn end_of(&self, d: Date) -> i64 {
        d.with_time(Time::from_hms(23, 59, 59).expect("a time")).assume_offset(self.offset).unix_timestamp()
    }

    /// When a request filed at `filed_at` must be answered.
    pub fn due(&self, filed_at: i64) -> i64 {
        self.end_of(self.add(self.local_date(filed_at), self.answer))
    }

    /// The due date after the one extension the law allows, counted from the first due date;
    /// `None` where it allows none.
    pub fn extended(&self, due_at: i64) -> Option<i64> {
        let span = self.extension?;
        Some(self.end_of(self.add(self.local_date(due_at), span)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn rules() -> Deadlines {
        Deadlines::load().unwrap()
    }

    fn at(t: OffsetDateTime) -> i64 {
        t.unix_timestamp()
    }

    #[test]
    fn gdpr_is_one_month_to_the_same_date_or_the_last_day_of_a_shorter_month() {
        let eu = rules().rule(Region::Eu).clone();
        assert_eq!(eu.due(at(datetime!(2026-03-10 09:00 UTC))), at(datetime!(2026-04-10 23:59:59 +1)));
        // Month ends: 31 January has no 31 February; 2028 is a leap year.
        assert_eq!(eu.due(at(datetime!(2026-01-31 10:00 UTC))), at(datetime!(2026-02-28 23:59:59 +1)));
        assert_eq!(eu.due(at(datetime!(2028-01-31 10:00 UTC))), at(datetime!(2028-02-29 23:59:59 +1)));
        assert_eq!(eu.due(at(datetime!(2026-03-31 10:00 UTC))), at(datetime!(2026-04-30 23:59:59 +1)));
        // Over the year's end.
        assert_eq!(eu.due(at(datetime!(2026-12-15 10:00 UTC))), at(datetime!(2027-01-15 23:59:59 +1)));
        // Time zones: 23:30 UTC on 31 January is already 1 February in Brussels.
        assert_eq!(eu.due(at(datetime!(2026-01-31 23:30 UTC))), at(datetime!(2026-03-01 23:59:59 +1)));
        // Extended by two months from the first due date.
        let due = eu.due(at(datetime!(2026-11-30 10:00 UTC)));
        assert_eq!(due, at(datetime!(2026-12-30 23:59:59 +1)));
        assert_eq!(eu.extended(due), Some(at(datetime!(2027-02-28 23:59:59 +1))));
    }

    #[test]
    fn california_is_45_days_plus_45() {
        let us = rules().rule(Region::Us).clone();
        // 02:00 UTC on 2 March is still 1 March in California.
        let due = us.due(at(datetime!(2026-03-02 02:00 UTC)));
        assert_eq!(due, at(datetime!(2026-04-15 23:59:59 -8)));
        assert_eq!(us.extended(due), Some(at(datetime!(2026-05-30 23:59:59 -8))));
    }

    #[test]
    fn china_counts_working_days_over_weekends_holidays_and_moved_workdays() {
        let cn = rules().rule(Region::Cn).clone();
        // Filed Tuesday 10 February 2026: Saturday the 14th is worked, the Spring Festival
        // (15–23) is not, Saturday the 28th is worked again.
        assert_eq!(cn.due(at(datetime!(2026-02-10 12:00 +8))), at(datetime!(2026-03-09 23:59:59 +8)));
        // Filed late on a Friday: the count starts on Monday.
        assert_eq!(cn.due(at(datetime!(2026-03-13 23:30 +8))), at(datetime!(2026-04-03 23:59:59 +8)));
        // The same moment is Saturday in China: still Monday.
        assert_eq!(cn.due(at(datetime!(2026-03-13 16:30 UTC))), at(datetime!(2026-04-03 23:59:59 +8)));
        // Past the calendar the file covers, weekends only.
        assert_eq!(cn.due(at(datetime!(2027-03-05 12:00 +8))), at(datetime!(2027-03-26 23:59:59 +8)));
        assert_eq!(cn.extended(0), None, "no extension in the policy");
        assert_eq!(rules().stale_calendars(2027), vec![Region::Cn]);
        assert!(rules().stale_calendars(2026).is_empty());
    }

    #[test]
    fn regions_without_their_own_rule_take_the_default() {
        let sg = rules().rule(Region::Sg).clone();
        assert_eq!(sg.due(at(datetime!(2026-02-01 12:00 UTC))), at(datetime!(2026-03-03 23:59:59 UTC)));
        assert_eq!(sg.words.en, "Ward answers within 30 days.");
    }

    #[test]
    fn a_broken_calendar_stops_the_server() {
        let base = |extra: &str| {
            format!(
                r#"{{"_comment": "", "default": {{"rule": {{"en": "a", "zh": "b"}}, "answer": {{"days": 30}},
                "extension": null, "utc_offset_hours": 0{extra}}}, "regions": {{}}}}"#
            )
        };
        assert!(Deadlines::parse(&base("")).is_ok());
        let err = Deadlines::parse(&base(r#", "calendar_years": [2026], "workdays": ["2026-03-04"]"#));
        assert!(err.unwrap_err().contains("workday already"));
        let err = Deadlines::parse(&base(r#", "calendar_years": [2025], "holidays": ["2026-03-04"]"#));
        assert!(err.unwrap_err().contains("outside calendar_years"));
        let err = Deadlines::parse(&base(r#", "holidays": ["2026-02-30"]"#));
        assert!(err.unwrap_err().contains("not a date"));
    }
}
