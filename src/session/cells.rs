//! Every cell's run, in the page: which cells run now and which wait for the variables
//! they use ([`run_all`]), and one cell on every datasource it asks ([`run_cell`]), by
//! the core's route rule ([`Start`], [`after_health`]), at most six datasources at once,
//! its answers drawn in paced batches.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use futures::StreamExt;
use leptos::prelude::*;
use promnote_core::api::{ApiError, Datasource, Route};
use promnote_core::data::series::Arrival;
use promnote_core::data::timeline;
use promnote_core::report::substitute::Bindings;
use promnote_core::report::substitute::Query;
use promnote_core::run::cell::{
    after_health, prepare_cell, DatasourceQuery, Outcome, Phase, PreparedCell, Start, Then,
    PARALLEL_DATASOURCES,
};
use promnote_core::run::repeat;
use promnote_core::run::silent::Silent;
use promnote_core::run::variables::{to_read, undetermined};
use promnote_core::run::Exchange;
use promnote_core::time::TimeRange;
use web_sys::AbortSignal;

use super::variables::{bindings, load_variables};
use super::Connection;
use crate::api::Transport;
use crate::perf;
use crate::state::{CellRun, CellState, OpenReport, Repeat};

/// Runs every cell and every value in the prose of the open report. Cells and values that use a variable whose value must come
/// from the datasources (no "All", no default) wait for its values; the others start at
/// once. Every query variable's values are read, to fill the controls.
pub fn run_all(conn: Connection, report: OpenReport) {
    if conn.transport().is_none() || conn.listing.get_untracked() {
        return;
    }
    report.runs.update(|n| *n += 1);
    report.masked.set(Vec::new());
    // A new run asks every datasource again, those that timed out in the last one too.
    conn.silent.set_value(Silent::default());
    let front = report.front.get_untracked();
    let selections = report.vars.get_untracked();
    let waiting = undetermined(&front.variables, &selections);
    let mut deferred = Vec::new();
    let asked = to_read(&front.variables, &selections, true);
    for cell in report.cells() {
        // A repeated cell needs its variable's list (All is every listed value).
        let repeats_over_read =
            cell.options.with_untracked(|o| o.repeat.as_ref().is_some_and(|v| asked.contains(v)));
        if waiting.iter().any(|name| cell.uses(name)) || repeats_over_read {
            cell.run.reset(Phase::Running);
            deferred.push(cell);
        } else {
            run_cell(conn, report, cell);
        }
    }
    let deferred_values = super::values::start_all(conn, report, &waiting);
    run_annotations(conn, report);
    if asked.is_empty() {
        return;
    }
    let Some((_, signal)) = conn.abort_signal() else { return };
    leptos::task::spawn_local(async move {
        load_variables(conn, report, &asked, false, &signal).await;
        if signal.aborted() {
            return;
        }
        for cell in deferred {
            run_cell(conn, report, cell);
        }
        super::values::run_codes(conn, report, &deferred_values);
    });
}

