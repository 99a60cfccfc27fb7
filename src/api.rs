//! The one module that does HTTP. Every call to Grafana goes through [`Transport::send`]:
//! it attaches the token (only to the origin the user typed), never follows a
//! redirect, carries an abort signal and a timeout, and turns every failure into one
//! [`ApiError`] — including telling a dead server from a CORS refusal. The demo-data
//! mode swaps the network for a [`Recording`] behind the same interface.

use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;

use gloo_net::http::{Request, RequestBuilder, Response};
use promnote_core::error::{self, ApiError};
use promnote_core::frames::{self, FrameError};
use promnote_core::grafana::{self, ApiRequest, Body, Datasource, GrafanaBaseUrl};
use promnote_core::prom::{QueryResponse, RangeSeries};
use serde::Deserialize;
use web_sys::{AbortSignal, RequestCredentials, RequestMode, RequestRedirect, ResponseType};

/// How long one request may take before promnote gives up on it.
pub const REQUEST_TIMEOUT_S: u32 = 60;

/// A Grafana service-account token. Its `Debug` never shows it and it has no `Display`,
/// so it cannot end up in a log line or a message by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Wraps a pasted token (surrounding whitespace and a `Bearer ` prefix removed).
    pub fn new(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        let raw = raw.strip_prefix("Bearer ").unwrap_or(raw).trim();
        (!raw.is_empty() && raw.chars().all(|c| c.is_ascii_graphic())).then(|| Self(raw.to_owned()))
    }

    fn header_value(&self) -> String {
        format!("Bearer {}", self.0)
    }

    /// Removes the token from a text that is about to be shown (defence in depth).
    pub fn redact(&self, text: &str) -> String {
        text.replace(&self.0, "[token]")
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token([redacted])")
    }
}

/// A signed-in Grafana: its checked base URL and the token sent only to its origin.
#[derive(Debug)]
pub struct Session {
    /// Where Grafana is.
    pub base: GrafanaBaseUrl,
    /// The bearer token.
    pub token: Token,
}

/// A recorded answer, for the demo-data mode.
#[derive(Debug, Clone, Deserialize)]
pub struct RecordedAnswer {
    status: u16,
    content_type: Option<String>,
    body: String,
}

/// Answers recorded from the real demo stack, keyed by [`ApiRequest::replay_key`].
#[derive(Debug, Deserialize)]
pub struct Recording {
    /// When the recording's report was evaluated ("now" for the replay).
    pub recorded_at_ms: i64,
    answers: HashMap<String, RecordedAnswer>,
}

/// Where requests go: a live Grafana, or a recording.
#[derive(Debug, Clone)]
pub enum Transport {
    /// A live Grafana.
    Grafana(Rc<Session>),
    /// Recorded answers.
    Replay(Rc<Recording>),
}

/// A successful HTTP answer.
pub struct Answer {
    status: u16,
    content_type: Option<String>,
    body: String,
}

impl Transport {
    /// Sends one request. `what` names it for error messages ("cluster-north").
    pub async fn send(
        &self,
        request: &ApiRequest,
        what: &str,
        abort: &AbortSignal,
    ) -> Result<Answer, ApiError> {
        let answer = self.answer(request, what, abort).await?;
        if (200..300).contains(&answer.status) {
            Ok(answer)
        } else {
            Err(error::from_status(what, answer.status, answer.content_type.as_deref(), &answer.body))
        }
    }

    /// Sends one request and returns its answer whatever its status.
    async fn answer(
        &self,
        request: &ApiRequest,
        what: &str,
        abort: &AbortSignal,
    ) -> Result<Answer, ApiError> {
        Ok(match self {
            Transport::Replay(recording) => {
                let Some(found) = recording.answers.get(&request.replay_key()) else {
                    return Err(ApiError::Status {
                        what: what.to_owned(),
                        status: 404,
                        message: "not part of the recorded demo data".into(),
                    });
                };
                Answer {
                    status: found.status,
                    content_type: found.content_type.clone(),
                    body: found.body.clone(),
                }
            }
            Transport::Grafana(session) => send_live(session, request, what, abort).await?,
        })
    }

