//! Calendar buckets in a time zone — days, ISO weeks, months and years: which periods a
//! report shows, when Prometheus must evaluate the query for them, how long each is (the
//! `$__period` macro), and which period an evaluation belongs to.
//!
//! The convention: the bucket of period P shows the value at the *end* of P, i.e. the
//! query evaluated at the local midnight that starts the next period. For a
//! `period="24h"` gauge and a day that is exactly what happened during the day; for
//! `increase(x[$__period])` it is what happened during the period. A period that has not
//! ended by the range's end (this month) is evaluated at that end and marked partial.
//! A range that starts inside a period still shows the whole period (evaluated at its
//! end); the plan says where the range really started.
//!
//! A fixed step drifts off local midnights across a daylight-saving change, and months
//! differ in length, so the evaluation times are grouped into segments of equal spacing,
//! one `query_range` each (of equal *length* too when the query uses `$__period`).

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

use super::parse::TimeRange;

/// The most periods a plan holds (Prometheus' 11,000 points per series).
pub const MAX_PERIODS: i64 = 11_000;

/// Milliseconds in a (UTC) day.
pub const DAY_MS: i64 = 86_400_000;

/// A calendar unit a step can name: `1d`, `1w`, `1M`, `1y`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Calendar {
    /// Calendar days, midnight to midnight.
    Day,
    /// ISO 8601 weeks, Monday to Sunday.
    Week,
    /// Calendar months.
    Month,
    /// Calendar years.
    Year,
}

impl Calendar {
    /// The calendar unit a step names (`1d`, `1w`, `1M`, `1y`), if it names one; every
    /// other step is a fixed duration.
    pub fn from_step(step: &str) -> Option<Self> {
        match step.trim() {
            "1d" => Some(Self::Day),
            "1w" => Some(Self::Week),
            "1M" => Some(Self::Month),
            "1y" => Some(Self::Year),
            _ => None,
        }
    }

    /// The step that names it.
    pub fn step(self) -> &'static str {
        match self {
            Self::Day => "1d",
            Self::Week => "1w",
            Self::Month => "1M",
            Self::Year => "1y",
        }
    }

    /// `day`, `week`, `month`, `year`.
    pub fn word(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
            Self::Year => "year",
        }
    }

    /// A period's usual length, for Grafana's `$__interval` (which knows no months):
    /// `$__period` is the exact one.
    pub fn nominal_ms(self) -> i64 {
        match self {
            Self::Day => DAY_MS,
            Self::Week => 7 * DAY_MS,
            Self::Month => 30 * DAY_MS,
            Self::Year => 365 * DAY_MS,
        }
    }

    /// The first day of the period that holds `date`.
    pub fn start_of(self, date: Date) -> Date {
        match self {
            Self::Day => date,
            Self::Week => {
                let back = i64::from(date.weekday().to_monday_zero_offset());
                date.checked_sub(back.days()).unwrap_or(date)
            }
            Self::Month => date.first_of_month(),
            Self::Year => date.first_of_year(),
        }
    }

    /// The first day of the period after the one starting on `start`.
    fn next(self, start: Date) -> Option<Date> {
        match self {
            Self::Day => start.tomorrow().ok(),
            Self::Week => start.checked_add(7.days()).ok(),
            Self::Month => start.checked_add(1.month()).ok(),
            Self::Year => start.checked_add(1.year()).ok(),
        }
    }

    /// The period starting on `start` as files and the tidy CSV name it: `2026-11-23`,
    /// `2026-W47`, `2026-11`, `2026`.
    pub fn key(self, start: Date) -> String {
        match self {
            Self::Day => start.to_string(),
            Self::Week => {
                let week = start.iso_week_date();
                format!("{:04}-W{:02}", week.year(), week.week())
            }
            Self::Month => format!("{:04}-{:02}", start.year(), start.month()),
            Self::Year => format!("{:04}", start.year()),
        }
    }

    /// The period starting on `start` as people say it, for axes and hovers:
    /// `2026-11-23`, `2026-W47`, `Nov 2026`, `2026`.
    pub fn label(self, start: Date) -> String {
        match self {
            Self::Month => {
                format!("{} {:04}", MONTHS[usize::from(start.month().unsigned_abs()) - 1], start.year())
            }
            _ => self.key(start),
        }
    }
}

const MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// One `query_range` over evenly spaced evaluation times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// First evaluation, unix seconds.
    pub start_s: i64,
    /// Last evaluation, unix seconds.
    pub end_s: i64,
    /// Spacing, seconds.
    pub step_s: i64,
    /// Every period evaluated in it is this long, ms (when segments are cut by length;
    /// else the length of its later periods).
    pub period_ms: i64,
}

/// The periods of a calendar report and the evaluation times that fill them.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodPlan {
    /// Days, weeks, months or years.
    pub unit: Calendar,
    /// The first day of each complete period, oldest first.
    pub starts: Vec<Date>,
    /// `ends_ms[i]`: the midnight ending period `i`, ms since the epoch.
    ends_ms: Vec<i64>,
    /// The start of the first period, ms since the epoch.
    first_start_ms: i64,
    /// The period still running at the range's end, if any (its first day); evaluated
    /// at `now_ms`.
    pub partial: Option<Date>,
    /// The range's end: the evaluation time of the partial period.
    pub now_ms: i64,
    /// Where the range starts, when that is after the first period's start (the first
    /// period is still shown whole).
    pub clipped_from_ms: Option<i64>,
    /// The zone whose midnights delimit the periods.
    pub zone: TimeZone,
}

impl PeriodPlan {
    /// From the same time one calendar month before `now_ms` up to `now_ms`, in days in
    /// UTC, as the notebook's "1 month ago" to "now" (tests and benchmarks: feature
    /// `test-support`).
    #[cfg(any(test, feature = "test-support"))]
    pub fn last_month(now_ms: i64) -> Self {
        Self::last_month_in(now_ms, &TimeZone::UTC)
    }

    /// The same, with days cut at `zone`'s midnights.
    pub fn last_month_in(now_ms: i64, zone: &TimeZone) -> Self {
        let now = Timestamp::from_millisecond(now_ms).unwrap_or(Timestamp::UNIX_EPOCH);
        let from = now.to_zoned(zone.clone()).checked_sub(1.month()).map_or(now, |z| z.timestamp());
        Self::for_range(Calendar::Day, &TimeRange { from, to: now }, zone)
    }

    /// Every period that starts in the range, or holds its start: the ones that end
    /// within it are complete, the one still running at its end is partial. A range that
    /// ends on a period's last millisecond (Grafana's `now-1M/M`, `now-1d/d` as the end:
    /// "to the end of last month") holds that period whole. At most [`MAX_PERIODS`], the
    /// latest ones: Prometheus refuses more points anyway.
    pub fn for_range(unit: Calendar, range: &TimeRange, zone: &TimeZone) -> Self {
        let now_ms = range.to.as_millisecond();
        let earliest = range
            .to
            .checked_sub(jiff::SignedDuration::from_millis(unit.nominal_ms().saturating_mul(MAX_PERIODS)))
            .unwrap_or(range.from);
        let from = range.from.max(earliest);
        let mut start = unit.start_of(from.to_zoned(zone.clone()).date());
        let first_start_ms = start_ms(start, zone);
        let clipped_from_ms = (from.as_millisecond() > first_start_ms).then_some(from.as_millisecond());
        let mut starts = Vec::new();
        let mut ends_ms = Vec::new();
        let mut partial = None;
        while let Some(next) = unit.next(start) {
            let end = start_ms(next, zone);
            if end <= now_ms + 1 {
                starts.push(start);
                ends_ms.push(end);
            } else {
                if start_ms(start, zone) < now_ms {
                    partial = Some(start);
                }
                break;
            }
            start = next;
        }
        Self { unit, starts, ends_ms, first_start_ms, partial, now_ms, clipped_from_ms, zone: zone.clone() }
    }

    /// How long complete period `i` is, ms (23 h, 24 h or 25 h for a day; 28 to 31 days,
    /// give or take an hour, for a month).
    pub fn length_ms(&self, i: usize) -> i64 {
        let start = if i == 0 { self.first_start_ms } else { self.ends_ms[i - 1] };
        self.ends_ms[i] - start
    }

    /// How long the partial period has run by the range's end, ms.
    pub fn partial_length_ms(&self) -> Option<i64> {
        self.partial.map(|start| self.now_ms - start_ms(start, &self.zone))
    }

