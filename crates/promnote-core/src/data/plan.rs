//! A cell's plan: when Prometheus evaluates it and which requests that takes. A cell
//! whose step names a calendar period (`1d`, `1w`, `1M`, `1y`) is a *calendar* cell, as
//! the flagship hub-activity report is daily: one bucket per period in the report's
//! zone, each the query's value at the midnight that ends the period (one `query_range`
//! per run of evenly spaced period ends), plus an instant query at the range's end for
//! the period so far; `$__period` is written per request as the periods' length. Any
//! other step is an ordinary range query on a grid of multiples of the step. The plan
//! also pivots the answers into the cell's table.

use jiff::tz::TimeZone;

use super::series::Series;
use super::table::{pivot_periods, pivot_times, Order, PivotOptions, WideTable};
use crate::api::datasource::Route;
use crate::api::encoding::form;
use crate::api::request::{ds_query_request, instant_at, ApiRequest, Body, Window};
use crate::report::format::Cell;
use crate::report::options::{CellOptions, ChartKind, DEFAULT_TOP, TOP_ALL};
use crate::report::substitute::Query;
use crate::time::clock::{clock, zone_abbreviation, WallClock};
use crate::time::periods::{period_duration, Calendar, PeriodPlan, DAY_MS};
use crate::time::step::{self, choose_step, parse_step, StepSpec};
use crate::time::TimeRange;

/// The `query_range` requests for the plan's period ends (form POST, as Grafana sends):
/// one per segment of evenly spaced ends, each with its periods' `$__period`.
pub fn range_requests(uid: &str, query: &Query, plan: &PeriodPlan) -> Vec<ApiRequest> {
    plan.segments(query.uses_period())
        .iter()
        .map(|s| {
            let (start, end, step) = (s.start_s.to_string(), s.end_s.to_string(), s.step_s.to_string());
            let text = query.with_period(&period_duration(s.period_ms));
            let body = form(&[("query", &text), ("start", &start), ("end", &end), ("step", &step)]);
            ApiRequest::prometheus(uid, "api/v1/query_range", Body::Form(body))
        })
        .collect()
}

/// The instant request for the partial period, evaluated at the plan's end, with
/// `$__period` as long as the period has run.
pub fn instant_request(uid: &str, query: &Query, plan: &PeriodPlan) -> ApiRequest {
    let text =
        query.with_period(&period_duration(plan.partial_length_ms().unwrap_or(plan.unit.nominal_ms())));
    instant_at(uid, &text, plan.now_ms)
}

/// When a cell is evaluated.
#[derive(Debug, Clone, PartialEq)]
pub enum Grid {
    /// Calendar periods (`1d`, `1w`, `1M`, `1y`).
    Periods(PeriodPlan),
    /// Evenly spaced times.
    Times {
        /// First evaluation, ms (a multiple of the step).
        start_ms: i64,
        /// Last evaluation, ms.
        end_ms: i64,
        /// Step, ms.
        step_ms: i64,
        /// The zone the row labels are written in.
        zone: TimeZone,
    },
}

/// A cell's evaluation plan, with a note when the step had to change.
#[derive(Debug, Clone, PartialEq)]
pub struct CellPlan {
    /// The evaluation times.
    pub grid: Grid,
    /// E.g. "step raised to 2h: 11,000 points per series at most".
    pub note: Option<String>,
    /// When instant queries (`instant=true`) are evaluated: the range's end
    /// ([`TimeRange::instant_ms`]).
    pub to_ms: i64,
    /// Every query of the cell is an instant query: it is evaluated at `to_ms` alone.
    pub instant: bool,
}

