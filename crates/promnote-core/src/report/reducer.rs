//! Reducers: how a series becomes one number (`reduce=`), named as Grafana names its
//! calculations so that a dashboard's stat converts one to one; and which totals a table
//! adds (`total=`). Gaps are never zeros: a reducer reads only the values there are.

/// One way to reduce a series' values to a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reducer {
    /// The last value (Grafana's `lastNotNull`; the default).
    Last,
    /// The first value (`firstNotNull`).
    First,
    /// The mean of the values.
    Mean,
    /// The middle value (the mean of the two middle ones for an even count).
    Median,
    /// The smallest value.
    Min,
    /// The largest value.
    Max,
    /// The sum of the values.
    Sum,
    /// How many values there are (gaps are not values).
    Count,
    /// The largest minus the smallest.
    Range,
    /// The increases added up, a fall read as a counter reset (the value after it is what
    /// the counter counted since): a counter's increase over the range.
    Delta,
    /// The last value minus the first.
    Diff,
}

impl Reducer {
    /// Every reducer, in the order the README lists them.
    pub const ALL: [Reducer; 11] = [
        Reducer::Last,
        Reducer::First,
        Reducer::Mean,
        Reducer::Median,
        Reducer::Min,
        Reducer::Max,
        Reducer::Sum,
        Reducer::Count,
        Reducer::Range,
        Reducer::Delta,
        Reducer::Diff,
    ];

    /// The name used in reports (`reduce=mean`).
    pub fn name(self) -> &'static str {
        match self {
            Reducer::Last => "last",
            Reducer::First => "first",
            Reducer::Mean => "mean",
            Reducer::Median => "median",
            Reducer::Min => "min",
            Reducer::Max => "max",
            Reducer::Sum => "sum",
            Reducer::Count => "count",
            Reducer::Range => "range",
            Reducer::Delta => "delta",
            Reducer::Diff => "diff",
        }
    }

    /// Reads a name, and Grafana's other names for the same calculation (`lastNotNull`,
    /// `firstNotNull`, and an old singlestat's `current`, `avg` and `total`).
    pub fn parse(name: &str) -> Option<Self> {
        let alias = match name {
            "lastNotNull" | "current" => Some(Reducer::Last),
            "firstNotNull" => Some(Reducer::First),
            "avg" => Some(Reducer::Mean),
            "total" => Some(Reducer::Sum),
            _ => None,
        };
        alias.or_else(|| Self::ALL.into_iter().find(|r| r.name() == name))
    }

    /// The reducer applied to `values` in order; gaps (`None`, NaN, ±Inf) are left out.
    /// `None` when there is no value (but `count` is then 0).
    pub fn apply<'a, I>(self, values: I) -> Option<f64>
    where
        I: IntoIterator<Item = &'a Option<f64>>,
        I::IntoIter: DoubleEndedIterator + Clone,
    {
        let mut present = values.into_iter().filter_map(|v| v.filter(|v| v.is_finite()));
        let count = present.clone().count();
        if self == Reducer::Count {
            return Some(count as f64);
        }
        if count == 0 {
            return None;
        }
        Some(match self {
            Reducer::Last => present.next_back()?,
            Reducer::First => present.next()?,
            Reducer::Mean => present.sum::<f64>() / count as f64,
            Reducer::Median => {
                let mut sorted: Vec<f64> = present.collect();
                sorted.sort_by(f64::total_cmp);
                let mid = sorted.len() / 2;
                if sorted.len() % 2 == 0 {
                    (sorted[mid - 1] + sorted[mid]) / 2.0
                } else {
                    sorted[mid]
                }
            }
            Reducer::Min => present.fold(f64::INFINITY, f64::min),
            Reducer::Max => present.fold(f64::NEG_INFINITY, f64::max),
            Reducer::Sum => present.sum(),
            Reducer::Range => {
                let (min, max) =
                    present.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
                max - min
            }
            Reducer::Delta => {
                let first = present.next()?;
                present
                    .fold((0.0, first), |(sum, previous), v| {
                        (sum + if v >= previous { v - previous } else { v }, v)
                    })
                    .0
            }
            Reducer::Diff => {
                let first = present.next()?;
                present.next_back().map_or(0.0, |last| last - first)
            }
            Reducer::Count => unreachable!("counted above"),
        })
    }
}

