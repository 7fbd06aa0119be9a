//! The documents course platforms read a grading from, each made from one [`Report`]:
//! Classroom 50's `result.json` ([`classroom50`]) and PrairieLearn's `results.json`
//! ([`prairielearn`]). Gradescope's is [`Report::to_gradescope`].
//!
//! [`Report`]: crate::report::Report
//! [`Report::to_gradescope`]: crate::report::Report::to_gradescope

pub mod classroom50;
pub mod prairielearn;

use std::time::{SystemTime, UNIX_EPOCH};

/// `2026-12-03T08:01:23Z`: the UTC instant both platforms' documents use.
pub fn utc_timestamp(at: SystemTime) -> String {
    let secs = at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's algorithm), so no
/// date library is needed for one timestamp.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// `text` cut to at most `max` bytes on a character boundary, saying it was cut: what a
/// submission prints must never push a platform's document over its size limit.
pub fn clamp(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    const CUT: &str = "\n[… cortado / truncated]";
    let mut end = max.saturating_sub(CUT.len());
    while end > 0 && !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{CUT}", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamps_are_utc_calendar_dates() {
        assert_eq!(utc_timestamp(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        // 2026-12-03T08:01:23Z, and a leap day.
        let at = UNIX_EPOCH + Duration::from_secs(1_796_284_883);
        assert_eq!(utc_timestamp(at), "2026-12-03T08:01:23Z");
        let leap = UNIX_EPOCH + Duration::from_secs(1_709_164_800);
        assert_eq!(utc_timestamp(leap), "2024-02-29T00:00:00Z");
    }

    #[test]
    fn clamping_keeps_short_text_and_cuts_long_text_on_a_char_boundary() {
        assert_eq!(clamp("curto", 100), "curto");
        let long = "ação ".repeat(10_000);
        let cut = clamp(&long, 1000);
        assert!(cut.len() <= 1000, "{}", cut.len());
        assert!(cut.ends_with("truncated]"));
        assert!(cut.starts_with("ação ação"));
    }
}