    /// The evaluation times of the complete periods, as evenly spaced `query_range`
    /// segments. `by_length`: every period of a segment has the same length (a query
    /// that uses `$__period` needs that); else a segment's first period may differ, which
    /// saves a request per change of length.
    pub fn segments(&self, by_length: bool) -> Vec<Segment> {
        let mut segments: Vec<Segment> = Vec::new();
        for (i, end) in self.ends_ms.iter().enumerate() {
            let (t, length) = (end / 1000, self.length_ms(i));
            match segments.last_mut() {
                Some(last)
                    if i > 0 && length == last.step_s * 1000 && (!by_length || length == last.period_ms) =>
                {
                    last.end_s = t;
                    last.period_ms = length;
                }
                _ => segments.push(Segment {
                    start_s: t,
                    end_s: t,
                    step_s: if by_length { length / 1000 } else { self.spacing_from_ms(i) / 1000 },
                    period_ms: length,
                }),
            }
        }
        segments
    }

    /// The spacing a segment starting at period `i` takes: a day's or a week's usual
    /// length (only a daylight-saving change makes one differ), else the next period's
    /// length (the distance to its end), or period `i`'s own when it is the last.
    fn spacing_from_ms(&self, i: usize) -> i64 {
        match self.unit {
            Calendar::Day | Calendar::Week => self.unit.nominal_ms(),
            Calendar::Month | Calendar::Year if i + 1 < self.ends_ms.len() => self.length_ms(i + 1),
            Calendar::Month | Calendar::Year => self.length_ms(i),
        }
    }

    /// Which complete period an evaluation at `t_ms` reports on: the period whose last
    /// day holds the instant just before it, so a midnight belongs to the period it ends.
    /// An evaluation earlier in a longer period (a daily answer's mid-month midnight)
    /// reports on none.
    pub fn period_index(&self, t_ms: i64) -> Option<usize> {
        if t_ms <= self.first_start_ms {
            return None;
        }
        let i = self.ends_ms.partition_point(|end| *end < t_ms);
        (i < self.ends_ms.len() && t_ms > self.ends_ms[i] - DAY_MS).then_some(i)
    }

    /// Which bucket a sample at `t_ms` belongs to: a complete period's (as
    /// [`period_index`](Self::period_index)), or the running one's for an evaluation after
    /// the last complete period ended (its "so far" value, evaluated at now).
    pub fn bucket_of(&self, t_ms: i64) -> Option<usize> {
        if let Some(i) = self.period_index(t_ms) {
            return Some(i);
        }
        let after = self.ends_ms.last().copied().unwrap_or(self.first_start_ms);
        (self.partial.is_some() && t_ms > after && t_ms <= self.now_ms).then_some(self.starts.len())
    }

    /// Every bucket's first day: complete periods, then the partial one.
    pub fn all_starts(&self) -> impl Iterator<Item = &Date> {
        self.starts.iter().chain(self.partial.as_ref())
    }

    /// Every bucket's label as people say it (`2026-11-23`, `2026-W47`, `Nov 2026`,
    /// `2026`): complete periods, then the partial one.
    pub fn labels(&self) -> Vec<String> {
        self.all_starts().map(|d| self.unit.label(*d)).collect()
    }

    /// Every bucket's key as files write it (`2026-11-23`, `2026-W47`, `2026-11`, `2026`).
    pub fn keys(&self) -> Vec<String> {
        self.all_starts().map(|d| self.unit.key(*d)).collect()
    }

    /// Where each bucket starts, ms since the epoch.
    pub fn starts_ms(&self) -> Vec<i64> {
        self.all_starts().map(|d| start_ms(*d, &self.zone)).collect()
    }
}

