//! What goes on the wire, as data: one [`ApiRequest`] per call (a path below the base
//! URL and a body), built by pure functions so they are unit-tested: Grafana's own API,
//! the datasource proxy's Prometheus API, `/api/ds/query`, the metadata calls, and where
//! each request goes ([`Destination`]). Reading the metadata answers is here too.

use super::encoding::{encode_component, form};

/// An HTTP method and body for one API call; the transport turns it into a fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// A GET without body.
    None,
    /// `application/x-www-form-urlencoded` POST, as Grafana's Prometheus datasource sends.
    Form(String),
    /// `application/json` POST (Grafana's `/api/ds/query`).
    Json(String),
}

/// One request to Grafana, relative to the base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRequest {
    /// Path below the base URL, no leading slash, including any `?query`.
    pub path: String,
    /// GET, or POST with a form body.
    pub body: Body,
}

impl ApiRequest {
    /// `GET api/datasources`: every datasource (needs the datasources:read permission).
    pub fn datasources() -> Self {
        Self { path: "api/datasources".into(), body: Body::None }
    }

    /// `GET api/dashboards/uid/<uid>`: one dashboard's JSON and its metadata.
    pub fn dashboard(uid: &str) -> Self {
        Self { path: format!("api/dashboards/uid/{}", encode_component(uid)), body: Body::None }
    }

    /// `GET api/search?type=dash-db`: the dashboards the token may read, with their folders.
    pub fn search_dashboards() -> Self {
        Self { path: "api/search?type=dash-db&limit=5000".into(), body: Body::None }
    }

    /// `GET api/annotations`: Grafana's own annotations between two times (ms), with every
    /// one of `tags` when given (a Viewer may read them), at most 1,000.
    pub fn annotations(from_ms: i64, to_ms: i64, tags: &[String]) -> Self {
        let mut path = format!("api/annotations?from={from_ms}&to={to_ms}&type=annotation&limit=1000");
        for tag in tags {
            path.push_str(&format!("&tags={}", encode_component(tag)));
        }
        Self { path, body: Body::None }
    }

    /// `GET api/frontend/settings`: the fallback list any signed-in user can read.
    pub fn frontend_settings() -> Self {
        Self { path: "api/frontend/settings".into(), body: Body::None }
    }

    /// `GET api/health`: needs no token; used to tell CORS refusals from dead servers.
    pub fn health() -> Self {
        Self { path: "api/health".into(), body: Body::None }
    }

    /// A Prometheus API call through Grafana's datasource proxy.
    pub fn prometheus(uid: &str, prom_path: &str, body: Body) -> Self {
        Self { path: format!("api/datasources/proxy/uid/{}/{prom_path}", encode_component(uid)), body }
    }

    /// For a call built by [`ApiRequest::prometheus`] for datasource `uid`: the Prometheus
    /// HTTP API path (`api/v1/query_range…`), to send it to a Prometheus directly.
    pub fn prometheus_path(&self, uid: &str) -> Option<&str> {
        let prefix = format!("api/datasources/proxy/uid/{}/", encode_component(uid));
        self.path.strip_prefix(&prefix)
    }

    /// Where this request goes: to Grafana, or, when it was built for one of the servers
    /// called directly (their datasource uids, in order), to that server's Prometheus API.
    /// Only that server's own credentials may go with it.
    pub fn destination<'u>(&self, direct_uids: impl IntoIterator<Item = &'u str>) -> Destination<'_> {
        direct_uids
            .into_iter()
            .enumerate()
            .find_map(|(index, uid)| Some(Destination::Direct { index, path: self.prometheus_path(uid)? }))
            .unwrap_or(Destination::Grafana)
    }

    /// The same call as a GET with the form in the query string, for a proxy that refuses
    /// the POST (`None` for a GET, or a JSON body, which has no GET form).
    pub fn as_get(&self) -> Option<ApiRequest> {
        let Body::Form(form) = &self.body else { return None };
        let glue = if self.path.contains('?') { '&' } else { '?' };
        Some(ApiRequest { path: format!("{}{glue}{form}", self.path), body: Body::None })
    }

    /// The method's name, for messages.
    pub fn method(&self) -> &'static str {
        match self.body {
            Body::None => "GET",
            Body::Form(_) | Body::Json(_) => "POST",
        }
    }

    /// A stable key for a recorded answer: method, path and body.
    pub fn replay_key(&self) -> String {
        match &self.body {
            Body::None => format!("GET {}", self.path),
            Body::Form(form) | Body::Json(form) => format!("POST {}\n{form}", self.path),
        }
    }
}

/// Where a request goes ([`ApiRequest::destination`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destination<'a> {
    /// Grafana, at the request's own path.
    Grafana,
    /// The `index`th server called directly, at this Prometheus API path.
    Direct {
        /// Which server.
        index: usize,
        /// Its API path, e.g. `api/v1/query_range`.
        path: &'a str,
    },
}

/// A cheap query that proves a datasource answers through Grafana's proxy.
pub const HEALTH_QUERY: &str = "1+1";

