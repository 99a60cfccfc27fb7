//! `chart=histogram`: each series reduced to one number (`reduce=`, last by default) and
//! counted per bin: how many small communities against big ones. Bins are the cell's
//! `bins=` edges, or round edges chosen for the spread (1, 2.5, 5 × 10ⁿ, from 0, when the
//! values span more than 100×; evenly spaced round widths otherwise).

use super::table::WideTable;
use crate::report::options::CellOptions;
use crate::report::reducer::Reducer;

/// At most this many bins are chosen when the cell names none.
const AUTO_BINS: usize = 12;

/// How many of a bin's largest members its hover names.
pub const HOVER_MEMBERS: usize = 5;

/// One bin: the series whose value is at least `from` and below `to`.
#[derive(Debug, Clone, PartialEq)]
pub struct Bin {
    /// Its lower edge (included); `None` below the first edge.
    pub from: Option<f64>,
    /// Its upper edge (excluded); `None` from the last edge up.
    pub to: Option<f64>,
    /// As the axis writes it: `5–10`, `≥ 10,000`, `< 0`.
    pub label: String,
    /// Its series, largest value first: name and value.
    pub members: Vec<(String, f64)>,
}

/// Series counted per bin.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    /// How each series became one number.
    pub reducer: Reducer,
    /// The bins, in order; the first and last are open only when a value fell there.
    pub bins: Vec<Bin>,
    /// Series without a value to count (no samples in the range).
    pub without_value: usize,
}

/// A histogram cell's bins: its series reduced by the first of `reduce=` (or last), in
/// its `bins=` (or chosen for the values).
pub fn for_cell(table: &WideTable, options: &CellOptions) -> Histogram {
    let reducer = options.reduce.first().copied().unwrap_or(Reducer::Last);
    histogram(table, reducer, options.bins.as_deref())
}

/// Counts the series of `table`, each reduced by `reducer`, in the bins `edges` makes
/// (ascending), or in bins chosen for the values when `edges` is `None`.
pub fn histogram(table: &WideTable, reducer: Reducer, edges: Option<&[f64]>) -> Histogram {
    let mut values: Vec<(String, f64)> = Vec::new();
    let mut without_value = 0;
    for column in &table.columns {
        match reducer.apply(&column.values) {
            Some(v) => values.push((column.name.clone(), v)),
            None => without_value += 1,
        }
    }
    let numbers: Vec<f64> = values.iter().map(|(_, v)| *v).collect();
    let edges = edges.map_or_else(|| auto_edges(&numbers), <[f64]>::to_vec);
    let mut bins: Vec<Bin> = edges
        .windows(2)
        .map(|w| Bin {
            from: Some(w[0]),
            to: Some(w[1]),
            label: range_label(w[0], w[1]),
            members: Vec::new(),
        })
        .collect();
    let mut below = Bin { from: None, to: edges.first().copied(), label: String::new(), members: Vec::new() };
    let mut above = Bin { from: edges.last().copied(), to: None, label: String::new(), members: Vec::new() };
    for (name, v) in values {
        let bin = match (edges.first(), edges.last()) {
            (Some(first), _) if v < *first => &mut below,
            (_, Some(last)) if v >= *last => &mut above,
            (None, None) => &mut above,
            _ => {
                let i = edges.partition_point(|e| *e <= v) - 1;
                &mut bins[i]
            }
        };
        bin.members.push((name, v));
    }
    if !below.members.is_empty() {
        below.label = format!("< {}", edge(below.to.unwrap_or(0.0)));
        bins.insert(0, below);
    }
    if !above.members.is_empty() {
        above.label = above.from.map_or_else(|| "all".to_owned(), |f| format!("≥ {}", edge(f)));
        bins.push(above);
    }
    for bin in &mut bins {
        bin.members.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    }
    Histogram { reducer, bins, without_value }
}

/// Round edges for `values`: from 0 (or a round number below the smallest), in steps of
/// 1, 2.5, 5 × 10ⁿ when the positive values span more than 100×, else in even round widths.
pub fn auto_edges(values: &[f64]) -> Vec<f64> {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let (Some(min), Some(max)) =
        (finite.iter().copied().reduce(f64::min), finite.iter().copied().reduce(f64::max))
    else {
        return Vec::new();
    };
    let smallest_positive = finite.iter().copied().filter(|v| *v > 0.0).reduce(f64::min);
    if let Some(low) = smallest_positive.filter(|low| min >= 0.0 && max / low > 100.0) {
        let mut edges = vec![0.0];
        let mut exponent = low.log10().floor() as i32;
        'grow: loop {
            for m in [1.0, 2.5, 5.0] {
                let e = m * 10f64.powi(exponent);
                if e > low || edges.len() > 1 {
                    edges.push(e);
                }
                if e > max {
                    break 'grow;
                }
            }
            exponent += 1;
        }
        return edges;
    }
    // One value (or all alike) still gets bins around it.
    let spread = if max > min { max - min } else { max.abs().max(1.0) };
    let width = nice_width(spread / AUTO_BINS as f64);
    let start =
        if min >= 0.0 && min < width * AUTO_BINS as f64 { 0.0 } else { (min / width).floor() * width };
    let mut edges = vec![start];
    while *edges.last().unwrap_or(&start) <= max && edges.len() <= 10 * AUTO_BINS {
        edges.push(start + width * edges.len() as f64);
    }
    edges
}

