//! Running reports, sans-IO: which requests a connection and a cell send, what each
//! answer means, and when to retry, fall back or give up. Everything here is plain data
//! and small state machines that take answers and say what to send next; there is no
//! HTTP and no clock inside. The page (fetch, browser timers) and the command line (a
//! blocking client, threads) each drive the same machines and only send and sleep, so a
//! rule such as "502 is retried after 0.5 s, then 1.5 s" or "a proxy that refuses the
//! POST gets a GET" exists once.
//!
//! A shell drives a [`Machine`] like this:
//!
//! ```text
//! loop {
//!     let sent = transport.send(machine.request());   // Result<Reply, ApiError>
//!     match machine.answer(sent) {
//!         Next::Send { after_ms } => sleep(after_ms),  // then send machine.request() again
//!         Next::Done(output) => return output,
//!     }
//! }
//! ```

use std::collections::BTreeMap;

use jiff::tz::TimeZone;

use crate::error::{self, ApiError};
use crate::frames::{self, FrameError, Frames};
use crate::grafana::{self, ApiRequest, Datasource};
use crate::notebook::{Cell, Variable};
use crate::prom::{QueryData, QueryResponse};
use crate::report::{self, CellPlan};
use crate::table::{self, Series};
use crate::time::TimeRange;
use crate::vars::{self, AllValue, Binding, Bindings, Selection, Source, VarQuery};

/// How many datasources one cell queries at once (browsers allow about six connections
/// per host, and a daily cell keeps two requests in flight per datasource).
pub const PARALLEL_DATASOURCES: usize = 6;

/// How long one request may take before promnote gives up on it.
pub const REQUEST_TIMEOUT_S: u32 = 60;

/// The pauses before the second and third attempt of a request that Grafana's proxy
/// answered with 502, 503 or 504 (a restarting or overloaded Prometheus). Every request
/// promnote sends only reads, so sending it again is safe.
pub const RETRY_DELAYS_MS: [u32; 2] = [500, 1500];

/// The chart width, in pixels, that a cell's `auto` step is sized for.
pub const AUTO_STEP_WIDTH_PX: u32 = 900;

/// What [`ApiError::Status`] says of a request that the recording being replayed lacks.
pub const NOT_RECORDED: &str = "not part of the recorded data";

/// An HTTP answer, whatever its status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The body as text.
    pub body: String,
}

impl Reply {
    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// What a shell's transport gives back for one request: the answer, or the reason there
/// was none (nothing reachable, CORS, timed out, cancelled) already as an [`ApiError`].
pub type Sent = Result<Reply, ApiError>;

/// What a shell does after a machine has read an answer.
#[derive(Debug, PartialEq)]
pub enum Next<T> {
    /// Send [`Machine::request`] (which may have changed) after a pause of this many ms.
    Send {
        /// The pause; 0 means at once.
        after_ms: u32,
    },
    /// The conversation is over.
    Done(T),
}

/// A conversation with a server that a shell drives: send [`Machine::request`], hand the
/// result to [`Machine::answer`], and do what it says.
pub trait Machine {
    /// What the conversation ends with.
    type Output;
    /// The request to send now.
    fn request(&self) -> &ApiRequest;
    /// Who is asked, for messages ("cluster-north", "Grafana's datasource list").
    fn what(&self) -> &str;
    /// Reads the answer to [`Machine::request`].
    fn answer(&mut self, sent: Sent) -> Next<Self::Output>;
}

type Read<T> = fn(&Reply, &str, bool) -> Result<T, ApiError>;

/// One request with promnote's rules for any read: 502/503/504 retried after
/// [`RETRY_DELAYS_MS`], and a form POST that Grafana's proxy refuses sent again as a GET.
/// The answer is read into `T` (its errors worded for people).
pub struct Exchange<T> {
    request: ApiRequest,
    what: String,
    direct: bool,
    read: Read<T>,
    retries: usize,
    as_get: bool,
}

impl<T> std::fmt::Debug for Exchange<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exchange").field("request", &self.request).field("what", &self.what).finish()
    }
}

impl<T> Exchange<T> {
    fn new(request: ApiRequest, what: &str, direct: bool, read: Read<T>) -> Self {
        Self { request, what: what.to_owned(), direct, read, retries: 0, as_get: false }
    }
}

impl Exchange<QueryResponse> {
    /// A Prometheus API call (`api/v1/query…`) to datasource `ds`, decoded.
    pub fn prometheus(request: ApiRequest, ds: &Datasource) -> Self {
        Self::new(request, &ds.name, ds.is_direct(), read_prometheus)
    }
}

impl Exchange<Frames> {
    /// A query through Grafana's `/api/ds/query`, decoded from data frames (ref id `A`).
    pub fn frames(request: ApiRequest, ds: &Datasource) -> Self {
        Self::new(request, &ds.name, false, read_frames)
    }
}

impl Exchange<Vec<String>> {
    /// A labels or label-values request to datasource `ds`: the names in its `data`.
    pub fn names(request: ApiRequest, ds: &Datasource) -> Self {
        Self::new(request, &ds.name, ds.is_direct(), |reply, what, direct| {
            read_json(reply, what, direct, report::parse_names)
        })
    }

    /// A series request to datasource `ds`: the label names of the series it lists.
    pub fn series_label_names(request: ApiRequest, ds: &Datasource) -> Self {
        Self::new(request, &ds.name, ds.is_direct(), |reply, what, direct| {
            read_json(reply, what, direct, report::parse_series_label_names)
        })
    }
}

/// A dashboard in Grafana's search: where it is and what it is called.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct DashboardHit {
    /// Its uid (`/d/<uid>/…`).
    pub uid: String,
    /// Its title.
    pub title: String,
    /// Its folder's title (`None`: the General folder).
    #[serde(default, rename = "folderTitle")]
    pub folder: Option<String>,
}

impl Exchange<String> {
    /// A dashboard's JSON from Grafana (`api/dashboards/uid/<uid>`), as text for
    /// [`crate::dashboard::convert`].
    pub fn dashboard(uid: &str) -> Self {
        Self::new(
            ApiRequest::dashboard(uid),
            &format!("the dashboard {uid}"),
            false,
            |reply, what, direct| {
                read_json(reply, what, direct, |body| {
                    serde_json::from_str::<serde_json::Value>(body).map(|_| body.to_owned())
                })
            },
        )
    }
}