impl CellPlan {
    /// Plans a cell over `range`; `width_px` sizes the `auto` step.
    pub fn new(
        options: &CellOptions,
        range: &TimeRange,
        zone: &TimeZone,
        width_px: u32,
    ) -> Result<Self, String> {
        if let Some(unit) = options.calendar() {
            let plan = PeriodPlan::for_range(unit, range, zone);
            return Ok(Self {
                to_ms: range.instant_ms(),
                grid: Grid::Periods(plan),
                note: None,
                instant: false,
            });
        }
        let spec = match options.step.as_deref() {
            None => StepSpec::Auto,
            Some(text) => parse_step(text).map_err(|e| e.to_string())?,
        };
        let (from_ms, to_ms) = (range.from.as_millisecond(), range.to.as_millisecond());
        let mut choice = choose_step(spec, to_ms - from_ms, width_px);
        // Never shorter than the cell's smallest step (Grafana's min interval).
        if let Some(Ok(StepSpec::Fixed(min))) = options.min_step.as_deref().map(parse_step) {
            choice.step_ms = choice.step_ms.max(min);
        }
        let start_ms = step::aligned_start(from_ms, choice.step_ms);
        let end_ms = if to_ms < start_ms {
            start_ms
        } else {
            start_ms + (to_ms - start_ms) / choice.step_ms * choice.step_ms
        };
        Ok(Self {
            grid: Grid::Times { start_ms, end_ms, step_ms: choice.step_ms, zone: zone.clone() },
            note: choice.note,
            to_ms: range.instant_ms(),
            instant: false,
        })
    }

    /// The range-query requests for one datasource.
    pub fn range_requests(&self, uid: &str, query: &Query) -> Vec<ApiRequest> {
        match &self.grid {
            Grid::Periods(plan) => range_requests(uid, query, plan),
            Grid::Times { start_ms, end_ms, step_ms, .. } => {
                let seconds = |ms: i64| format!("{:.3}", ms as f64 / 1000.0);
                let (start, end, step) = (seconds(*start_ms), seconds(*end_ms), seconds(*step_ms));
                let text = query.with_period(&period_duration(*step_ms));
                let body = form(&[("query", &text), ("start", &start), ("end", &end), ("step", &step)]);
                vec![ApiRequest::prometheus(uid, "api/v1/query_range", Body::Form(body))]
            }
        }
    }

    /// The instant request for the partial period (calendar cells only).
    pub fn instant_request(&self, uid: &str, query: &Query) -> Option<ApiRequest> {
        match &self.grid {
            Grid::Periods(plan) if plan.partial.is_some() => Some(instant_request(uid, query, plan)),
            _ => None,
        }
    }

    /// The request of an instant query (`instant=true`) on `ds` by `route`: evaluated once,
    /// at the range's end, with `$__period` as long as one step.
    pub fn end_request(
        &self,
        ds: &crate::api::datasource::Datasource,
        route: Route,
        query: &Query,
    ) -> ApiRequest {
        let step_ms = match &self.grid {
            Grid::Periods(plan) => plan.unit.nominal_ms(),
            Grid::Times { step_ms, .. } => *step_ms,
        };
        let text = query.with_period(&period_duration(step_ms));
        match route {
            Route::Proxy => instant_at(&ds.uid, &text, self.to_ms),
            Route::DsQuery => ds_query_request(&ds.uid, &ds.kind, &text, Window::instant(self.to_ms)),
        }
    }

    /// The time at which the cell counts as evaluated: its last row (a cell of instant
    /// queries: the range's end).
    pub fn evaluated_ms(&self) -> i64 {
        if self.instant {
            return self.to_ms;
        }
        match &self.grid {
            Grid::Periods(plan) => plan.now_ms,
            Grid::Times { end_ms, .. } => *end_ms,
        }
    }

    /// What a calendar cell's partial last bucket is called in its hover: "so far (until
    /// 14:05 UTC)"; empty for other cells.
    pub fn partial_label(&self) -> String {
        match &self.grid {
            Grid::Periods(p) => format!(
                "so far (until {} {})",
                clock(p.now_ms, &p.zone),
                zone_abbreviation(p.now_ms, &p.zone)
            ),
            Grid::Times { .. } => String::new(),
        }
    }

    /// What a calendar cell's first bucket says when the range starts inside it: "the
    /// range starts 2026-11-14 10:30 CET"; empty otherwise.
    pub fn clipped_label(&self) -> String {
        let Grid::Periods(plan) = &self.grid else { return String::new() };
        let Some(from_ms) = plan.clipped_from_ms else { return String::new() };
        let when = WallClock::at(from_ms, &plan.zone)
            .map(|c| format!("{} {}", c.date(), c.hour_minute()))
            .unwrap_or_default();
        format!(
            "the whole {}; the range starts {when} {}",
            plan.unit.word(),
            zone_abbreviation(from_ms, &plan.zone)
        )
    }

