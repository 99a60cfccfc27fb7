//! Query steps: Prometheus' duration syntax (`30s`, `5m`, `1h30m`, `1d`, `1w`, `1y`),
//! `auto` (from the range and the chart's width), and the 11,000-points-per-series
//! limit that Prometheus enforces — promnote raises the step and says so, rather than
//! letting the query fail.

/// Prometheus refuses range queries with more points than this per series.
pub const MAX_POINTS: i64 = 11_000;

const SECOND: i64 = 1_000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;
const WEEK: i64 = 7 * DAY;
const YEAR: i64 = 365 * DAY;

/// Why a duration was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StepError {
    /// Not Prometheus' duration syntax.
    #[error("`{0}` is not a duration: use Prometheus' syntax, e.g. 30s, 5m, 1h30m, 1d, 1w (or auto)")]
    Syntax(String),
    /// Units out of order or repeated (`1m1h`), which Prometheus refuses too.
    #[error("`{0}`: units must go from largest to smallest, each once (e.g. 1h30m)")]
    Order(String),
    /// Zero or too large.
    #[error("`{0}` must be more than 0 and at most 10 years")]
    Range(String),
}

/// A step as chosen by the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepSpec {
    /// Chosen from the range and the chart's width.
    Auto,
    /// A fixed step, in milliseconds.
    Fixed(i64),
}

/// Parses `auto` or a Prometheus duration.
pub fn parse_step(input: &str) -> Result<StepSpec, StepError> {
    let text = input.trim();
    if text.eq_ignore_ascii_case("auto") || text.is_empty() {
        return Ok(StepSpec::Auto);
    }
    parse_duration(text).map(StepSpec::Fixed)
}

/// Parses a Prometheus duration into milliseconds: `[0-9]+(ms|s|m|h|d|w|y)`, several
/// from largest to smallest (`1h30m`); a plain number is seconds, as in the HTTP API.
pub fn parse_duration(input: &str) -> Result<i64, StepError> {
    let text = input.trim();
    if text.is_empty() {
        return Err(StepError::Syntax(input.into()));
    }
    if let Ok(seconds) = text.parse::<f64>() {
        if !text.chars().all(|c| c.is_ascii_digit() || c == '.') {
            return Err(StepError::Syntax(text.into()));
        }
        let ms = (seconds * 1000.0).round();
        return if ms >= 1.0 && ms <= (10 * YEAR) as f64 {
            Ok(ms as i64)
        } else {
            Err(StepError::Range(text.into()))
        };
    }
    let units: [(&str, i64); 7] =
        [("y", YEAR), ("w", WEEK), ("d", DAY), ("h", HOUR), ("m", MINUTE), ("s", SECOND), ("ms", 1)];
    let mut total: i64 = 0;
    let mut last_rank: Option<usize> = None;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        if digits == 0 {
            return Err(StepError::Syntax(text.into()));
        }
        let amount: i64 = rest[..digits].parse().map_err(|_| StepError::Range(text.into()))?;
        rest = &rest[digits..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit()).unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let Some(rank) = units.iter().position(|(name, _)| *name == unit) else {
            return Err(StepError::Syntax(text.into()));
        };
        if last_rank.is_some_and(|last| rank <= last) {
            return Err(StepError::Order(text.into()));
        }
        last_rank = Some(rank);
        total = amount
            .checked_mul(units[rank].1)
            .and_then(|ms| total.checked_add(ms))
            .ok_or_else(|| StepError::Range(text.into()))?;
    }
    if total <= 0 || total > 10 * YEAR {
        return Err(StepError::Range(text.into()));
    }
    Ok(total)
}

/// Formats milliseconds in Prometheus' syntax, largest units first (`90m` → `1h30m`).
pub fn format_duration(ms: i64) -> String {
    if ms <= 0 {
        return "0s".into();
    }
    compound(
        ms,
        &[("y", YEAR), ("w", WEEK), ("d", DAY), ("h", HOUR), ("m", MINUTE), ("s", SECOND), ("ms", 1)],
    )
}

/// `ms` written in `units` (largest first, each with its length in ms), every unit that
/// is not zero: `1d2h`, `30d23h`. Empty for 0.
pub fn compound(ms: i64, units: &[(&str, i64)]) -> String {
    let mut rest = ms;
    let mut out = String::new();
    for (name, size) in units {
        if rest >= *size {
            out.push_str(&format!("{}{name}", rest / size));
            rest %= size;
        }
    }
    out
}

/// Steps `auto` may pick: round numbers people read easily.
const NICE_STEPS: [i64; 17] = [
    15 * SECOND,
    30 * SECOND,
    MINUTE,
    2 * MINUTE,
    5 * MINUTE,
    10 * MINUTE,
    15 * MINUTE,
    30 * MINUTE,
    HOUR,
    2 * HOUR,
    3 * HOUR,
    6 * HOUR,
    12 * HOUR,
    DAY,
    2 * DAY,
    WEEK,
    30 * DAY,
];

/// The step to query with, and a note for the user when it differs from what they asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepChoice {
    /// Step in milliseconds.
    pub step_ms: i64,
    /// Why the step is not what was asked for, if it is not.
    pub note: Option<String>,
}