/// `$__period`: a period's length as a Prometheus duration in days, hours, minutes,
/// seconds and milliseconds (`7d`, `31d`, `23h`, `30d23h`, `4d10h30m15s`); never weeks
/// or years, whose length Prometheus fixes.
pub fn period_duration(ms: i64) -> String {
    if ms <= 0 {
        return "1ms".into();
    }
    super::step::compound(ms, &[("d", DAY_MS), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)])
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
        let plan = PeriodPlan::last_month(ms("2026-11-23T10:30:00Z"));
        assert_eq!(plan.starts.first(), Some(&day("2026-10-23")));
        assert_eq!(plan.starts.last(), Some(&day("2026-11-22")));
        assert_eq!(plan.starts.len(), 31);
        assert_eq!(plan.partial, Some(day("2026-11-23")));
        let segments = plan.segments(false);
        assert_eq!(
            segments,
            [Segment {
                start_s: ms("2026-10-24T00:00:00Z") / 1000,
                end_s: ms("2026-11-23T00:00:00Z") / 1000,
                step_s: 86_400,
                period_ms: DAY_MS
            }]
        );
    }

    #[test]
    fn month_arithmetic_clamps_to_the_shorter_month() {
        let plan = PeriodPlan::last_month(ms("2026-03-31T08:00:00Z"));
        assert_eq!(plan.starts.first(), Some(&day("2026-02-28")));
        let leap = PeriodPlan::last_month(ms("2028-03-30T08:00:00Z"));
        assert_eq!(leap.starts.first(), Some(&day("2028-02-29")));
    }

    #[test]
    fn a_midnight_belongs_to_the_day_it_ends() {
        let plan = PeriodPlan::last_month(ms("2026-11-23T10:30:00Z"));
        assert_eq!(plan.period_index(ms("2026-10-24T00:00:00Z")), Some(0));
        assert_eq!(plan.period_index(ms("2026-10-24T00:00:00.001Z")), Some(1));
        assert_eq!(plan.period_index(ms("2026-11-23T00:00:00Z")), Some(30));
        assert_eq!(plan.period_index(ms("2026-10-23T12:00:00Z")), Some(0));
        assert_eq!(plan.period_index(ms("2026-10-23T00:00:00Z")), None, "ends the day before the range");
        assert_eq!(plan.period_index(ms("2026-11-23T00:00:01Z")), None, "today is not a complete day");
    }

    #[test]
    fn exactly_at_midnight_there_is_no_partial_day() {
        let plan = PeriodPlan::last_month(ms("2026-11-23T00:00:00Z"));
        assert_eq!(plan.starts.last(), Some(&day("2026-11-22")));
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
        let plan = PeriodPlan::for_range(Calendar::Day, &range, &berlin);
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
        let evaluations: Vec<i64> = plan
            .segments(false)
            .iter()
            .flat_map(|s| (s.start_s..=s.end_s).step_by(s.step_s as usize))
            .collect();
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
        assert_eq!(plan.segments(false).len(), 2, "one query per daylight-saving segment");
        assert_eq!(plan.period_index(ms("2026-10-25T23:00:00Z")), Some(3), "the long day ends at 23:00 UTC");
        assert_eq!(
            plan.period_index(ms("2026-10-25T22:00:00Z")),
            Some(3),
            "22:00 UTC is still the 25th in Berlin"
        );
    }

    #[test]
    fn berlin_midnights_across_the_march_change() {
        // Clocks go forward on 2026-03-29: that day has 23 hours.
        let berlin = zone("Europe/Berlin").unwrap();
        let range = TimeRange::parse("2026-03-28", "2026-03-31", Timestamp::UNIX_EPOCH, &berlin).unwrap();
        let plan = PeriodPlan::for_range(Calendar::Day, &range, &berlin);
        // "To 2026-03-31" is to the end of that day: it is whole, evaluated at its midnight.
        assert_eq!(plan.starts.len(), 4);
        assert_eq!(plan.partial, None);
        let segments = plan.segments(false);
        assert_eq!(segments[0].start_s, ms("2026-03-28T23:00:00Z") / 1000);
        assert_eq!(segments[1].start_s, ms("2026-03-29T22:00:00Z") / 1000);
    }

    #[test]
    fn very_long_ranges_keep_the_latest_days() {
        let range =
            TimeRange::parse("now-100y", "now", "2026-11-23T10:00:00Z".parse().unwrap(), &TimeZone::UTC)
                .unwrap();
        let plan = PeriodPlan::for_range(Calendar::Day, &range, &TimeZone::UTC);
        assert!(plan.starts.len() <= MAX_PERIODS as usize && plan.starts.len() >= MAX_PERIODS as usize - 2);
        assert_eq!(plan.partial, Some(day("2026-11-23")));
    }

    fn plan_in(unit: Calendar, from: &str, to: &str, zone: &TimeZone) -> PeriodPlan {
        let range = TimeRange::parse(from, to, Timestamp::UNIX_EPOCH, zone).unwrap();
        PeriodPlan::for_range(unit, &range, zone)
    }

    fn lengths_in_days(plan: &PeriodPlan) -> Vec<f64> {
        (0..plan.starts.len()).map(|i| plan.length_ms(i) as f64 / DAY_MS as f64).collect()
    }

    #[test]
    fn months_are_28_to_31_days_and_a_leap_february_29() {
        let plan = plan_in(Calendar::Month, "2028-01-15", "2028-06-10T12:00:00Z", &TimeZone::UTC);
        assert_eq!(plan.labels(), ["Jan 2028", "Feb 2028", "Mar 2028", "Apr 2028", "May 2028", "Jun 2028"]);
        assert_eq!(plan.keys(), ["2028-01", "2028-02", "2028-03", "2028-04", "2028-05", "2028-06"]);
        assert_eq!(lengths_in_days(&plan), [31.0, 29.0, 31.0, 30.0, 31.0]);
        assert_eq!(plan.partial, Some(day("2028-06-01")));
        // The range starts mid-January: January is still shown whole, and says so.
        assert_eq!(plan.starts[0], day("2028-01-01"));
        assert_eq!(plan.clipped_from_ms, Some(ms("2028-01-15T00:00:00Z")));
        assert_eq!(plan.partial_length_ms(), Some(9 * DAY_MS + DAY_MS / 2));
        // Each month is evaluated at the midnight that ends it.
        assert_eq!(plan.period_index(ms("2028-03-01T00:00:00Z")), Some(1), "ends February");
        assert_eq!(plan.period_index(ms("2028-02-29T00:00:00Z")), None, "a midnight inside February");
        assert_eq!(plan.period_index(ms("2028-02-29T12:00:00Z")), Some(1), "within its last day");
        // Grafana's "previous month" ends on its last millisecond: the month is whole.
        let previous = plan_in(Calendar::Month, "2028-01-01", "2028-01-31T23:59:59.999Z", &TimeZone::UTC);
        assert_eq!((previous.starts.len(), previous.partial), (1, None));
        assert_eq!(previous.segments(false)[0].start_s * 1000, ms("2028-02-01T00:00:00Z"));
        let short = plan_in(Calendar::Month, "2028-01-01", "2028-01-31T23:59:59.998Z", &TimeZone::UTC);
        assert_eq!((short.starts.len(), short.partial.is_some()), (0, true));
        let unclipped = plan_in(Calendar::Month, "2028-01-01", "2028-02-01T00:00:00Z", &TimeZone::UTC);
        assert_eq!(unclipped.clipped_from_ms, None);
        assert_eq!((unclipped.starts.len(), unclipped.partial), (1, None));
    }

    #[test]
    fn iso_weeks_run_monday_to_sunday_with_week_53_and_a_first_week_in_december() {
        let plan = plan_in(Calendar::Week, "2026-12-24", "2027-01-12T08:00:00Z", &TimeZone::UTC);
        assert_eq!(plan.starts, [day("2026-12-21"), day("2026-12-28"), day("2027-01-04")]);
        assert_eq!(plan.labels(), ["2026-W52", "2026-W53", "2027-W01", "2027-W02"]);
        assert_eq!(lengths_in_days(&plan), [7.0, 7.0, 7.0]);
        // 28 Dec 2026 – 3 Jan 2027 is week 53 of 2026; 30 Dec 2024 starts week 1 of 2025.
        assert_eq!(Calendar::Week.key(day("2026-12-28")), "2026-W53");
        assert_eq!(Calendar::Week.start_of(day("2027-01-03")), day("2026-12-28"));
        assert_eq!(Calendar::Week.key(Calendar::Week.start_of(day("2025-01-01"))), "2025-W01");
        assert_eq!(Calendar::Week.start_of(day("2025-01-01")), day("2024-12-30"));
    }

    #[test]
    fn years_and_their_lengths() {
        let plan = plan_in(Calendar::Year, "2024-03-01", "2026-12-05T10:00:00Z", &TimeZone::UTC);
        assert_eq!(plan.labels(), ["2024", "2025", "2026"]);
        assert_eq!(lengths_in_days(&plan), [366.0, 365.0]);
        assert_eq!(plan.period_index(ms("2026-01-01T00:00:00Z")), Some(1));
        assert_eq!(period_duration(plan.length_ms(0)), "366d");
    }

    #[test]
    fn daylight_saving_makes_months_and_weeks_an_hour_shorter_or_longer() {
        let berlin = zone("Europe/Berlin").unwrap();
        let plan = plan_in(Calendar::Month, "2026-01-01", "2026-12-05", &berlin);
        let durations: Vec<String> =
            (0..plan.starts.len()).map(|i| period_duration(plan.length_ms(i))).collect();
        assert_eq!(
            durations,
            ["31d", "28d", "30d23h", "30d", "31d", "30d", "31d", "31d", "30d", "31d1h", "30d"]
        );
        // Every evaluation is a Berlin midnight.
        assert_eq!(plan.period_index(ms("2026-03-31T22:00:00Z")), Some(2), "1 April, 00:00 CEST ends March");
        assert_eq!(
            plan.period_index(ms("2026-11-30T23:00:00Z")),
            Some(10),
            "1 December, 00:00 CET ends November"
        );
        let new_york = zone("America/New_York").unwrap();
        let weeks = plan_in(Calendar::Week, "2026-03-02", "2026-03-16T00:00:00-04:00", &new_york);
        assert_eq!(weeks.labels(), ["2026-W10", "2026-W11"]);
        assert_eq!(
            period_duration(weeks.length_ms(0)),
            "6d23h",
            "clocks go forward on Sunday 8 March, in week 10"
        );
        assert_eq!(period_duration(weeks.length_ms(1)), "7d");
        let days = plan_in(Calendar::Day, "2026-11-01", "2026-11-02T00:00:00-05:00", &new_york);
        assert_eq!(period_duration(days.length_ms(0)), "1d1h");
    }

    #[test]
    fn half_and_three_quarter_hour_zones_end_months_at_their_own_midnights() {
        let kolkata = zone("Asia/Kolkata").unwrap();
        let plan = plan_in(Calendar::Month, "2026-10-01", "2026-12-05", &kolkata);
        assert_eq!(plan.segments(false)[0].start_s, ms("2026-10-31T18:30:00Z") / 1000);
        let chatham = zone("Pacific/Chatham").unwrap();
        // +13:45 in summer (from late September), +12:45 in winter (from early April).
        let plan = plan_in(Calendar::Month, "2026-03-01", "2026-05-05", &chatham);
        assert_eq!(plan.segments(true)[0].start_s, ms("2026-03-31T10:15:00Z") / 1000);
        assert_eq!(period_duration(plan.length_ms(1)), "30d1h", "April gains the hour");
    }

    #[test]
    fn thirteen_months_take_few_requests() {
        let plan = plan_in(Calendar::Month, "2025-11-01", "2026-11-20T12:00:00Z", &TimeZone::UTC);
        assert_eq!(plan.starts.len(), 12);
        assert_eq!(plan.partial, Some(day("2026-11-01")));
        let evaluations = |segments: &[Segment]| -> Vec<i64> {
            segments.iter().flat_map(|s| (s.start_s..=s.end_s).step_by(s.step_s as usize)).collect()
        };
        let ends: Vec<i64> = plan
            .starts
            .iter()
            .map(|d| start_ms(d.checked_add(1.month()).unwrap(), &TimeZone::UTC) / 1000)
            .collect();
        // Without $__period a run of evenly spaced month ends is one request: 5 here
        // (Nov–Jan, Feb–Mar, Apr–May, Jun–Aug, Sep–Oct).
        let loose = plan.segments(false);
        assert_eq!(evaluations(&loose), ends);
        assert_eq!(loose.len(), 5);
        // With it, the months of one request have one length: 10 (Dec–Jan and Jul–Aug share).
        let exact = plan.segments(true);
        assert_eq!(evaluations(&exact), ends);
        assert_eq!(exact.len(), 10);
        for s in &exact {
            assert_eq!(s.step_s * 1000, s.period_ms);
        }
        assert_eq!(
            exact.iter().map(|s| period_duration(s.period_ms)).collect::<Vec<_>>(),
            ["30d", "31d", "28d", "31d", "30d", "31d", "30d", "31d", "30d", "31d"]
        );
    }

    #[test]
    fn calendar_steps_and_durations() {
        assert_eq!(Calendar::from_step("1M"), Some(Calendar::Month));
        assert_eq!(Calendar::from_step(" 1w "), Some(Calendar::Week));
        assert_eq!(Calendar::from_step("1y"), Some(Calendar::Year));
        assert_eq!(Calendar::from_step("7d"), None, "any other duration is a fixed step");
        assert_eq!(Calendar::from_step("1m"), None, "a minute");
        assert_eq!(period_duration(7 * DAY_MS), "7d");
        assert_eq!(period_duration(23 * 3_600_000), "23h");
        assert_eq!(period_duration(4 * DAY_MS + 37_815_500), "4d10h30m15s500ms");
    }

    #[test]
    fn formats_times() {
        assert_eq!(clock(ms("2026-11-23T09:05:59Z"), &TimeZone::UTC), "09:05");
        assert_eq!(rfc3339_utc(ms("2026-11-23T09:05:59.250Z")), "2026-11-23T09:05:59Z");
        let berlin = zone("Europe/Berlin").unwrap();
        assert_eq!(zone_abbreviation(ms("2026-07-01T00:00:00Z"), &berlin), "CEST");
    }
}
