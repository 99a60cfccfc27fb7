//! Instants written as people and files read them, in a zone: wall-clock fields written
//! out by hand ([`WallClock`]), ISO 8601 with the offset, RFC 3339 in UTC, `HH:MM`, a
//! zone's short name, and a snapshot's "taken at".

use jiff::tz::TimeZone;
use jiff::Timestamp;

/// An instant's wall-clock fields in a zone, written out by hand: jiff's `strftime`
/// engine costs about 20 KB of wasm for the four layouts promnote prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WallClock {
    year: i16,
    month: i8,
    day: i8,
    hour: i8,
    minute: i8,
    second: i8,
    millisecond: i16,
    offset_seconds: i32,
}

impl WallClock {
    /// The wall clock in `zone` at `t_ms` (milliseconds since the epoch), or `None`
    /// outside the years -9999..=9999.
    pub fn at(t_ms: i64, zone: &TimeZone) -> Option<Self> {
        let at = Timestamp::from_millisecond(t_ms).ok()?.to_zoned(zone.clone());
        Some(Self {
            year: at.year(),
            month: at.month(),
            day: at.day(),
            hour: at.hour(),
            minute: at.minute(),
            second: at.second(),
            millisecond: at.millisecond(),
            offset_seconds: at.offset().seconds(),
        })
    }

    /// `2026-10-25`.
    pub fn date(&self) -> String {
        let Self { year, month, day, .. } = *self;
        if year < 0 {
            format!("-{:04}-{month:02}-{day:02}", -i32::from(year))
        } else {
            format!("{year:04}-{month:02}-{day:02}")
        }
    }

    /// `14:05`.
    pub fn hour_minute(&self) -> String {
        format!("{:02}:{:02}", self.hour, self.minute)
    }

    /// `14:05:09`.
    pub fn time_of_day(&self) -> String {
        format!("{:02}:{:02}:{:02}", self.hour, self.minute, self.second)
    }

    /// `2026-10-25 02:30:00`, what plotly.js reads as a date-axis position.
    pub fn date_time(&self) -> String {
        format!("{} {}", self.date(), self.time_of_day())
    }

    /// ISO 8601 with the offset: `2026-10-25T02:30:00+01:00`, with `.250` before the
    /// offset when the time has milliseconds.
    pub fn iso(&self) -> String {
        let fraction =
            if self.millisecond == 0 { String::new() } else { format!(".{:03}", self.millisecond) };
        let sign = if self.offset_seconds < 0 { '-' } else { '+' };
        let offset = self.offset_seconds.unsigned_abs();
        format!(
            "{}T{}{fraction}{sign}{:02}:{:02}",
            self.date(),
            self.time_of_day(),
            offset / 3600,
            offset / 60 % 60
        )
    }
}

/// A time as ISO 8601 in `zone` with its offset, e.g. `2026-10-25T02:30:00+01:00`.
pub fn iso_time(t_ms: i64, zone: &TimeZone) -> String {
    WallClock::at(t_ms, zone).map_or_else(String::new, |clock| clock.iso())
}

/// `HH:MM` of a time in `zone`, for "so far (until 14:05 UTC)".
pub fn clock(t_ms: i64, zone: &TimeZone) -> String {
    WallClock::at(t_ms, zone).map_or_else(String::new, |clock| clock.hour_minute())
}

/// A time as RFC 3339 in UTC, second precision (`2026-11-23T10:30:15Z`).
pub fn rfc3339_utc(t_ms: i64) -> String {
    WallClock::at(t_ms - t_ms.rem_euclid(1000), &TimeZone::UTC)
        .map_or_else(String::new, |clock| format!("{}T{}Z", clock.date(), clock.time_of_day()))
}

/// The zone's short name at `t_ms` ("UTC", "CET", "CEST").
pub fn zone_abbreviation(t_ms: i64, zone: &TimeZone) -> String {
    Timestamp::from_millisecond(t_ms)
        .map_or_else(|_| String::new(), |t| zone.to_offset_info(t).abbreviation().to_string())
}

/// The UTC day of `t_ms`, as dated copies and notes name it: `2026-12-05`.
pub fn utc_day(t_ms: i64) -> String {
    WallClock::at(t_ms, &TimeZone::UTC).map_or_else(|| "undated".to_owned(), |clock| clock.date())
}

/// `2026-12-01 06:00 UTC`.
pub fn taken_at_text(t_ms: i64) -> String {
    match WallClock::at(t_ms, &TimeZone::UTC) {
        Some(clock) => format!("{} {} UTC", clock.date(), clock.hour_minute()),
        None => "at an unknown time".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wall_clock_writes_what_strftime_would() {
        for name in ["UTC", "Europe/Berlin", "America/St_Johns", "Asia/Kolkata", "Pacific/Chatham"] {
            let tz = super::super::zones::zone(name).unwrap();
            let mut t_ms: i64 = 946_684_800_000;
            while t_ms < 1_893_456_000_000 {
                let at = Timestamp::from_millisecond(t_ms).unwrap().to_zoned(tz.clone());
                let clock = WallClock::at(t_ms, &tz).unwrap();
                let iso = if t_ms % 1000 == 0 { "%Y-%m-%dT%H:%M:%S%:z" } else { "%Y-%m-%dT%H:%M:%S%.3f%:z" };
                assert_eq!(clock.iso(), at.strftime(iso).to_string(), "{name} {t_ms}");
                assert_eq!(clock.date_time(), at.strftime("%Y-%m-%d %H:%M:%S").to_string());
                assert_eq!(clock.hour_minute(), at.strftime("%H:%M").to_string());
                // Steps that land on every hour, minute and millisecond pattern.
                t_ms += 3_599_999_937;
            }
        }
    }
}
