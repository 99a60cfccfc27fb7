//! A connection and the runs over it: the datasource list and each datasource's health
//! (once), a report's variables, and its cells on every datasource, in parallel and
//! bounded. The core's machines say what to send and what each answer means; this file
//! only sends (through [`Transport`]), sleeps their pauses, and can record every answer
//! for a snapshot.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use jiff::tz::TimeZone;
use promnote_core::api::replay::Recording;
use promnote_core::api::{ApiError, Datasource, Route};
use promnote_core::data::plan::CellPlan;
use promnote_core::data::series::Arrival;
use promnote_core::data::timeline;
use promnote_core::report::annotations::Annotation;
use promnote_core::report::inline::ValueSpan;
use promnote_core::report::substitute::{Bindings, Query};
use promnote_core::report::variables::{Selection, Source};
use promnote_core::report::{Cell, Report, Variable};
use promnote_core::run::cell::{
    after_health, prepare_cell, DatasourceQuery, Outcome, PreparedCell, Start, Then,
};
use promnote_core::run::connect::{self, Datasources, Health, Listing};
use promnote_core::run::publish::VariableReads;
use promnote_core::run::repeat;
use promnote_core::run::silent::Silent;
use promnote_core::run::value::{self, Evaluated, PreparedValue};
use promnote_core::run::variables as var_rules;
use promnote_core::run::{Machine, Next};

use crate::http::Transport;
use crate::progress::Progress;
use crate::regex::RustRegex;
use crate::term::say;

/// The transport, the run's "now", how many requests go at once, and, for a snapshot,
/// the recording every answer goes into.
pub struct Session {
    /// Where requests go.
    pub transport: Transport,
    /// The time every cell is evaluated at (ms), as the page's one "now" per connection.
    pub now_ms: i64,
    parallel: usize,
    recording: Mutex<Option<Recording>>,
    /// The variable queries asked while recording: their answers are published minimised.
    variable_reads: Mutex<VariableReads>,
    /// The datasources that timed out in this run ([`Silent`]): one process is one run.
    silent: Mutex<Silent>,
}

/// What a connection found: the datasources and each Prometheus one's health.
pub struct Connection {
    /// The Prometheus datasources and the others.
    pub datasources: Datasources,
    /// The health check of each of `datasources.prometheus`, in order.
    pub health: Vec<Result<Route, ApiError>>,
    /// Why Grafana's list could not be read, when servers called directly went on without it.
    pub listing_error: Option<ApiError>,
}

/// What a report runs over: its range as typed, the variables' bindings, the zone, and
/// the annotations whose spans mask series.
#[derive(Clone, Copy)]
pub struct Scope<'a> {
    /// From and to, as typed.
    pub range: (&'a str, &'a str),
    /// The variables' values, written into queries.
    pub bindings: &'a Bindings,
    /// The zone whose midnights cut calendar periods.
    pub zone: &'a TimeZone,
    /// The report's annotations.
    pub annotations: &'a [Annotation],
}

/// What a value's datasources gave: their answers, and each failed one's name and message.
type Answered = (Vec<Arrival>, Vec<(String, String)>);

/// A value's span and its preparation.
type Ready = (ValueSpan, PreparedValue);

/// One value in prose, worked out.
pub struct ValueRun {
    /// The span's code as written.
    pub code: String,
    /// The PromQL as sent, when it could be prepared.
    pub query: Option<String>,
    /// When it was evaluated (ms since the epoch), when it could be prepared.
    pub at_ms: Option<i64>,
    /// The value, or why there is none.
    pub result: Result<Evaluated, String>,
}

/// One cell's run.
pub struct CellRun {
    /// The cell's title ([`Cell::title`]); a repeat's is `Title — value`.
    pub title: String,
    /// The value of the repeat's variable, when the cell repeats (`repeat=`).
    pub repeat: Option<String>,
    /// The cell as run.
    pub cell: Cell,
    /// Its plan and query, or why it could not run.
    pub prepared: Result<PreparedCell, String>,
    /// What each datasource gave, in the connection's order.
    pub arrivals: Vec<Arrival>,
    /// The datasources that failed: name, error, and the error as the user reads it.
    pub failures: Vec<(String, ApiError, String)>,
}