/// Runs the report's query annotations (each like a cell, on every datasource) and puts
/// the events they find on every chart; a query that fails is said above the cells.
pub fn run_annotations(conn: Connection, report: OpenReport) {
    let annotations = report.front.with_untracked(|f| f.annotations.clone());
    let queries: Vec<_> = annotations.iter().filter_map(timeline::query_cell).collect();
    let grafana = timeline::grafana_tags(&annotations);
    if queries.is_empty() && grafana.is_empty() {
        if report.query_marks.with_untracked(|(m, n)| !m.is_empty() || !n.is_empty()) {
            report.query_marks.set((Vec::new(), Vec::new()));
        }
        return;
    }
    let Some(transport) = conn.transport() else { return };
    let Some((_, signal)) = conn.abort_signal() else { return };
    let datasources: Vec<Datasource> =
        conn.rows.with_untracked(|rows| rows.iter().map(|r| r.ds.clone()).collect());
    let range = (report.from.get_untracked(), report.to.get_untracked());
    let bindings = bindings(report);
    let (now_ms, zone) = (conn.now_ms(), conn.zone.get_untracked());
    leptos::task::spawn_local(async move {
        let (mut marks, mut notes) = (Vec::new(), Vec::new());
        for (cell, title, text) in queries {
            let prepared = prepare_cell(&cell, (&range.0, &range.1), &bindings, now_ms, &zone, &datasources);
            let PreparedCell { plan, queries, datasources } = match prepared {
                Ok(prepared) => prepared,
                Err(e) => {
                    notes.push(format!("The annotation query `{}` cannot run: {e}", cell.query));
                    continue;
                }
            };
            let mut arrivals = Vec::new();
            for ds in &datasources {
                let planned = |route| DatasourceQuery::new(ds, route, &queries, &plan);
                match datasource_outcome(conn, &transport, ds, &signal, planned).await {
                    Some(Outcome::Arrived(arrival)) => arrivals.push(arrival),
                    Some(Outcome::Failed(e)) => notes.push(format!(
                        "The annotation query `{}` failed: {}",
                        cell.query,
                        transport.describe(&e)
                    )),
                    Some(Outcome::QueryViaDsQuery) => {}
                    None => return,
                }
            }
            let (found, note) =
                timeline::events(&arrivals, timeline::step_ms(&plan), title.as_deref(), &text);
            marks.extend(found);
            notes.extend(note);
        }
        // Grafana's own annotations over the range, by their tags.
        let now = jiff::Timestamp::from_millisecond(now_ms).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        if let Ok(window) = TimeRange::parse(&range.0, &range.1, now, &zone) {
            let (from_ms, to_ms) = (window.from.as_millisecond(), window.to.as_millisecond());
            for tags in grafana {
                match transport.drive(Exchange::annotations(from_ms, to_ms, &tags), &signal).await {
                    Ok(found) => marks.extend(timeline::grafana_marks(&found)),
                    Err(ApiError::Cancelled) => return,
                    Err(e) => notes
                        .push(format!("Grafana's annotations could not be read: {}", transport.describe(&e))),
                }
            }
        }
        if !signal.aborted() {
            report.query_marks.set((marks, notes));
        }
    });
}

/// Retry after a datasource failed: list and check the datasources again, then run
/// the report (through [`Connection::ready`]).
pub fn retry(conn: Connection) {
    perf::mark("promnote:click");
    conn.reconnect();
}

/// Runs one cell now, aborting its previous run: a repeated cell (`repeat=`) once per
/// value of its variable, each repeat with its own run. Problems with the cell itself (its
/// range, step, datasources) show on the cell; a datasource's failure shows beside it.
pub fn run_cell(conn: Connection, report: OpenReport, cell: CellState) {
    let bindings = bindings(report);
    let Some(variable) = cell.options.with_untracked(|o| o.repeat.clone()) else {
        if cell.repeats.with_untracked(|r| !r.is_empty()) {
            cell.clear();
        }
        run_into(conn, report, cell, cell.run, &bindings);
        return;
    };
    cell.cancel();
    cell.run.reset(Phase::Running);
    let Some((values, note)) = repeat::values(&bindings, &variable) else {
        cell.run.phase.set(Phase::Invalid(format!(
            "This cell repeats over ${variable}, which the report does not have: fix repeat= in its options."
        )));
        return;
    };
    cell.repeat_note.set(note);
    // Keep the runs of the values still chosen (their charts stay while they run again).
    let before = cell.repeats.get_untracked();
    let repeats: Vec<Repeat> = values
        .iter()
        .map(|value| {
            before
                .iter()
                .find(|r| r.value.with_value(|v| v == value))
                .copied()
                .unwrap_or_else(|| report.repeat(value))
        })
        .collect();
    cell.repeats.set(repeats.clone());
    if values.is_empty() {
        cell.run.phase.set(Phase::Invalid(format!(
            "${variable} has no values for this range, so this repeated cell has nothing to draw."
        )));
        return;
    }
    for (repeat, value) in repeats.iter().zip(&values) {
        run_into(conn, report, cell, repeat.run, &repeat::bindings_for(&bindings, &variable, value));
    }
    cell.run.phase.set(Phase::Finished);
    cell.run.settled.set(cell.run.generation.get_untracked());
}