impl Exchange<Vec<DashboardHit>> {
    /// The dashboards Grafana lists (`api/search?type=dash-db`), by folder then title.
    pub fn dashboards() -> Self {
        Self::new(
            ApiRequest::search_dashboards(),
            "Grafana's dashboard list",
            false,
            |reply, what, direct| {
                read_json(reply, what, direct, |body| {
                    let mut hits: Vec<DashboardHit> = serde_json::from_str::<Vec<serde_json::Value>>(body)?
                        .into_iter()
                        .filter(|v| {
                            v.get("type").and_then(serde_json::Value::as_str).is_none_or(|t| t == "dash-db")
                        })
                        .filter_map(|v| serde_json::from_value(v).ok())
                        .collect();
                    hits.sort_by(|a, b| (&a.folder, &a.title).cmp(&(&b.folder, &b.title)));
                    Ok::<_, serde_json::Error>(hits)
                })
            },
        )
    }
}

impl<T> Machine for Exchange<T> {
    type Output = Result<T, ApiError>;

    fn request(&self) -> &ApiRequest {
        &self.request
    }

    fn what(&self) -> &str {
        &self.what
    }

    fn answer(&mut self, sent: Sent) -> Next<Self::Output> {
        let result = sent.and_then(|reply| (self.read)(&reply, &self.what, self.direct));
        match result {
            Err(e) if e.refuses_post() && !self.as_get => match self.request.as_get() {
                Some(get) => {
                    self.as_get = true;
                    self.request = get;
                    Next::Send { after_ms: 0 }
                }
                None => Next::Done(Err(e)),
            },
            Err(e) if e.is_retryable() && self.retries < RETRY_DELAYS_MS.len() => {
                let after_ms = RETRY_DELAYS_MS[self.retries];
                self.retries += 1;
                Next::Send { after_ms }
            }
            result => Next::Done(result),
        }
    }
}

/// A non-2xx answer as the error it is: Grafana's, or that of a Prometheus called directly.
fn classify(reply: &Reply, what: &str, direct: bool) -> ApiError {
    let classify = if direct { error::direct_from_status } else { error::from_status };
    classify(what, reply.status, reply.content_type.as_deref(), &reply.body)
}

fn read_prometheus(reply: &Reply, what: &str, direct: bool) -> Result<QueryResponse, ApiError> {
    if !reply.is_success() {
        return Err(classify(reply, what, direct));
    }
    error::decode_prometheus(what, reply.status, reply.content_type.as_deref(), &reply.body).map_err(|e| {
        if direct {
            error::as_direct(e)
        } else {
            e
        }
    })
}

/// Grafana answers a failed `/api/ds/query` with 400 and the reason inside the frames:
/// that reason is what the user sees.
fn read_frames(reply: &Reply, what: &str, _direct: bool) -> Result<Frames, ApiError> {
    match frames::decode(&reply.body, "A") {
        Ok(frames) if reply.is_success() => Ok(frames),
        Err(FrameError::Query { status, message }) => {
            Err(ApiError::Status { what: what.to_owned(), status, message })
        }
        _ if !reply.is_success() => Err(classify(reply, what, false)),
        Ok(frames) => Ok(frames),
        Err(e) => Err(ApiError::Unreadable { what: what.to_owned(), detail: e.to_string() }),
    }
}

fn read_json<T, E: std::fmt::Display>(
    reply: &Reply,
    what: &str,
    direct: bool,
    decode: impl FnOnce(&str) -> Result<T, E>,
) -> Result<T, ApiError> {
    if !reply.is_success() {
        return Err(classify(reply, what, direct));
    }
    error::decode_ok(what, reply.status, reply.content_type.as_deref(), &reply.body, decode).map_err(|e| {
        if direct {
            error::as_direct(e)
        } else {
            e
        }
    })
}

/// Said on a cell whose answer came marked `isPartial`.
pub const PARTIAL_NOTE: &str = "the answer is partial: the server could not read all of its data (a storage node or store did not answer), so values may be missing or too low. Run the cell again later.";

/// Who asks for the datasource list, in messages.
pub const LISTING_WHAT: &str = "Grafana's datasource list";

/// Grafana's datasources: `/api/datasources`, or `/api/frontend/settings` when the token
/// may not list them (403: older Grafana, or the Viewer role).
#[derive(Debug)]
pub struct Listing {
    exchange: Exchange<Vec<Datasource>>,
    fell_back: bool,
}

impl Listing {
    /// Starts with `/api/datasources`.
    pub fn new() -> Self {
        let exchange = Exchange::new(ApiRequest::datasources(), LISTING_WHAT, false, |reply, what, _| {
            read_json(reply, what, false, grafana::parse_datasources)
        });
        Self { exchange, fell_back: false }
    }
}

impl Default for Listing {
    fn default() -> Self {
        Self::new()
    }
}

impl Machine for Listing {
    type Output = Result<Vec<Datasource>, ApiError>;

    fn request(&self) -> &ApiRequest {
        self.exchange.request()
    }

    fn what(&self) -> &str {
        LISTING_WHAT
    }

    fn answer(&mut self, sent: Sent) -> Next<Self::Output> {
        match self.exchange.answer(sent) {
            Next::Done(Err(ApiError::Forbidden { .. })) if !self.fell_back => {
                self.fell_back = true;
                self.exchange =
                    Exchange::new(ApiRequest::frontend_settings(), LISTING_WHAT, false, |reply, what, _| {
                        read_json(reply, what, false, grafana::parse_frontend_settings)
                    });
                Next::Send { after_ms: 0 }
            }
            next => next,
        }
    }
}

/// The datasources a connection queries, and the others it only lists.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Datasources {
    /// Prometheus datasources (Grafana's, in its order, then those called directly).
    pub prometheus: Vec<Datasource>,
    /// Datasources of other types, listed but not queried.
    pub others: Vec<Datasource>,
    /// A problem to tell the user, e.g. that Grafana lists no Prometheus datasource.
    pub problem: Option<String>,
}

impl Datasources {
    /// Splits Grafana's list (if it was read) and adds the servers called directly.
    pub fn new(grafana: Option<Vec<Datasource>>, direct: Vec<Datasource>) -> Self {
        let listed = grafana.is_some();
        let (mut prometheus, others): (Vec<Datasource>, Vec<Datasource>) =
            grafana.unwrap_or_default().into_iter().partition(Datasource::is_prometheus);
        let problem = (listed && prometheus.is_empty() && direct.is_empty()).then(|| {
            "Grafana lists no Prometheus datasource that this token can see. Add one in Grafana, or give the service account access to it."
                .to_owned()
        });
        prometheus.extend(direct);
        Self { prometheus, others, problem }
    }
}

/// How a datasource is queried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// Grafana's datasource proxy (or the server itself, called directly): the
    /// Prometheus HTTP API.
    Proxy,
    /// Grafana's `POST /api/ds/query` (data frames): for datasource types the proxy
    /// cannot serve, and for datasources whose proxy refuses the token.
    DsQuery,
}

impl Route {
    /// Whether the Prometheus metadata API (labels, label values, series) is reachable
    /// this way; `/api/ds/query` has none, so such datasources add no names.
    pub fn has_metadata(self) -> bool {
        self == Route::Proxy
    }

