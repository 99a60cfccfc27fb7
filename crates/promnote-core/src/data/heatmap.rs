//! `chart=heatmap`: Prometheus histogram buckets over time, as Grafana draws a query of
//! `format: heatmap`. A cell's series with an `le` label are cumulative bucket counts
//! (or rates); at each time they are de-accumulated into what fell in each bucket — the
//! bucket `(0.1, 0.25]` holds `le="0.25"` minus `le="0.1"` — and drawn as one row of
//! cells per bucket, its bounds on the axis.
//!
//! Each histogram (series that differ only in `le`: a pod's, a datasource's) is
//! de-accumulated on its own, and then what fell in each bucket is added across them, as
//! `sum by (le)` would before; the figure's summary says how many were added. Where
//! Grafana differs: a dip below zero (buckets read a moment apart) counts nothing rather
//! than a negative number, and a bucket whose lower neighbour has no sample is a gap
//! rather than counted from zero. Series without a numeric `le` are not buckets: they are
//! left out, and counted.
use std::collections::{BTreeMap, BTreeSet};

use super::cells::Cells;
use super::histogram::edge;
use super::table::{Column, WideTable};
use crate::api::prom::Labels;

/// A cell's histogram buckets, de-accumulated: a [`WideTable`] whose columns are the
/// buckets, lowest first, with the cell's rows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Heatmap {
    /// One column per bucket, named by its bounds (`0.1–0.25`, `≤ 0.005`, `> 10`); each
    /// value is what fell in that bucket at that row's time (never below zero).
    pub table: WideTable,
    /// Each bucket's upper bound (`le`), ascending; the last may be `+Inf`.
    pub bounds: Vec<f64>,
    /// How many histograms (series sets that differ in more than `le`) were added.
    pub histograms: usize,
    /// How many series had no numeric `le` label, and were left out.
    pub left_out: usize,
}

impl Heatmap {
    /// Whether there is a bucket to draw.
    pub fn is_empty(&self) -> bool {
        self.bounds.is_empty()
    }
}

/// One histogram's identity: its query, datasource and labels other than `le`.
type HistogramKey<'a> = (usize, &'a str, Vec<(&'a str, &'a str)>);

/// One histogram's cumulative series: each bound with its values, one per row.
type Cumulative<'a> = Vec<(f64, &'a Cells)>;

/// The heatmap of `table`'s bucket series (see the module's documentation).
pub fn heatmap(table: &WideTable) -> Heatmap {
    let rows = table.row_labels.len();
    // Each histogram's cumulative series, by bound.
    let mut histograms: BTreeMap<HistogramKey<'_>, Cumulative<'_>> = BTreeMap::new();
    let mut left_out = 0;
    for column in &table.columns {
        let Some(bound) = column.labels.get("le").and_then(|le| parse_bound(le)) else {
            left_out += 1;
            continue;
        };
        let rest: Vec<(&str, &str)> =
            column.labels.iter().filter(|(k, _)| *k != "le").map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let key = (column.query, column.datasource_uid.as_str(), rest);
        histograms.entry(key).or_default().push((bound, &column.values));
    }
    // Each histogram de-accumulated on its own (a gap in one never moves another's
    // counts), then what fell in each bucket added across histograms, by upper bound.
    let mut buckets: Vec<(f64, Vec<Option<f64>>)> = Vec::new();
    for series in histograms.values_mut() {
        series.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (i, (bound, cumulative)) in series.iter().enumerate() {
            let below = i.checked_sub(1).map(|j| series[j].1);
            let at = match buckets.iter().position(|(b, _)| b == bound) {
                Some(at) => at,
                None => {
                    buckets.push((*bound, vec![None; rows]));
                    buckets.len() - 1
                }
            };
            for (row, sum) in buckets[at].1.iter_mut().enumerate() {
                let Some(here) = cumulative.get(row) else { continue };
                let under = match below {
                    Some(below) => match below.get(row) {
                        Some(under) => under,
                        // The bucket below has no sample: what fell here cannot be told.
                        None => continue,
                    },
                    None => 0.0,
                };
                // Buckets scraped a moment apart, or rates extrapolated apart, can make a
                // higher bound read a hair less than a lower one: nothing fell there.
                *sum = Some(sum.unwrap_or(0.0) + (here - under).max(0.0));
            }
        }
    }
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    let bounds: Vec<f64> = buckets.iter().map(|(b, _)| *b).collect();
    let names = bucket_labels(&bounds);
    let columns = buckets
        .into_iter()
        .zip(names)
        .map(|((bound, values), name)| {
            let mut labels = Labels::new();
            labels.insert("le".to_owned(), bound_text(bound));
            Column {
                name,
                datasource_uid: String::new(),
                datasource_name: String::new(),
                query: 0,
                labels,
                values: values.into(),
            }
        })
        .collect();
    Heatmap {
        table: WideTable {
            row_labels: table.row_labels.clone(),
            row_times_ms: table.row_times_ms.clone(),
            partial_last: table.partial_last,
            calendar: table.calendar,
            row_keys: table.row_keys.clone(),
            columns,
            folded: 0,
            hidden: 0,
            instant: table.instant,
            queries: 1,
        },
        bounds,
        histograms: histograms.len(),
        left_out,
    }
}

