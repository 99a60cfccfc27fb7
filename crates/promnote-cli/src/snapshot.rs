//! `promnote snapshot`: each report run against the servers with every answer recorded,
//! written as `<report>.json` beside `index.json` for a published site whose readers
//! have no token. No file holding a credential is ever written.

use std::path::Path;

use std::collections::BTreeMap;

use jiff::tz::TimeZone;
use promnote_core::api::replay::{
    self, Dated, Each, RecordedAnswer, Recording, Snapshot, SnapshotEntry, SnapshotIndex,
};
use promnote_core::api::ApiRequest;
use promnote_core::data::timeline;
use promnote_core::report::variables::Selection;
use promnote_core::report::{Cell, Report, Variable};
use promnote_core::run::accumulate;
use promnote_core::run::connect::Datasources;
use promnote_core::run::repeat;
use promnote_core::run::variables as var_rules;
use promnote_core::run::Exchange;
use promnote_core::time::TimeRange;

use crate::args::{applicable, check_range, given_selections, load_report, report_id, zone};
use crate::cli::SnapshotArgs;
use crate::commands::{connect, report_problems, value_problems};
use crate::output;
use crate::progress::Progress;
use crate::session::{Connection, Scope, Session};
use crate::site::{index_text, site_passphrase, Site, INDEX_FILE};
use crate::term::say;
use crate::{Exit, Fail};

pub fn snapshot(session: &Session, args: &SnapshotArgs, quiet: bool) -> Result<Exit, Fail> {
    let zone = zone(&args.range.tz)?;
    let (reports, mut code) = read_reports(args)?;
    let passphrase = site_passphrase(args.encrypt, args.passphrase_file.as_deref())?;
    if !args.dry_run {
        std::fs::create_dir_all(&args.out)
            .map_err(|e| Fail::input(format!("cannot create {}: {e}", args.out.display())))?;
    }
    // A wrong passphrase for a sealed folder stops the run before any server is asked.
    let site = Site::open(&args.out, passphrase.as_deref())?;
    let mut index = site.read_index()?;
    let previous = index.clone();
    let history = history_folder(args)?;
    // The connection's own answers (the list, the health checks) go into every snapshot.
    session.start_recording(Recording::new(session.now_ms));
    let conn = connect(session)?;
    let base = session.take_recording().unwrap_or_default();
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
                say!("promnote: {}; its snapshot is not written", fail.message);
                code = code.max(Exit::Input);
                continue;
            }
        };
        let taker = Taker {
            session,
            conn: &conn,
            base: &base,
            args,
            zone: &zone,
            quiet,
            site: &site,
            previous: &previous,
            history: history.as_deref(),
        };
        let variable =
            args.each.as_deref().and_then(|name| report.front.variables.iter().find(|v| v.name == name));
        let Some(variable) = variable else {
            match taker.take(path, report, &given, &range, None) {
                Ok((entry, exit)) => {
                    index.insert(entry);
                    code = code.max(exit);
                }
                Err(fail) => return Err(fail),
            }
            continue;
        };
        code = code.max(taker.take_each(path, report, &given, &range, variable, &mut index));
    }
    let text = index_text(&index)?;
    check_secrets(session, &text, "the snapshot index")?;
    if args.dry_run {
        let sealed = if site.sealed() { ", sealed" } else { "" };
        let line = format!(
            "would write {} ({} snapshots listed{sealed})",
            site.path(INDEX_FILE).display(),
            index.snapshots.len()
        );
        output::print_line(&line).map_err(|e| Fail::input(format!("cannot write to stdout: {e}")))?;
    } else {
        site.write_index(&text)?;
    }
    Ok(code)
}

/// What taking one snapshot needs.
struct Taker<'a> {
    session: &'a Session,
    conn: &'a Connection,
    base: &'a Recording,
    args: &'a SnapshotArgs,
    zone: &'a TimeZone,
    quiet: bool,
    site: &'a Site,
    /// The index as it was before this run (its entries' dated copies).
    previous: &'a SnapshotIndex,
    /// Where dated copies go, relative to the site's folder (`--history`).
    history: Option<&'a str>,
}

