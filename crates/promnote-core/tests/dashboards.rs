//! Real, public dashboards that nobody here wrote (see `tests/dashboards/SOURCES.md`),
//! converted: each parses back as a report, round-trips, and holds every Prometheus
//! target of every panel, in a cell of its own panel.
#![allow(clippy::unwrap_used, reason = "a test: a panic is its failure")]

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
        eprintln!(
            "{name}: {} cells, {} variables, {} notes",
            cells.len(),
            nb.front.variables.len(),
            conversion.dropped.len()
        );
    }
}
