//! The daily table: Prometheus answers from many datasources merged into one row of
//! day buckets per series. A series is identified by datasource × label set, so two
//! clusters that each run a hub called `staging` stay two series; names get the
//! datasource as a prefix only where they would otherwise collide.

use std::collections::BTreeMap;

use crate::days::DayPlan;
use crate::prom::{InstantSeries, Labels, RangeSeries};

/// One series' daily values.
#[derive(Debug, Clone, PartialEq)]
pub struct DailySeries {
    /// The datasource it came from.
    pub datasource_uid: String,
    /// That datasource's display name.
    pub datasource_name: String,
    /// The series' labels.
    pub labels: Labels,
    /// One value per complete day of the plan; `None` is a gap (no sample, NaN or ±Inf).
    pub values: Vec<Option<f64>>,
    /// Today's value so far.
    pub today: Option<f64>,
}

impl DailySeries {
    /// Sum of every value shown, today's included (the notebook's ordering key).
    pub fn total(&self) -> f64 {
        self.values
            .iter()
            .chain(std::iter::once(&self.today))
            .flatten()
            .sum()
    }
}

/// What one datasource contributed, before merging.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Bucketed {
    /// Its series.
    pub series: Vec<DailySeries>,
    /// Things the user should know (left-out values, unsupported series).
    pub notes: Vec<String>,
}

/// Puts one datasource's answers into the plan's day buckets.
///
/// `range` holds the midnight evaluations, `instant` the evaluation at "now". Samples
/// are placed by timestamp, never by position, so missing leading or inner points
/// stay gaps; a later sample for the same day replaces an earlier one.
pub fn bucket_datasource(
    plan: &DayPlan,
    datasource_uid: &str,
    datasource_name: &str,
    range: &[RangeSeries],
    instant: &[InstantSeries],
) -> Bucketed {
    let mut by_labels: BTreeMap<&Labels, DailySeries> = BTreeMap::new();
    let mut non_finite = 0usize;
    let mut histograms = 0usize;
    let new_series = |labels: &Labels| DailySeries {
        datasource_uid: datasource_uid.to_owned(),
        datasource_name: datasource_name.to_owned(),
        labels: labels.clone(),
        values: vec![None; plan.days.len()],
        today: None,
    };
    for series in range {
        if series.has_histograms {
            histograms += 1;
        }
        let row = by_labels
            .entry(&series.metric)
            .or_insert_with(|| new_series(&series.metric));
        for sample in &series.values {
            let Some(day) = plan.day_index(sample.t_ms) else {
                continue;
            };
            if sample.value.is_finite() {
                row.values[day] = Some(sample.value);
            } else {
                non_finite += 1;
                row.values[day] = None;
            }
        }
    }
    for series in instant {
        if series.has_histograms {
            histograms += 1;
        }
        let Some(sample) = series.value else { continue };
        let row = by_labels
            .entry(&series.metric)
            .or_insert_with(|| new_series(&series.metric));
        if sample.value.is_finite() {
            row.today = Some(sample.value);
        } else {
            non_finite += 1;
        }
    }
    let mut notes = Vec::new();
    if non_finite > 0 {
        notes.push(format!(
            "{datasource_name}: {non_finite} value(s) were NaN or ±Inf and are shown as gaps."
        ));
    }
    if histograms > 0 {
        notes.push(format!(
            "{datasource_name}: {histograms} series hold native histograms, which promnote cannot chart yet; \
             wrap the query in histogram_quantile() or histogram_count()."
        ));
    }
    let series = by_labels
        .into_values()
        .filter(|s| s.values.iter().any(Option::is_some) || s.today.is_some())
        .collect();
    Bucketed { series, notes }
}

/// A series ready to draw: its unique display name and its values.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedSeries {
    /// Unique among the table's series; plain text (escape before handing to Plotly).
    pub name: String,
    /// The data.
    pub series: DailySeries,
}

