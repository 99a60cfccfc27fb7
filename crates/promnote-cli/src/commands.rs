//! The commands but `snapshot`: `datasources`, `query`, `run` and `import-dashboard`,
//! each from checked flags to what it writes and the exit code it makes.

use std::fmt::Write as _;
use std::io::IsTerminal as _;

use promnote_core::api::ApiError;
use promnote_core::report::dashboard::{self, Known, MAX_DASHBOARD_BYTES};
use promnote_core::report::options::{CellOptions, ChartKind, TOP_ALL};
use promnote_core::report::Cell;
use promnote_core::run::machine::Exchange;
use promnote_core::run::variables as var_rules;

use crate::args::{check_range, given_selections, load_report, picked_cells, read, zone};
use crate::cli::{Format, ImportArgs, ListFormat, QueryArgs, RunArgs};
use crate::output::{self, Sink};
use crate::progress::Progress;
use crate::session::{CellRun, Connection, Scope, Session, ValueRun};
use crate::term::say;
use crate::{Exit, Fail};

/// `import-dashboard`: a dashboard (a file, or Grafana's by uid) as a report, by the
/// core's converter, with the connected Grafana's Prometheus datasources as the ones a
/// panel may keep; or the list of Grafana's dashboards.
pub fn import_dashboard(session: Option<&Session>, args: &ImportArgs) -> Result<Exit, Fail> {
    let conn = session.map(connect).transpose()?;
    let known = Known::from_datasources(conn.iter().flat_map(|c| &c.datasources.prometheus));
    // A uid Grafana does not have is the user's typo; anything else, Grafana's refusal.
    let fetch_failed = |session: &Session, e: &ApiError| Fail {
        code: if matches!(e, ApiError::NotFound { .. }) { Exit::Input } else { Exit::Unreachable },
        message: session.transport.describe(e),
    };
    let json = match (&args.file, &args.uid, session) {
        (Some(path), _, _) => read(path, MAX_DASHBOARD_BYTES)?,
        (None, _, Some(session)) if args.list => {
            let hits = session.drive(Exchange::dashboards()).map_err(|e| fetch_failed(session, &e))?;
            emit(|out| {
                for hit in &hits {
                    writeln!(
                        out,
                        "{}\t{}\t{}",
                        hit.uid,
                        hit.folder.as_deref().unwrap_or("General"),
                        hit.title
                    )?;
                }
                Ok(())
            })?;
            return Ok(Exit::Ok);
        }
        (None, Some(uid), Some(session)) => {
            session.drive(Exchange::dashboard(uid)).map_err(|e| fetch_failed(session, &e))?
        }
        _ => return Err(Fail::input("--uid and --list need --grafana URL (and its token)")),
    };
    let conversion = dashboard::convert(&json, &known).map_err(|e| Fail::input(e.to_string()))?;
    for dropped in &conversion.dropped {
        match &dropped.panel {
            Some(panel) => say!("promnote: not carried over from the panel {panel:?}: {}", dropped.what),
            None => say!("promnote: not carried over: {}", dropped.what),
        }
    }
    let text = conversion.report.to_markdown();
    match &args.out {
        Some(path) => output::write_atomically(path, |out| out.write_str(&text))
            .map_err(|e| Fail::input(format!("cannot write {}: {e}", path.display())))?,
        None => emit(|out| out.write_str(&text))?,
    }
    Ok(Exit::Ok)
}

/// Connects; an error that stops everything is exit code 3.
pub fn connect(session: &Session) -> Result<Connection, Fail> {
    session.connect().map_err(|e| Fail { code: Exit::Unreachable, message: session.transport.describe(&e) })
}

/// The exit code a connection's own problems make, whatever the queries give: Grafana's
/// list refused beside servers called directly (3 when it refused the token, else 1).
pub fn connection_code(conn: &Connection) -> Exit {
    match &conn.listing_error {
        Some(ApiError::Unauthorized { .. }) => Exit::Unreachable,
        Some(_) => Exit::Partial,
        None => Exit::Ok,
    }
}