impl Taker<'_> {
    /// One snapshot of `report` per value of `variable` (those `given` picks, else every
    /// value it lists): a value that fails is said and left out, the others are written,
    /// and the index forgets values no longer there. The exit code their failures make.
    fn take_each(
        &self,
        path: &Path,
        report: &Report,
        given: &BTreeMap<String, Selection>,
        range: &(String, String),
        variable: &Variable,
        index: &mut SnapshotIndex,
    ) -> Exit {
        let mut code = Exit::Ok;
        // One snapshot per value: the values --var picks, else every value it lists.
        self.session.start_recording(self.base.clone());
        let window = var_rules::window((&range.0, &range.1), self.session.now_ms, self.zone);
        let (_, bindings) = self.session.selections(self.conn, report, given, true, window);
        let _ = self.session.take_recording();
        let values = repeat::chosen(&bindings, &variable.name).unwrap_or_default();
        if values.is_empty() {
            say!(
                "promnote: {}: ${} has no values for this range; no snapshot is written",
                path.display(),
                variable.name
            );
            return Exit::Partial;
        }
        let id = report_id(path);
        let mut written = Vec::new();
        for value in &values {
            let mut given = given.clone();
            given.insert(variable.name.clone(), Selection::Values(vec![value.clone()]));
            let each = Each {
                report: id.clone(),
                title: report.front.title.clone(),
                variable: variable.label.clone().unwrap_or_else(|| variable.name.clone()),
                value: value.clone(),
            };
            match self.take(path, report, &given, range, Some(each)) {
                Ok((entry, exit)) => {
                    index.insert(entry);
                    written.push(value.clone());
                    code = code.max(exit);
                }
                // A value that fails is said and left out; the others are written.
                Err(fail) => {
                    say!("promnote: {} for ${} = {value}: {}", path.display(), variable.name, fail.message);
                    code = code.max(fail.code.min(Exit::Partial));
                }
            }
        }
        index.keep_values(&id, &written);
        if !self.quiet {
            say!(
                "promnote: {}: {} of {} values of ${} written",
                path.display(),
                written.len(),
                values.len(),
                variable.name
            );
        }
        code
    }

    /// Runs `report` with `given` over `range` and writes its snapshot and report CSV (one
    /// of a report's per value when `each` says which); its index entry, and the exit code
    /// its failures make.
    fn take(
        &self,
        path: &Path,
        report: &Report,
        given: &BTreeMap<String, Selection>,
        range: &(String, String),
        each: Option<Each>,
    ) -> Result<(SnapshotEntry, Exit), Fail> {
        let Self { session, conn, base, args, zone, quiet, site, previous, history } = *self;
        session.start_recording(base.clone());
        let window = var_rules::window((&range.0, &range.1), session.now_ms, zone);
        let (selections, bindings) = session.selections(conn, report, given, true, window);
        let cells: Vec<Cell> = report.cells().cloned().collect();
        let progress = Progress::new(&report.front.title, quiet);
        let scope = Scope {
            range: (&range.0, &range.1),
            bindings: &bindings,
            zone,
            annotations: &report.front.annotations,
        };
        let runs = session.run_cells(conn, &cells, &scope, &progress);
        // The query annotations' answers, so that the page draws their events too.
        let marked: Vec<Cell> =
            report.front.annotations.iter().filter_map(timeline::query_cell).map(|(cell, ..)| cell).collect();
        if !marked.is_empty() {
            session.run_cells(conn, &marked, &scope, &Progress::new("annotations", true));
        }
        // And Grafana's own annotations (a failure is the page's to say, from the recording).
        let grafana = timeline::grafana_tags(&report.front.annotations);
        let now = jiff::Timestamp::from_millisecond(session.now_ms).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        if let (false, true, Ok(window)) = (
            grafana.is_empty(),
            session.transport.has_grafana(),
            TimeRange::parse(&range.0, &range.1, now, zone),
        ) {
            let (from_ms, to_ms) = (window.from.as_millisecond(), window.to.as_millisecond());
            for tags in grafana {
                let _ = session.drive(Exchange::annotations(from_ms, to_ms, &tags));
            }
        }
        // The values in the prose are answered from the snapshot too.
        let values = session.run_values(conn, report, &scope);
        // What failed, by its kind and status: not the servers' own texts.
        let mut failed: Vec<String> = runs
            .iter()
            .flat_map(|r| &r.failures)
            .map(|(_, e, _)| session.transport.redact(&e.published()))
            .collect();
        failed.sort();
        failed.dedup();
        let id = match &each {
            Some(each) => replay::each_id(&each.report, &each.value),
            None => report_id(path),
        };
        let title = match &each {
            Some(each) => repeat::title(&report.front.title, &each.value),
            None => report.front.title.clone(),
        };
        let mut snapshot = Snapshot {
            format: replay::FORMAT,
            id,
            title,
            taken_at_ms: session.now_ms,
            servers: args.source_name.clone().or_else(|| session.transport.source()).into_iter().collect(),
            report: report.to_markdown(),
            from: range.0.clone(),
            to: range.1.clone(),
            zone: args.range.tz.clone(),
            variables: selections.iter().map(|(name, s)| (name.clone(), s.to_values())).collect(),
            failed,
            each,
            carried: Vec::new(),
            kept: Vec::new(),
            recording: published(session.take_recording().unwrap_or_default(), &conn.datasources),
        };
        let (name, csv_name) = (site.file_name(&snapshot.id, "json"), site.file_name(&snapshot.id, "csv"));
        if args.accumulate {
            self.accumulate(&name, &mut snapshot);
        }
        let text = serde_json::to_string(&snapshot)
            .map_err(|e| Fail::input(format!("cannot write the snapshot of {}: {e}", snapshot.id)))?;
        let mut csv = String::new();
        output::report_csv(&mut csv, &runs, zone)
            .map_err(|_| Fail::input(format!("cannot write the report CSV of {}", snapshot.id)))?;
        check_secrets(session, &text, &format!("the snapshot of {}", snapshot.id))?;
        check_secrets(session, &csv, &format!("the report CSV of {}", snapshot.id))?;
        if args.dry_run {
            let listing = dry_run_listing(&snapshot, &site.path(&name), text.len(), &conn.datasources);
            output::print_line(&listing).map_err(|e| Fail::input(format!("cannot write to stdout: {e}")))?;
        } else {
            site.write(&name, text.as_bytes())?;
            site.write(&csv_name, csv.as_bytes())?;
            if !quiet {
                say!("promnote: {} -> {}", path.display(), site.path(&name).display());
            }
        }
        // The snapshot records what failed: for the run as a whole that is partial (the
        // connection itself answered, or `connect` would have stopped it).
        let mut entry = SnapshotEntry::new(&snapshot, name.clone(), vec![csv_name]);
        // Its dated copies stay listed, whether this run adds one or not.
        let earlier = previous.snapshots.iter().find(|e| e.id == snapshot.id).map(|e| e.history.clone());
        entry.history = earlier.unwrap_or_default();
        if let Some(folder) = history {
            let day = promnote_core::time::clock::utc_day(snapshot.taken_at_ms);
            let dated = Dated { taken_at_ms: snapshot.taken_at_ms, file: format!("{folder}/{day}/{name}") };
            if !args.dry_run {
                site.write(&dated.file, text.as_bytes())?;
            }
            entry.history.retain(|d| d.file != dated.file);
            entry.history.push(dated);
            entry.history.sort_by_key(|d| std::cmp::Reverse(d.taken_at_ms));
        }
        Ok((entry, report_problems(&runs).max(value_problems(&values)).min(Exit::Partial)))
    }
}