/// All datasources merged, named and ordered (largest total first).
#[derive(Debug, Clone, PartialEq)]
pub struct DailyTable {
    /// The plan the values follow.
    pub plan: DayPlan,
    /// Series, largest total first; ties by name.
    pub series: Vec<NamedSeries>,
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

/// Merges datasources' series into one table with unique names.
pub fn merge(plan: &DayPlan, series: Vec<DailySeries>) -> DailyTable {
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    for s in &series {
        *count.entry(label_set_name(&s.labels)).or_default() += 1;
    }
    let mut named: Vec<NamedSeries> = series
        .into_iter()
        .map(|s| {
            let base = label_set_name(&s.labels);
            let name = if count.get(&base).copied().unwrap_or(0) > 1 {
                format!("{} / {base}", s.datasource_name)
            } else {
                base
            };
            NamedSeries { name, series: s }
        })
        .collect();
    named.sort_by(|a, b| {
        b.series
            .total()
            .total_cmp(&a.series.total())
            .then_with(|| a.name.cmp(&b.name))
    });
    DailyTable {
        plan: plan.clone(),
        series: named,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::days::{midnight_ms, DAY_MS};
    use crate::prom::{decode, QueryData, Sample};

    fn plan() -> DayPlan {
        // now = 2026-11-23T10:00Z; days 2026-10-23 ..= 2026-11-22.
        DayPlan::last_month(midnight_ms("2026-11-23".parse().unwrap()) + 10 * 3_600_000)
    }

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn range(labels: Labels, points: &[(i64, f64)]) -> RangeSeries {
        RangeSeries {
            metric: labels,
            values: points
                .iter()
                .map(|&(t_ms, value)| Sample { t_ms, value })
                .collect(),
            has_histograms: false,
        }
    }

    fn end_of(plan: &DayPlan, day: usize) -> i64 {
        midnight_ms(plan.days[day]) + DAY_MS
    }

    #[test]
    fn places_samples_by_timestamp_not_position() {
        let plan = plan();
        // A hub born mid-month: its first sample ends day 20; day 25 is missing.
        let points: Vec<(i64, f64)> = (20..31)
            .filter(|d| *d != 25)
            .map(|d| (end_of(&plan, d), d as f64))
            .collect();
        let out = bucket_datasource(
            &plan,
            "u",
            "c",
            &[range(labels(&[("namespace", "new")]), &points)],
            &[],
        );
        let values = &out.series[0].values;
        assert!(values[..20].iter().all(Option::is_none));
        assert_eq!(values[20], Some(20.0));
        assert_eq!(values[25], None, "a missing point is a gap, not a zero");
        assert_eq!(values[30], Some(30.0));
    }

    #[test]
    fn non_finite_values_are_gaps_with_a_note() {
        let plan = plan();
        let points = [
            (end_of(&plan, 0), f64::NAN),
            (end_of(&plan, 1), f64::INFINITY),
            (end_of(&plan, 2), 1.0),
        ];
        let out = bucket_datasource(&plan, "u", "c", &[range(labels(&[("a", "x")]), &points)], &[]);
        assert_eq!(&out.series[0].values[..3], &[None, None, Some(1.0)]);
        assert_eq!(out.notes.len(), 1);
        assert!(out.notes[0].contains("2 value(s) were NaN or ±Inf"));
    }

    #[test]
    fn same_named_hubs_on_two_clusters_stay_apart_and_get_prefixed() {
        let plan = plan();
        let staging = labels(&[("namespace", "staging")]);
        let prod = labels(&[("namespace", "prod")]);
        let a = bucket_datasource(
            &plan,
            "a",
            "cluster-a",
            &[
                range(staging.clone(), &[(end_of(&plan, 0), 1.0)]),
                range(prod, &[(end_of(&plan, 0), 100.0)]),
            ],
            &[],
        );
        let b = bucket_datasource(
            &plan,
            "b",
            "cluster-b",
            &[range(staging, &[(end_of(&plan, 0), 2.0)])],
            &[],
        );
        let table = merge(&plan, a.series.into_iter().chain(b.series).collect());
        let names: Vec<&str> = table.series.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["prod", "cluster-b / staging", "cluster-a / staging"]);
    }

    #[test]
    fn instant_answers_fill_today() {
        let plan = plan();
        let instant = vec![InstantSeries {
            metric: labels(&[("namespace", "x")]),
            value: Some(Sample {
                t_ms: plan.now_ms,
                value: 7.0,
            }),
            has_histograms: false,
        }];
        let out = bucket_datasource(&plan, "u", "c", &[], &instant);
        assert_eq!(out.series[0].today, Some(7.0));
        assert_eq!(out.series[0].total(), 7.0);
    }

    #[test]
    fn names_label_sets() {
        assert_eq!(label_set_name(&labels(&[])), "{}");
        assert_eq!(label_set_name(&labels(&[("namespace", "a")])), "a");
        assert_eq!(
            label_set_name(&labels(&[("b", "2"), ("a", "1\"")])),
            r#"{a="1\"", b="2"}"#
        );
    }

    #[test]
    fn real_answers_from_three_clusters() {
        let fixture = |name: &str| -> QueryData {
            let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
            decode(&std::fs::read_to_string(path).unwrap()).unwrap().data
        };
        // The fixtures were recorded with the range ending at a midnight: rebuild that plan.
        let QueryData::Matrix(north) = fixture("hub_activity_range_north.json") else {
            panic!()
        };
        let last = north[0].values.last().unwrap().t_ms;
        let plan = DayPlan::between(
            crate::days::date_of(north[0].values[0].t_ms - 1),
            last + 3_600_000,
        );
        let mut all = Vec::new();
        for cluster in ["north", "south", "west"] {
            let QueryData::Matrix(r) = fixture(&format!("hub_activity_range_{cluster}.json")) else {
                panic!()
            };
            let QueryData::Vector(i) = fixture(&format!("hub_activity_instant_{cluster}.json")) else {
                panic!()
            };
            all.extend(bucket_datasource(&plan, cluster, &format!("cluster-{cluster}"), &r, &i).series);
        }
        let table = merge(&plan, all);
        assert_eq!(table.series.len(), 10);
        let names: Vec<&str> = table.series.iter().map(|s| s.name.as_str()).collect();
        assert!(names.contains(&"cluster-north / staging") && names.contains(&"cluster-south / staging"));
        let totals: Vec<f64> = table.series.iter().map(|s| s.series.total()).collect();
        assert!(
            totals.windows(2).all(|w| w[0] >= w[1]),
            "largest total first: {totals:?}"
        );
    }
}