    /// How the route is written in lists: `proxy` or `/api/ds/query`.
    pub fn name(self) -> &'static str {
        match self {
            Route::Proxy => "proxy",
            Route::DsQuery => "/api/ds/query",
        }
    }
}

enum HealthStage {
    Proxy(Exchange<QueryResponse>),
    DsQuery { exchange: Exchange<Frames>, refusal: Option<ApiError> },
}

/// A datasource's health check, which also decides its [`Route`]: a constant query
/// through the proxy; through `/api/ds/query` for types the proxy cannot serve, or when
/// the proxy refuses (403) but `/api/ds/query` answers.
pub struct Health {
    ds: Datasource,
    now_ms: i64,
    stage: HealthStage,
}

impl std::fmt::Debug for Health {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Health").field("ds", &self.ds.uid).finish()
    }
}

impl Health {
    /// The check of `ds`; `now_ms` times the `/api/ds/query` form of it.
    pub fn new(ds: &Datasource, now_ms: i64) -> Self {
        let stage = if ds.needs_ds_query() {
            HealthStage::DsQuery { exchange: Self::via_ds_query(ds, now_ms), refusal: None }
        } else {
            HealthStage::Proxy(Exchange::prometheus(report::health_request(&ds.uid), ds))
        };
        Self { ds: ds.clone(), now_ms, stage }
    }

    fn via_ds_query(ds: &Datasource, now_ms: i64) -> Exchange<Frames> {
        Exchange::frames(report::ds_query_health_request(&ds.uid, &ds.kind, now_ms), ds)
    }
}

impl Machine for Health {
    type Output = Result<Route, ApiError>;

    fn request(&self) -> &ApiRequest {
        match &self.stage {
            HealthStage::Proxy(exchange) => exchange.request(),
            HealthStage::DsQuery { exchange, .. } => exchange.request(),
        }
    }

    fn what(&self) -> &str {
        &self.ds.name
    }

    fn answer(&mut self, sent: Sent) -> Next<Self::Output> {
        match &mut self.stage {
            HealthStage::Proxy(exchange) => match exchange.answer(sent) {
                Next::Send { after_ms } => Next::Send { after_ms },
                Next::Done(Ok(_)) => Next::Done(Ok(Route::Proxy)),
                Next::Done(Err(refusal)) if refusal.refuses_proxy() => {
                    let exchange = Self::via_ds_query(&self.ds, self.now_ms);
                    self.stage = HealthStage::DsQuery { exchange, refusal: Some(refusal) };
                    Next::Send { after_ms: 0 }
                }
                Next::Done(Err(e)) => Next::Done(Err(e)),
            },
            HealthStage::DsQuery { exchange, refusal } => match exchange.answer(sent) {
                Next::Send { after_ms } => Next::Send { after_ms },
                Next::Done(Ok(_)) => Next::Done(Ok(Route::DsQuery)),
                // The proxy's refusal says more than the fallback's failure.
                Next::Done(Err(e)) => Next::Done(Err(refusal.take().unwrap_or(e))),
            },
        }
    }
}

/// What one datasource contributed to a cell: tidy series and notes for the user.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Arrival {
    /// Series of the range query.
    pub range: Vec<Series>,
    /// Series of the instant query (today so far, daily cells).
    pub instant: Vec<Series>,
    /// Warnings and notes.
    pub notes: Vec<String>,
}

impl Arrival {
    /// Every series, range then instant.
    pub fn series(&self) -> impl Iterator<Item = &Series> + Clone {
        self.range.iter().chain(&self.instant)
    }
}

/// One answer of a cell's query, as its route gives it.
#[derive(Debug, Clone, PartialEq)]
pub enum Decoded {
    /// Prometheus' own JSON (the proxy, or a server called directly).
    Prometheus(QueryResponse),
    /// Grafana's data frames (`/api/ds/query`).
    Frames(Frames),
}

impl Decoded {
    /// What the server said beside the data, for the cell, each line naming datasource
    /// `name`: a partial answer, Prometheus' warnings and infos (or, through
    /// `/api/ds/query`, the frames' notices that carry them).
    fn notes(&self, name: &str) -> Vec<String> {
        let said: Vec<&str> = match self {
            Decoded::Prometheus(answer) => answer
                .is_partial
                .then_some(PARTIAL_NOTE)
                .into_iter()
                .chain(answer.warnings.iter().chain(&answer.infos).map(String::as_str))
                .collect(),
            Decoded::Frames(frames) => frames.notices.iter().map(String::as_str).collect(),
        };
        said.into_iter().map(|note| format!("{name}: {note}")).collect()
    }
}

/// One exchange of a cell's query, with its answer decoded by route.
pub enum QueryExchange {
    /// Through the proxy.
    Prometheus(Exchange<QueryResponse>),
    /// Through `/api/ds/query`.
    Frames(Exchange<Frames>),
}

impl std::fmt::Debug for QueryExchange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("QueryExchange").field(self.request()).finish()
    }
}

impl Machine for QueryExchange {
    type Output = Result<Decoded, ApiError>;

    fn request(&self) -> &ApiRequest {
        match self {
            QueryExchange::Prometheus(e) => e.request(),
            QueryExchange::Frames(e) => e.request(),
        }
    }

    fn what(&self) -> &str {
        match self {
            QueryExchange::Prometheus(e) => e.what(),
            QueryExchange::Frames(e) => e.what(),
        }
    }

    fn answer(&mut self, sent: Sent) -> Next<Self::Output> {
        match self {
            QueryExchange::Prometheus(e) => match e.answer(sent) {
                Next::Send { after_ms } => Next::Send { after_ms },
                Next::Done(done) => Next::Done(done.map(Decoded::Prometheus)),
            },
            QueryExchange::Frames(e) => match e.answer(sent) {
                Next::Send { after_ms } => Next::Send { after_ms },
                Next::Done(done) => Next::Done(done.map(Decoded::Frames)),
            },
        }
    }
}

/// A cell's queries on one datasource: for each query, its requests (one range query per
/// daylight-saving segment or one grid, and the instant query for today's partial bar),
/// all sent at the same time, and how their answers become the datasource's [`Arrival`].
#[derive(Debug, Clone)]
pub struct DatasourceQuery {
    ds: Datasource,
    route: Route,
    /// Per query of the cell: its range requests and its instant request.
    queries: Vec<(Vec<ApiRequest>, Option<ApiRequest>)>,
}

impl DatasourceQuery {
    /// `queries` (variables substituted) on `ds` by `route`, as `plan` says.
    pub fn new(ds: &Datasource, route: Route, queries: &[String], plan: &CellPlan) -> Self {
        let queries = queries
            .iter()
            .map(|query| match route {
                Route::Proxy => (plan.range_requests(&ds.uid, query), plan.instant_request(&ds.uid, query)),
                Route::DsQuery => plan.ds_query_requests(&ds.uid, &ds.kind, query),
            })
            .collect();
        Self { ds: ds.clone(), route, queries }
    }

