//! Times and time ranges as people type them, in Grafana's syntax and the report's:
//! `now`, `now-30d`, `now/d`, `now-1M/M`, `now-1w/w`, `1 month ago`, `2 weeks ago`,
//! `yesterday`, `today`, `2026-10-01`, RFC 3339 date-times and unix seconds.
//! Calendar arithmetic (months, days across daylight-saving changes) happens in the
//! chosen time zone, through `jiff`.
//!
//! Conventions: rounding (`/d`) goes to the start of the unit, or — for the end of a
//! range — to its last millisecond, as Grafana does. Weeks start on Monday (ISO 8601).
//! A plain date is the start of that day, or its end as the end of a range, so
//! `2026-10-01` to `2026-10-31` covers all of October. `today` and `yesterday` are whole
//! days in the same way.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp, ToSpan, Zoned};

/// Why a time, range or zone was refused; each message says what to type instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    /// Nothing was typed.
    #[error("Enter a time, e.g. now-30d, 2 weeks ago or 2026-10-01")]
    Empty,
    /// Not any syntax promnote knows.
    #[error("`{0}` is not a time promnote understands: use e.g. now, now-7d, now/d, 2 weeks ago, yesterday, 2026-10-01, 2026-10-01T12:00:00Z or unix seconds")]
    Unknown(String),
    /// A unit letter or word that is not a time unit.
    #[error("`{input}`: `{unit}` is not a time unit; use s, m, h, d, w, M (months) or y")]
    UnknownUnit {
        /// What was typed.
        input: String,
        /// The offending unit.
        unit: String,
    },
    /// A month outside 1..=12.
    #[error("`{input}`: month {month} does not exist")]
    Month {
        /// What was typed.
        input: String,
        /// The month number.
        month: i64,
    },
    /// A day the month does not have.
    #[error("`{input}`: {month_name} {year} has no day {day}")]
    Day {
        /// What was typed.
        input: String,
        /// The day number.
        day: i64,
        /// The month's English name.
        month_name: &'static str,
        /// The year.
        year: i64,
    },
    /// Hours, minutes or seconds out of range, or another invalid date-time.
    #[error("`{input}`: {detail}")]
    Invalid {
        /// What was typed.
        input: String,
        /// What is wrong.
        detail: String,
    },
    /// Outside the years promnote can represent (or milliseconds typed as seconds).
    #[error("`{0}` is too far in the past or future{hint}", hint = if .0.len() >= 12 && .0.chars().all(|c| c.is_ascii_digit()) { " (unix times are in seconds; this looks like milliseconds)" } else { "" })]
    OutOfRange(String),
    /// The end of a range is before its start.
    #[error("The range ends ({to}) before it starts ({from}): swap the two times")]
    EndBeforeStart {
        /// The start, as typed.
        from: String,
        /// The end, as typed.
        to: String,
    },
    /// An unknown time-zone name.
    #[error("`{0}` is not a time zone promnote knows: use UTC or an IANA name such as Europe/Berlin")]
    Zone(String),
}

/// Which end of a range a time is; the end rounds up (`now/d` = the day's last instant).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    /// The start of a range.
    From,
    /// The end of a range.
    To,
}

/// A checked time range: `from` ≤ `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeRange {
    /// Start (inclusive).
    pub from: Timestamp,
    /// End (inclusive).
    pub to: Timestamp,
}

impl TimeRange {
    /// Parses both ends relative to `now` in `tz` and checks their order.
    pub fn parse(from: &str, to: &str, now: Timestamp, tz: &TimeZone) -> Result<Self, TimeError> {
        let start = parse_time(from, now, tz, Edge::From)?;
        let end = parse_time(to, now, tz, Edge::To)?;
        if end < start {
            return Err(TimeError::EndBeforeStart { from: from.trim().to_owned(), to: to.trim().to_owned() });
        }
        Ok(Self { from: start, to: end })
    }

    /// The length in milliseconds.
    pub fn duration_ms(&self) -> i64 {
        self.to.as_millisecond() - self.from.as_millisecond()
    }

