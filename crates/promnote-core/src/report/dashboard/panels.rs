//! A panel's settings as a cell's options: its chart kind from its type, draw style and
//! stacking, its unit, its step, which datasources it names, and the notes beside it.

use serde_json::{Map, Value};

use super::read::{boolean, objects, one_line, text};
use crate::report::options::{CellOptions, ChartKind, ColumnRule, Scale, Unit};
use crate::report::reducer::Reducer;
use crate::time::step::{parse_step, StepSpec};

pub fn rows_titled(row: &Map<String, Value>) -> bool {
    text(row, "title").is_some_and(|t| t != "Dashboard Row" && t != "New row" && t != "Row")
        && row.get("showTitle").is_none()
}

pub fn unknown_pin_is_none(notes: &[String]) -> bool {
    !notes.iter().any(|n| n.contains("which this Grafana does not have"))
}

pub enum DsKind {
    /// Every Prometheus datasource (the default, a variable, an input).
    Any,
    /// One datasource, by uid or name.
    Pinned(String),
    /// Not Prometheus.
    Other(String),
}

pub fn is_mixed(ds: &Value) -> bool {
    match ds {
        Value::String(s) => s == "-- Mixed --",
        Value::Object(o) => {
            text(o, "uid") == Some("-- Mixed --")
                || text(o, "type") == Some("datasource") && text(o, "uid") == Some("-- Mixed --")
        }
        _ => false,
    }
}

pub fn is_prometheus_type(kind: &str) -> bool {
    matches!(
        kind,
        "prometheus"
            | "grafana-amazonprometheus-datasource"
            | "grafana-azureprometheus-datasource"
            | "victoriametrics-datasource"
            | "victoriametrics-metrics-datasource"
    )
}

/// The value axis: Grafana's log scale (`custom.scaleDistribution` of a time series,
/// `yaxes[0].logBase` of an old graph) is promnote's, which is base 10; another base
/// gets a note.
pub fn scale_of(panel: &Map<String, Value>, notes: &mut Vec<String>) -> Scale {
    let distribution = panel
        .get("fieldConfig")
        .and_then(|f| f.get("defaults"))
        .and_then(|d| d.get("custom"))
        .and_then(|c| c.get("scaleDistribution"));
    let base = match distribution {
        Some(d) if d.get("type").and_then(Value::as_str) == Some("log") => {
            d.get("log").and_then(Value::as_f64).or(Some(10.0))
        }
        _ => panel
            .get("yaxes")
            .and_then(|y| y.get(0))
            .and_then(|y| y.get("logBase"))
            .and_then(Value::as_f64)
            .filter(|b| *b > 1.0),
    };
    match base {
        None => Scale::Linear,
        Some(base) => {
            if base != 10.0 {
                notes.push(format!("the log scale's base {base}: drawn in base 10"));
            }
            Scale::Log
        }
    }
}

/// How a stat, gauge or bar gauge reduces its series (`options.reduceOptions.calcs`, or
/// an old singlestat's `valueName`) as `reduce=`; a calculation promnote does not have
/// gets a note and is left out (the default, last, then stands). Empty: the default.
pub fn reducers_of(panel: &Map<String, Value>, notes: &mut Vec<String>) -> Vec<Reducer> {
    let calcs: Vec<&str> =
        match panel.get("options").and_then(|o| o.get("reduceOptions")).and_then(|r| r.get("calcs")) {
            Some(Value::Array(calcs)) => calcs.iter().filter_map(Value::as_str).collect(),
            _ => panel.get("valueName").and_then(Value::as_str).into_iter().collect(),
        };
    let mut out = Vec::new();
    for calc in calcs {
        match Reducer::parse(calc) {
            Some(r) if !out.contains(&r) => out.push(r),
            Some(_) => {}
            None => notes.push(format!("the {} calculation: shown as last", one_line(calc))),
        }
    }
    if out == [Reducer::Last] {
        out.clear();
    }
    out
}

/// How a panel draws, as a cell's options: its kind, unit, scale and (for a stat) its
/// calculation; a stat that shows every value (`reduceOptions.values`) is a table.
pub fn drawing(panel: &Map<String, Value>, kind: &str, notes: &mut Vec<String>) -> CellOptions {
    let mut chart = chart_kind(panel, kind, notes);
    let (unit, axis) = unit_of(panel);
    let scale = scale_of(panel, notes);
    let every_value = panel
        .get("options")
        .and_then(|o| o.get("reduceOptions"))
        .and_then(|r| r.get("values"))
        .and_then(Value::as_bool)
        == Some(true);
    let reduce = match chart {
        // "Show: All values": every value, not one per series: a table.
        ChartKind::Stat if every_value => {
            chart = ChartKind::Table;
            Vec::new()
        }
        ChartKind::Stat => reducers_of(panel, notes),
        _ => Vec::new(),
    };
    let min_step = min_step_of(panel, notes);
    let mut options = CellOptions { chart, unit, axis, scale, reduce, min_step, ..CellOptions::default() };
    super::colours::apply(panel, kind, &mut options, notes);
    options
}