    /// The calendar weeks, months or years the cell reports on (`None` for days, whose
    /// rows are keyed by their date, and for evenly spaced times).
    pub fn periods(&self) -> Option<&PeriodPlan> {
        match &self.grid {
            Grid::Periods(plan) if plan.unit != Calendar::Day => Some(plan),
            _ => None,
        }
    }

    /// The zone of the row labels.
    pub fn zone(&self) -> &TimeZone {
        match &self.grid {
            Grid::Periods(plan) => &plan.zone,
            Grid::Times { zone, .. } => zone,
        }
    }

    /// The step and the length of the range, in ms, for Grafana's macros (`$__interval`,
    /// `$__range`): a calendar period's usual length (a day, 7 days, 30 days, 365 days;
    /// `$__period` is the exact one).
    pub fn step_and_range_ms(&self, range: &TimeRange) -> (i64, i64) {
        let range_ms = range.to.as_millisecond() - range.from.as_millisecond();
        match &self.grid {
            Grid::Periods(plan) => (plan.unit.nominal_ms(), range_ms),
            Grid::Times { step_ms, .. } => (*step_ms, range_ms),
        }
    }

    /// Pivots the answers of every datasource into the cell's table. An instant query's
    /// series (`instant=true`) hold one value, at the range's end: the table's last row
    /// (a calendar cell's last period); a cell of instant queries alone is one row, at
    /// that time, and its table says so ([`WideTable::instant`]).
    pub fn table<'a>(
        &self,
        range: impl IntoIterator<Item = &'a Series>,
        instant: impl IntoIterator<Item = &'a Series>,
        cell: &Cell,
    ) -> WideTable {
        let options = &cell.options;
        let queries: Vec<String> = cell.queries().map(|(q, _)| q.to_owned()).collect();
        let instants = cell.instants();
        // Numbers show every series unless the cell says otherwise (a heatmap's every
        // bucket); charts the largest.
        let numbers = matches!(
            options.chart,
            ChartKind::Table
                | ChartKind::Stat
                | ChartKind::Summary
                | ChartKind::Histogram
                | ChartKind::Heatmap
        );
        let pivot = PivotOptions {
            legends: cell.legends(),
            order: Order::Total,
            top_n: match options.top {
                None if numbers => None,
                None => Some(DEFAULT_TOP),
                Some(TOP_ALL) => None,
                n => n,
            },
            // "other" only where a sum means something: one query's series, stacked.
            leave_out_rest: !(options.chart.stacks() && queries.len() == 1),
            queries,
            // Gaps stay gaps: a day without data is not a zero (plotly.js stacks around them).
            fill_zero: false,
        };
        let is_instant = |s: &Series| instants.get(s.query).copied().unwrap_or(false);
        // Each instant query's value, at the row that ends the range.
        let (at_end, partial): (Vec<&Series>, Vec<&Series>) =
            instant.into_iter().partition(|s| is_instant(s));
        if instants.iter().all(|i| *i) {
            let label = wall_clock(self.to_ms, self.zone());
            let at_end = retimed(&at_end, self.to_ms);
            let mut table = pivot_times(&[self.to_ms], vec![label], &at_end, &pivot);
            table.instant = true;
            return table;
        }
        match &self.grid {
            Grid::Periods(plan) if plan.partial.is_some() => {
                pivot_periods(plan, range, partial.into_iter().chain(at_end), &pivot)
            }
            Grid::Periods(plan) => {
                let at_end = retimed(&at_end, plan.now_ms);
                let mut all: Vec<&Series> = range.into_iter().collect();
                all.extend(&at_end);
                pivot_periods(plan, all, partial, &pivot)
            }
            Grid::Times { start_ms, end_ms, step_ms, zone } => {
                let times: Vec<i64> =
                    (0..=(end_ms - start_ms) / step_ms).map(|i| start_ms + i * step_ms).collect();
                let labels = times.iter().map(|t| wall_clock(*t, zone)).collect();
                let at_end = retimed(&at_end, *end_ms);
                let mut all: Vec<&Series> = range.into_iter().collect();
                all.extend(&at_end);
                pivot_times(&times, labels, all, &pivot)
            }
        }
    }
}

/// Copies of instant series with their one value at `t_ms` (the row it belongs to).
fn retimed(series: &[&Series], t_ms: i64) -> Vec<Series> {
    series
        .iter()
        .map(|s| Series {
            points: s
                .points
                .last()
                .map(|p| crate::api::prom::Sample { t_ms, value: p.value })
                .into_iter()
                .collect(),
            ..(*s).clone()
        })
        .collect()
}