/// The smallest of 1, 2, 2.5, 5 × 10ⁿ at least `raw`.
fn nice_width(raw: f64) -> f64 {
    let exponent = raw.log10().floor() as i32;
    let base = 10f64.powi(exponent);
    [1.0, 2.0, 2.5, 5.0, 10.0].into_iter().map(|m| m * base).find(|w| *w >= raw).unwrap_or(10.0 * base)
}

/// `5–10`, `5,000–10,000`.
fn range_label(from: f64, to: f64) -> String {
    format!("{}–{}", edge(from), edge(to))
}

/// An edge as people read it: whole numbers with thousands separators, others as short
/// decimals.
pub fn edge(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        let digits = format!("{}", value.abs() as u64);
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        if value < 0.0 {
            out.insert(0, '-');
        }
        out
    } else {
        format!("{}", (value * 1e6).round() / 1e6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::table::Column;

    fn table(values: &[(&str, &[Option<f64>])]) -> WideTable {
        WideTable {
            row_labels: vec!["a".into(); values.first().map_or(0, |v| v.1.len())],
            row_times_ms: vec![0; values.first().map_or(0, |v| v.1.len())],
            partial_last: false,
            calendar: None,
            row_keys: Vec::new(),
            folded: 0,
            hidden: 0,
            instant: false,
            queries: 1,
            columns: values
                .iter()
                .map(|(name, v)| Column {
                    name: (*name).into(),
                    datasource_uid: String::new(),
                    datasource_name: String::new(),
                    query: 0,
                    labels: Default::default(),
                    values: v.to_vec().into(),
                })
                .collect(),
        }
    }

    #[test]
    fn series_are_counted_by_their_reduced_value() {
        let t = table(&[
            ("small", &[Some(1.0), Some(3.0)]),
            ("medium", &[Some(6.0), Some(8.0)]),
            ("big", &[Some(150.0), Some(250.0)]),
            ("also small", &[Some(4.0), None]),
            ("gone", &[None, None]),
            ("negative", &[Some(-2.0), Some(-2.0)]),
        ]);
        let h = histogram(&t, Reducer::Mean, Some(&[0.0, 5.0, 10.0, 100.0]));
        let bins: Vec<(&str, Vec<&str>)> = h
            .bins
            .iter()
            .map(|b| (b.label.as_str(), b.members.iter().map(|m| m.0.as_str()).collect()))
            .collect();
        assert_eq!(
            bins,
            [
                ("< 0", vec!["negative"]),
                ("0–5", vec!["also small", "small"]),
                ("5–10", vec!["medium"]),
                ("10–100", vec![]),
                ("≥ 100", vec!["big"]),
            ]
        );
        assert_eq!(h.without_value, 1);
        // An edge belongs to the bin it starts.
        let h = histogram(&table(&[("five", &[Some(5.0)])]), Reducer::Last, Some(&[0.0, 5.0, 10.0]));
        assert_eq!(h.bins[1].members[0].0, "five");
    }

    #[test]
    fn edges_are_chosen_round_for_the_spread() {
        // 3 to 7,000: more than 100×, so 1-2.5-5 steps from 0.
        assert_eq!(
            auto_edges(&[3.0, 40.0, 7000.0]),
            [0.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0, 10000.0]
        );
        // 12 to 95: even round widths from 0.
        let edges = auto_edges(&[12.0, 50.0, 95.0]);
        assert_eq!(edges.first(), Some(&0.0));
        assert!(edges.last().unwrap() > &95.0);
        assert!(edges.len() <= AUTO_BINS + 2, "{edges:?}");
        assert!(edges.windows(2).all(|w| (w[1] - w[0] - (edges[1] - edges[0])).abs() < 1e-9));
        assert_eq!(auto_edges(&[]), Vec::<f64>::new());
        let alike = auto_edges(&[4.0, 4.0]);
        assert!(alike[0] <= 4.0 && *alike.last().unwrap() > 4.0, "{alike:?}");
        assert_eq!(
            (edge(5000.0), edge(-1234567.0), edge(2.5)),
            ("5,000".into(), "-1,234,567".into(), "2.5".into())
        );
    }
}
