//! Real, public dashboards that nobody here wrote (see `tests/dashboards/SOURCES.md`),
//! converted: each parses back as a report, round-trips, and holds every Prometheus
//! target of every panel, in a cell of its own panel.
#![allow(clippy::unwrap_used, reason = "a test: a panic is its failure")]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use promnote_core::report::dashboard::{convert, Known};
use promnote_core::report::format::{self, Block};
use serde_json::Value;

/// Every panel's Prometheus expressions, in the dashboard's JSON: (panel title, exprs).
fn panels_with_targets(dashboard: &Value, out: &mut Vec<(String, Vec<String>)>) {
    let panels = dashboard.get("panels").and_then(Value::as_array).into_iter().flatten().chain(
        dashboard
            .get("rows")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .flat_map(|r| r.get("panels").and_then(Value::as_array).into_iter().flatten()),
    );
    for panel in panels {
        if panel.get("type").and_then(Value::as_str) == Some("row") {
            panels_with_targets(panel, out);
            continue;
        }
        let is_other = |ds: Option<&Value>| {
            ds.and_then(|d| d.get("type"))
                .and_then(Value::as_str)
                .is_some_and(|t| t != "prometheus" && t != "datasource")
        };
        if is_other(panel.get("datasource")) {
            continue;
        }
        let exprs: Vec<String> = panel
            .get("targets")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|t| !is_other(t.get("datasource")))
            .filter_map(|t| t.get("expr").and_then(Value::as_str))
            .map(|e| e.replace("\r\n", "\n").trim().to_owned())
            .filter(|e| !e.is_empty())
            .collect();
        if !exprs.is_empty() {
            let title = panel.get("title").and_then(Value::as_str).unwrap_or_default().to_owned();
            out.push((title, exprs));
        }
    }
}

#[test]
fn community_dashboards_convert_whole() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/dashboards");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 4, "the fixtures are in {}", dir.display());
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let json = std::fs::read_to_string(&path).unwrap();
        let conversion = convert(&json, &Known::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let nb = &conversion.report;
        let text = nb.to_markdown();
        let back = format::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}\n{text}"));
        assert_eq!(&back, nb, "{name} round-trips");
        assert_eq!(back.to_markdown(), text, "{name}: the text is stable");
        let value: Value = serde_json::from_str(&json).unwrap();
        let dashboard = value.get("dashboard").filter(|d| d.is_object()).unwrap_or(&value);
        let mut expected = Vec::new();
        panels_with_targets(dashboard, &mut expected);
        let cells: Vec<Vec<String>> =
            nb.cells().map(|c| c.queries().map(|(q, _)| q.to_owned()).collect()).collect();
        assert_eq!(cells.len(), expected.len(), "{name}: one cell per panel with Prometheus targets");
        for ((title, exprs), queries) in expected.iter().zip(&cells) {
            assert_eq!(exprs, queries, "{name}: panel {title:?} keeps every target, in order");
        }
        // What was not carried over is said at the top.
        let Some(Block::Prose(intro)) = nb.blocks.first() else { panic!("{name}: no intro") };
        assert!(intro.contains("Converted from the Grafana dashboard"), "{name}");
        if !conversion.dropped.is_empty() {
            assert!(intro.contains("Not carried over"), "{name}");
        }
    }
}

