//! Policy documents: Markdown to HTML (raw HTML shown as text), line diffs, version names.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};
use similar::{ChangeTag, TextDiff};
use ward_model::DiffLine;

/// Markdown rendered to HTML. HTML written inside the Markdown is escaped, not passed
/// through: a policy is text, and the app inserts this HTML as it is. A leading `# Title`
/// is left out: the app shows the title, in the reader's language, as the page's heading.
pub fn to_html(markdown: &str) -> String {
    let mut in_title = false;
    let mut seen_content = false;
    let events = Parser::new_ext(markdown, Options::ENABLE_TABLES).filter_map(|e| {
        match &e {
            Event::Start(Tag::Heading { level: HeadingLevel::H1, .. }) if !seen_content => {
                in_title = true;
                return None;
            }
            Event::End(TagEnd::Heading(HeadingLevel::H1)) if in_title => {
                in_title = false;
                seen_content = true;
                return None;
            }
            _ if in_title => return None,
            _ => seen_content = true,
        }
        Some(match e {
            Event::Html(h) | Event::InlineHtml(h) => Event::Text(h),
            other => other,
        })
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    out
}

/// Line by line, what changed from `old` to `new`.
pub fn diff(old: &str, new: &str) -> Vec<DiffLine> {
    TextDiff::from_lines(old, new)
        .iter_all_changes()
        .map(|c| DiffLine {
            change: match c.tag() {
                ChangeTag::Equal => "same",
                ChangeTag::Insert => "added",
                ChangeTag::Delete => "removed",
            }
            .into(),
            text: c.value().trim_end_matches('\n').to_string(),
        })
        .collect()
}

/// The name of a version published on `date` (`YYYY-MM-DD`): the date, or the date with
/// `-2`, `-3`… when versions of that day exist. No dots: the consent cookie separates its
/// fields with them.
pub fn version_name(date: &str, taken: &[String]) -> String {
    if !taken.iter().any(|t| t == date) {
        return date.to_string();
    }
    (2..).map(|n| format!("{date}-{n}")).find(|v| !taken.contains(v)).expect("an unbounded range")
}

/// Today (UTC) as `YYYY-MM-DD`.
pub fn today() -> String {
    let d = time::OffsetDateTime::now_utc().date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_renders_and_raw_html_is_escaped() {
        let html = to_html("# Title\n\nSome **bold** text.\n\n<script>alert(1)</script>\n\n# Later\n");
        assert!(!html.contains("Title"), "the leading title is the app's: {html}");
        assert!(html.contains("<h1>Later</h1>"), "{html}");
        assert!(html.contains("<strong>bold</strong>"));
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn the_diff_marks_added_and_removed_lines() {
        let d = diff("a\nb\nc\n", "a\nB\nc\nd\n");
        let pick = |change: &str| -> Vec<&str> {
            d.iter().filter(|l| l.change == change).map(|l| l.text.as_str()).collect()
        };
        assert_eq!(pick("removed"), ["b"]);
        assert_eq!(pick("added"), ["B", "d"]);
        assert_eq!(pick("same"), ["a", "c"]);
    }

    #[test]
    fn versions_of_one_day_are_numbered() {
        assert_eq!(version_name("2026-11-25", &[]), "2026-11-25");
        let taken = vec!["2026-11-25".to_string(), "2026-11-25-2".to_string()];
        assert_eq!(version_name("2026-11-25", &taken), "2026-11-25-3");
    }
}
