//! What runs when, in the page: the twin of the command line's `session.rs`. This
//! module holds the connection (list the datasources, check each, load completion
//! names), [`cells`] every cell's run, [`values`] the values in the prose and [`variables`]
//! the variables' values, each by
//! driving the core's machines and following its rules ([`promnote_core::run`]) over the
//! page's [`Transport`]. One failing datasource never stops the rest, and one failing
//! cell never stops the others: every cell has its own requests, abort signal and
//! errors.

pub mod cells;
pub mod values;
pub mod variables;

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use futures::future::{FutureExt, LocalBoxFuture, Shared};
use leptos::prelude::*;
use promnote_core::api::request::{label_values_request, labels_request, series_request};
use promnote_core::api::{ApiError, Datasource, Route};
use promnote_core::report::complete::Kind;
use promnote_core::report::substitute::Bindings;
use promnote_core::report::variables::VarQuery;
use promnote_core::run::connect::{self, Badge, Health as HealthCheck, Listing};
use promnote_core::run::silent::Silent;
use promnote_core::run::variables::{union_names, VariableValues, VariableWindow};
use promnote_core::run::{Exchange, Machine};
use web_sys::{AbortController, AbortSignal};

use crate::api::{Replayed, Transport};
use crate::perf;

/// One Prometheus datasource of the connection, with its own status signal.
#[derive(Debug, Clone)]
pub struct DsRow {
    /// The datasource.
    pub ds: Datasource,
    /// Its health.
    pub status: ArcRwSignal<Badge>,
}

type Health = Shared<LocalBoxFuture<'static, Result<Route, ApiError>>>;

/// What the page is connected to, all of it signals the view reads.
#[derive(Clone, Copy)]
pub struct Connection {
    /// The Prometheus datasources, in Grafana's order.
    pub rows: RwSignal<Vec<DsRow>>,
    /// Datasources of other types, listed but not queried.
    pub skipped: RwSignal<Vec<Datasource>>,
    /// An error that stops every cell (bad token, CORS, unreachable).
    pub fatal: RwSignal<Option<String>>,
    /// The Grafana origin whose answers the browser withheld (CORS), for the help panel.
    pub blocked: RwSignal<Option<String>>,
    /// Whether the datasource list is being fetched.
    pub listing: RwSignal<bool>,
    /// Whether Grafana's datasource list answered on this connection (the page says
    /// "Connected to" only then).
    pub listed: RwSignal<bool>,
    /// The zone whose midnights cut the days.
    pub zone: RwSignal<jiff::tz::TimeZone>,
    /// Bumped each time datasources are listed: the open report then runs.
    pub ready: RwSignal<u32>,
    /// Metric names, for completion.
    pub metric_names: RwSignal<Vec<String>>,
    /// Label names, for completion.
    pub label_names: RwSignal<Vec<String>>,
    /// Completion candidates fetched on demand: one metric's label names, one label's values.
    completions: RwSignal<HashMap<String, Vec<String>>>,
    completing: StoredValue<HashSet<String>>,
    transport: StoredValue<Option<Transport>, LocalStorage>,
    health: StoredValue<HashMap<String, Health>, LocalStorage>,
    /// The datasources that timed out in this run: their other queries fail at once
    /// (the core's [`Silent`]); a new run or connection starts empty.
    pub silent: StoredValue<Silent>,
    controllers: StoredValue<Vec<AbortController>, LocalStorage>,
    now: StoredValue<Option<i64>>,
}

impl Connection {
    /// Not connected.
    pub fn new() -> Self {
        Self {
            rows: RwSignal::new(Vec::new()),
            skipped: RwSignal::new(Vec::new()),
            fatal: RwSignal::new(None),
            blocked: RwSignal::new(None),
            listing: RwSignal::new(false),
            listed: RwSignal::new(false),
            zone: RwSignal::new(jiff::tz::TimeZone::UTC),
            ready: RwSignal::new(0),
            metric_names: RwSignal::new(Vec::new()),
            label_names: RwSignal::new(Vec::new()),
            completions: RwSignal::new(HashMap::new()),
            completing: StoredValue::new(HashSet::new()),
            transport: StoredValue::new_local(None),
            health: StoredValue::new_local(HashMap::new()),
            silent: StoredValue::new(Silent::default()),
            controllers: StoredValue::new_local(Vec::new()),
            now: StoredValue::new(None),
        }
    }

