//! Time zones: their names (`UTC` and its aliases, IANA names), the native lookup, and
//! zones built from the offsets a browser reports, so that the page carries no time-zone
//! database of its own.

use jiff::tz::TimeZone;

use super::parse::TimeError;

/// Whether `name` (trimmed) means UTC: `UTC` in any case, or `Z`. Every shell asks
/// this before looking a zone up (the page's browser, the command line's database).
pub fn is_utc(name: &str) -> bool {
    let name = name.trim();
    name.eq_ignore_ascii_case("utc") || name == "Z"
}

/// Looks up a time zone in the system's database: `UTC` ([`is_utc`]), or an IANA name
/// such as `Europe/Berlin`. The page has no database: it builds zones from the browser
/// ([`zone_from_offsets`]).
pub fn zone(name: &str) -> Result<TimeZone, TimeError> {
    if is_utc(name) {
        return Ok(TimeZone::UTC);
    }
    let name = name.trim();
    TimeZone::get(name).map_err(|_| TimeError::Zone(name.to_owned()))
}

/// A browser's offset name as seconds east of UTC: `GMT`, `GMT+01:00`, `GMT-03:30`,
/// `GMT+5:45:00` (or `UTC…`; `−`, U+2212, as the minus sign too). `None` for anything
/// else.
pub fn parse_gmt_offset(text: &str) -> Option<i32> {
    let rest = text.strip_prefix("GMT").or_else(|| text.strip_prefix("UTC"))?;
    if rest.is_empty() {
        return Some(0);
    }
    let (sign, rest) = if let Some(rest) = rest.strip_prefix('+') {
        (1, rest)
    } else if let Some(rest) = rest.strip_prefix('-').or_else(|| rest.strip_prefix('\u{2212}')) {
        (-1, rest)
    } else {
        return None;
    };
    let mut parts = rest.split(':');
    let hours: i32 = parts.next()?.parse().ok()?;
    let minutes: i32 = parts.next().map_or(Some(0), |m| m.parse().ok())?;
    let seconds: i32 = parts.next().map_or(Some(0), |s| s.parse().ok())?;
    if parts.next().is_some() {
        return None;
    }
    Some(sign * (hours * 3600 + minutes * 60 + seconds))
}

/// One change of a zone's UTC offset, as a browser reports it (`Intl.DateTimeFormat`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetChange {
    /// From this instant on (seconds since the epoch)...
    pub at_s: i64,
    /// ...the offset is this many seconds east of UTC...
    pub offset_s: i32,
    /// ...and the zone's short name is this, e.g. `CEST` or `GMT+2`.
    pub abbreviation: String,
}

impl OffsetChange {
    /// The local time type this change switches to: its offset and short name.
    pub fn kind(&self) -> (i32, &str) {
        (self.offset_s, self.abbreviation.as_str())
    }
}