/// Runs `cell` into `run` with `bindings` (the report's, or a repeat's).
fn run_into(conn: Connection, report: OpenReport, cell: CellState, run: CellRun, bindings: &Bindings) {
    run.reset(Phase::Idle);
    let Some(transport) = conn.transport() else { return };
    let datasources: Vec<Datasource> =
        conn.rows.with_untracked(|rows| rows.iter().map(|r| r.ds.clone()).collect());
    let prepared = prepare_cell(
        &cell.to_cell(),
        (&report.from.get_untracked(), &report.to.get_untracked()),
        bindings,
        conn.now_ms(),
        &conn.zone.get_untracked(),
        &datasources,
    );
    let PreparedCell { plan, queries, datasources } = match prepared {
        Ok(prepared) => prepared,
        Err(e) => {
            run.phase.set(Phase::Invalid(e));
            return;
        }
    };
    let Some((controller, signal)) = conn.abort_signal() else { return };
    run.abort.set_value(Some(controller));
    if let Some(note) = &plan.note {
        run.arrived.set(vec![Arrival { notes: vec![note.clone()], ..Default::default() }]);
    }
    run.plan.set(Some(plan.clone()));
    run.sent.set(queries.iter().map(Query::text).collect::<Vec<_>>().join("\n"));
    run.phase.set(Phase::Running);
    let batch = Rc::new(Batch::default());
    // The annotations' masking spans take their values out of every answer.
    let marks = report
        .front
        .with_untracked(|f| timeline::resolve(&f.annotations, conn.now_ms(), &conn.zone.get_untracked()));
    leptos::task::spawn_local(async move {
        futures::stream::iter(datasources)
            .for_each_concurrent(PARALLEL_DATASOURCES, |ds| {
                let (transport, plan, signal, queries, batch, marks) = (
                    transport.clone(),
                    plan.clone(),
                    signal.clone(),
                    queries.clone(),
                    batch.clone(),
                    marks.clone(),
                );
                async move {
                    let planned = |route| DatasourceQuery::new(&ds, route, &queries, &plan);
                    let Some(outcome) = datasource_outcome(conn, &transport, &ds, &signal, planned).await
                    else {
                        return;
                    };
                    match outcome {
                        Outcome::Arrived(mut arrival) => {
                            let matched = timeline::mask_arrival(&mut arrival, &marks, &plan);
                            if matched.iter().any(|m| report.masked.with_untracked(|all| !all.contains(m))) {
                                report.masked.update(|all| all.extend(matched));
                            }
                            batch.push(arrival, run, &signal)
                        }
                        Outcome::Failed(ApiError::Cancelled) | Outcome::QueryViaDsQuery => {}
                        Outcome::Failed(e) => {
                            let message = transport.describe(&e);
                            // Grafana refusing the token mid-session (revoked, expired) is
                            // the whole connection's problem: say it at the top too.
                            if matches!(e, ApiError::Unauthorized { .. }) {
                                conn.fatal.set(Some(message.clone()));
                            }
                            run.failures.update(|f| f.push(message));
                        }
                    }
                }
            })
            .await;
        if !signal.aborted() {
            batch.flush(run);
            run.phase.set(Phase::Finished);
        }
    });
}

/// How often, at most, a running cell redraws while answers arrive: every redraw
/// re-pivots all the series so far and redraws the chart, which for fifty datasources is
/// most of the work.
const REDRAW_EVERY_MS: f64 = 250.0;

/// Redraws while a run goes on take at most about a fifth of the main thread: the pause
/// between them is at least this many times the last draw's duration.
const REDRAW_PAUSE_PER_DRAW: f64 = 4.0;

/// The first answers wait this long for the others, which on a healthy fleet come within
/// tens of milliseconds: one first draw of them all, not a draw of the first answer that
/// the next one has to wait for (a first Plotly draw takes about 100 ms).
const FIRST_DRAW_AFTER_MS: f64 = 120.0;

