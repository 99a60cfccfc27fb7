//! The converter, tested on small dashboards of every shape (the fourteen real ones are
//! in `tests/dashboards.rs`).

use super::read::*;
use super::*;
use crate::report::format::{self, Block, Cell};
use crate::report::options::{ChartKind, Scale, Unit};
use crate::report::reducer::Reducer;
use crate::report::variables::{AllValue, Selection, Source, VarQuery};
use serde_json::{json, Value};

fn convert_value(v: &Value) -> Conversion {
    convert(&v.to_string(), &Known::default()).unwrap()
}

fn cells(c: &Conversion) -> Vec<&Cell> {
    c.report.cells().collect()
}

fn timeseries(title: &str, custom: &Value, unit: &str) -> Value {
    json!({ "type": "timeseries", "title": title,
        "fieldConfig": { "defaults": { "unit": unit, "custom": custom } },
        "targets": [{ "refId": "A", "expr": "up", "legendFormat": "{{job}}" }] })
}

#[test]
fn panel_types_and_draw_styles_become_chart_kinds() {
    let d = json!({ "title": "T", "panels": [
        timeseries("a", &json!({ "drawStyle": "bars", "stacking": { "mode": "normal" } }), "bytes"),
        timeseries("b", &json!({ "drawStyle": "line", "stacking": { "mode": "normal" } }), "s"),
        timeseries("c", &json!({ "drawStyle": "line", "stacking": { "mode": "percent" } }), "percent"),
        timeseries("d", &json!({ "drawStyle": "bars" }), "percentunit"),
        timeseries("e", &json!({ "drawStyle": "points" }), "kbytes"),
        { "type": "graph", "title": "f", "stack": true, "bars": true, "lines": false, "targets": [{ "expr": "up" }], "yaxes": [{ "format": "reqps" }] },
        { "type": "graph", "title": "g", "stack": true, "lines": true, "targets": [{ "expr": "up" }] },
        { "type": "graph", "title": "h", "stack": true, "percentage": true, "targets": [{ "expr": "up" }] },
        { "type": "barchart", "title": "i", "options": { "stacking": "normal" }, "targets": [{ "expr": "up" }] },
        { "type": "stat", "title": "j", "targets": [{ "expr": "up" }], "fieldConfig": { "defaults": { "unit": "ms" } } },
        { "type": "gauge", "title": "k", "targets": [{ "expr": "up" }] },
        { "type": "bargauge", "title": "l", "targets": [{ "expr": "up" }] },
        { "type": "table", "title": "m", "targets": [{ "expr": "up" }] },
        { "type": "heatmap", "title": "n", "options": { "calculate": true }, "targets": [{ "expr": "up" }] }
    ]});
    let c = convert_value(&d);
    let kinds: Vec<(ChartKind, Unit, Option<&str>)> =
        cells(&c).iter().map(|c| (c.options.chart, c.options.unit, c.options.axis.as_deref())).collect();
    use ChartKind::*;
    assert_eq!(
        kinds,
        [
            (StackedBar, Unit::Bytes, None),
            (Area, Unit::Seconds, None),
            (Percent, Unit::Percent, None),
            (Bar, Unit::PercentUnit, None),
            (Line, Unit::None, Some("kbytes")),
            (StackedBar, Unit::RequestsPerSecond, None),
            (Area, Unit::None, None),
            (Percent, Unit::None, None),
            (StackedBar, Unit::None, None),
            (Stat, Unit::Milliseconds, None),
            (Stat, Unit::None, None),
            (Stat, Unit::None, None),
            (Table, Unit::None, None),
            (Line, Unit::None, None),
        ]
    );
    assert!(c.dropped.iter().any(|d| d.panel.as_deref() == Some("n")
        && d.what == "the heatmap Grafana calculates from the values (its own buckets): drawn as lines"));
    assert_eq!(cells(&c)[0].options.legend.as_deref(), Some("{{job}}"));
}

