//! What a run writes: the core's CSV layouts (the same bytes as the page's CSV buttons)
//! and a JSON form of each cell, and the files of `run --out`.

use std::path::Path;

use jiff::tz::TimeZone;
use promnote_core::chart::file_name;
use promnote_core::csv;
use promnote_core::run::Arrival;
use promnote_core::table::WideTable;
use serde_json::{json, Value};

use crate::cli::Format;
use crate::session::CellRun;

/// The cell's wide table, as the page pivots it for its chart and its CSV button.
pub fn table(run: &CellRun) -> Option<WideTable> {
    let prepared = run.prepared.as_ref().ok()?;
    let range = run.arrivals.iter().flat_map(|a| &a.range);
    let instant = run.arrivals.iter().flat_map(|a| &a.instant);
    Some(prepared.plan.table(range, instant, &run.cell.options))
}

/// One cell in `format`: tidy CSV (the page's "CSV, one row per sample"), wide CSV (the
/// page's "CSV"), or JSON.
pub fn cell(run: &CellRun, format: Format, zone: &TimeZone) -> String {
    match format {
        Format::Csv => csv::tidy(&run.arrivals, zone),
        Format::CsvWide => table(run).map(|t| csv::wide(&t, zone)).unwrap_or_default(),
        Format::Json => {
            let mut text = serde_json::to_string_pretty(&cell_json(run, zone)).unwrap_or_default();
            text.push('\n');
            text
        }
    }
}

/// The whole report's tidy CSV, with a `cell` column (the page's "Report CSV").
pub fn report_csv(runs: &[CellRun], zone: &TimeZone) -> String {
    let parts: Vec<(&str, &[Arrival])> =
        runs.iter().map(|r| (r.title.as_str(), r.arrivals.as_slice())).collect();
    csv::report_tidy(&parts, zone)
}

/// Every cell as one JSON document.
pub fn report_json(title: &str, runs: &[CellRun], zone: &TimeZone) -> String {
    let cells: Vec<Value> = runs.iter().map(|r| cell_json(r, zone)).collect();
    let mut text =
        serde_json::to_string_pretty(&json!({ "report": title, "cells": cells })).unwrap_or_default();
    text.push('\n');
    text
}

/// A value as JSON: a number, or Prometheus' text for NaN and ±Inf (JSON has none).
fn number(value: f64) -> Value {
    serde_json::Number::from_f64(value).map_or_else(|| Value::String(csv::number(value)), Value::Number)
}

fn cell_json(run: &CellRun, zone: &TimeZone) -> Value {
    let Ok(prepared) = &run.prepared else {
        return json!({ "title": run.title, "error": run.prepared.as_ref().err() });
    };
    let series: Vec<Value> = run
        .arrivals
        .iter()
        .flat_map(Arrival::series)
        .map(|s| {
            let points: Vec<Value> =
                s.points.iter().map(|p| json!([csv::iso_time(p.t_ms, zone), number(p.value)])).collect();
            json!({ "datasource": s.datasource_name, "datasource_uid": s.datasource_uid, "labels": s.labels, "points": points })
        })
        .collect();
    let table = table(run).map(|t| {
        let columns: Vec<Value> = t
            .columns
            .iter()
            .map(|c| {
                let values: Vec<Value> = c.values.iter().map(|v| v.map_or(Value::Null, number)).collect();
                json!({ "name": c.name, "datasource": c.datasource_name, "labels": c.labels, "values": values })
            })
            .collect();
        json!({ "rows": t.row_labels, "rows_are_days": t.rows_are_days, "partial_last": t.partial_last, "columns": columns })
    });
    let notes: Vec<&String> = run.arrivals.iter().flat_map(|a| &a.notes).collect();
    let failures: Vec<Value> =
        run.failures.iter().map(|(ds, e)| json!({ "datasource": ds, "error": e.to_string() })).collect();
    json!({
        "title": run.title,
        "query": prepared.query,
        "evaluated_at": csv::iso_time(prepared.plan.evaluated_ms(), zone),
        "series": series,
        "table": table,
        "notes": notes,
        "failures": failures,
    })
}

/// Writes `run --out`: one file per cell and `report.csv`, each whole or not at all.
pub fn write_folder(
    dir: &Path,
    runs: &[CellRun],
    format: Format,
    zone: &TimeZone,
) -> Result<Vec<String>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("Cannot create {}: {e}", dir.display()))?;
    let extension = if format == Format::Json { "json" } else { "csv" };
    let mut written = Vec::new();
    for (i, run) in runs.iter().enumerate() {
        if run.prepared.is_err() {
            continue;
        }
        let suffix = if format == Format::Csv { "-tidy" } else { "" };
        let name = format!("cell-{:02}-{}{suffix}.{extension}", i + 1, file_name(&run.title));
        write_atomically(&dir.join(&name), &cell(run, format, zone))?;
        written.push(name);
    }
    write_atomically(&dir.join("report.csv"), &report_csv(runs, zone))?;
    written.push("report.csv".into());
    Ok(written)
}

/// Writes a file through a temporary one renamed into place: a reader (a web server, the
/// next step of a pipeline) never sees half of it.
pub fn write_atomically(path: &Path, text: &str) -> Result<(), String> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let temporary = path.with_file_name(format!(".{name}.partial"));
    std::fs::write(&temporary, text).and_then(|()| std::fs::rename(&temporary, path)).map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        format!("Cannot write {}: {e}", path.display())
    })
}
