//! What a run writes: the core's CSV layouts (the same bytes as the page's CSV buttons)
//! and a JSON form of each cell, and the files of `run --out`.

use std::fmt;
use std::io::{self, Write as _};
use std::path::Path;

use jiff::tz::TimeZone;
use promnote_core::api::prom::format_value;
use promnote_core::data::chart::file_name;
use promnote_core::data::csv;
use promnote_core::data::series::Arrival;
use promnote_core::data::table::WideTable;
use promnote_core::report::format::query_letter;
use promnote_core::report::substitute::Query;
use promnote_core::time::clock::iso_time;
use promnote_core::time::periods::{Calendar, PeriodPlan};
use serde_json::{json, Value};

use crate::cli::Format;
use crate::session::{CellRun, ValueRun};
use crate::term;

/// Writes `text` and a newline to stdout at once (a line a script waits for).
pub fn print_line(text: &str) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "{text}")?;
    stdout.flush()
}

/// The cell's wide table, as the page pivots it for its chart and its CSV button.
pub fn table(run: &CellRun) -> Option<WideTable> {
    let prepared = run.prepared.as_ref().ok()?;
    let range = run.arrivals.iter().flat_map(|a| &a.range);
    let instant = run.arrivals.iter().flat_map(|a| &a.instant);
    Some(prepared.plan.table(range, instant, &run.cell))
}

/// The calendar weeks, months or years the cell reports on, for the tidy CSV's `period`.
fn periods(run: &CellRun) -> Option<&PeriodPlan> {
    run.prepared.as_ref().ok()?.plan.periods()
}

/// One cell in `format`: tidy CSV (the page's "CSV, one row per sample"), wide CSV (the
/// page's "CSV"), or JSON, written to `out` as it goes.
pub fn cell<W: fmt::Write>(out: &mut W, run: &CellRun, format: Format, zone: &TimeZone) -> fmt::Result {
    match format {
        Format::Csv => csv::write_tidy(out, &run.arrivals, periods(run), zone),
        Format::CsvWide => match table(run) {
            Some(t) => csv::write_shown(out, &t, &run.cell.options, zone),
            None => Ok(()),
        },
        Format::Json => {
            let text = serde_json::to_string_pretty(&cell_json(run, zone)).unwrap_or_default();
            writeln!(out, "{text}")
        }
    }
}

/// The whole report's tidy CSV, with a `cell` column (the page's "Report CSV").
pub fn report_csv<W: fmt::Write>(out: &mut W, runs: &[CellRun], zone: &TimeZone) -> fmt::Result {
    // A repeat's cell column is the cell's own title; its value goes in `repeat`.
    let parts: Vec<csv::ReportCell<'_>> = runs
        .iter()
        .map(|r| {
            let title = if r.repeat.is_some() { r.cell.title() } else { r.title.as_str() };
            (title, r.arrivals.as_slice(), periods(r), r.repeat.as_deref())
        })
        .collect();
    csv::write_report_tidy(out, &parts, zone)
}

/// Every cell, and every value in the prose, as one JSON document.
pub fn report_json<W: fmt::Write>(
    out: &mut W,
    title: &str,
    runs: &[CellRun],
    values: &[ValueRun],
    zone: &TimeZone,
) -> fmt::Result {
    let cells: Vec<Value> = runs.iter().map(|r| cell_json(r, zone)).collect();
    let values: Vec<Value> = values.iter().map(|v| value_json(v, zone)).collect();
    let text = serde_json::to_string_pretty(&json!({ "report": title, "values": values, "cells": cells }))
        .unwrap_or_default();
    writeln!(out, "{text}")
}

/// A value in prose: its span as written, the PromQL sent, the number and its text, or
/// why there is none.
fn value_json(run: &ValueRun, zone: &TimeZone) -> Value {
    let (number, text, error) = match &run.result {
        // JSON has no NaN: a non-finite number is written as Prometheus writes it.
        Ok(v) if v.number.is_finite() => (json!(v.number), json!(v.text), Value::Null),
        Ok(v) => (json!(format_value(v.number)), json!(v.text), Value::Null),
        Err(e) => (Value::Null, Value::Null, json!(e)),
    };
    let at = run.at_ms.map(|t| iso_time(t, zone));
    json!({ "span": run.code, "query": run.query, "evaluated_at": at, "value": number, "text": text, "error": error })
}

/// Text written to a byte stream (stdout, a file) through a buffer as it is made, so that
/// a large CSV is never held whole in memory; the first I/O error is kept.
pub struct Sink<W: io::Write> {
    inner: io::BufWriter<W>,
    error: Option<io::Error>,
    /// Whether control characters are escaped (the sink is a terminal; see [`term`]).
    escape: bool,
}

impl<W: io::Write> Sink<W> {
    /// A sink over `inner` that writes text as it is.
    pub fn new(inner: W) -> Self {
        Self { inner: io::BufWriter::with_capacity(1 << 16, inner), error: None, escape: false }
    }

