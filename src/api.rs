//! The one module that does HTTP. Every call goes through [`Transport::send`], to Grafana
//! or to a Prometheus the user typed for direct use: it attaches that server's own
//! credentials (only to the origin the user typed), never follows a redirect, carries an
//! abort signal and a timeout, and turns a request without an answer into an
//! [`ApiError`], telling a dead server from a CORS refusal. What an answer means, and
//! whether to retry or fall back, is the core's ([`promnote_core::run`]):
//! [`Transport::drive`] runs its machines. Requests are built for Grafana's datasource
//! proxy; those for a direct datasource go to its Prometheus API instead. The demo data
//! and published snapshots swap the network for a [`Recording`] behind the same interface.
//! The site's own published files (its snapshot index, snapshots and their attachments,
//! sealed or not) are fetched here too, within the same cap as any answer.

use std::fmt;
use std::rc::Rc;

use gloo_net::http::{Request, RequestBuilder, Response};
use promnote_core::api::encoding::text_from_bytes;
use promnote_core::api::error;
use promnote_core::api::replay::{Recording, Snapshot, SnapshotIndex};
use promnote_core::api::reply::NOT_RECORDED;
use promnote_core::api::seal;
use promnote_core::api::servers::{Servers, Target};
use promnote_core::api::{ApiError, ApiRequest, Body, Datasource, Reply, Sent};
use promnote_core::run::machine::{MAX_ANSWER_BYTES, REQUEST_TIMEOUT_S};
use promnote_core::run::{Machine, Next};
use promnote_core::time::clock::taken_at_text;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{AbortController, AbortSignal, RequestCredentials, RequestMode, RequestRedirect, ResponseType};

/// What a replay answers from: the site's demo data, or a published report's snapshot.
#[derive(Debug)]
pub enum Replayed {
    /// The bundled demo recording.
    Demo(Recording),
    /// A snapshot taken by `promnote snapshot`.
    Snapshot(Snapshot),
}

impl Replayed {
    /// The recorded answers.
    pub fn recording(&self) -> &Recording {
        match self {
            Replayed::Demo(recording) => recording,
            Replayed::Snapshot(snapshot) => &snapshot.recording,
        }
    }
}

/// Where requests go: live servers, or recorded answers.
#[derive(Debug, Clone)]
pub enum Transport {
    /// A live Grafana and/or Prometheus servers called directly.
    Live(Rc<Servers>),
    /// Recorded answers.
    Replay(Rc<Replayed>),
}

impl Transport {
    /// Sends one request and returns its answer, whatever its status; `what` names it
    /// for messages ("cluster-north"). An answer that never came is an [`ApiError`].
    pub async fn send(&self, request: &ApiRequest, what: &str, abort: &AbortSignal) -> Sent {
        match self {
            Transport::Replay(replayed) => replayed.recording().sent(request, what),
            Transport::Live(servers) => match servers.target(request) {
                Some(target) => send_live(&target, request, what, abort).await,
                None => Err(ApiError::Worded {
                    message: format!("{what}: this needs a Grafana, and none is connected."),
                }),
            },
        }
    }

    /// Drives one of the core's conversations ([`Machine`]) to its end: sends what it
    /// asks and waits the pauses it asks for (not when replaying: a recording answers the
    /// same at once). Once the user's signal has aborted, the next send fails at once as
    /// cancelled, which ends every conversation.
    pub async fn drive<M: Machine>(&self, mut machine: M, abort: &AbortSignal) -> M::Output {
        loop {
            let sent = self.send(machine.request(), machine.what(), abort).await;
            match machine.answer(sent) {
                Next::Done(output) => return output,
                Next::Send { after_ms } => {
                    if after_ms > 0 && matches!(self, Transport::Live(_)) {
                        crate::perf::sleep_ms(i32::try_from(after_ms).unwrap_or(i32::MAX)).await;
                    }
                }
            }
        }
    }

    /// Whether this transport lists datasources from a Grafana (live or recorded).
    pub fn has_grafana(&self) -> bool {
        match self {
            Transport::Live(live) => live.grafana.is_some(),
            Transport::Replay(_) => true,
        }
    }

    /// The Prometheus servers called directly, as datasources.
    pub fn direct_datasources(&self) -> Vec<Datasource> {
        match self {
            Transport::Live(servers) => servers.direct_datasources(),
            Transport::Replay(_) => Vec::new(),
        }
    }

    /// The snapshot being replayed, if any.
    pub fn snapshot(&self) -> Option<&Snapshot> {
        match self {
            Transport::Replay(replayed) => match &**replayed {
                Replayed::Snapshot(snapshot) => Some(snapshot),
                Replayed::Demo(_) => None,
            },
            Transport::Live(_) => None,
        }
    }

