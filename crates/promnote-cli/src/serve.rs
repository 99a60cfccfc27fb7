//! `promnote serve`: the site, built into this binary, on loopback, with `/api/` forwarded
//! to `--grafana` and `/prometheus/N/` to the N-th `--prometheus`, so the page reaches a
//! stock Grafana from its own origin (no CORS, no admin). The token stays in the page: the
//! server keeps nothing, logs no header, and forwards the page's `Authorization` only to
//! the server of the path it came on. A request whose `Host` is not this server's is
//! refused (a web page elsewhere cannot rebind a name to it), and so is a forwarded one
//! from another site (its `Origin` or `Sec-Fetch-Site` says so: no cross-site request
//! rides on `--header` or the client certificate). Forwarded answers carry a sandboxing
//! Content-Security-Policy, as Grafana's proxy does, so that nothing an upstream sends can
//! run as this origin. The site's
//! Content-Security-Policy is its own `index.html`'s, served unchanged but for one
//! `<meta name="promnote-serve">` that tells the page where its servers are.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use promnote_core::api::BaseUrl;
use serde_json::json;

use crate::args::header;
use crate::cli::{ConnectArgs, ServeArgs};
use crate::http::{Forwarded, Upstream};
use crate::term::say;
use crate::tls::{self, TlsFiles};
use crate::{Exit, Fail};

mod site {
    include!(concat!(env!("OUT_DIR"), "/site.rs"));
}

/// The most connections served at once.
const MAX_CONNECTIONS: usize = 64;

/// The largest request head and body the page sends (a query is a few KB).
const MAX_HEAD_BYTES: usize = 64 * 1024;
const MAX_BODY_BYTES: u64 = 16 * 1024 * 1024;

/// The page's request headers that go on to an upstream server. Cookies never do.
const FORWARDED_HEADERS: [&str; 3] = ["authorization", "content-type", "accept"];

struct Server {
    grafana: Option<Upstream>,
    prometheus: Vec<Upstream>,
    /// The `Host` values accepted ([`allowed_hosts`]); never empty.
    hosts: Vec<String>,
    /// `index.html` with the page's `promnote-serve` meta.
    index: Vec<u8>,
}