/// A time zone built from the offsets a browser reports, so that the site needs no time-zone
/// database of its own (jiff's bundled one is ~90 KB gzipped): `initial` holds before the
/// first change, and the last change holds for ever after. Probing the years a report can
/// show is enough, since only those instants are ever converted. Encoded as TZif (RFC 8536,
/// version 2), which jiff reads.
pub fn zone_from_offsets(
    name: &str,
    initial: &OffsetChange,
    changes: &[OffsetChange],
) -> Result<TimeZone, TimeError> {
    let bad = || TimeError::Zone(name.to_owned());
    // Local time types, deduplicated; the first is the one before any transition.
    let mut types: Vec<(i32, &str)> = vec![initial.kind()];
    let mut indices = Vec::with_capacity(changes.len());
    for change in changes {
        let kind = change.kind();
        let index = types.iter().position(|t| *t == kind).unwrap_or_else(|| {
            types.push(kind);
            types.len() - 1
        });
        indices.push(u8::try_from(index).map_err(|_| bad())?);
    }
    if changes.windows(2).any(|w| w[0].at_s >= w[1].at_s) {
        return Err(bad());
    }
    let mut chars = Vec::new();
    let mut desig = Vec::new();
    for (_, abbreviation) in &types {
        let clean: String =
            abbreviation.chars().filter(|c| c.is_ascii_alphanumeric() || "+-".contains(*c)).collect();
        desig.push(chars.len() as u8);
        chars.extend_from_slice(if clean.len() >= 3 { clean.as_bytes() } else { b"LMT" });
        chars.push(0);
    }
    let count = |n: usize| (n as u32).to_be_bytes();
    let header = |out: &mut Vec<u8>, timecnt: usize, typecnt: usize, charcnt: usize| {
        out.extend_from_slice(b"TZif2");
        out.extend_from_slice(&[0; 15]);
        for n in [0, 0, 0, timecnt, typecnt, charcnt] {
            out.extend_from_slice(&count(n));
        }
    };
    let mut tzif = Vec::new();
    // A minimal version 1 block (readers of version 2 skip it): one type, "UTC".
    header(&mut tzif, 0, 1, 4);
    tzif.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    tzif.extend_from_slice(b"UTC\0");
    header(&mut tzif, changes.len(), types.len(), chars.len());
    for change in changes {
        tzif.extend_from_slice(&change.at_s.to_be_bytes());
    }
    tzif.extend_from_slice(&indices);
    // Daylight saving time: any offset above the zone's lowest (its standard time).
    let standard = types.iter().map(|(offset, _)| *offset).min().unwrap_or(initial.offset_s);
    for ((offset, _), d) in types.iter().zip(&desig) {
        let dst = u8::from(*offset > standard);
        tzif.extend_from_slice(&offset.to_be_bytes());
        tzif.extend_from_slice(&[dst, *d]);
    }
    tzif.extend_from_slice(&chars);
    // No POSIX rule after the last transition: its offset holds.
    tzif.extend_from_slice(b"\n\n");
    TimeZone::tzif(name, &tzif).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_built_from_browser_offsets_match_the_database() {
        let start = jiff::Timestamp::from_second(946_684_800).unwrap(); // 2000-01-01
        let end = jiff::Timestamp::from_second(1_893_456_000).unwrap(); // 2030-01-01
        for name in [
            "Europe/Berlin",
            "America/New_York",
            "Australia/Lord_Howe",
            "Asia/Kolkata",
            "Pacific/Chatham",
            "America/Sao_Paulo",
            "Africa/Casablanca",
        ] {
            let real = zone(name).unwrap();
            let at = |t: jiff::Timestamp| {
                let info = real.to_offset_info(t);
                OffsetChange {
                    at_s: t.as_second(),
                    offset_s: info.offset().seconds(),
                    abbreviation: info.abbreviation().to_owned(),
                }
            };
            let initial = at(start);
            let changes: Vec<OffsetChange> = real
                .following(start)
                .take_while(|t| t.timestamp() < end)
                .map(|t| at(t.timestamp()))
                .collect();
            let built = zone_from_offsets(name, &initial, &changes).unwrap();
            let mut t = start.as_second();
            while t < end.as_second() {
                let ts = jiff::Timestamp::from_second(t).unwrap();
                assert_eq!(built.to_offset(ts), real.to_offset(ts), "{name} at {ts}");
                t += 3 * 3600 + 17;
            }
            // Midnights of a day-bucketed report agree, DST days included.
            let day = jiff::civil::date(2026, 3, 29);
            assert_eq!(
                day.to_zoned(built.clone()).unwrap().timestamp(),
                day.to_zoned(real.clone()).unwrap().timestamp(),
                "{name}"
            );
        }
        // Out of order changes are refused.
        let c = |at_s, offset_s| OffsetChange { at_s, offset_s, abbreviation: "X".into() };
        assert!(zone_from_offsets("Bad/Zone", &c(0, 0), &[c(10, 3600), c(5, 0)]).is_err());
    }

    #[test]
    fn names_and_browser_offsets() {
        assert!(matches!(zone("Mars/Olympus"), Err(TimeError::Zone(_))));
        for utc in ["utc", " UTC ", "Z"] {
            assert!(is_utc(utc), "{utc}");
            assert_eq!(zone(utc), Ok(TimeZone::UTC));
        }
        assert!(!is_utc("Europe/Berlin"));
        let cases = [
            ("GMT", Some(0)),
            ("UTC", Some(0)),
            ("GMT+01:00", Some(3600)),
            ("GMT-03:30", Some(-12_600)),
            ("GMT\u{2212}03:30", Some(-12_600)),
            ("GMT+5:45", Some(20_700)),
            ("GMT+12:45:00", Some(45_900)),
            ("CEST", None),
            ("GMT*1", None),
            ("GMT+1:2:3:4", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_gmt_offset(text), want, "{text}");
        }
    }
}