/// The chart kind for a panel type and its draw style.
pub fn chart_kind(panel: &Map<String, Value>, kind: &str, notes: &mut Vec<String>) -> ChartKind {
    let custom = panel
        .get("fieldConfig")
        .and_then(|f| f.get("defaults"))
        .and_then(|d| d.get("custom"))
        .and_then(Value::as_object);
    let stacking = custom
        .and_then(|c| c.get("stacking"))
        .and_then(|s| s.get("mode"))
        .and_then(Value::as_str)
        .or_else(|| panel.get("options").and_then(|o| o.get("stacking")).and_then(Value::as_str))
        .unwrap_or("none");
    match kind {
        "timeseries" | "trend" => {
            let draw = custom.and_then(|c| text(c, "drawStyle")).unwrap_or("line");
            match (draw, stacking) {
                (_, "percent") => ChartKind::Percent,
                ("bars", "normal") => ChartKind::StackedBar,
                ("bars", _) => ChartKind::Bar,
                (_, "normal") => ChartKind::Area,
                _ => ChartKind::Line,
            }
        }
        "graph" => {
            let stack = boolean(panel, "stack");
            if boolean(panel, "percentage") && stack {
                ChartKind::Percent
            } else if boolean(panel, "bars") && !boolean(panel, "lines") {
                if stack {
                    ChartKind::StackedBar
                } else {
                    ChartKind::Bar
                }
            } else if stack {
                ChartKind::Area
            } else {
                ChartKind::Line
            }
        }
        "barchart" => match stacking {
            "percent" => ChartKind::Percent,
            "normal" => ChartKind::StackedBar,
            _ => ChartKind::Bar,
        },
        "stat" | "gauge" | "bargauge" | "singlestat" => ChartKind::Stat,
        "table" | "table-old" => ChartKind::Table,
        "heatmap" if computes_buckets(panel) => {
            notes.push(
                "the heatmap Grafana calculates from the values (its own buckets): drawn as lines".to_owned(),
            );
            ChartKind::Line
        }
        "heatmap" => {
            if let Some(unit) = bucket_unit(panel) {
                notes.push(format!("the heatmap's bucket unit {}: bounds are plain numbers", one_line(unit)));
            }
            ChartKind::Heatmap
        }
        other => {
            notes.push(format!("the {other} panel's drawing: drawn as lines"));
            ChartKind::Line
        }
    }
}

/// Whether a heatmap panel makes its own buckets from the values rather than drawing the
/// query's buckets, as Grafana's migration reads it: a panel with options says so in
/// `options.calculate` (no by default); an old panel without options calculates unless
/// its `dataFormat` is `tsbuckets` (its default was `timeseries`).
fn computes_buckets(panel: &Map<String, Value>) -> bool {
    match panel.get("options").and_then(Value::as_object).filter(|o| !o.is_empty()) {
        Some(options) => options.get("calculate").and_then(Value::as_bool).unwrap_or(false),
        None => text(panel, "dataFormat") != Some("tsbuckets"),
    }
}

/// A heatmap's unit of its bucket bounds (Grafana 9's `options.yAxis.unit`, the old
/// panel's `yAxis.format`), which promnote does not write on the bounds.
fn bucket_unit(panel: &Map<String, Value>) -> Option<&str> {
    let new = panel.get("options").and_then(|o| o.get("yAxis")).and_then(|y| y.get("unit"));
    let old = panel.get("yAxis").and_then(|y| y.get("format"));
    new.or(old).and_then(Value::as_str).map(str::trim).filter(|u| !matches!(*u, "" | "short" | "none"))
}

/// What Grafana does with a panel's buckets that promnote does not: a heatmap whose
/// Prometheus query is not of the heatmap format (Grafana draws its cumulative buckets
/// as they come; promnote counts what fell in each), a heatmap-format query on a chart
/// that is not a heatmap (Grafana de-accumulates it; promnote draws it as it comes), and
/// exemplars (promnote draws none). Only the targets `queries` names (the panel's
/// Prometheus queries, by refId) are read.
pub fn bucket_notes(panel: &Map<String, Value>, chart: ChartKind, queries: &[&str], notes: &mut Vec<String>) {
    for (i, target) in objects(panel, "targets").enumerate() {
        let letter = text(target, "refId")
            .map(str::to_owned)
            .unwrap_or_else(|| crate::report::format::query_letter(i).to_string());
        if !queries.contains(&letter.as_str()) {
            continue;
        }
        let heatmap_format = text(target, "format") == Some("heatmap");
        if chart == ChartKind::Heatmap && !heatmap_format {
            notes.push(format!("query {letter} is not of the heatmap format: Grafana draws its buckets as they come, promnote counts what fell in each"));
        } else if chart != ChartKind::Heatmap && heatmap_format {
            notes.push(format!("query {letter}'s heatmap format (Grafana subtracts each bucket from the next): promnote draws the buckets as they come"));
        }
        if boolean(target, "exemplar") {
            notes.push(format!("query {letter}'s exemplars: promnote draws none"));
        }
    }
}