/// Runs `promnote serve` until it is stopped.
pub fn serve(connect: &ConnectArgs, args: &ServeArgs) -> Result<Exit, Fail> {
    if site::FILES.is_empty() {
        return Err(Fail::input(
            "this promnote was built without the site: build it (dev/build), then build promnote again (cargo build -p promnote-cli), or download a release, which carries it",
        ));
    }
    if connect.replay.is_some() {
        return Err(Fail::input(
            "serve forwards to live servers: give --grafana URL or --prometheus URL, not --replay",
        ));
    }
    let grafana = connect
        .grafana
        .as_deref()
        .map(|url| BaseUrl::parse(url).map_err(|e| Fail::input(format!("--grafana: {e}"))))
        .transpose()?;
    let prometheus = connect
        .prometheus
        .iter()
        .map(|url| BaseUrl::parse_prometheus(url).map_err(|e| Fail::input(format!("--prometheus: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    if grafana.is_none() && prometheus.is_empty() {
        return Err(Fail::input("say where to forward: --grafana URL (and/or --prometheus URL)"));
    }
    if grafana.is_none() && (!connect.header.is_empty() || connect.client_cert.is_some()) {
        return Err(Fail::input(
            "--header and --client-cert go to the Grafana origin only: give --grafana URL",
        ));
    }
    if !connect.prometheus_token_file.is_empty() || !connect.prometheus_user.is_empty() {
        return Err(Fail::input(
            "serve forwards the page's own sign-in: choose it in the page's form (under Prometheus directly), not with --prometheus-token-file or --prometheus-user",
        ));
    }
    // The page's token would cross the network in clear from here on.
    if let (false, Some(clear)) =
        (connect.allow_http, grafana.iter().chain(&prometheus).find(|b| b.is_plain_http_remote()))
    {
        return Err(Fail::input(format!(
            "{} is plain http:// to another machine: the token you paste would cross the network unencrypted. Use its https:// address, or pass --allow-http if this network is trusted",
            clear.origin()
        )));
    }
    let headers = connect.header.iter().map(|h| header(h)).collect::<Result<Vec<_>, _>>()?;
    let files = TlsFiles {
        cacert: connect.cacert.as_deref(),
        client_cert: connect.client_cert.as_deref(),
        client_key: connect.client_key.as_deref(),
    };
    let trust = tls::trust(&files).map_err(Fail::input)?;
    let limits = (connect.timeout, connect.max_answer_mb.saturating_mul(1024 * 1024));
    let index = index_with_meta(grafana.as_ref(), &prometheus);
    let upstream = |base: BaseUrl, is_grafana: bool| {
        Upstream::new(base, &trust, is_grafana, headers.clone(), limits).map_err(Fail::input)
    };
    let grafana = grafana.map(|g| upstream(g, true)).transpose()?;
    let prometheus = prometheus.into_iter().map(|p| upstream(p, false)).collect::<Result<Vec<_>, _>>()?;

    let address = args.listen.clone().unwrap_or_else(|| format!("127.0.0.1:{}", args.port));
    let listener = TcpListener::bind(&address)
        .map_err(|e| Fail::input(format!("cannot listen on {address}: {e} (choose another --port)")))?;
    let bound = listener.local_addr().map_err(|e| Fail::input(format!("cannot listen on {address}: {e}")))?;
    let hosts = allowed_hosts(bound, &args.allow_host);
    if !bound.ip().is_loopback() {
        say!(
            "promnote: warning: listening on {bound}, beyond this computer: anyone who can reach it can use it to reach your servers (with their own token), and tokens typed into the page cross that network as plain http. Prefer the default (127.0.0.1) and an SSH tunnel"
        );
    }
    let shown = if bound.ip().is_unspecified() {
        format!("http://127.0.0.1:{}/", bound.port())
    } else {
        format!("http://{bound}/")
    };
    let server = Arc::new(Server { grafana, prometheus, hosts, index });
    for (path, upstream) in server.routes() {
        say!("promnote: {path} -> {}", upstream.base);
    }
    say!("promnote: open {shown} and paste your token; Ctrl+C stops");
    // The address alone on stdout, for scripts.
    crate::output::print_line(&shown).map_err(|e| Fail::input(format!("cannot write to stdout: {e}")))?;
    let open = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        if open.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
            open.fetch_sub(1, Ordering::SeqCst);
            let _ = respond(&stream, 503, "text/plain", b"Too many connections at once");
            continue;
        }
        let (server, open) = (server.clone(), open.clone());
        std::thread::spawn(move || {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(60)));
            let _ = stream.set_write_timeout(Some(Duration::from_secs(60)));
            server.handle(&stream);
            open.fetch_sub(1, Ordering::SeqCst);
        });
    }
    Ok(Exit::Ok)
}

/// The `Host` values this server answers to: the loopback names when it listens there
/// (or on every address), the address it is bound to, and the `--allow-host` names; each
/// with its port, and also bare on port 80 (browsers leave the default port out).
fn allowed_hosts(bound: SocketAddr, extra: &[String]) -> Vec<String> {
    let ip = bound.ip();
    let mut names: Vec<String> = Vec::new();
    if ip.is_loopback() || ip.is_unspecified() {
        names.extend(["127.0.0.1", "localhost", "[::1]"].map(str::to_owned));
    }
    if !ip.is_unspecified() {
        names.push(match ip {
            std::net::IpAddr::V6(v6) => format!("[{v6}]"),
            std::net::IpAddr::V4(v4) => v4.to_string(),
        });
    }
    names.extend(extra.iter().map(|n| n.trim().to_ascii_lowercase()));
    let port = bound.port();
    let mut hosts: Vec<String> = names.iter().map(|n| format!("{n}:{port}")).collect();
    if port == 80 {
        hosts.extend(names);
    }
    hosts.sort();
    hosts.dedup();
    hosts
}