#[test]
fn heatmaps_of_buckets_become_heatmap_cells_and_exemplars_are_listed() {
    let bucket = "sum by (le) (rate(http_request_duration_seconds_bucket[$__rate_interval]))";
    let d = json!({ "title": "T", "panels": [
        // Grafana 9+: the query's buckets, as they come.
        { "type": "heatmap", "title": "new", "options": { "calculate": false, "yAxis": { "unit": "s" } },
          "targets": [{ "refId": "A", "expr": bucket, "format": "heatmap", "exemplar": true }] },
        // The old panel: time-series buckets.
        { "type": "heatmap", "title": "old", "dataFormat": "tsbuckets",
          "targets": [{ "expr": bucket, "format": "heatmap" }] },
        // The old panel's default: Grafana makes the buckets.
        { "type": "heatmap", "title": "values", "dataFormat": "timeseries", "targets": [{ "expr": "up" }] },
        // Options say, even beside an old data format; without either, Grafana calculates.
        { "type": "heatmap", "title": "migrated", "options": { "color": {} }, "dataFormat": "timeseries",
          "targets": [{ "expr": bucket, "format": "heatmap" }] },
        { "type": "heatmap", "title": "bare", "targets": [{ "expr": "up" }] },
        // Buckets not of the heatmap format, and a heatmap format on a time series.
        { "type": "heatmap", "title": "raw", "options": { "calculate": false }, "targets": [{ "refId": "Q", "expr": bucket }] },
        { "type": "timeseries", "title": "lines", "targets": [{ "expr": bucket, "format": "heatmap" }] },
        // A Loki target's fields are not read as Prometheus'.
        { "type": "heatmap", "title": "logs", "datasource": { "type": "loki", "uid": "l" }, "options": { "calculate": false },
          "targets": [{ "refId": "L", "expr": "{app=\"x\"}" }] }
    ]});
    let c = convert_value(&d);
    let kinds: Vec<(&str, ChartKind)> =
        cells(&c).iter().map(|c| (c.options.title.as_deref().unwrap_or(""), c.options.chart)).collect();
    assert_eq!(
        kinds,
        [
            ("new", ChartKind::Heatmap),
            ("old", ChartKind::Heatmap),
            ("values", ChartKind::Line),
            ("migrated", ChartKind::Heatmap),
            ("bare", ChartKind::Line),
            ("raw", ChartKind::Heatmap),
            ("lines", ChartKind::Line)
        ]
    );
    let said = |panel: &str| -> Vec<&str> {
        c.dropped.iter().filter(|d| d.panel.as_deref() == Some(panel)).map(|d| d.what.as_str()).collect()
    };
    assert_eq!(
        said("new"),
        ["the heatmap's bucket unit s: bounds are plain numbers", "query A's exemplars: promnote draws none"]
    );
    assert!(said("migrated").is_empty());
    assert_eq!(
        said("bare"),
        ["the heatmap Grafana calculates from the values (its own buckets): drawn as lines"]
    );
    assert!(said("old").is_empty());
    assert_eq!(
        said("values"),
        ["the heatmap Grafana calculates from the values (its own buckets): drawn as lines"]
    );
    assert_eq!(
        said("raw"),
        ["query Q is not of the heatmap format: Grafana draws its buckets as they come, promnote counts what fell in each"]
    );
    assert_eq!(
        said("lines"),
        ["query A's heatmap format (Grafana subtracts each bucket from the next): promnote draws the buckets as they come"]
    );
    assert_eq!(said("logs"), ["query L, which asks a loki datasource"]);
    // The cell reads back as the heatmap it is.
    let text = c.report.to_markdown();
    assert!(text.contains("chart=heatmap"), "{text}");
    assert_eq!(crate::report::format::parse(&text).unwrap(), c.report);
}

#[test]
fn log_scales_carry_over() {
    let d = json!({ "title": "T", "panels": [
        timeseries("ten", &json!({ "scaleDistribution": { "type": "log", "log": 10 } }), "short"),
        timeseries("two", &json!({ "scaleDistribution": { "type": "log", "log": 2 } }), "short"),
        timeseries("linear", &json!({ "scaleDistribution": { "type": "linear" } }), "short"),
        { "type": "graph", "title": "old", "targets": [{ "expr": "up" }], "yaxes": [{ "logBase": 10 }, { "logBase": 1 }] },
        { "type": "graph", "title": "old linear", "targets": [{ "expr": "up" }], "yaxes": [{ "logBase": 1 }] }
    ]});
    let c = convert_value(&d);
    let scales: Vec<Scale> = cells(&c).iter().map(|c| c.options.scale).collect();
    assert_eq!(scales, [Scale::Log, Scale::Log, Scale::Linear, Scale::Log, Scale::Linear]);
    assert!(
        c.dropped.iter().any(|d| d.panel.as_deref() == Some("two") && d.what.contains("base 2")),
        "{:?}",
        c.dropped
    );
    assert!(c.report.to_markdown().contains("scale=log"));
}

#[test]
fn a_stat_s_calculation_becomes_reduce() {
    let stat = |title: &str, options: Value| json!({ "type": "stat", "title": title, "targets": [{ "expr": "up" }], "options": options });
    let d = json!({ "title": "T", "panels": [
        stat("mean", json!({ "reduceOptions": { "calcs": ["mean"] } })),
        stat("last", json!({ "reduceOptions": { "calcs": ["lastNotNull"] } })),
        stat("two", json!({ "reduceOptions": { "calcs": ["max", "p95", "max"] } })),
        { "type": "singlestat", "title": "old", "targets": [{ "expr": "up" }], "valueName": "avg" },
        stat("every", json!({ "reduceOptions": { "values": true, "calcs": ["mean"] } }))
    ]});
    let c = convert_value(&d);
    let reduce: Vec<Vec<Reducer>> = cells(&c).iter().map(|c| c.options.reduce.clone()).collect();
    assert_eq!(reduce, [vec![Reducer::Mean], vec![], vec![Reducer::Max], vec![Reducer::Mean], vec![]]);
    assert_eq!(cells(&c)[4].options.chart, ChartKind::Table, "every value is a table");
    assert!(
        c.dropped.iter().any(|d| d.panel.as_deref() == Some("two") && d.what.contains("the p95 calculation")),
        "{:?}",
        c.dropped
    );
    assert!(c.report.to_markdown().contains("chart=stat reduce=mean"));
}