/// An `le` label's value as a number: `0.25`, `1e+06`, `+Inf` (never `-Inf` or NaN,
/// which bound no bucket).
fn parse_bound(text: &str) -> Option<f64> {
    let text = text.trim();
    let value = match text {
        "+Inf" | "Inf" | "inf" | "+inf" => f64::INFINITY,
        _ => text.parse::<f64>().ok()?,
    };
    (!value.is_nan() && value != f64::NEG_INFINITY).then_some(value)
}

/// A bound as Prometheus writes it in `le`.
fn bound_text(bound: f64) -> String {
    if bound == f64::INFINITY {
        "+Inf".to_owned()
    } else {
        format!("{bound}")
    }
}

/// A bucket as the axis names it: `≤ 0.005` (the first), `0.1–0.25`, `> 10` (`+Inf`).
pub fn bucket_label(lower: Option<f64>, upper: f64) -> String {
    bucket_label_with(lower, upper, bound_shown)
}

fn bucket_label_with(lower: Option<f64>, upper: f64, shown: fn(f64) -> String) -> String {
    match (lower, upper.is_infinite()) {
        (None, true) => "any value".to_owned(),
        (None, false) => format!("≤ {}", shown(upper)),
        (Some(lower), true) => format!("> {}", shown(lower)),
        (Some(lower), false) => format!("{}–{}", shown(lower), shown(upper)),
    }
}

/// Every bucket's name, one per bound (ascending): rounded for reading, and written in
/// full where rounding would give two bounds one name (the axis would merge buckets).
fn bucket_labels(bounds: &[f64]) -> Vec<String> {
    let rounded: BTreeSet<String> = bounds.iter().map(|b| bound_shown(*b)).collect();
    let shown: fn(f64) -> String = if rounded.len() == bounds.len() { bound_shown } else { bound_text };
    (0..bounds.len())
        .map(|i| bucket_label_with(i.checked_sub(1).map(|j| bounds[j]), bounds[i], shown))
        .collect()
}