/// `index.html` with `<meta name="promnote-serve">` before `</head>`: where the page's
/// Grafana and Prometheus servers are reached from its own origin, and what they forward to.
fn index_with_meta(grafana: Option<&BaseUrl>, prometheus: &[BaseUrl]) -> Vec<u8> {
    let index =
        site::FILES.iter().find(|(name, _)| *name == "index.html").map_or(&[][..], |(_, bytes)| *bytes);
    let text = String::from_utf8_lossy(index);
    let meta = json!({
        "grafana": grafana.map(ToString::to_string),
        "prometheus": prometheus
            .iter()
            .enumerate()
            .map(|(i, p)| json!({ "path": format!("/prometheus/{i}/"), "upstream": p.to_string() }))
            .collect::<Vec<_>>(),
    })
    .to_string();
    let escaped = meta.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;");
    let tag = format!("<meta name=\"promnote-serve\" content=\"{escaped}\">");
    match text.find("</head>") {
        Some(at) => format!("{}{tag}\n{}", &text[..at], &text[at..]).into_bytes(),
        None => text.into_owned().into_bytes(),
    }
}

/// A request as read: method, path (with its query), the headers that are forwarded,
/// `Host`, and the body.
struct Request {
    method: String,
    target: String,
    host: Option<String>,
    /// `Origin`, when the browser sent one.
    origin: Option<String>,
    /// `Sec-Fetch-Site`, when the browser sent one.
    fetch_site: Option<String>,
    forwarded: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    /// Whether the browser says this request comes from another site than this server's
    /// own page (a form, an image, another origin's script).
    fn cross_site(&self) -> bool {
        let own = self.host.as_ref().map(|h| format!("http://{}", h.to_ascii_lowercase()));
        let foreign_origin = self.origin.as_ref().is_some_and(|o| Some(o.to_ascii_lowercase()) != own);
        let foreign_fetch = self.fetch_site.as_deref().is_some_and(|s| s != "same-origin" && s != "none");
        foreign_origin || foreign_fetch
    }
}

impl Server {
    /// Each path prefix and the server it forwards to.
    fn routes(&self) -> Vec<(String, &Upstream)> {
        let grafana = self.grafana.iter().map(|g| ("/api/".to_owned(), g));
        let prometheus = self.prometheus.iter().enumerate().map(|(i, p)| (format!("/prometheus/{i}/"), p));
        grafana.chain(prometheus).collect()
    }

    fn handle(&self, stream: &TcpStream) {
        let request = match read_request(stream) {
            Ok(request) => request,
            Err((status, message)) => {
                let _ = respond(stream, status, "text/plain; charset=utf-8", message.as_bytes());
                return;
            }
        };
        if !request.host.as_ref().is_some_and(|h| self.hosts.contains(&h.to_ascii_lowercase())) {
            let _ = respond(
                stream,
                421,
                "text/plain; charset=utf-8",
                b"This server answers only to its own address.",
            );
            return;
        }
        let path = request.target.split('?').next().unwrap_or_default();
        if let Some((prefix, upstream)) =
            self.routes().into_iter().find(|(prefix, _)| path.starts_with(prefix.as_str()))
        {
            if request.cross_site() {
                let body = json!({ "message": "promnote serve forwards requests from its own page only" });
                let _ = respond(stream, 403, "application/json", body.to_string().as_bytes());
                return;
            }
            self.forward(stream, &request, &prefix, upstream);
            return;
        }
        if path.starts_with("/api/") || path.starts_with("/prometheus/") {
            let body = json!({ "message": "promnote serve forwards no server on this path: see the addresses it printed" });
            let _ = respond(stream, 404, "application/json", body.to_string().as_bytes());
            return;
        }
        if request.method != "GET" && request.method != "HEAD" {
            let _ = respond(stream, 405, "text/plain; charset=utf-8", b"Method not allowed");
            return;
        }
        let name = path.trim_start_matches('/');
        let file = match name {
            "" | "index.html" => Some((&self.index[..], "text/html; charset=utf-8")),
            _ => site::FILES.iter().find(|(n, _)| *n == name).map(|(n, bytes)| (*bytes, content_type(n))),
        };
        let head_only = request.method == "HEAD";
        let _ = match file {
            Some((bytes, kind)) if head_only => respond_with(stream, 200, kind, bytes.len(), &[], b""),
            Some((bytes, kind)) => respond(stream, 200, kind, bytes),
            None => respond(stream, 404, "text/plain; charset=utf-8", b"Not found"),
        };
    }