    /// The transport in use, if connected.
    pub fn transport(&self) -> Option<Transport> {
        self.transport.get_value()
    }

    /// The time reports are evaluated at: a recording's own time, or the live "now" as
    /// of the last [`Connection::refresh_now`], so that every cell of a run, and reports
    /// opened soon after, agree on it.
    pub fn now_ms(&self) -> i64 {
        match self.transport.get_value() {
            Some(Transport::Replay(replayed)) => replayed.recording().recorded_at_ms,
            _ => self.now.get_value().unwrap_or_else(perf::wall_ms),
        }
    }

    /// Moves "now" to the current time; unless `force`, only when it is over five
    /// minutes old (opening another report soon after keeps the same "now").
    pub fn refresh_now(&self, force: bool) {
        let wall = perf::wall_ms();
        let stale = self.now.get_value().is_none_or(|t| wall - t > 5 * 60 * 1000);
        if force || stale {
            self.now.set_value(Some(wall));
        }
    }

    /// A new abort signal that [`Connection::cancel`] aborts (`None`, with a message, in a
    /// browser without AbortController).
    pub fn abort_signal(&self) -> Option<(AbortController, AbortSignal)> {
        let Ok(controller) = AbortController::new() else {
            self.fatal.set(Some(
                "This browser cannot cancel requests (no AbortController); use a current browser.".into(),
            ));
            return None;
        };
        let signal = controller.signal();
        self.controllers.update_value(|all| {
            all.retain(|c| !c.signal().aborted());
            all.push(controller.clone());
        });
        Some((controller, signal))
    }

    /// Aborts every request of the connection and of every cell. Health checks that were
    /// cut short are forgotten, so the next run checks again.
    pub fn cancel(&self) {
        self.controllers.update_value(|all| {
            for c in all.drain(..) {
                c.abort();
            }
        });
        self.health.set_value(HashMap::new());
        self.silent.set_value(Silent::default());
        self.listing.set(false);
    }

    /// Drops the session: cancels requests and forgets the transport (and with it the
    /// token) so that no cell can use it again.
    pub fn forget_session(self) {
        self.cancel();
        self.transport.set_value(None);
        self.blocked.set(None);
        self.listed.set(false);
        self.health.set_value(HashMap::new());
        self.rows.set(Vec::new());
        self.skipped.set(Vec::new());
    }

    /// Loads the bundled recording and connects to it; `on_loaded` gets the recording's
    /// time. A later Connect or Cancel aborts it.
    pub fn start_demo(self, on_loaded: impl FnOnce(i64) + 'static) {
        self.cancel();
        let Some((_, signal)) = self.abort_signal() else { return };
        self.fatal.set(None);
        self.listing.set(true);
        self.listed.set(false);
        leptos::task::spawn_local(async move {
            match crate::api::load_recording(&signal).await {
                Ok(_) if signal.aborted() => {}
                Ok(recording) => {
                    on_loaded(recording.recorded_at_ms);
                    self.connect(Transport::Replay(Rc::new(Replayed::Demo(recording))));
                }
                Err(ApiError::Cancelled) => {}
                Err(e) => {
                    self.fatal.set(Some(e.to_string()));
                    self.listing.set(false);
                }
            }
        });
    }

    /// Connects again over the same transport (Retry).
    pub fn reconnect(self) {
        if let Some(transport) = self.transport.get_value() {
            self.connect(transport);
        }
    }

