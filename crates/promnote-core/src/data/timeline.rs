//! The report's notes on the timeline ([`crate::report::annotations`]) at their times,
//! and what a masking span does to a cell's answers: the values of the series it names
//! whose time falls in the span are taken out of the [`Arrival`] as soon as it arrives,
//! so that the chart, the table, its totals, the reducers and the CSV all show gaps there,
//! and a note says what was left out and why. Both shells call [`mask_arrival`] on every
//! arrival of a cell.

use jiff::tz::TimeZone;

use super::plan::{CellPlan, Grid};
use super::series::{Arrival, Series};
use super::table::{render_legend, WideTable};
use crate::api::annotations::GrafanaAnnotation;
use crate::report::annotations::{Annotation, Mask, When};
use crate::report::format::Cell;
use crate::report::options::{CellOptions, TOP_ALL};
use crate::time::clock::WallClock;
use crate::time::parse::{parse_time, Edge};
use crate::time::periods::{Calendar, DAY_MS};

/// An annotation at its times.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    /// Where it starts (ms since the epoch).
    pub from_ms: i64,
    /// Where it ends: `from_ms` for a moment.
    pub to_ms: i64,
    /// Whether it is a span (a band) rather than a moment (a line).
    pub span: bool,
    /// What it says.
    pub text: String,
    /// The series whose values inside the span are left out.
    pub mask: Option<Mask>,
}

/// The annotations at their times, for a report evaluated at `now_ms` in `zone` (times
/// that do not read are left out: the report's parse checked them).
pub fn resolve(annotations: &[Annotation], now_ms: i64, zone: &TimeZone) -> Vec<Mark> {
    let now = jiff::Timestamp::from_millisecond(now_ms).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let at = |text: &str, edge| parse_time(text, now, zone, edge).ok().map(|t| t.as_millisecond());
    annotations
        .iter()
        .filter_map(|a| {
            let (from_ms, to_ms, span) = match &a.when {
                When::At(moment) => {
                    let t = at(moment, Edge::From)?;
                    (t, t, false)
                }
                When::Span { from, to } => (at(from, Edge::From)?, at(to, Edge::To)?, true),
                // Found in its query's answers ([`events`]), or Grafana's ([`grafana_marks`]).
                When::Query { .. } | When::Grafana { .. } => return None,
            };
            Some(Mark {
                from_ms,
                to_ms: to_ms.max(from_ms),
                span,
                text: a.text.clone(),
                mask: a.mask.clone(),
            })
        })
        .collect()
}

/// The cell a query annotation runs as (both shells run it like any cell: its range is
/// the report's, its step the annotation's or `auto`, every series kept), with its title
/// and text templates; `None` for an annotation with its own times.
pub fn query_cell(annotation: &Annotation) -> Option<(Cell, Option<String>, String)> {
    let When::Query { query, title, step } = &annotation.when else { return None };
    let options = CellOptions { step: step.clone(), top: Some(TOP_ALL), ..CellOptions::default() };
    Some((Cell::new(query.clone(), options), title.clone(), annotation.text.clone()))
}

/// The step a plan evaluates at, ms (a calendar plan's usual period length).
pub fn step_ms(plan: &CellPlan) -> i64 {
    match &plan.grid {
        Grid::Times { step_ms, .. } => *step_ms,
        Grid::Periods(periods) => periods.unit.nominal_ms(),
    }
}

/// The tags of each `grafana: true` annotation of the report (one request each).
pub fn grafana_tags(annotations: &[Annotation]) -> Vec<Vec<String>> {
    annotations
        .iter()
        .filter_map(|a| match &a.when {
            When::Grafana { tags } => Some(tags.clone()),
            _ => None,
        })
        .collect()
}

