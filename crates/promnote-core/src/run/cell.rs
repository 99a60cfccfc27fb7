//! A cell's run, sans-IO: preparing it (range, plan, variables and macros substituted,
//! its datasources), its queries on one datasource and how their answers become that
//! datasource's [`Arrival`], and what a query and its datasource's health check mean
//! together.

use jiff::tz::TimeZone;

use crate::api::datasource::{Datasource, Route};
use crate::api::error::ApiError;
use crate::api::frames::Frames;
use crate::api::prom::{InstantSeries, QueryData, QueryResponse};
use crate::api::reply::Sent;
use crate::api::request::{ds_query_request, instant_at, ApiRequest, Window};
use crate::data::plan::CellPlan;
use crate::data::series::{self, Arrival};
use crate::report::format::{query_letter, Cell};
use crate::report::substitute::{self, Bindings, Query};
use crate::time::TimeRange;

use super::machine::{Exchange, Machine, Next};

/// How many datasources one cell queries at once (browsers allow about six connections
/// per host, and a daily cell keeps two requests in flight per datasource).
pub const PARALLEL_DATASOURCES: usize = 6;

/// The chart width, in pixels, that a cell's `auto` step is sized for.
pub const AUTO_STEP_WIDTH_PX: u32 = 900;

/// Said on a cell whose answer came marked `isPartial`.
pub const PARTIAL_NOTE: &str = "the answer is partial: the server could not read all of its data (a storage node or store did not answer), so values may be missing or too low. Run the cell again later.";

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
    pub fn new(ds: &Datasource, route: Route, queries: &[Query], plan: &CellPlan) -> Self {
        let queries = queries
            .iter()
            .map(|query| match route {
                _ if query.instant => (Vec::new(), Some(plan.end_request(ds, route, query))),
                Route::Proxy => (plan.range_requests(&ds.uid, query), plan.instant_request(&ds.uid, query)),
                Route::DsQuery => plan.ds_query_requests(&ds.uid, &ds.kind, query),
            })
            .collect();
        Self { ds: ds.clone(), route, queries }
    }

    /// `queries` on `ds` by `route` as instant queries at `at_ms` (a value in prose),
    /// `$__period` written as `period`.
    pub fn instant(ds: &Datasource, route: Route, queries: &[Query], at_ms: i64, period: &str) -> Self {
        let queries = queries
            .iter()
            .map(|query| {
                let text = query.with_period(period);
                let request = match route {
                    Route::Proxy => instant_at(&ds.uid, &text, at_ms),
                    Route::DsQuery => ds_query_request(&ds.uid, &ds.kind, &text, Window::instant(at_ms)),
                };
                (Vec::new(), Some(request))
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
            let letter = query_letter(index);
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
                let vector = match answer.data {
                    QueryData::Vector(vector) => vector,
                    // A scalar (`time()`, `scalar(…)`): one series without labels.
                    QueryData::Scalar(sample) => vec![InstantSeries {
                        metric: Default::default(),
                        value: Some(sample),
                        has_histograms: false,
                    }],
                    _ => return Err(unexpected(name, "an instant query answered without a vector")),
                };
                (vector, Vec::new())
            }
        };
        if self.route == Route::Proxy {
            arrival.notes.extend(series::answer_notes(name, &matrix, &vector));
        }
        arrival.range = series::from_matrix(&self.ds.uid, name, matrix);
        arrival.instant = series::from_vector(&self.ds.uid, name, vector);
        arrival.instant.extend(series::from_matrix(&self.ds.uid, name, instant_frames));
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

/// How a cell's query on one datasource starts: the one rule both shells follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// A Prometheus datasource answers through the proxy: query it at once, beside its
    /// health check, rather than one round trip after it, then [`after_health`] with both.
    BesideHealth,
    /// A type the proxy cannot serve: wait for the health check, which says the route,
    /// then [`after_health`] with it alone.
    AfterHealth,
}

impl Start {
    /// How queries on `ds` start.
    pub fn of(ds: &Datasource) -> Self {
        if ds.needs_ds_query() {
            Start::AfterHealth
        } else {
            Start::BesideHealth
        }
    }
}