    /// Lists the datasources over `transport` and starts their health checks; then bumps
    /// [`Connection::ready`]. Everything of a previous connection is aborted.
    pub fn connect(self, transport: Transport) {
        self.cancel();
        let Some((_, signal)) = self.abort_signal() else { return };
        self.refresh_now(true);
        self.transport.set_value(Some(transport.clone()));
        self.health.set_value(HashMap::new());
        self.completions.set(HashMap::new());
        self.completing.set_value(HashSet::new());
        self.rows.set(Vec::new());
        self.skipped.set(Vec::new());
        self.fatal.set(None);
        self.blocked.set(None);
        self.listing.set(true);
        self.listed.set(false);
        leptos::task::spawn_local(async move {
            let listed = match transport.has_grafana() {
                true => Some(transport.drive(Listing::new(), &signal).await),
                false => None,
            };
            if matches!(listed, Some(Err(ApiError::Cancelled))) {
                return;
            }
            self.listed.set(matches!(listed, Some(Ok(_))));
            // The list's failure is said whether or not servers called directly go on.
            if let Some(Err(e)) = &listed {
                self.fatal.set(Some(transport.describe(e)));
                self.blocked.set(match e {
                    ApiError::CorsBlocked { origin, .. } => Some(origin.clone()),
                    _ => None,
                });
            }
            let Ok(connected) = connect::connected(listed, transport.direct_datasources()) else {
                self.listing.set(false);
                return;
            };
            let connect::Datasources { prometheus, others, problem } = connected.datasources;
            if problem.is_some() {
                self.fatal.set(problem);
            }
            let rows: Vec<DsRow> = prometheus
                .into_iter()
                .map(|ds| DsRow { ds, status: ArcRwSignal::new(Badge::Checking) })
                .collect();
            let mut health = HashMap::new();
            for row in &rows {
                health.insert(
                    row.ds.uid.clone(),
                    check(transport.clone(), row.clone(), signal.clone(), self.now_ms()),
                );
            }
            self.health.set_value(health);
            self.rows.set(rows.clone());
            self.skipped.set(others);
            self.listing.set(false);
            self.ready.update(|n| *n += 1);
            self.load_completions(transport, rows, signal).await;
        });
    }

    /// What a cell's run found on a datasource, so that its badge shows the latest known
    /// state: an answer (in `millis`, by `route`) makes a failed datasource ok again; a
    /// failure of the datasource itself ([`ApiError::is_datasource_failure`]) makes it
    /// "failed in the last run".
    pub fn ran(&self, uid: &str, result: Result<(u32, Route), String>) {
        let Some(row) = self.rows.with_untracked(|rows| rows.iter().find(|r| r.ds.uid == uid).cloned())
        else {
            return;
        };
        match result {
            Ok((millis, route)) => {
                if !matches!(row.status.get_untracked(), Badge::Ok { .. }) {
                    row.status.set(Badge::Ok { millis, route });
                }
            }
            Err(message) => row.status.set(Badge::RunFailed(message)),
        }
    }

    /// Waits for a datasource's health check (started again if it was cancelled); the
    /// answer says how to query it.
    pub async fn healthy(&self, uid: &str) -> Result<Route, ApiError> {
        let existing = self.health.with_value(|h| h.get(uid).cloned());
        let pending = match existing {
            Some(check) => check,
            None => {
                let row = self.rows.with_untracked(|rows| rows.iter().find(|r| r.ds.uid == uid).cloned());
                let (Some(row), Some(transport)) = (row, self.transport()) else {
                    return Err(ApiError::Worded {
                        message: "This datasource is not part of the connection any more; connect again."
                            .into(),
                    });
                };
                let Some((_, signal)) = self.abort_signal() else { return Err(ApiError::Cancelled) };
                row.status.set(Badge::Checking);
                let fresh = check(transport, row, signal, self.now_ms());
                self.health.update_value(|h| {
                    h.insert(uid.to_owned(), fresh.clone());
                });
                fresh
            }
        };
        pending.await
    }

    /// Metric and label names from the first healthy datasource, for completion.
    async fn load_completions(self, transport: Transport, rows: Vec<DsRow>, signal: AbortSignal) {
        for row in rows {
            // Metadata needs the Prometheus API, which only the proxy gives.
            if !self.healthy(&row.ds.uid).await.is_ok_and(Route::has_metadata) {
                continue;
            }
            let uid = &row.ds.uid;
            let metrics = Exchange::names(label_values_request(uid, "__name__", None, None), &row.ds);
            let labels = Exchange::names(labels_request(uid, None), &row.ds);
            let (metrics, labels) =
                futures::join!(transport.drive(metrics, &signal), transport.drive(labels, &signal));
            if let (Ok(metrics), Ok(labels)) = (metrics, labels) {
                self.metric_names.set(metrics);
                self.label_names.set(labels.into_iter().filter(|l| l != "__name__").collect());
                return;
            }
        }
    }