/// What the oracle expects said of a panel's thresholds and value mappings.
fn colour_kinds(panel: &Value, kind: &str, out: &mut BTreeSet<String>) {
    let defaults = panel.pointer("/fieldConfig/defaults");
    // Value mappings are shown on stats, gauges and tables; elsewhere (Grafana's hover)
    // they are listed, as are regex mappings and mappings of text anywhere.
    let mappings: Vec<&Value> =
        defaults.and_then(|d| d.get("mappings")).and_then(Value::as_array).into_iter().flatten().collect();
    let shows_mappings = matches!(kind, "stat" | "gauge" | "bargauge" | "table" | "singlestat");
    if !mappings.is_empty() && !shows_mappings {
        out.insert("mappings".to_owned());
    }
    if mappings.iter().any(|m| m.get("type").and_then(Value::as_str) == Some("regex")) {
        out.insert("mappings-regex".to_owned());
    }
    let text_key = |k: &str| k != "null" && k != "NaN" && k != "nan" && k.trim().parse::<f64>().is_err();
    let words = mappings.iter().any(|m| match m.get("type") {
        Some(Value::String(t)) if t == "value" => {
            m.get("options").and_then(Value::as_object).is_some_and(|o| o.keys().any(|k| text_key(k)))
        }
        Some(Value::Number(n)) if n.as_u64() == Some(1) => {
            m.get("value").and_then(Value::as_str).is_some_and(text_key)
        }
        _ => false,
    });
    if words {
        out.insert("mappings-text".to_owned());
    }
    // Thresholds are carried where Grafana shows them, except steps in percent of the
    // value range, the old graph's steps below a value, and styles promnote has no
    // drawing for.
    let style = defaults.and_then(|d| d.pointer("/custom/thresholdsStyle/mode")).and_then(Value::as_str);
    let steps =
        defaults.and_then(|d| d.pointer("/thresholds/steps")).and_then(Value::as_array).map_or(0, Vec::len);
    let percent =
        defaults.and_then(|d| d.pointer("/thresholds/mode")).and_then(Value::as_str) == Some("percentage");
    let cell = defaults
        .and_then(|d| d.pointer("/custom/cellOptions/type").or_else(|| d.pointer("/custom/displayMode")))
        .and_then(Value::as_str);
    let known_style = |m: &str| ["line", "area", "line+area", "dashed", "dashed+area"].contains(&m);
    let shown = match kind {
        "timeseries" | "barchart" | "trend" => {
            if let Some(m) = style.filter(|m| *m != "off" && !known_style(m)) {
                out.insert(format!("thresholds-style:{m}"));
            }
            style.is_some_and(known_style)
        }
        "stat" | "gauge" | "bargauge" => {
            panel.pointer("/options/colorMode").and_then(Value::as_str) != Some("none")
        }
        "table" => cell.is_some_and(|c| c.starts_with("color-") || c.ends_with("gauge")),
        _ => false,
    };
    // Values coloured by another scheme than the thresholds' (a palette, a gradient, a
    // fixed colour) are listed; the thresholds then colour nothing.
    let scheme = defaults.and_then(|d| d.pointer("/color/mode")).and_then(Value::as_str);
    let coloured = matches!(kind, "stat" | "gauge" | "bargauge" | "table") && shown;
    let shown = match scheme {
        Some(m) if m != "thresholds" && coloured => {
            out.insert(format!("scheme:{m}"));
            false
        }
        _ => shown,
    };
    if shown && percent && steps > 1 {
        out.insert("thresholds-percent".to_owned());
    }
    if kind == "graph"
        && panel.get("thresholds").and_then(Value::as_array).is_some_and(|a| {
            a.iter().any(|t| {
                t.get("op").and_then(Value::as_str) == Some("lt")
                    && t.get("value").is_some_and(Value::is_number)
            })
        })
    {
        out.insert("thresholds-below".to_owned());
    }
}

