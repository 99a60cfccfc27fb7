//! Tables. Answers from many datasources become a *tidy* table — one [`Series`] per
//! datasource × label set, with its samples — and that pivots into a *wide* table: one
//! row per time bucket, one named column per series. A series is identified by
//! datasource × label set, so two clusters that each run a hub called `staging` stay
//! two columns; names come from a legend template (`{{namespace}}`) and get the
//! datasource as a prefix only where they would otherwise collide.

use std::collections::{BTreeMap, HashMap};

use super::cells::Cells;
use super::series::Series;
use crate::api::prom::Labels;
#[cfg(any(test, feature = "test-support"))]
use crate::api::prom::Sample;
use crate::time::periods::{Calendar, PeriodPlan};

/// How the columns of a wide table are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// Largest sum first (the notebook's order); ties by name.
    #[default]
    Total,
    /// By name.
    Name,
    /// Largest last value first.
    Last,
}

/// How tidy series become columns.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PivotOptions {
    /// Each query's legend template, such as `{{namespace}}` or
    /// `{{datasource}} / {{namespace}}`, by [`Series::query`]; `None` (or none given)
    /// names a series by its labels.
    pub legends: Vec<Option<String>>,
    /// The queries, by [`Series::query`]: with more than one, a series without labels
    /// is named by its query, and same-named series of two queries by their letter.
    pub queries: Vec<String>,
    /// Column order.
    pub order: Order,
    /// Keep this many columns and sum the rest into one "other" column (or leave them
    /// out: [`leave_out_rest`](Self::leave_out_rest)).
    pub top_n: Option<usize>,
    /// Leave the columns past `top_n` out (counted in [`WideTable::hidden`]) instead of
    /// summing them: for charts whose series do not add up (lines, grouped bars, series
    /// of different queries).
    pub leave_out_rest: bool,
    /// Fill gaps with zero (for stacking) instead of leaving them empty.
    pub fill_zero: bool,
}

/// A named column of a wide table.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Unique among the table's columns; plain text (escape before handing to Plotly).
    pub name: String,
    /// The series' datasource uid (empty for the "other" column).
    pub datasource_uid: String,
    /// The series' datasource name (empty for the "other" column).
    pub datasource_name: String,
    /// Which of the cell's queries it answers.
    pub query: usize,
    /// The series' labels (empty for the "other" column).
    pub labels: Labels,
    /// One value per row; `None` is a gap (no sample, NaN or ±Inf). Stored sparsely.
    pub values: Cells,
}

impl Column {
    /// Sum of every value.
    pub fn total(&self) -> f64 {
        self.values.present().map(|(_, v)| v).sum()
    }

    /// The last value that is not a gap.
    pub fn last(&self) -> Option<f64> {
        self.values.present().next_back().map(|(_, v)| v)
    }
}

/// One row per time bucket, one column per series.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WideTable {
    /// Row labels as people say them: `2026-11-22`, `2026-W47`, `Nov 2026`, `2026`, or an
    /// instant's wall-clock time.
    pub row_labels: Vec<String>,
    /// Each row's time (a period's start, or the evaluation time), ms since the epoch.
    pub row_times_ms: Vec<i64>,
    /// Whether the last row is a partial period (this month so far).
    pub partial_last: bool,
    /// The calendar period of each row, when rows are periods rather than instants.
    pub calendar: Option<Calendar>,
    /// Each period row's key as files write it (`2026-11-23`, `2026-W47`, `2026-11`,
    /// `2026`); empty for rows of instants.
    pub row_keys: Vec<String>,
    /// Columns, in the chosen order.
    pub columns: Vec<Column>,
    /// How many series the last column ("other") sums up; 0 when none were folded.
    pub folded: usize,
    /// How many series past the top N were left out (not summed); 0 when none were.
    pub hidden: usize,
    /// One row: every query of the cell is an instant query, evaluated at the range's end.
    pub instant: bool,
    /// How many queries the cell has (a table of instant queries has a value column each).
    pub queries: usize,
}