#[test]
fn a_min_interval_becomes_min_step_and_what_else_shapes_the_step_is_said() {
    let d = json!({ "title": "T", "panels": [
        { "type": "timeseries", "title": "panel", "interval": ">1m", "targets": [{ "expr": "rate(x[$__rate_interval])" }] },
        { "type": "timeseries", "title": "target", "targets": [{ "expr": "up", "interval": "30s", "intervalFactor": 2 }] },
        { "type": "timeseries", "title": "variable", "interval": "$interval", "maxDataPoints": 100, "targets": [{ "expr": "up" }] },
        { "type": "timeseries", "title": "daily", "interval": "1d", "targets": [{ "expr": "up" }] }
    ]});
    let c = convert_value(&d);
    let steps: Vec<(Option<&str>, Option<&str>)> =
        cells(&c).iter().map(|c| (c.options.min_step.as_deref(), c.options.step.as_deref())).collect();
    assert_eq!(steps, [(Some("1m"), None), (Some("30s"), None), (None, None), (None, Some("1d"))]);
    let said = |panel: &str, what: &str| {
        c.dropped.iter().any(|d| d.panel.as_deref() == Some(panel) && d.what.contains(what))
    };
    assert!(said("target", "intervalFactor"), "{:?}", c.dropped);
    assert!(said("variable", "the min interval $interval"), "{:?}", c.dropped);
    assert!(said("variable", "max data points 100"), "{:?}", c.dropped);
    assert!(c.report.to_markdown().contains("min_step=1m"));
}

#[test]
fn a_datasource_variable_of_another_type_keeps_its_panels_out() {
    let d = json!({
        "title": "Logs and metrics",
        "__inputs": [
            { "name": "DS_LOKI", "type": "datasource", "pluginId": "loki" },
            { "name": "DS_PROM", "type": "datasource", "pluginId": "prometheus" }
        ],
        "templating": { "list": [
            { "name": "loki_datasource", "type": "datasource", "query": "loki" },
            { "name": "prom", "type": "datasource", "query": "prometheus" }
        ] },
        "panels": [
            { "type": "logs", "title": "input", "datasource": "${DS_LOKI}", "targets": [{ "expr": "{app=\"x\"}" }] },
            { "type": "timeseries", "title": "variable", "datasource": "$loki_datasource", "targets": [{ "expr": "count_over_time({app=\"x\"}[5m])" }] },
            { "type": "timeseries", "title": "object", "datasource": { "uid": "${loki_datasource}" }, "targets": [{ "expr": "rate({app=\"x\"}[1m])" }] },
            { "type": "timeseries", "title": "metrics", "datasource": "${DS_PROM}", "targets": [{ "expr": "up" }] },
            { "type": "timeseries", "title": "chosen", "datasource": "$prom", "targets": [{ "expr": "rate(x[5m])" }] }
        ]
    });
    let c = convert_value(&d);
    let queries: Vec<&str> = cells(&c).iter().map(|c| c.query.as_str()).collect();
    assert_eq!(queries, ["up", "rate(x[5m])"]);
    for panel in ["input", "variable", "object"] {
        assert!(
            c.dropped.iter().any(|d| d.panel.as_deref() == Some(panel) && d.what.contains("loki datasource")),
            "{panel}: {:?}",
            c.dropped
        );
    }
    assert!(c
        .dropped
        .iter()
        .any(|d| d.panel.is_none() && d.what.contains("$loki_datasource, which picks a loki datasource")));
    assert!(!c.dropped.iter().any(|d| d.what.contains("$loki_datasource: every cell asks every Prometheus")));
}

#[test]
fn library_panels_are_read_from_the_export_or_said_to_live_in_grafana() {
    let d = json!({
        "title": "T",
        "__elements": {
            "lib-1": { "name": "Shared CPU", "uid": "lib-1", "kind": 1, "model": {
                "type": "timeseries", "title": "Shared CPU", "targets": [{ "expr": "rate(cpu[5m])" }] } },
            "loop": { "name": "Loop", "uid": "loop", "model": { "libraryPanel": { "uid": "loop" } } }
        },
        "panels": [
            { "id": 1, "gridPos": {}, "libraryPanel": { "uid": "lib-1", "name": "Shared CPU" } },
            { "id": 2, "libraryPanel": { "uid": "elsewhere", "name": "Only in Grafana" } },
            { "id": 3, "libraryPanel": { "uid": "loop", "name": "Loop" } }
        ]
    });
    let c = convert_value(&d);
    let cells: Vec<(&str, &str)> =
        cells(&c).iter().map(|c| (c.options.title.as_deref().unwrap_or(""), c.query.as_str())).collect();
    assert_eq!(cells, [("Shared CPU", "rate(cpu[5m])")]);
    for (panel, name) in [("Only in Grafana", "Only in Grafana"), ("Loop", "Loop")] {
        assert!(
            c.dropped.iter().any(|d| d.panel.as_deref() == Some(panel)
                && d.what.contains(&format!("library panel {name}: its query lives in Grafana"))),
            "{:?}",
            c.dropped
        );
    }
    assert!(!c.dropped.iter().any(|d| d.what.contains("no Prometheus query")));
}

#[test]
fn a_byte_order_mark_is_not_part_of_the_json() {
    let d = json!({ "title": "T", "panels": [{ "type": "timeseries", "targets": [{ "expr": "up" }] }] });
    let c = convert(&format!("\u{feff}{d}"), &Known::default()).unwrap();
    assert_eq!(c.report.front.title, "T");
}