    /// One exchange per request: for each query in turn, its range queries and then its
    /// instant query. The shell runs them at the same time and gives their outputs to
    /// [`Self::finish`] in this order.
    pub fn exchanges(&self) -> Vec<QueryExchange> {
        let requests =
            self.queries.iter().flat_map(|(ranges, instant)| ranges.iter().chain(instant)).cloned();
        requests
            .map(|request| match self.route {
                Route::Proxy => QueryExchange::Prometheus(Exchange::prometheus(request, &self.ds)),
                Route::DsQuery => QueryExchange::Frames(Exchange::frames(request, &self.ds)),
            })
            .collect()
    }

    /// The datasource's contribution from the outputs of [`Self::exchanges`], in order.
    pub fn finish(&self, answers: Vec<Result<Decoded, ApiError>>) -> Result<Arrival, ApiError> {
        let name = self.ds.name.as_str();
        let mut arrival = Arrival::default();
        if self.route == Route::DsQuery {
            arrival.notes.push(format!(
                "{name}: queried through Grafana's /api/ds/query (data frames), not the datasource proxy."
            ));
        }
        let several = self.queries.len() > 1;
        let mut answers = answers.into_iter();
        for (index, (ranges, instant)) in self.queries.iter().enumerate() {
            let mine: Vec<_> = answers.by_ref().take(ranges.len() + usize::from(instant.is_some())).collect();
            let mut one = self.finish_query(mine, instant.is_some())?;
            for series in one.range.iter_mut().chain(&mut one.instant) {
                series.query = index;
            }
            let letter = crate::notebook::query_letter(index);
            arrival.notes.extend(one.notes.into_iter().map(|note| match several {
                true => format!("query {letter}: {note}"),
                false => note,
            }));
            arrival.range.append(&mut one.range);
            arrival.instant.append(&mut one.instant);
        }
        Ok(arrival)
    }

    /// One query's answers: its range queries' and, last, its instant query's.
    fn finish_query(
        &self,
        mut answers: Vec<Result<Decoded, ApiError>>,
        has_instant: bool,
    ) -> Result<Arrival, ApiError> {
        let name = self.ds.name.as_str();
        let instant = if has_instant { answers.pop() } else { None };
        let instant = instant.transpose()?;
        let mut arrival = Arrival::default();
        let mut matrix = Vec::new();
        for answer in answers {
            let answer = answer?;
            arrival.notes.extend(answer.notes(name));
            match answer {
                Decoded::Frames(frames) => matrix.extend(frames.series),
                Decoded::Prometheus(answer) => match answer.data {
                    QueryData::Matrix(series) => matrix.extend(series),
                    _ => return Err(unexpected(name, "a range query answered without a matrix")),
                },
            }
        }
        if let Some(answer) = &instant {
            arrival.notes.extend(answer.notes(name));
        }
        let (vector, instant_frames) = match instant {
            None => (Vec::new(), Vec::new()),
            // An instant query's frame holds one sample per series: the partial day's value.
            Some(Decoded::Frames(frames)) => (Vec::new(), frames.series),
            Some(Decoded::Prometheus(answer)) => {
                let QueryData::Vector(vector) = answer.data else {
                    return Err(unexpected(name, "an instant query answered without a vector"));
                };
                (vector, Vec::new())
            }
        };
        if self.route == Route::Proxy {
            arrival.notes.extend(table::answer_notes(name, &matrix, &vector));
        }
        arrival.range = table::from_matrix(&self.ds.uid, name, matrix);
        arrival.instant = table::from_vector(&self.ds.uid, name, vector);
        arrival.instant.extend(table::from_matrix(&self.ds.uid, name, instant_frames));
        Ok(arrival)
    }
}

fn unexpected(what: &str, detail: &str) -> ApiError {
    ApiError::Unreadable { what: what.to_owned(), detail: detail.to_owned() }
}

/// What a datasource's query and its health check, run at the same time, come to.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The answers.
    Arrived(Arrival),
    /// The proxy refused, but `/api/ds/query` answers: query again that way.
    QueryViaDsQuery,
    /// It failed; the error to show.
    Failed(ApiError),
}

impl From<Result<Arrival, ApiError>> for Outcome {
    /// A query's own result, with no health check to weigh it against.
    fn from(result: Result<Arrival, ApiError>) -> Self {
        match result {
            Ok(arrival) => Outcome::Arrived(arrival),
            Err(e) => Outcome::Failed(e),
        }
    }
}

/// A Prometheus datasource is queried through the proxy at once, beside its health
/// check, rather than one round trip after it; this decides what the two results mean.
pub fn settle(health: Result<Route, ApiError>, proxied: Result<Arrival, ApiError>) -> Outcome {
    match (health, proxied) {
        (_, Ok(arrival)) => Outcome::Arrived(arrival),
        (Ok(Route::DsQuery), Err(e)) if e.refuses_proxy() => Outcome::QueryViaDsQuery,
        // The health check's message says it best (it names the route).
        (Err(unhealthy), Err(_)) => Outcome::Failed(unhealthy),
        (_, Err(e)) => Outcome::Failed(e),
    }
}

/// A cell ready to run: its plan, its query with variables substituted, and the
/// datasources it asks.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedCell {
    /// When it is evaluated.
    pub plan: CellPlan,
    /// The PromQL as sent, one per query of the cell.
    pub queries: Vec<String>,
    /// The datasources it queries, in the connection's order.
    pub datasources: Vec<Datasource>,
}

/// Plans `cell` over the report's range at `now_ms` in `zone`, substitutes the chosen
/// variable values ([`bindings`]) and Grafana's macros (`$__interval`, … for its step and
/// range), and picks its datasources (`datasources=` names or uids, else all).
/// A problem with the cell itself comes back as a message for it.
pub fn prepare_cell(
    cell: &Cell,
    report_range: (&str, &str),
    bindings: &Bindings,
    now_ms: i64,
    zone: &TimeZone,
    datasources: &[Datasource],
) -> Result<PreparedCell, String> {
    // The cell's own range, else the report's.
    let from = cell.options.from.as_deref().unwrap_or(report_range.0);
    let to = cell.options.to.as_deref().unwrap_or(report_range.1);
    let now = jiff::Timestamp::from_millisecond(now_ms).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let range = TimeRange::parse(from, to, now, zone).map_err(|e| format!("Time range: {e}"))?;
    let plan = CellPlan::new(&cell.options, &range, zone, AUTO_STEP_WIDTH_PX)?;
    let chosen: Vec<Datasource> = match &cell.options.datasources {
        None => datasources.to_vec(),
        Some(names) => {
            let chosen: Vec<Datasource> = datasources
                .iter()
                .filter(|ds| names.iter().any(|n| *n == ds.name || *n == ds.uid))
                .cloned()
                .collect();
            if chosen.is_empty() && !datasources.is_empty() {
                let known: Vec<&str> = datasources.iter().map(|ds| ds.name.as_str()).collect();
                return Err(format!(
                    "This cell asks for datasources {}, which Grafana does not list. Its Prometheus datasources are: {}. Fix `datasources=` in the cell's options.",
                    names.join(", "),
                    known.join(", ")
                ));
            }
            chosen
        }
    };
    let (step_ms, range_ms) = plan.step_and_range_ms(&range);
    let mut bindings = bindings.clone();
    bindings.extend(vars::macros(step_ms, range_ms));
    let queries = cell.queries().map(|(query, _)| vars::substitute(query, &bindings)).collect();
    Ok(PreparedCell { plan, queries, datasources: chosen })
}