/// `YYYY-MM-DD HH:MM:SS` in `zone`: what plotly.js reads as a date axis position.
fn wall_clock(t_ms: i64, zone: &TimeZone) -> String {
    WallClock::at(t_ms, zone).map(|clock| clock.date_time()).unwrap_or_default()
}

impl CellPlan {
    /// The `/api/ds/query` requests for one datasource: one range query per segment (or
    /// the grid), and the instant query for the partial period if there is one.
    pub fn ds_query_requests(
        &self,
        uid: &str,
        kind: &str,
        query: &Query,
    ) -> (Vec<ApiRequest>, Option<ApiRequest>) {
        match &self.grid {
            Grid::Periods(plan) => {
                let ranges = plan
                    .segments(query.uses_period())
                    .iter()
                    .map(|s| {
                        // Grafana aligns the range down to multiples of the step in the
                        // clock of utcOffsetSec. A day is the one step whose multiples
                        // are local midnights in the segment's own offset (a segment never
                        // spans a daylight-saving change), so longer periods are asked
                        // daily too: the midnights between two period ends fall in the
                        // later period, whose own end (the last of them) is what it keeps.
                        let offset = jiff::Timestamp::from_second(s.start_s)
                            .map_or(0, |t| i64::from(plan.zone.to_offset(t).seconds()));
                        let window = Window {
                            utc_offset_s: offset,
                            ..Window::range(s.start_s * 1000, s.end_s * 1000, DAY_MS)
                        };
                        ds_query_request(uid, kind, &query.with_period(&period_duration(s.period_ms)), window)
                    })
                    .collect();
                let instant = plan.partial_length_ms().map(|so_far| {
                    ds_query_request(
                        uid,
                        kind,
                        &query.with_period(&period_duration(so_far)),
                        Window::instant(plan.now_ms),
                    )
                });
                (ranges, instant)
            }
            Grid::Times { start_ms, end_ms, step_ms, .. } => {
                let text = query.with_period(&period_duration(*step_ms));
                (vec![ds_query_request(uid, kind, &text, Window::range(*start_ms, *end_ms, *step_ms))], None)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The flagship report's PromQL, as the notebook ran it.
    const HUB_ACTIVITY_QUERY: &str =
        r#"max(jupyterhub_active_users{period="24h", namespace=~".*"}) by (namespace)"#;

    #[test]
    fn requests_evaluate_at_midnights_and_now() {
        let now_ms = 1_795_399_726_500; // 2026-11-23T02:08:46.500Z
        let plan = PeriodPlan::last_month(now_ms);
        let ranges = range_requests("prom-a", &Query::plain(HUB_ACTIVITY_QUERY), &plan);
        assert_eq!(ranges.len(), 1);
        assert_eq!(ranges[0].path, "api/datasources/proxy/uid/prom-a/api/v1/query_range");
        let Body::Form(body) = &ranges[0].body else { panic!("POST expected") };
        assert!(body.ends_with("&start=1792800000&end=1795392000&step=86400"), "{body}");
        let instant = instant_request("prom-a", &Query::plain(HUB_ACTIVITY_QUERY), &plan);
        let Body::Form(body) = &instant.body else { panic!("POST expected") };
        assert!(body.ends_with("&time=1795399726.500"), "{body}");
    }

    #[test]
    fn fixed_steps_query_an_aligned_grid() {
        let now = jiff::Timestamp::from_second(1_795_399_726).unwrap();
        let range =
            TimeRange { from: now.checked_sub(jiff::SignedDuration::from_hours(6)).unwrap(), to: now };
        let options = CellOptions { step: Some("1h".into()), ..CellOptions::default() };
        let plan = CellPlan::new(&options, &range, &TimeZone::UTC, 800).unwrap();
        let requests = plan.range_requests("u", &Query::plain("up"));
        let Body::Form(body) = &requests[0].body else { panic!() };
        assert!(body.ends_with("&start=1795381200.000&end=1795399200.000&step=3600.000"), "{body}");
        assert_eq!(plan.instant_request("u", &Query::plain("up")), None);
        let series = Series {
            datasource_uid: "u".into(),
            datasource_name: "n".into(),
            query: 0,
            labels: Default::default(),
            points: vec![crate::api::prom::Sample { t_ms: 1_795_399_200_000, value: 2.0 }],
        };
        let table = plan.table([&series], [], &Cell::new("x", options));
        assert_eq!(table.row_labels.len(), 6);
        assert_eq!(table.row_labels[5], "2026-11-23 02:00:00");
        assert_eq!(table.columns[0].values[5], Some(2.0));
        assert_eq!(plan.partial_label(), "");
        let daily = CellOptions { step: Some("1d".into()), ..CellOptions::default() };
        assert!(matches!(CellPlan::new(&daily, &range, &TimeZone::UTC, 800).unwrap().grid, Grid::Periods(_)));
    }

    #[test]
    fn a_min_step_is_the_shortest_step_and_interval() {
        let now = jiff::Timestamp::from_second(1_795_399_726).unwrap();
        let range =
            TimeRange { from: now.checked_sub(jiff::SignedDuration::from_hours(1)).unwrap(), to: now };
        let step_of = |info: &str| {
            let plan =
                CellPlan::new(&CellOptions::parse(info).unwrap(), &range, &TimeZone::UTC, 800).unwrap();
            plan.step_and_range_ms(&range).0
        };
        // An hour 800 px wide: a 30 s step, unless the cell asks for at least 1 m.
        assert_eq!(step_of(""), 30_000);
        assert_eq!(step_of("min_step=1m"), 60_000);
        assert_eq!(step_of("step=5m min_step=1m"), 300_000);
        assert_eq!(step_of("min_step=1s"), 30_000);
        assert!(CellOptions::parse("min_step=auto").unwrap_err().contains("not a duration"));
        assert_eq!(CellOptions::parse("min_step=1m").unwrap().info_string(), "promql min_step=1m");
    }

    #[test]
    fn charts_fold_all_but_the_largest_series_unless_the_cell_asks_for_all() {
        let now = jiff::Timestamp::from_second(1_795_399_726).unwrap();
        let range =
            TimeRange { from: now.checked_sub(jiff::SignedDuration::from_hours(2)).unwrap(), to: now };
        let many: Vec<Series> = (0..100)
            .map(|i| Series {
                datasource_uid: "u".into(),
                datasource_name: "n".into(),
                query: 0,
                labels: [("hub".to_owned(), format!("h{i:03}"))].into_iter().collect(),
                points: vec![crate::api::prom::Sample { t_ms: 1_795_399_200_000, value: f64::from(i) }],
            })
            .collect();
        let table_for = |top: Option<usize>| {
            let options = CellOptions { step: Some("1h".into()), top, ..CellOptions::default() };
            let plan = CellPlan::new(&options, &range, &TimeZone::UTC, 800).unwrap();
            plan.table(&many, [], &Cell::new("x", options))
        };
        let default = table_for(None);
        assert_eq!((default.columns.len(), default.folded), (DEFAULT_TOP + 1, 60));
        assert_eq!(default.columns[0].name, "h099");
        let other = default.columns.last().unwrap();
        assert_eq!(other.name, "other (60 series)");
        assert_eq!(other.values[1], Some((0..60).map(f64::from).sum()));
        let all = table_for(Some(TOP_ALL));
        assert_eq!((all.columns.len(), all.folded), (100, 0));
        assert_eq!(table_for(Some(5)).folded, 95);
        // Lines do not add up: the rest are left out, not summed; numbers show every series.
        let kind = |info: &str| {
            let options = CellOptions::parse(&format!("step=1h {info}")).unwrap();
            let plan = CellPlan::new(&options, &range, &TimeZone::UTC, 800).unwrap();
            let t = plan.table(&many, [], &Cell::new("x", options));
            (t.columns.len(), t.folded, t.hidden)
        };
        assert_eq!(kind("chart=line"), (DEFAULT_TOP, 0, 60));
        assert_eq!(kind("chart=area"), (DEFAULT_TOP + 1, 60, 0));
        for numbers in ["chart=table", "chart=stat", "chart=summary", "chart=histogram"] {
            assert_eq!(kind(numbers), (100, 0, 0), "{numbers}");
        }
        assert_eq!(kind("chart=table top=5"), (5, 0, 95));
    }

    #[test]
    fn monthly_cells_send_each_run_of_months_its_own_period() {
        let now = "2026-11-20T12:00:00Z".parse::<jiff::Timestamp>().unwrap();
        let range = TimeRange::parse("2025-11-01", "now", now, &TimeZone::UTC).unwrap();
        let options = CellOptions { step: Some("1M".into()), ..CellOptions::default() };
        let plan = CellPlan::new(&options, &range, &TimeZone::UTC, 800).unwrap();
        let query = Query::new("sum(increase(x[$__period]))", &Default::default());
        let bodies: Vec<String> = plan
            .range_requests("u", &query)
            .into_iter()
            .map(|r| match r.body {
                Body::Form(body) => body,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(bodies.len(), 10, "one per run of months of one length");
        assert!(bodies[0].contains("x%5B30d%5D") && bodies[0].ends_with("&step=2592000"), "{}", bodies[0]);
        assert!(bodies[1].contains("x%5B31d%5D") && bodies[1].ends_with("&step=2678400"), "{}", bodies[1]);
        assert!(bodies[2].contains("x%5B28d%5D"), "{}", bodies[2]);
        // This month so far: 19 days and 12 hours, evaluated now.
        let Some(instant) = plan.instant_request("u", &query) else { panic!("November so far") };
        let Body::Form(body) = &instant.body else { panic!() };
        assert!(body.contains("x%5B19d12h%5D") && body.ends_with("&time=1795176000.000"), "{body}");
        // A query without $__period: runs of evenly spaced month ends, fewer requests.
        assert_eq!(plan.range_requests("u", &Query::plain("up")).len(), 5);
        // Through /api/ds/query, asked daily (Grafana aligns to the step) with the period.
        let (ranges, instant) = plan.ds_query_requests("u", "prometheus", &query);
        assert_eq!((ranges.len(), instant.is_some()), (10, true));
        let Body::Json(json) = &ranges[1].body else { panic!() };
        assert!(json.contains("\"intervalMs\":86400000") && json.contains("x[31d]"), "{json}");
        let Grid::Periods(periods) = &plan.grid else { panic!() };
        assert_eq!(periods.labels().first().map(String::as_str), Some("Nov 2025"));
        assert_eq!(plan.clipped_label(), "");
        let mid = TimeRange::parse("2025-11-14T10:30:00Z", "now", now, &TimeZone::UTC).unwrap();
        let clipped = CellPlan::new(&options, &mid, &TimeZone::UTC, 800).unwrap();
        assert_eq!(clipped.clipped_label(), "the whole month; the range starts 2025-11-14 10:30 UTC");
    }

    #[test]
    fn daily_ds_query_ranges_carry_their_zones_offset() {
        // St John's is 3:30 behind UTC in winter and 2:30 behind in summer (a DST change
        // on 2026-11-01 lies in this month).
        let zone = crate::time::zone("America/St_Johns").unwrap();
        let now_ms = 1_795_399_726_500;
        let plan = CellPlan {
            grid: Grid::Periods(PeriodPlan::last_month_in(now_ms, &zone)),
            note: None,
            to_ms: now_ms,
            instant: false,
        };
        let (ranges, instant) =
            plan.ds_query_requests("u", "grafana-amazonprometheus-datasource", &Query::plain("up"));
        let offsets: Vec<(i64, i64)> = ranges
            .iter()
            .map(|r| {
                let Body::Json(json) = &r.body else { panic!() };
                let v: serde_json::Value = serde_json::from_str(json).unwrap();
                let from_s = v["from"].as_str().unwrap().parse::<i64>().unwrap() / 1000;
                (v["queries"][0]["utcOffsetSec"].as_i64().unwrap(), from_s)
            })
            .collect();
        assert_eq!(offsets.len(), 2, "one segment on each side of the change");
        for (offset, from_s) in &offsets {
            assert!([-9000, -12600].contains(offset), "{offset}");
            // Aligned as Grafana aligns it, the start stays a local midnight.
            let aligned = (from_s + offset).div_euclid(86_400) * 86_400 - offset;
            assert_eq!(aligned, *from_s);
        }
        assert_ne!(offsets[0].0, offsets[1].0);
        let Some(instant) = instant else { panic!("today's partial bar") };
        let Body::Json(json) = &instant.body else { panic!() };
        assert!(json.contains("\"utcOffsetSec\":0"), "{json}");
    }
}