impl Session {
    /// A session over `transport` evaluated at `now_ms`.
    pub fn new(transport: Transport, now_ms: i64, parallel: usize) -> Self {
        Self {
            transport,
            now_ms,
            parallel: parallel.max(1),
            recording: Mutex::new(None),
            variable_reads: Mutex::new(VariableReads::default()),
            silent: Mutex::new(Silent::default()),
        }
    }

    /// From now on, keeps every answer in `recording`, as a published file keeps it.
    pub fn start_recording(&self, recording: Recording) {
        *lock(&self.variable_reads) = VariableReads::default();
        *lock(&self.recording) = Some(recording);
    }

    /// The answers kept since [`Session::start_recording`] (which stops recording), with
    /// the variables' answers minimised ([`VariableReads`]).
    pub fn take_recording(&self) -> Option<Recording> {
        let mut recording = lock(&self.recording).take()?;
        std::mem::take(&mut *lock(&self.variable_reads)).minimise(&mut recording, &RustRegex::default());
        Some(recording)
    }

    /// Drives one of the core's conversations to its end. While recording, each answer is
    /// kept as a published file keeps it ([`Recording::record_published`]): a failure by
    /// its status and kind, never the server's own text, but with what decides the next
    /// turn, so that a replay takes the same turns; an answer that ended the conversation
    /// in a failure is scrubbed even when its status said success.
    pub fn drive<M, T>(&self, mut machine: M) -> Result<T, ApiError>
    where
        M: Machine<Output = Result<T, ApiError>>,
    {
        loop {
            let sent = self.transport.send(machine.request(), machine.what());
            let mut recording = lock(&self.recording);
            let last = recording.as_mut().map(|recording| {
                recording.record_published(machine.request(), &sent);
                machine.request().clone()
            });
            drop(recording);
            match machine.answer(sent) {
                Next::Done(output) => {
                    if let (Some(request), Err(_)) = (last, &output) {
                        if let Some(recording) = lock(&self.recording).as_mut() {
                            recording.scrub(&request);
                        }
                    }
                    return output;
                }
                Next::Send { after_ms } if after_ms > 0 && self.transport.waits() => {
                    std::thread::sleep(Duration::from_millis(u64::from(after_ms)));
                }
                Next::Send { .. } => {}
            }
        }
    }

