//! `promnote`, the command line over promnote's core: run PromQL and report notebooks
//! against the Prometheus datasources a Grafana knows (or Prometheus servers called
//! directly) and write CSV or JSON; take snapshots that a published promnote site draws
//! without a token. Every rule (times, steps, days, variables, requests, retries,
//! decoding, tables, CSV) is the core's, shared with the page; this crate parses flags
//! into the core's checked types, sends requests, and writes files.

mod cli;
mod http;
mod output;
mod progress;
mod session;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use clap::Parser as _;
use jiff::tz::TimeZone;
use promnote_core::dashboard::{self, Known};
use promnote_core::error::ApiError;
use promnote_core::grafana::{BaseUrl, Datasource};
use promnote_core::notebook::{self, Cell, CellOptions, Notebook};
use promnote_core::replay::{self, Recording, Snapshot, SnapshotIndex};
use promnote_core::run::Exchange;
use promnote_core::secret::{Credentials, Direct, Grafana, Servers, Token};
use promnote_core::vars::{self, Selection};

use crate::cli::{
    Cli, Command, ConnectArgs, Format, ImportArgs, ListFormat, QueryArgs, RunArgs, SnapshotArgs,
};
use crate::http::{Live, Transport};
use crate::output::Sink;
use crate::progress::Progress;
use crate::session::{CellRun, Connection, Session};

/// The exit codes, worst last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Exit {
    /// Everything answered.
    Ok = 0,
    /// Some datasource failed; the rest was written.
    Partial = 1,
    /// A flag, a time, a variable or a report was wrong.
    Input = 2,
    /// Nothing could be reached, or the token was refused.
    Unreachable = 3,
}

/// A run that stops, with the code to exit with and what to tell the user.
struct Fail {
    code: Exit,
    message: String,
}

impl Fail {
    fn input(message: impl Into<String>) -> Self {
        Self { code: Exit::Input, message: message.into() }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(code) => ExitCode::from(code as u8),
        Err(fail) => {
            eprintln!("promnote: {}", fail.message);
            ExitCode::from(fail.code as u8)
        }
    }
}

fn run(cli: &Cli) -> Result<Exit, Fail> {
    // A dashboard file needs no server, unless one is named (its datasources are kept).
    if let Command::ImportDashboard(args @ ImportArgs { file: Some(_), .. }) = &cli.command {
        if cli.connect.grafana.is_none() && cli.connect.prometheus.is_empty() && cli.connect.replay.is_none()
        {
            return import_dashboard(None, args);
        }
    }
    let (transport, now_ms) = transport(&cli.connect, cli.verbose)?;
    let session = Session::new(transport, now_ms, usize::from(cli.connect.parallel));
    match &cli.command {
        Command::Datasources { format } => datasources(&session, *format),
        Command::Query(args) => query(&session, args, cli.quiet),
        Command::Run(args) => run_report(&session, args, cli.quiet),
        Command::Snapshot(args) => snapshot(&session, args, cli.quiet),
        Command::ImportDashboard(args) => import_dashboard(Some(&session), args),
    }
}

/// `import-dashboard`: a dashboard (a file, or Grafana's by uid) as a report, by the
/// core's converter, with the connected Grafana's Prometheus datasources as the ones a
/// panel may keep; or the list of Grafana's dashboards.
fn import_dashboard(session: Option<&Session>, args: &ImportArgs) -> Result<Exit, Fail> {
    let conn = session.map(connect).transpose()?;
    let known = Known {
        datasources: conn
            .iter()
            .flat_map(|c| &c.datasources.prometheus)
            .filter(|ds| !ds.is_direct())
            .map(|ds| (ds.uid.clone(), ds.name.clone()))
            .collect(),
    };
    // A uid Grafana does not have is the user's typo; anything else, Grafana's refusal.
    let fetch_failed = |session: &Session, e: &ApiError| Fail {
        code: if matches!(e, ApiError::NotFound { .. }) { Exit::Input } else { Exit::Unreachable },
        message: session.transport.describe(e),
    };
    let json = match (&args.file, &args.uid, session) {
        (Some(path), _, _) => read(path)?,
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
            Some(panel) => eprintln!("promnote: not carried over from the panel {panel:?}: {}", dropped.what),
            None => eprintln!("promnote: not carried over: {}", dropped.what),
        }
    }
    let text = conversion.notebook.to_markdown();
    match &args.out {
        Some(path) => output::write_atomically(path, |out| out.write_str(&text))
            .map_err(|e| Fail::input(format!("cannot write {}: {e}", path.display())))?,
        None => emit(|out| out.write_str(&text))?,
    }
    Ok(Exit::Ok)
}