    /// When an instant query over the range is evaluated (a value in prose, a cell's
    /// `instant=true`): at its end, but an end on a second's last millisecond, as
    /// `now-1d/d` ends yesterday, at the next second: the day's midnight, where yesterday's
    /// last samples are.
    pub fn instant_ms(&self) -> i64 {
        let end_ms = self.to.as_millisecond();
        if (end_ms + 1) % 1000 == 0 {
            end_ms + 1
        } else {
            end_ms
        }
    }
}

/// Parses one time. `now` anchors relative times; `tz` gives days, weeks and months.
pub fn parse_time(input: &str, now: Timestamp, tz: &TimeZone, edge: Edge) -> Result<Timestamp, TimeError> {
    let text = input.trim();
    if text.is_empty() {
        return Err(TimeError::Empty);
    }
    let now_zoned = now.to_zoned(tz.clone());
    let lower = text.to_ascii_lowercase();
    if lower.starts_with("now") {
        return grafana_relative(text, now_zoned, edge);
    }
    match lower.as_str() {
        "today" => return whole_day(now_zoned.date(), tz, edge, text),
        "yesterday" => {
            let day = now_zoned.date().yesterday().map_err(|_| TimeError::OutOfRange(text.into()))?;
            return whole_day(day, tz, edge, text);
        }
        _ => {}
    }
    if let Some(ago) = natural_ago(text, &lower, &now_zoned)? {
        return Ok(ago);
    }
    if text.chars().all(|c| c.is_ascii_digit() || c == '.') && text.chars().any(|c| c.is_ascii_digit()) {
        return unix_seconds(text);
    }
    absolute(text, tz, edge)
}

fn grafana_relative(text: &str, mut at: Zoned, edge: Edge) -> Result<Timestamp, TimeError> {
    let rest = &text[3..];
    let mut chars = rest.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            ' ' => continue,
            '+' | '-' => {
                let digits_start = i + 1;
                let mut end = digits_start;
                while let Some(&(j, d)) = chars.peek() {
                    if d.is_ascii_digit() {
                        end = j + 1;
                        chars.next();
                    } else {
                        break;
                    }
                }
                let amount: i64 = if end == digits_start {
                    1 // Grafana reads `now-d` as `now-1d`
                } else {
                    rest[digits_start..end].parse().map_err(|_| TimeError::OutOfRange(text.into()))?
                };
                let (_, unit) = chars.next().ok_or_else(|| TimeError::Unknown(text.into()))?;
                let span = unit_span(unit, amount, text)?;
                let span = if c == '-' { span.negate() } else { span };
                at = at.checked_add(span).map_err(|_| TimeError::OutOfRange(text.into()))?;
            }
            '/' => {
                let (_, unit) = chars.next().ok_or_else(|| TimeError::Unknown(text.into()))?;
                at = round(&at, unit, edge, text)?;
            }
            _ => return Err(TimeError::Unknown(text.into())),
        }
    }
    Ok(at.timestamp())
}

fn unit_span(unit: char, amount: i64, input: &str) -> Result<Span, TimeError> {
    let out_of_range = || TimeError::OutOfRange(input.into());
    match unit {
        's' => Span::new().try_seconds(amount).map_err(|_| out_of_range()),
        'm' => Span::new().try_minutes(amount).map_err(|_| out_of_range()),
        'h' => Span::new().try_hours(amount).map_err(|_| out_of_range()),
        'd' => Span::new().try_days(amount).map_err(|_| out_of_range()),
        'w' => Span::new().try_weeks(amount).map_err(|_| out_of_range()),
        'M' => Span::new().try_months(amount).map_err(|_| out_of_range()),
        'y' => Span::new().try_years(amount).map_err(|_| out_of_range()),
        other => Err(TimeError::UnknownUnit { input: input.into(), unit: other.to_string() }),
    }
}