    /// The candidates for a completion (tracked): metric names, the label names of one
    /// metric (from `/api/v1/series` over the last hour), or one label's values. What is
    /// not loaded yet is fetched once, and the signal updates when it arrives; meanwhile
    /// the connection-wide label names stand in.
    pub fn candidates(&self, kind: &Kind) -> Vec<String> {
        let (key, metric, label) = match kind {
            Kind::Metric => return self.metric_names.get(),
            Kind::LabelName { metric: None } => return self.label_names.get(),
            Kind::LabelName { metric: Some(m) } => (format!("labels\u{0}{m}"), m.clone(), None),
            Kind::LabelValue { metric, label } => (
                format!("values\u{0}{label}\u{0}{}", metric.as_deref().unwrap_or_default()),
                metric.clone().unwrap_or_default(),
                Some(label.clone()),
            ),
        };
        if let Some(found) = self.completions.with(|c| c.get(&key).cloned()) {
            return found;
        }
        let started = self.completing.try_update_value(|busy| busy.insert(key.clone())).unwrap_or(false);
        let is_value = label.is_some();
        if started {
            let this = *self;
            leptos::task::spawn_local(async move {
                let Some((_, signal)) = this.abort_signal() else { return };
                let found = match label {
                    Some(label) => {
                        let selector = (!metric.is_empty()).then_some(metric.as_str());
                        let request = |uid: &str| label_values_request(uid, &label, selector, None);
                        this.union_of_names(|ds| Exchange::names(request(&ds.uid), ds), &signal)
                            .await
                            .unwrap_or_default()
                    }
                    None => this.series_label_names(&metric, &signal).await,
                };
                this.completions.update(|c| {
                    c.insert(key, found);
                });
            });
        }
        if is_value {
            Vec::new()
        } else {
            self.label_names.get()
        }
    }

    /// The label names of `metric`'s series in the last hour, over every healthy datasource.
    async fn series_label_names(&self, metric: &str, signal: &AbortSignal) -> Vec<String> {
        let end_s = self.now_ms() / 1000;
        let request = |uid: &str| series_request(uid, metric, end_s - 3600, end_s);
        self.union_of_names(|ds| Exchange::series_label_names(request(&ds.uid), ds), signal)
            .await
            .unwrap_or_default()
    }

    /// A variable query's answers over `window` united over every healthy datasource,
    /// sorted (chained variables' `$names` substituted from `bindings`). Datasources that
    /// fail are left out; the error is returned only when all fail.
    pub async fn variable_values(
        &self,
        query: &VarQuery,
        bindings: &Bindings,
        window: VariableWindow,
        signal: &AbortSignal,
    ) -> Result<Vec<String>, String> {
        self.union_of_names(|ds| VariableValues::new(query, ds, bindings, window), signal).await
    }

    /// Asks every datasource whose route has the metadata API for a list of names
    /// ([`union_names`]).
    async fn union_of_names<M: Machine<Output = Result<Vec<String>, ApiError>>>(
        &self,
        exchange: impl Fn(&Datasource) -> M,
        signal: &AbortSignal,
    ) -> Result<Vec<String>, String> {
        let Some(transport) = self.transport() else { return Err("not connected".into()) };
        let rows = self.rows.get_untracked();
        let answers = futures::future::join_all(rows.iter().map(|row| {
            let (transport, exchange) = (transport.clone(), exchange(&row.ds));
            async move {
                if !self.healthy(&row.ds.uid).await.map_err(|e| transport.describe(&e))?.has_metadata() {
                    return Ok(Vec::new());
                }
                transport.drive(exchange, signal).await.map_err(|e| transport.describe(&e))
            }
        }))
        .await;
        union_names(answers)
    }
}

impl Default for Connection {
    fn default() -> Self {
        Self::new()
    }
}

/// A datasource's health check ([`HealthCheck`]), started now and awaited by every cell
/// that queries it.
fn check(transport: Transport, row: DsRow, signal: AbortSignal, now_ms: i64) -> Health {
    let started = perf::now_ms();
    let future = async move {
        let result = transport.drive(HealthCheck::new(&row.ds, now_ms), &signal).await;
        match &result {
            Ok(route) => {
                let millis = (perf::now_ms() - started).max(0.0) as u32;
                row.status.set(Badge::Ok { millis, route: *route });
            }
            Err(ApiError::Cancelled) => {}
            Err(e) => row.status.set(Badge::Error(transport.describe(e))),
        }
        result
    };
    let boxed: LocalBoxFuture<'static, Result<Route, ApiError>> = Box::pin(future);
    let shared = boxed.shared();
    // Start it now, not when the first cell asks.
    leptos::task::spawn_local(shared.clone().map(|_| ()));
    shared
}