/// Answers that arrived but are not on screen yet. The first are shown shortly after the
/// first arrives ([`FIRST_DRAW_AFTER_MS`]); later ones after a pause ([`REDRAW_EVERY_MS`],
/// longer when drawing is slow; a timer shows what is left), and the rest when the run ends.
#[derive(Default)]
struct Batch {
    pending: RefCell<Vec<Arrival>>,
    first_arrival_ms: Cell<Option<f64>>,
    last_flush_ms: Cell<Option<f64>>,
    timer_armed: Cell<bool>,
}

impl Batch {
    fn push(self: &Rc<Self>, arrival: Arrival, run: CellRun, signal: &AbortSignal) {
        self.pending.borrow_mut().push(arrival);
        let now = perf::now_ms();
        let first = self.first_arrival_ms.get().unwrap_or(now);
        self.first_arrival_ms.set(Some(first));
        let (since, pause) = match self.last_flush_ms.get() {
            Some(last) => (now - last, REDRAW_EVERY_MS.max(REDRAW_PAUSE_PER_DRAW * perf::last_draw_ms())),
            None => (now - first, FIRST_DRAW_AFTER_MS),
        };
        if since >= pause {
            self.flush(run);
        } else if !self.timer_armed.replace(true) {
            let (batch, signal) = (self.clone(), signal.clone());
            let wait = (pause - since).ceil() as i32;
            leptos::task::spawn_local(async move {
                perf::sleep_ms(wait).await;
                batch.timer_armed.set(false);
                if !signal.aborted() {
                    batch.flush(run);
                }
            });
        }
    }

    fn flush(&self, run: CellRun) {
        let mut pending = self.pending.borrow_mut();
        if !pending.is_empty() {
            run.arrived.update(|all| all.append(&mut pending));
            self.last_flush_ms.set(Some(perf::now_ms()));
        }
    }
}

/// What a cell's or a value's queries on `ds` come to (`planned` by a route), by the
/// core's route rule ([`Start`], [`after_health`]); the datasource's badge follows what
/// it found. At once, unsent, when `ds` timed out earlier in the run ([`Silent`]).
/// `None` once the run was aborted.
pub async fn datasource_outcome(
    conn: Connection,
    transport: &Transport,
    ds: &Datasource,
    signal: &AbortSignal,
    planned: impl Fn(Route) -> DatasourceQuery,
) -> Option<Outcome> {
    if let Some(outcome) = conn.silent.with_value(|s| s.before(&ds.uid)) {
        return Some(outcome);
    }
    let started = perf::now_ms();
    let query = |route| query_datasource(transport, planned(route), signal);
    let (health, then) = match Start::of(ds) {
        Start::BesideHealth => {
            let (health, proxied) = futures::join!(conn.healthy(&ds.uid), query(Route::Proxy));
            (health.clone(), after_health(health, Some(proxied)))
        }
        Start::AfterHealth => {
            let health = conn.healthy(&ds.uid).await;
            (health.clone(), after_health(health, None))
        }
    };
    let (outcome, route) = match then {
        Then::Done(outcome, route) => (outcome, route),
        Then::Query(route) => (query(route).await.into(), route),
    };
    if signal.aborted() {
        return None;
    }
    conn.silent.update_value(|s| s.after(&ds.uid, Some(&health), Some(&outcome)));
    match outcome.datasource_state() {
        Some(Ok(())) => {
            let millis = (perf::now_ms() - started).max(0.0) as u32;
            conn.ran(&ds.uid, Ok((millis, route)));
        }
        Some(Err(e)) => conn.ran(&ds.uid, Err(transport.describe(e))),
        None => {}
    }
    Some(outcome)
}

/// Runs `planned` (one datasource's queries): every request of the core's
/// [`DatasourceQuery`] at the same time, then its answers put together.
async fn query_datasource(
    transport: &Transport,
    planned: DatasourceQuery,
    signal: &AbortSignal,
) -> Result<Arrival, ApiError> {
    let answers =
        futures::future::join_all(planned.exchanges().into_iter().map(|e| transport.drive(e, signal))).await;
    planned.finish(answers)
}