/// Rounds down to the start of `unit`, or up to its last millisecond for an end.
fn round(at: &Zoned, unit: char, edge: Edge, input: &str) -> Result<Zoned, TimeError> {
    let out_of_range = |_| TimeError::OutOfRange(input.into());
    let tz = at.time_zone().clone();
    let date = at.date();
    let start_of = |date: Date| date.to_zoned(tz.clone()).map_err(out_of_range);
    let (start, next) = match unit {
        's' | 'm' | 'h' => {
            let (span, truncated) = match unit {
                's' => (1.second(), at.datetime().with().subsec_nanosecond(0).build()),
                'm' => (1.minute(), at.datetime().with().second(0).subsec_nanosecond(0).build()),
                _ => (1.hour(), at.datetime().with().minute(0).second(0).subsec_nanosecond(0).build()),
            };
            let start = truncated.map_err(out_of_range)?.to_zoned(tz.clone()).map_err(out_of_range)?;
            let next = start.checked_add(span).map_err(out_of_range)?;
            (start, next)
        }
        'd' => {
            let start = start_of(date)?;
            (start, start_of(date.tomorrow().map_err(out_of_range)?)?)
        }
        'w' => {
            let monday = date
                .checked_sub(Span::new().days(i64::from(date.weekday().to_monday_zero_offset())))
                .map_err(out_of_range)?;
            (start_of(monday)?, start_of(monday.checked_add(1.week()).map_err(out_of_range)?)?)
        }
        'M' => {
            let first = date.first_of_month();
            (start_of(first)?, start_of(first.checked_add(1.month()).map_err(out_of_range)?)?)
        }
        'y' => {
            let first = date.first_of_year();
            (start_of(first)?, start_of(first.checked_add(1.year()).map_err(out_of_range)?)?)
        }
        other => return Err(TimeError::UnknownUnit { input: input.into(), unit: other.to_string() }),
    };
    Ok(match edge {
        Edge::From => start,
        Edge::To => next.checked_sub(1.millisecond()).map_err(out_of_range)?,
    })
}

fn whole_day(day: Date, tz: &TimeZone, edge: Edge, input: &str) -> Result<Timestamp, TimeError> {
    let start = day.to_zoned(tz.clone()).map_err(|_| TimeError::OutOfRange(input.into()))?;
    round(&start, 'd', edge, input).map(|z| z.timestamp())
}

/// `N unit(s) ago`, `a month ago`, `an hour ago`.
fn natural_ago(text: &str, lower: &str, now: &Zoned) -> Result<Option<Timestamp>, TimeError> {
    let Some(body) = lower.strip_suffix(" ago") else {
        return Ok(None);
    };
    let mut words = body.split_whitespace();
    let (Some(count), Some(unit), None) = (words.next(), words.next(), words.next()) else {
        return Err(TimeError::Unknown(text.into()));
    };
    let amount: i64 = match count {
        "a" | "an" | "one" => 1,
        n => n.parse().map_err(|_| TimeError::Unknown(text.into()))?,
    };
    let letter = match unit.trim_end_matches('s') {
        "second" | "sec" => 's',
        "minute" | "min" => 'm',
        "hour" => 'h',
        "day" => 'd',
        "week" => 'w',
        "month" => 'M',
        "year" => 'y',
        other => return Err(TimeError::UnknownUnit { input: text.into(), unit: other.into() }),
    };
    let span = unit_span(letter, amount, text)?;
    now.checked_sub(span).map(|z| Some(z.timestamp())).map_err(|_| TimeError::OutOfRange(text.into()))
}