    /// A query through Grafana's `POST /api/ds/query`, decoded from data frames. Grafana
    /// answers a failed query with 400 and the reason inside the frames: that reason is
    /// what the user sees.
    pub async fn ds_query(
        &self,
        request: &ApiRequest,
        what: &str,
        abort: &AbortSignal,
    ) -> Result<Vec<RangeSeries>, ApiError> {
        let a = self.answer(request, what, abort).await?;
        let decoded = frames::decode(&a.body, "A");
        match decoded {
            Ok(series) if (200..300).contains(&a.status) => Ok(series),
            Err(FrameError::Query { status, message }) => {
                Err(ApiError::Status { what: what.to_owned(), status, message })
            }
            _ if !(200..300).contains(&a.status) => {
                Err(error::from_status(what, a.status, a.content_type.as_deref(), &a.body))
            }
            Ok(series) => Ok(series),
            Err(e) => Err(ApiError::Unreadable { what: what.to_owned(), detail: e.to_string() }),
        }
    }

    /// The datasources Grafana knows; falls back to `/api/frontend/settings` when the
    /// token may not list them (403, older Grafana or the Viewer role).
    pub async fn datasources(&self, abort: &AbortSignal) -> Result<Vec<Datasource>, ApiError> {
        const WHAT: &str = "Grafana's datasource list";
        match self.decoded(&ApiRequest::datasources(), WHAT, abort, grafana::parse_datasources).await {
            Err(ApiError::Forbidden { .. }) => {
                self.decoded(&ApiRequest::frontend_settings(), WHAT, abort, grafana::parse_frontend_settings)
                    .await
            }
            answer => answer,
        }
    }

