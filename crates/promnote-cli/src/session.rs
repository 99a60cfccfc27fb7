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
use promnote_core::error::ApiError;
use promnote_core::grafana::{ApiRequest, Datasource};
use promnote_core::notebook::{Cell, Notebook};
use promnote_core::replay::{RecordedAnswer, Recording};
use promnote_core::report;
use promnote_core::run::{
    self, Arrival, DatasourceQuery, Datasources, Listing, Machine, Next, Outcome, PreparedCell, Route,
};
use promnote_core::vars::{Bindings, Found, RegexEngine, Selection, Source, VarQuery};

use crate::http::Transport;
use crate::progress::Progress;

/// The transport, the run's "now", how many requests go at once, and, for a snapshot,
/// the recording every answer goes into.
pub struct Session {
    /// Where requests go.
    pub transport: Transport,
    /// The time every cell is evaluated at (ms), as the page's one "now" per connection.
    pub now_ms: i64,
    parallel: usize,
    recording: Mutex<Option<Recording>>,
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

/// One cell's run.
pub struct CellRun {
    /// The cell's title (or "Query").
    pub title: String,
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
        Self { transport, now_ms, parallel: parallel.max(1), recording: Mutex::new(None) }
    }

    /// From now on, keeps every answer in `recording`.
    pub fn start_recording(&self, recording: Recording) {
        *self.recording.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(recording);
    }

    /// The answers kept since [`Session::start_recording`] (which stops recording).
    pub fn take_recording(&self) -> Option<Recording> {
        self.recording.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take()
    }