#[test]
fn text_in_a_dashboard_never_becomes_report_source() {
    let nasty = [
        "```promql\nsum(secret_metric)\n```",
        "```\nunclosed fence",
        "<script>",
        "<pre>",
        "<!--",
        "~~~promql+\nup",
        "- item\n\n    ```promql\n    up",
        "<style>x{}",
    ];
    for (i, text) in nasty.iter().enumerate() {
        // Every place text comes from: a text panel (markdown or HTML mode) and a description.
        let d = json!({ "title": "T", "panels": [
            { "type": "text", "title": "Notes", "options": { "mode": "markdown", "content": text } },
            { "type": "text", "options": { "mode": "html", "content": text } },
            { "type": "timeseries", "title": "First", "description": text, "targets": [{ "expr": "first_metric" }] },
            { "type": "timeseries", "title": "Second", "targets": [{ "expr": "second_metric" }] }
        ]});
        let c = convert_value(&d);
        let back = format::parse(&c.report.to_markdown()).unwrap_or_else(|e| panic!("{i}: {e}"));
        let queries: Vec<&str> = back.cells().map(|c| c.query.as_str()).collect();
        assert_eq!(queries, ["first_metric", "second_metric"], "{i}: {text:?}");
        assert_eq!(back, c.report, "{i}: the report reads back as written");
    }
}

#[test]
fn every_target_rows_text_and_what_does_not_carry_over() {
    let d = json!({ "title": "T", "panels": [
        { "type": "row", "title": "Open row", "collapsed": false, "gridPos": { "y": 0, "x": 0 } },
        { "type": "timeseries", "title": "Three", "gridPos": { "y": 1, "x": 0 }, "description": "What it shows.",
          "transformations": [{ "id": "merge" }],
          "targets": [
            { "refId": "A", "expr": "a", "legendFormat": "__auto" },
            { "refId": "B", "expr": "b", "legendFormat": "" },
            { "refId": "C", "expr": "c", "legendFormat": "{{x}} c", "hide": true },
            { "refId": "D", "datasource": { "type": "loki", "uid": "l" }, "expr": "{job=\"x\"}" }
          ] },
        { "type": "text", "title": "Notes", "gridPos": { "y": 2, "x": 0 }, "options": { "mode": "markdown", "content": "# Hello\n\n*world*" } },
        { "type": "row", "title": "Closed row", "collapsed": true, "gridPos": { "y": 3, "x": 0 }, "panels": [
            { "type": "timeseries", "title": "Inside", "targets": [{ "expr": "inside" }] }
        ] },
        { "type": "news", "title": "Plugin", "gridPos": { "y": 4, "x": 0 } }
    ]});
    let c = convert_value(&d);
    let all = cells(&c);
    let three: Vec<(&str, Option<&str>)> = all[0].queries().collect();
    assert_eq!(three, [("a", None), ("b", None), ("c", Some("{{x}} c"))]);
    assert_eq!(all[1].query, "inside");
    let text = c.report.to_markdown();
    for needle in
        ["## Open row", "What it shows.", "# Hello\n\n*world*", "## Closed row", "```promql+\nb\n```"]
    {
        assert!(text.contains(needle), "{needle}: {text}");
    }
    let said: Vec<String> = c.dropped.iter().map(|d| format!("{:?}: {}", d.panel, d.what)).collect();
    for needle in
        ["the merge transformation", "query D, which asks a loki datasource", "query C is hidden", "Plugin"]
    {
        assert!(said.iter().any(|s| s.contains(needle)), "{needle}: {said:?}");
    }
    // Beside the panel, too.
    assert!(text.contains("> Not carried over from the panel *Three*"), "{text}");
}