    /// Sends a request and decodes a successful answer's JSON with `decode` (HTML where
    /// JSON was expected, or JSON of the wrong shape, becomes an error for people).
    pub async fn decoded<T, E: fmt::Display>(
        &self,
        request: &ApiRequest,
        what: &str,
        abort: &AbortSignal,
        decode: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<T, ApiError> {
        let a = self.send(request, what, abort).await?;
        error::decode_ok(what, a.status, a.content_type.as_deref(), &a.body, decode)
    }

    /// Runs a Prometheus API request through the datasource proxy and decodes it.
    pub async fn prometheus(
        &self,
        request: &ApiRequest,
        what: &str,
        abort: &AbortSignal,
    ) -> Result<QueryResponse, ApiError> {
        let a = self.send(request, what, abort).await?;
        error::decode_prometheus(what, a.status, a.content_type.as_deref(), &a.body)
    }

    /// [`Transport::prometheus`] for read-only queries, retried with backoff (0.5 s, then
    /// 1.5 s) when Grafana's proxy answers 502, 503 or 504: a restarting Prometheus or a
    /// passing overload should not fail a report.
    pub async fn prometheus_retrying(
        &self,
        request: &ApiRequest,
        what: &str,
        abort: &AbortSignal,
    ) -> Result<QueryResponse, ApiError> {
        let mut delay_ms = 500;
        for _ in 0..2 {
            match self.prometheus(request, what, abort).await {
                Err(e) if e.is_retryable() && !abort.aborted() => {
                    sleep_ms(delay_ms).await;
                    delay_ms *= 3;
                }
                answer => return answer,
            }
        }
        self.prometheus(request, what, abort).await
    }

    /// Removes the token from a message (a no-op for recordings).
    pub fn redact(&self, text: &str) -> String {
        match self {
            Transport::Grafana(session) => session.token.redact(text),
            Transport::Replay(_) => text.to_owned(),
        }
    }
}

async fn send_live(
    session: &Session,
    request: &ApiRequest,
    what: &str,
    user_abort: &AbortSignal,
) -> Result<Answer, ApiError> {
    let url = session.base.join(&request.path);
    let timeout = AbortSignal::timeout_with_u32(REQUEST_TIMEOUT_S * 1000);
    let signal = either_signal(user_abort, &timeout);
    let builder = match request.body {
        Body::None => Request::get(&url),
        Body::Form(_) => Request::post(&url).header("Content-Type", "application/x-www-form-urlencoded"),
        Body::Json(_) => Request::post(&url).header("Content-Type", "application/json"),
    }
    .header("Accept", "application/json")
    .header("Authorization", &session.token.header_value())
    // The token is the only credential: no cookies, and never re-sent across a redirect.
    .credentials(RequestCredentials::Omit)
    .redirect(RequestRedirect::Manual)
    .abort_signal(Some(&signal));
    let sent = match &request.body {
        Body::None => builder.send().await,
        Body::Form(form) | Body::Json(form) => match builder.body(form.clone()) {
            Ok(request) => request.send().await,
            Err(e) => Err(e),
        },
    };
    let response = match sent {
        Ok(response) => response,
        Err(_) if user_abort.aborted() => return Err(ApiError::Cancelled),
        Err(_) if timeout.aborted() => {
            return Err(ApiError::TimedOut { what: what.to_owned(), seconds: REQUEST_TIMEOUT_S })
        }
        Err(_) => return Err(diagnose_network_failure(&session.base, user_abort).await),
    };
    if response.type_() == ResponseType::Opaqueredirect {
        return Err(ApiError::NotJson { what: what.to_owned(), status: 302 });
    }
    read(response, what, user_abort, &timeout).await
}

async fn read(
    response: Response,
    what: &str,
    user_abort: &AbortSignal,
    timeout: &AbortSignal,
) -> Result<Answer, ApiError> {
    let status = response.status();
    let content_type = response.headers().get("content-type");
    match response.text().await {
        Ok(body) => Ok(Answer { status, content_type, body }),
        Err(_) if user_abort.aborted() => Err(ApiError::Cancelled),
        Err(_) if timeout.aborted() => {
            Err(ApiError::TimedOut { what: what.to_owned(), seconds: REQUEST_TIMEOUT_S })
        }
        Err(e) => Err(ApiError::Unreadable { what: what.to_owned(), detail: e.to_string() }),
    }
}

/// A signal that aborts when either does (`AbortSignal.any`, 2024+ browsers); older
/// browsers keep the user's signal and rely on their own network timeouts.
fn either_signal(user_abort: &AbortSignal, timeout: &AbortSignal) -> AbortSignal {
    let constructor = js_sys::Reflect::get(&js_sys::global(), &"AbortSignal".into()).unwrap_or_default();
    if js_sys::Reflect::has(&constructor, &"any".into()).unwrap_or(false) {
        AbortSignal::any(&js_sys::Array::of2(user_abort, timeout))
    } else {
        user_abort.clone()
    }
}

/// A fetch failed without any HTTP status. Mixed content is known from the URLs;
/// otherwise a `no-cors` probe of `/api/health` tells whether the server is up (an
/// opaque answer: the browser blocked the real call, i.e. CORS) or not.
async fn diagnose_network_failure(base: &GrafanaBaseUrl, abort: &AbortSignal) -> ApiError {
    let origin = base.origin().to_owned();
    let page_origin = page_origin();
    if page_origin.starts_with("https:") && origin.starts_with("http:") {
        return ApiError::MixedContent { origin };
    }
    let probe: RequestBuilder = Request::get(&base.join(&ApiRequest::health().path))
        .mode(RequestMode::NoCors)
        .credentials(RequestCredentials::Omit)
        .abort_signal(Some(abort));
    match probe.send().await {
        Ok(_) => ApiError::CorsBlocked { origin, page_origin },
        Err(_) if abort.aborted() => ApiError::Cancelled,
        Err(_) => ApiError::Unreachable { origin },
    }
}

/// Waits `ms` milliseconds on a browser timer.
async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// This page's origin, e.g. `https://me.github.io`.
pub fn page_origin() -> String {
    web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default()
}

/// Loads the demo recording that ships with the site (a relative URL, so the site
/// works under any sub-path).
pub async fn load_recording(abort: &AbortSignal) -> Result<Recording, ApiError> {
    const WHAT: &str = "The bundled demo data";
    let response = Request::get("demo-data/reports.json")
        .abort_signal(Some(abort))
        .send()
        .await
        .map_err(|e| ApiError::Unreadable { what: WHAT.into(), detail: e.to_string() })?;
    let status = response.status();
    let body = response
        .text()
        .await
        .map_err(|e| ApiError::Unreadable { what: WHAT.into(), detail: e.to_string() })?;
    if status != 200 {
        return Err(ApiError::Status { what: WHAT.into(), status, message: String::new() });
    }
    error::decode_ok(WHAT, status, Some("application/json"), &body, |b| serde_json::from_str::<Recording>(b))
}