/// The selection a variable starts with: the one given (a share link, `--var`), else
/// its default, else "All" where offered, else its text (a text box, a constant) or the
/// first of its fixed values, else nothing yet (its first value, once its values are
/// known: [`decided`]).
pub fn initial_selection(variable: &Variable, given: Option<&Selection>) -> Selection {
    if let Some(chosen) = given.cloned().or_else(|| variable.default.clone()) {
        return chosen;
    }
    if variable.include_all {
        return Selection::All;
    }
    match &variable.source {
        Source::Text(text) | Source::Constant(text) => Selection::Values(vec![text.clone()]),
        Source::Values(values) => Selection::Values(values.iter().take(1).cloned().collect()),
        Source::Query(_) => Selection::Values(Vec::new()),
    }
}

/// The variables whose values must be known before the cells that use them can run:
/// those with nothing chosen yet (their first value will be), and those set to an "All"
/// that stands for every listed value (`all: listed`).
pub fn undetermined<'a>(variables: &'a [Variable], selections: &BTreeMap<String, Selection>) -> Vec<&'a str> {
    variables
        .iter()
        .filter(|v| {
            let selection = selections.get(&v.name);
            let empty = match selection {
                None => true,
                Some(Selection::Values(list)) => list.is_empty(),
                Some(Selection::All) => false,
            };
            let listed_all = v.all_value == AllValue::Listed && selection == Some(&Selection::All);
            matches!(v.source, Source::Query(_)) && ((!v.include_all && empty) || listed_all)
        })
        .map(|v| v.name.as_str())
        .collect()
}

/// A variable's selection once its values are known: the first value where nothing is
/// chosen yet, else `None` (the choice stands).
pub fn decided(selection: Option<&Selection>, values: &[String]) -> Option<Selection> {
    let empty = match selection {
        None => true,
        Some(Selection::Values(list)) => list.is_empty(),
        Some(Selection::All) => false,
    };
    empty.then(|| values.first().map(|first| Selection::Values(vec![first.clone()]))).flatten()
}

/// A chained variable's selection after its values were read again (a variable it
/// depends on changed): kept while any chosen value is still listed, else "All" where
/// offered, else the first value; `None` when it stands.
pub fn revalidated(
    variable: &Variable,
    selection: Option<&Selection>,
    values: &[String],
) -> Option<Selection> {
    match selection {
        Some(Selection::Values(chosen)) if !chosen.is_empty() && !values.is_empty() => {
            if chosen.iter().any(|c| values.contains(c)) {
                None
            } else if variable.include_all {
                Some(Selection::All)
            } else {
                decided(None, values)
            }
        }
        _ if variable.include_all => None,
        other => decided(other, values),
    }
}

/// The variables whose values depend on `name`, directly or through another, in the
/// report's order (their queries use it: chained variables).
pub fn dependents(variables: &[Variable], name: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for v in variables {
        let Source::Query(query) = &v.source else { continue };
        if v.name != name && (query.uses(name) || found.iter().any(|f| query.uses(f))) {
            found.push(v.name.clone());
        }
    }
    found
}

/// How the report's variables are written into queries: each one's selection, and, for
/// an "All" that stands for every listed value, those values (`values`: what each
/// variable's list holds now). See [`vars::substitute`].
pub fn bindings(
    variables: &[Variable],
    selections: &BTreeMap<String, Selection>,
    values: &BTreeMap<String, Vec<String>>,
) -> Bindings {
    variables
        .iter()
        .map(|v| {
            let selection = selections.get(&v.name).cloned().unwrap_or_else(|| initial_selection(v, None));
            let listed = values.get(&v.name).cloned().or_else(|| v.source.fixed_values()).unwrap_or_default();
            let binding = Binding::Variable {
                selection,
                regex: v.multi || v.include_all,
                all: v.all_value.clone(),
                listed,
            };
            (v.name.clone(), binding)
        })
        .collect()
}

/// Selections alone as bindings: every variable written as a regex, "All" as `.*` (for
/// callers that hold no variable definitions).
pub fn regex_bindings(selections: &BTreeMap<String, Selection>) -> Bindings {
    selections.iter().map(|(name, selection)| (name.clone(), Binding::regex(selection.clone()))).collect()
}

/// A variable's list from what its query found (over every datasource): filtered and
/// extracted by its regex, if it has one ([`vars::filter_values`]).
pub fn listed_values(
    variable: &Variable,
    found: Vec<String>,
    engine: &dyn vars::RegexEngine,
) -> Result<Vec<String>, String> {
    match &variable.regex {
        Some(regex) => vars::filter_values(&found, regex, engine),
        None => Ok(found),
    }
}

/// A variable's values from one datasource, as its query says (chained variables' own
/// `$names` substituted from `bindings`), filtered by its regex by the caller
/// ([`vars::filter_values`]).
pub enum VariableValues {
    /// A list of names (`label_values`, `metrics`, `label_names`).
    Names(Exchange<Vec<String>>),
    /// An instant query's series, written as Grafana writes them (`query_result`).
    Instant(Exchange<QueryResponse>),
}

impl std::fmt::Debug for VariableValues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("VariableValues").field(self.request()).finish()
    }
}

impl VariableValues {
    /// The exchange for `query` on `ds` at `now_ms`.
    pub fn new(query: &VarQuery, ds: &Datasource, bindings: &Bindings, now_ms: i64) -> Self {
        let uid = ds.uid.as_str();
        match query {
            VarQuery::LabelValues(lv) => {
                let selector = lv.selector.as_deref().map(|s| vars::substitute(s, bindings));
                let selector = selector.filter(|s| !s.trim().is_empty() && s.trim() != "{}");
                VariableValues::Names(Exchange::names(
                    report::label_values_request(uid, &lv.label, selector.as_deref()),
                    ds,
                ))
            }
            VarQuery::Metrics(re) => {
                let re = vars::substitute(re, bindings);
                let selector = format!("{{__name__=~\"{}\"}}", re.replace('\\', "\\\\").replace('"', "\\\""));
                VariableValues::Names(Exchange::names(
                    report::label_values_request(uid, "__name__", Some(&selector)),
                    ds,
                ))
            }
            VarQuery::LabelNames => VariableValues::Names(Exchange::names(report::labels_request(uid), ds)),
            VarQuery::QueryResult(expr) => {
                let expr = vars::substitute(expr, bindings);
                let time = format!("{:.3}", now_ms as f64 / 1000.0);
                let body = crate::grafana::form(&[("query", &expr), ("time", &time)]);
                VariableValues::Instant(Exchange::prometheus(
                    ApiRequest::prometheus(uid, "api/v1/query", crate::grafana::Body::Form(body)),
                    ds,
                ))
            }
        }
    }
}