#[test]
fn variables_keep_their_kind_choices_and_all() {
    let d = json!({ "title": "T", "panels": [], "templating": { "list": [
        { "type": "datasource", "name": "ds", "query": "prometheus" },
        { "type": "query", "name": "job", "query": "label_values(up, job)", "multi": true, "includeAll": true, "allValue": null,
          "current": { "value": ["$__all"] }, "regex": "/node.*/" },
        { "type": "query", "name": "node", "query": { "query": "label_values(up{job=~\"$job\"}, instance)", "refId": "A" },
          "current": { "value": "a:9100" } },
        { "type": "query", "name": "metric", "query": { "qryType": 2, "metric": "node_.*" }, "includeAll": true, "allValue": ".*" },
        { "type": "query", "name": "top", "query": "query_result(topk(3, up))", "includeAll": true, "allValue": ".+" },
        { "type": "custom", "name": "show", "query": "Show : 1,Hide : 0", "current": { "value": "1" } },
        { "type": "interval", "name": "every", "query": "1m,10m,1h", "auto": true },
        { "type": "constant", "name": "cluster", "query": "north" },
        { "type": "textbox", "name": "filter", "query": "x", "current": { "value": "typed" } },
        { "type": "adhoc", "name": "filters" },
        { "type": "query", "name": "series", "query": "up{job=\"x\"}", "current": { "value": "up" } },
        { "type": "query", "name": "bad name" }
    ]}});
    let c = convert_value(&d);
    let v = &c.report.front.variables;
    let names: Vec<&str> = v.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["job", "node", "metric", "top", "show", "every", "cluster", "filter", "series"]);
    assert_eq!(
        (v[0].all_value.clone(), v[0].default.clone(), v[0].regex.as_deref()),
        (AllValue::Listed, Some(Selection::All), Some("/node.*/"))
    );
    assert!(
        v[1].source == Source::Query(VarQuery::parse(r#"label_values(up{job=~"$job"}, instance)"#).unwrap())
    );
    assert_eq!(v[1].default, Some(Selection::Values(vec!["a:9100".into()])));
    assert_eq!(
        (v[2].source.clone(), v[2].all_value.clone()),
        (Source::Query(VarQuery::Metrics("node_.*".into())), AllValue::Any)
    );
    assert_eq!(v[3].all_value, AllValue::Raw(".+".into()));
    assert_eq!(v[4].source, Source::Values(vec!["1".into(), "0".into()]));
    assert_eq!(v[5].source, Source::Values(vec!["1m".into(), "10m".into(), "1h".into()]));
    assert_eq!(v[6].source, Source::Constant("north".into()));
    assert_eq!(v[7].source, Source::Text("typed".into()));
    assert_eq!(v[8].source, Source::Text("up".into()), "a series query is a text box of its value");
    let said: Vec<&str> = c.dropped.iter().map(|d| d.what.as_str()).collect();
    for needle in [
        "datasource variable $ds",
        "ad hoc filters $filters",
        "auto option of $every",
        "the query of $series",
        "not a variable name",
    ] {
        assert!(said.iter().any(|s| s.contains(needle)), "{needle}: {said:?}");
    }
    let back = format::parse(&c.report.to_markdown()).unwrap();
    assert_eq!(back, c.report);
}

#[test]
fn datasources_inputs_and_pins() {
    let d = json!({ "title": "T", "__inputs": [{ "name": "DS_PROMETHEUS", "type": "datasource", "pluginId": "prometheus" }],
        "panels": [
            { "type": "timeseries", "title": "input", "datasource": "${DS_PROMETHEUS}", "targets": [{ "expr": "a" }] },
            { "type": "timeseries", "title": "pinned", "datasource": { "type": "prometheus", "uid": "prom-north" }, "targets": [{ "expr": "b" }] },
            { "type": "timeseries", "title": "foreign", "datasource": { "type": "prometheus", "uid": "somebody-elses" }, "targets": [{ "expr": "c" }] },
            { "type": "timeseries", "title": "by name", "datasource": "cluster-north", "targets": [{ "expr": "d" }] },
            { "type": "timeseries", "title": "mixed", "datasource": { "uid": "-- Mixed --" }, "targets": [
                { "expr": "e", "datasource": { "type": "prometheus", "uid": "$ds" } },
                { "expr": "f", "datasource": { "type": "elasticsearch", "uid": "es" } } ] },
            { "type": "timeseries", "title": "loki", "datasource": { "type": "loki", "uid": "l" }, "targets": [{ "expr": "{a=\"b\"}" }] }
        ] });
    let known = Known { datasources: vec![("prom-north".into(), "cluster-north".into())] };
    let c = convert(&d.to_string(), &known).unwrap();
    let pins: Vec<(&str, Option<Vec<String>>)> =
        cells(&c).iter().map(|c| (c.query.as_str(), c.options.datasources.clone())).collect();
    let north = Some(vec!["prom-north".to_owned()]);
    assert_eq!(pins, [("a", None), ("b", north.clone()), ("c", None), ("d", north), ("e", None)]);
    let said: Vec<String> = c.dropped.iter().map(|d| format!("{:?}: {}", d.panel, d.what)).collect();
    assert!(said.iter().any(|s| s.contains("foreign") && s.contains("somebody-elses")), "{said:?}");
    assert!(said.iter().any(|s| s.contains("elasticsearch")), "{said:?}");
    assert!(said.iter().any(|s| s.contains("loki")), "{said:?}");
}

#[test]
fn time_ranges_of_the_dashboard_and_its_panels() {
    let d = json!({ "title": "T", "time": { "from": "now-7d", "to": "now" }, "refresh": "30s", "panels": [
        { "type": "timeseries", "title": "last hour", "timeFrom": "1h", "targets": [{ "expr": "a" }] },
        { "type": "timeseries", "title": "a day ago", "timeShift": "1d", "targets": [{ "expr": "b" }] },
        { "type": "timeseries", "title": "both", "timeFrom": "now-2h", "timeShift": "1w", "targets": [{ "expr": "c" }] },
        { "type": "timeseries", "title": "daily", "interval": "1d", "targets": [{ "expr": "d" }] },
        { "type": "timeseries", "title": "bad", "timeFrom": "fortnight", "targets": [{ "expr": "e" }] }
    ]});
    let c = convert_value(&d);
    assert_eq!((c.report.front.from.as_str(), c.report.front.to.as_str()), ("now-7d", "now"));
    let ranges: Vec<(Option<&str>, Option<&str>, Option<&str>)> = cells(&c)
        .iter()
        .map(|c| (c.options.from.as_deref(), c.options.to.as_deref(), c.options.step.as_deref()))
        .collect();
    assert_eq!(
        ranges,
        [
            (Some("now-1h"), None, None),
            (Some("now-7d-1d"), Some("now-1d"), None),
            (Some("now-1w-2h"), Some("now-1w"), None),
            (None, None, Some("1d")),
            (None, None, None)
        ]
    );
    let said: Vec<&str> = c.dropped.iter().map(|d| d.what.as_str()).collect();
    assert!(said.iter().any(|s| s.contains("refresh every 30s")));
    assert!(said.iter().any(|s| s.contains("fortnight")));
    // Every range and step reads.
    let nb = format::parse(&c.report.to_markdown()).unwrap();
    let now = jiff::Timestamp::from_millisecond(1_795_399_726_500).unwrap();
    for cell in nb.cells() {
        let (from, to) = (cell.options.from.as_deref(), cell.options.to.as_deref());
        let range = crate::time::TimeRange::parse(
            from.unwrap_or("now-7d"),
            to.unwrap_or("now"),
            now,
            &jiff::tz::TimeZone::UTC,
        );
        assert!(range.is_ok(), "{:?}: {range:?}", cell.options.title);
        if let Some(step) = &cell.options.step {
            assert!(crate::time::step::parse_step(step).is_ok(), "{step}");
        }
    }
}

#[test]
fn old_dashboards_with_rows_and_bracket_variables() {
    let d = json!({ "title": "Old", "schemaVersion": 14, "rows": [
        { "title": "CPU", "showTitle": true, "panels": [
            { "type": "graph", "title": "cpu", "targets": [{ "expr": "rate(node_cpu{instance=~\"[[node]]\"}[5m])", "legendFormat": "{{mode}}" }] },
            { "type": "singlestat", "title": "up", "targets": [{ "expr": "up{instance=\"[[node]]\"}" }], "format": "percent" } ] },
        { "title": "Dashboard Row", "panels": [ { "type": "graph", "title": "mem", "targets": [{ "expr": "node_memory_MemFree" }] } ] }
    ], "templating": { "list": [ { "type": "query", "name": "node", "query": "label_values(node_boot_time, instance)" } ] } });
    let c = convert_value(&d);
    let all = cells(&c);
    assert_eq!(all.len(), 3);
    assert_eq!((all[1].options.chart, all[1].options.unit), (ChartKind::Stat, Unit::Percent));
    let text = c.report.to_markdown();
    assert!(text.contains("## CPU") && !text.contains("## Dashboard Row"), "{text}");
    let one = Selection::Values(vec!["10.0.0.1:9100".into()]);
    let bindings: crate::report::substitute::Bindings = [(
        "node".to_owned(),
        crate::report::substitute::Binding::Variable {
            selection: one,
            regex: false,
            all: AllValue::Any,
            listed: Vec::new(),
        },
    )]
    .into_iter()
    .collect();
    assert_eq!(
        crate::report::substitute::substitute(&all[1].query, &bindings),
        "up{instance=\"10.0.0.1:9100\"}"
    );
}

#[test]
fn hostile_dashboards_are_clear_errors_or_inert_text() {
    let refused = |text: &str| convert(text, &Known::default()).unwrap_err().0;
    assert!(refused("not json").contains("not a Grafana dashboard"));
    assert!(refused("[1, 2]").contains("object"));
    assert!(refused("{\"hello\": 1}").contains("no panels"));
    let deep = format!("{{\"panels\": {}{}}}", "[".repeat(5000), "]".repeat(5000));
    assert!(refused(&deep).contains("not a Grafana dashboard"));
    let huge = format!("{{\"panels\": [], \"title\": \"{}\"}}", "x".repeat(MAX_DASHBOARD_BYTES));
    assert!(refused(&huge).contains("MB"));
    let many: Vec<Value> = (0..=MAX_PANELS).map(|_| json!({ "type": "timeseries" })).collect();
    assert!(refused(&json!({ "panels": many }).to_string()).contains("more than"));
    // Wrong types are skipped, not trusted.
    let odd = json!({ "title": 7, "panels": [ "x", 5, { "type": 3, "title": ["t"], "targets": 5 },
        { "type": "timeseries", "targets": [ 1, { "expr": 2 }, { "expr": "up", "legendFormat": 9 } ] } ],
        "templating": { "list": [ 1, { "name": "v", "type": "custom", "query": 5 } ] }, "time": { "from": 1 } });
    let c = convert_value(&odd);
    assert_eq!(c.report.front.title, "Grafana dashboard");
    assert_eq!(cells(&c).len(), 1);
    // Markup in titles and text stays text: escaped in prose, inert in the page's Markdown.
    let script = "<script>alert(1)</script><img src=x onerror=alert(2)>";
    let d = json!({ "title": script, "panels": [
        { "type": "row", "title": script },
        { "type": "text", "options": { "mode": "html", "content": script } },
        { "type": "timeseries", "title": script, "description": script, "targets": [{ "expr": "up", "legendFormat": script }] } ] });
    let c = convert_value(&d);
    let text = c.report.to_markdown();
    let back = format::parse(&text).unwrap();
    assert_eq!(back.cells().next().unwrap().options.title.as_deref(), Some(script), "a title is text");
    // The page's prose has no node kind for HTML: what shows is the text itself.
    let shown: String = back
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Prose(p) => Some(crate::report::prose::plain_text(&crate::report::prose::render(p))),
            Block::Cell(_) => None,
        })
        .collect();
    assert!(shown.contains(script), "{shown}");
    assert!(c.dropped.iter().any(|d| d.what.contains("HTML")));
}