impl Taker<'_> {
    /// Carries into `snapshot` what the snapshot it replaces (the file `name`, if there is
    /// one) holds that the servers no longer return, with the notes of what was carried
    /// and what was kept aside. An earlier snapshot that cannot be read is said, and this
    /// one is taken without it.
    fn accumulate(&self, name: &str, snapshot: &mut Snapshot) {
        if !self.site.path(name).exists() {
            return;
        }
        let what = format!("the earlier snapshot of {}", snapshot.id);
        let earlier = self.site.read(name, &what).map_err(|f| f.message).and_then(|bytes| {
            let text = String::from_utf8(bytes).map_err(|_| format!("{what} is not text"))?;
            Snapshot::parse(&text).map_err(|e| format!("{what}: {e}"))
        });
        let earlier = match earlier {
            Ok(earlier) => earlier,
            Err(e) => {
                say!("promnote: warning: {e}; this snapshot keeps nothing from it");
                return;
            }
        };
        let accumulated = accumulate::accumulate(&mut snapshot.recording, &earlier);
        if !self.quiet {
            for note in &accumulated.carried {
                say!("promnote: {}: kept from before: {}", snapshot.id, note.sentence());
            }
            if !accumulated.kept.is_empty() {
                say!(
                    "promnote: {}: {} earlier series kept aside for the next run (their queries failed or were not asked)",
                    snapshot.id,
                    accumulated.kept.len()
                );
            }
        }
        snapshot.carried = accumulated.carried;
        snapshot.kept = accumulated.kept;
    }
}