pub fn datasources(session: &Session, format: ListFormat) -> Result<Exit, Fail> {
    let conn = connect(session)?;
    let rows: Vec<[String; 5]> = conn
        .datasources
        .prometheus
        .iter()
        .zip(&conn.health)
        .map(|(ds, health)| {
            let (route, status) = match health {
                Ok(route) => (route.label(ds).to_owned(), "ok".to_owned()),
                Err(e) => ("-".to_owned(), format!("failed: {}", session.transport.describe(e))),
            };
            [ds.name.clone(), ds.uid.clone(), ds.kind.clone(), route, status]
        })
        .chain(conn.datasources.others.iter().map(|ds| {
            [
                ds.name.clone(),
                ds.uid.clone(),
                ds.kind.clone(),
                "-".into(),
                "not queried: not Prometheus".into(),
            ]
        }))
        .collect();
    match format {
        ListFormat::Json => {
            let list: Vec<serde_json::Value> = rows
                .iter()
                .map(|[name, uid, kind, route, health]| {
                    serde_json::json!({ "name": name, "uid": uid, "type": kind, "route": route, "health": health })
                })
                .collect();
            let text = serde_json::to_string_pretty(&list).unwrap_or_default();
            emit(|out| writeln!(out, "{text}"))?;
        }
        ListFormat::Table => {
            let header = ["NAME", "UID", "TYPE", "ROUTE", "HEALTH"].map(str::to_owned);
            let widths: Vec<usize> = (0..4)
                .map(|i| {
                    std::iter::once(&header).chain(&rows).map(|r| r[i].chars().count()).max().unwrap_or(0)
                })
                .collect();
            let mut text = String::new();
            for row in std::iter::once(&header).chain(&rows) {
                for (i, width) in widths.iter().enumerate() {
                    text.push_str(&format!("{:<width$}  ", row[i]));
                }
                text.push_str(&row[4]);
                text.push('\n');
            }
            emit(|out| out.write_str(&text))?;
        }
    }
    let failed = conn.health.iter().filter(|h| h.is_err()).count();
    let code = match failed {
        0 => Exit::Ok,
        n if n == conn.health.len() => Exit::Unreachable,
        _ => Exit::Partial,
    };
    Ok(code.max(connection_code(&conn)))
}

pub fn query(session: &Session, args: &QueryArgs, quiet: bool) -> Result<Exit, Fail> {
    let zone = zone(&args.range.tz)?;
    let options = CellOptions {
        step: Some(args.step.clone()),
        legend: args.legend.clone(),
        instant: args.instant,
        chart: if args.instant { ChartKind::Table } else { ChartKind::default() },
        datasources: (!args.datasources.is_empty()).then(|| args.datasources.clone()),
        // Every series, as a script wants them (the page's charts keep 40 by default).
        top: Some(TOP_ALL),
        ..CellOptions::default()
    };
    let cell = Cell::new(args.query.clone(), options);
    let range = (args.range.from.as_deref().unwrap_or("now-1M"), args.range.to.as_deref().unwrap_or("now"));
    check_range(range, &zone, session.now_ms)?;
    let conn = connect(session)?;
    let progress = Progress::new("query", quiet);
    let runs = session.run_cells(
        &conn,
        &[cell],
        &Scope { range, bindings: &Default::default(), zone: &zone, annotations: &[] },
        &progress,
    );
    if let Err(e) = &runs[0].prepared {
        return Err(Fail::input(e.clone()));
    }
    emit(|out| output::cell(out, &runs[0], args.format, &zone))?;
    Ok(report_problems(&runs).max(connection_code(&conn)))
}

/// Writes data to stdout as `write` makes it; a reader that stopped early (`| head`) is
/// no error.
pub fn emit(
    write: impl FnOnce(&mut Sink<std::io::StdoutLock<'static>>) -> std::fmt::Result,
) -> Result<(), Fail> {
    let stdout = std::io::stdout().lock();
    let mut out = if stdout.is_terminal() { Sink::for_terminal(stdout) } else { Sink::new(stdout) };
    let _ = write(&mut out);
    match out.finish() {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Fail { code: Exit::Input, message: format!("cannot write to stdout: {e}") })
        }
        _ => Ok(()),
    }
}

