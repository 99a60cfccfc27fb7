//! Calendar-day buckets in a time zone: which days a daily report shows, when
//! Prometheus must evaluate the query for them, and which day an evaluation belongs to.
//!
//! The convention: the bar of day D shows the value at the *end* of day D, i.e. the
//! query evaluated at the local midnight that starts D+1. For a `period="24h"` gauge
//! that is exactly what happened during D. A day that has not ended by the range's
//! end (today) is evaluated at that end and marked partial.
//!
//! A fixed 24 h step drifts off local midnight across a daylight-saving change, so the
//! midnights are grouped into segments of equal spacing, one `query_range` each.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

use super::parse::TimeRange;

/// The most days a plan holds (Prometheus' 11,000 points per series, at one a day).
pub const MAX_DAYS: i64 = 11_000;

/// Milliseconds in a (UTC) day.
pub const DAY_MS: i64 = 86_400_000;

/// One `query_range` over evenly spaced evaluation times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// First evaluation, unix seconds.
    pub start_s: i64,
    /// Last evaluation, unix seconds.
    pub end_s: i64,
    /// Spacing, seconds.
    pub step_s: i64,
}

/// The days of a daily report and the evaluation times that fill them.
#[derive(Debug, Clone, PartialEq)]
pub struct DayPlan {
    /// Complete days, oldest first.
    pub days: Vec<Date>,
    /// `ends_ms[i]`: the midnight ending `days[i]`, ms since the epoch.
    ends_ms: Vec<i64>,
    /// The start of the first day, ms since the epoch.
    first_start_ms: i64,
    /// The day still running at the range's end, if any; evaluated at `now_ms`.
    pub partial: Option<Date>,
    /// The range's end: the evaluation time of the partial bar.
    pub now_ms: i64,
    /// The zone whose midnights delimit the days.
    pub zone: TimeZone,
}

impl DayPlan {
    /// From the same time one calendar month before `now_ms` up to `now_ms`, in UTC, as
    /// the notebook's "1 month ago" to "now" (tests and benchmarks: feature `test-support`).
    #[cfg(any(test, feature = "test-support"))]
    pub fn last_month(now_ms: i64) -> Self {
        Self::last_month_in(now_ms, &TimeZone::UTC)
    }

    /// The same, with days cut at `zone`'s midnights.
    pub fn last_month_in(now_ms: i64, zone: &TimeZone) -> Self {
        let now = Timestamp::from_millisecond(now_ms).unwrap_or(Timestamp::UNIX_EPOCH);
        let from = now.to_zoned(zone.clone()).checked_sub(1.month()).map_or(now, |z| z.timestamp());
        Self::for_range(&TimeRange { from, to: now }, zone)
    }

    /// Every day that starts in the range: the ones that end within it are complete,
    /// the one still running at its end is partial. At most [`MAX_DAYS`] days, the
    /// latest ones: Prometheus refuses longer daily ranges anyway.
    pub fn for_range(range: &TimeRange, zone: &TimeZone) -> Self {
        let now_ms = range.to.as_millisecond();
        let earliest =
            range.to.checked_sub(jiff::SignedDuration::from_hours(24 * MAX_DAYS)).unwrap_or(range.from);
        let mut day = range.from.max(earliest).to_zoned(zone.clone()).date();
        let first_start_ms = start_ms(day, zone);
        let mut days = Vec::new();
        let mut ends_ms = Vec::new();
        let mut partial = None;
        while let Ok(next) = day.tomorrow() {
            let end = start_ms(next, zone);
            if end <= now_ms {
                days.push(day);
                ends_ms.push(end);
            } else {
                if start_ms(day, zone) < now_ms {
                    partial = Some(day);
                }
                break;
            }
            day = next;
        }
        Self { days, ends_ms, first_start_ms, partial, now_ms, zone: zone.clone() }
    }

    /// The evaluation times of the complete days, as evenly spaced `query_range` segments
    /// (one segment unless a daylight-saving change falls in the range).
    pub fn segments(&self) -> Vec<Segment> {
        let mut segments: Vec<Segment> = Vec::new();
        for (i, end) in self.ends_ms.iter().enumerate() {
            let t = end / 1000;
            match segments.last_mut() {
                Some(last) if i > 0 && end - self.ends_ms[i - 1] == DAY_MS => last.end_s = t,
                _ => segments.push(Segment { start_s: t, end_s: t, step_s: DAY_MS / 1000 }),
            }
        }
        segments
    }

    /// Which complete day an evaluation at `t_ms` reports on: the day that contains the
    /// instant just before it, so a midnight belongs to the day it ends.
    pub fn day_index(&self, t_ms: i64) -> Option<usize> {
        if t_ms <= self.first_start_ms {
            return None;
        }
        let i = self.ends_ms.partition_point(|end| *end < t_ms);
        (i < self.ends_ms.len()).then_some(i)
    }

    /// Every bar's label (`YYYY-MM-DD`): complete days, then the partial day.
    pub fn labels(&self) -> Vec<String> {
        self.days.iter().chain(self.partial.as_ref()).map(ToString::to_string).collect()
    }
}