/// Pivots period-bucketed answers: `range` evaluated at the plan's period ends fills the
/// complete periods, `instant` (evaluated at the plan's end) fills the partial one.
/// Samples are placed by timestamp, never by position, so missing leading or inner
/// points stay gaps; a later sample for the same period replaces an earlier one.
///
/// Both take any iterator of borrowed series, so callers holding answers from many
/// datasources need not copy them into one list.
pub fn pivot_periods<'a>(
    plan: &PeriodPlan,
    range: impl IntoIterator<Item = &'a Series>,
    instant: impl IntoIterator<Item = &'a Series>,
    options: &PivotOptions,
) -> WideTable {
    let rows = plan.starts.len() + usize::from(plan.partial.is_some());
    let mut by_key: BTreeMap<(&str, usize, &Labels), usize> = BTreeMap::new();
    let mut columns: Vec<Column> = Vec::new();
    for series in range {
        let c = column_index(&mut by_key, &mut columns, series, rows);
        for p in &series.points {
            if let Some(period) = plan.period_index(p.t_ms) {
                columns[c].values.set(period, p.value.is_finite().then_some(p.value));
            }
        }
    }
    if plan.partial.is_some() {
        for series in instant {
            let c = column_index(&mut by_key, &mut columns, series, rows);
            if let Some(p) = series.points.last() {
                columns[c].values.set(rows - 1, p.value.is_finite().then_some(p.value));
            }
        }
    }
    let mut table = finish(plan.labels(), plan.starts_ms(), plan.partial.is_some(), columns, options);
    table.calendar = Some(plan.unit);
    table.row_keys = plan.keys();
    table
}

/// Pivots series onto the given row times exactly (a range query's evaluation times);
/// samples at other times are ignored.
pub fn pivot_times<'a>(
    row_times_ms: &[i64],
    row_labels: Vec<String>,
    series: impl IntoIterator<Item = &'a Series>,
    options: &PivotOptions,
) -> WideTable {
    let sorted_rows = row_times_ms.windows(2).all(|w| w[0] < w[1]);
    let index: HashMap<i64, usize> = if sorted_rows {
        HashMap::new()
    } else {
        row_times_ms.iter().enumerate().map(|(i, t)| (*t, i)).collect()
    };
    let mut columns: Vec<Column> = Vec::new();
    let mut by_key: BTreeMap<(&str, usize, &Labels), usize> = BTreeMap::new();
    for s in series {
        let c = column_index(&mut by_key, &mut columns, s, row_times_ms.len());
        let values = &mut columns[c].values;
        // Rows and samples are both in time order: walk them together, no hashing.
        let mut row = 0;
        for p in &s.points {
            let found = if sorted_rows {
                if row > 0 && row_times_ms.get(row - 1).is_some_and(|t| *t >= p.t_ms) {
                    row = row_times_ms.partition_point(|t| *t < p.t_ms); // out of order: search
                }
                while row < row_times_ms.len() && row_times_ms[row] < p.t_ms {
                    row += 1;
                }
                (row < row_times_ms.len() && row_times_ms[row] == p.t_ms).then_some(row)
            } else {
                index.get(&p.t_ms).copied()
            };
            if let Some(r) = found {
                values.set(r, p.value.is_finite().then_some(p.value));
            }
        }
    }
    finish(row_labels, row_times_ms.to_vec(), false, columns, options)
}

/// The column of a series (datasource × labels), created empty on first sight.
fn column_index<'a>(
    by_key: &mut BTreeMap<(&'a str, usize, &'a Labels), usize>,
    columns: &mut Vec<Column>,
    series: &'a Series,
    rows: usize,
) -> usize {
    *by_key.entry((series.datasource_uid.as_str(), series.query, &series.labels)).or_insert_with(|| {
        columns.push(Column {
            name: String::new(),
            datasource_uid: series.datasource_uid.clone(),
            datasource_name: series.datasource_name.clone(),
            query: series.query,
            labels: series.labels.clone(),
            values: Cells::new(rows),
        });
        columns.len() - 1
    })
}