/// What the converter must say of one panel, worked out from its JSON alone, as kinds
/// (`transformation:sortBy`, `hidden:B`, `overrides`, …): the oracle the top note is
/// checked against, written apart from the converter.
fn expected_kinds(panel: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let kind = panel.get("type").and_then(Value::as_str).unwrap_or("graph");
    let non_empty = |v: Option<&Value>| v.and_then(Value::as_array).is_some_and(|a| !a.is_empty());
    if non_empty(panel.pointer("/fieldConfig/overrides")) {
        out.insert("overrides".to_owned());
    }
    if non_empty(panel.get("links")) {
        out.insert("links".to_owned());
    }
    if panel.get("alert").is_some() {
        out.insert("alert".to_owned());
    }
    colour_kinds(panel, kind, &mut out);
    if !matches!(
        kind,
        "timeseries"
            | "trend"
            | "graph"
            | "barchart"
            | "stat"
            | "gauge"
            | "bargauge"
            | "singlestat"
            | "table"
            | "table-old"
            | "heatmap"
    ) {
        out.insert(format!("drawing:{kind}"));
    }
    bucket_kinds(panel, kind, &mut out);
    let targets: Vec<&Value> = panel.get("targets").and_then(Value::as_array).into_iter().flatten().collect();
    let instant = |t: &Value| {
        let (i, r) = (t.get("instant").and_then(Value::as_bool), t.get("range").and_then(Value::as_bool));
        matches!((i, r), (Some(true), None | Some(false)) | (_, Some(false)))
    };
    let all_instant = !targets.is_empty() && targets.iter().all(|t| instant(t));
    for (i, t) in targets.iter().enumerate() {
        let letter = t
            .get("refId")
            .and_then(Value::as_str)
            .map_or_else(|| char::from(b'A' + i as u8).to_string(), str::to_owned);
        if t.get("hide").and_then(Value::as_bool) == Some(true) {
            out.insert(format!("hidden:{letter}"));
        }
        if t.get("instant").and_then(Value::as_bool) == Some(true)
            && t.get("range").and_then(Value::as_bool) == Some(true)
        {
            out.insert(format!("both:{letter}"));
        }
    }
    if let Some(f) =
        targets.iter().find_map(|t| t.get("intervalFactor").and_then(Value::as_f64)).filter(|f| *f > 1.0)
    {
        out.insert(format!("intervalFactor:{f}"));
    }
    if panel.get("maxDataPoints").and_then(Value::as_f64).is_some() {
        out.insert("maxDataPoints".to_owned());
    }
    let table = matches!(kind, "table" | "table-old");
    if table
        && targets.iter().any(|t| t.get("format").and_then(Value::as_str) == Some("table") && !instant(t))
    {
        out.insert("range-table".to_owned());
    }
    for t in panel.get("transformations").and_then(Value::as_array).into_iter().flatten() {
        if t.get("disabled").and_then(Value::as_bool) == Some(true) {
            continue;
        }
        let id = t.get("id").and_then(Value::as_str).unwrap_or("unnamed");
        let mode = t.pointer("/options/mode").and_then(Value::as_str).unwrap_or("seriesToRows");
        let carried = match id {
            "organize" => all_instant && table,
            "merge" => all_instant,
            "reduce" => !all_instant && mode == "seriesToRows",
            _ => false,
        };
        if !carried {
            out.insert(format!("transformation:{id}"));
        }
    }
    out
}

/// What the oracle expects said of a panel's buckets: a heatmap draws its queries'
/// buckets unless Grafana calculates its own; a Prometheus query's format disagreeing
/// with that, and its exemplars.
fn bucket_kinds(panel: &Value, kind: &str, out: &mut BTreeSet<String>) {
    // Grafana's migration: options (when there are any) say; an old panel calculates
    // unless its data format is time series buckets.
    let options = panel.get("options").and_then(Value::as_object).filter(|o| !o.is_empty());
    let calculates = match options {
        Some(o) => o.get("calculate").and_then(Value::as_bool) == Some(true),
        None => panel.get("dataFormat").and_then(Value::as_str) != Some("tsbuckets"),
    };
    if kind == "heatmap" && calculates {
        out.insert("heatmap-calculate".to_owned());
    }
    let heatmap = kind == "heatmap" && !calculates;
    let unit = panel
        .pointer("/options/yAxis/unit")
        .or_else(|| panel.pointer("/yAxis/format"))
        .and_then(Value::as_str);
    if heatmap && unit.is_some_and(|u| !matches!(u.trim(), "" | "short" | "none")) {
        out.insert("heatmap-unit".to_owned());
    }
    let other_ds = |ds: Option<&Value>| {
        ds.and_then(|d| d.get("type"))
            .and_then(Value::as_str)
            .is_some_and(|t| t != "prometheus" && t != "datasource")
    };
    for (i, t) in panel.get("targets").and_then(Value::as_array).into_iter().flatten().enumerate() {
        let letter = t
            .get("refId")
            .and_then(Value::as_str)
            .map_or_else(|| char::from(b'A' + i as u8).to_string(), str::to_owned);
        let prometheus = !other_ds(t.get("datasource").or(panel.get("datasource")))
            && t.get("expr").and_then(Value::as_str).is_some_and(|e| !e.trim().is_empty());
        if !prometheus {
            continue;
        }
        let heatmap_format = t.get("format").and_then(Value::as_str) == Some("heatmap");
        if heatmap != heatmap_format {
            out.insert(format!("heatmap-format:{letter}"));
        }
        if t.get("exemplar").and_then(Value::as_bool) == Some(true) {
            out.insert(format!("exemplars:{letter}"));
        }
    }
}