    /// An error as the user reads it: without any secret, and, on a snapshot, saying that
    /// it happened when the snapshot was taken (or that the snapshot holds no such answer).
    pub fn describe(&self, error: &ApiError) -> String {
        match self {
            Transport::Live(servers) => servers.redact(&error.to_string()),
            Transport::Replay(replayed) => match (&**replayed, error) {
                (Replayed::Snapshot(_), ApiError::Status { message, .. }) if message == NOT_RECORDED => {
                    "This snapshot holds no answer for that: it was taken with the report as published. Connect to Grafana to run it live.".into()
                }
                (Replayed::Snapshot(snapshot), e) => {
                    format!("When the snapshot was taken ({}): {e}", taken_at_text(snapshot.taken_at_ms))
                }
                (Replayed::Demo(_), e) => e.to_string(),
            },
        }
    }
}

async fn send_live(target: &Target<'_>, request: &ApiRequest, what: &str, user_abort: &AbortSignal) -> Sent {
    let url = &target.url;
    let deadline = Deadline::start(user_abort, REQUEST_TIMEOUT_S);
    let signal = deadline.signal();
    let builder = match request.body {
        Body::None => Request::get(url),
        Body::Form(_) => Request::post(url).header("Content-Type", "application/x-www-form-urlencoded"),
        Body::Json(_) => Request::post(url).header("Content-Type", "application/json"),
    }
    .header("Accept", "application/json");
    let builder = match &target.authorization {
        Some(value) => builder.header("Authorization", value),
        None => builder,
    }
    // The typed credential is the only one: no cookies, and never re-sent across a redirect.
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
        Err(_) if deadline.passed() => {
            return Err(ApiError::TimedOut { what: what.to_owned(), seconds: REQUEST_TIMEOUT_S })
        }
        Err(_) => return Err(diagnose_network_failure(target, user_abort).await),
    };
    if response.type_() == ResponseType::Opaqueredirect {
        let not_json = ApiError::NotJson { what: what.to_owned(), status: 302 };
        return Err(if target.direct { error::as_direct(not_json) } else { not_json });
    }
    if user_abort.aborted() {
        return Err(ApiError::Cancelled);
    }
    read(response, what, user_abort, &deadline).await
}

/// An answer over the page's cap ([`MAX_ANSWER_BYTES`]).
fn too_large(what: &str) -> ApiError {
    ApiError::TooLarge { what: what.to_owned(), limit_mb: MAX_ANSWER_BYTES >> 20, hint: String::new() }
}

/// The answer's Content-Length, if it says one; refused before it is read when it is
/// over the page's cap.
fn declared_size(response: &Response, what: &str) -> Result<Option<u64>, ApiError> {
    let declared = response.headers().get("content-length").and_then(|n| n.trim().parse::<u64>().ok());
    match declared {
        Some(n) if n > MAX_ANSWER_BYTES => Err(too_large(what)),
        declared => Ok(declared),
    }
}

async fn read(response: Response, what: &str, user_abort: &AbortSignal, deadline: &Deadline) -> Sent {
    let status = response.status();
    let content_type = response.headers().get("content-type");
    let declared = declared_size(&response, what)?;
    // The body as bytes, copied once into wasm memory (`text()` would decode it to UTF-16
    // only for wasm-bindgen to encode it back); without a Content-Length (a compressed
    // answer), read chunk by chunk and counted, so that it stops at the cap all the same.
    match read_capped(&response, declared, MAX_ANSWER_BYTES).await {
        Ok(Some(bytes)) => Ok(Reply { status, content_type, body: text_from_bytes(bytes) }),
        Ok(None) => Err(too_large(what)),
        Err(_) if user_abort.aborted() => Err(ApiError::Cancelled),
        Err(_) if deadline.passed() => {
            Err(ApiError::TimedOut { what: what.to_owned(), seconds: REQUEST_TIMEOUT_S })
        }
        Err(e) => Err(ApiError::Unreadable {
            what: what.to_owned(),
            detail: e.as_string().unwrap_or_else(|| "the answer could not be read".to_owned()),
        }),
    }
}

/// The body's bytes, or `None` once they pass `limit` (the rest is not read). A body whose
/// size was `declared` (and checked) is read whole.
async fn read_capped(
    response: &Response,
    declared: Option<u64>,
    limit: u64,
) -> Result<Option<Vec<u8>>, JsValue> {
    // A declared size is known to be within the limit: read at once, as one copy.
    if declared.is_some() {
        return response.binary().await.map(Some).map_err(|e| JsValue::from_str(&e.to_string()));
    }
    let Some(stream) = response.body() else { return Ok(Some(Vec::new())) };
    let reader: web_sys::ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let mut bytes = Vec::with_capacity(usize::try_from(declared.unwrap_or(0).min(limit)).unwrap_or(0));
    loop {
        let chunk = wasm_bindgen_futures::JsFuture::from(reader.read()).await?;
        if js_sys::Reflect::get(&chunk, &JsValue::from_str("done"))?.as_bool().unwrap_or(true) {
            return Ok(Some(bytes));
        }
        let value: js_sys::Uint8Array =
            js_sys::Reflect::get(&chunk, &JsValue::from_str("value"))?.unchecked_into();
        let start = bytes.len();
        let end = start + value.length() as usize;
        if end as u64 > limit {
            let _ = reader.cancel();
            return Ok(None);
        }
        bytes.resize(end, 0);
        value.copy_to(&mut bytes[start..]);
    }
}