/// The status check: an instant query of a constant, through the proxy.
pub fn health_request(uid: &str) -> ApiRequest {
    ApiRequest::prometheus(uid, "api/v1/query", Body::Form(form(&[("query", HEALTH_QUERY)])))
}

/// What one `/api/ds/query` query asks for: a range `[from_ms, to_ms]` every `step_ms`,
/// or an instant at `to_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Range start, ms since the epoch.
    pub from_ms: i64,
    /// Range end (or the instant), ms since the epoch.
    pub to_ms: i64,
    /// Step, ms.
    pub step_ms: i64,
    /// An instant query.
    pub instant: bool,
    /// Seconds east of UTC of the clock whose step multiples Grafana aligns the range to
    /// (its `utcOffsetSec`): a day's offset keeps daily steps on local midnights.
    pub utc_offset_s: i64,
}

impl Window {
    /// A range on UTC step multiples.
    pub fn range(from_ms: i64, to_ms: i64, step_ms: i64) -> Self {
        Self { from_ms, to_ms, step_ms, instant: false, utc_offset_s: 0 }
    }

    /// An instant query at `at_ms`.
    pub fn instant(at_ms: i64) -> Self {
        Self { from_ms: at_ms, to_ms: at_ms, step_ms: 1000, instant: true, utc_offset_s: 0 }
    }
}

/// One query through Grafana's `POST /api/ds/query`, for datasources the proxy cannot
/// serve (or refuses). The answer is data frames (`frames::decode`, ref id `A`).
pub fn ds_query_request(uid: &str, kind: &str, query: &str, window: Window) -> ApiRequest {
    let body = serde_json::json!({
        "queries": [{
            "refId": "A",
            "datasource": { "uid": uid, "type": kind },
            "expr": query,
            "range": !window.instant,
            "instant": window.instant,
            "intervalMs": window.step_ms,
            "maxDataPoints": 11_000,
            "format": "time_series",
            "utcOffsetSec": window.utc_offset_s,
        }],
        "from": window.from_ms.to_string(),
        "to": window.to_ms.to_string(),
    });
    ApiRequest { path: "api/ds/query".into(), body: Body::Json(body.to_string()) }
}

/// An instant query of `query` at `at_ms` through the proxy (form POST, as Grafana sends).
pub fn instant_at(uid: &str, query: &str, at_ms: i64) -> ApiRequest {
    let time = format!("{:.3}", at_ms as f64 / 1000.0);
    ApiRequest::prometheus(uid, "api/v1/query", Body::Form(form(&[("query", query), ("time", &time)])))
}

/// The health check through `/api/ds/query`: an instant query of a constant.
pub fn ds_query_health_request(uid: &str, kind: &str, now_ms: i64) -> ApiRequest {
    ds_query_request(uid, kind, HEALTH_QUERY, Window::instant(now_ms))
}

/// `[start, end]` in unix seconds: the series a metadata request looks at. Without it,
/// Prometheus answers from its whole retention.
pub type Within = Option<(i64, i64)>;

/// `GET api/v1/labels`: label names, for completion and `label_names()`.
pub fn labels_request(uid: &str, within: Within) -> ApiRequest {
    let mut path = String::from("api/v1/labels");
    push_within(&mut path, within);
    ApiRequest::prometheus(uid, &path, Body::None)
}

/// `GET api/v1/label/<label>/values`, optionally only of series matching `selector` and
/// only of series with samples `within` a window (as Grafana asks for a variable: over the
/// dashboard's range): metric names (`__name__`) for completion, and a variable's values.
pub fn label_values_request(uid: &str, label: &str, selector: Option<&str>, within: Within) -> ApiRequest {
    let mut path = format!("api/v1/label/{}/values", encode_component(label));
    if let Some(selector) = selector {
        path.push_str("?match%5B%5D=");
        path.push_str(&encode_component(selector));
    }
    push_within(&mut path, within);
    ApiRequest::prometheus(uid, &path, Body::None)
}

/// Appends `start` and `end` to a metadata path, when there is a window.
fn push_within(path: &mut String, within: Within) {
    if let Some((start, end)) = within {
        let sep = if path.contains('?') { '&' } else { '?' };
        path.push_str(&format!("{sep}start={start}&end={end}"));
    }
}

/// `GET api/v1/series?match[]=<selector>&start=&end=`: the series a selector matches in
/// a window, for completing the label names that one metric has.
pub fn series_request(uid: &str, selector: &str, start_s: i64, end_s: i64) -> ApiRequest {
    let mut path = format!("api/v1/series?match%5B%5D={}", encode_component(selector));
    push_within(&mut path, Some((start_s, end_s)));
    ApiRequest::prometheus(uid, &path, Body::None)
}

/// The label names (without `__name__`) of a series answer, sorted and unique.
pub fn parse_series_label_names(body: &str) -> Result<Vec<String>, serde_json::Error> {
    #[derive(serde::Deserialize)]
    struct SeriesList {
        #[serde(default)]
        data: Vec<std::collections::BTreeMap<String, String>>,
    }
    let list: SeriesList = serde_json::from_str(body)?;
    let names: std::collections::BTreeSet<String> =
        list.data.into_iter().flat_map(|s| s.into_keys()).filter(|k| k != "__name__").collect();
    Ok(names.into_iter().collect())
}