/// What to do once the health check (and, where it ran, the proxied query) answered.
#[derive(Debug, Clone, PartialEq)]
pub enum Then {
    /// The datasource's part of the cell is over: this is its outcome, by this route.
    Done(Outcome, Route),
    /// Query (again) by this route; its result is the outcome ([`Outcome::from`]).
    Query(Route),
}

/// The route rule of a cell run: a proxied query's answer counts even when the health
/// check failed; a proxy that refused, where `/api/ds/query` answers, means querying again
/// that way; a proxy-less type goes by the route its health check found.
pub fn after_health(health: Result<Route, ApiError>, proxied: Option<Result<Arrival, ApiError>>) -> Then {
    match proxied {
        Some(proxied) => match settle(health, proxied) {
            Outcome::QueryViaDsQuery => Then::Query(Route::DsQuery),
            outcome => Then::Done(outcome, Route::Proxy),
        },
        None => match health {
            Ok(route) => Then::Query(route),
            Err(e) => Then::Done(Outcome::Failed(e), Route::DsQuery),
        },
    }
}

impl Outcome {
    /// What the outcome says of the datasource itself, for its badge: it answered
    /// (`Some(Ok)`), it failed ([`ApiError::is_datasource_failure`]: not a refused
    /// query), or nothing new (`None`: the query's own error, a cancel).
    pub fn datasource_state(&self) -> Option<Result<(), &ApiError>> {
        match self {
            Outcome::Arrived(_) => Some(Ok(())),
            Outcome::Failed(e) if e.is_datasource_failure() => Some(Err(e)),
            Outcome::Failed(_) | Outcome::QueryViaDsQuery => None,
        }
    }
}

/// Where a cell's run is: one state, with one way back to the start (the page's
/// `CellRun::reset`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Phase {
    /// Not run on this connection (or not connected).
    #[default]
    Idle,
    /// The cell itself cannot run (its range, step or datasources); why.
    Invalid(String),
    /// Requests are in flight (or wait for the variables it uses).
    Running,
    /// The reader cancelled it before every datasource answered.
    Cancelled,
    /// Every datasource answered or failed.
    Finished,
}

impl Phase {
    /// The cell's state as the page's `data-state` says it: `error`, `loading` (also
    /// while it waits for its variables), `idle` (nothing planned), `cancelled`, `drawn`
    /// (rows, shown as a chart or a table) or `empty`.
    pub fn state(&self, planned: bool, has_rows: bool, shown: bool) -> &'static str {
        match self {
            Phase::Invalid(_) => "error",
            Phase::Running => "loading",
            _ if !planned => "idle",
            Phase::Cancelled => "cancelled",
            Phase::Idle | Phase::Finished if has_rows && shown => "drawn",
            Phase::Idle | Phase::Finished => "empty",
        }
    }

    /// Why the cell cannot run, if that is where it is.
    pub fn invalid(&self) -> Option<&str> {
        match self {
            Phase::Invalid(why) => Some(why),
            _ => None,
        }
    }
}

/// A cell ready to run: its plan, its query with variables substituted, and the
/// datasources it asks.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedCell {
    /// When it is evaluated.
    pub plan: CellPlan,
    /// The PromQL with variables and macros written in, one per query of the cell;
    /// `$__period` is written per request by the plan.
    pub queries: Vec<Query>,
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
    let mut plan = CellPlan::new(&cell.options, &range, zone, AUTO_STEP_WIDTH_PX)?;
    plan.instant = cell.instants().iter().all(|i| *i);
    let chosen = chosen_datasources(
        cell.options.datasources.as_deref(),
        datasources,
        "This cell",
        "the cell's options",
    )?;
    let (step_ms, range_ms) = plan.step_and_range_ms(&range);
    let mut bindings = bindings.clone();
    bindings.extend(substitute::macros(step_ms, range_ms));
    let queries = cell
        .queries()
        .zip(cell.instants())
        .map(|((query, _), instant)| Query::new(query, &bindings).instant(instant))
        .collect();
    Ok(PreparedCell { plan, queries, datasources: chosen })
}