/// Grafana's own annotations as marks: a moment, or a span to its end; its text as text
/// (Grafana lets it hold markup, which stays visible, never rendered).
pub fn grafana_marks(found: &[GrafanaAnnotation]) -> Vec<Mark> {
    let mut marks: Vec<Mark> = found
        .iter()
        .map(|a| {
            let to_ms = a.time_end.max(a.time);
            let text = match a.text.trim() {
                "" => a.tags.join(", "),
                text => text.to_owned(),
            };
            Mark { from_ms: a.time, to_ms, span: to_ms > a.time, text, mask: None }
        })
        .collect();
    marks.sort_by(|a, b| (a.from_ms, &a.text).cmp(&(b.from_ms, &b.text)));
    marks
}

/// The most events one query annotation draws; beyond, the first ones and a note.
pub const MAX_EVENTS: usize = 1000;

/// A query annotation's answers as marks, as Grafana's Prometheus annotations make them:
/// each series' non-zero samples are events, joined while they continue (one `step_ms`
/// apart) into a span; `title` and `text` are templates of the series' labels. At most
/// [`MAX_EVENTS`], the earliest; the note says how many were left out.
pub fn events(
    arrivals: &[Arrival],
    step_ms: i64,
    title: Option<&str>,
    text: &str,
) -> (Vec<Mark>, Option<String>) {
    let mut marks = Vec::new();
    for series in arrivals.iter().flat_map(|a| &a.range) {
        let words = |template: &str| render_legend(template, &series.labels, &series.datasource_name);
        let said = match (title.map(words), text.is_empty()) {
            (Some(title), true) => title,
            (Some(title), false) => format!("{title}: {}", words(text)),
            (None, _) => words(text),
        };
        let mut open: Option<(i64, i64)> = None;
        for p in series.points.iter().filter(|p| p.value != 0.0 && !p.value.is_nan()) {
            match open {
                Some((from, to)) if p.t_ms - to <= step_ms => open = Some((from, p.t_ms)),
                Some((from, to)) => {
                    marks.push(event(from, to, &said));
                    open = Some((p.t_ms, p.t_ms));
                }
                None => open = Some((p.t_ms, p.t_ms)),
            }
        }
        if let Some((from, to)) = open {
            marks.push(event(from, to, &said));
        }
    }
    marks.sort_by(|a, b| (a.from_ms, &a.text).cmp(&(b.from_ms, &b.text)));
    let note = (marks.len() > MAX_EVENTS).then(|| {
        format!(
            "The annotation query found {} events; the first {MAX_EVENTS} are drawn. Narrow the query or the range.",
            marks.len()
        )
    });
    marks.truncate(MAX_EVENTS);
    (marks, note)
}

fn event(from_ms: i64, to_ms: i64, text: &str) -> Mark {
    Mark { from_ms, to_ms, span: to_ms > from_ms, text: text.to_owned(), mask: None }
}

/// The time a sample stands for, as `[start, end)` ms: a calendar bucket's whole period
/// (the sample at the midnight ending a day stands for that day), or the instant itself.
fn interval(plan: &CellPlan, t_ms: i64) -> (i64, i64) {
    let Grid::Periods(periods) = &plan.grid else { return (t_ms, t_ms + 1) };
    let Some(bucket) = periods.bucket_of(t_ms) else { return (t_ms, t_ms + 1) };
    let starts = periods.starts_ms();
    let start = starts[bucket];
    let end = if bucket < periods.starts.len() { start + periods.length_ms(bucket) } else { periods.now_ms };
    (start, end.max(start + 1))
}