/// A bound as people read it: thousands separated, short decimals; very small or very
/// large bounds in exponent form (`6.4e-8`), which six decimals would write as 0.
fn bound_shown(bound: f64) -> String {
    let magnitude = bound.abs();
    if magnitude != 0.0 && !(1e-3..1e15).contains(&magnitude) {
        format!("{bound:e}")
    } else {
        edge(bound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket(le: &str, extra: &[(&str, &str)], values: &[Option<f64>]) -> Column {
        let mut labels = Labels::new();
        labels.insert("le".into(), le.into());
        for (k, v) in extra {
            labels.insert((*k).into(), (*v).into());
        }
        Column {
            name: le.into(),
            datasource_uid: "ds".into(),
            datasource_name: "ds".into(),
            query: 0,
            labels,
            values: values.to_vec().into(),
        }
    }

    fn table(columns: Vec<Column>) -> WideTable {
        let rows = columns.first().map_or(0, |c| c.values.len());
        WideTable {
            row_labels: (0..rows).map(|i| format!("t{i}")).collect(),
            row_times_ms: (0..rows as i64).map(|i| i * 60_000).collect(),
            columns,
            ..WideTable::default()
        }
    }

    #[test]
    fn cumulative_buckets_become_counts_per_bucket_in_bound_order() {
        // Given out of order, as a legend order might put them.
        let t = table(vec![
            bucket("+Inf", &[], &[Some(10.0), Some(20.0)]),
            bucket("0.1", &[], &[Some(2.0), Some(5.0)]),
            bucket("1", &[], &[Some(9.0), Some(15.0)]),
        ]);
        let h = heatmap(&t);
        assert_eq!(h.bounds, vec![0.1, 1.0, f64::INFINITY]);
        let names: Vec<&str> = h.table.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["≤ 0.1", "0.1–1", "> 1"]);
        let values: Vec<Vec<Option<f64>>> = h.table.columns.iter().map(|c| c.values.to_vec()).collect();
        assert_eq!(
            values,
            vec![vec![Some(2.0), Some(5.0)], vec![Some(7.0), Some(10.0)], vec![Some(1.0), Some(5.0)]]
        );
        assert_eq!(h.table.row_labels, t.row_labels);
        assert_eq!((h.histograms, h.left_out), (1, 0));
        assert_eq!(h.table.columns[2].labels.get("le").map(String::as_str), Some("+Inf"));
    }

    #[test]
    fn histograms_differing_in_other_labels_are_added_per_bound() {
        let t = table(vec![
            bucket("1", &[("pod", "a")], &[Some(1.0)]),
            bucket("+Inf", &[("pod", "a")], &[Some(3.0)]),
            bucket("1.0", &[("pod", "b")], &[Some(4.0)]),
            bucket("+Inf", &[("pod", "b")], &[Some(4.0)]),
            Column { labels: Labels::new(), ..bucket("x", &[], &[Some(9.0)]) },
            bucket("NaN", &[], &[Some(9.0)]),
        ]);
        let h = heatmap(&t);
        assert_eq!(h.bounds, vec![1.0, f64::INFINITY]);
        assert_eq!(h.table.columns[0].values, vec![Some(5.0)]);
        assert_eq!(h.table.columns[1].values, vec![Some(2.0)]);
        assert_eq!((h.histograms, h.left_out), (2, 2));
    }

    #[test]
    fn a_missing_sample_is_a_gap_and_a_dip_is_no_count() {
        let t = table(vec![
            bucket("0.5", &[], &[Some(3.0), None, Some(4.0)]),
            bucket("1", &[], &[Some(2.999_999), Some(6.0), Some(5.0)]),
        ]);
        let h = heatmap(&t);
        assert_eq!(h.table.columns[0].values, vec![Some(3.0), None, Some(4.0)]);
        // Below zero is nothing; the bucket above a gap cannot be told.
        assert_eq!(h.table.columns[1].values, vec![Some(0.0), None, Some(1.0)]);
    }

    #[test]
    fn a_gap_in_one_histogram_never_moves_another_s_counts() {
        let t = table(vec![
            bucket("1", &[("pod", "a")], &[None]),
            bucket("+Inf", &[("pod", "a")], &[Some(5.0)]),
            bucket("1", &[("pod", "b")], &[Some(2.0)]),
            bucket("+Inf", &[("pod", "b")], &[Some(3.0)]),
            bucket("-Inf", &[("pod", "c")], &[Some(1.0)]),
        ]);
        let h = heatmap(&t);
        assert_eq!(h.bounds, vec![1.0, f64::INFINITY]);
        // Pod a's +Inf bucket cannot be told (its le="1" is missing); pod b's is 1.
        assert_eq!(h.table.columns[0].values, vec![Some(2.0)]);
        assert_eq!(h.table.columns[1].values, vec![Some(1.0)]);
        assert_eq!((h.histograms, h.left_out), (2, 1));
    }

    #[test]
    fn bucket_names_are_readable_and_never_two_alike() {
        let names = |bounds: &[&str]| -> Vec<String> {
            let columns = bounds.iter().map(|le| bucket(le, &[], &[Some(1.0)])).collect();
            heatmap(&table(columns)).table.columns.iter().map(|c| c.name.clone()).collect()
        };
        // Go's scheduler latencies start below a microsecond.
        assert_eq!(names(&["6.4e-08", "1.28e-07", "+Inf"]), ["≤ 6.4e-8", "6.4e-8–1.28e-7", "> 1.28e-7"]);
        assert_eq!(names(&["0.005", "2500", "1e+20"]), ["≤ 0.005", "0.005–2,500", "2,500–1e20"]);
        // Six decimals would name both "1": written in full instead.
        assert_eq!(names(&["1.0000001", "1.0000002"]), ["≤ 1.0000001", "1.0000001–1.0000002"]);
    }

    #[test]
    fn without_buckets_there_is_nothing_to_draw() {
        let t = table(vec![Column { labels: Labels::new(), ..bucket("x", &[], &[Some(1.0)]) }]);
        let h = heatmap(&t);
        assert!(h.is_empty());
        assert_eq!(h.left_out, 1);
        assert_eq!(bucket_label(None, f64::INFINITY), "any value");
        assert_eq!(bucket_label(Some(1000.0), 2500.0), "1,000–2,500");
    }
}