/// Pivots series into fixed-length buckets: each sample's time is floored to a multiple
/// of `bucket_ms` since the epoch (e.g. one UTC day, as pandas' `floor("D")`); a later
/// sample in the same bucket replaces an earlier one. Rows are the buckets that have
/// data, labelled `YYYY-MM-DD` for whole days, else by their RFC 3339 start. The Python
/// notebook's way, for the parity test (feature `test-support`).
#[cfg(any(test, feature = "test-support"))]
pub fn pivot_floored(series: &[Series], bucket_ms: i64, options: &PivotOptions) -> WideTable {
    let bucket_ms = bucket_ms.max(1);
    let bucket = |t: i64| t.div_euclid(bucket_ms).saturating_mul(bucket_ms);
    let mut starts: Vec<i64> = series.iter().flat_map(|s| s.points.iter().map(|p| bucket(p.t_ms))).collect();
    starts.sort_unstable();
    starts.dedup();
    let labels = starts
        .iter()
        .map(|t| {
            if bucket_ms % 86_400_000 == 0 {
                crate::time::WallClock::at(*t, &jiff::tz::TimeZone::UTC)
                    .map(|clock| clock.date())
                    .unwrap_or_default()
            } else {
                crate::time::clock::rfc3339_utc(*t)
            }
        })
        .collect();
    let floored: Vec<Series> = series
        .iter()
        .map(|s| Series {
            points: s.points.iter().map(|p| Sample { t_ms: bucket(p.t_ms), value: p.value }).collect(),
            ..s.clone()
        })
        .collect();
    let mut table = pivot_times(&starts, labels, &floored, options);
    if bucket_ms % 86_400_000 == 0 {
        table.row_keys = table.row_labels.clone();
        table.calendar = Some(Calendar::Day);
    }
    table
}

fn finish(
    row_labels: Vec<String>,
    row_times_ms: Vec<i64>,
    partial_last: bool,
    mut columns: Vec<Column>,
    options: &PivotOptions,
) -> WideTable {
    columns.retain(|c| c.values.count() > 0);
    name_columns(&mut columns, options);
    sort_columns(&mut columns, options.order);
    let (mut folded, mut hidden) = (0, 0);
    if let Some(n) = options.top_n {
        if options.leave_out_rest && columns.len() > n {
            hidden = columns.split_off(n).len();
        } else if columns.len() > n + 1 {
            let rest = columns.split_off(n);
            folded = rest.len();
            let mut other = Column {
                name: format!("other ({} series)", rest.len()),
                datasource_uid: String::new(),
                datasource_name: String::new(),
                query: 0,
                labels: Labels::new(),
                values: Cells::new(row_labels.len()),
            };
            // Summed densely: one column, however many series it adds up.
            let mut sums: Vec<Option<f64>> = vec![None; row_labels.len()];
            for column in &rest {
                for (row, v) in column.values.present() {
                    if let Some(sum) = sums.get_mut(row) {
                        *sum = Some(sum.unwrap_or(0.0) + v);
                    }
                }
            }
            other.values = Cells::from(sums);
            columns.push(other);
        }
    }
    if options.fill_zero {
        for column in &mut columns {
            column.values.fill_gaps(0.0);
        }
    }
    WideTable {
        row_labels,
        row_times_ms,
        partial_last,
        calendar: None,
        row_keys: Vec::new(),
        columns,
        folded,
        hidden,
        instant: false,
        queries: options.queries.len().max(1),
    }
}

