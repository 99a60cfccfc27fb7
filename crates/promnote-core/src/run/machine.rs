//! The sans-IO conversation with a server: which requests a connection and a cell send, what each
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

use crate::api::annotations::GrafanaAnnotation;
use crate::api::datasource::Datasource;
use crate::api::error::{self, ApiError};
use crate::api::frames::{self, FrameError, Frames};
use crate::api::prom::QueryResponse;
use crate::api::reply::{Reply, Sent};
use crate::api::request::{self, ApiRequest};

/// How long one request may take before promnote gives up on it.
pub const REQUEST_TIMEOUT_S: u32 = 60;

/// The largest answer read (the page's cap, and the command line's default
/// `--max-answer-mb`): a tab has 4 GB, and an answer becomes several copies of itself
/// (bytes, text, decoded series) before it is drawn.
pub const MAX_ANSWER_BYTES: u64 = 256 * 1024 * 1024;

/// The pauses before the second and third attempt of a request that Grafana's proxy
/// answered with 502, 503 or 504 (a restarting or overloaded Prometheus). Every request
/// promnote sends only reads, so sending it again is safe.
pub const RETRY_DELAYS_MS: [u32; 2] = [500, 1500];

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

/// Who answers an exchange: Grafana (its API, or its proxy to a datasource), or a
/// Prometheus called directly, whose failures are worded in its own terms, never
/// Grafana's ([`error::direct_from_status`], [`error::as_direct`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    /// Grafana.
    Grafana,
    /// A server called directly.
    Direct,
}

impl Server {
    /// Who answers for datasource `ds`.
    pub fn of(ds: &Datasource) -> Self {
        if ds.is_direct() {
            Server::Direct
        } else {
            Server::Grafana
        }
    }

    /// A non-2xx answer as the error it is, in this server's terms.
    fn classify(self, reply: &Reply, what: &str) -> ApiError {
        let classify = match self {
            Server::Grafana => error::from_status,
            Server::Direct => error::direct_from_status,
        };
        classify(what, reply.status, reply.content_type.as_deref(), &reply.body)
    }

    /// An error reading an answer, in this server's terms.
    fn word(self, e: ApiError) -> ApiError {
        match self {
            Server::Grafana => e,
            Server::Direct => error::as_direct(e),
        }
    }
}

/// Reads an answer (2xx, unless the exchange reads failures too) into `T`; `&str` names
/// who answered, for messages.
type Read<T> = fn(&Reply, &str) -> Result<T, ApiError>;

/// One request with promnote's rules for any read: 502/503/504 retried after
/// [`RETRY_DELAYS_MS`], and a form POST that Grafana's proxy refuses sent again as a GET.
/// The answer is read into `T` (its errors worded for people).
pub struct Exchange<T> {
    request: ApiRequest,
    what: String,
    server: Server,
    read: Read<T>,
    /// Whether `read` reads non-2xx answers itself (`/api/ds/query` words its failures
    /// inside its frames).
    reads_failures: bool,
    retries: usize,
    as_get: bool,
}

impl<T> std::fmt::Debug for Exchange<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exchange").field("request", &self.request).field("what", &self.what).finish()
    }
}

impl<T> Exchange<T> {
    pub(crate) fn new(request: ApiRequest, what: &str, server: Server, read: Read<T>) -> Self {
        Self {
            request,
            what: what.to_owned(),
            server,
            read,
            reads_failures: false,
            retries: 0,
            as_get: false,
        }
    }

    /// The answer read as `T`, its failures in the server's terms.
    fn read(&self, reply: &Reply) -> Result<T, ApiError> {
        if !reply.is_success() && !self.reads_failures {
            return Err(self.server.classify(reply, &self.what));
        }
        (self.read)(reply, &self.what).map_err(|e| self.server.word(e))
    }
}

impl Exchange<QueryResponse> {
    /// A Prometheus API call (`api/v1/query…`) to datasource `ds`, decoded.
    pub fn prometheus(request: ApiRequest, ds: &Datasource) -> Self {
        Self::new(request, &ds.name, Server::of(ds), read_prometheus)
    }
}

impl Exchange<Frames> {
    /// A query through Grafana's `/api/ds/query`, decoded from data frames (ref id `A`).
    pub fn frames(request: ApiRequest, ds: &Datasource) -> Self {
        Self { reads_failures: true, ..Self::new(request, &ds.name, Server::Grafana, read_frames) }
    }
}

impl Exchange<Vec<String>> {
    /// A labels or label-values request to datasource `ds`: the names in its `data`.
    pub fn names(request: ApiRequest, ds: &Datasource) -> Self {
        Self::new(request, &ds.name, Server::of(ds), |reply, what| {
            read_json(reply, what, request::parse_names)
        })
    }

