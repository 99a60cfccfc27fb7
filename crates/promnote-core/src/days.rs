//! Calendar-day buckets (UTC): which days a daily report shows, when Prometheus
//! must evaluate the query for them, and which day an evaluation time belongs to.
//!
//! The convention: the bar of day D shows the value at the *end* of day D, i.e. the
//! query evaluated at the midnight that starts D+1. For a `period="24h"` gauge that
//! is exactly what happened during D. Today has no ending midnight yet, so its bar
//! is evaluated at "now" and marked partial.

use chrono::{DateTime, Months, NaiveDate, NaiveTime, TimeDelta};

/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;

/// The days of a daily report and the evaluation times that fill them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayPlan {
    /// Complete days, oldest first; bar i is evaluated at the midnight ending `days[i]`.
    pub days: Vec<NaiveDate>,
    /// The current, partial day; evaluated at `now_ms`.
    pub today: NaiveDate,
    /// The evaluation time of the partial bar, in ms since the epoch.
    pub now_ms: i64,
}

impl DayPlan {
    /// From the same calendar day one month before today up to today (as the notebook's
    /// "1 month ago" to "now"), evaluated at `now_ms`.
    pub fn last_month(now_ms: i64) -> Self {
        let today = date_of(now_ms);
        let first = today.checked_sub_months(Months::new(1)).unwrap_or(today);
        Self::between(first, now_ms)
    }

    /// Every day from `first` up to the day of `now_ms` (which is partial).
    pub fn between(first: NaiveDate, now_ms: i64) -> Self {
        let today = date_of(now_ms);
        let days = first.iter_days().take_while(|d| *d < today).collect();
        Self { days, today, now_ms }
    }

    /// Unix seconds of the first evaluation (the midnight ending the first day).
    pub fn range_start_s(&self) -> i64 {
        self.days.first().map_or_else(
            || midnight_ms(self.today) / 1000,
            |d| midnight_ms(*d) / 1000 + 86_400,
        )
    }

    /// Unix seconds of the last midnight evaluation (the start of today).
    pub fn range_end_s(&self) -> i64 {
        midnight_ms(self.today) / 1000
    }

    /// The range query's step in seconds: one day.
    pub fn step_s(&self) -> i64 {
        86_400
    }

    /// Which complete day an evaluation at `t_ms` reports on: the day that contains the
    /// instant just before it, so midnight M belongs to the day ending at M.
    pub fn day_index(&self, t_ms: i64) -> Option<usize> {
        let first = midnight_ms(*self.days.first()?);
        let index = (t_ms - 1 - first).div_euclid(DAY_MS);
        usize::try_from(index).ok().filter(|i| *i < self.days.len())
    }

    /// Every bar's label, complete days then today.
    pub fn labels(&self) -> Vec<String> {
        self.days
            .iter()
            .chain(std::iter::once(&self.today))
            .map(|d| d.format("%Y-%m-%d").to_string())
            .collect()
    }
}

/// The UTC date of a time in ms since the epoch.
pub fn date_of(t_ms: i64) -> NaiveDate {
    DateTime::from_timestamp_millis(t_ms).map_or(NaiveDate::MIN, |t| t.date_naive())
}

/// Milliseconds since the epoch of the UTC midnight that starts `day`.
pub fn midnight_ms(day: NaiveDate) -> i64 {
    day.and_time(NaiveTime::MIN).and_utc().timestamp_millis()
}

/// `HH:MM` (UTC) of a time, for "so far (until 14:05 UTC)".
pub fn clock_utc(t_ms: i64) -> String {
    DateTime::from_timestamp_millis(t_ms).map_or_else(String::new, |t| t.format("%H:%M").to_string())
}

/// A time as RFC 3339 in UTC, second precision.
pub fn rfc3339_utc(t_ms: i64) -> String {
    DateTime::from_timestamp_millis(t_ms).map_or_else(String::new, |t| {
        (t - TimeDelta::milliseconds(t_ms.rem_euclid(1000))).to_rfc3339()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis()
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn last_month_is_whole_days_plus_a_partial_today() {
        let plan = DayPlan::last_month(ms("2026-11-23T10:30:00Z"));
        assert_eq!(plan.days.first(), Some(&day("2026-10-23")));
        assert_eq!(plan.days.last(), Some(&day("2026-11-22")));
        assert_eq!(plan.days.len(), 31);
        assert_eq!(plan.today, day("2026-11-23"));
        // The first bar (Oct 23) is evaluated at the midnight that ends it.
        assert_eq!(plan.range_start_s(), ms("2026-10-24T00:00:00Z") / 1000);
        assert_eq!(plan.range_end_s(), ms("2026-11-23T00:00:00Z") / 1000);
        assert_eq!(
            (plan.range_end_s() - plan.range_start_s()) / plan.step_s() + 1,
            31
        );
    }

    #[test]
    fn month_arithmetic_clamps_to_the_shorter_month() {
        let plan = DayPlan::last_month(ms("2026-03-31T08:00:00Z"));
        assert_eq!(plan.days.first(), Some(&day("2026-02-28")));
        let leap = DayPlan::last_month(ms("2028-03-30T08:00:00Z"));
        assert_eq!(leap.days.first(), Some(&day("2028-02-29")));
    }

    #[test]
    fn a_midnight_belongs_to_the_day_it_ends() {
        let plan = DayPlan::last_month(ms("2026-11-23T10:30:00Z"));
        assert_eq!(plan.day_index(ms("2026-10-24T00:00:00Z")), Some(0));
        assert_eq!(plan.day_index(ms("2026-10-24T00:00:00.001Z")), Some(1));
        assert_eq!(plan.day_index(ms("2026-11-23T00:00:00Z")), Some(30));
        assert_eq!(plan.day_index(ms("2026-10-23T12:00:00Z")), Some(0));
        assert_eq!(
            plan.day_index(ms("2026-10-23T00:00:00Z")),
            None,
            "ends the day before the range"
        );
        assert_eq!(
            plan.day_index(ms("2026-11-23T00:00:01Z")),
            None,
            "today is not a complete day"
        );
    }

    #[test]
    fn just_after_midnight_today_is_partial_and_yesterday_complete() {
        let plan = DayPlan::last_month(ms("2026-11-23T00:00:00Z"));
        assert_eq!(plan.today, day("2026-11-23"));
        assert_eq!(plan.days.last(), Some(&day("2026-11-22")));
        assert_eq!(plan.labels().last().map(String::as_str), Some("2026-11-23"));
    }

    #[test]
    fn formats_times() {
        assert_eq!(clock_utc(ms("2026-11-23T09:05:59Z")), "09:05");
        assert_eq!(
            rfc3339_utc(ms("2026-11-23T09:05:59.250Z")),
            "2026-11-23T09:05:59+00:00"
        );
    }
}