/// The kind of one thing the converter said of a panel (as [`expected_kinds`] names
/// them), or `None` for what the oracle does not work out (a variable's interval, a
/// datasource variable).
fn said_kind(what: &str) -> Option<String> {
    let word = |prefix: &str, suffix: &str| {
        what.strip_prefix(prefix).and_then(|r| r.strip_suffix(suffix)).map(str::to_owned)
    };
    let plain = [
        ("field overrides", "overrides"),
        ("links", "links"),
        ("an alert rule", "alert"),
        ("value mappings", "mappings"),
        ("regex value mappings", "mappings-regex"),
        ("thresholds in percent of the value range", "thresholds-percent"),
        ("thresholds below a value", "thresholds-below"),
    ];
    if let Some((_, k)) = plain.iter().find(|(w, _)| *w == what) {
        return Some((*k).to_owned());
    }
    if what.starts_with("value mappings of text (") {
        return Some("mappings-text".to_owned());
    }
    if let Some(mode) = word("the colour scheme ", "") {
        return Some(format!("scheme:{mode}"));
    }
    if let Some(mode) = word("thresholds drawn as ", "") {
        return Some(format!("thresholds-style:{mode}"));
    }
    if let Some(id) = word("the ", " transformation") {
        return Some(format!("transformation:{id}"));
    }
    if let Some(kind) = word("the ", " panel's drawing: drawn as lines") {
        return Some(format!("drawing:{kind}"));
    }
    if let Some(letter) = word("query ", " is hidden in Grafana; promnote draws it") {
        return Some(format!("hidden:{letter}"));
    }
    if let Some(letter) = word(
        "query ",
        " runs both as a range and as an instant query in Grafana; promnote runs the range query",
    ) {
        return Some(format!("both:{letter}"));
    }
    if let Some(f) = word("the resolution 1/", " (intervalFactor): the step is not multiplied") {
        return Some(format!("intervalFactor:{f}"));
    }
    if what.starts_with("max data points ") {
        return Some("maxDataPoints".to_owned());
    }
    if what == "the heatmap Grafana calculates from the values (its own buckets): drawn as lines" {
        return Some("heatmap-calculate".to_owned());
    }
    if let Some(letter) = word(
        "query ",
        " is not of the heatmap format: Grafana draws its buckets as they come, promnote counts what fell in each",
    )
    .or_else(|| {
        word(
            "query ",
            "'s heatmap format (Grafana subtracts each bucket from the next): promnote draws the buckets as they come",
        )
    }) {
        return Some(format!("heatmap-format:{letter}"));
    }
    if what.starts_with("the heatmap's bucket unit ") {
        return Some("heatmap-unit".to_owned());
    }
    if let Some(letter) = word("query ", "'s exemplars: promnote draws none") {
        return Some(format!("exemplars:{letter}"));
    }
    if what.starts_with("the table format of a range query") {
        return Some("range-table".to_owned());
    }
    None
}