    /// A sink over a terminal: label values and titles from servers cannot carry escape
    /// sequences to it.
    pub fn for_terminal(inner: W) -> Self {
        Self { escape: true, ..Self::new(inner) }
    }

    /// Flushes; the first error met, if any.
    pub fn finish(mut self) -> io::Result<()> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.inner.flush()
    }

    /// Flushes and gives back what it wrote to; the first error met, if any.
    pub fn into_inner(mut self) -> io::Result<W> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.inner.into_inner().map_err(io::IntoInnerError::into_error)
    }
}

impl<W: io::Write> fmt::Write for Sink<W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.error.is_some() {
            return Err(fmt::Error);
        }
        let text = if self.escape { term::escape(s) } else { s.into() };
        self.inner.write_all(text.as_bytes()).map_err(|e| {
            self.error = Some(e);
            fmt::Error
        })
    }
}

/// A value as JSON: a number, or Prometheus' text for NaN and ±Inf (JSON has none).
fn number(value: f64) -> Value {
    serde_json::Number::from_f64(value).map_or_else(|| Value::String(format_value(value)), Value::Number)
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
                s.points.iter().map(|p| json!([iso_time(p.t_ms, zone), number(p.value)])).collect();
            let query = query_letter(s.query).to_string();
            json!({ "datasource": s.datasource_name, "datasource_uid": s.datasource_uid, "query": query, "labels": s.labels, "points": points })
        })
        .collect();
    let table = table(run).map(|t| {
        let columns: Vec<Value> = t
            .columns
            .iter()
            .map(|c| {
                let values: Vec<Value> = c.values.iter().map(|v| v.map_or(Value::Null, number)).collect();
                let query = query_letter(c.query).to_string();
                json!({ "name": c.name, "datasource": c.datasource_name, "query": query, "labels": c.labels, "values": values })
            })
            .collect();
        let period = t.calendar.map(|unit| unit.word());
        json!({
            "rows": t.row_labels,
            "rows_are_days": t.calendar == Some(Calendar::Day),
            "period": period,
            "keys": t.row_keys,
            "partial_last": t.partial_last,
            "columns": columns,
        })
    });
    let notes: Vec<&String> = run.arrivals.iter().flat_map(|a| &a.notes).collect();
    let failures: Vec<Value> =
        run.failures.iter().map(|(ds, _, message)| json!({ "datasource": ds, "error": message })).collect();
    json!({
        "title": run.title,
        "repeat": run.repeat,
        "query": prepared.queries.first().map(Query::text),
        "queries": prepared.queries.iter().map(Query::text).collect::<Vec<_>>(),
        "evaluated_at": iso_time(prepared.plan.evaluated_ms(), zone),
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
        write_atomically(&dir.join(&name), |out| cell(out, run, format, zone))?;
        written.push(name);
    }
    write_atomically(&dir.join("report.csv"), |out| report_csv(out, runs, zone))?;
    written.push("report.csv".into());
    Ok(written)
}

/// Writes a file through a temporary one renamed into place: a reader (a web server, the
/// next step of a pipeline) never sees half of it, and after a crash or power loss the
/// file is the old one or the new one, whole. The temporary name is created exclusively
/// (never an existing file, nor one a link points through) and synced before the rename;
/// the folder is synced after it.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut Sink<std::fs::File>) -> fmt::Result,
) -> Result<(), String> {
    replace_file(path, |file| {
        let mut sink = Sink::new(file);
        let written = write(&mut sink);
        let file = sink.into_inner()?;
        written.map_err(|_| io::Error::other("the text could not be written"))?;
        Ok(file)
    })
}

/// [`write_atomically`] for bytes (a sealed file, a PDF).
pub fn write_bytes_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    replace_file(path, |mut file| {
        io::Write::write_all(&mut file, bytes)?;
        Ok(file)
    })
}

/// Creates an exclusive temporary file beside `path`, lets `write` fill it, syncs it and
/// renames it into place, then syncs the folder.
fn replace_file(
    path: &Path,
    write: impl FnOnce(std::fs::File) -> io::Result<std::fs::File>,
) -> Result<(), String> {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let unique = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let temporary = path.with_file_name(format!(".{name}.{}-{unique}.partial", std::process::id()));
    let result = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temporary)
        .and_then(write)
        .and_then(|file| file.sync_all());
    result.and_then(|()| std::fs::rename(&temporary, path)).map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        format!("Cannot write {}: {e}", path.display())
    })?;
    // The rename itself is durable once the folder is synced (where folders can be opened).
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        if let Ok(dir) = std::fs::File::open(folder) {
            let _ = dir.sync_all();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::write_atomically;

    #[test]
    fn a_file_is_replaced_whole_and_no_temporary_file_is_left() {
        let dir = std::env::temp_dir().join(format!("promnote-atomic-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("index.json");
        write_atomically(&file, |out| out.write_str("first")).unwrap();
        write_atomically(&file, |out| out.write_str("second")).unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "second");
        // A write that fails leaves the old file and no temporary one.
        let failed = write_atomically(&file, |out| {
            out.write_str("half")?;
            Err(std::fmt::Error)
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "second");
        let names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["index.json"]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