    /// Drives one of the core's conversations to its end.
    pub fn drive<M: Machine>(&self, mut machine: M) -> M::Output {
        loop {
            let sent = self.transport.send(machine.request(), machine.what());
            if let Some(recording) =
                self.recording.lock().unwrap_or_else(std::sync::PoisonError::into_inner).as_mut()
            {
                recording.record(machine.request(), &sent);
            }
            match machine.answer(sent) {
                Next::Done(output) => return output,
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
                    *results[i].lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(output);
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
        let direct = self.transport.direct_datasources();
        let mut listing_error = None;
        let listed = if self.transport.has_grafana() {
            match self.drive(Listing::new()) {
                Ok(list) => Some(list),
                Err(e) if direct.is_empty() => return Err(e),
                Err(e) => {
                    eprintln!(
                        "promnote: warning: {}; going on with the servers called directly",
                        self.transport.describe(&e)
                    );
                    listing_error = Some(e);
                    None
                }
            }
        } else {
            None
        };
        let datasources = Datasources::new(listed, direct);
        if let Some(problem) = &datasources.problem {
            return Err(ApiError::Worded { message: problem.clone() });
        }
        let health =
            self.parallel(&datasources.prometheus, |ds| self.drive(run::Health::new(ds, self.now_ms)));
        Ok(Connection { datasources, health, listing_error })
    }

    /// The selections the report runs with, and how they are written into its queries:
    /// the given ones, else the variables' own rules, which for a variable without "All"
    /// or a default is its first value (the union over every datasource that has the
    /// metadata API, filtered by the variable's regex). Variables are read in order, so a
    /// chained one (`label_values(up{job="$job"}, instance)`) sees the ones before it.
    /// `every_value` asks for every variable's values even when none is needed (a
    /// snapshot keeps them, as the page asks for them to fill its controls).
    pub fn selections(
        &self,
        conn: &Connection,
        notebook: &Notebook,
        given: &BTreeMap<String, Selection>,
        every_value: bool,
    ) -> (BTreeMap<String, Selection>, Bindings) {
        let variables = &notebook.front.variables;
        let mut selections: BTreeMap<String, Selection> = variables
            .iter()
            .map(|v| (v.name.clone(), run::initial_selection(v, given.get(&v.name))))
            .collect();
        let undetermined: Vec<String> =
            run::undetermined(variables, &selections).into_iter().map(str::to_owned).collect();
        let mut values: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for variable in variables {
            let needed = undetermined.contains(&variable.name);
            let Source::Query(query) = &variable.source else { continue };
            if !needed && !every_value {
                continue;
            }
            let bindings = run::bindings(variables, &selections, &values);
            let found = self
                .variable_values(conn, query, &bindings)
                .and_then(|list| run::listed_values(variable, list, &RustRegex::default()));
            match found {
                Ok(list) => {
                    if let Some(first) =
                        needed.then(|| run::decided(selections.get(&variable.name), &list)).flatten()
                    {
                        selections.insert(variable.name.clone(), first);
                    }
                    values.insert(variable.name.clone(), list);
                }
                Err(e) => {
                    eprintln!("promnote: warning: the values of ${} could not be read: {e}", variable.name)
                }
            }
        }
        let bindings = run::bindings(variables, &selections, &values);
        (selections, bindings)
    }

    /// A variable query's answers, united over the datasources whose route has the
    /// metadata API.
    fn variable_values(
        &self,
        conn: &Connection,
        query: &VarQuery,
        bindings: &Bindings,
    ) -> Result<Vec<String>, String> {
        let pairs: Vec<(&Datasource, &Result<Route, ApiError>)> =
            conn.datasources.prometheus.iter().zip(&conn.health).collect();
        let answers = self.parallel(&pairs, |(ds, health)| match health {
            Ok(route) if route.has_metadata() => self
                .drive(run::VariableValues::new(query, ds, bindings, self.now_ms))
                .map_err(|e| self.transport.describe(&e)),
            Ok(_) => Ok(Vec::new()),
            Err(e) => Err(self.transport.describe(e)),
        });
        run::union_names(answers)
    }

    /// Runs `cells` over the range, zone and selections: every cell on every datasource
    /// it asks, at most `parallel` at once.
    pub fn run_cells(
        &self,
        conn: &Connection,
        cells: &[Cell],
        range: (&str, &str),
        bindings: &Bindings,
        zone: &TimeZone,
        progress: &Progress,
    ) -> Vec<CellRun> {
        let prepared: Vec<Result<PreparedCell, String>> = cells
            .iter()
            .map(|cell| {
                run::prepare_cell(cell, range, bindings, self.now_ms, zone, &conn.datasources.prometheus)
            })
            .collect();
        // One job per cell and datasource it asks: (cell, datasource index, its plan).
        let jobs: Vec<(usize, usize, &PreparedCell)> = prepared
            .iter()
            .enumerate()
            .filter_map(|(c, p)| p.as_ref().ok().map(|p| (c, p)))
            .flat_map(|(c, p)| {
                p.datasources.iter().filter_map(move |ds| {
                    let index = conn.datasources.prometheus.iter().position(|d| d.uid == ds.uid)?;
                    Some((c, index, p))
                })
            })
            .collect();
        progress.start(jobs.len());
        let outcomes = self.parallel(&jobs, |&(_, d, cell)| {
            let outcome =
                self.query(&conn.datasources.prometheus[d], &conn.health[d], &cell.queries, &cell.plan);
            progress.answered(self.transport.received());
            outcome
        });
        progress.finish();
        let jobs: Vec<(usize, usize)> = jobs.iter().map(|&(c, d, _)| (c, d)).collect();
        let mut runs: Vec<CellRun> = cells
            .iter()
            .zip(prepared)
            .map(|(cell, prepared)| CellRun {
                title: cell.options.title.clone().unwrap_or_else(|| "Query".into()),
                cell: cell.clone(),
                prepared,
                arrivals: Vec::new(),
                failures: Vec::new(),
            })
            .collect();
        for (&(c, d), outcome) in jobs.iter().zip(outcomes) {
            let name = conn.datasources.prometheus[d].name.clone();
            match outcome {
                Outcome::Arrived(arrival) => runs[c].arrivals.push(arrival),
                Outcome::Failed(e) => {
                    let message = self.transport.describe(&e);
                    runs[c].failures.push((name, e, message));
                }
                Outcome::QueryViaDsQuery => {}
            }
        }
        runs
    }

    /// One cell's query on one datasource, as the page does it: a Prometheus datasource
    /// is asked through the proxy whatever its health check said, and the two together
    /// decide ([`run::settle`]: an answer counts even when the check failed); the others
    /// by their route.
    fn query(
        &self,
        ds: &Datasource,
        health: &Result<Route, ApiError>,
        queries: &[String],
        plan: &report::CellPlan,
    ) -> Outcome {
        let via = |route| {
            let planned = DatasourceQuery::new(ds, route, queries, plan);
            let answers: Vec<_> = planned.exchanges().into_iter().map(|e| self.drive(e)).collect();
            planned.finish(answers)
        };
        if ds.needs_ds_query() {
            return match health {
                Ok(route) => via(*route).into(),
                Err(e) => Outcome::Failed(e.clone()),
            };
        }
        match run::settle(health.clone(), via(Route::Proxy)) {
            Outcome::QueryViaDsQuery => via(Route::DsQuery).into(),
            outcome => outcome,
        }
    }
}

/// The datasource list a snapshot carries: uid, name and type of each datasource as the
/// run used it (including servers called directly), and nothing of Grafana's settings
/// (URLs, users, database names) that `/api/datasources` also lists.
pub fn published_listing(datasources: &Datasources) -> RecordedAnswer {
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
pub fn listing_keys() -> [String; 2] {
    [ApiRequest::datasources().replay_key(), ApiRequest::frontend_settings().replay_key()]
}

/// The command line's regex engine for variable regexes: the `regex` crate, with
/// JavaScript's `i`, `m` and `s` flags as inline flags (Grafana's regexes are JavaScript's;
/// lookaround and backreferences, which this engine lacks, are refused with its message).
/// The last pattern is kept compiled: a variable applies one regex to all its values.
#[derive(Default)]
pub struct RustRegex {
    last: std::cell::RefCell<Option<(String, regex::Regex)>>,
}

impl RegexEngine for RustRegex {
    fn find(&self, pattern: &str, flags: &str, text: &str) -> Result<Option<Found>, String> {
        let inline: String = flags.chars().filter(|c| "ims".contains(*c)).collect();
        let pattern = if inline.is_empty() { pattern.to_owned() } else { format!("(?{inline}){pattern}") };
        let mut last = self.last.borrow_mut();
        if last.as_ref().is_none_or(|(p, _)| *p != pattern) {
            let compiled = regex::Regex::new(&pattern).map_err(|e| e.to_string())?;
            *last = Some((pattern, compiled));
        }
        let Some((_, re)) = last.as_ref() else { return Ok(None) };
        Ok(re.captures(text).map(|c| Found {
            group: c.get(1).map(|m| m.as_str().to_owned()),
            value: c.name("value").map(|m| m.as_str().to_owned()),
            text: c.name("text").map(|m| m.as_str().to_owned()),
        }))
    }
}
