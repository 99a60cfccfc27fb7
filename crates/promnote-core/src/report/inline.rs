//! Values in prose: an inline code span written `` `{promql OPTIONS} EXPR` `` stands for
//! the value of EXPR at the end of the report's range, combined over every datasource
//! and series it returns ([`Aggregate`]) and written with a unit. This file reads the
//! span; `run::value` evaluates it.
//!
//! ```markdown
//! `{promql} sum(jupyterhub_active_users{period="30d"})` people used a hub last month,
//! on `{promql aggregate=count} max by (namespace) (jupyterhub_active_users)` hubs.
//! ```

use pulldown_cmark::{Event, Options, Parser};

use super::options::{parse_info, Unit};

/// What opens a value span.
pub const OPENING: &str = "{promql";

/// The options a value span takes.
pub const SPAN_OPTIONS: [&str; 4] = ["unit", "decimals", "datasources", "aggregate"];

/// The most decimals a value may be written with.
pub const MAX_DECIMALS: u8 = 10;

/// How the samples of every series and datasource become one number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Aggregate {
    /// Their sum (the default).
    #[default]
    Sum,
    /// The largest.
    Max,
    /// The smallest.
    Min,
    /// Their mean.
    Mean,
    /// How many series there are.
    Count,
}

impl Aggregate {
    /// Every aggregate, as written.
    pub const ALL: [Aggregate; 5] =
        [Aggregate::Sum, Aggregate::Max, Aggregate::Min, Aggregate::Mean, Aggregate::Count];

    /// The name used in reports (`aggregate=max`).
    pub fn name(self) -> &'static str {
        match self {
            Aggregate::Sum => "sum",
            Aggregate::Max => "max",
            Aggregate::Min => "min",
            Aggregate::Mean => "mean",
            Aggregate::Count => "count",
        }
    }

    /// From its name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == name)
    }

    /// The samples combined; `None` when there are none (a count is then 0).
    pub fn apply(self, values: &[f64]) -> Option<f64> {
        if self == Aggregate::Count {
            return Some(values.len() as f64);
        }
        let first = *values.first()?;
        Some(match self {
            Aggregate::Sum => values.iter().sum(),
            Aggregate::Max => values.iter().copied().fold(first, f64::max),
            Aggregate::Min => values.iter().copied().fold(first, f64::min),
            Aggregate::Mean => values.iter().sum::<f64>() / values.len() as f64,
            Aggregate::Count => unreachable!("counted above"),
        })
    }
}

/// A value span, read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ValueSpan {
    /// The PromQL, as written (variables not yet substituted).
    pub expr: String,
    /// How the number is written.
    pub unit: Unit,
    /// Decimals to write, when fixed.
    pub decimals: Option<u8>,
    /// The datasources to ask (names or uids), else every one the report uses.
    pub datasources: Option<Vec<String>>,
    /// How samples are combined.
    pub aggregate: Aggregate,
}

/// Reads an inline code span: `None` when it is ordinary code (it does not start with
/// `{promql`, or is `{promql}` alone: prose that mentions the syntax), else the span or
/// what is wrong with it.
pub fn parse_span(code: &str) -> Option<Result<ValueSpan, String>> {
    let rest = code.trim().strip_prefix(OPENING)?;
    if !(rest.starts_with('}') || rest.starts_with(char::is_whitespace)) || rest == "}" {
        return None;
    }
    Some(read_span(rest))
}

/// `rest`: what follows `{promql`.
fn read_span(rest: &str) -> Result<ValueSpan, String> {
    let close = closing_brace(rest).ok_or(
        "a `{promql …}` value has no closing `}`: write `{promql} EXPR` or `{promql unit=bytes} EXPR`",
    )?;
    let expr = rest[close + 1..].trim();
    if expr.is_empty() {
        return Err(
            "a `{promql}` value needs a PromQL expression after the braces, e.g. `{promql} sum(up)`".into()
        );
    }
    let mut span = ValueSpan { expr: expr.to_owned(), ..ValueSpan::default() };
    let pairs = parse_info(&rest[..close]).map_err(|e| format!("in a `{{promql}}` value: {e}"))?;
    for (key, value) in pairs {
        match key.as_str() {
            "unit" => {
                span.unit = Unit::parse(&value).ok_or_else(|| {
                    format!(
                        "unknown unit `{value}` in a `{{promql}}` value; use one of {}",
                        Unit::names().join(", ")
                    )
                })?;
            }
            "decimals" => {
                span.decimals = Some(value.parse::<u8>().ok().filter(|d| *d <= MAX_DECIMALS).ok_or_else(|| {
                    format!("decimals={value} in a `{{promql}}` value: write a whole number from 0 to {MAX_DECIMALS}")
                })?);
            }
            "datasources" => {
                let names: Vec<String> =
                    value.split(',').map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned).collect();
                if names.is_empty() {
                    return Err("datasources= in a `{promql}` value names no datasource".into());
                }
                span.datasources = Some(names);
            }
            "aggregate" => {
                span.aggregate = Aggregate::parse(&value).ok_or_else(|| {
                    let names: Vec<&str> = Aggregate::ALL.iter().map(|a| a.name()).collect();
                    format!(
                        "unknown aggregate `{value}` in a `{{promql}}` value; use one of {}",
                        names.join(", ")
                    )
                })?;
            }
            other => {
                return Err(format!(
                    "unknown option `{other}` in a `{{promql}}` value; it takes {}",
                    SPAN_OPTIONS.join(", ")
                ))
            }
        }
    }
    Ok(span)
}

