//! One number written for people with its unit (`1.2 GB`, `45 %`, `3.5 min`, `1,234`),
//! as a value in prose shows it. Charts format their axes in Plotly with the same units
//! (`chart::unit_format`); tables write plain numbers ([`super::reduce::readable`]).

use super::reduce::readable;
use crate::report::options::Unit;

/// `value` in `unit`, with `decimals` decimals when given, else at most three significant
/// digits for scaled units and [`readable`]'s rule for plain numbers.
pub fn with_unit(value: f64, unit: Unit, decimals: Option<u8>) -> String {
    if !value.is_finite() {
        return readable(value);
    }
    match unit {
        Unit::None => number(value, decimals),
        Unit::Bytes => si(value, decimals, "B"),
        Unit::BytesPerSecond => si(value, decimals, "B/s"),
        Unit::BitsPerSecond => si(value, decimals, "b/s"),
        Unit::Seconds => seconds(value, decimals),
        Unit::Milliseconds => seconds(value / 1000.0, decimals),
        Unit::Percent => format!("{} %", number(value, decimals)),
        Unit::PercentUnit => format!("{} %", number(value * 100.0, decimals)),
        Unit::RequestsPerSecond => format!("{} req/s", number(value, decimals)),
        Unit::PacketsPerSecond => format!("{} pkt/s", number(value, decimals)),
    }
}

/// A plain number: thousands separated, `decimals` fixed or [`readable`]'s rule.
fn number(value: f64, decimals: Option<u8>) -> String {
    let Some(decimals) = decimals else { return readable(value) };
    let text = format!("{:.*}", usize::from(decimals), value.abs());
    let (whole, fraction) = text.split_once('.').map_or((text.as_str(), None), |(w, f)| (w, Some(f)));
    let mut out = String::new();
    if value < 0.0 && text.bytes().any(|b| b.is_ascii_digit() && b != b'0') {
        out.push('-');
    }
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(fraction) = fraction {
        out.push('.');
        out.push_str(fraction);
    }
    out
}

/// A number scaled to at most three significant digits unless `decimals` is given.
fn scaled(value: f64, decimals: Option<u8>) -> String {
    match decimals {
        Some(_) => number(value, decimals),
        None => {
            let magnitude = value.abs();
            let decimals = if magnitude >= 100.0 || magnitude == 0.0 {
                0
            } else if magnitude >= 10.0 {
                1
            } else {
                2
            };
            let text = format!("{value:.decimals$}");
            match text.contains('.') {
                true => text.trim_end_matches('0').trim_end_matches('.').to_owned(),
                false => text,
            }
        }
    }
}

/// SI prefixes by thousands: `1.2 GB`.
fn si(value: f64, decimals: Option<u8>, symbol: &str) -> String {
    const PREFIXES: [&str; 7] = ["", "k", "M", "G", "T", "P", "E"];
    let mut scaled_value = value;
    let mut prefix = 0;
    while scaled_value.abs() >= 1000.0 && prefix + 1 < PREFIXES.len() {
        scaled_value /= 1000.0;
        prefix += 1;
    }
    // 999.96 rounds to "1000": write it as the next prefix's 1.
    if scaled(scaled_value, decimals).trim_start_matches('-').starts_with("1000")
        && prefix + 1 < PREFIXES.len()
    {
        scaled_value /= 1000.0;
        prefix += 1;
    }
    format!("{} {}{symbol}", scaled(scaled_value, decimals), PREFIXES[prefix])
}

/// A duration in the largest unit it fills: µs, ms, s, min, hours, days.
fn seconds(value: f64, decimals: Option<u8>) -> String {
    let magnitude = value.abs();
    let (divisor, unit) = match magnitude {
        0.0 => (1.0, "s"),
        m if m < 0.001 => (1e-6, "µs"),
        m if m < 1.0 => (1e-3, "ms"),
        m if m < 60.0 => (1.0, "s"),
        m if m < 3600.0 => (60.0, "min"),
        m if m < 86_400.0 => (3600.0, "hours"),
        _ => (86_400.0, "days"),
    };
    format!("{} {unit}", scaled(value / divisor, decimals))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_with_their_unit() {
        let cases = [
            (1234.0, Unit::None, None, "1,234"),
            (1234.5678, Unit::None, Some(1), "1,234.6"),
            (-0.04, Unit::None, Some(1), "0.0"),
            (1_200_000_000.0, Unit::Bytes, None, "1.2 GB"),
            (999_960.0, Unit::Bytes, None, "1 MB"),
            (512.0, Unit::Bytes, None, "512 B"),
            (1_536_000.0, Unit::BytesPerSecond, Some(2), "1.54 MB/s"),
            (45.0, Unit::Percent, None, "45 %"),
            (0.4567, Unit::PercentUnit, Some(1), "45.7 %"),
            (0.25, Unit::Seconds, None, "250 ms"),
            (210.0, Unit::Seconds, None, "3.5 min"),
            (7200.0, Unit::Seconds, None, "2 hours"),
            (1500.0, Unit::Milliseconds, None, "1.5 s"),
            (3.0 * 86_400.0, Unit::Seconds, None, "3 days"),
            (12.5, Unit::RequestsPerSecond, None, "12.5 req/s"),
            (8e9, Unit::BitsPerSecond, None, "8 Gb/s"),
            (f64::NAN, Unit::Bytes, None, "NaN"),
        ];
        for (value, unit, decimals, text) in cases {
            assert_eq!(with_unit(value, unit, decimals), text, "{value} {unit:?} {decimals:?}");
        }
    }
}