    /// A series request to datasource `ds`: the label names of the series it lists.
    pub fn series_label_names(request: ApiRequest, ds: &Datasource) -> Self {
        Self::new(request, &ds.name, Server::of(ds), |reply, what| {
            read_json(reply, what, request::parse_series_label_names)
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

impl Exchange<Vec<GrafanaAnnotation>> {
    /// Grafana's own annotations between two times with every one of `tags`.
    pub fn annotations(from_ms: i64, to_ms: i64, tags: &[String]) -> Self {
        Self::new(
            ApiRequest::annotations(from_ms, to_ms, tags),
            "Grafana's annotations",
            Server::Grafana,
            |reply, what| {
                read_json(reply, what, |body| {
                    let all = serde_json::from_str::<Vec<serde_json::Value>>(body)?;
                    Ok::<_, serde_json::Error>(
                        all.into_iter().filter_map(|v| serde_json::from_value(v).ok()).collect(),
                    )
                })
            },
        )
    }
}

impl Exchange<String> {
    /// A dashboard's JSON from Grafana (`api/dashboards/uid/<uid>`), as text for
    /// [`crate::report::dashboard::convert`].
    pub fn dashboard(uid: &str) -> Self {
        Self::new(
            ApiRequest::dashboard(uid),
            &format!("the dashboard {uid}"),
            Server::Grafana,
            |reply, what| {
                read_json(reply, what, |body| {
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
            Server::Grafana,
            |reply, what| {
                read_json(reply, what, |body| {
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
        let result = sent.and_then(|reply| self.read(&reply));
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

fn read_prometheus(reply: &Reply, what: &str) -> Result<QueryResponse, ApiError> {
    error::decode_prometheus(what, reply.status, reply.content_type.as_deref(), &reply.body)
}

/// Grafana answers a failed `/api/ds/query` with 400 and the reason inside the frames:
/// that reason is what the user sees.
fn read_frames(reply: &Reply, what: &str) -> Result<Frames, ApiError> {
    match frames::decode(&reply.body, "A") {
        Ok(frames) if reply.is_success() => Ok(frames),
        Err(FrameError::Query { status, message }) => {
            Err(ApiError::Status { what: what.to_owned(), status, message })
        }
        _ if !reply.is_success() => Err(Server::Grafana.classify(reply, what)),
        Ok(frames) => Ok(frames),
        Err(e) => Err(ApiError::Unreadable { what: what.to_owned(), detail: e.to_string() }),
    }
}

/// A JSON answer's body through `decode`, its failure worded for people.
pub(crate) fn read_json<T, E: std::fmt::Display>(
    reply: &Reply,
    what: &str,
    decode: impl FnOnce(&str) -> Result<T, E>,
) -> Result<T, ApiError> {
    error::decode_ok(what, reply.status, reply.content_type.as_deref(), &reply.body, decode)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn ds(uid: &str, kind: &str) -> Datasource {
        Datasource { uid: uid.into(), name: format!("name-{uid}"), kind: kind.into(), is_default: false }
    }

    pub(crate) fn reply(status: u16, body: &str) -> Sent {
        Ok(Reply { status, content_type: Some("application/json".into()), body: body.into() })
    }

    pub(crate) const OK_VECTOR: &str = r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#;

    /// Drives a machine over canned answers; returns its output and the pauses it asked for.
    pub(crate) fn drive<M: Machine>(machine: &mut M, answers: Vec<Sent>) -> (M::Output, Vec<(String, u32)>) {
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
        let mut ex = Exchange::prometheus(request::health_request("a"), &d);
        let (out, sent) = drive(&mut ex, vec![reply(502, ""), reply(503, ""), reply(200, OK_VECTOR)]);
        assert!(out.is_ok());
        assert_eq!(sent.iter().map(|(_, p)| *p).collect::<Vec<_>>(), [0, 500, 1500]);
        let mut ex = Exchange::prometheus(request::health_request("a"), &d);
        let (out, _) = drive(&mut ex, vec![reply(502, ""), reply(502, ""), reply(504, "")]);
        assert!(matches!(out, Err(ApiError::GatewayTimeout { .. })), "{out:?}");
        // Dead servers and timeouts are not retried: the user would wait for the same answer.
        let mut ex = Exchange::prometheus(request::health_request("a"), &d);
        let dead = Err(ApiError::Unreachable { origin: "http://x".into() });
        assert!(matches!(drive(&mut ex, vec![dead]).0, Err(ApiError::Unreachable { .. })));
    }

    #[test]
    fn a_refused_post_is_sent_again_as_a_get_once() {
        let d = ds("a", "prometheus");
        let refusal = r#"{"message":"non allow-listed POSTs not allowed on proxied Prometheus datasource"}"#;
        let mut ex = Exchange::prometheus(request::health_request("a"), &d);
        let (out, sent) = drive(&mut ex, vec![reply(403, refusal), reply(200, OK_VECTOR)]);
        assert!(out.is_ok());
        assert_eq!(sent[1].0, "GET api/datasources/proxy/uid/a/api/v1/query?query=1%2B1");
        let mut ex = Exchange::prometheus(request::health_request("a"), &d);
        let (out, _) = drive(&mut ex, vec![reply(403, refusal), reply(403, refusal)]);
        assert!(matches!(out, Err(ApiError::Forbidden { .. })));
    }
}