/// The datasources `names` (names or uids) pick, else all of them; `whose` asks for
/// them ("This cell"), and `where_` is where `datasources=` is fixed.
pub fn chosen_datasources(
    names: Option<&[String]>,
    datasources: &[Datasource],
    whose: &str,
    where_: &str,
) -> Result<Vec<Datasource>, String> {
    let Some(names) = names else { return Ok(datasources.to_vec()) };
    let chosen: Vec<Datasource> = datasources
        .iter()
        .filter(|ds| names.iter().any(|n| *n == ds.name || *n == ds.uid))
        .cloned()
        .collect();
    if chosen.is_empty() && !datasources.is_empty() {
        let known: Vec<&str> = datasources.iter().map(|ds| ds.name.as_str()).collect();
        return Err(format!(
            "{whose} asks for datasources {}, which Grafana does not list. Its Prometheus datasources are: {}. Fix `datasources=` in {where_}.",
            names.join(", "),
            known.join(", ")
        ));
    }
    Ok(chosen)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::request::Body;
    use crate::report::variables::Selection;
    use crate::run::machine::tests::ds;

    #[test]
    fn a_daily_query_is_range_plus_instant_and_finishes_into_an_arrival() {
        let now_ms = 1_795_399_726_500;
        let plan = CellPlan {
            grid: crate::data::plan::Grid::Periods(crate::time::periods::PeriodPlan::last_month(now_ms)),
            note: None,
            to_ms: now_ms,
            instant: false,
        };
        let d = ds("a", "prometheus");
        let q = DatasourceQuery::new(&d, Route::Proxy, &[Query::plain("up")], &plan);
        let exchanges = q.exchanges();
        assert_eq!(exchanges.len(), 2);
        assert!(exchanges[0].request().path.ends_with("query_range"));
        let matrix = r#"{"status":"success","warnings":["partial"],"data":{"resultType":"matrix","result":[{"metric":{"job":"x"},"values":[[1792800000,"1"],[1792886400,"NaN"]]}]}}"#;
        let vector = r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"job":"x"},"value":[1795399726.5,"3"]}]}}"#;
        let decode = |body: &str| Ok(Decoded::Prometheus(crate::api::prom::decode(body).unwrap()));
        let arrival = q.finish(vec![decode(matrix), decode(vector)]).unwrap();
        assert_eq!((arrival.range.len(), arrival.instant.len()), (1, 1));
        assert_eq!(arrival.notes[0], "name-a: partial");
        assert!(arrival.notes[1].contains("NaN or ±Inf"), "{:?}", arrival.notes);
        let failed = q.finish(vec![decode(matrix), Err(ApiError::BadGateway { what: "x".into() })]);
        assert!(matches!(failed, Err(ApiError::BadGateway { .. })));
        let swapped = q.finish(vec![decode(vector), decode(vector)]);
        assert!(matches!(swapped, Err(ApiError::Unreadable { .. })));
        let via = DatasourceQuery::new(&d, Route::DsQuery, &[Query::plain("up")], &plan);
        let Body::Json(_) = &via.exchanges()[0].request().body else { panic!("JSON expected") };
        let arrival = via
            .finish(vec![Ok(Decoded::Frames(Frames::default())), Ok(Decoded::Frames(Frames::default()))])
            .unwrap();
        assert!(arrival.notes[0].contains("/api/ds/query"));
    }

    /// A plan of one evaluation, at the epoch, in UTC.
    fn one_minute() -> CellPlan {
        CellPlan {
            grid: crate::data::plan::Grid::Times {
                start_ms: 0,
                end_ms: 60_000,
                step_ms: 60_000,
                zone: jiff::tz::TimeZone::UTC,
            },
            note: None,
            to_ms: 60_000,
            instant: false,
        }
    }

    #[test]
    fn partial_answers_and_their_warnings_and_infos_are_said_on_the_cell() {
        let plan = one_minute();
        let d = ds("a", "prometheus");
        let q = DatasourceQuery::new(&d, Route::Proxy, &[Query::plain("up")], &plan);
        let decode = |body: &str| Ok(Decoded::Prometheus(crate::api::prom::decode(body).unwrap()));
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
        let q = DatasourceQuery::new(&d, Route::Proxy, &[Query::plain("up"), Query::plain("down")], &plan);
        let exchanges = q.exchanges();
        assert_eq!(exchanges.len(), 2);
        let Body::Form(second) = &exchanges[1].request().body else { panic!("a form") };
        assert!(second.contains("query=down"), "{second}");
        let matrix = |warning: &str| {
            let body = format!(
                r#"{{"status":"success","warnings":["{warning}"],"data":{{"resultType":"matrix","result":[{{"metric":{{"job":"x"}},"values":[[0,"1"]]}}]}}}}"#
            );
            Ok(Decoded::Prometheus(crate::api::prom::decode(&body).unwrap()))
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
    fn an_instant_query_is_asked_once_at_the_range_s_end_and_is_one_row() {
        let cell = crate::report::format::parse(
            "---\nformat: 1\n---\n\n```promql step=1m chart=table instant=true\nup\n```\n```promql+ instant=true\ncpu\n```\n",
        )
        .unwrap()
        .cells()
        .next()
        .unwrap()
        .clone();
        assert_eq!(cell.instants(), [true, true]);
        assert_eq!(cell.evaluation(), "Evaluated once, at the end of the range (an instant query).");
        let d = ds("a", "prometheus");
        let now = 1_795_399_726_500;
        let prepared = prepare_cell(
            &cell,
            ("now-1h", "now"),
            &Bindings::new(),
            now,
            &TimeZone::UTC,
            std::slice::from_ref(&d),
        )
        .unwrap();
        let q = DatasourceQuery::new(&d, Route::Proxy, &prepared.queries, &prepared.plan);
        let requests: Vec<String> = q
            .exchanges()
            .iter()
            .map(|e| match &e.request().body {
                Body::Form(body) => format!("{} {body}", e.request().path),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(requests.len(), 2);
        assert!(requests[0].contains("api/v1/query query=up&time=1795399726.500"), "{requests:?}");
        let vector = |v: &str| {
            let body = format!(
                r#"{{"status":"success","data":{{"resultType":"vector","result":[{{"metric":{{"job":"x"}},"value":[1795399726.5,"{v}"]}}]}}}}"#
            );
            Ok(Decoded::Prometheus(crate::api::prom::decode(&body).unwrap()))
        };
        let arrival = q.finish(vec![vector("1"), vector("2")]).unwrap();
        let table = prepared.plan.table(&arrival.range, &arrival.instant, &cell);
        assert!(table.instant);
        assert_eq!(prepared.plan.evaluated_ms(), 1_795_399_726_500);
        assert_eq!(
            (table.row_labels.as_slice(), table.queries),
            (&["2026-11-23 02:08:46".to_owned()][..], 2)
        );
        let values: Vec<Option<f64>> = table.columns.iter().map(|c| c.values[0]).collect();
        assert_eq!(values, [Some(2.0), Some(1.0)]);
        let csv = crate::data::csv::shown(&table, &cell.options, &TimeZone::UTC);
        assert_eq!(csv, "job,Value #A,Value #B\r\nx,1,2\r\n");
        // Beside a range query, an instant query's value is the last row's.
        let mut mixed = cell;
        mixed.options.instant = false;
        let prepared = prepare_cell(
            &mixed,
            ("now-1h", "now"),
            &Bindings::new(),
            now,
            &TimeZone::UTC,
            std::slice::from_ref(&d),
        )
        .unwrap();
        assert!(mixed
            .evaluation()
            .ends_with("Its instant queries are evaluated once, at the end of the range."));
        let q = DatasourceQuery::new(&d, Route::Proxy, &prepared.queries, &prepared.plan);
        assert_eq!(q.exchanges().len(), 2);
        let matrix = r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"job":"y"},"values":[[1795399680,"5"]]}]}}"#;
        let arrival = q
            .finish(vec![Ok(Decoded::Prometheus(crate::api::prom::decode(matrix).unwrap())), vector("7")])
            .unwrap();
        let table = prepared.plan.table(&arrival.range, &arrival.instant, &mixed);
        assert!(!table.instant);
        assert_eq!(table.row_labels.len(), 60);
        let last: Vec<Option<f64>> =
            table.columns.iter().map(|c| *c.values.iter().next_back().unwrap()).collect();
        assert_eq!(last, [Some(7.0), Some(5.0)]);
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
    fn the_route_rule_of_a_cell_run() {
        let (prometheus, amp) = (ds("a", "prometheus"), ds("b", "grafana-amazonprometheus-datasource"));
        assert_eq!(Start::of(&prometheus), Start::BesideHealth);
        assert_eq!(Start::of(&amp), Start::AfterHealth);
        let refused = || ApiError::Forbidden { what: "x".into(), message: "no".into() };
        let down = ApiError::BadGateway { what: "health".into() };
        // Beside the health check: an answer counts whatever the check said.
        assert_eq!(
            after_health(Err(down.clone()), Some(Ok(Arrival::default()))),
            Then::Done(Outcome::Arrived(Arrival::default()), Route::Proxy)
        );
        assert_eq!(after_health(Ok(Route::DsQuery), Some(Err(refused()))), Then::Query(Route::DsQuery));
        let uid = ApiError::InvalidUid { what: "x".into() };
        assert_eq!(after_health(Ok(Route::DsQuery), Some(Err(uid))), Then::Query(Route::DsQuery));
        assert_eq!(
            after_health(Err(down.clone()), Some(Err(refused()))),
            Then::Done(Outcome::Failed(down.clone()), Route::Proxy)
        );
        // After it: its route, or its failure.
        assert_eq!(after_health(Ok(Route::DsQuery), None), Then::Query(Route::DsQuery));
        assert_eq!(
            after_health(Err(down.clone()), None),
            Then::Done(Outcome::Failed(down.clone()), Route::DsQuery)
        );
        // The badge learns of the datasource, not of the query.
        assert_eq!(Outcome::Arrived(Arrival::default()).datasource_state(), Some(Ok(())));
        assert_eq!(Outcome::Failed(down.clone()).datasource_state(), Some(Err(&down)));
        let source =
            crate::api::prom::PromError::Api { error_type: "bad_data".into(), error: "parse error".into() };
        let promql = ApiError::Prometheus { what: "a".into(), source };
        assert_eq!(Outcome::Failed(promql).datasource_state(), None);
    }

    #[test]
    fn a_cell_s_state_in_one_word() {
        assert_eq!(Phase::Invalid("x".into()).state(true, true, true), "error");
        assert_eq!(Phase::Running.state(false, false, false), "loading", "waiting for its variables");
        assert_eq!(Phase::Idle.state(false, false, false), "idle");
        assert_eq!(Phase::Running.state(true, false, false), "loading");
        assert_eq!(Phase::Cancelled.state(true, true, true), "cancelled");
        assert_eq!(Phase::Finished.state(true, true, true), "drawn");
        assert_eq!(Phase::Finished.state(true, true, false), "empty");
        assert_eq!(Phase::Invalid("why".into()).invalid(), Some("why"));
        assert_eq!(Phase::Finished.invalid(), None);
    }

    #[test]
    fn preparing_a_cell() {
        let cell = crate::report::format::parse(
            "---\nformat: 1\n---\n\n```promql datasources=b step=1h\nup{x=~\"$v\"}\n```\n",
        )
        .unwrap()
        .cells()
        .next()
        .unwrap()
        .clone();
        let all = [ds("a", "prometheus"), ds("b", "prometheus")];
        let selections: Bindings =
            [("v".to_owned(), substitute::Binding::regex(Selection::Values(vec!["a.b".into()])))]
                .into_iter()
                .collect();
        let now = 1_795_399_726_500;
        let prepared =
            prepare_cell(&cell, ("now-6h", "now"), &selections, now, &TimeZone::UTC, &all).unwrap();
        assert_eq!(prepared.queries, [Query::plain(r#"up{x=~"a\\.b"}"#)]);
        assert_eq!(prepared.datasources, [all[1].clone()]);
        let err =
            prepare_cell(&cell, ("now-6h", "now"), &selections, now, &TimeZone::UTC, &all[..1]).unwrap_err();
        assert!(err.contains("asks for datasources b"), "{err}");
        let err =
            prepare_cell(&cell, ("tomorrow-ish", "now"), &selections, now, &TimeZone::UTC, &all).unwrap_err();
        assert!(err.starts_with("Time range: "), "{err}");
    }
}
