//! Running the hub-activity report: list the datasources, check each one through
//! Grafana's proxy, query the Prometheus ones in parallel (bounded), and publish
//! every datasource's answer the moment it arrives, so the chart grows while slow or
//! failing datasources are still pending. One failing datasource never stops the rest.

use futures::StreamExt;
use leptos::prelude::*;
use promnote_core::days::DayPlan;
use promnote_core::error::ApiError;
use promnote_core::grafana::Datasource;
use promnote_core::prom::{QueryData, QueryResponse};
use promnote_core::report;
use promnote_core::table::{self, Series};
use web_sys::{AbortController, AbortSignal};

use crate::api::Transport;
use crate::perf;

/// How many datasources are queried at once (browsers allow ~6 connections per host;
/// each datasource keeps two requests in flight).
pub const PARALLEL_DATASOURCES: usize = 3;

/// A datasource's progress, shown beside its name and as `data-status`.
#[derive(Debug, Clone, PartialEq)]
pub enum DsStatus {
    /// Waiting for a free slot.
    Queued,
    /// Checking that it answers through the proxy.
    Checking,
    /// Running the report's queries.
    Querying,
    /// Done; how many series it contributed and how long it took.
    Ok {
        /// Series with data.
        series: usize,
        /// Wall time in ms.
        millis: u32,
    },
    /// Failed; the message says what happened and what to do.
    Error(String),
}

impl DsStatus {
    /// The `data-status` hook value.
    pub fn hook(&self) -> &'static str {
        match self {
            DsStatus::Queued | DsStatus::Checking | DsStatus::Querying => "loading",
            DsStatus::Ok { .. } => "ok",
            DsStatus::Error(_) => "error",
        }
    }
}

/// What one datasource contributed: tidy series and notes for the user.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Arrival {
    /// Series evaluated at the midnights.
    pub range: Vec<Series>,
    /// Series evaluated at the range's end (the partial day).
    pub instant: Vec<Series>,
    /// Warnings and notes.
    pub notes: Vec<String>,
}

/// One Prometheus datasource of the run, with its own status signal.
#[derive(Debug, Clone)]
pub struct DsRow {
    /// The datasource.
    pub ds: Datasource,
    /// Its progress.
    pub status: ArcRwSignal<DsStatus>,
}

/// The state of one report run, all of it signals the view reads.
#[derive(Clone, Copy)]
pub struct RunState {
    /// The Prometheus datasources, in Grafana's order.
    pub rows: RwSignal<Vec<DsRow>>,
    /// Datasources of other types, listed but not queried.
    pub skipped: RwSignal<Vec<Datasource>>,
    /// What each finished datasource contributed, in arrival order.
    pub arrived: RwSignal<Vec<Arrival>>,
    /// The days the report covers.
    pub plan: RwSignal<Option<DayPlan>>,
    /// An error that stopped the whole run (bad token, CORS, unreachable).
    pub fatal: RwSignal<Option<String>>,
    /// Whether requests are still in flight.
    pub running: RwSignal<bool>,
    /// The zone whose midnights cut the days.
    pub zone: RwSignal<jiff::tz::TimeZone>,
    /// Bumped for every new run, so a chart knows a draw belongs to the latest run.
    pub generation: RwSignal<u32>,
    abort: StoredValue<Option<AbortController>, LocalStorage>,
    last: StoredValue<Option<Transport>, LocalStorage>,
}

impl RunState {
    /// Empty state.
    pub fn new() -> Self {
        Self {
            rows: RwSignal::new(Vec::new()),
            skipped: RwSignal::new(Vec::new()),
            arrived: RwSignal::new(Vec::new()),
            plan: RwSignal::new(None),
            fatal: RwSignal::new(None),
            running: RwSignal::new(false),
            generation: RwSignal::new(0),
            zone: RwSignal::new(jiff::tz::TimeZone::UTC),
            abort: StoredValue::new_local(None),
            last: StoredValue::new_local(None),
        }
    }

    /// Aborts every request of the current run.
    pub fn cancel(&self) {
        if let Some(previous) = self.abort.get_value() {
            previous.abort();
        }
    }

    /// Aborts the current run and returns the abort signal of the next one (`None`, with a
    /// message, in a browser without AbortController).
    fn begin(&self) -> Option<AbortSignal> {
        self.cancel();
        let Ok(controller) = AbortController::new() else {
            self.fatal.set(Some(
                "This browser cannot cancel requests (no AbortController); use a current browser.".into(),
            ));
            return None;
        };
        let signal = controller.signal();
        self.abort.set_value(Some(controller));
        Some(signal)
    }

    /// Drops the session: cancels requests and forgets the transport (and with it the
    /// token) so that Retry cannot use it again.
    pub fn forget_session(self) {
        self.cancel();
        self.last.set_value(None);
        self.running.set(false);
    }

    /// Loads the bundled recording and runs the report on it; `on_loaded` gets the
    /// recording's time. Owned like any run: a later Connect or Cancel aborts it.
    pub fn start_demo(self, on_loaded: impl FnOnce(i64) + 'static) {
        let Some(signal) = self.begin() else { return };
        self.fatal.set(None);
        self.running.set(true);
        leptos::task::spawn_local(async move {
            match crate::api::load_recording(&signal).await {
                Ok(_) if signal.aborted() => {}
                Ok(recording) => {
                    let at = recording.recorded_at_ms;
                    on_loaded(at);
                    self.start(Transport::Replay(std::rc::Rc::new(recording)), at);
                }
                Err(ApiError::Cancelled) => {}
                Err(e) => {
                    self.fatal.set(Some(e.to_string()));
                    self.running.set(false);
                }
            }
        });
    }

