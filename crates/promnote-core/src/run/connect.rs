//! Connecting, sans-IO: Grafana's datasource list (or its fallback), which datasources a
//! connection queries, and each one's health check, which also decides its [`Route`].

use crate::api::datasource::{self, Datasource, Route};
use crate::api::error::ApiError;
use crate::api::frames::Frames;
use crate::api::prom::QueryResponse;
use crate::api::reply::Sent;
use crate::api::request::{self, ApiRequest};

use super::machine::{read_json, Exchange, Machine, Next, Server};

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
        let exchange =
            Exchange::new(ApiRequest::datasources(), LISTING_WHAT, Server::Grafana, |reply, what| {
                read_json(reply, what, datasource::parse_datasources)
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
                self.exchange = Exchange::new(
                    ApiRequest::frontend_settings(),
                    LISTING_WHAT,
                    Server::Grafana,
                    |reply, what| read_json(reply, what, datasource::parse_frontend_settings),
                );
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

/// What connecting came to: the datasources to query, and, when servers called directly
/// went on without it, why Grafana's list could not be read.
#[derive(Debug, Clone, PartialEq)]
pub struct Connected {
    /// The Prometheus datasources and the others. A [`Datasources::problem`] (no
    /// Prometheus datasource at all) leaves nothing to run: both shells say it as the
    /// connection's failure (the page beside the list of what it did find).
    pub datasources: Datasources,
    /// Grafana's list's failure, said as a warning.
    pub listing_error: Option<ApiError>,
}

/// The connect rule. `listed` is Grafana's datasource list as [`Listing`] read it
/// (`None`: no Grafana was given), `direct` the servers called directly. A list that
/// could not be read stops the connection (`Err`) unless servers are called directly,
/// which then go on without it.
pub fn connected(
    listed: Option<Result<Vec<Datasource>, ApiError>>,
    direct: Vec<Datasource>,
) -> Result<Connected, ApiError> {
    let (listed, listing_error) = match listed {
        None => (None, None),
        Some(Ok(list)) => (Some(list), None),
        Some(Err(e)) if direct.is_empty() => return Err(e),
        Some(Err(e)) => (None, Some(e)),
    };
    Ok(Connected { datasources: Datasources::new(listed, direct), listing_error })
}

/// What a datasource's badge shows: its health check, then what cells last found.
#[derive(Debug, Clone, PartialEq)]
pub enum Badge {
    /// Its health check is under way.
    Checking,
    /// It answers; how long the check took, and the way it is queried.
    Ok {
        /// Wall time in ms.
        millis: u32,
        /// Through the datasource proxy or `/api/ds/query`.
        route: Route,
    },
    /// It failed its check; the message says what happened and what to do.
    Error(String),
    /// It answered its check but failed when cells last queried it (stopped since, say).
    RunFailed(String),
}

impl Badge {
    /// The `data-status` hook: `loading`, `ok` or `error`.
    pub fn hook(&self) -> &'static str {
        match self {
            Badge::Checking => "loading",
            Badge::Ok { .. } => "ok",
            Badge::Error(_) | Badge::RunFailed(_) => "error",
        }
    }

    /// The badge's words for `ds`; a snapshot's badges speak of when it was taken.
    pub fn text(&self, ds: &Datasource, snapshot: bool) -> String {
        match self {
            Badge::Ok { .. } if snapshot => "ok when the snapshot was taken".into(),
            Badge::Error(_) | Badge::RunFailed(_) if snapshot => {
                "failed when the snapshot was taken (see the report)".into()
            }
            Badge::Checking if ds.is_direct() => "checking (called directly)…".into(),
            Badge::Checking => "checking through Grafana's proxy…".into(),
            Badge::Ok { millis, route } => match route.words(ds) {
                Some(way) => format!("ok · answered in {millis} ms, {way}"),
                None => format!("ok · answered in {millis} ms"),
            },
            Badge::Error(_) => "failed (see the report)".into(),
            Badge::RunFailed(_) => "failed in the last run (see the report)".into(),
        }
    }

    /// "50 datasources: 48 ok, 1 failed, 1 checking; 1 not queried".
    pub fn summary<'b>(badges: impl IntoIterator<Item = &'b Badge>, not_queried: usize) -> String {
        let (mut total, mut ok, mut failed, mut checking) = (0, 0, 0, 0);
        for badge in badges {
            total += 1;
            match badge {
                Badge::Ok { .. } => ok += 1,
                Badge::Error(_) | Badge::RunFailed(_) => failed += 1,
                Badge::Checking => checking += 1,
            }
        }
        let mut parts = vec![format!("{ok} ok")];
        if failed > 0 {
            parts.push(format!("{failed} failed"));
        }
        if checking > 0 {
            parts.push(format!("{checking} checking"));
        }
        let skipped = if not_queried > 0 { format!("; {not_queried} not queried") } else { String::new() };
        let plural = if total == 1 { "" } else { "s" };
        format!("{total} datasource{plural}: {}{skipped}", parts.join(", "))
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
            HealthStage::Proxy(Exchange::prometheus(request::health_request(&ds.uid), ds))
        };
        Self { ds: ds.clone(), now_ms, stage }
    }

    fn via_ds_query(ds: &Datasource, now_ms: i64) -> Exchange<Frames> {
        Exchange::frames(request::ds_query_health_request(&ds.uid, &ds.kind, now_ms), ds)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::machine::tests::{drive, ds, reply, OK_VECTOR};

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
    fn connecting_goes_on_without_grafana_s_list_only_beside_direct_servers() {
        let refused = || ApiError::Unauthorized { message_id: None, message: "Invalid API key".into() };
        let direct = Datasource { uid: "direct:0".into(), ..ds("p", "prometheus") };
        assert_eq!(connected(Some(Err(refused())), Vec::new()), Err(refused()));
        let on = connected(Some(Err(refused())), vec![direct.clone()]).unwrap();
        assert_eq!((on.datasources.prometheus.len(), on.listing_error), (1, Some(refused())));
        let listed = connected(Some(Ok(vec![ds("a", "prometheus"), ds("l", "loki")])), vec![direct]).unwrap();
        assert_eq!((listed.datasources.prometheus.len(), listed.datasources.others.len()), (2, 1));
        assert!(listed.listing_error.is_none());
        assert_eq!(connected(None, Vec::new()).unwrap().datasources, Datasources::default());
        assert!(connected(Some(Ok(vec![ds("l", "loki")])), Vec::new())
            .unwrap()
            .datasources
            .problem
            .is_some());
    }

    #[test]
    fn badges_say_the_latest_known_state() {
        let grafana = ds("a", "prometheus");
        let direct = Datasource { uid: "direct:0".into(), ..ds("p", "prometheus") };
        let ok = |route| Badge::Ok { millis: 12, route };
        assert_eq!(ok(Route::Proxy).text(&grafana, false), "ok · answered in 12 ms");
        assert_eq!(ok(Route::Proxy).text(&direct, false), "ok · answered in 12 ms, called directly");
        assert_eq!(ok(Route::DsQuery).text(&grafana, false), "ok · answered in 12 ms, through /api/ds/query");
        assert_eq!(Badge::Checking.text(&direct, false), "checking (called directly)…");
        assert_eq!(
            Badge::RunFailed("x".into()).text(&grafana, false),
            "failed in the last run (see the report)"
        );
        assert_eq!(
            Badge::RunFailed("x".into()).text(&grafana, true),
            "failed when the snapshot was taken (see the report)"
        );
        assert_eq!(ok(Route::Proxy).hook(), "ok");
        let badges = [ok(Route::Proxy), Badge::Error("x".into()), Badge::Checking, ok(Route::DsQuery)];
        assert_eq!(Badge::summary(&badges, 1), "4 datasources: 2 ok, 1 failed, 1 checking; 1 not queried");
        assert_eq!(Badge::summary(&badges[..1], 0), "1 datasource: 1 ok");
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
}
