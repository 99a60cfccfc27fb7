//! The one module that does HTTP. [`Transport::send`] sends a core [`ApiRequest`] to
//! Grafana, or to a Prometheus called directly, with that server's own credentials only
//! (never to another origin, never across a redirect), under a per-request timeout, and
//! returns the answer whatever its status; a request that got no answer becomes an
//! [`ApiError`]. A [`Transport::Replay`] answers from a recording instead. What answers
//! mean, retries and fallbacks are the core's (`promnote_core::run`).

use std::io::Read as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use promnote_core::api::encoding::text_from_bytes;
use promnote_core::api::replay::Recording;
use promnote_core::api::servers::{Servers, Target};
use promnote_core::api::{ApiError, ApiRequest, Body, Datasource, Reply, Sent};

/// Answers larger than this are refused rather than read into memory.
const MAX_BODY_BYTES: u64 = 1 << 30;

/// Live servers, and the client that reaches them.
pub struct Live {
    agent: ureq::Agent,
    servers: Servers,
    timeout_s: u32,
    verbose: bool,
    received: AtomicU64,
}

/// Where requests go.
pub enum Transport {
    /// Live servers.
    Live(Live),
    /// A recording (demo data or a snapshot), answered at once.
    Replay(Recording),
}

impl Live {
    /// A client for these servers: no redirects followed, `timeout_s` per request.
    pub fn new(servers: Servers, timeout_s: u32, verbose: bool) -> Self {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(u64::from(timeout_s))))
            // A redirect is answered as it is (and read as a login page): the token never
            // follows it to another address.
            .max_redirects(0)
            .max_redirects_will_error(false)
            .http_status_as_error(false)
            .user_agent(concat!("promnote/", env!("CARGO_PKG_VERSION")))
            .build();
        Self { agent: config.into(), servers, timeout_s, verbose, received: AtomicU64::new(0) }
    }

    fn send(&self, request: &ApiRequest, what: &str) -> Sent {
        let Some(Target { url, base, authorization, .. }) = self.servers.target(request) else {
            return Err(ApiError::Worded {
                message: format!("{what}: this needs a Grafana (--grafana), and none was given."),
            });
        };
        #[expect(
            clippy::disallowed_methods,
            reason = "a native binary: Instant works here (the lint is for wasm32)"
        )]
        let started = std::time::Instant::now();
        let result = self.call(&url, request, authorization.as_deref());
        let sent = match result {
            Ok(reply) => Ok(reply),
            Err(ureq::Error::Timeout(_)) => Err(ApiError::TimedOut { what: what.to_owned(), seconds: self.timeout_s }),
            Err(ureq::Error::BodyExceedsLimit(limit)) => Err(ApiError::Worded {
                message: format!("{what} answered with more than {} MB; use a shorter range or a larger step.", limit >> 20),
            }),
            Err(e @ (ureq::Error::Tls(_) | ureq::Error::Rustls(_))) => Err(ApiError::Worded {
                message: format!("Could not make a secure (TLS) connection to {}: {e}. Check the address and its certificate.", base.origin()),
            }),
            Err(_) => Err(ApiError::Unreachable { origin: base.origin().to_owned() }),
        };
        if self.verbose {
            let outcome = match &sent {
                Ok(reply) => format!("{} ({} bytes)", reply.status, reply.body.len()),
                Err(e) => format!("no answer: {e}"),
            };
            eprintln!(
                "promnote: {} {} -> {outcome} in {} ms",
                request.method(),
                url,
                started.elapsed().as_millis()
            );
        }
        sent
    }

    fn call(
        &self,
        url: &str,
        request: &ApiRequest,
        authorization: Option<&str>,
    ) -> Result<Reply, ureq::Error> {
        let mut response = match &request.body {
            Body::None => {
                let call = self.agent.get(url).header("Accept", "application/json");
                match authorization {
                    Some(value) => call.header("Authorization", value).call(),
                    None => call.call(),
                }
            }
            Body::Form(body) | Body::Json(body) => {
                let kind = if matches!(request.body, Body::Form(_)) {
                    "application/x-www-form-urlencoded"
                } else {
                    "application/json"
                };
                let call =
                    self.agent.post(url).header("Accept", "application/json").header("Content-Type", kind);
                match authorization {
                    Some(value) => call.header("Authorization", value).send(body.as_str()),
                    None => call.send(body.as_str()),
                }
            }
        }?;
        let status = response.status().as_u16();
        let content_type =
            response.headers().get("content-type").and_then(|v| v.to_str().ok()).map(str::to_owned);
        // Sized from Content-Length when there is one: a growing buffer would double past it.
        let expected = response.body().content_length().unwrap_or(0).min(MAX_BODY_BYTES);
        let mut bytes = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
        response.body_mut().with_config().limit(MAX_BODY_BYTES).reader().read_to_end(&mut bytes)?;
        self.received.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        let body = text_from_bytes(bytes);
        Ok(Reply { status, content_type, body })
    }
}

impl Transport {
    /// Sends one request; `what` names it for messages.
    pub fn send(&self, request: &ApiRequest, what: &str) -> Sent {
        match self {
            Transport::Live(live) => live.send(request, what),
            Transport::Replay(recording) => recording.sent(request, what),
        }
    }

    /// Whether pauses between retries are worth waiting (a recording answers the same at once).
    pub fn waits(&self) -> bool {
        matches!(self, Transport::Live(_))
    }

    /// The bytes of answers received so far.
    pub fn received(&self) -> u64 {
        match self {
            Transport::Live(live) => live.received.load(Ordering::Relaxed),
            Transport::Replay(_) => 0,
        }
    }

    /// Whether a Grafana lists datasources here (live, or in the recording).
    pub fn has_grafana(&self) -> bool {
        match self {
            Transport::Live(live) => live.servers.grafana.is_some(),
            Transport::Replay(_) => true,
        }
    }

    /// The servers called directly, as datasources.
    pub fn direct_datasources(&self) -> Vec<Datasource> {
        match self {
            Transport::Live(live) => live.servers.direct_datasources(),
            Transport::Replay(_) => Vec::new(),
        }
    }

    /// The servers' host names, for a snapshot's banner (never a credential).
    pub fn servers(&self) -> Vec<String> {
        match self {
            Transport::Live(live) => live.servers.hosts(),
            Transport::Replay(_) => Vec::new(),
        }
    }

    /// An error as the user reads it, without any secret.
    pub fn describe(&self, error: &ApiError) -> String {
        self.redact(&error.to_string())
    }

    /// A message without any secret of these servers (defence in depth).
    pub fn redact(&self, text: &str) -> String {
        match self {
            Transport::Live(live) => live.servers.redact(text),
            Transport::Replay(_) => text.to_owned(),
        }
    }

    /// The credential whose text `text` holds, if any, named as the user knows it
    /// ([`Servers::found_in`]).
    pub fn secret_in(&self, text: &str) -> Option<String> {
        match self {
            Transport::Live(live) => live.servers.found_in(text),
            Transport::Replay(_) => None,
        }
    }
}