#[test]
fn repeated_panels_and_rows_become_repeated_cells() {
    let var = |name: &str, multi: bool| json!({ "name": name, "type": "query", "query": "label_values(up, job)", "multi": multi, "includeAll": false });
    let panel = |title: &str, repeat: Option<&str>| {
        let mut p = timeseries(title, &json!({}), "short");
        if let Some(r) = repeat {
            p["repeat"] = json!(r);
        }
        p
    };
    let d = json!({ "title": "T",
        "templating": { "list": [var("job", true), var("one", false),
            { "name": "ds", "type": "datasource", "query": "prometheus" }] },
        "panels": [
            panel("per job", Some("job")),
            panel("single", Some("one")),
            panel("per ds", Some("ds")),
            { "type": "row", "title": "Jobs", "repeat": "job", "gridPos": { "y": 10, "x": 0 },
              "panels": [panel("in row", None)] },
        ] });
    let c = convert_value(&d);
    let repeats: Vec<(&str, Option<&str>)> =
        cells(&c).iter().map(|cell| (cell.title(), cell.options.repeat.as_deref())).collect();
    // (Panels without a grid position are at the top left, as Grafana places them.)
    assert_eq!(
        repeats,
        [("per job", Some("job")), ("single", None), ("per ds", None), ("in row", Some("job"))]
    );
    let dropped: Vec<&str> = c.dropped.iter().map(|d| d.what.as_str()).collect();
    assert!(dropped.iter().any(|d| d.contains("the repeat for each value of $ds")), "{dropped:?}");
    assert!(!dropped.iter().any(|d| d.contains("$job") || d.contains("$one")), "{dropped:?}");
    // The report reads back: each repeat names a variable of several values.
    assert_eq!(crate::report::format::parse(&c.report.to_markdown()).unwrap(), c.report);
}