fn unix_seconds(text: &str) -> Result<Timestamp, TimeError> {
    let seconds: f64 = text.parse().map_err(|_| TimeError::Unknown(text.into()))?;
    if !seconds.is_finite() || seconds.abs() > 253_402_300_799.0 {
        return Err(TimeError::OutOfRange(text.into()));
    }
    Timestamp::from_millisecond((seconds * 1000.0).round() as i64)
        .map_err(|_| TimeError::OutOfRange(text.into()))
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// `YYYY-MM-DD`, `YYYY-MM-DD[T ]HH:MM[:SS[.fff]]` (in `tz`), or with `Z` / `±HH:MM`.
fn absolute(text: &str, tz: &TimeZone, edge: Edge) -> Result<Timestamp, TimeError> {
    let (date_part, time_part) = match text.find(['T', 't', ' ']) {
        Some(i) => (&text[..i], Some(&text[i + 1..])),
        None => (text, None),
    };
    let fields: Vec<&str> = date_part.split('-').collect();
    let [y, m, d] = fields.as_slice() else {
        return Err(TimeError::Unknown(text.into()));
    };
    let number = |s: &str, len: usize| -> Result<i64, TimeError> {
        if s.len() == len && s.chars().all(|c| c.is_ascii_digit()) {
            s.parse().map_err(|_| TimeError::Unknown(text.into()))
        } else {
            Err(TimeError::Unknown(text.into()))
        }
    };
    let (year, month, day) = (number(y, 4)?, number(m, 2)?, number(d, 2)?);
    if !(1..=12).contains(&month) {
        return Err(TimeError::Month { input: text.into(), month });
    }
    let date = Date::new(year as i16, month as i8, day as i8).map_err(|_| TimeError::Day {
        input: text.into(),
        day,
        month_name: MONTHS[(month - 1) as usize],
        year,
    })?;
    let Some(time_part) = time_part else {
        return whole_day(date, tz, edge, text);
    };
    let (clock, offset) =
        split_offset(time_part).ok_or_else(|| invalid(text, "the offset must be Z or ±HH:MM"))?;
    let time = clock_time(clock).map_err(|detail| invalid(text, detail))?;
    let datetime = date.to_datetime(time);
    let at = match offset {
        Some(offset_s) => jiff::tz::Offset::from_seconds(offset_s).and_then(|o| o.to_timestamp(datetime)),
        None => datetime.to_zoned(tz.clone()).map(|z| z.timestamp()),
    };
    at.map_err(|_| invalid(text, "it is outside the years promnote can count"))
}

/// A time of day and its offset: `12:00Z` is (`12:00`, 0 s), `12:00+02:00` (`12:00`,
/// 7200 s), `12:00` (`12:00`, none: the report's zone). `None` for a malformed offset.
fn split_offset(time: &str) -> Option<(&str, Option<i32>)> {
    if let Some(clock) = time.strip_suffix(['Z', 'z']) {
        return Some((clock, Some(0)));
    }
    let Some(at) = time.rfind(['+', '-']).filter(|&i| i >= 5) else {
        return Some((time, None));
    };
    let (clock, offset) = time.split_at(at);
    let sign = if offset.starts_with('-') { -1 } else { 1 };
    let digits: String = offset[1..].chars().filter(|&c| c != ':').collect();
    if !matches!(digits.len(), 2 | 4) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = if digits.len() == 4 { digits[2..].parse().ok()? } else { 0 };
    if hours > 25 || minutes > 59 {
        return None;
    }
    Some((clock, Some(sign * (hours * 3600 + minutes * 60))))
}

/// `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fff` (up to nine digits of fraction, `.` or `,`),
/// by hand: jiff's full ISO 8601 parser and its messages would be most of its weight in
/// the page's download.
fn clock_time(clock: &str) -> Result<jiff::civil::Time, &'static str> {
    const MALFORMED: &str = "the time must be HH:MM, HH:MM:SS or HH:MM:SS.fff";
    let (whole, fraction) = match clock.find(['.', ',']) {
        Some(i) => (&clock[..i], Some(&clock[i + 1..])),
        None => (clock, None),
    };
    let two = |s: &str| -> Result<i8, &'static str> {
        if s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse().map_err(|_| MALFORMED)
        } else {
            Err(MALFORMED)
        }
    };
    let parts: Vec<&str> = whole.split(':').collect();
    let (hour, minute, second) = match parts.as_slice() {
        [h, m] if fraction.is_none() => (two(h)?, two(m)?, 0),
        [h, m, s] => (two(h)?, two(m)?, two(s)?),
        _ => return Err(MALFORMED),
    };
    let nanos = match fraction {
        None => 0,
        Some(f) if (1..=9).contains(&f.len()) && f.bytes().all(|b| b.is_ascii_digit()) => {
            format!("{f:0<9}").parse::<i32>().map_err(|_| MALFORMED)?
        }
        Some(_) => return Err(MALFORMED),
    };
    if hour > 23 {
        return Err("the hour must be 00 to 23");
    }
    if minute > 59 {
        return Err("the minutes must be 00 to 59");
    }
    if second > 59 {
        return Err("the seconds must be 00 to 59");
    }
    jiff::civil::Time::new(hour, minute, second, nanos).map_err(|_| MALFORMED)
}