/// Grafana's unit as promnote's, or as the value axis' title when promnote does not
/// format it.
pub fn unit_of(panel: &Map<String, Value>) -> (Unit, Option<String>) {
    let unit = panel
        .get("fieldConfig")
        .and_then(|f| f.get("defaults"))
        .and_then(|d| d.get("unit"))
        .and_then(Value::as_str)
        .or_else(|| {
            // Old graph panels: the left axis' format.
            panel
                .get("yaxes")
                .and_then(Value::as_array)
                .and_then(|a| a.first())
                .and_then(|a| a.get("format"))
                .and_then(Value::as_str)
        })
        .or_else(|| panel.get("format").and_then(Value::as_str))
        .map(str::trim)
        .unwrap_or("");
    let ours = match unit {
        "" | "none" | "short" | "locale" | "sishort" => Some(Unit::None),
        "bytes" | "decbytes" => Some(Unit::Bytes),
        "Bps" | "binBps" | "decBps" => Some(Unit::BytesPerSecond),
        "bps" | "binbps" | "decbps" => Some(Unit::BitsPerSecond),
        "s" | "dtdurations" => Some(Unit::Seconds),
        "ms" => Some(Unit::Milliseconds),
        "percent" => Some(Unit::Percent),
        "percentunit" => Some(Unit::PercentUnit),
        "reqps" => Some(Unit::RequestsPerSecond),
        "pps" => Some(Unit::PacketsPerSecond),
        _ => None,
    };
    match ours {
        Some(u) => (u, None),
        None => (Unit::None, Some(one_line(unit))),
    }
}

/// A panel's (or its first target's) interval of one day is promnote's calendar days.
pub fn step_of(panel: &Map<String, Value>) -> Option<String> {
    min_interval(panel).filter(|i| *i == "1d" || *i == "24h").map(|_| "1d".to_owned())
}

/// The panel's or its first target's min interval (`10s`, `>1m`), as written.
fn min_interval(panel: &Map<String, Value>) -> Option<&str> {
    let interval =
        text(panel, "interval").or_else(|| objects(panel, "targets").find_map(|t| text(t, "interval")));
    interval.map(|i| i.trim().trim_start_matches('>')).filter(|i| !i.is_empty())
}

/// The smallest step a panel allows (its min interval, where it is not a calendar day):
/// `min_step=`, so that `$__interval` and `$__rate_interval` come out as in Grafana. An
/// interval promnote cannot read (a variable) and what else shapes Grafana's step
/// (`intervalFactor`, `maxDataPoints`) get a note.
pub fn min_step_of(panel: &Map<String, Value>, notes: &mut Vec<String>) -> Option<String> {
    let interval = min_interval(panel).filter(|i| *i != "1d" && *i != "24h");
    let step = interval.and_then(|i| match parse_step(i) {
        Ok(StepSpec::Fixed(_)) => Some(i.to_owned()),
        _ => {
            notes.push(format!("the min interval {}: not a duration promnote reads", one_line(i)));
            None
        }
    });
    let factor = objects(panel, "targets")
        .find_map(|t| t.get("intervalFactor").and_then(Value::as_f64))
        .filter(|f| *f > 1.0);
    if let Some(factor) = factor {
        notes.push(format!("the resolution 1/{factor} (intervalFactor): the step is not multiplied"));
    }
    if let Some(points) = panel.get("maxDataPoints").and_then(Value::as_f64) {
        notes.push(format!("max data points {points}: the step follows the chart's width"));
    }
    step
}

