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
use promnote_core::api::{ApiError, ApiRequest, BaseUrl, Body, Datasource, Reply, Sent};

use crate::proxy::{self, Proxy};
use crate::term::say;
use crate::tls::{self, Trust};

/// Live servers, and the clients that reach them: one per way out (directly, or through
/// each proxy the environment names) and identity (the client certificate goes to the
/// Grafana origin only).
pub struct Live {
    /// Each way out: the proxy it goes through, whether it presents the client
    /// certificate, its client.
    agents: Vec<(Option<Proxy>, bool, ureq::Agent)>,
    /// Each server's origin and the way out it takes.
    routes: Vec<(String, usize)>,
    servers: Servers,
    /// The `--header`s, sent to the Grafana origin only.
    headers: Vec<(String, String)>,
    timeout_s: u32,
    /// The largest answer read (`--max-answer-mb`).
    max_answer_bytes: u64,
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
    /// Clients for these servers: no redirects followed, `timeout_s` per request, each
    /// server reached through the proxy the environment names for it ([`proxy`]), with
    /// `trust`'s roots; the Grafana origin also gets `trust`'s client certificate and the
    /// `headers`. An error (say what to change) when that is a proxy promnote cannot use.
    pub fn new(
        servers: Servers,
        trust: &Trust,
        headers: Vec<(String, String)>,
        limits: (u32, u64),
        verbose: bool,
    ) -> Result<Self, String> {
        let (timeout_s, max_answer_bytes) = limits;
        let grafana = servers.grafana.as_ref().map(|g| g.base.origin().to_owned());
        let origins: Vec<String> = grafana
            .iter()
            .cloned()
            .chain(servers.direct.iter().map(|d| d.base.origin().to_owned()))
            .collect();
        let env = |name: &str| std::env::var(name).ok();
        let mut agents: Vec<(Option<Proxy>, bool, ureq::Agent)> = Vec::new();
        let mut routes = Vec::new();
        for origin in origins {
            let (scheme, authority) = origin.split_once("://").unwrap_or(("https", origin.as_str()));
            let chosen = proxy::for_server(scheme == "https", host_name(authority), &env)?;
            if verbose {
                if let Some(p) = &chosen {
                    say!("promnote: {origin} through the proxy {} ({})", p.shown(), p.var);
                }
            }
            let identity = trust.client.is_some() && grafana.as_deref() == Some(origin.as_str());
            let at = match agents.iter().position(|(p, i, _)| *p == chosen && *i == identity) {
                Some(at) => at,
                None => {
                    let agent = agent(chosen.as_ref(), trust, identity, timeout_s)?;
                    agents.push((chosen, identity, agent));
                    agents.len() - 1
                }
            };
            routes.push((origin, at));
        }
        if agents.is_empty() {
            agents.push((None, false, agent(None, trust, false, timeout_s)?));
        }
        Ok(Self {
            agents,
            routes,
            servers,
            headers,
            timeout_s,
            max_answer_bytes,
            verbose,
            received: AtomicU64::new(0),
        })
    }