/// The servers (or the recording) the flags name, and the run's "now".
fn transport(args: &ConnectArgs, verbose: bool) -> Result<(Transport, i64), Fail> {
    if let Some(path) = &args.replay {
        let text = read(path)?;
        let recording = match Snapshot::parse(&text) {
            Ok(snapshot) => snapshot.recording,
            Err(_) => serde_json::from_str::<Recording>(&text).map_err(|e| {
                Fail::input(format!("{} is neither a promnote recording nor a snapshot: {e}", path.display()))
            })?,
        };
        let now_ms = recording.recorded_at_ms;
        return Ok((Transport::Replay(recording), now_ms));
    }
    if args.grafana.is_none() && args.prometheus.is_empty() {
        return Err(Fail::input(
            "say where to query: --grafana URL (with the token in GRAFANA_TOKEN or --token-file), --prometheus URL, or --replay FILE",
        ));
    }
    let grafana = match &args.grafana {
        Some(url) => {
            let base = BaseUrl::parse(url).map_err(|e| Fail::input(format!("--grafana: {e}")))?;
            Some(Grafana { base, token: grafana_token(args)? })
        }
        None => None,
    };
    let credentials = prometheus_credentials()?;
    let direct = args
        .prometheus
        .iter()
        .enumerate()
        .map(|(i, url)| {
            let base =
                BaseUrl::parse_prometheus(url).map_err(|e| Fail::input(format!("--prometheus: {e}")))?;
            Ok(Direct { ds: Datasource::direct(i, &base), base, credentials: credentials.clone() })
        })
        .collect::<Result<Vec<_>, Fail>>()?;
    let servers = Servers { grafana, direct };
    if let (false, [first, ..]) = (args.allow_http, servers.sent_in_clear().as_slice()) {
        return Err(Fail::input(format!(
            "{first} would cross the network unencrypted (plain http:// to another machine): use the server's https:// address, or pass --allow-http if this network is trusted"
        )));
    }
    let now_ms = jiff::Timestamp::now().as_millisecond();
    Ok((Transport::Live(Live::new(servers, args.timeout, verbose)), now_ms))
}

/// The Grafana token: from `--token-file`, else `GRAFANA_TOKEN` (never from a flag).
fn grafana_token(args: &ConnectArgs) -> Result<Token, Fail> {
    let (raw, source) = match &args.token_file {
        Some(path) => (read(path)?, format!("the token file {}", path.display())),
        None => match std::env::var("GRAFANA_TOKEN") {
            Ok(raw) => (raw, "GRAFANA_TOKEN".to_owned()),
            Err(_) => {
                return Err(Fail::input(
                    "--grafana needs a service-account token: set GRAFANA_TOKEN, or give --token-file PATH (Grafana → Administration → Service accounts)",
                ))
            }
        },
    };
    Token::new(&raw).ok_or_else(|| {
        Fail::input(format!(
            "{source} holds no usable token: it is empty, or has spaces or control characters in it"
        ))
    })
}

/// How to sign in to the servers called directly: `PROMETHEUS_TOKEN` (bearer), or
/// `PROMETHEUS_USER` and `PROMETHEUS_PASSWORD` (Basic), or nothing.
fn prometheus_credentials() -> Result<Credentials, Fail> {
    let var = |name| std::env::var(name).ok().filter(|v| !v.is_empty());
    match (var("PROMETHEUS_TOKEN"), var("PROMETHEUS_USER"), var("PROMETHEUS_PASSWORD")) {
        (Some(_), Some(_), _) => {
            Err(Fail::input("set PROMETHEUS_TOKEN or PROMETHEUS_USER/PROMETHEUS_PASSWORD, not both"))
        }
        (Some(token), None, _) => Token::new(&token)
            .map(Credentials::Bearer)
            .ok_or_else(|| Fail::input("PROMETHEUS_TOKEN holds no usable token")),
        (None, Some(user), password) => Credentials::basic(&user, &password.unwrap_or_default())
            .map_err(|e| Fail::input(format!("PROMETHEUS_USER: {e}"))),
        (None, None, Some(_)) => Err(Fail::input("PROMETHEUS_PASSWORD is set but PROMETHEUS_USER is not")),
        (None, None, None) => Ok(Credentials::Anonymous),
    }
}