    /// Runs `job` on every item, at most `parallel` at once; the outputs keep the items' order.
    pub fn parallel<T: Sync, R: Send>(&self, items: &[T], job: impl Fn(&T) -> R + Sync) -> Vec<R> {
        let next = AtomicUsize::new(0);
        let results: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
        std::thread::scope(|scope| {
            for _ in 0..self.parallel.min(items.len()) {
                scope.spawn(|| loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let output = job(item);
                    *lock(&results[i]) = Some(output);
                });
            }
        });
        results
            .into_iter()
            .filter_map(|slot| slot.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner))
            .collect()
    }

    /// Lists the datasources and checks every Prometheus one. An error that stops
    /// everything (the list refused, the token refused) comes back as `Err`.
    pub fn connect(&self) -> Result<Connection, ApiError> {
        let listed = self.transport.has_grafana().then(|| self.drive(Listing::new()));
        let connect::Connected { datasources, listing_error } =
            connect::connected(listed, self.transport.direct_datasources())?;
        if let Some(e) = &listing_error {
            say!(
                "promnote: warning: {}; going on with the servers called directly",
                self.transport.describe(e)
            );
        }
        if let Some(problem) = &datasources.problem {
            return Err(ApiError::Worded { message: problem.clone() });
        }
        let health = self.parallel(&datasources.prometheus, |ds| self.drive(Health::new(ds, self.now_ms)));
        let mut silent = lock(&self.silent);
        for (ds, health) in datasources.prometheus.iter().zip(&health) {
            silent.after(&ds.uid, Some(health), None);
        }
        drop(silent);
        Ok(Connection { datasources, health, listing_error })
    }

    /// The selections the report runs with, and how they are written into its queries:
    /// the given ones, else the variables' own rules, which for a variable without "All"
    /// or a default is its first value (the union over every datasource that has the
    /// metadata API, filtered by the variable's regex). Variables are read in order, so a
    /// chained one (`label_values(up{job="$job"}, instance)`) sees the ones before it.
    /// `every_value` asks for every variable's values even when none is needed (a
    /// snapshot keeps them, as the page asks for them to fill its controls). Values are
    /// those of the series with samples in `window` (the report's range), as in Grafana.
    pub fn selections(
        &self,
        conn: &Connection,
        report: &Report,
        given: &BTreeMap<String, Selection>,
        every_value: bool,
        window: var_rules::VariableWindow,
    ) -> (BTreeMap<String, Selection>, Bindings) {
        let variables = &report.front.variables;
        let mut selections: BTreeMap<String, Selection> = variables
            .iter()
            .map(|v| (v.name.clone(), var_rules::initial_selection(v, given.get(&v.name))))
            .collect();
        let to_read = var_rules::to_read(variables, &selections, every_value);
        let needed: Vec<String> =
            var_rules::undetermined(variables, &selections).into_iter().map(str::to_owned).collect();
        let mut values: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for wave in var_rules::load_order(variables, &to_read) {
            let bindings = var_rules::bindings(variables, &selections, &values);
            let found = self.parallel(&wave, |variable| {
                self.variable_values(conn, variable, &bindings, window)
                    .and_then(|list| var_rules::listed_values(variable, list, &RustRegex::default()))
            });
            for (variable, found) in wave.iter().zip(found) {
                match found {
                    Ok(list) => {
                        let chosen = needed
                            .contains(&variable.name)
                            .then(|| {
                                var_rules::after_reading(
                                    variable,
                                    selections.get(&variable.name),
                                    &list,
                                    false,
                                )
                            })
                            .flatten();
                        if let Some(first) = chosen {
                            selections.insert(variable.name.clone(), first);
                        }
                        values.insert(variable.name.clone(), list);
                    }
                    Err(e) => {
                        say!("promnote: warning: the values of ${} could not be read: {e}", variable.name)
                    }
                }
            }
        }
        let bindings = var_rules::bindings(variables, &selections, &values);
        (selections, bindings)
    }

    /// A variable query's answers, united over the datasources whose route has the
    /// metadata API.
    fn variable_values(
        &self,
        conn: &Connection,
        variable: &Variable,
        bindings: &Bindings,
        window: var_rules::VariableWindow,
    ) -> Result<Vec<String>, String> {
        let Source::Query(query) = &variable.source else { return Ok(Vec::new()) };
        let pairs: Vec<(&Datasource, &Result<Route, ApiError>)> =
            conn.datasources.prometheus.iter().zip(&conn.health).collect();
        let answers = self.parallel(&pairs, |(ds, health)| match health {
            Ok(route) if route.has_metadata() => {
                let values = var_rules::VariableValues::new(query, ds, bindings, window);
                if lock(&self.recording).is_some() {
                    lock(&self.variable_reads).note(&values, variable);
                }
                self.drive(values).map_err(|e| self.transport.describe(&e))
            }
            Ok(_) => Ok(Vec::new()),
            Err(e) => Err(self.transport.describe(e)),
        });
        var_rules::union_names(answers)
    }

    /// Runs `cells` over the range, zone and selections: every cell on every datasource
    /// it asks, at most `parallel` at once; the spans of `annotations` that mask series
    /// take their values out of each answer.
    pub fn run_cells(
        &self,
        conn: &Connection,
        cells: &[Cell],
        scope: &Scope<'_>,
        progress: &Progress,
    ) -> Vec<CellRun> {
        let Scope { range, bindings, zone, annotations } = *scope;
        let marks = timeline::resolve(annotations, self.now_ms, zone);
        // A repeated cell is one run per value of its variable, each titled with it.
        let mut runs: Vec<CellRun> = Vec::new();
        for cell in cells {
            let run = |title: String, repeat: Option<String>, bindings: &Bindings| CellRun {
                title,
                repeat,
                cell: cell.clone(),
                prepared: prepare_cell(
                    cell,
                    range,
                    bindings,
                    self.now_ms,
                    zone,
                    &conn.datasources.prometheus,
                ),
                arrivals: Vec::new(),
                failures: Vec::new(),
            };
            let repeats =
                cell.options.repeat.as_deref().and_then(|v| Some((v, repeat::values(bindings, v)?)));
            match repeats {
                Some((variable, (values, note))) => {
                    if let Some(note) = note {
                        say!("promnote: {}: {note}", cell.title());
                    }
                    if values.is_empty() {
                        say!(
                            "promnote: {}: ${variable} has no values, so the cell is not drawn",
                            cell.title()
                        );
                    }
                    for value in values {
                        let bound = repeat::bindings_for(bindings, variable, &value);
                        runs.push(run(repeat::title(cell.title(), &value), Some(value), &bound));
                    }
                }
                None => runs.push(run(cell.title().to_owned(), None, bindings)),
            }
        }
        // One job per run and datasource it asks: (run, datasource index).
        let jobs: Vec<(usize, usize)> = runs
            .iter()
            .enumerate()
            .filter_map(|(c, r)| r.prepared.as_ref().ok().map(|p| (c, p)))
            .flat_map(|(c, p)| {
                p.datasources.iter().filter_map(move |ds| {
                    let index = conn.datasources.prometheus.iter().position(|d| d.uid == ds.uid)?;
                    Some((c, index))
                })
            })
            .collect();
        progress.start(jobs.len());
        let outcomes = self.parallel(&jobs, |&(c, d)| {
            let Ok(cell) = &runs[c].prepared else { return Outcome::QueryViaDsQuery };
            let outcome =
                self.query(&conn.datasources.prometheus[d], &conn.health[d], &cell.queries, &cell.plan);
            progress.answered(self.transport.received());
            outcome
        });
        progress.finish();
        let mut matched = Vec::new();
        for (&(c, d), outcome) in jobs.iter().zip(outcomes) {
            let name = conn.datasources.prometheus[d].name.clone();
            match outcome {
                Outcome::Arrived(mut arrival) => {
                    if let Ok(prepared) = &runs[c].prepared {
                        matched.extend(timeline::mask_arrival(&mut arrival, &marks, &prepared.plan));
                    }
                    runs[c].arrivals.push(arrival)
                }
                Outcome::Failed(e) => {
                    let message = self.transport.describe(&e);
                    runs[c].failures.push((name, e, message));
                }
                Outcome::QueryViaDsQuery => {}
            }
        }
        if !cells.is_empty() {
            for note in timeline::unmatched_masks(&marks, &matched) {
                say!("promnote: warning: {note}");
            }
        }
        runs
    }

    /// Works out the values in `report`'s prose ([`value`]): each asked on every
    /// datasource it names (or all), at most `parallel` requests at once.
    pub fn run_values(&self, conn: &Connection, report: &Report, scope: &Scope<'_>) -> Vec<ValueRun> {
        let Scope { range, bindings, zone, .. } = *scope;
        let all = &conn.datasources.prometheus;
        let values: Vec<(String, Result<Ready, String>)> = report
            .values()
            .into_iter()
            .map(|(code, span)| {
                let prepared = span.and_then(|span| {
                    let prepared = value::prepare_value(&span, range, bindings, self.now_ms, zone, all)?;
                    Ok((span, prepared))
                });
                (code, prepared)
            })
            .collect();
        let jobs: Vec<(usize, usize)> = values
            .iter()
            .enumerate()
            .filter_map(|(v, (_, p))| p.as_ref().ok().map(|(_, p)| (v, p)))
            .flat_map(|(v, p)| {
                p.datasources
                    .iter()
                    .filter_map(move |ds| Some((v, all.iter().position(|d| d.uid == ds.uid)?)))
            })
            .collect();
        let outcomes = self.parallel(&jobs, |&(v, d)| match &values[v].1 {
            Ok((_, prepared)) => self.outcome(&all[d], &conn.health[d], |route| prepared.on(&all[d], route)),
            Err(_) => Outcome::QueryViaDsQuery,
        });
        let mut answered: Vec<Answered> = vec![Default::default(); values.len()];
        for (&(v, d), outcome) in jobs.iter().zip(outcomes) {
            match outcome {
                Outcome::Arrived(arrival) => answered[v].0.push(arrival),
                Outcome::Failed(e) => answered[v].1.push((all[d].name.clone(), self.transport.describe(&e))),
                Outcome::QueryViaDsQuery => {}
            }
        }
        values
            .into_iter()
            .zip(answered)
            .map(|((code, prepared), (arrivals, failed))| match prepared {
                Ok((span, prepared)) => ValueRun {
                    code,
                    query: Some(prepared.text()),
                    at_ms: Some(prepared.at_ms),
                    result: value::settle(&span, &arrivals, &failed),
                },
                Err(e) => ValueRun { code, query: None, at_ms: None, result: Err(e) },
            })
            .collect()
    }

    /// One cell's query on one datasource, by the core's route rule ([`Start`],
    /// [`after_health`]): a Prometheus datasource is asked through the proxy whatever its
    /// health check said; the others by the route their check found.
    fn query(
        &self,
        ds: &Datasource,
        health: &Result<Route, ApiError>,
        queries: &[Query],
        plan: &CellPlan,
    ) -> Outcome {
        self.outcome(ds, health, |route| DatasourceQuery::new(ds, route, queries, plan))
    }

    /// What `planned` (one cell's or value's queries on `ds` by a route) comes to, by
    /// the core's route rule; at once, unsent, when `ds` timed out earlier in the run.
    fn outcome(
        &self,
        ds: &Datasource,
        health: &Result<Route, ApiError>,
        planned: impl Fn(Route) -> DatasourceQuery,
    ) -> Outcome {
        let silent = || lock(&self.silent);
        if let Some(outcome) = silent().before(&ds.uid) {
            // A snapshot replays the same failure for the requests not sent: those the page
            // would send, by the route rule (the proxy beside the health check, and the
            // route the health check found).
            if let Outcome::Failed(e) = &outcome {
                let mut routes = Vec::new();
                if Start::of(ds) == Start::BesideHealth {
                    routes.push(Route::Proxy);
                }
                if let Ok(route) = health {
                    if !routes.contains(route) {
                        routes.push(*route);
                    }
                }
                let mut recording = lock(&self.recording);
                if let Some(recording) = recording.as_mut() {
                    for exchange in routes.into_iter().flat_map(|route| planned(route).exchanges()) {
                        recording.record_published(exchange.request(), &Err(e.clone()));
                    }
                }
            }
            return outcome;
        }
        let via = |route| {
            let planned = planned(route);
            let answers: Vec<_> = planned.exchanges().into_iter().map(|e| self.drive(e)).collect();
            planned.finish(answers)
        };
        let then = match Start::of(ds) {
            Start::BesideHealth => after_health(health.clone(), Some(via(Route::Proxy))),
            Start::AfterHealth => after_health(health.clone(), None),
        };
        let outcome = match then {
            Then::Done(outcome, _) => outcome,
            Then::Query(route) => via(route).into(),
        };
        silent().after(&ds.uid, None, Some(&outcome));
        outcome
    }
}

/// `mutex`'s value: a thread that panicked while holding it left nothing half-written
/// that matters here (answers, notes), so its poison is ignored.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