fn sort_columns(columns: &mut Vec<Column>, order: Order) {
    match order {
        Order::Total => {
            let mut keyed: Vec<(f64, Column)> = columns.drain(..).map(|c| (c.total(), c)).collect();
            keyed.sort_by(|(ta, a), (tb, b)| tb.total_cmp(ta).then_with(|| a.name.cmp(&b.name)));
            columns.extend(keyed.into_iter().map(|(_, c)| c));
        }
        Order::Name => columns.sort_by(|a, b| a.name.cmp(&b.name)),
        Order::Last => {
            let mut keyed: Vec<(f64, Column)> =
                columns.drain(..).map(|c| (c.last().unwrap_or(f64::NEG_INFINITY), c)).collect();
            keyed.sort_by(|(la, a), (lb, b)| lb.total_cmp(la).then_with(|| a.name.cmp(&b.name)));
            columns.extend(keyed.into_iter().map(|(_, c)| c));
        }
    }
}

/// The name of a label set: the only label's value, or `{a="x", b="y"}`.
pub fn label_set_name(labels: &Labels) -> String {
    match labels.len() {
        0 => "{}".to_owned(),
        1 => labels.values().next().cloned().unwrap_or_default(),
        _ => {
            let pairs: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
            format!("{{{}}}", pairs.join(", "))
        }
    }
}

/// Fills a legend template like Grafana's: `{{label}}` becomes the label's value (empty
/// when absent), `{{datasource}}` the datasource's name (unless a label has that name).
pub fn render_legend(template: &str, labels: &Labels, datasource_name: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            out.push_str(&rest[open..]);
            return out;
        };
        let key = after[..close].trim();
        match labels.get(key) {
            Some(value) => out.push_str(value),
            None if key == "datasource" => out.push_str(datasource_name),
            None => {}
        }
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    out
}