/// Takes the values of the masked series out of `arrival` where the sample's time
/// overlaps a masking span, and notes, per annotation, how many values of which series
/// were left out.
pub fn mask_arrival(arrival: &mut Arrival, marks: &[Mark], plan: &CellPlan) -> Vec<String> {
    let mut matched = Vec::new();
    for mark in marks {
        let Some(mask) = &mark.mask else { continue };
        let mut dropped = 0;
        let mut names = Vec::new();
        for series in arrival.range.iter_mut().chain(arrival.instant.iter_mut()) {
            let labels = &series.labels;
            if !mask.matches(&series.datasource_uid, &series.datasource_name, |k| {
                labels.get(k).map(String::as_str)
            }) {
                continue;
            }
            if !matched.contains(&mark.text) {
                matched.push(mark.text.clone());
            }
            let before = series.points.len();
            series.points.retain(|p| {
                let (start, end) = interval(plan, p.t_ms);
                !(start <= mark.to_ms && end > mark.from_ms)
            });
            if series.points.len() < before {
                dropped += before - series.points.len();
                names.push(series_name(series));
            }
        }
        if dropped > 0 {
            names.sort();
            names.dedup();
            arrival.notes.push(format!(
                "{}: {dropped} value(s) of {} left out ({}), as the report's annotation says.",
                mark.text,
                names.join(", "),
                when(mark, plan.zone()),
            ));
        }
    }
    matched
}

/// What to say of the masking annotations that matched no series of a whole run
/// (`matched`: the texts [`mask_arrival`] returned): most likely a typo in the mask.
pub fn unmatched_masks(marks: &[Mark], matched: &[String]) -> Vec<String> {
    marks
        .iter()
        .filter(|m| m.mask.is_some() && !matched.contains(&m.text))
        .map(|m| {
            let mask = m.mask.as_ref().map(describe_mask).unwrap_or_default();
            format!("The annotation “{}” masks no series of this report: check its mask {mask}.", m.text)
        })
        .collect()
}

fn describe_mask(mask: &Mask) -> String {
    let pairs: Vec<String> = mask
        .datasource
        .iter()
        .map(|d| format!("datasource: {d}"))
        .chain(mask.labels.iter().map(|(k, v)| format!("{k}: {v}")))
        .collect();
    format!("{{{}}}", pairs.join(", "))
}

/// Where a mark sits on a chart's x axis: a date-axis position (`2026-11-14 00:00:00`, a
/// wall-clock time as plotly.js reads it) or, on a category axis of weeks, months or
/// years, a position in rows (row `i` is centred on `i`).
#[derive(Debug, Clone, PartialEq)]
pub enum Position {
    /// A wall-clock time.
    Date(String),
    /// A place between rows.
    Row(f64),
}

/// A mark placed on a chart: a line at `x0`, or a band from `x0` to `x1`.
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    /// Start.
    pub x0: Position,
    /// End (`x0` for a line).
    pub x1: Position,
    /// Whether it is a band.
    pub span: bool,
    /// Whether it masks series.
    pub masks: bool,
    /// What it says.
    pub text: String,
    /// When, in words: `2026-11-14`, `2026-11-14 15:30`, `2026-02-06 to 2026-04-02`.
    pub when: String,
}

/// The marks that fall on `table`'s rows (a span partly outside is cut to them), placed
/// on its x axis; rows of instants and days are on a date axis, longer periods on a
/// category axis.
pub fn place(table: &WideTable, marks: &[Mark], zone: &TimeZone) -> Vec<Placed> {
    let rows = &table.row_times_ms;
    let (Some(&first), Some(&last)) = (rows.first(), rows.last()) else { return Vec::new() };
    // Where the chart's rows end: a period's end, or the last instant.
    let end = match table.calendar {
        Some(unit) => last + unit.nominal_ms(),
        None => last,
    };
    let position = |t: i64| -> Position {
        match table.calendar {
            // A day's bar is centred on its midnight: half a day earlier is its left edge.
            Some(Calendar::Day) => Position::Date(wall(t - DAY_MS / 2, zone)),
            Some(unit) => {
                let i = rows.partition_point(|start| *start <= t).saturating_sub(1);
                let next = rows.get(i + 1).copied().unwrap_or(rows[i] + unit.nominal_ms());
                let fraction = (t - rows[i]) as f64 / (next - rows[i]).max(1) as f64;
                Position::Row(i as f64 - 0.5 + fraction.clamp(0.0, 1.0))
            }
            None => Position::Date(wall(t, zone)),
        }
    };
    marks
        .iter()
        .filter(|m| m.to_ms >= first && m.from_ms <= end)
        .map(|m| {
            let (from, to) = (m.from_ms.max(first), m.to_ms.min(end));
            Placed {
                x0: position(from),
                x1: position(if m.span { to } else { from }),
                span: m.span,
                masks: m.mask.is_some(),
                text: m.text.clone(),
                when: when(m, zone),
            }
        })
        .collect()
}