#[test]
fn dashboard_annotations_become_query_and_grafana_annotations() {
    use crate::report::annotations::When;
    let d = json!({ "title": "T", "panels": [timeseries("a", &json!({}), "short")],
        "annotations": { "list": [
            { "builtIn": 1, "datasource": { "type": "grafana", "uid": "-- Grafana --" }, "enable": true,
              "name": "Annotations & Alerts", "type": "dashboard" },
            { "datasource": { "type": "prometheus", "uid": "${DS_PROMETHEUS}" }, "enable": true,
              "expr": "changes(kube_deployment_status_observed_generation[5m]) > 0", "step": "5m",
              "titleFormat": "Deployed {{namespace}}", "textFormat": "{{deployment}}", "name": "Deploys" },
            { "datasource": { "type": "grafana", "uid": "-- Grafana --" }, "enable": true, "name": "Releases",
              "target": { "type": "tags", "tags": ["release", "prod"], "limit": 100 } },
            { "datasource": { "type": "loki", "uid": "logs" }, "enable": true, "expr": "{app=\"x\"}", "name": "Logs" },
            { "datasource": { "type": "prometheus", "uid": "p" }, "enable": false, "expr": "up", "name": "Off" },
        ] } });
    let c = convert_value(&d);
    let annotations = &c.report.front.annotations;
    assert_eq!(annotations.len(), 2, "{annotations:?}");
    assert_eq!(
        annotations[0].when,
        When::Query {
            query: "changes(kube_deployment_status_observed_generation[5m]) > 0".into(),
            title: Some("Deployed {{namespace}}".into()),
            step: Some("5m".into()),
        }
    );
    assert_eq!(annotations[0].text, "{{deployment}}");
    assert_eq!(annotations[1].when, When::Grafana { tags: vec!["release".into(), "prod".into()] });
    let dropped: Vec<&str> = c.dropped.iter().map(|d| d.what.as_str()).collect();
    assert!(dropped.iter().any(|d| d.contains("\"Logs\"")), "{dropped:?}");
    assert!(dropped.iter().any(|d| d.contains("\"Off\", turned off")), "{dropped:?}");
    assert!(!dropped.iter().any(|d| d.contains("Annotations & Alerts")), "{dropped:?}");
    assert_eq!(format::parse(&c.report.to_markdown()).unwrap(), c.report);
}