    /// Forwards `request` (under `prefix`) to `upstream` and answers with what it said.
    fn forward(&self, stream: &TcpStream, request: &Request, prefix: &str, upstream: &Upstream) {
        // `/api/…` keeps its path under Grafana's base; `/prometheus/N/…` drops the prefix.
        let rest = if prefix == "/api/" { &request.target[1..] } else { &request.target[prefix.len()..] };
        let url = format!("{}{rest}", upstream.base);
        let answer = upstream.forward(&request.method, &url, &request.forwarded, request.body.clone());
        let _ = match answer {
            // Whatever the upstream sends (an HTML page, a script), nothing of it runs as
            // this origin, where the page keeps the token.
            Ok(Forwarded { status, content_type, body }) => respond_with(
                stream,
                status,
                content_type.as_deref().unwrap_or("application/octet-stream"),
                body.len(),
                &[("Content-Security-Policy", "sandbox; default-src 'none'")],
                &body,
            ),
            Err(message) => {
                let body = json!({ "message": format!("promnote serve: {message}") });
                respond(stream, 502, "application/json", body.to_string().as_bytes())
            }
        };
    }
}

/// Reads one request; an error is the status and text to answer with.
fn read_request(stream: &TcpStream) -> Result<Request, (u16, String)> {
    let mut reader = BufReader::new(stream.take(MAX_HEAD_BYTES as u64));
    let mut line = String::new();
    reader.read_line(&mut line).map_err(|_| (400, "Bad request".to_owned()))?;
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return Err((400, "Bad request".to_owned()));
    };
    if !target.starts_with('/') {
        return Err((400, "Bad request".to_owned()));
    }
    let (method, target) = (method.to_owned(), target.to_owned());
    let (mut host, mut length, mut forwarded) = (None, 0u64, Vec::new());
    let (mut origin, mut fetch_site) = (None, None);
    loop {
        line.clear();
        if reader.read_line(&mut line).map_err(|_| (400, "Bad request".to_owned()))? == 0 {
            return Err((400, "Bad request: the head did not end".to_owned()));
        }
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            break;
        }
        let Some((name, value)) = trimmed.split_once(':') else { continue };
        let (name, value) = (name.trim().to_ascii_lowercase(), value.trim().to_owned());
        match name.as_str() {
            "host" => host = Some(value),
            "origin" => origin = Some(value),
            "sec-fetch-site" => fetch_site = Some(value),
            "content-length" => length = value.parse().map_err(|_| (400, "Bad Content-Length".to_owned()))?,
            "transfer-encoding" => return Err((411, "Send a Content-Length".to_owned())),
            _ if FORWARDED_HEADERS.contains(&name.as_str()) || name.starts_with("x-grafana-") => {
                forwarded.push((name, value));
            }
            _ => {}
        }
    }
    if length > MAX_BODY_BYTES {
        return Err((413, "Request too large".to_owned()));
    }
    // What the head reader holds past the head is the body's start.
    let mut body = reader.buffer().to_vec();
    let missing = length.saturating_sub(body.len() as u64);
    stream.take(missing).read_to_end(&mut body).map_err(|_| (400, "Bad request body".to_owned()))?;
    if (body.len() as u64) < length {
        return Err((400, "The request body ended early".to_owned()));
    }
    body.truncate(usize::try_from(length).unwrap_or(usize::MAX));
    Ok(Request { method, target, host, origin, fetch_site, forwarded, body })
}

/// Writes a whole answer and closes the connection.
fn respond(stream: &TcpStream, status: u16, kind: &str, body: &[u8]) -> std::io::Result<()> {
    respond_with(stream, status, kind, body.len(), &[], body)
}

/// Writes an answer of `length` bytes (a HEAD's `body` is empty) with `extra` headers.
fn respond_with(
    mut stream: &TcpStream,
    status: u16,
    kind: &str,
    length: usize,
    extra: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {kind}\r\nContent-Length: {length}\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nReferrer-Policy: no-referrer\r\nConnection: close\r\n",
        if status < 400 { "OK" } else { "Error" },
    );
    for (name, value) in extra {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()
}

/// The content type of a site file, by its extension.
fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "pdf" => "application/pdf",
        "csv" => "text/csv; charset=utf-8",
        "md" => "text/markdown; charset=utf-8",
        _ => "application/octet-stream",
    }
}