/// Picks the step for a range of `range_ms` drawn `width_px` wide. `auto` aims at about
/// one point per 4 pixels on a round step; any step is raised, with a note, when it
/// would give Prometheus more than [`MAX_POINTS`] points per series.
pub fn choose_step(spec: StepSpec, range_ms: i64, width_px: u32) -> StepChoice {
    let range_ms = range_ms.max(0);
    let minimum = range_ms / (MAX_POINTS - 1) + i64::from(range_ms % (MAX_POINTS - 1) != 0);
    match spec {
        StepSpec::Auto => {
            let target = range_ms / i64::from((width_px / 4).max(1));
            let step = NICE_STEPS.iter().copied().find(|s| *s >= target.max(minimum)).unwrap_or_else(|| {
                // Ranges of decades: whole days that fit.
                (target.max(minimum) + DAY - 1) / DAY * DAY
            });
            StepChoice { step_ms: step, note: None }
        }
        StepSpec::Fixed(step) if step >= minimum => StepChoice { step_ms: step, note: None },
        StepSpec::Fixed(step) => {
            let raised = NICE_STEPS.iter().copied().find(|s| *s >= minimum).unwrap_or(minimum);
            StepChoice {
                step_ms: raised,
                note: Some(format!(
                    "A step of {} gives more than {} points per series over this range, which Prometheus refuses; using {} instead.",
                    format_duration(step),
                    group_thousands(MAX_POINTS),
                    format_duration(raised)
                )),
            }
        }
    }
}

/// Evaluation times aligned to the step: the multiples of `step_ms` (since the epoch)
/// within `[from_ms, to_ms]`, so the same range always gives the same points.
pub fn aligned_start(from_ms: i64, step_ms: i64) -> i64 {
    from_ms.div_euclid(step_ms) * step_ms + if from_ms.rem_euclid(step_ms) == 0 { 0 } else { step_ms }
}

/// Number of points a range query returns per series.
pub fn points(from_ms: i64, to_ms: i64, step_ms: i64) -> i64 {
    let start = aligned_start(from_ms, step_ms);
    if to_ms < start {
        0
    } else {
        (to_ms - start) / step_ms + 1
    }
}

fn group_thousands(n: i64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prometheus_durations() {
        let cases = [
            ("30s", 30 * SECOND),
            ("5m", 5 * MINUTE),
            ("1h30m", 90 * MINUTE),
            ("1d", DAY),
            ("1w", WEEK),
            ("1y", YEAR),
            ("250ms", 250),
            ("2h15m10s", 2 * HOUR + 15 * MINUTE + 10 * SECOND),
            ("60", MINUTE),
            ("0.5", 500),
        ];
        for (input, want) in cases {
            assert_eq!(parse_duration(input), Ok(want), "{input}");
            assert_eq!(parse_duration(&format_duration(want)), Ok(want), "round trip {input}");
        }
        assert_eq!(format_duration(90 * MINUTE), "1h30m");
        assert_eq!(parse_step("auto"), Ok(StepSpec::Auto));
    }

    #[test]
    fn bad_durations_say_why() {
        assert_eq!(
            parse_duration("5 minutes").unwrap_err().to_string().split(':').next(),
            Some("`5 minutes` is not a duration")
        );
        assert!(matches!(parse_duration("1m1h"), Err(StepError::Order(_))));
        assert!(matches!(parse_duration("1h1h"), Err(StepError::Order(_))));
        assert!(matches!(parse_duration("0s"), Err(StepError::Range(_))));
        assert!(matches!(parse_duration("99999y"), Err(StepError::Range(_))));
        assert!(matches!(parse_duration("h"), Err(StepError::Syntax(_))));
        assert!(matches!(parse_duration("-5m"), Err(StepError::Syntax(_))));
        assert!(matches!(parse_duration("1e3"), Err(StepError::Syntax(_))));
    }

    #[test]
    fn auto_picks_round_steps_for_the_width() {
        assert_eq!(choose_step(StepSpec::Auto, DAY, 1200).step_ms, 5 * MINUTE);
        assert_eq!(choose_step(StepSpec::Auto, 30 * DAY, 1200).step_ms, 3 * HOUR);
        assert_eq!(choose_step(StepSpec::Auto, HOUR, 1200).step_ms, 15 * SECOND);
    }

    #[test]
    fn never_more_than_11000_points() {
        let range = 30 * DAY;
        let choice = choose_step(StepSpec::Fixed(15 * SECOND), range, 1200);
        assert!(points(0, range, choice.step_ms) <= MAX_POINTS, "{choice:?}");
        assert_eq!(choice.step_ms, 5 * MINUTE);
        let note = choice.note.unwrap();
        assert!(note.contains("A step of 15s gives more than 11,000 points"), "{note}");
        assert!(note.contains("using 5m instead"));
        // Exactly at the limit is fine.
        let fine = choose_step(StepSpec::Fixed(MINUTE), (MAX_POINTS - 1) * MINUTE, 1200);
        assert_eq!(fine, StepChoice { step_ms: MINUTE, note: None });
        for range in [1, 999, HOUR, 7 * DAY, 400 * DAY, 20 * YEAR] {
            for spec in [StepSpec::Auto, StepSpec::Fixed(1), StepSpec::Fixed(SECOND)] {
                let step = choose_step(spec, range, 4000).step_ms;
                assert!(points(0, range, step) <= MAX_POINTS, "{range} {spec:?} → {step}");
            }
        }
    }

    #[test]
    fn evaluation_is_aligned_to_the_step() {
        assert_eq!(aligned_start(10 * MINUTE + 1, 5 * MINUTE), 15 * MINUTE);
        assert_eq!(aligned_start(10 * MINUTE, 5 * MINUTE), 10 * MINUTE);
        assert_eq!(points(0, 10 * MINUTE, 5 * MINUTE), 3);
    }
}