impl Machine for VariableValues {
    type Output = Result<Vec<String>, ApiError>;

    fn request(&self) -> &ApiRequest {
        match self {
            VariableValues::Names(e) => e.request(),
            VariableValues::Instant(e) => e.request(),
        }
    }

    fn what(&self) -> &str {
        match self {
            VariableValues::Names(e) => e.what(),
            VariableValues::Instant(e) => e.what(),
        }
    }

    fn answer(&mut self, sent: Sent) -> Next<Self::Output> {
        match self {
            VariableValues::Names(e) => e.answer(sent),
            VariableValues::Instant(e) => match e.answer(sent) {
                Next::Send { after_ms } => Next::Send { after_ms },
                Next::Done(done) => Next::Done(done.map(|answer| query_result_lines(&answer))),
            },
        }
    }
}

/// An instant query's answer as Grafana's `query_result` lists it: for each series
/// `name{label="value",…} value time_ms`; a scalar or string as its value.
pub fn query_result_lines(answer: &QueryResponse) -> Vec<String> {
    match &answer.data {
        QueryData::Vector(series) => series
            .iter()
            .filter_map(|s| {
                let sample = s.value.as_ref()?;
                let name = s.metric.get("__name__").map_or("", String::as_str);
                let labels: Vec<String> = s
                    .metric
                    .iter()
                    .filter(|(k, _)| *k != "__name__")
                    .map(|(k, v)| format!("{k}=\"{v}\""))
                    .collect();
                Some(format!(
                    "{name}{{{}}} {} {}",
                    labels.join(","),
                    crate::csv::number(sample.value),
                    sample.t_ms
                ))
            })
            .collect(),
        QueryData::Scalar(sample) => vec![crate::csv::number(sample.value)],
        QueryData::String(crate::prom::IgnoredString(_, text)) => vec![text.clone()],
        QueryData::Matrix(_) => Vec::new(),
    }
}