    /// Runs the report again over the same transport: live Grafana at `now_ms`, a
    /// recording at its own time.
    pub fn rerun(self, now_ms: i64) {
        let Some(transport) = self.last.get_value() else {
            return;
        };
        let now_ms = match &transport {
            Transport::Replay(recording) => recording.recorded_at_ms,
            Transport::Grafana(_) => now_ms,
        };
        self.start(transport, now_ms);
    }

    /// Starts a run over `transport`, evaluated at `now_ms`; a previous run is aborted.
    pub fn start(self, transport: Transport, now_ms: i64) {
        let Some(signal) = self.begin() else { return };
        self.last.set_value(Some(transport.clone()));
        self.generation.update(|g| *g += 1);
        self.rows.set(Vec::new());
        self.skipped.set(Vec::new());
        self.arrived.set(Vec::new());
        self.fatal.set(None);
        let plan = DayPlan::last_month_in(now_ms, &self.zone.get_untracked());
        self.plan.set(Some(plan.clone()));
        self.running.set(true);
        leptos::task::spawn_local(async move {
            self.run(transport, plan, signal).await;
        });
    }

    async fn run(self, transport: Transport, plan: DayPlan, signal: AbortSignal) {
        let all = match transport.datasources(&signal).await {
            Ok(list) => list,
            Err(ApiError::Cancelled) => return,
            Err(e) => {
                self.fatal.set(Some(transport.redact(&e.to_string())));
                self.running.set(false);
                return;
            }
        };
        let (prometheus, others): (Vec<Datasource>, Vec<Datasource>) =
            all.into_iter().partition(Datasource::is_prometheus);
        if prometheus.is_empty() {
            self.fatal.set(Some(
                "Grafana lists no Prometheus datasource that this token can see. Add one in Grafana, or give the service account access to it."
                    .into(),
            ));
        }
        let rows: Vec<DsRow> = prometheus
            .into_iter()
            .map(|ds| DsRow { ds, status: ArcRwSignal::new(DsStatus::Queued) })
            .collect();
        self.rows.set(rows.clone());
        self.skipped.set(others);
        futures::stream::iter(rows)
            .for_each_concurrent(PARALLEL_DATASOURCES, |row| {
                let (transport, plan, signal) = (transport.clone(), plan.clone(), signal.clone());
                async move {
                    let started = perf::now_ms();
                    match query_datasource(&transport, &row, &plan, &signal).await {
                        Ok(arrival) => {
                            let series = arrival.range.len().max(arrival.instant.len());
                            let millis = (perf::now_ms() - started).max(0.0) as u32;
                            if !signal.aborted() {
                                self.arrived.update(|all| all.push(arrival));
                                row.status.set(DsStatus::Ok { series, millis });
                            }
                        }
                        Err(ApiError::Cancelled) => {}
                        Err(e) => row.status.set(DsStatus::Error(transport.redact(&e.to_string()))),
                    }
                }
            })
            .await;
        if !signal.aborted() {
            self.running.set(false);
        }
    }
}

impl Default for RunState {
    fn default() -> Self {
        Self::new()
    }
}

async fn query_datasource(
    transport: &Transport,
    row: &DsRow,
    plan: &DayPlan,
    signal: &AbortSignal,
) -> Result<Arrival, ApiError> {
    let (uid, name) = (row.ds.uid.as_str(), row.ds.name.as_str());
    row.status.set(DsStatus::Checking);
    transport.prometheus_retrying(&report::health_request(uid), name, signal).await?;
    row.status.set(DsStatus::Querying);
    let ranges = report::range_requests(uid, report::HUB_ACTIVITY_QUERY, plan);
    let instant_request = report::instant_request(uid, report::HUB_ACTIVITY_QUERY, plan);
    let range_answers =
        futures::future::join_all(ranges.iter().map(|r| transport.prometheus_retrying(r, name, signal)));
    let (range_answers, instant) =
        futures::join!(range_answers, transport.prometheus_retrying(&instant_request, name, signal));
    let instant = instant?;
    let notes_of = |answer: &QueryResponse| -> Vec<String> {
        answer.warnings.iter().chain(&answer.infos).map(|note| format!("{name}: {note}")).collect()
    };
    let mut arrival = Arrival::default();
    let mut matrix = Vec::new();
    for answer in range_answers {
        let answer = answer?;
        arrival.notes.extend(notes_of(&answer));
        match answer.data {
            QueryData::Matrix(series) => matrix.extend(series),
            _ => return Err(unexpected(name, "a range query answered without a matrix")),
        }
    }
    arrival.notes.extend(notes_of(&instant));
    let QueryData::Vector(vector) = instant.data else {
        return Err(unexpected(name, "an instant query answered without a vector"));
    };
    arrival.notes.extend(table::answer_notes(name, &matrix, &vector));
    arrival.range = table::from_matrix(uid, name, matrix);
    arrival.instant = table::from_vector(uid, name, vector);
    Ok(arrival)
}

fn unexpected(what: &str, detail: &str) -> ApiError {
    ApiError::Unreadable { what: what.to_owned(), detail: detail.to_owned() }
}