fn read(path: &Path) -> Result<String, Fail> {
    std::fs::read_to_string(path).map_err(|e| Fail::input(format!("cannot read {}: {e}", path.display())))
}

fn zone(name: &str) -> Result<TimeZone, Fail> {
    promnote_core::time::zone(name).map_err(|e| Fail::input(format!("--tz: {e}")))
}

/// Connects; an error that stops everything is exit code 3.
fn connect(session: &Session) -> Result<Connection, Fail> {
    session.connect().map_err(|e| Fail { code: Exit::Unreachable, message: session.transport.describe(&e) })
}

/// The exit code a connection's own problems make, whatever the queries give: Grafana's
/// list refused beside servers called directly (3 when it refused the token, else 1).
fn connection_code(conn: &Connection) -> Exit {
    match &conn.listing_error {
        Some(ApiError::Unauthorized { .. }) => Exit::Unreachable,
        Some(_) => Exit::Partial,
        None => Exit::Ok,
    }
}

fn datasources(session: &Session, format: ListFormat) -> Result<Exit, Fail> {
    let conn = connect(session)?;
    let rows: Vec<[String; 5]> = conn
        .datasources
        .prometheus
        .iter()
        .zip(&conn.health)
        .map(|(ds, health)| {
            let (route, status) = match health {
                Ok(route) => (route.name().to_owned(), "ok".to_owned()),
                Err(e) => ("-".to_owned(), format!("failed: {}", session.transport.describe(e))),
            };
            let route = if ds.is_direct() && health.is_ok() { "direct".to_owned() } else { route };
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

fn query(session: &Session, args: &QueryArgs, quiet: bool) -> Result<Exit, Fail> {
    let zone = zone(&args.range.tz)?;
    let options = CellOptions {
        step: Some(args.step.clone()),
        legend: args.legend.clone(),
        datasources: (!args.datasources.is_empty()).then(|| args.datasources.clone()),
        // Every series, as a script wants them (the page's charts keep 40 by default).
        top: Some(notebook::TOP_ALL),
        ..CellOptions::default()
    };
    let cell = Cell::new(args.query.clone(), options);
    let range = (args.range.from.as_deref().unwrap_or("now-1M"), args.range.to.as_deref().unwrap_or("now"));
    check_range(range, &zone, session.now_ms)?;
    let conn = connect(session)?;
    let progress = Progress::new("query", quiet);
    let runs = session.run_cells(&conn, &[cell], range, &Default::default(), &zone, &progress);
    if let Err(e) = &runs[0].prepared {
        return Err(Fail::input(e.clone()));
    }
    emit(|out| output::cell(out, &runs[0], args.format, &zone))?;
    Ok(report_problems(&runs).max(connection_code(&conn)))
}

/// Writes data to stdout as `write` makes it; a reader that stopped early (`| head`) is
/// no error.
fn emit(write: impl FnOnce(&mut Sink<std::io::StdoutLock<'static>>) -> std::fmt::Result) -> Result<(), Fail> {
    let mut out = Sink::new(std::io::stdout().lock());
    let _ = write(&mut out);
    match out.finish() {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Fail { code: Exit::Input, message: format!("cannot write to stdout: {e}") })
        }
        _ => Ok(()),
    }
}

/// Checks a range before anything is sent, so that a typo is exit code 2 at once.
fn check_range(range: (&str, &str), zone: &TimeZone, now_ms: i64) -> Result<(), Fail> {
    let now = jiff::Timestamp::from_millisecond(now_ms).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    promnote_core::time::TimeRange::parse(range.0, range.1, now, zone)
        .map(|_| ())
        .map_err(|e| Fail::input(format!("time range: {e}")))
}

/// A report read and parsed; its errors name the file and line.
fn load_report(path: &Path) -> Result<Notebook, Fail> {
    let text = read(path)?;
    notebook::parse(&text).map_err(|e| Fail::input(format!("{}: {e}", path.display())))
}

/// `--var NAME=V1,V2` as selections, checked against the report's variables.
fn given_selections(
    report: &Notebook,
    vars: &[String],
    path: &Path,
) -> Result<BTreeMap<String, Selection>, Fail> {
    let mut given = BTreeMap::new();
    for spec in vars {
        let Some((name, values)) = spec.split_once('=') else {
            return Err(Fail::input(format!("--var {spec}: write NAME=VALUE or NAME=VALUE1,VALUE2")));
        };
        let Some(variable) = report.front.variables.iter().find(|v| v.name == name) else {
            let known: Vec<String> = report.front.variables.iter().map(|v| format!("${}", v.name)).collect();
            let known = if known.is_empty() { "none".to_owned() } else { known.join(", ") };
            return Err(Fail::input(format!(
                "--var {name}: {} has no variable ${name}; its variables: {known}",
                path.display()
            )));
        };
        let values: Vec<String> = values.split(',').map(str::to_owned).collect();
        let selection =
            variable.requested(values).map_err(|why| Fail::input(format!("--var {name}: {why}")))?;
        given.insert(name.to_owned(), selection);
    }
    Ok(given)
}

/// The cells `--cell` picks: all, the Nth (1 is the first), or those with that title.
fn picked_cells(report: &Notebook, pick: Option<&str>) -> Result<Vec<Cell>, Fail> {
    let cells: Vec<Cell> = report.cells().cloned().collect();
    if cells.is_empty() {
        return Err(Fail::input("the report has no ```promql cells: there is nothing to run"));
    }
    let Some(pick) = pick else { return Ok(cells) };
    if let Ok(n) = pick.parse::<usize>() {
        return match cells.get(n.wrapping_sub(1)) {
            Some(cell) => Ok(vec![cell.clone()]),
            None => Err(Fail::input(format!(
                "--cell {n}: the report has {} cells (1 to {})",
                cells.len(),
                cells.len()
            ))),
        };
    }
    let numbers: Vec<usize> =
        (1..=cells.len()).filter(|&n| cells[n - 1].options.title.as_deref() == Some(pick)).collect();
    if numbers.len() > 1 {
        let numbers: Vec<String> = numbers.iter().map(usize::to_string).collect();
        return Err(Fail::input(format!(
            "--cell {pick}: cells {} have that title; pick one by its number",
            numbers.join(", ")
        )));
    }
    let titled: Vec<Cell> = numbers.iter().map(|&n| cells[n - 1].clone()).collect();
    if titled.is_empty() {
        let titles: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{}: {}", i + 1, c.options.title.as_deref().unwrap_or("Query")))
            .collect();
        return Err(Fail::input(format!(
            "--cell {pick}: no cell has that title; the cells are {}",
            titles.join(", ")
        )));
    }
    Ok(titled)
}

fn run_report(session: &Session, args: &RunArgs, quiet: bool) -> Result<Exit, Fail> {
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
    let (_, bindings) = session.selections(&conn, &report, &given, false);
    let progress = Progress::new(&report.front.title, quiet);
    let runs = session.run_cells(&conn, &cells, range, &bindings, &zone, &progress);
    match &args.out {
        Some(dir) => {
            let written = output::write_folder(dir, &runs, args.format, &zone).map_err(Fail::input)?;
            if !quiet {
                eprintln!(
                    "promnote: wrote {} files to {}: {}",
                    written.len(),
                    dir.display(),
                    written.join(", ")
                );
            }
        }
        None if args.cell.is_some() || args.format == Format::CsvWide => {
            emit(|out| output::cell(out, &runs[0], args.format, &zone))?;
        }
        None if args.format == Format::Json => {
            emit(|out| output::report_json(out, &report.front.title, &runs, &zone))?
        }
        None => emit(|out| output::report_csv(out, &runs, &zone))?,
    }
    Ok(report_problems(&runs).max(connection_code(&conn)))
}

/// Tells what failed on stderr, and what exit code that makes.
fn report_problems(runs: &[CellRun]) -> Exit {
    let mut code = Exit::Ok;
    let mut answered = false;
    for run in runs {
        if let Err(e) = &run.prepared {
            eprintln!("promnote: {}: {e}", run.title);
            code = code.max(Exit::Input);
        }
        answered |= !run.arrivals.is_empty();
        for (_, error, message) in &run.failures {
            eprintln!("promnote: warning: {}: {message}", run.title);
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

fn snapshot(session: &Session, args: &SnapshotArgs, quiet: bool) -> Result<Exit, Fail> {
    let zone = zone(&args.range.tz)?;
    // Reports are read first: one that does not parse is skipped with its line, and the
    // others are still taken.
    let mut code = Exit::Ok;
    let mut reports = Vec::new();
    for path in &args.reports {
        match load_report(path) {
            Ok(report) => reports.push((path, report)),
            Err(fail) => {
                eprintln!("promnote: {}; its snapshot is not written", fail.message);
                code = code.max(Exit::Input);
            }
        }
    }
    if reports.is_empty() {
        return Err(Fail::input("no report could be read: no snapshot was written"));
    }
    for spec in &args.vars {
        let name = spec.split_once('=').map_or(spec.as_str(), |(name, _)| name);
        if !reports.iter().any(|(_, r)| r.front.variables.iter().any(|v| v.name == name)) {
            return Err(Fail::input(format!("--var {spec}: none of the reports has a variable ${name}")));
        }
    }
    std::fs::create_dir_all(&args.out)
        .map_err(|e| Fail::input(format!("cannot create {}: {e}", args.out.display())))?;
    session.start_recording(Recording::new(session.now_ms));
    let conn = connect(session)?;
    let base = session.take_recording().unwrap_or_default();
    let index_path = args.out.join("index.json");
    let mut index = match std::fs::read_to_string(&index_path) {
        Ok(text) => {
            SnapshotIndex::parse(&text).map_err(|e| Fail::input(format!("{}: {e}", index_path.display())))?
        }
        Err(_) => SnapshotIndex { format: replay::FORMAT, snapshots: Vec::new() },
    };
    for (path, report) in &reports {
        let given = match given_selections(report, &applicable(report, &args.vars), path) {
            Ok(given) => given,
            Err(fail) => {
                eprintln!("promnote: {}; its snapshot is not written", fail.message);
                code = code.max(Exit::Input);
                continue;
            }
        };
        let range = (
            args.range.from.clone().unwrap_or_else(|| report.front.from.clone()),
            args.range.to.clone().unwrap_or_else(|| report.front.to.clone()),
        );
        if let Err(fail) = check_range((&range.0, &range.1), &zone, session.now_ms) {
            eprintln!("promnote: {}: {}; its snapshot is not written", path.display(), fail.message);
            code = code.max(Exit::Input);
            continue;
        }
        session.start_recording(base.clone());
        let (selections, bindings) = session.selections(&conn, report, &given, true);
        let cells: Vec<Cell> = report.cells().cloned().collect();
        let progress = Progress::new(&report.front.title, quiet);
        let runs = session.run_cells(&conn, &cells, (&range.0, &range.1), &bindings, &zone, &progress);
        let mut recording = session.take_recording().unwrap_or_default();
        for key in session::listing_keys() {
            recording.answers.remove(&key);
        }
        recording
            .answers
            .insert(session::listing_keys()[0].clone(), session::published_listing(&conn.datasources));
        let id = report_id(path);
        let mut failed: Vec<String> =
            runs.iter().flat_map(|r| &r.failures).map(|(_, _, message)| message.clone()).collect();
        failed.sort();
        failed.dedup();
        let snapshot = Snapshot {
            format: replay::FORMAT,
            id: id.clone(),
            title: report.front.title.clone(),
            taken_at_ms: session.now_ms,
            servers: session.transport.servers(),
            report: report.to_markdown(),
            from: range.0.clone(),
            to: range.1.clone(),
            zone: args.range.tz.clone(),
            variables: selections.iter().map(|(name, s)| (name.clone(), s.to_values())).collect(),
            failed,
            recording,
        };
        let text = serde_json::to_string(&snapshot)
            .map_err(|e| Fail::input(format!("cannot write the snapshot of {id}: {e}")))?;
        // Requests carry no credential, so no answer should hold one: make sure, and
        // refuse the file rather than edit it.
        if let Some(which) = session.transport.secret_in(&text) {
            return Err(Fail::input(secret_found(&which, &format!("the snapshot of {id}"))));
        }
        output::write_atomically(&args.out.join(replay::snapshot_file_name(&id)), |out| out.write_str(&text))
            .map_err(Fail::input)?;
        index.insert(&snapshot);
        // The snapshot records what failed: for the run as a whole that is partial (the
        // connection itself answered, or `connect` would have stopped it).
        code = code.max(report_problems(&runs).min(Exit::Partial));
        if !quiet {
            eprintln!(
                "promnote: {} -> {}",
                path.display(),
                args.out.join(replay::snapshot_file_name(&id)).display()
            );
        }
    }
    let text = serde_json::to_string_pretty(&index)
        .map_err(|e| Fail::input(format!("cannot write the index: {e}")))?;
    if let Some(which) = session.transport.secret_in(&text) {
        return Err(Fail::input(secret_found(&which, "the snapshot index")));
    }
    output::write_atomically(&index_path, |out| out.write_str(&text)).map_err(Fail::input)?;
    Ok(code)
}

/// Why a file that holds a credential's text is not written.
fn secret_found(which: &str, file: &str) -> String {
    format!(
        "{file} would hold the text of {which}, so it is not written (a published file must never carry a credential). A password that is a common word or only a few characters long also appears in ordinary data: give that server a longer, random one."
    )
}

/// The `--var` flags that name one of this report's variables (a snapshot of several
/// reports takes each flag for the reports that have it).
fn applicable(report: &Notebook, vars: &[String]) -> Vec<String> {
    vars.iter()
        .filter(|spec| {
            let name = spec.split_once('=').map_or(spec.as_str(), |(name, _)| name);
            !vars::is_name(name) || report.front.variables.iter().any(|v| v.name == name)
        })
        .cloned()
        .collect()
}

/// A report's id: its file name without `.md` (`reports/hub-activity.md` → `hub-activity`).
fn report_id(path: &Path) -> String {
    path.file_stem().and_then(|s| s.to_str()).unwrap_or("report").to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "---\nformat: 1\nvariables:\n  - name: hub\n    query: label_values(x, namespace)\n    multi: true\n    all: true\n  - name: one\n    query: label_values(y)\n---\n\n```promql title=First\nup\n```\n\n```promql title=Second\nup\n```\n";

    #[test]
    fn variables_from_flags() {
        let report = notebook::parse(REPORT).unwrap();
        let path = Path::new("r.md");
        let given = given_selections(&report, &["hub=a,b".into(), "one=z".into()], path).ok().unwrap();
        assert_eq!(given["hub"], Selection::Values(vec!["a".into(), "b".into()]));
        assert_eq!(given_selections(&report, &["hub=All".into()], path).ok().unwrap()["hub"], Selection::All);
        let err = |vars: &[&str]| {
            let vars: Vec<String> = vars.iter().map(|v| (*v).to_owned()).collect();
            given_selections(&report, &vars, path).err().unwrap().message
        };
        assert!(err(&["nope=1"]).contains("its variables: $hub, $one"), "{}", err(&["nope=1"]));
        assert!(err(&["one=a,b"]).contains("takes one value"));
        assert!(err(&["hub"]).contains("NAME=VALUE"));
        assert_eq!(applicable(&report, &["hub=a".into(), "other=b".into()]), ["hub=a"]);
    }

    #[test]
    fn cells_by_number_or_title() {
        let report = notebook::parse(REPORT).unwrap();
        assert_eq!(picked_cells(&report, None).ok().unwrap().len(), 2);
        assert_eq!(
            picked_cells(&report, Some("2")).ok().unwrap()[0].options.title.as_deref(),
            Some("Second")
        );
        assert_eq!(picked_cells(&report, Some("First")).ok().unwrap().len(), 1);
        assert!(picked_cells(&report, Some("3")).err().unwrap().message.contains("has 2 cells"));
        assert!(picked_cells(&report, Some("0")).is_err());
        assert!(picked_cells(&report, Some("Third")).err().unwrap().message.contains("1: First, 2: Second"));
        assert_eq!(report_id(Path::new("reports/hub-activity.md")), "hub-activity");
    }
}