/// The union of names that several datasources answered (a variable's values, completion
/// names), sorted and unique. Datasources that failed are left out; the last error is
/// returned only when nothing was found.
pub fn union_names<E>(answers: impl IntoIterator<Item = Result<Vec<String>, E>>) -> Result<Vec<String>, E> {
    let mut names = Vec::new();
    let mut last_error = None;
    for answer in answers {
        match answer {
            Ok(list) => names.extend(list),
            Err(e) => last_error = Some(e),
        }
    }
    if let (true, Some(e)) = (names.is_empty(), last_error) {
        return Err(e);
    }
    names.sort();
    names.dedup();
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grafana::Body;

    fn ds(uid: &str, kind: &str) -> Datasource {
        Datasource { uid: uid.into(), name: format!("name-{uid}"), kind: kind.into(), is_default: false }
    }

    fn reply(status: u16, body: &str) -> Sent {
        Ok(Reply { status, content_type: Some("application/json".into()), body: body.into() })
    }

    const OK_VECTOR: &str = r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#;

    /// Drives a machine over canned answers; returns its output and the pauses it asked for.
    fn drive<M: Machine>(machine: &mut M, answers: Vec<Sent>) -> (M::Output, Vec<(String, u32)>) {
        let mut sent = Vec::new();
        let mut pause = 0;
        for answer in answers {
            sent.push((machine.request().replay_key(), pause));
            match machine.answer(answer) {
                Next::Send { after_ms } => pause = after_ms,
                Next::Done(output) => return (output, sent),
            }
        }
        panic!("the machine wanted more answers than given: {sent:?}");
    }

    #[test]
    fn bad_gateways_are_retried_twice_with_backoff_then_reported() {
        let d = ds("a", "prometheus");
        let mut ex = Exchange::prometheus(report::health_request("a"), &d);
        let (out, sent) = drive(&mut ex, vec![reply(502, ""), reply(503, ""), reply(200, OK_VECTOR)]);
        assert!(out.is_ok());
        assert_eq!(sent.iter().map(|(_, p)| *p).collect::<Vec<_>>(), [0, 500, 1500]);
        let mut ex = Exchange::prometheus(report::health_request("a"), &d);
        let (out, _) = drive(&mut ex, vec![reply(502, ""), reply(502, ""), reply(504, "")]);
        assert!(matches!(out, Err(ApiError::GatewayTimeout { .. })), "{out:?}");
        // Dead servers and timeouts are not retried: the user would wait for the same answer.
        let mut ex = Exchange::prometheus(report::health_request("a"), &d);
        let dead = Err(ApiError::Unreachable { origin: "http://x".into() });
        assert!(matches!(drive(&mut ex, vec![dead]).0, Err(ApiError::Unreachable { .. })));
    }

    #[test]
    fn a_refused_post_is_sent_again_as_a_get_once() {
        let d = ds("a", "prometheus");
        let refusal = r#"{"message":"non allow-listed POSTs not allowed on proxied Prometheus datasource"}"#;
        let mut ex = Exchange::prometheus(report::health_request("a"), &d);
        let (out, sent) = drive(&mut ex, vec![reply(403, refusal), reply(200, OK_VECTOR)]);
        assert!(out.is_ok());
        assert_eq!(sent[1].0, "GET api/datasources/proxy/uid/a/api/v1/query?query=1%2B1");
        let mut ex = Exchange::prometheus(report::health_request("a"), &d);
        let (out, _) = drive(&mut ex, vec![reply(403, refusal), reply(403, refusal)]);
        assert!(matches!(out, Err(ApiError::Forbidden { .. })));
    }

    #[test]
    fn the_health_check_picks_the_route() {
        let d = ds("a", "prometheus");
        let (out, _) = drive(&mut Health::new(&d, 0), vec![reply(200, OK_VECTOR)]);
        assert_eq!(out, Ok(Route::Proxy));
        let frames = r#"{"results":{"A":{"status":200,"frames":[]}}}"#;
        let denied = r#"{"message":"Access denied to datasource proxy"}"#;
        let (out, sent) = drive(&mut Health::new(&d, 0), vec![reply(403, denied), reply(200, frames)]);
        assert_eq!(out, Ok(Route::DsQuery));
        assert!(sent[1].0.starts_with("POST api/ds/query\n"), "{sent:?}");
        // Both refuse: the proxy's refusal is what the user reads.
        let (out, _) = drive(&mut Health::new(&d, 0), vec![reply(403, denied), reply(400, "{}")]);
        assert!(out.unwrap_err().to_string().contains("Access denied to datasource proxy"));
        // An old uid the proxy no longer takes: /api/ds/query does.
        let (out, sent) = drive(
            &mut Health::new(&d, 0),
            vec![reply(400, r#"{"message":"UID is invalid"}"#), reply(200, frames)],
        );
        assert_eq!(out, Ok(Route::DsQuery));
        assert!(sent[1].0.starts_with("POST api/ds/query\n"), "{sent:?}");
        let amp = ds("amp", "grafana-amazonprometheus-datasource");
        let (out, sent) = drive(&mut Health::new(&amp, 0), vec![reply(200, frames)]);
        assert_eq!((out, sent.len()), (Ok(Route::DsQuery), 1));
        // A server called directly has no /api/ds/query to fall back on.
        let direct = Datasource { uid: "direct:0".into(), ..ds("x", "prometheus") };
        let (out, _) = drive(&mut Health::new(&direct, 0), vec![reply(403, "{}")]);
        assert!(matches!(out, Err(ApiError::DirectRefused { .. })), "{out:?}");
    }

    #[test]
    fn listing_falls_back_to_frontend_settings_on_403() {
        let settings = r#"{"datasources":{"P":{"uid":"p","type":"prometheus","name":"P"},"-- Grafana --":{"type":"grafana"}}}"#;
        let (out, sent) = drive(
            &mut Listing::new(),
            vec![reply(403, r#"{"message":"Permission denied"}"#), reply(200, settings)],
        );
        assert_eq!(out.unwrap().len(), 1);
        assert_eq!(sent[1].0, "GET api/frontend/settings");
        let split = Datasources::new(Some(vec![ds("p", "prometheus"), ds("l", "loki")]), Vec::new());
        assert_eq!((split.prometheus.len(), split.others.len(), split.problem), (1, 1, None));
        assert!(Datasources::new(Some(vec![ds("l", "loki")]), Vec::new()).problem.is_some());
        assert_eq!(Datasources::new(None, Vec::new()).problem, None);
    }

    #[test]
    fn a_daily_query_is_range_plus_instant_and_finishes_into_an_arrival() {
        let now_ms = 1_795_399_726_500;
        let plan =
            CellPlan { grid: report::Grid::Days(crate::days::DayPlan::last_month(now_ms)), note: None };
        let d = ds("a", "prometheus");
        let q = DatasourceQuery::new(&d, Route::Proxy, &["up".to_owned()], &plan);
        let exchanges = q.exchanges();
        assert_eq!(exchanges.len(), 2);
        assert!(exchanges[0].request().path.ends_with("query_range"));
        let matrix = r#"{"status":"success","warnings":["partial"],"data":{"resultType":"matrix","result":[{"metric":{"job":"x"},"values":[[1792800000,"1"],[1792886400,"NaN"]]}]}}"#;
        let vector = r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"job":"x"},"value":[1795399726.5,"3"]}]}}"#;
        let decode = |body: &str| Ok(Decoded::Prometheus(crate::prom::decode(body).unwrap()));
        let arrival = q.finish(vec![decode(matrix), decode(vector)]).unwrap();
        assert_eq!((arrival.range.len(), arrival.instant.len()), (1, 1));
        assert_eq!(arrival.notes[0], "name-a: partial");
        assert!(arrival.notes[1].contains("NaN or ±Inf"), "{:?}", arrival.notes);
        let failed = q.finish(vec![decode(matrix), Err(ApiError::BadGateway { what: "x".into() })]);
        assert!(matches!(failed, Err(ApiError::BadGateway { .. })));
        let swapped = q.finish(vec![decode(vector), decode(vector)]);
        assert!(matches!(swapped, Err(ApiError::Unreadable { .. })));
        let via = DatasourceQuery::new(&d, Route::DsQuery, &["up".to_owned()], &plan);
        let Body::Json(_) = &via.exchanges()[0].request().body else { panic!("JSON expected") };
        let arrival = via
            .finish(vec![Ok(Decoded::Frames(Frames::default())), Ok(Decoded::Frames(Frames::default()))])
            .unwrap();
        assert!(arrival.notes[0].contains("/api/ds/query"));
    }

    /// A plan of one evaluation, at the epoch, in UTC.
    fn one_minute() -> CellPlan {
        CellPlan {
            grid: report::Grid::Times {
                start_ms: 0,
                end_ms: 60_000,
                step_ms: 60_000,
                zone: jiff::tz::TimeZone::UTC,
            },
            note: None,
        }
    }

    #[test]
    fn partial_answers_and_their_warnings_and_infos_are_said_on_the_cell() {
        let plan = one_minute();
        let d = ds("a", "prometheus");
        let q = DatasourceQuery::new(&d, Route::Proxy, &["up".to_owned()], &plan);
        let decode = |body: &str| Ok(Decoded::Prometheus(crate::prom::decode(body).unwrap()));
        // VictoriaMetrics cluster, with a vmstorage node down (-search.denyPartialResponse off).
        let vm = r#"{"status":"success","isPartial":true,"data":{"resultType":"matrix","result":[{"metric":{"job":"x"},"values":[[0,"1"]]}]}}"#;
        let arrival = q.finish(vec![decode(vm)]).unwrap();
        assert_eq!(arrival.range.len(), 1, "a partial answer is still drawn");
        assert_eq!(arrival.notes, [format!("name-a: {PARTIAL_NOTE}")]);
        // Thanos' and Mimir's partial responses come as warnings; Prometheus 2.45+ adds infos.
        let thanos = r#"{"status":"success","data":{"resultType":"matrix","result":[]},"warnings":["No StoreAPIs matched for this query"],"infos":["PromQL info: metric might not be a counter"]}"#;
        let arrival = q.finish(vec![decode(thanos)]).unwrap();
        assert_eq!(
            arrival.notes,
            [
                "name-a: No StoreAPIs matched for this query",
                "name-a: PromQL info: metric might not be a counter"
            ]
        );
        let whole = r#"{"status":"success","isPartial":false,"data":{"resultType":"matrix","result":[]}}"#;
        assert!(q.finish(vec![decode(whole)]).unwrap().notes.is_empty());
    }

    #[test]
    fn a_cell_of_several_queries_asks_each_and_tags_their_series() {
        let plan = one_minute();
        let d = ds("a", "prometheus");
        let q = DatasourceQuery::new(&d, Route::Proxy, &["up".to_owned(), "down".to_owned()], &plan);
        let exchanges = q.exchanges();
        assert_eq!(exchanges.len(), 2);
        let Body::Form(second) = &exchanges[1].request().body else { panic!("a form") };
        assert!(second.contains("query=down"), "{second}");
        let matrix = |warning: &str| {
            let body = format!(
                r#"{{"status":"success","warnings":["{warning}"],"data":{{"resultType":"matrix","result":[{{"metric":{{"job":"x"}},"values":[[0,"1"]]}}]}}}}"#
            );
            Ok(Decoded::Prometheus(crate::prom::decode(&body).unwrap()))
        };
        let arrival = q.finish(vec![matrix("one"), matrix("two")]).unwrap();
        let queries: Vec<usize> = arrival.range.iter().map(|s| s.query).collect();
        assert_eq!(queries, [0, 1]);
        assert_eq!(arrival.notes, ["query A: name-a: one", "query B: name-a: two"]);
        // One query failing fails the datasource's answer, as a single query would.
        let failed = q.finish(vec![matrix("one"), Err(ApiError::BadGateway { what: "x".into() })]);
        assert!(matches!(failed, Err(ApiError::BadGateway { .. })));
    }

    #[test]
    fn settling_a_query_beside_its_health_check() {
        let forbidden = || ApiError::Forbidden { what: "x".into(), message: "no".into() };
        let unhealthy = ApiError::BadGateway { what: "health".into() };
        assert_eq!(
            settle(Err(unhealthy.clone()), Ok(Arrival::default())),
            Outcome::Arrived(Arrival::default())
        );
        assert_eq!(settle(Ok(Route::DsQuery), Err(forbidden())), Outcome::QueryViaDsQuery);
        assert_eq!(settle(Err(unhealthy.clone()), Err(forbidden())), Outcome::Failed(unhealthy));
        assert_eq!(settle(Ok(Route::Proxy), Err(forbidden())), Outcome::Failed(forbidden()));
    }

    #[test]
    fn preparing_a_cell() {
        let cell = crate::notebook::parse(
            "---\nformat: 1\n---\n\n```promql datasources=b step=1h\nup{x=~\"$v\"}\n```\n",
        )
        .unwrap()
        .cells()
        .next()
        .unwrap()
        .clone();
        let all = [ds("a", "prometheus"), ds("b", "prometheus")];
        let selections =
            regex_bindings(&[("v".to_owned(), Selection::Values(vec!["a.b".into()]))].into_iter().collect());
        let now = 1_795_399_726_500;
        let prepared =
            prepare_cell(&cell, ("now-6h", "now"), &selections, now, &TimeZone::UTC, &all).unwrap();
        assert_eq!(prepared.queries, [r#"up{x=~"a\\.b"}"#]);
        assert_eq!(prepared.datasources, [all[1].clone()]);
        let err =
            prepare_cell(&cell, ("now-6h", "now"), &selections, now, &TimeZone::UTC, &all[..1]).unwrap_err();
        assert!(err.contains("asks for datasources b"), "{err}");
        let err =
            prepare_cell(&cell, ("tomorrow-ish", "now"), &selections, now, &TimeZone::UTC, &all).unwrap_err();
        assert!(err.starts_with("Time range: "), "{err}");
    }

    #[test]
    fn chained_variables_and_what_all_stands_for() {
        let nb = crate::notebook::parse(
            "---\nformat: 1\nvariables:\n  - name: job\n    query: label_values(up, job)\n    all: listed\n  - name: node\n    query: label_values(up{job=~\"$job\"}, instance)\n  - name: cpu\n    query: label_values(cpu{instance=\"$node\"}, cpu)\n    multi: true\n    all: true\n  - name: step\n    values: [1m, 5m]\n  - name: text\n    text: hello\n---\n",
        )
        .unwrap();
        let v = &nb.front.variables;
        assert_eq!(dependents(v, "job"), ["node", "cpu"]);
        assert_eq!(dependents(v, "cpu"), Vec::<String>::new());
        let selections: BTreeMap<String, Selection> =
            v.iter().map(|v| (v.name.clone(), initial_selection(v, None))).collect();
        assert_eq!(selections["step"], Selection::Values(vec!["1m".into()]));
        assert_eq!(selections["text"], Selection::Values(vec!["hello".into()]));
        // "All" of every listed job needs the list; the node has nothing chosen yet.
        assert_eq!(undetermined(v, &selections), ["job", "node"]);
        let values = [("job".to_owned(), vec!["a.b".to_owned(), "c".to_owned()])].into_iter().collect();
        let bindings = bindings(v, &selections, &values);
        let q = r#"up{job=~"$job", step="$step", t="$text", c=~"$cpu"}"#;
        assert_eq!(vars::substitute(q, &bindings), r#"up{job=~"(a\\.b|c)", step="1m", t="hello", c=~".*"}"#);
        let node = &v[1];
        let listed = ["x".to_owned(), "y".to_owned()];
        let chosen = |s: &str| Selection::Values(vec![s.to_owned()]);
        assert_eq!(revalidated(node, Some(&chosen("y")), &listed), None);
        assert_eq!(revalidated(node, Some(&chosen("gone")), &listed), Some(chosen("x")));
        assert_eq!(revalidated(&v[2], Some(&chosen("gone")), &listed), Some(Selection::All));
        assert_eq!(revalidated(&v[2], Some(&Selection::All), &listed), None);
    }

    #[test]
    fn variables_start_from_what_was_given_then_their_default_then_all() {
        let nb = crate::notebook::parse(
            "---\nformat: 1\nvariables:\n  - name: a\n    query: label_values(x)\n    all: true\n  - name: b\n    query: label_values(y)\n---\n",
        )
        .unwrap();
        let (a, b) = (&nb.front.variables[0], &nb.front.variables[1]);
        assert_eq!(initial_selection(a, None), Selection::All);
        assert_eq!(initial_selection(b, None), Selection::Values(Vec::new()));
        let given = Selection::Values(vec!["z".into()]);
        assert_eq!(initial_selection(b, Some(&given)), given);
        let selections =
            nb.front.variables.iter().map(|v| (v.name.clone(), initial_selection(v, None))).collect();
        assert_eq!(undetermined(&nb.front.variables, &selections), ["b"]);
        assert_eq!(decided(None, &["q".into(), "r".into()]), Some(Selection::Values(vec!["q".into()])));
        assert_eq!(decided(Some(&Selection::All), &["q".into()]), None);
        assert_eq!(
            union_names::<String>(vec![Ok(vec!["b".into(), "a".into()]), Ok(vec!["a".into()])]),
            Ok(vec!["a".into(), "b".into()])
        );
        assert_eq!(union_names(vec![Ok(vec!["a".into()]), Err("down")]), Ok(vec!["a".into()]));
        assert_eq!(union_names::<&str>(vec![Ok(vec![]), Err("down")]), Err("down"));
    }
}