/// Every panel of a dashboard (inside rows and old rows too), by title.
fn all_panels<'a>(dashboard: &'a Value, out: &mut Vec<&'a Value>) {
    let nested = dashboard.get("rows").and_then(Value::as_array).into_iter().flatten();
    for panel in dashboard
        .get("panels")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .chain(nested.flat_map(|r| r.get("panels").and_then(Value::as_array).into_iter().flatten()))
    {
        if panel.get("type").and_then(Value::as_str) == Some("row") {
            all_panels(panel, out);
        } else if panel.get("type").and_then(Value::as_str) != Some("text") {
            out.push(panel);
        }
    }
}

#[test]
fn the_top_note_is_true_for_every_fixture_and_the_readme_lists_every_kind() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md")).unwrap();
    let start = readme.find("**What converts:**").unwrap();
    let end = start + readme[start..].find("## From the command line").unwrap();
    let section = &readme[start..end];
    // Where the README says each kind.
    let readme_says = |kind: &str| -> &'static str {
        match kind.split(':').next().unwrap() {
            "overrides" => "field overrides",
            "links" => "links",
            "alert" => "alert rules",
            "mappings" => "value mappings on time charts",
            "mappings-regex" => "regex value mappings",
            "mappings-text" => "value mappings of text",
            "thresholds-percent" => "thresholds in percent",
            "thresholds-below" => "thresholds below a value",
            "thresholds-style" => "other threshold styles",
            "scheme" => "colour schemes other than",
            "transformation" => "transformations other than the three above",
            "drawing" => "the drawing of panel types promnote has no chart for",
            "hidden" => "targets **hidden** in Grafana",
            "both" => "\"Both\" runs as a\n  range query, listed",
            "intervalFactor" => "a target's `intervalFactor`",
            "maxDataPoints" => "a panel's `maxDataPoints`",
            "range-table" => "the table format of a range query",
            "heatmap-calculate" => "a heatmap Grafana calculates from the values",
            "heatmap-format" => "the heatmap format",
            "exemplars" => "exemplars",
            "heatmap-unit" => "a heatmap's bucket unit",
            other => panic!("no README words for {other}"),
        }
    };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/dashboards");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut checked = 0;
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let json = std::fs::read_to_string(&path).unwrap();
        let conversion = convert(&json, &Known::default()).unwrap();
        let value: Value = serde_json::from_str(&json).unwrap();
        let dashboard = value.get("dashboard").filter(|d| d.is_object()).unwrap_or(&value);
        let mut panels = Vec::new();
        all_panels(dashboard, &mut panels);
        // Per panel title (a repeated title's notes are read together).
        let mut expected: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for panel in &panels {
            let title = panel
                .get("title")
                .and_then(Value::as_str)
                .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "));
            let title = title
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| format!("Panel {}", panel.get("id").and_then(Value::as_i64).unwrap_or(0)));
            expected.entry(title).or_default().extend(expected_kinds(panel));
        }
        let mut said: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for d in &conversion.dropped {
            let (Some(panel), Some(kind)) = (&d.panel, said_kind(&d.what)) else { continue };
            // A title made unique ("CPU (2)") is its panel's title.
            let base = match panel.rfind(" (") {
                Some(i)
                    if panel.ends_with(')')
                        && panel[i + 2..panel.len() - 1].chars().all(|c| c.is_ascii_digit())
                        && expected.contains_key(&panel[..i]) =>
                {
                    panel[..i].to_owned()
                }
                _ => panel.clone(),
            };
            said.entry(base).or_default().insert(kind);
        }
        expected.retain(|_, kinds| !kinds.is_empty());
        assert_eq!(said, expected, "{name}: the notes beside panels and at the top");
        let Some(Block::Prose(intro)) = conversion.report.blocks.first() else { panic!("{name}: no intro") };
        let unescaped = intro.replace('\\', "");
        for d in conversion.dropped.iter().filter(|d| !d.what.contains('\\')) {
            assert!(unescaped.contains(&d.what), "{name}: {} is at the top", d.what);
        }
        for kind in said.values().flatten() {
            let words = readme_says(kind);
            assert!(section.contains(words), "README's What converts / What does not: {words:?} for {kind}");
            checked += 1;
        }
    }
    assert!(checked > 50, "{checked} notes checked");
}