fn start_ms(day: Date, zone: &TimeZone) -> i64 {
    day.to_zoned(zone.clone()).map_or(i64::MIN, |z| z.timestamp().as_millisecond())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::clock::{clock, rfc3339_utc, zone_abbreviation};
    use crate::time::zones::zone;

    fn ms(s: &str) -> i64 {
        s.parse::<Timestamp>().unwrap().as_millisecond()
    }

    fn day(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn last_month_is_whole_days_plus_a_partial_today() {
        let plan = DayPlan::last_month(ms("2026-11-23T10:30:00Z"));
        assert_eq!(plan.days.first(), Some(&day("2026-10-23")));
        assert_eq!(plan.days.last(), Some(&day("2026-11-22")));
        assert_eq!(plan.days.len(), 31);
        assert_eq!(plan.partial, Some(day("2026-11-23")));
        let segments = plan.segments();
        assert_eq!(
            segments,
            [Segment {
                start_s: ms("2026-10-24T00:00:00Z") / 1000,
                end_s: ms("2026-11-23T00:00:00Z") / 1000,
                step_s: 86_400
            }]
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
        assert_eq!(plan.day_index(ms("2026-10-23T00:00:00Z")), None, "ends the day before the range");
        assert_eq!(plan.day_index(ms("2026-11-23T00:00:01Z")), None, "today is not a complete day");
    }

    #[test]
    fn exactly_at_midnight_there_is_no_partial_day() {
        let plan = DayPlan::last_month(ms("2026-11-23T00:00:00Z"));
        assert_eq!(plan.days.last(), Some(&day("2026-11-22")));
        assert_eq!(plan.partial, None);
        assert_eq!(plan.labels().last().map(String::as_str), Some("2026-11-22"));
    }

    #[test]
    fn berlin_midnights_across_the_october_change() {
        // Clocks go back on 2026-10-25 (CEST → CET): that day has 25 hours.
        let berlin = zone("Europe/Berlin").unwrap();
        let range =
            TimeRange::parse("2026-10-22", "2026-10-28T12:00:00+01:00", Timestamp::UNIX_EPOCH, &berlin)
                .unwrap();
        let plan = DayPlan::for_range(&range, &berlin);
        assert_eq!(
            plan.labels(),
            [
                "2026-10-22",
                "2026-10-23",
                "2026-10-24",
                "2026-10-25",
                "2026-10-26",
                "2026-10-27",
                "2026-10-28"
            ]
        );
        assert_eq!(plan.partial, Some(day("2026-10-28")));
        // Every evaluation is a Berlin midnight: 22:00 UTC in summer, 23:00 UTC in winter.
        let evaluations: Vec<i64> =
            plan.segments().iter().flat_map(|s| (s.start_s..=s.end_s).step_by(s.step_s as usize)).collect();
        assert_eq!(
            evaluations,
            [
                ms("2026-10-22T22:00:00Z") / 1000,
                ms("2026-10-23T22:00:00Z") / 1000,
                ms("2026-10-24T22:00:00Z") / 1000,
                ms("2026-10-25T23:00:00Z") / 1000,
                ms("2026-10-26T23:00:00Z") / 1000,
                ms("2026-10-27T23:00:00Z") / 1000,
            ]
        );
        assert_eq!(plan.segments().len(), 2, "one query per daylight-saving segment");
        assert_eq!(plan.day_index(ms("2026-10-25T23:00:00Z")), Some(3), "the long day ends at 23:00 UTC");
        assert_eq!(
            plan.day_index(ms("2026-10-25T22:00:00Z")),
            Some(3),
            "22:00 UTC is still the 25th in Berlin"
        );
    }

    #[test]
    fn berlin_midnights_across_the_march_change() {
        // Clocks go forward on 2026-03-29: that day has 23 hours.
        let berlin = zone("Europe/Berlin").unwrap();
        let range = TimeRange::parse("2026-03-28", "2026-03-31", Timestamp::UNIX_EPOCH, &berlin).unwrap();
        let plan = DayPlan::for_range(&range, &berlin);
        assert_eq!(plan.days.len(), 3);
        assert_eq!(plan.partial, Some(day("2026-03-31")));
        let segments = plan.segments();
        assert_eq!(segments[0].start_s, ms("2026-03-28T23:00:00Z") / 1000);
        assert_eq!(segments[1].start_s, ms("2026-03-29T22:00:00Z") / 1000);
    }

    #[test]
    fn very_long_ranges_keep_the_latest_days() {
        let range =
            TimeRange::parse("now-100y", "now", "2026-11-23T10:00:00Z".parse().unwrap(), &TimeZone::UTC)
                .unwrap();
        let plan = DayPlan::for_range(&range, &TimeZone::UTC);
        assert!(plan.days.len() <= MAX_DAYS as usize && plan.days.len() >= MAX_DAYS as usize - 2);
        assert_eq!(plan.partial, Some(day("2026-11-23")));
    }

    #[test]
    fn formats_times() {
        assert_eq!(clock(ms("2026-11-23T09:05:59Z"), &TimeZone::UTC), "09:05");
        assert_eq!(rfc3339_utc(ms("2026-11-23T09:05:59.250Z")), "2026-11-23T09:05:59Z");
        let berlin = zone("Europe/Berlin").unwrap();
        assert_eq!(zone_abbreviation(ms("2026-07-01T00:00:00Z"), &berlin), "CEST");
    }
}