/// `--history` as a folder inside `--out` (the site serves it), relative to it.
fn history_folder(args: &SnapshotArgs) -> Result<Option<String>, Fail> {
    let Some(history) = &args.history else { return Ok(None) };
    let inside = history
        .strip_prefix(&args.out)
        .ok()
        .filter(|rel| !rel.as_os_str().is_empty())
        .filter(|rel| rel.components().all(|c| matches!(c, std::path::Component::Normal(_))))
        .and_then(|rel| rel.to_str())
        .map(|rel| rel.replace('\\', "/"));
    match inside {
        Some(rel) => Ok(Some(rel)),
        None => Err(Fail::input(format!(
            "--history {}: give a folder inside --out {} (e.g. {}), so the site serves its copies",
            history.display(),
            args.out.display(),
            args.out.join("history").display()
        ))),
    }
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
                say!("promnote: {}; its snapshot is not written", fail.message);
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
    if let Some(name) = &args.each {
        if !reports.iter().any(|(_, r)| r.front.variables.iter().any(|v| v.name == *name)) {
            return Err(Fail::input(format!("--each {name}: none of the reports has a variable ${name}")));
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

/// Refuses a published text that holds a credential's text. Requests carry no
/// credential, so no answer should hold one: this makes sure, and refuses the file
/// rather than edit it (exit code 2, naming the credential).
fn check_secrets(session: &Session, text: &str, what: &str) -> Result<(), Fail> {
    match session.transport.secret_in(text) {
        Some(which) => Err(Fail::input(secret_found(&which, what))),
        None => Ok(()),
    }
}

/// What `--dry-run` says a snapshot would publish.
fn dry_run_listing(snapshot: &Snapshot, file: &Path, bytes: usize, datasources: &Datasources) -> String {
    let names: Vec<&str> = datasources.prometheus.iter().map(|d| d.name.as_str()).collect();
    let variables: Vec<String> =
        snapshot.variables.iter().map(|(name, values)| format!("${name} = {}", values.join(", "))).collect();
    let answer_bytes: usize = snapshot.recording.answers.values().map(|a| a.body.len()).sum();
    let mut out = format!(
        "would write {} ({} KB): \"{}\", from {}, taken {}\n  datasources listed: {}\n  variables: {}\n  answers: {} ({} KB)",
        file.display(),
        bytes.div_ceil(1024),
        snapshot.title,
        snapshot.servers.join(", "),
        promnote_core::time::clock::taken_at_text(snapshot.taken_at_ms),
        if names.is_empty() { "none".to_owned() } else { names.join(", ") },
        if variables.is_empty() { "none".to_owned() } else { variables.join("; ") },
        snapshot.recording.answers.len(),
        answer_bytes.div_ceil(1024),
    );
    for failure in &snapshot.failed {
        out.push_str(&format!("\n  failed: {failure}"));
    }
    out
}

/// Why a file that holds a credential's text is not written.
fn secret_found(which: &str, file: &str) -> String {
    format!(
        "{file} would hold the text of {which}, so it is not written (a published file must never carry a credential). A password that is a common word or only a few characters long also appears in ordinary data: give that server a longer, random one."
    )
}

/// The datasource list a snapshot carries: uid, name and type of each Prometheus
/// datasource as the run used it (including servers called directly), and nothing of
/// Grafana's settings (URLs, users, database names) that `/api/datasources` also lists,
/// nor the datasources of other types, which no report asks.
fn published_listing(datasources: &Datasources) -> RecordedAnswer {
    let list: Vec<serde_json::Value> = datasources
        .prometheus
        .iter()
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