/// A panel's transformations as the cell's options: `organize` (order, rename, hide) on
/// a table of instant queries is `columns=`, `merge` is how such a table joins its
/// queries anyway, `reduce` (series to rows) on range queries is a summary with those
/// calculations; every other one (or these where they mean something else) is named in
/// `notes`. Turned-off ones are skipped, as Grafana skips them. `ref_ids` are the refIds
/// of the cell's queries, in order: Grafana's `Value #<refId>` is promnote's `Value #B`.
pub fn transformations(
    panel: &Map<String, Value>,
    ref_ids: &[&str],
    instant: bool,
    options: &mut CellOptions,
    notes: &mut Vec<String>,
) {
    for t in objects(panel, "transformations") {
        if boolean(t, "disabled") {
            continue;
        }
        let id = text(t, "id").unwrap_or("unnamed");
        let settings = t.get("options").and_then(Value::as_object);
        match id {
            "organize" if instant && options.chart == ChartKind::Table => {
                options.columns = organize_rules(settings, ref_ids);
            }
            "merge" if instant => {}
            "reduce"
                if !instant && settings.and_then(|o| text(o, "mode")).is_none_or(|m| m == "seriesToRows") =>
            {
                let calcs = Map::from_iter([(
                    "options".to_owned(),
                    serde_json::json!({ "reduceOptions": { "calcs": settings.and_then(|o| o.get("reducers")).cloned().unwrap_or_default() } }),
                )]);
                options.chart = ChartKind::Summary;
                options.reduce = reducers_of(&calcs, notes);
            }
            other => notes.push(format!("the {} transformation", one_line(other))),
        }
    }
}

/// Grafana's `organize` options as `columns=`: the named columns by `indexByName`, then
/// renamed (`renameByName`) and hidden (`excludeByName`) ones; `Time` has no column in
/// promnote's table and is left out.
fn organize_rules(settings: Option<&Map<String, Value>>, ref_ids: &[&str]) -> Vec<ColumnRule> {
    let Some(settings) = settings else { return Vec::new() };
    let ours = |name: &str| -> Option<String> {
        if name == "Time" {
            return None;
        }
        if let Some(id) = name.strip_prefix("Value #") {
            let i = ref_ids.iter().position(|r| *r == id)?;
            return Some(if ref_ids.len() == 1 {
                "Value".to_owned()
            } else {
                format!("Value #{}", crate::report::format::query_letter(i))
            });
        }
        Some(one_line(name).replace(", ", " ").replace(',', " "))
    };
    let map = |key: &str| settings.get(key).and_then(Value::as_object);
    let mut order: Vec<(i64, &str)> = map("indexByName")
        .map(|m| m.iter().filter_map(|(k, v)| Some((v.as_i64()?, k.as_str()))).collect())
        .unwrap_or_default();
    order.sort_unstable();
    let mut names: Vec<&str> = order.into_iter().map(|(_, k)| k).collect();
    for key in ["renameByName", "excludeByName"] {
        for k in map(key).into_iter().flat_map(|m| m.keys()) {
            if !names.contains(&k.as_str()) {
                names.push(k);
            }
        }
    }
    let mut rules: Vec<ColumnRule> = Vec::new();
    for name in names {
        let Some(ours) = ours(name) else { continue };
        if rules.iter().any(|r| r.name == ours) {
            continue;
        }
        let hidden = map("excludeByName").and_then(|m| m.get(name)).and_then(Value::as_bool) == Some(true);
        let shown = map("renameByName")
            .and_then(|m| text(m, name))
            .map(|s| one_line(s).replace(", ", " ").replace(',', " "))
            .filter(|s| !s.is_empty() && !hidden);
        rules.push(ColumnRule { name: ours, shown, hidden });
    }
    rules
}

/// What the panel has that promnote does not draw: field overrides, links, an alert rule.
pub fn unsupported(panel: &Map<String, Value>) -> Vec<String> {
    let mut notes = Vec::new();
    for (what, present) in [
        (
            "field overrides",
            panel
                .get("fieldConfig")
                .and_then(|f| f.get("overrides"))
                .and_then(Value::as_array)
                .is_some_and(|o| !o.is_empty()),
        ),
        ("links", panel.get("links").and_then(Value::as_array).is_some_and(|l| !l.is_empty())),
        ("an alert rule", panel.contains_key("alert")),
    ] {
        if present {
            notes.push(what.to_owned());
        }
    }
    notes
}

/// Whether a target is Grafana's instant query: `"instant": true` without `"range": true`
/// (older dashboards write only `instant`), or `"range": false`.
pub fn is_instant(target: &Map<String, Value>) -> bool {
    let (instant, range) =
        (target.get("instant").and_then(Value::as_bool), target.get("range").and_then(Value::as_bool));
    matches!((instant, range), (Some(true), None | Some(false)) | (_, Some(false)))
}

/// Whether a target asks Grafana for both a range and an instant query ("Both").
pub fn instant_and_range(target: &Map<String, Value>) -> bool {
    boolean(target, "instant") && boolean(target, "range")
}

/// The note beside a panel's place.
pub fn note_text(title: &str, notes: &[String]) -> String {
    let items: Vec<String> = notes.iter().map(|n| escape_markdown(n)).collect();
    format!("> Not carried over from the panel *{}*: {}.", escape_markdown(title), items.join("; "))
}

/// Text for Markdown prose: characters that would start markup get a backslash.
pub fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\`*_[]<>#|~!".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