/// One request's abort signal: it aborts when the user's does, or when the request has
/// taken longer than its time limit. A plain browser timer and controller (rather than
/// `AbortSignal.timeout`/`any`) work in every browser and follow the page's clock. Both
/// the timer and the user's signal call the controller's own `abort` (no Rust closure
/// that could outlive the request); both are removed when the request is done.
struct Deadline {
    controller: Option<AbortController>,
    abort: Option<js_sys::Function>,
    user: AbortSignal,
    timer: Option<i32>,
}

impl Deadline {
    fn start(user: &AbortSignal, seconds: u32) -> Self {
        let controller = AbortController::new().ok();
        // `abort` with its reason bound to `undefined`: called as the user's signal's
        // listener, it would otherwise take the event as the reason, and the fetch would
        // reject with an Event, which gloo-net cannot turn into an error (it throws a JS
        // exception inside the poll, and the task is left half-run).
        let abort = controller.as_ref().and_then(|c| {
            let method = js_sys::Reflect::get(c, &"abort".into()).ok()?;
            Some(method.dyn_into::<js_sys::Function>().ok()?.bind1(c, &JsValue::UNDEFINED).unchecked_into())
        });
        let mut timer = None;
        if let (Some(abort), Some(controller)) = (&abort, &controller) {
            timer = web_sys::window().and_then(|w| {
                w.set_timeout_with_callback_and_timeout_and_arguments_0(
                    abort,
                    i32::try_from(seconds.saturating_mul(1000)).unwrap_or(i32::MAX),
                )
                .ok()
            });
            if user.aborted() {
                controller.abort();
            } else {
                let _ = user.add_event_listener_with_callback("abort", abort);
            }
        }
        Self { controller, abort, user: user.clone(), timer }
    }

    /// The signal to give the fetch (the user's own where there is no AbortController).
    fn signal(&self) -> AbortSignal {
        self.controller.as_ref().map_or_else(|| self.user.clone(), AbortController::signal)
    }

    /// Whether the time limit, not the user, aborted the request.
    fn passed(&self) -> bool {
        self.controller.as_ref().is_some_and(|c| c.signal().aborted()) && !self.user.aborted()
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        if let (Some(window), Some(timer)) = (web_sys::window(), self.timer) {
            window.clear_timeout_with_handle(timer);
        }
        if let Some(abort) = &self.abort {
            let _ = self.user.remove_event_listener_with_callback("abort", abort);
        }
    }
}

/// A fetch failed without any HTTP status. Mixed content is known from the URLs;
/// otherwise a `no-cors` probe tells whether the server is up (an opaque answer: the
/// browser blocked the real call, i.e. CORS) or not. Grafana is probed at `/api/health`;
/// a Prometheus at its base address, whatever answers there.
async fn diagnose_network_failure(target: &Target<'_>, abort: &AbortSignal) -> ApiError {
    let origin = target.base.origin().to_owned();
    let page_origin = page_origin();
    if target.base.is_mixed_content_for(&page_origin) {
        return ApiError::MixedContent { origin };
    }
    let probe_url =
        if target.direct { target.base.as_str() } else { target.base.join(&ApiRequest::health().path) };
    let probe: RequestBuilder = Request::get(&probe_url)
        .mode(RequestMode::NoCors)
        .credentials(RequestCredentials::Omit)
        .abort_signal(Some(abort));
    match probe.send().await {
        // The whole address: a wrong path is as likely as a proxy refusing the preflight.
        Ok(_) if target.direct => ApiError::DirectCorsBlocked { address: target.base.as_str(), page_origin },
        Ok(_) => ApiError::CorsBlocked { origin, page_origin },
        Err(_) if abort.aborted() => ApiError::Cancelled,
        Err(_) => ApiError::Unreachable { origin },
    }
}

/// This page's origin, e.g. `https://me.github.io`.
pub fn page_origin() -> String {
    web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default()
}

/// Loads the demo recording that ships with the site (a relative URL, so the site
/// works under any sub-path).
pub async fn load_recording(abort: &AbortSignal) -> Result<Recording, ApiError> {
    load_json("demo-data/reports.json", "The bundled demo data", abort, |b| {
        serde_json::from_str::<Recording>(b).map_err(|e| e.to_string())
    })
    .await
}