fn invalid(input: &str, detail: &str) -> TimeError {
    TimeError::Invalid { input: input.into(), detail: detail.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    /// 2026-11-23 (a Monday) 10:30:15.250 UTC.
    fn now() -> Timestamp {
        ts("2026-11-23T10:30:15.250Z")
    }

    fn utc(input: &str) -> Result<Timestamp, TimeError> {
        parse_time(input, now(), &TimeZone::UTC, Edge::From)
    }

    fn utc_to(input: &str) -> Result<Timestamp, TimeError> {
        parse_time(input, now(), &TimeZone::UTC, Edge::To)
    }
    #[test]
    fn grafana_relative_times() {
        let cases = [
            ("now", "2026-11-23T10:30:15.250Z"),
            ("now-30d", "2026-10-24T10:30:15.250Z"),
            ("now-6h", "2026-11-23T04:30:15.250Z"),
            ("now+1h", "2026-11-23T11:30:15.250Z"),
            ("now-90s", "2026-11-23T10:28:45.250Z"),
            ("now/d", "2026-11-23T00:00:00Z"),
            ("now/h", "2026-11-23T10:00:00Z"),
            ("now/m", "2026-11-23T10:30:00Z"),
            ("now-1M/M", "2026-10-01T00:00:00Z"),
            ("now-1w/w", "2026-11-16T00:00:00Z"),
            ("now/y", "2026-01-01T00:00:00Z"),
            ("now-1d/d", "2026-11-22T00:00:00Z"),
            ("now/d-1d", "2026-11-22T00:00:00Z"),
            ("now-1y", "2025-11-23T10:30:15.250Z"),
        ];
        for (input, want) in cases {
            assert_eq!(utc(input), Ok(ts(want)), "{input}");
        }
    }

    #[test]
    fn rounding_up_at_the_end_of_a_range() {
        assert_eq!(utc_to("now/d"), Ok(ts("2026-11-23T23:59:59.999Z")));
        assert_eq!(utc_to("now-1M/M"), Ok(ts("2026-10-31T23:59:59.999Z")));
        assert_eq!(utc_to("now-1w/w"), Ok(ts("2026-11-22T23:59:59.999Z")));
        assert_eq!(utc_to("2026-10-31"), Ok(ts("2026-10-31T23:59:59.999Z")));
    }

    #[test]
    fn the_notebooks_words() {
        assert_eq!(utc("1 month ago"), Ok(ts("2026-10-23T10:30:15.250Z")));
        assert_eq!(utc("2 weeks ago"), Ok(ts("2026-11-09T10:30:15.250Z")));
        assert_eq!(utc("an hour ago"), Ok(ts("2026-11-23T09:30:15.250Z")));
        assert_eq!(utc("3 Days Ago"), Ok(ts("2026-11-20T10:30:15.250Z")));
        assert_eq!(utc("yesterday"), Ok(ts("2026-11-22T00:00:00Z")));
        assert_eq!(utc_to("yesterday"), Ok(ts("2026-11-22T23:59:59.999Z")));
        assert_eq!(utc("today"), Ok(ts("2026-11-23T00:00:00Z")));
    }

    #[test]
    fn absolute_times() {
        assert_eq!(utc("2026-10-01"), Ok(ts("2026-10-01T00:00:00Z")));
        assert_eq!(utc("2026-10-01T12:00:00Z"), Ok(ts("2026-10-01T12:00:00Z")));
        assert_eq!(utc("2026-10-01T12:00:00+02:00"), Ok(ts("2026-10-01T10:00:00Z")));
        assert_eq!(utc("2026-10-01T12:00:00-0330"), Ok(ts("2026-10-01T15:30:00Z")));
        assert_eq!(utc("2026-10-01T12:00+05"), Ok(ts("2026-10-01T07:00:00Z")));
        assert_eq!(utc("2026-10-01t12:00:00.25z"), Ok(ts("2026-10-01T12:00:00.25Z")));
        assert_eq!(utc("2026-10-01T12:00:00,123456789Z"), Ok(ts("2026-10-01T12:00:00.123456789Z")));
        assert_eq!(utc("2026-10-01 12:00"), Ok(ts("2026-10-01T12:00:00Z")));
        assert_eq!(utc("1790000000"), Ok(ts("2026-09-21T14:13:20Z")));
        assert_eq!(utc("1790000000.5"), Ok(ts("2026-09-21T14:13:20.5Z")));
    }

    #[test]
    fn a_months_arithmetic_follows_the_calendar() {
        let march_31 = ts("2026-03-31T08:00:00Z");
        let got = parse_time("1 month ago", march_31, &TimeZone::UTC, Edge::From);
        assert_eq!(got, Ok(ts("2026-02-28T08:00:00Z")));
    }

    #[test]
    fn days_in_a_named_zone_across_daylight_saving() {
        let berlin = TimeZone::get("Europe/Berlin").unwrap();
        // 2026-10-25: clocks go back at 03:00 CEST; that day has 25 hours.
        let now = ts("2026-10-26T12:00:00Z");
        assert_eq!(parse_time("now/d", now, &berlin, Edge::From), Ok(ts("2026-10-25T23:00:00Z")));
        assert_eq!(parse_time("now-1d/d", now, &berlin, Edge::From), Ok(ts("2026-10-24T22:00:00Z")));
        assert_eq!(parse_time("2026-10-25", now, &berlin, Edge::To), Ok(ts("2026-10-25T22:59:59.999Z")));
        assert_eq!(parse_time("2026-10-01 12:00", now, &berlin, Edge::From), Ok(ts("2026-10-01T10:00:00Z")));
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let message = |input: &str| utc(input).unwrap_err().to_string();
        assert_eq!(message("2026-13-01"), "`2026-13-01`: month 13 does not exist");
        assert_eq!(message("2026-02-30"), "`2026-02-30`: February 2026 has no day 30");
        assert_eq!(message("2026-10-01T25:00"), "`2026-10-01T25:00`: the hour must be 00 to 23");
        assert_eq!(message("2026-10-01T12:61"), "`2026-10-01T12:61`: the minutes must be 00 to 59");
        assert_eq!(message("2026-10-01T12:00:60Z"), "`2026-10-01T12:00:60Z`: the seconds must be 00 to 59");
        assert_eq!(
            message("2026-10-01T1:00"),
            "`2026-10-01T1:00`: the time must be HH:MM, HH:MM:SS or HH:MM:SS.fff"
        );
        assert_eq!(message("2026-10-01T12:00+2"), "`2026-10-01T12:00+2`: the offset must be Z or ±HH:MM");
        assert!(message("now-3x").contains("`x` is not a time unit"));
        assert!(message("3 fortnights ago").contains("`fortnight` is not a time unit"));
        assert!(message("last tuesday").starts_with("`last tuesday` is not a time promnote understands"));
        assert!(message("1790000000000").contains("looks like milliseconds"));
        assert!(message("now-99999999999y").contains("too far"));
        assert_eq!(utc(" "), Err(TimeError::Empty));
    }

    #[test]
    fn ranges_check_their_order() {
        let range = TimeRange::parse("now-7d", "now", now(), &TimeZone::UTC).unwrap();
        assert_eq!(range.duration_ms(), 7 * 86_400_000);
        let err = TimeRange::parse("now", "now-1h", now(), &TimeZone::UTC).unwrap_err();
        assert_eq!(err.to_string(), "The range ends (now-1h) before it starts (now): swap the two times");
    }
}