/// Names every column uniquely: the template (or the label set); where two collide,
/// `datasource / name`; where that still collides, the full label set is appended.
fn name_columns(columns: &mut [Column], options: &PivotOptions) {
    let several = options.queries.len() > 1;
    let base: Vec<String> = columns
        .iter()
        .map(|c| match options.legends.get(c.query).and_then(Option::as_deref) {
            Some(t) => render_legend(t, &c.labels, &c.datasource_name),
            // An aggregate without labels (e.g. `sum(...)`) is named by its query when the
            // cell has several, else by its datasource.
            None if c.labels.is_empty() && several => {
                options.queries.get(c.query).map_or_else(String::new, |q| q.trim().to_owned())
            }
            None if c.labels.is_empty() && !c.datasource_name.is_empty() => c.datasource_name.clone(),
            None => label_set_name(&c.labels),
        })
        .collect();
    // The same name from two of the cell's queries: the query's letter tells them apart.
    let mut queries_of: HashMap<&str, std::collections::BTreeSet<usize>> = HashMap::new();
    for (c, name) in columns.iter().zip(&base) {
        queries_of.entry(name).or_default().insert(c.query);
    }
    let base: Vec<String> = columns
        .iter()
        .zip(&base)
        .map(|(c, name)| match queries_of[name.as_str()].len() > 1 {
            true => format!("{name} ({})", crate::report::format::query_letter(c.query)),
            false => name.clone(),
        })
        .collect();
    let mut count: HashMap<&str, usize> = HashMap::new();
    for name in &base {
        *count.entry(name).or_default() += 1;
    }
    let prefixed: Vec<String> =
        columns
            .iter()
            .zip(&base)
            .map(|(c, name)| {
                if count[name.as_str()] > 1 {
                    format!("{} / {name}", c.datasource_name)
                } else {
                    name.clone()
                }
            })
            .collect();
    let mut count: HashMap<&str, usize> = HashMap::new();
    for name in &prefixed {
        *count.entry(name).or_default() += 1;
    }
    let full: Vec<String> = columns
        .iter()
        .zip(&prefixed)
        .map(|(c, name)| {
            if count[name.as_str()] > 1 {
                let mut all = c.labels.clone();
                all.retain(|_, v| !v.is_empty());
                format!("{name} {}", if all.len() == 1 { format!("{all:?}") } else { label_set_name(&all) })
            } else {
                name.clone()
            }
        })
        .collect();
    for (column, name) in columns.iter_mut().zip(full) {
        column.name = name;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::prom::{decode, QueryData, RangeSeries};
    use crate::data::series::{answer_notes, from_matrix, from_vector};
    use jiff::Timestamp;

    const DAY: i64 = 86_400_000;

    fn plan() -> PeriodPlan {
        // now = 2026-11-23T10:00Z; days 2026-10-23 ..= 2026-11-22, today partial.
        PeriodPlan::last_month("2026-11-23T10:00:00Z".parse::<Timestamp>().unwrap().as_millisecond())
    }

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn series(ds: &str, labels: Labels, points: &[(i64, f64)]) -> Series {
        Series {
            datasource_uid: ds.to_owned(),
            datasource_name: format!("cluster-{ds}"),
            query: 0,
            labels,
            points: points.iter().map(|&(t_ms, value)| Sample { t_ms, value }).collect(),
        }
    }

    fn end_of(plan: &PeriodPlan, day: usize) -> i64 {
        plan.starts[day].to_zoned(plan.zone.clone()).unwrap().timestamp().as_millisecond() + DAY
    }

    #[test]
    fn places_samples_by_timestamp_not_position() {
        let plan = plan();
        // A hub born mid-month: its first sample ends day 20; day 25 is missing.
        let points: Vec<(i64, f64)> =
            (20..31).filter(|d| *d != 25).map(|d| (end_of(&plan, d), d as f64)).collect();
        let table = pivot_periods(
            &plan,
            &[series("a", labels(&[("namespace", "new")]), &points)],
            &[],
            &PivotOptions::default(),
        );
        let values = &table.columns[0].values;
        assert!(values.iter().take(20).all(Option::is_none));
        assert_eq!(values[20], Some(20.0));
        assert_eq!(values[25], None, "a missing point is a gap, not a zero");
        assert_eq!(values[30], Some(30.0));
        assert_eq!(values[31], None, "no instant answer for today");
        assert!(table.partial_last);
        assert_eq!(table.row_labels.len(), 32);
    }

    #[test]
    fn non_finite_values_are_gaps_with_a_note() {
        let plan = plan();
        let points =
            [(end_of(&plan, 0), f64::NAN), (end_of(&plan, 1), f64::INFINITY), (end_of(&plan, 2), 1.0)];
        let s = series("a", labels(&[("a", "x")]), &points);
        let table = pivot_periods(&plan, &[s], &[], &PivotOptions::default());
        assert_eq!(
            table.columns[0].values.iter().take(3).copied().collect::<Vec<_>>(),
            [None, None, Some(1.0)]
        );
        let matrix = vec![RangeSeries {
            metric: labels(&[]),
            values: points.iter().map(|&(t_ms, value)| Sample { t_ms, value }).collect(),
            has_histograms: true,
        }];
        let notes = answer_notes("c", &matrix, &[]);
        assert_eq!(notes.len(), 2);
        assert!(notes[0].contains("2 value(s) were NaN or ±Inf"));
        assert!(notes[1].contains("native histograms"));
    }

    #[test]
    fn same_named_hubs_on_two_clusters_stay_apart_and_get_prefixed() {
        let plan = plan();
        let t = end_of(&plan, 0);
        let all = [
            series("a", labels(&[("namespace", "staging")]), &[(t, 1.0)]),
            series("a", labels(&[("namespace", "prod")]), &[(t, 100.0)]),
            series("b", labels(&[("namespace", "staging")]), &[(t, 2.0)]),
        ];
        let table = pivot_periods(&plan, &all, &[], &PivotOptions::default());
        let names: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["prod", "cluster-b / staging", "cluster-a / staging"]);
    }

    #[test]
    fn instant_answers_fill_the_partial_day() {
        let plan = plan();
        let today = [series("a", labels(&[("namespace", "x")]), &[(plan.now_ms, 7.0)])];
        let table = pivot_periods(&plan, &[], &today, &PivotOptions::default());
        assert_eq!(table.columns[0].values.iter().next_back(), Some(&Some(7.0)));
        assert_eq!(table.columns[0].total(), 7.0);
    }

    #[test]
    fn legend_templates_like_grafana() {
        let l = labels(&[("namespace", "hub-a"), ("pod", "p1")]);
        assert_eq!(render_legend("{{namespace}}", &l, "c1"), "hub-a");
        assert_eq!(render_legend("{{datasource}} / {{ namespace }}", &l, "c1"), "c1 / hub-a");
        assert_eq!(render_legend("{{missing}}x", &l, "c1"), "x");
        assert_eq!(render_legend("open {{ never closed", &l, "c1"), "open {{ never closed");
        assert_eq!(render_legend("{{datasource}}", &labels(&[("datasource", "label")]), "c1"), "label");
    }

    #[test]
    fn names_stay_unique_even_when_the_template_hides_the_difference() {
        let t = 1_000;
        let all = [
            series("a", labels(&[("namespace", "x"), ("pod", "1")]), &[(t, 1.0)]),
            series("a", labels(&[("namespace", "x"), ("pod", "2")]), &[(t, 2.0)]),
            series("b", labels(&[("namespace", "y")]), &[(t, 3.0)]),
        ];
        let options = PivotOptions { legends: vec![Some("{{namespace}}".into())], ..PivotOptions::default() };
        let table = pivot_times(&[t], vec!["t".into()], &all, &options);
        let names: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            ["y", r#"cluster-a / x {namespace="x", pod="2"}"#, r#"cluster-a / x {namespace="x", pod="1"}"#]
        );
    }

    #[test]
    fn orders_top_n_and_fill() {
        let times = [1_000, 2_000];
        let all = [
            series("a", labels(&[("n", "small")]), &[(1_000, 1.0), (2_000, 9.0)]),
            series("a", labels(&[("n", "big")]), &[(1_000, 10.0), (2_000, 1.0)]),
            series("a", labels(&[("n", "mid")]), &[(1_000, 5.0)]),
            series("a", labels(&[("n", "tiny")]), &[(2_000, 0.5)]),
        ];
        let names = |o: &PivotOptions| -> Vec<String> {
            pivot_times(&times, vec!["1".into(), "2".into()], &all, o)
                .columns
                .iter()
                .map(|c| c.name.clone())
                .collect()
        };
        assert_eq!(names(&PivotOptions::default()), ["big", "small", "mid", "tiny"]);
        assert_eq!(
            names(&PivotOptions { order: Order::Name, ..Default::default() }),
            ["big", "mid", "small", "tiny"]
        );
        assert_eq!(
            names(&PivotOptions { order: Order::Last, ..Default::default() }),
            ["small", "mid", "big", "tiny"]
        );
        let top = pivot_times(
            &times,
            vec!["1".into(), "2".into()],
            &all,
            &PivotOptions { top_n: Some(2), ..Default::default() },
        );
        assert_eq!(top.columns[2].name, "other (2 series)");
        assert_eq!(top.folded, 2);
        assert_eq!(top.columns[2].values, [Some(5.0), Some(0.5)]);
        // Series that do not add up are left out, and counted.
        let left_out = pivot_times(
            &times,
            vec!["1".into(), "2".into()],
            &all,
            &PivotOptions { top_n: Some(2), leave_out_rest: true, ..Default::default() },
        );
        assert_eq!((left_out.columns.len(), left_out.folded, left_out.hidden), (2, 0, 2));
        let filled = pivot_times(
            &times,
            vec!["1".into(), "2".into()],
            &all,
            &PivotOptions { fill_zero: true, ..Default::default() },
        );
        assert_eq!(filled.columns[2].values, [Some(5.0), Some(0.0)]);
        let gaps = pivot_times(&times, vec!["1".into(), "2".into()], &all, &PivotOptions::default());
        assert_eq!(gaps.columns[2].values, [Some(5.0), None]);
    }

    #[test]
    fn names_label_sets() {
        assert_eq!(label_set_name(&labels(&[])), "{}");
        assert_eq!(label_set_name(&labels(&[("namespace", "a")])), "a");
        assert_eq!(label_set_name(&labels(&[("b", "2"), ("a", "1\"")])), r#"{a="1\"", b="2"}"#);
    }

    #[test]
    fn real_answers_from_three_clusters() {
        let fixture = |name: &str| -> QueryData {
            let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
            decode(&std::fs::read_to_string(path).unwrap()).unwrap().data
        };
        let mut range = Vec::new();
        let mut instant = Vec::new();
        let mut last = 0;
        for cluster in ["north", "south", "west"] {
            let QueryData::Matrix(r) = fixture(&format!("hub_activity_range_{cluster}.json")) else {
                panic!()
            };
            let QueryData::Vector(i) = fixture(&format!("hub_activity_instant_{cluster}.json")) else {
                panic!()
            };
            last = r[0].values.last().unwrap().t_ms;
            range.extend(from_matrix(cluster, &format!("cluster-{cluster}"), r));
            instant.extend(from_vector(cluster, &format!("cluster-{cluster}"), i));
        }
        // The fixtures' range ends at a midnight and the instant query was an hour or so later.
        let now = Timestamp::from_millisecond(last + 3_600_000).unwrap();
        let first = Timestamp::from_millisecond(range[0].points[0].t_ms - DAY).unwrap();
        let plan = PeriodPlan::for_range(
            Calendar::Day,
            &crate::time::TimeRange { from: first, to: now },
            &jiff::tz::TimeZone::UTC,
        );
        let table = pivot_periods(&plan, &range, &instant, &PivotOptions::default());
        assert_eq!(table.columns.len(), 10);
        let names: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
        assert!(names.contains(&"cluster-north / staging") && names.contains(&"cluster-south / staging"));
        let totals: Vec<f64> = table.columns.iter().map(Column::total).collect();
        assert!(totals.windows(2).all(|w| w[0] >= w[1]), "largest total first: {totals:?}");
    }

    #[test]
    fn series_of_two_queries_stay_apart_and_take_their_query_legend() {
        let times = [0];
        let mut a = series("north", labels(&[("mode", "user")]), &[(0, 1.0)]);
        let mut b = a.clone();
        b.query = 1;
        b.points[0].value = 2.0;
        let mut total = series("north", Labels::new(), &[(0, 3.0)]);
        total.query = 2;
        a.query = 0;
        let options = PivotOptions {
            legends: vec![Some("{{mode}}".into()), Some("{{mode}}".into()), None],
            queries: vec!["a".into(), "b".into(), " sum(x) ".into()],
            ..PivotOptions::default()
        };
        let table = pivot_times(&times, vec!["t".into()], &[a, b, total], &options);
        let mut names: Vec<(&str, Option<f64>)> =
            table.columns.iter().map(|c| (c.name.as_str(), c.values[0])).collect();
        names.sort_by(|x, y| x.0.cmp(y.0));
        assert_eq!(names, [("sum(x)", Some(3.0)), ("user (A)", Some(1.0)), ("user (B)", Some(2.0))]);
    }

    #[test]
    fn label_less_series_are_named_by_datasource() {
        let series = |ds: &str| Series {
            datasource_uid: ds.into(),
            datasource_name: ds.into(),
            query: 0,
            labels: Labels::new(),
            points: vec![Sample { t_ms: 0, value: 1.0 }],
        };
        let table = pivot_times(
            &[0],
            vec!["t".into()],
            &[series("north"), series("south")],
            &PivotOptions::default(),
        );
        let names: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["north", "south"]);
    }
}