/// Where the options' `}` is: the first one outside a quoted value.
fn closing_brace(text: &str) -> Option<usize> {
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '}' if !quoted => return Some(i),
            _ => {}
        }
    }
    None
}

/// Every value span in `markdown`, in order: its code as written (its key) and the span
/// or what is wrong with it, with the byte offset where it starts.
pub fn spans(markdown: &str) -> Vec<(usize, String, Result<ValueSpan, String>)> {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    Parser::new_ext(markdown, options)
        .into_offset_iter()
        .filter_map(|(event, range)| match event {
            Event::Code(code) => parse_span(&code).map(|span| (range.start, code.into_string(), span)),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_span_reads_its_options_and_expression() {
        assert_eq!(parse_span("sum(up)"), None);
        assert_eq!(parse_span("{promqlx} up"), None);
        let plain = parse_span("{promql} sum(up)").unwrap().unwrap();
        assert_eq!(plain, ValueSpan { expr: "sum(up)".into(), ..ValueSpan::default() });
        let full = parse_span(
            r#"{promql unit=percent decimals=1 datasources="cluster-a, b}" aggregate=max} max(x{a="}"})"#,
        )
        .unwrap()
        .unwrap();
        assert_eq!(full.unit, Unit::Percent);
        assert_eq!(full.decimals, Some(1));
        assert_eq!(full.datasources, Some(vec!["cluster-a".into(), "b}".into()]));
        assert_eq!(full.aggregate, Aggregate::Max);
        assert_eq!(full.expr, r#"max(x{a="}"})"#);
    }

    #[test]
    fn a_bad_span_says_what_is_allowed() {
        let err = |code: &str| parse_span(code).unwrap().unwrap_err();
        assert_eq!(parse_span("{promql}"), None, "the syntax mentioned in prose");
        assert!(err("{promql unit=bytes}").contains("needs a PromQL expression"));
        assert!(err("{promql up").contains("no closing `}`"));
        assert!(err("{promql colour=red} up").contains("unknown option `colour`"));
        assert!(err("{promql colour=red} up").contains("unit, decimals, datasources, aggregate"));
        assert!(err("{promql unit=furlongs} up").contains("unknown unit `furlongs`"));
        assert!(err("{promql decimals=11} up").contains("0 to 10"));
        assert!(err("{promql aggregate=median} up").contains("sum, max, min, mean, count"));
        assert!(err("{promql unit} up").contains("write key=value"));
    }

    #[test]
    fn aggregates_combine_every_sample() {
        let values = [3.0, 1.0, 2.0];
        assert_eq!(Aggregate::Sum.apply(&values), Some(6.0));
        assert_eq!(Aggregate::Max.apply(&values), Some(3.0));
        assert_eq!(Aggregate::Min.apply(&values), Some(1.0));
        assert_eq!(Aggregate::Mean.apply(&values), Some(2.0));
        assert_eq!(Aggregate::Count.apply(&values), Some(3.0));
        assert_eq!(Aggregate::Sum.apply(&[]), None);
        assert_eq!(Aggregate::Count.apply(&[]), Some(0.0));
    }

    #[test]
    fn spans_are_found_in_prose_only_as_inline_code() {
        let md = "A `{promql} sum(up)` b `plain` c\n\n```\n{promql} not a span\n```\n\n`{promql bad=1} x`";
        let found = spans(md);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].1, "{promql} sum(up)");
        assert!(found[1].2.is_err());
        assert_eq!(&md[found[1].0..found[1].0 + 1], "`");
    }
}