pub fn run_report(session: &Session, args: &RunArgs, quiet: bool) -> Result<Exit, Fail> {
    let report = load_report(&args.report)?;
    let given = given_selections(&report, &args.vars, &args.report)?;
    let cells = picked_cells(&report, args.cell.as_deref())?;
    if args.out.is_none() && args.format == Format::CsvWide && cells.len() > 1 {
        return Err(Fail::input(
            "csv-wide is one table per cell: pick one with --cell, or write one file per cell with --out DIR",
        ));
    }
    let zone = zone(&args.range.tz)?;
    let range = (
        args.range.from.as_deref().unwrap_or(&report.front.from),
        args.range.to.as_deref().unwrap_or(&report.front.to),
    );
    check_range(range, &zone, session.now_ms)?;
    let conn = connect(session)?;
    let window = var_rules::window(range, session.now_ms, &zone);
    // A repeated cell is drawn for every listed value of its variable: read them.
    let repeats = cells.iter().any(|c| c.options.repeat.is_some());
    let (_, bindings) = session.selections(&conn, &report, &given, repeats, window);
    let progress = Progress::new(&report.front.title, quiet);
    let scope = Scope { range, bindings: &bindings, zone: &zone, annotations: &report.front.annotations };
    let runs = session.run_cells(&conn, &cells, &scope, &progress);
    // The values in the prose belong to the whole report, not to one cell.
    let values = match args.cell {
        None => session.run_values(&conn, &report, &scope),
        Some(_) => Vec::new(),
    };
    match &args.out {
        Some(dir) => {
            let written = output::write_folder(dir, &runs, args.format, &zone).map_err(Fail::input)?;
            if !quiet {
                say!("promnote: wrote {} files to {}: {}", written.len(), dir.display(), written.join(", "));
            }
        }
        None if runs.is_empty() => {
            return Err(Fail::input(
                "nothing to write: the cell repeats over a variable that has no values for this range",
            ));
        }
        // A repeated cell is one table per value: one file each, or the report's layouts.
        None if args.format == Format::CsvWide && runs.len() > 1 => {
            return Err(Fail::input(format!(
                "{} repeats over a variable ({} values): csv-wide is one table per repeat. Write one file per repeat with --out DIR, or pick one value with --var",
                runs[0].cell.title(),
                runs.len()
            )));
        }
        None if (args.cell.is_some() && runs.len() == 1) || args.format == Format::CsvWide => {
            emit(|out| output::cell(out, &runs[0], args.format, &zone))?;
        }
        None if args.format == Format::Json => {
            emit(|out| output::report_json(out, &report.front.title, &runs, &values, &zone))?
        }
        None => emit(|out| output::report_csv(out, &runs, &zone))?,
    }
    Ok(report_problems(&runs).max(value_problems(&values)).max(connection_code(&conn)))
}

/// Tells which values in the prose could not be worked out, on stderr; any makes the
/// run partial.
pub fn value_problems(values: &[ValueRun]) -> Exit {
    let mut code = Exit::Ok;
    for value in values {
        if let Err(e) = &value.result {
            say!("promnote: warning: the value `{}`: {e}", value.code);
            code = Exit::Partial;
        }
    }
    code
}

/// Tells what failed on stderr, and what exit code that makes.
pub fn report_problems(runs: &[CellRun]) -> Exit {
    let mut code = Exit::Ok;
    let mut answered = false;
    for run in runs {
        if let Err(e) = &run.prepared {
            say!("promnote: {}: {e}", run.title);
            code = code.max(Exit::Input);
        }
        answered |= !run.arrivals.is_empty();
        for (_, error, message) in &run.failures {
            say!("promnote: warning: {}: {message}", run.title);
            let refused = matches!(error, ApiError::Unauthorized { .. });
            code = code.max(if refused { Exit::Unreachable } else { Exit::Partial });
        }
    }
    let failed = runs.iter().any(|r| !r.failures.is_empty());
    if failed && !answered {
        return Exit::Unreachable;
    }
    code
}
