//! `promnote snapshot`: each report run against the servers with every answer recorded,
//! written as `<report>.json` beside `index.json` for a published site whose readers
//! have no token. No file holding a credential is ever written.

use std::fmt::Write as _;
use std::path::Path;

use promnote_core::api::replay::{self, RecordedAnswer, Recording, Snapshot, SnapshotIndex};
use promnote_core::api::ApiRequest;
use promnote_core::report::{Cell, Report};
use promnote_core::run::connect::Datasources;
use promnote_core::run::variables as var_rules;

use crate::args::{applicable, check_range, given_selections, load_report, report_id, zone};
use crate::cli::SnapshotArgs;
use crate::commands::{connect, report_problems, value_problems};
use crate::output;
use crate::progress::Progress;
use crate::session::{Scope, Session};
use crate::{Exit, Fail};

pub fn snapshot(session: &Session, args: &SnapshotArgs, quiet: bool) -> Result<Exit, Fail> {
    let zone = zone(&args.range.tz)?;
    let (reports, mut code) = read_reports(args)?;
    std::fs::create_dir_all(&args.out)
        .map_err(|e| Fail::input(format!("cannot create {}: {e}", args.out.display())))?;
    // The connection's own answers (the list, the health checks) go into every snapshot.
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
        let plan = given_selections(report, &applicable(report, &args.vars), path).and_then(|given| {
            let range = (
                args.range.from.clone().unwrap_or_else(|| report.front.from.clone()),
                args.range.to.clone().unwrap_or_else(|| report.front.to.clone()),
            );
            check_range((&range.0, &range.1), &zone, session.now_ms)
                .map_err(|fail| Fail::input(format!("{}: {}", path.display(), fail.message)))?;
            Ok((given, range))
        });
        let (given, range) = match plan {
            Ok(plan) => plan,
            Err(fail) => {
                eprintln!("promnote: {}; its snapshot is not written", fail.message);
                code = code.max(Exit::Input);
                continue;
            }
        };
        session.start_recording(base.clone());
        let window = var_rules::window((&range.0, &range.1), session.now_ms, &zone);
        let (selections, bindings) = session.selections(&conn, report, &given, true, window);
        let cells: Vec<Cell> = report.cells().cloned().collect();
        let progress = Progress::new(&report.front.title, quiet);
        let scope = Scope {
            range: (&range.0, &range.1),
            bindings: &bindings,
            zone: &zone,
            annotations: &report.front.annotations,
        };
        let runs = session.run_cells(&conn, &cells, &scope, &progress);
        // The values in the prose are answered from the snapshot too.
        let values = session.run_values(&conn, report, &scope);
        let mut failed: Vec<String> =
            runs.iter().flat_map(|r| &r.failures).map(|(_, _, message)| message.clone()).collect();
        failed.sort();
        failed.dedup();
        let snapshot = Snapshot {
            format: replay::FORMAT,
            id: report_id(path),
            title: report.front.title.clone(),
            taken_at_ms: session.now_ms,
            servers: session.transport.servers(),
            report: report.to_markdown(),
            from: range.0,
            to: range.1,
            zone: args.range.tz.clone(),
            variables: selections.iter().map(|(name, s)| (name.clone(), s.to_values())).collect(),
            failed,
            recording: published(session.take_recording().unwrap_or_default(), &conn.datasources),
        };
        let file = args.out.join(replay::snapshot_file_name(&snapshot.id));
        let text = serde_json::to_string(&snapshot)
            .map_err(|e| Fail::input(format!("cannot write the snapshot of {}: {e}", snapshot.id)))?;
        write_checked(session, &file, &text, &format!("the snapshot of {}", snapshot.id))?;
        index.insert(&snapshot);
        // The snapshot records what failed: for the run as a whole that is partial (the
        // connection itself answered, or `connect` would have stopped it).
        code = code.max(report_problems(&runs).max(value_problems(&values)).min(Exit::Partial));
        if !quiet {
            eprintln!("promnote: {} -> {}", path.display(), file.display());
        }
    }
    let text = serde_json::to_string_pretty(&index)
        .map_err(|e| Fail::input(format!("cannot write the index: {e}")))?;
    write_checked(session, &index_path, &text, "the snapshot index")?;
    Ok(code)
}

/// A report file and what it holds.
type ReportFile<'a> = (&'a Path, Report);

/// The reports to take, read first: one that does not parse is skipped with its line
/// (exit code 2 in the end), and the others are still taken. A `--var` that no report
/// has is a typo, and stops the run.
fn read_reports(args: &SnapshotArgs) -> Result<(Vec<ReportFile<'_>>, Exit), Fail> {
    let mut code = Exit::Ok;
    let mut reports = Vec::new();
    for path in &args.reports {
        match load_report(path) {
            Ok(report) => reports.push((path.as_path(), report)),
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
    Ok((reports, code))
}

/// The answers a snapshot publishes: the run's, with Grafana's datasource list (and its
/// fallback) replaced by [`published_listing`].
fn published(mut recording: Recording, datasources: &Datasources) -> Recording {
    for key in listing_keys() {
        recording.answers.remove(&key);
    }
    recording.answers.insert(listing_keys()[0].clone(), published_listing(datasources));
    recording
}

/// Writes a published file, unless it holds a credential's text. Requests carry no
/// credential, so no answer should hold one: this makes sure, and refuses the file
/// rather than edit it (exit code 2, naming the credential).
fn write_checked(session: &Session, file: &Path, text: &str, what: &str) -> Result<(), Fail> {
    if let Some(which) = session.transport.secret_in(text) {
        return Err(Fail::input(secret_found(&which, what)));
    }
    output::write_atomically(file, |out| out.write_str(text)).map_err(Fail::input)
}

/// Why a file that holds a credential's text is not written.
fn secret_found(which: &str, file: &str) -> String {
    format!(
        "{file} would hold the text of {which}, so it is not written (a published file must never carry a credential). A password that is a common word or only a few characters long also appears in ordinary data: give that server a longer, random one."
    )
}

/// The datasource list a snapshot carries: uid, name and type of each datasource as the
/// run used it (including servers called directly), and nothing of Grafana's settings
/// (URLs, users, database names) that `/api/datasources` also lists.
fn published_listing(datasources: &Datasources) -> RecordedAnswer {
    let list: Vec<serde_json::Value> = datasources
        .prometheus
        .iter()
        .chain(&datasources.others)
        .map(|ds| serde_json::json!({ "uid": ds.uid, "name": ds.name, "type": ds.kind, "isDefault": ds.is_default }))
        .collect();
    RecordedAnswer {
        status: 200,
        content_type: Some("application/json".into()),
        body: serde_json::Value::Array(list).to_string(),
        error: None,
    }
}

/// The replay key of the datasource list, and of its fallback, which a snapshot replaces
/// with [`published_listing`].
fn listing_keys() -> [String; 2] {
    [ApiRequest::datasources().replay_key(), ApiRequest::frontend_settings().replay_key()]
}