    /// The client and proxy that reach `origin`.
    fn way_to(&self, origin: &str) -> (Option<&Proxy>, &ureq::Agent) {
        let at = self.routes.iter().find(|(o, _)| o == origin).map_or(0, |(_, at)| *at);
        let (proxy, _, agent) = &self.agents[at];
        (proxy.as_ref(), agent)
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
        let (proxy, agent) = self.way_to(base.origin());
        let to_grafana = self.servers.grafana.as_ref().is_some_and(|g| g.base.origin() == base.origin());
        let headers: &[(String, String)] = if to_grafana { &self.headers } else { &[] };
        let result = self.call(agent, &url, request, authorization.as_deref(), headers);
        let sent = result.map_err(|e| unanswered(e, proxy, base, what, self.timeout_s));
        if self.verbose {
            let outcome = match &sent {
                Ok(reply) => format!("{} ({} bytes)", reply.status, reply.body.len()),
                Err(e) => format!("no answer: {e}"),
            };
            say!(
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
        agent: &ureq::Agent,
        url: &str,
        request: &ApiRequest,
        authorization: Option<&str>,
        headers: &[(String, String)],
    ) -> Result<Reply, ureq::Error> {
        let response = match &request.body {
            Body::None => {
                let mut call = agent.get(url).header("Accept", "application/json");
                for (name, value) in headers {
                    call = call.header(name, value);
                }
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
                let mut call =
                    agent.post(url).header("Accept", "application/json").header("Content-Type", kind);
                for (name, value) in headers {
                    call = call.header(name, value);
                }
                match authorization {
                    Some(value) => call.header("Authorization", value).send(body.as_str()),
                    None => call.send(body.as_str()),
                }
            }
        }?;
        let Forwarded { status, content_type, body } = read_answer(response, self.max_answer_bytes)?;
        self.received.fetch_add(body.len() as u64, Ordering::Relaxed);
        Ok(Reply { status, content_type, body: text_from_bytes(body) })
    }
}

/// An answer's status, content type and body, read up to `limit` bytes (refused before
/// reading when its Content-Length says more).
fn read_answer(mut response: ureq::http::Response<ureq::Body>, limit: u64) -> Result<Forwarded, ureq::Error> {
    let status = response.status().as_u16();
    let content_type =
        response.headers().get("content-type").and_then(|v| v.to_str().ok()).map(str::to_owned);
    if response.body().content_length().is_some_and(|n| n > limit) {
        return Err(ureq::Error::BodyExceedsLimit(limit));
    }
    // Sized from Content-Length when there is one: a growing buffer would double past it.
    let expected = response.body().content_length().unwrap_or(0).min(limit);
    let mut body = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
    response.body_mut().with_config().limit(limit).reader().read_to_end(&mut body)?;
    Ok(Forwarded { status, content_type, body })
}

/// What a request that got no answer from `base` (through `proxy`) means to the user.
fn unanswered(
    error: ureq::Error,
    proxy: Option<&Proxy>,
    base: &BaseUrl,
    what: &str,
    timeout_s: u32,
) -> ApiError {
    let worded = |message: String| ApiError::Worded { message };
    match error {
        ureq::Error::ConnectProxyFailed(why) => worded(match proxy {
            Some(p) => format!(
                "The proxy {} ({}) refused to connect to {} ({why}): check what the proxy allows, or add the host to NO_PROXY to connect directly.",
                p.shown(),
                p.var,
                base.origin()
            ),
            None => format!("A proxy refused to connect to {} ({why}).", base.origin()),
        }),
        ureq::Error::Timeout(_) => ApiError::TimedOut { what: what.to_owned(), seconds: timeout_s },
        ureq::Error::BodyExceedsLimit(limit) => ApiError::TooLarge {
            what: what.to_owned(),
            limit_mb: limit >> 20,
            hint: format!(", or raise --max-answer-mb (now {})", limit >> 20),
        },
        e => match tls::refusal(&e, base.host()) {
            Some(message) => worded(message),
            None if matches!(e, ureq::Error::Tls(_)) => worded(format!(
                "Could not make a secure (TLS) connection to {}: {e}. Check the address and its certificate.",
                base.origin()
            )),
            // Through a proxy, either hop may be the one that did not answer.
            None => match proxy {
                Some(p) => worded(format!(
                    "Could not reach {} through the proxy {} ({}): nothing answered. Check that the proxy runs and lets this computer reach the server, or add the host to NO_PROXY to connect directly.",
                    base.origin(),
                    p.shown(),
                    p.var
                )),
                None => ApiError::Unreachable { origin: base.origin().to_owned() },
            },
        },
    }
}

/// One server `promnote serve` forwards the page's requests to, with promnote's rules
/// (the environment's proxy, the trust store, no redirects followed, a time limit, the
/// answer cap) and, for the Grafana origin, `--header`s and the client certificate.
pub struct Upstream {
    /// Its base address.
    pub base: BaseUrl,
    proxy: Option<Proxy>,
    agent: ureq::Agent,
    headers: Vec<(String, String)>,
    timeout_s: u32,
    max_answer_bytes: u64,
}

/// What an upstream server answered: status, content type and body, whatever the status.
pub struct Forwarded {
    /// The HTTP status.
    pub status: u16,
    /// Its `Content-Type`.
    pub content_type: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

impl Upstream {
    /// A client for `base`; `grafana` adds `trust`'s client certificate and `headers`.
    pub fn new(
        base: BaseUrl,
        trust: &Trust,
        grafana: bool,
        headers: Vec<(String, String)>,
        limits: (u32, u64),
    ) -> Result<Self, String> {
        let env = |name: &str| std::env::var(name).ok();
        let (scheme, authority) = base.origin().split_once("://").unwrap_or(("https", base.origin()));
        let proxy = proxy::for_server(scheme == "https", host_name(authority), &env)?;
        let identity = grafana && trust.client.is_some();
        let agent = agent(proxy.as_ref(), trust, identity, limits.0)?;
        let headers = if grafana { headers } else { Vec::new() };
        Ok(Self { base, proxy, agent, headers, timeout_s: limits.0, max_answer_bytes: limits.1 })
    }

    /// Sends `method` to `url` (under [`Upstream::base`]) with the page's `headers` and
    /// `body`; the answer whatever its status, or why there is none, worded for people.
    pub fn forward(
        &self,
        method: &str,
        url: &str,
        headers: &[(String, String)],
        body: Vec<u8>,
    ) -> Result<Forwarded, String> {
        let what = self.base.host().to_owned();
        let result = (|| -> Result<Forwarded, ureq::Error> {
            let mut request = ureq::http::Request::builder().method(method).uri(url);
            for (name, value) in headers.iter().chain(&self.headers) {
                request = request.header(name, value);
            }
            let request = request.body(body).map_err(ureq::Error::from)?;
            read_answer(self.agent.run(request)?, self.max_answer_bytes)
        })();
        result.map_err(|e| unanswered(e, self.proxy.as_ref(), &self.base, &what, self.timeout_s).to_string())
    }
}

/// A client that goes through `proxy` (or directly: never through a proxy ureq would
/// read from the environment on its own), with promnote's rules: no redirects followed,
/// `timeout_s` per request, every status answered; `trust`'s roots, and its client
/// certificate when `identity`.
fn agent(
    proxy: Option<&Proxy>,
    trust: &Trust,
    identity: bool,
    timeout_s: u32,
) -> Result<ureq::Agent, String> {
    let proxy = match proxy {
        Some(p) => Some(ureq::Proxy::new(&p.url).map_err(|e| {
            format!("{} ({}) is not a proxy address promnote can read: {e}", p.var, p.shown())
        })?),
        None => None,
    };
    let config = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(u64::from(timeout_s))))
        // A redirect is answered as it is (and read as a login page): the token never
        // follows it to another address.
        .max_redirects(0)
        .max_redirects_will_error(false)
        .http_status_as_error(false)
        .user_agent(concat!("promnote/", env!("CARGO_PKG_VERSION")))
        .proxy(proxy)
        .tls_config(
            ureq::tls::TlsConfig::builder()
                .root_certs(trust.roots.clone())
                .client_cert(if identity { trust.client.clone() } else { None })
                .build(),
        )
        .build();
    Ok(config.into())
}

/// Posts `body` (JSON) to a chat webhook at `url`, through the proxy the environment
/// names for it and with `trust`'s roots, and no credential of promnote's: the address
/// itself is the webhook's secret. An error says why, without the address's path.
pub fn post_json(url: &str, body: &str, trust: &Trust) -> Result<(), String> {
    let (scheme, rest) = url.split_once("://").unwrap_or(("https", url));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let env = |name: &str| std::env::var(name).ok();
    let chosen = proxy::for_server(scheme == "https", host_name(authority), &env)?;
    let agent = agent(chosen.as_ref(), trust, false, 60)?;
    let answer = agent.post(url).header("Content-Type", "application/json").send(body).map_err(|e| {
        tls::refusal(&e, host_name(authority))
            .unwrap_or_else(|| format!("no answer: {}", e.to_string().replace(url, &shown_url(url))))
    })?;
    let status = answer.status().as_u16();
    if (200..300).contains(&status) {
        return Ok(());
    }
    let mut text = String::new();
    let _ = answer.into_body().into_reader().take(300).read_to_string(&mut text);
    Err(format!("it answered HTTP {status}: {}", text.trim()))
}

/// A webhook's address as messages show it: its origin only (the path of a chat
/// webhook is its secret).
pub fn shown_url(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    format!("{scheme}://{host}/…")
}

/// A `host[:port]` without its port: `grafana.example.org`, `[::1]`.
fn host_name(authority: &str) -> &str {
    if authority.starts_with('[') {
        return authority.split_once(']').map_or(authority, |(h, _)| &authority[..=h.len()]);
    }
    match authority.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') && port.chars().all(|c| c.is_ascii_digit()) => host,
        _ => authority,
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

    /// Where a snapshot says it came from ([`Servers::source`]): never a credential, nor
    /// the address of a server called directly.
    pub fn source(&self) -> Option<String> {
        match self {
            Transport::Live(live) => Some(live.servers.source()),
            Transport::Replay(_) => None,
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