#[test]
fn instant_queries_tables_and_their_transformations_carry_over() {
    let d = json!({ "title": "T", "panels": [
        { "type": "table", "title": "Targets", "targets": [
            { "refId": "up", "expr": "up", "instant": true, "range": false, "format": "table" },
            { "refId": "cpu", "expr": "rate(cpu[5m])", "instant": true, "format": "table", "legendFormat": "{{job}}" }
          ],
          "transformations": [
            { "id": "merge", "options": {} },
            { "id": "organize", "options": {
                "excludeByName": { "Time": true, "job": true },
                "indexByName": { "Value #cpu": 0, "instance": 1, "Time": 2 },
                "renameByName": { "Value #cpu": "CPU, cores", "instance": "Host" } } },
            { "id": "sortBy", "options": {} },
            { "id": "calculateField", "disabled": true }
          ] },
        { "type": "stat", "title": "Old", "targets": [{ "expr": "up", "instant": true }] },
        { "type": "stat", "title": "Not range", "targets": [{ "expr": "up", "range": false }] },
        { "type": "stat", "title": "Both", "targets": [{ "refId": "A", "expr": "up", "instant": true, "range": true }] },
        { "type": "table", "title": "Reduced", "targets": [{ "expr": "up" }],
          "transformations": [{ "id": "reduce", "options": { "reducers": ["mean", "max"] } }] },
        { "type": "table", "title": "Range table", "targets": [{ "expr": "up", "format": "table" }] }
    ]});
    let c = convert_value(&d);
    let all = cells(&c);
    let instants: Vec<Vec<bool>> = all.iter().map(|c| c.instants()).collect();
    assert_eq!(instants, [vec![true, true], vec![true], vec![true], vec![false], vec![false], vec![false]]);
    let md = c.report.to_markdown();
    assert!(
        md.contains(r#"```promql title=Targets chart=table instant=true columns="Value #B:CPU cores,instance:Host,-job""#),
        "{md}"
    );
    assert!(md.contains("```promql+ legend=\"{{job}}\" instant=true\nrate(cpu[5m])"), "{md}");
    let dropped = |panel: &str| -> Vec<String> {
        c.dropped.iter().filter(|d| d.panel.as_deref() == Some(panel)).map(|d| d.what.clone()).collect()
    };
    assert_eq!(dropped("Targets"), ["the sortBy transformation"]);
    assert!(dropped("Both")[0].contains("both as a range and as an instant query"), "{:?}", dropped("Both"));
    assert_eq!(all[4].options.chart, ChartKind::Summary);
    assert_eq!(all[4].options.reduce, [Reducer::Mean, Reducer::Max]);
    assert!(dropped("Range table")[0].starts_with("the table format of a range query"));
    // Read back, the report is the same.
    let back = format::parse(&md).unwrap();
    assert_eq!(back.cells().map(Cell::instants).collect::<Vec<_>>(), instants);
    assert_eq!(back.cells().next().unwrap().options.columns, all[0].options.columns);
}

#[test]
fn a_grafana_notebook_export_opens_as_a_report_with_its_text_as_prose() {
    let notebook = r#"---
title: Checkout latency
---

We looked at **latency** first. A fence in the text is text:

```promql
up
```

```json
{
  "title": "p90 latency",
  "type": "timeseries",
  "targets": [
    {"refId": "A", "datasource": {"type": "prometheus", "uid": "p1"}, "query": {"expr": "histogram_quantile(0.9, sum by (le) (rate(http_bucket[5m])))", "legendFormat": "p90"}},
    {"refId": "B", "datasource": {"type": "loki", "uid": "l1"}, "query": {"expr": "{app=\"checkout\"}"}},
    {"refId": "C", "type": "prometheus", "query": {"expr": "sum(rate(http_total[5m]))", "instant": true}}
  ]
}
```

Only logs here:

```json
{"title": "Logs", "type": "logs", "targets": [{"refId": "A", "datasource": {"type": "loki"}, "query": {"expr": "{app=\"x\"}"}}]}
```
"#;
    let c = convert(notebook, &Known::default()).unwrap();
    assert_eq!(c.report.front.title, "Checkout latency");
    let text = c.report.to_markdown();
    assert_eq!(format::parse(&text).unwrap(), c.report, "round-trips");
    let cells = cells(&c);
    assert_eq!(cells.len(), 1, "one cell per block with Prometheus targets:\n{text}");
    let queries: Vec<&str> = cells[0].queries().map(|(q, _)| q).collect();
    assert_eq!(
        queries,
        ["histogram_quantile(0.9, sum by (le) (rate(http_bucket[5m])))", "sum(rate(http_total[5m]))"]
    );
    assert!(text.contains("legend=p90"), "{text}");
    assert_eq!(cells[0].instants(), [false, true]);
    let Some(Block::Prose(intro)) = c.report.blocks.first() else { panic!("no intro") };
    assert!(intro.starts_with("Converted from the Grafana notebook *Checkout latency*"), "{intro}");
    assert!(intro.contains("panel *p90 latency*"), "{intro}");
    assert!(intro.contains("*Logs*"), "{intro}");
    assert!(text.contains("We looked at **latency** first."));
    // Anything else is still read as JSON, with a message that names both formats.
    let e = convert("# Just notes\n\nNo panels.", &Known::default()).unwrap_err();
    assert!(e.to_string().contains("Grafana Notebook's Markdown export"), "{e}");
}

#[test]
fn a_panel_without_a_position_is_at_the_top_left_as_grafana_places_it() {
    let d = json!({ "title": "T", "panels": [
        { "type": "stat", "title": "second", "gridPos": { "x": 6, "y": 0 }, "targets": [{ "expr": "b" }] },
        { "type": "stat", "title": "third", "gridPos": { "x": 0, "y": 3 }, "targets": [{ "expr": "c" }] },
        { "type": "stat", "title": "first", "targets": [{ "expr": "a" }] }
    ]});
    let c = convert_value(&d);
    let titles: Vec<&str> = cells(&c).iter().map(|c| c.options.title.as_deref().unwrap_or("")).collect();
    assert_eq!(titles, ["first", "second", "third"]);
}