/// What `snapshots/index.json` is: a plain index, or a sealed one (its bytes, opened
/// with the passphrase by [`crate::site`]).
#[derive(Debug)]
pub enum PublishedIndex {
    /// The snapshots, readable by anyone.
    Plain(SnapshotIndex),
    /// The sealed index's bytes.
    Sealed(Vec<u8>),
}

/// The snapshots this site carries (`snapshots/index.json`), if it carries any. A site
/// without them answers 404 (or 403, or its index.html): that is no error. Only an index
/// this page cannot read is one.
pub async fn load_snapshot_index(abort: &AbortSignal) -> Result<Option<PublishedIndex>, ApiError> {
    const WHAT: &str = "The site's snapshot index";
    let file = match fetch_file(&published_url("index.json"), WHAT, abort).await {
        Ok(file) if file.status == 200 => file,
        Err(ApiError::Cancelled) => return Err(ApiError::Cancelled),
        // No file (404, 403, a host's index.html for every path): no snapshots.
        _ => return Ok(None),
    };
    if seal::is_sealed(&file.bytes) {
        return Ok(Some(PublishedIndex::Sealed(file.bytes)));
    }
    let text = text_from_bytes(file.bytes);
    match error::decode_ok(WHAT, file.status, file.content_type.as_deref(), &text, SnapshotIndex::parse) {
        Ok(index) => Ok(Some(PublishedIndex::Plain(index))),
        // A JSON file that is not an index this page reads: say so.
        Err(e @ ApiError::Unreadable { .. }) if e.to_string().contains("The snapshot index") => Err(e),
        // A host's index.html for every path: no snapshots.
        Err(_) => Ok(None),
    }
}

/// The address of a published file, by its name in the snapshots folder (encoded: a
/// name can never reach outside the folder).
pub fn published_url(file: &str) -> String {
    // Each folder of a dated copy (`history/2026-12-05/x.json`) encoded on its own; a
    // `.` or `..` from the index never climbs out of the snapshots folder.
    let path: Vec<String> = file
        .split('/')
        .map(|segment| match segment {
            "." | ".." => "_".to_owned(),
            segment => promnote_core::api::encoding::encode_component(segment),
        })
        .collect();
    format!("snapshots/{}", path.join("/"))
}

/// One snapshot of this site, by its file name in the index.
pub async fn load_snapshot(file: &str, abort: &AbortSignal) -> Result<Snapshot, ApiError> {
    load_json(&published_url(file), "The report's snapshot", abort, Snapshot::parse).await
}

/// A file of this site (same origin, no credentials) as bytes; an answer other than 200
/// is an error.
pub async fn load_bytes(url: &str, what: &str, abort: &AbortSignal) -> Result<Vec<u8>, ApiError> {
    let file = fetch_file(url, what, abort).await?;
    if file.status != 200 {
        return Err(ApiError::Status { what: what.into(), status: file.status, message: String::new() });
    }
    Ok(file.bytes)
}

/// Fetches a file of this site (same origin, no credentials) and decodes it.
async fn load_json<T, E: fmt::Display>(
    url: &str,
    what: &str,
    abort: &AbortSignal,
    decode: impl FnOnce(&str) -> Result<T, E>,
) -> Result<T, ApiError> {
    let file = fetch_file(url, what, abort).await?;
    if file.status != 200 {
        return Err(ApiError::Status { what: what.into(), status: file.status, message: String::new() });
    }
    let body = text_from_bytes(file.bytes);
    error::decode_ok(what, file.status, file.content_type.as_deref(), &body, decode)
}

/// A file of this site as it answered.
struct SiteFile {
    status: u16,
    content_type: Option<String>,
    bytes: Vec<u8>,
}

/// Fetches a file of this site (same origin, no credentials), whatever its status, read
/// within the page's cap ([`MAX_ANSWER_BYTES`]) as any answer is.
async fn fetch_file(url: &str, what: &str, abort: &AbortSignal) -> Result<SiteFile, ApiError> {
    let failed = |detail: String| {
        if abort.aborted() {
            ApiError::Cancelled
        } else {
            ApiError::Unreadable { what: what.into(), detail }
        }
    };
    let response =
        Request::get(url).abort_signal(Some(abort)).send().await.map_err(|e| failed(e.to_string()))?;
    let status = response.status();
    let content_type = response.headers().get("content-type");
    let declared = declared_size(&response, what)?;
    match read_capped(&response, declared, MAX_ANSWER_BYTES).await {
        Ok(Some(bytes)) => Ok(SiteFile { status, content_type, bytes }),
        Ok(None) => Err(too_large(what)),
        Err(e) => Err(failed(e.as_string().unwrap_or_else(|| "the file could not be read".to_owned()))),
    }
}