/// `2026-11-14 15:30:00`, a date-axis position.
fn wall(t_ms: i64, zone: &TimeZone) -> String {
    WallClock::at(t_ms, zone).map_or_else(String::new, |c| c.date_time())
}

/// A mark's time in words, a day as its date.
fn when(mark: &Mark, zone: &TimeZone) -> String {
    let moment = |t: i64, end: bool| {
        let Some(clock) = WallClock::at(t + i64::from(end), zone) else { return String::new() };
        let day_edge = clock.time_of_day() == "00:00:00";
        match (day_edge, end) {
            // A span to the end of a day is written as that day.
            (true, true) => WallClock::at(t, zone).map_or_else(String::new, |c| c.date()),
            (true, false) => clock.date(),
            _ => format!("{} {}", clock.date(), clock.hour_minute()),
        }
    };
    match mark.span {
        false => moment(mark.from_ms, false),
        true => format!("{} to {}", moment(mark.from_ms, false), moment(mark.to_ms, true)),
    }
}

fn series_name(series: &Series) -> String {
    let labels: Vec<String> = series.labels.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
    format!("{} {{{}}}", series.datasource_name, labels.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::prom::Sample;
    use crate::report::format::parse;
    use crate::report::options::CellOptions;
    use crate::time::TimeRange;

    const REPORT: &str = "---\nformat: 1\nannotations:\n  - at: 2026-11-14\n    text: Term starts\n  - from: 2026-11-06\n    to: 2026-11-08\n    text: highmem double-counted\n    mask: {datasource: north, namespace: highmem}\n---\n";

    fn daily_plan(now_ms: i64) -> CellPlan {
        let now = jiff::Timestamp::from_millisecond(now_ms).unwrap();
        let range = TimeRange::parse("now-30d", "now", now, &TimeZone::UTC).unwrap();
        let options = CellOptions { step: Some("1d".into()), ..CellOptions::default() };
        CellPlan::new(&options, &range, &TimeZone::UTC, 900).unwrap()
    }

    fn series(ds: &str, namespace: &str, times: &[i64]) -> Series {
        Series {
            datasource_uid: ds.into(),
            datasource_name: ds.into(),
            query: 0,
            labels: [("namespace".to_owned(), namespace.to_owned())].into(),
            points: times.iter().map(|t| Sample { t_ms: *t, value: 1.0 }).collect(),
        }
    }

    #[test]
    fn a_span_masks_exactly_its_days_of_the_series_it_names() {
        let now_ms = 1_795_399_726_500; // 2026-11-23T02:08:46.500Z
        let report = parse(REPORT).unwrap();
        let marks = resolve(&report.front.annotations, now_ms, &TimeZone::UTC);
        assert_eq!(marks[0].from_ms, 1_794_614_400_000); // 2026-11-14T00:00Z
        assert!(!marks[0].span && marks[1].span);
        const DAY: i64 = 86_400_000;
        let nov = |d: i64| 1_793_491_200_000 + (d - 1) * DAY; // 2026-11-dd 00:00Z
                                                              // Day D's value is read at the midnight that ends it: Nov 5's at Nov 6 00:00.
        let days: Vec<i64> = (5..=10).map(|d| nov(d + 1)).collect();
        let mut arrival = Arrival {
            range: vec![
                series("north", "highmem", &days),
                series("north", "prod", &days),
                series("south", "highmem", &days),
            ],
            ..Arrival::default()
        };
        let matched = mask_arrival(&mut arrival, &marks, &daily_plan(now_ms));
        assert_eq!(matched, ["highmem double-counted"]);
        assert!(unmatched_masks(&marks, &matched).is_empty());
        assert_eq!(
            unmatched_masks(&marks, &[]),
            ["The annotation “highmem double-counted” masks no series of this report: check its mask {datasource: north, namespace: highmem}."]
        );
        // Nov 6, 7 and 8 are gone; Nov 5, 9 and 10 stay; other series are untouched.
        assert_eq!(
            arrival.range[0].points.iter().map(|p| p.t_ms).collect::<Vec<_>>(),
            [nov(6), nov(10), nov(11)]
        );
        assert_eq!(arrival.range[1].points.len(), 6);
        assert_eq!(arrival.range[2].points.len(), 6);
        assert_eq!(
            arrival.notes,
            ["highmem double-counted: 3 value(s) of north {namespace=\"highmem\"} left out (2026-11-06 to 2026-11-08), as the report's annotation says."]
        );
    }

    #[test]
    fn marks_sit_on_the_rows_they_fall_on() {
        let now_ms = 1_795_399_726_500; // 2026-11-23T02:08:46.500Z
        let report = parse(REPORT).unwrap();
        let marks = resolve(&report.front.annotations, now_ms, &TimeZone::UTC);
        let nov = |d: i64| 1_793_491_200_000 + (d - 1) * 86_400_000;
        let days = WideTable {
            row_times_ms: (1..=22).map(nov).collect(),
            calendar: Some(Calendar::Day),
            ..WideTable::default()
        };
        let placed = place(&days, &marks, &TimeZone::UTC);
        // A day's bar is centred on its midnight: Nov 14 starts at Nov 13 12:00.
        assert_eq!(placed[0].x0, Position::Date("2026-11-13 12:00:00".into()));
        assert_eq!((placed[0].span, placed[0].when.as_str()), (false, "2026-11-14"));
        assert_eq!(placed[1].x0, Position::Date("2026-11-05 12:00:00".into()));
        assert_eq!(placed[1].x1, Position::Date("2026-11-08 11:59:59".into()));
        assert_eq!((placed[1].masks, placed[1].when.as_str()), (true, "2026-11-06 to 2026-11-08"));
        // Months are categories: Nov 14 is about half way through the second row.
        let months = WideTable {
            row_times_ms: vec![1_790_812_800_000, nov(1)], // Oct 1, Nov 1
            calendar: Some(Calendar::Month),
            ..WideTable::default()
        };
        let Position::Row(row) = place(&months, &marks, &TimeZone::UTC)[0].x0 else { panic!() };
        assert!((row - (0.5 + 13.0 / 30.0)).abs() < 1e-9, "{row}");
        // Outside the rows: not drawn.
        let later = WideTable { row_times_ms: vec![nov(20), nov(21)], ..days };
        assert!(place(&later, &marks, &TimeZone::UTC).is_empty());
    }

    #[test]
    fn a_query_annotation_joins_each_series_non_zero_stretches() {
        let step = 60_000;
        let at = |k: i64| 1_795_000_000_000 + k * step;
        let values = [(0, 1.0), (1, 1.0), (2, 0.0), (3, 2.0), (5, 1.0), (6, 1.0), (7, f64::NAN)];
        let mut deployed = series("north", "prod", &[]);
        deployed.points = values.iter().map(|(k, v)| Sample { t_ms: at(*k), value: *v }).collect();
        let arrival = Arrival { range: vec![deployed], ..Arrival::default() };
        let (marks, note) = events(&[arrival], step, Some("Deployed {{namespace}}"), "on {{datasource}}");
        let spans: Vec<(i64, i64, bool)> = marks.iter().map(|m| (m.from_ms, m.to_ms, m.span)).collect();
        // 0–1 joined, 3 alone (2 is zero), 5–6 joined (4 is missing), NaN is no event.
        assert_eq!(spans, [(at(0), at(1), true), (at(3), at(3), false), (at(5), at(6), true)]);
        assert_eq!(marks[0].text, "Deployed prod: on north");
        assert_eq!(note, None);
        let many: Vec<Sample> = (0..2500).map(|k| Sample { t_ms: at(2 * k), value: 1.0 }).collect();
        let mut busy = series("north", "x", &[]);
        busy.points = many;
        let (marks, note) = events(&[Arrival { range: vec![busy], ..Arrival::default() }], step, None, "x");
        assert_eq!(marks.len(), MAX_EVENTS);
        assert!(note.unwrap().contains("found 2500 events; the first 1000"));
    }

    #[test]
    fn grafana_s_annotations_are_moments_or_spans_with_their_text_as_text() {
        let found: Vec<GrafanaAnnotation> = serde_json::from_str(
            r#"[{"id":2,"time":2000,"timeEnd":5000,"text":"Window","tags":["m"]},
                {"id":1,"time":1000,"timeEnd":1000,"text":"<b>v2</b>","tags":["deploy"]},
                {"id":3,"time":3000,"text":"","tags":["x","y"]}]"#,
        )
        .unwrap();
        let marks = grafana_marks(&found);
        let seen: Vec<(i64, i64, bool, &str)> =
            marks.iter().map(|m| (m.from_ms, m.to_ms, m.span, m.text.as_str())).collect();
        assert_eq!(
            seen,
            [(1000, 1000, false, "<b>v2</b>"), (2000, 5000, true, "Window"), (3000, 3000, false, "x, y")]
        );
        let request = crate::api::request::ApiRequest::annotations(1, 2, &["a b".into(), "c".into()]);
        assert_eq!(request.path, "api/annotations?from=1&to=2&type=annotation&limit=1000&tags=a%20b&tags=c");
    }

    #[test]
    fn annotations_read_back_as_written_and_bad_ones_name_the_line() {
        let report = parse(REPORT).unwrap();
        assert_eq!(parse(&report.to_markdown()).unwrap(), report);
        assert!(report.to_markdown().contains("    mask: {datasource: north, namespace: highmem}\n"));
        let bad = |yaml: &str| parse(&format!("---\nformat: 1\nannotations:\n{yaml}---\n")).unwrap_err();
        assert!(bad("  - at: 2026-11-14\n").message.contains("needs `text`"));
        assert!(bad("  - from: 2026-11-14\n    text: x\n").message.contains("both `from` and `to`"));
        assert!(bad("  - at: someday\n    text: x\n").message.contains("annotation time `someday`"));
        assert!(bad("  - at: now\n    text: x\n    mask: {a: b}\n").message.contains("needs a span"));
        let e = bad("  - at: now\n    text: x\n  - colour: red\n");
        assert_eq!(e.line, 6);
        assert!(e.message.contains("unknown annotation key `colour`"));
        assert!(bad("  - grafana: true\n    at: now\n").message.contains("bring their own times"));
        assert!(bad("  - at: now\n    text: x\n    tags: [a]\n").message.contains("add grafana: true"));
        let grafana =
            parse("---\nformat: 1\nannotations:\n  - grafana: true\n    tags: [deploy, \"a, b\"]\n---\n")
                .unwrap();
        assert_eq!(grafana_tags(&grafana.front.annotations), [vec!["deploy".to_owned(), "a, b".to_owned()]]);
        assert_eq!(parse(&grafana.to_markdown()).unwrap(), grafana);
        assert!(bad("  - query: up\n").message.contains("needs `title` or `text`"));
        assert!(bad("  - query: up\n    at: now\n    title: x\n").message.contains("finds its own times"));
        assert!(bad("  - at: now\n    text: x\n    step: 5m\n")
            .message
            .contains("belong to a query annotation"));
        let query = parse("---\nformat: 1\nannotations:\n  - query: changes(x[5m]) > 0\n    title: \"Deployed {{namespace}}\"\n    step: 5m\n---\n").unwrap();
        assert_eq!(parse(&query.to_markdown()).unwrap(), query);
    }
}