/// Reads `reduce=mean,max,last`: one or more reducers, in order, without repeats.
pub fn parse_reducers(text: &str) -> Result<Vec<Reducer>, String> {
    let mut out: Vec<Reducer> = Vec::new();
    for name in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let reducer = Reducer::parse(name).ok_or_else(|| {
            let names: Vec<&str> = Reducer::ALL.iter().map(|r| r.name()).collect();
            format!("`{name}` is not a reducer; use one or more of {}, separated by commas", names.join(", "))
        })?;
        if !out.contains(&reducer) {
            out.push(reducer);
        }
    }
    if out.is_empty() {
        return Err("reduce needs a reducer, e.g. reduce=last or reduce=mean,max".to_owned());
    }
    Ok(out)
}

/// Which totals a table adds (`total=column`, `row` or `both`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Totals {
    /// A `Total` column: each row's sum across its series.
    Column,
    /// A `Total` row: each series reduced over the rows (`sum` unless `reduce=` says).
    Row,
    /// Both.
    Both,
}

impl Totals {
    /// Reads `column`, `row` or `both`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "column" => Some(Totals::Column),
            "row" => Some(Totals::Row),
            "both" => Some(Totals::Both),
            _ => None,
        }
    }

    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Totals::Column => "column",
            Totals::Row => "row",
            Totals::Both => "both",
        }
    }

    /// Whether a `Total` column is added.
    pub fn column(self) -> bool {
        matches!(self, Totals::Column | Totals::Both)
    }

    /// Whether a `Total` row is added.
    pub fn row(self) -> bool {
        matches!(self, Totals::Row | Totals::Both)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NONE: Option<f64> = None;

    #[test]
    fn each_reducer_reads_only_the_values_there_are() {
        let values = [NONE, Some(4.0), Some(1.0), Some(f64::NAN), Some(7.0), NONE, Some(2.0), NONE];
        let got: Vec<(&str, Option<f64>)> =
            Reducer::ALL.iter().map(|r| (r.name(), r.apply(&values))).collect();
        assert_eq!(
            got,
            [
                ("last", Some(2.0)),
                ("first", Some(4.0)),
                ("mean", Some(3.5)),
                ("median", Some(3.0)),
                ("min", Some(1.0)),
                ("max", Some(7.0)),
                ("sum", Some(14.0)),
                ("count", Some(4.0)),
                ("range", Some(6.0)),
                // 4 → 1 is a reset (+1), 1 → 7 (+6), 7 → 2 a reset (+2).
                ("delta", Some(9.0)),
                ("diff", Some(-2.0)),
            ]
        );
        for r in Reducer::ALL {
            let empty = r.apply(&[NONE, Some(f64::INFINITY)]);
            assert_eq!(empty, (r == Reducer::Count).then_some(0.0), "{}", r.name());
            assert_eq!(Reducer::parse(r.name()), Some(r));
        }
        assert_eq!(Reducer::Median.apply(&[Some(5.0), Some(1.0), Some(3.0)]), Some(3.0));
        assert_eq!(Reducer::Diff.apply(&[Some(5.0)]), Some(0.0));
    }

    #[test]
    fn reducers_are_read_by_grafana_s_names_too() {
        assert_eq!(parse_reducers("mean, max,last"), Ok(vec![Reducer::Mean, Reducer::Max, Reducer::Last]));
        assert_eq!(parse_reducers("lastNotNull,last,total"), Ok(vec![Reducer::Last, Reducer::Sum]));
        assert!(parse_reducers("p95").unwrap_err().contains("not a reducer; use one or more of last, first"));
        assert!(parse_reducers(",").unwrap_err().contains("needs a reducer"));
    }
}