/// Reads the `data` list of a labels or label-values answer.
pub fn parse_names(body: &str) -> Result<Vec<String>, serde_json::Error> {
    #[derive(serde::Deserialize)]
    struct Names {
        #[serde(default)]
        data: Vec<String>,
    }
    serde_json::from_str::<Names>(body).map(|n| n.data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::url::BaseUrl;

    #[test]
    fn requests_for_direct_servers_go_there_and_nowhere_else() {
        let request = ApiRequest::prometheus("direct:1", "api/v1/query_range", Body::None);
        let uids = ["direct:0", "direct:1"];
        assert_eq!(request.destination(uids), Destination::Direct { index: 1, path: "api/v1/query_range" });
        assert_eq!(
            ApiRequest::prometheus("prom-a", "api/v1/query", Body::None).destination(uids),
            Destination::Grafana
        );
        assert_eq!(ApiRequest::datasources().destination(uids), Destination::Grafana);
    }

    #[test]
    fn a_form_post_has_a_get_twin() {
        let post = ApiRequest::prometheus(
            "u",
            "api/v1/query_range",
            Body::Form(form(&[("query", "up{a=\"b\"}"), ("step", "60")])),
        );
        let get = post.as_get().unwrap();
        assert_eq!(get.body, Body::None);
        assert_eq!(
            get.path,
            "api/datasources/proxy/uid/u/api/v1/query_range?query=up%7Ba%3D%22b%22%7D&step=60"
        );
        assert_eq!(get.as_get(), None);
        let with_query = ApiRequest { path: "x?a=1".into(), body: Body::Form("b=2".into()) };
        assert_eq!(with_query.as_get().unwrap().path, "x?a=1&b=2");
        assert_eq!(ApiRequest { path: "api/ds/query".into(), body: Body::Json("{}".into()) }.as_get(), None);
    }

    #[test]
    fn metadata_requests() {
        let r = label_values_request("prom a", "namespace", Some(r#"up{job="x"}"#), None);
        assert_eq!(r.path, "api/datasources/proxy/uid/prom%20a/api/v1/label/namespace/values?match%5B%5D=up%7Bjob%3D%22x%22%7D");
        assert_eq!(parse_names(r#"{"status":"success","data":["a","b"]}"#).unwrap(), ["a", "b"]);
        let r = label_values_request("u", "job", Some("up"), Some((10, 20)));
        assert_eq!(
            r.path,
            "api/datasources/proxy/uid/u/api/v1/label/job/values?match%5B%5D=up&start=10&end=20"
        );
        let r = label_values_request("u", "job", None, Some((10, 20)));
        assert_eq!(r.path, "api/datasources/proxy/uid/u/api/v1/label/job/values?start=10&end=20");
        assert_eq!(
            labels_request("u", Some((10, 20))).path,
            "api/datasources/proxy/uid/u/api/v1/labels?start=10&end=20"
        );
        assert_eq!(labels_request("u", None).path, "api/datasources/proxy/uid/u/api/v1/labels");
        let r = series_request("u", "up", 10, 20);
        assert_eq!(r.path, "api/datasources/proxy/uid/u/api/v1/series?match%5B%5D=up&start=10&end=20");
        let body = r#"{"status":"success","data":[{"__name__":"up","job":"a"},{"__name__":"up","job":"b","zone":"x"}]}"#;
        assert_eq!(parse_series_label_names(body).unwrap(), ["job", "zone"]);
        let q = ds_query_request("u", "prometheus", "up", Window::range(1000, 5000, 1000));
        assert_eq!((q.path.as_str(), q.method()), ("api/ds/query", "POST"));
        let Body::Json(json) = &q.body else { panic!() };
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(v["queries"][0]["datasource"]["uid"], "u");
        assert_eq!(v["queries"][0]["intervalMs"], 1000);
        assert_eq!((v["from"].as_str(), v["to"].as_str()), (Some("1000"), Some("5000")));
        assert_eq!(v["queries"][0]["utcOffsetSec"], 0);
    }

    #[test]
    fn encodes_forms() {
        let body = form(&[("query", r#"max(up{job=~".*"}) by (ns)"#), ("step", "86400")]);
        assert_eq!(body, "query=max%28up%7Bjob%3D~%22.%2A%22%7D%29%20by%20%28ns%29&step=86400");
        let req = ApiRequest::prometheus("u", "api/v1/query", Body::Form(body.clone()));
        assert_eq!(req.replay_key(), format!("POST api/datasources/proxy/uid/u/api/v1/query\n{body}"));
    }

    #[test]
    fn joins_api_paths_below_a_sub_path() {
        let url = BaseUrl::parse("https://host/grafana").unwrap();
        assert_eq!(url.origin(), "https://host");
        assert_eq!(url.join("api/datasources"), "https://host/grafana/api/datasources");
        let req = ApiRequest::prometheus("a b/c", "api/v1/query_range", Body::None);
        assert_eq!(
            url.join(&req.path),
            "https://host/grafana/api/datasources/proxy/uid/a%20b%2Fc/api/v1/query_range"
        );
    }
}
