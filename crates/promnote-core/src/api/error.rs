//! Every way a call to Grafana can fail, as one enum whose messages tell a person
//! what happened and what to do. The web app only observes status codes and bodies;
//! turning them into an [`ApiError`] happens here, where it is unit-tested.

use serde::Deserialize;

use super::prom::{self, PromError};
use super::url::UrlError;

/// Where a Prometheus-compatible API usually is, said whenever an address may be wrong.
pub const USUAL_PATHS: &str = "The usual API paths are / (Prometheus, single-node VictoriaMetrics, Thanos), /prometheus/ (Mimir, Cortex) and /select/0/prometheus/ (VictoriaMetrics cluster).";

/// A failed call to Grafana or, through its proxy, to Prometheus.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// The typed URL was refused before any request.
    #[error("{0}")]
    InvalidUrl(#[from] UrlError),
    /// No answer at all, and a `no-cors` probe got none either.
    #[error("Could not reach {origin}: nothing answered. Check the address, that the server is running, and that this computer can reach it (VPN, proxy, firewall).")]
    Unreachable {
        /// The Grafana origin.
        origin: String,
    },
    /// The server answered the probe, but the browser did not let this page read the answer.
    #[error("{origin} is up, but your browser blocked this page from reading its answers: Grafana does not send CORS headers that allow this page's origin ({page_origin}). Run `promnote serve --grafana {origin}/` on your computer and open the address it prints (no change to Grafana needed), host promnote on Grafana's own origin, or add CORS headers for {page_origin} at the reverse proxy in front of Grafana — see \"Reaching your Grafana\" in the README.")]
    CorsBlocked {
        /// The Grafana origin.
        origin: String,
        /// This page's origin.
        page_origin: String,
    },
    /// A server called directly answered, but the browser withheld the answer. Either the
    /// address is no Prometheus API (a wrong path answers 404 or 400 without CORS headers:
    /// Prometheus and VictoriaMetrics add them only to their API), or something in front of
    /// it refuses the browser's preflight.
    #[error("{address} answered, but your browser blocked this page from reading the answer (CORS). The address may be wrong: a path that is no Prometheus API answers without CORS headers. {USUAL_PATHS} If the address is right, something in front of the server refuses cross-origin calls: most often sign-in that also demands credentials on the browser's preflight (OPTIONS) request, which never carries any (basic_auth_users in Prometheus' own web config does this). Let OPTIONS requests through without sign-in and allow {page_origin} at the proxy — see \"Reaching your Grafana\" in the README.")]
    DirectCorsBlocked {
        /// The whole address tried, path included.
        address: String,
        /// This page's origin.
        page_origin: String,
    },
    /// A server called directly answered with a web page (a wrong path, or a sign-in page).
    #[error("{what} answered with a web page instead of a Prometheus API answer (HTTP {status}). The address may be wrong. {USUAL_PATHS} Or a sign-in page in front of the server intercepted the request: choose the sign-in it needs under \"Prometheus directly\".")]
    DirectNotJson {
        /// The server, as the user typed it.
        what: String,
        /// The status code.
        status: u16,
    },
    /// A server called directly answered with an unexpected status.
    #[error("{what} answered with HTTP {status}{}. Retry; if it persists, check that server's logs, or the proxy in front of it.", if .message.is_empty() { String::new() } else { format!(": {message}") })]
    DirectStatus {
        /// The server, as the user typed it.
        what: String,
        /// The status code.
        status: u16,
        /// What the answer says, if anything.
        message: String,
    },
    /// A Prometheus called directly refused the credentials given for it.
    #[error("{what} refused the credentials given for it (HTTP {status}). Check the sign-in chosen for this Prometheus: the bearer token, or the user name and password.")]
    DirectRefused {
        /// Which Prometheus.
        what: String,
        /// 401 or 403.
        status: u16,
    },
    /// An https page may not call an http server.
    #[error("This page was loaded over https, so the browser will not let it call {origin} over plain http. Use Grafana's https address, or open promnote over http (e.g. locally).")]
    MixedContent {
        /// The Grafana origin.
        origin: String,
    },
    /// 401: the token is wrong, expired or revoked.
    #[error("{}", unauthorized_message(.message_id.as_deref(), .message))]
    Unauthorized {
        /// Grafana's `messageId`, e.g. `api-key.expired`.
        message_id: Option<String>,
        /// Grafana's message.
        message: String,
    },
    /// The datasource refused Grafana's own credentials: Grafana's proxy turns its 401
    /// into a 400 "Authentication to data source failed" (older proxies passed the 401 on).
    #[error("{what} refused Grafana's credentials for it (the datasource, not Grafana, said no). Check the datasource's authentication settings in Grafana (Connections → Data sources → {what}), then retry.")]
    UpstreamUnauthorized {
        /// What was asked for.
        what: String,
    },
    /// 400 "UID is invalid" from Grafana's proxy: a datasource made before Grafana checked
    /// uids, with characters the proxy no longer takes. `/api/ds/query` still serves it.
    #[error("Grafana's datasource proxy refuses the uid of {what} (400 UID is invalid: only letters, digits, - and _ are allowed now). promnote queries it through /api/ds/query instead; to use the proxy, give the datasource a new uid in Grafana.")]
    InvalidUid {
        /// What was asked for.
        what: String,
    },
    /// 403 from Grafana.
    #[error("Grafana denied access ({message}). The token's service account needs the Viewer role and permission to query {what}.")]
    Forbidden {
        /// What was asked for.
        what: String,
        /// Grafana's message.
        message: String,
    },
    /// 404.
    #[error("{}", not_found_message(.what, .message))]
    NotFound {
        /// What was asked for.
        what: String,
        /// Grafana's message.
        message: String,
    },
    /// 502 from the proxy: Grafana could not reach the datasource.
    #[error("Grafana could not reach {what} (502 Bad Gateway): that Prometheus may be down or unreachable from Grafana. Check it in Grafana's datasource settings, then retry.")]
    BadGateway {
        /// What was asked for.
        what: String,
    },
    /// 504 from the proxy: the datasource did not answer in time.
    #[error("{what} did not answer in time (504 Gateway Timeout). Try a shorter time range or a larger step, then retry.")]
    GatewayTimeout {
        /// What was asked for.
        what: String,
    },
    /// Another unexpected HTTP status.
    #[error("{what} answered with HTTP {status}{}. Retry; if it persists, check Grafana's logs.", if .message.is_empty() { String::new() } else { format!(": {message}") })]
    Status {
        /// What was asked for.
        what: String,
        /// The status code.
        status: u16,
        /// Grafana's message, if any.
        message: String,
    },
    /// A web page (typically a login page or an SSO proxy) instead of JSON.
    #[error("{what} answered with a web page instead of JSON (HTTP {status}). The address may not be Grafana's API, or a login/SSO proxy in front of Grafana intercepted the request. Check the Grafana URL.")]
    NotJson {
        /// What was asked for.
        what: String,
        /// The status code.
        status: u16,
    },
    /// The server answered with Prometheus' error envelope: it refused the query. Said in
    /// the server's own name (a datasource, or the address typed): VictoriaMetrics, Thanos
    /// and Mimir answer with this envelope too.
    #[error("{what} refused the query {}", source.refusal())]
    Prometheus {
        /// What was asked for.
        what: String,
        /// Prometheus' error.
        source: PromError,
    },
    /// The answer was JSON but not of the expected shape.
    #[error("{what} answered, but promnote could not read the answer: {detail}")]
    Unreadable {
        /// What was asked for.
        what: String,
        /// The decoder's message.
        detail: String,
    },
    /// The request took longer than promnote waits.
    #[error("{what} did not answer within {seconds} s. Retry, or use a shorter time range.")]
    TimedOut {
        /// What was asked for.
        what: String,
        /// The limit.
        seconds: u32,
    },
    /// The answer was larger than promnote reads at once (`run::machine::MAX_ANSWER_BYTES`
    /// in the page, `--max-answer-mb` in the command line).
    #[error("{what} answered with more than {limit_mb} MB, more than promnote reads at once: ask for fewer series (a label filter, or sum by (…) over the labels you need), a shorter range or a larger step{hint}.")]
    TooLarge {
        /// What was asked for.
        what: String,
        /// The limit, in MB.
        limit_mb: u64,
        /// What else the shell offers (the command line's `--max-answer-mb`), or nothing.
        hint: String,
    },
    /// The user cancelled, or a new run replaced this one.
    #[error("Cancelled.")]
    Cancelled,
    /// A failure already worded for people: one kept in a recording (a snapshot's
    /// datasource that could not be reached when it was taken), or one the shell decided.
    #[error("{message}")]
    Worded {
        /// The message.
        message: String,
    },
}

fn unauthorized_message(message_id: Option<&str>, message: &str) -> String {
    let what = match message_id {
        Some("api-key.expired") => "the token has expired",
        Some("api-key.revoked") => "the token has been revoked",
        Some("auth.unauthorized") => "no valid token was sent",
        Some("identity.disabled" | "service-account.disabled") => {
            return "Grafana refused the token: its service account is disabled. Enable the account in Grafana (Administration → Service accounts), or use a token of an enabled one.".to_owned()
        }
        _ => "the token is wrong, expired or revoked",
    };
    let said = if message.is_empty() { String::new() } else { format!(" (Grafana said: {message})") };
    format!("Grafana refused the token: {what}{said}. Create a service-account token in Grafana (Administration → Service accounts) and use that one.")
}

fn not_found_message(what: &str, message: &str) -> String {
    if message == "Dashboard not found" {
        format!("{what} is not in this Grafana (404): check its uid, the part after /d/ in the dashboard's address.")
    } else if message == "Unable to find datasource" || message == "Data source not found" {
        format!("Grafana has no datasource for {what} (404): it may have been deleted or its uid changed. Reconnect to refresh the list.")
    } else {
        format!("{what} was not found (404). Check that the URL is Grafana's base address (with its sub-path, if any).")
    }
}

impl ApiError {
    /// The error as a published file (a snapshot) carries it: what failed, its kind and
    /// its status, in promnote's words, without the text a server wrote (Grafana's and
    /// Prometheus' messages, a decoder's detail, a transport's own wording), which can
    /// name internal hosts, users or queries.
    pub fn published(&self) -> String {
        match self {
            ApiError::Status { what, status, .. } | ApiError::DirectStatus { what, status, .. } => {
                format!("{what} answered with HTTP {status}.")
            }
            ApiError::Forbidden { what, .. } => format!("Grafana denied access to {what} (HTTP 403)."),
            ApiError::NotFound { what, .. } => format!("{what} was not found (HTTP 404)."),
            ApiError::Unauthorized { .. } => "Grafana refused the token (HTTP 401).".to_owned(),
            ApiError::Prometheus { what, source: PromError::Api { error_type, .. } } => {
                format!("{what} refused the query ({error_type}).")
            }
            ApiError::Prometheus { what, .. } | ApiError::Unreadable { what, .. } => {
                format!("{what} answered, but the answer could not be read.")
            }
            ApiError::Worded { .. }
            | ApiError::Unreachable { .. }
            | ApiError::CorsBlocked { .. }
            | ApiError::DirectCorsBlocked { .. }
            | ApiError::MixedContent { .. } => {
                // These name an address: a published file never does.
                "The server could not be reached, or its answer could not be used.".to_owned()
            }
            other => other.to_string(),
        }
    }

    /// Whether Grafana's proxy refused a POST that the same query as a GET may pass: the
    /// allow-list ("non allow-listed POSTs not allowed on proxied Prometheus datasource" up
    /// to Grafana 12, "… on proxied prometheus datasource" with the plugin type since, and
    /// "Posts not allowed on proxied Prometheus datasource except on …" before 8), or a
    /// route whose role the caller lacks ("plugin proxy route access denied": a GET
    /// matches no route).
    pub fn refuses_post(&self) -> bool {
        let ApiError::Forbidden { message, .. } = self else { return false };
        let message = message.to_ascii_lowercase();
        (message.contains("posts not allowed on proxied") && message.contains("datasource"))
            || message == "plugin proxy route access denied"
    }

    /// Whether the datasource proxy refused this datasource (403, or its uid): its
    /// queries may still go through `/api/ds/query`.
    pub fn refuses_proxy(&self) -> bool {
        matches!(self, ApiError::Forbidden { .. } | ApiError::InvalidUid { .. })
    }

    /// Whether a read-only query is worth sending again after a pause: Grafana's proxy
    /// answered 502, 503 or 504 (a Prometheus restarting or overloaded). Timeouts and
    /// dead servers are not retried: the user would only wait longer for the same answer.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ApiError::BadGateway { .. }
                | ApiError::GatewayTimeout { .. }
                | ApiError::Status { status: 502..=504, .. }
                | ApiError::DirectStatus { status: 502..=504, .. }
        )
    }

    /// Whether the datasource itself failed (it could not be reached, refused us, or
    /// answered something that is no answer), as opposed to refusing this query (a
    /// PromQL error is the query's, not the server's) or the run being cancelled. The
    /// datasource's badge says "failed in the last run" after such a failure.
    pub fn is_datasource_failure(&self) -> bool {
        !matches!(
            self,
            ApiError::Prometheus { .. }
                | ApiError::Cancelled
                | ApiError::InvalidUrl(_)
                | ApiError::TooLarge { .. }
        )
    }
}

/// Whether a body looks like an HTML page rather than JSON.
fn looks_like_html(content_type: Option<&str>, body: &str) -> bool {
    content_type.is_some_and(|t| t.contains("text/html")) || body.trim_start().starts_with('<')
}

/// What a published file keeps of a failed answer's body: only what decides what promnote
/// does next and how the failure is classed, never the text a server wrote. Prometheus'
/// error keeps its type (`bad_data`); `/api/ds/query`'s failed results keep their status;
/// Grafana's own refusals (401, 403, an invalid uid, a datasource's refused sign-in) keep
/// their fixed words, which decide the fallbacks (a POST sent again as a GET, a
/// datasource queried through `/api/ds/query`); anything else keeps nothing.
pub fn scrubbed_body(status: u16, body: &str) -> String {
    const NOT_PUBLISHED: &str = "the server's message is not published";
    if let Err(PromError::Api { error_type, .. }) = prom::decode(body) {
        return serde_json::json!({ "status": "error", "errorType": error_type, "error": NOT_PUBLISHED })
            .to_string();
    }
    let grafana: GrafanaErrorBody = serde_json::from_str(body).unwrap_or_default();
    let decides = matches!(status, 401 | 403)
        || (status == 400
            && (grafana.message == "UID is invalid"
                || body.trim() == "Authentication to data source failed"));
    if decides {
        return body.to_owned();
    }
    if let Ok(serde_json::Value::Object(answer)) = serde_json::from_str::<serde_json::Value>(body) {
        if let Some(serde_json::Value::Object(results)) = answer.get("results") {
            let results: serde_json::Map<String, serde_json::Value> = results
                .iter()
                .map(|(id, result)| {
                    let status = result.get("status").cloned().unwrap_or(serde_json::Value::Null);
                    let error = result.get("error").map(|_| serde_json::Value::from(NOT_PUBLISHED));
                    (id.clone(), serde_json::json!({ "status": status, "error": error }))
                })
                .collect();
            return serde_json::json!({ "results": results }).to_string();
        }
    }
    String::new()
}

/// Turns an HTTP answer that is not a success into an error. `what` names the
/// request for people ("the datasource list", "cluster-north").
pub fn from_status(what: &str, status: u16, content_type: Option<&str>, body: &str) -> ApiError {
    let what = what.to_owned();
    // Prometheus' own errors (400 bad_data, 422 execution, 503 timeout) come through the proxy.
    if let Err(source @ PromError::Api { .. }) = prom::decode(body) {
        return ApiError::Prometheus { what, source };
    }
    let grafana: GrafanaErrorBody = serde_json::from_str(body).unwrap_or_default();
    let message = grafana.message;
    match status {
        // Grafana's own 401s carry a messageId; one without it came from behind the proxy.
        401 if grafana.message_id.as_deref().is_some_and(|id| {
            ["api-key.", "auth.", "identity.", "service-account."].iter().any(|prefix| id.starts_with(prefix))
        }) || what.starts_with("Grafana") =>
        {
            ApiError::Unauthorized { message_id: grafana.message_id, message }
        }
        401 => ApiError::UpstreamUnauthorized { what },
        // ds_proxy.go's modifyResponse: the datasource's own 401, as Grafana passes it on.
        400 if body.trim() == "Authentication to data source failed" => {
            ApiError::UpstreamUnauthorized { what }
        }
        400 if message == "UID is invalid" => ApiError::InvalidUid { what },
        403 => ApiError::Forbidden {
            what,
            message: if message.is_empty() { "403 Forbidden".into() } else { message },
        },
        404 if !looks_like_html(content_type, body) => ApiError::NotFound { what, message },
        // A redirect, typically to a login page: promnote never follows one with a token.
        300..=399 => ApiError::NotJson { what, status },
        502 => ApiError::BadGateway { what },
        504 => ApiError::GatewayTimeout { what },
        _ if looks_like_html(content_type, body) => ApiError::NotJson { what, status },
        _ => ApiError::Status { what, status, message },
    }
}

/// [`from_status`] for a Prometheus-compatible server called directly: no Grafana is in
/// between, so 401 and 403 are about the credentials typed for it, and a 502 or 504
/// comes from whatever proxy sits in front of it.
pub fn direct_from_status(what: &str, status: u16, content_type: Option<&str>, body: &str) -> ApiError {
    match from_status(what, status, content_type, body) {
        ApiError::Unauthorized { .. }
        | ApiError::UpstreamUnauthorized { .. }
        | ApiError::Forbidden { .. } => ApiError::DirectRefused { what: what.to_owned(), status },
        ApiError::BadGateway { .. } | ApiError::GatewayTimeout { .. } => ApiError::DirectStatus {
            what: what.to_owned(),
            status,
            message: "the proxy in front of this server could not get an answer from it".into(),
        },
        ApiError::NotFound { .. } => ApiError::DirectStatus {
            what: what.to_owned(),
            status,
            message: format!("no Prometheus API at this address, check its path. {USUAL_PATHS}"),
        },
        other => as_direct(other),
    }
}

/// An error about a server called directly, in that server's terms: what Grafana's
/// wording would blame on Grafana (a web page instead of JSON, an odd status) is said of
/// the address the user typed.
pub fn as_direct(error: ApiError) -> ApiError {
    match error {
        ApiError::NotJson { what, status } => ApiError::DirectNotJson { what, status },
        ApiError::Status { what, status, message } => ApiError::DirectStatus { what, status, message },
        ApiError::InvalidUid { what } => {
            ApiError::DirectStatus { what, status: 400, message: "UID is invalid".into() }
        }
        other => other,
    }
}

/// Decodes a 2xx body with `decode`, mapping failures to [`ApiError`]s.
pub fn decode_ok<T, E: std::fmt::Display>(
    what: &str,
    status: u16,
    content_type: Option<&str>,
    body: &str,
    decode: impl FnOnce(&str) -> Result<T, E>,
) -> Result<T, ApiError> {
    if looks_like_html(content_type, body) {
        return Err(ApiError::NotJson { what: what.to_owned(), status });
    }
    decode(body).map_err(|e| ApiError::Unreadable { what: what.to_owned(), detail: e.to_string() })
}

/// Decodes a 2xx Prometheus body; its error envelope becomes [`ApiError::Prometheus`].
pub fn decode_prometheus(
    what: &str,
    status: u16,
    content_type: Option<&str>,
    body: &str,
) -> Result<prom::QueryResponse, ApiError> {
    if looks_like_html(content_type, body) {
        return Err(ApiError::NotJson { what: what.to_owned(), status });
    }
    prom::decode(body).map_err(|source| match source {
        PromError::Api { .. } => ApiError::Prometheus { what: what.to_owned(), source },
        PromError::Decode(detail) => ApiError::Unreadable { what: what.to_owned(), detail },
    })
}

/// Grafana's JSON error body: `{"message": "...", "messageId": "..."}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct GrafanaErrorBody {
    /// Human-readable message.
    #[serde(default)]
    pub message: String,
    /// Machine-readable id, e.g. `api-key.invalid`.
    #[serde(default, rename = "messageId")]
    pub message_id: Option<String>,
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_scrubbed_failure_is_classed_as_the_failure_was_and_holds_no_server_text() {
        let cases = [
            (400, r#"{"status":"error","errorType":"bad_data","error":"parse error at db-7.internal:9090"}"#),
            (422, r#"{"status":"error","errorType":"execution","error":"query on host db-7.internal"}"#),
            (403, r#"{"message":"non allow-listed POSTs not allowed on proxied Prometheus datasource"}"#),
            (400, r#"{"message":"UID is invalid"}"#),
            (401, r#"{"message":"invalid API key","messageId":"api-key.invalid"}"#),
            (500, "dial tcp 10.0.0.7:9090: connect: connection refused"),
            (502, "<html>bad gateway from db-7.internal</html>"),
            (404, r#"{"message":"Not found: db-7.internal"}"#),
        ];
        for (status, body) in cases {
            let before = from_status("cluster-north", status, Some("application/json"), body);
            let scrubbed = scrubbed_body(status, body);
            let after = from_status("cluster-north", status, Some("application/json"), &scrubbed);
            assert_eq!(std::mem::discriminant(&before), std::mem::discriminant(&after), "{status} {body}");
            assert_eq!(before.refuses_post(), after.refuses_post(), "{body}");
            assert_eq!(before.refuses_proxy(), after.refuses_proxy(), "{body}");
            if status >= 404 || body.contains("errorType") {
                assert!(!scrubbed.contains("db-7") && !scrubbed.contains("10.0.0.7"), "{scrubbed}");
            }
        }
        // /api/ds/query's failed result keeps its status, not its text.
        let frames = r#"{"results":{"A":{"status":400,"error":"bad_data: parse error near secret_metric","frames":[]}}}"#;
        let scrubbed = scrubbed_body(400, frames);
        assert!(!scrubbed.contains("secret_metric"));
        assert!(matches!(
            crate::api::frames::decode(&scrubbed, "A"),
            Err(crate::api::frames::FrameError::Query { status: 400, .. })
        ));
        // Published words never name an address.
        let unreachable = ApiError::Unreachable { origin: "http://10.0.0.7:9090".into() };
        assert!(!unreachable.published().contains("10.0.0.7"));
    }
    use super::*;

    const JSON: Option<&str> = Some("application/json");

    #[test]
    fn grafana_401_bodies() {
        let body = r#"{"message":"Invalid API key","messageId":"api-key.invalid","statusCode":401}"#;
        let err = from_status("the datasource list", 401, JSON, body);
        assert!(matches!(err, ApiError::Unauthorized { .. }));
        let text = err.to_string();
        assert!(text.contains("Grafana refused the token"), "{text}");
        assert!(text.contains("Invalid API key"));
        assert!(text.contains("Service accounts"));
        let expired =
            from_status("x", 401, JSON, r#"{"message":"Expired API key","messageId":"api-key.expired"}"#);
        assert!(expired.to_string().contains("has expired"));
        let upstream = from_status("cluster-a", 401, Some("text/plain"), "Unauthorized");
        assert!(matches!(upstream, ApiError::UpstreamUnauthorized { .. }), "{upstream:?}");
        assert!(upstream.to_string().starts_with("cluster-a refused Grafana's credentials"));
        let revoked =
            from_status("x", 401, JSON, r#"{"message":"Revoked token","messageId":"api-key.revoked"}"#);
        assert!(revoked.to_string().contains("revoked"));
    }

    #[test]
    fn proxy_statuses() {
        let denied = from_status("cluster-a", 403, JSON, r#"{"message":"Access denied to datasource"}"#);
        assert!(denied.to_string().starts_with("Grafana denied access (Access denied to datasource)"));
        let missing = from_status("cluster-a", 404, JSON, r#"{"message":"Unable to find datasource"}"#);
        assert!(missing.to_string().contains("no datasource for cluster-a"));
        let down = from_status("cluster-a", 502, None, "");
        assert!(down.to_string().contains("502 Bad Gateway"));
        assert!(down.is_retryable());
        let slow = from_status("cluster-a", 504, None, "");
        assert!(slow.to_string().contains("504 Gateway Timeout"));
        let closed = from_status("cluster-a", 499, None, "");
        assert!(!closed.is_retryable(), "499: the client went away");
        assert!(from_status("cluster-a", 503, None, "").is_retryable());
    }

    #[test]
    fn prometheus_errors_through_the_proxy() {
        let body =
            r#"{"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected \")\""}"#;
        let err = from_status("cluster-a", 400, JSON, body);
        assert!(matches!(err, ApiError::Prometheus { .. }));
        assert!(
            err.to_string().starts_with("cluster-a refused the query (bad_data): 1:5: parse error"),
            "{err}"
        );
        let timeout = from_status(
            "cluster-a",
            503,
            JSON,
            r#"{"status":"error","errorType":"timeout","error":"query timed out"}"#,
        );
        assert!(timeout.to_string().contains("(timeout)"));
    }

    #[test]
    fn html_where_json_was_expected() {
        let login = "<!doctype html><html><title>Sign in</title></html>";
        let err = decode_ok("the datasource list", 200, Some("text/html; charset=utf-8"), login, |b| {
            serde_json::from_str::<serde_json::Value>(b)
        });
        assert_eq!(err, Err(ApiError::NotJson { what: "the datasource list".into(), status: 200 }));
        assert!(matches!(from_status("x", 500, None, login), ApiError::NotJson { status: 500, .. }));
    }

    #[test]
    fn unreadable_and_truncated_json() {
        let err = decode_prometheus(
            "cluster-a",
            200,
            JSON,
            r#"{"status":"success","data":{"resultType":"matrix","result":["#,
        );
        assert!(matches!(err, Err(ApiError::Unreadable { .. })));
        let ok = decode_prometheus(
            "cluster-a",
            200,
            JSON,
            r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#,
        );
        assert!(ok.is_ok());
    }

    #[test]
    fn a_refused_post_is_told_from_other_403s() {
        let refused = |message: &str| from_status("c", 403, JSON, &format!(r#"{{"message":"{message}"}}"#));
        assert!(refused("non allow-listed POSTs not allowed on proxied Prometheus datasource").refuses_post());
        assert!(refused("POSTs not allowed on proxied Prometheus datasource").refuses_post());
        assert!(
            !refused("non allow-listed DELETEs not allowed on proxied Prometheus datasource").refuses_post()
        );
        assert!(!refused("Access denied to datasource").refuses_post());
        // Newer Grafana names the plugin type, in lower case, for four types.
        for kind in [
            "prometheus",
            "loki",
            "grafana-amazonprometheus-datasource",
            "grafana-azureprometheus-datasource",
        ] {
            assert!(refused(&format!("non allow-listed POSTs not allowed on proxied {kind} datasource"))
                .refuses_post());
        }
        // Grafana 7 and before.
        assert!(refused(
            "Posts not allowed on proxied Prometheus datasource except on /query and /query_range"
        )
        .refuses_post());
        // A route whose role the token lacks: a GET matches no route.
        assert!(refused("plugin proxy route access denied").refuses_post());
        assert!(refused("Access denied to datasource").refuses_proxy());
    }

    #[test]
    fn grafanas_rewrites_and_refusals_are_worded_for_what_they_are() {
        // The datasource's own 401, as Grafana's proxy passes it on: a plain-text 400.
        let upstream = from_status(
            "cluster-a",
            400,
            Some("text/plain; charset=utf-8"),
            "Authentication to data source failed",
        );
        assert_eq!(upstream, ApiError::UpstreamUnauthorized { what: "cluster-a".into() });
        assert!(upstream.to_string().contains("refused Grafana's credentials"), "{upstream}");
        // An old uid the proxy no longer takes: /api/ds/query still serves it.
        let uid = from_status("cluster-a", 400, JSON, r#"{"message":"UID is invalid"}"#);
        assert_eq!(uid, ApiError::InvalidUid { what: "cluster-a".into() });
        assert!(uid.refuses_proxy() && !uid.refuses_post());
        // /api/ds/query's whole-request 404 for a datasource Grafana no longer has.
        let gone = from_status("cluster-a", 404, JSON, r#"{"message":"Data source not found","traceID":""}"#);
        assert!(gone.to_string().contains("Grafana has no datasource for cluster-a"), "{gone}");
        assert!(!gone.to_string().contains("base address"), "{gone}");
        // A disabled service account, in Grafana 10+ and 9.4's words.
        for (id, message) in
            [("identity.disabled", "Unauthorized"), ("service-account.disabled", "Disabled service account")]
        {
            let body = format!(
                r#"{{"extra":null,"message":"{message}","messageId":"{id}","statusCode":401,"traceID":""}}"#
            );
            let e = from_status("cluster-a", 401, JSON, &body);
            assert!(matches!(e, ApiError::Unauthorized { .. }), "{e:?}");
            assert!(e.to_string().contains("service account is disabled"), "{e}");
        }
        let revoked = from_status(
            "x",
            401,
            JSON,
            r#"{"extra":null,"message":"Revoked API key","messageId":"api-key.revoked","statusCode":401,"traceID":""}"#,
        );
        assert!(revoked.to_string().contains("the token has been revoked"), "{revoked}");
        // The RBAC middleware's 403: the permission it names is said.
        let rbac = from_status(
            "Grafana's datasource list",
            403,
            JSON,
            r#"{"accessErrorId":"ACE0123456789","message":"You'll need additional permissions to perform this action. Permissions needed: datasources:read","title":"Access denied"}"#,
        );
        assert!(rbac.to_string().contains("Permissions needed: datasources:read"), "{rbac}");
    }

    #[test]
    fn a_direct_prometheus_speaks_of_its_credentials_not_grafana() {
        let refused = direct_from_status("prom:9090", 401, Some("text/plain"), "Unauthorized");
        assert_eq!(refused, ApiError::DirectRefused { what: "prom:9090".into(), status: 401 });
        assert!(
            refused.to_string().contains("user name and password")
                && !refused.to_string().contains("Grafana")
        );
        let forbidden = direct_from_status("prom:9090", 403, None, "");
        assert!(matches!(forbidden, ApiError::DirectRefused { status: 403, .. }));
        let gateway = direct_from_status("prom:9090", 502, None, "");
        assert!(gateway.is_retryable() && !gateway.to_string().contains("Grafana could not"));
        let missing = direct_from_status("prom:9090", 404, Some("text/plain"), "404 page not found");
        assert!(missing.to_string().contains("/prometheus/"), "{missing}");
        // Prometheus' own errors are the same either way.
        let bad = direct_from_status(
            "prom:9090",
            400,
            None,
            r#"{"status":"error","errorType":"bad_data","error":"parse error"}"#,
        );
        assert!(matches!(bad, ApiError::Prometheus { .. }));
    }

    #[test]
    fn a_server_called_directly_is_named_in_its_own_terms_never_grafanas() {
        let what = "vm:8428/foo";
        let not_grafana = |e: &ApiError| {
            let text = e.to_string();
            assert!(!text.contains("Grafana"), "{text}");
            assert!(text.contains(what), "names the server typed: {text}");
            text
        };
        // A page where the API should be: an HTML 200, or an HTML error page.
        let html = "<!doctype html><title>Sign in</title>";
        let page =
            decode_ok(what, 200, Some("text/html"), html, |b| serde_json::from_str::<serde_json::Value>(b))
                .map_err(as_direct)
                .unwrap_err();
        let text = not_grafana(&page);
        assert!(text.contains("/select/0/prometheus/") && text.contains("/prometheus/"), "{text}");
        not_grafana(&direct_from_status(what, 500, Some("text/html"), html));
        // VictoriaMetrics refuses with its status as the errorType.
        let vm = direct_from_status(
            what,
            422,
            JSON,
            r#"{"status":"error","errorType":"422","error":"error when executing query=\"rate(x)\": unknown func"}"#,
        );
        let text = not_grafana(&vm);
        assert!(text.starts_with("vm:8428/foo refused the query (422): error when executing"), "{text}");
        assert!(!text.contains("Prometheus refused"), "{text}");
        // A plain status, and one through the proxy in front of it.
        let odd = direct_from_status(
            what,
            400,
            Some("text/plain"),
            "unsupported path requested: \"/foo/api/v1/query\"",
        );
        assert!(matches!(odd, ApiError::DirectStatus { status: 400, .. }), "{odd:?}");
        not_grafana(&odd);
        let missing = direct_from_status(what, 404, Some("text/plain"), "404 page not found");
        assert!(not_grafana(&missing).contains("/select/0/prometheus/"));
        assert!(direct_from_status(what, 503, None, "").is_retryable());
        // The CORS refusal shows the whole address tried and says it may be wrong.
        let cors = ApiError::DirectCorsBlocked {
            address: "http://prometheus:9090/prometheus/".into(),
            page_origin: "https://me.github.io".into(),
        };
        let text = cors.to_string();
        assert!(text.starts_with("http://prometheus:9090/prometheus/ answered"), "{text}");
        assert!(text.contains("The address may be wrong"), "{text}");
        for path in
            ["/prometheus/ (Mimir", "/select/0/prometheus/ (VictoriaMetrics cluster)", "https://me.github.io"]
        {
            assert!(text.contains(path), "{path}: {text}");
        }
        // Through Grafana, the datasource's name says who refused.
        let via = from_status(
            "cluster-a",
            422,
            JSON,
            r#"{"status":"error","errorType":"execution","error":"boom"}"#,
        );
        assert_eq!(via.to_string(), "cluster-a refused the query (execution): boom.");
    }

    #[test]
    fn only_the_server_failing_marks_the_datasource_failed() {
        assert!(ApiError::Unreachable { origin: "x".into() }.is_datasource_failure());
        assert!(ApiError::BadGateway { what: "x".into() }.is_datasource_failure());
        assert!(ApiError::TimedOut { what: "x".into(), seconds: 60 }.is_datasource_failure());
    }

    #[test]
    fn a_published_error_keeps_its_kind_and_status_and_none_of_the_server_s_text() {
        let status = ApiError::Status {
            what: "cluster-west".into(),
            status: 500,
            message: "db at 10.0.0.7:5432 down".into(),
        };
        assert_eq!(status.published(), "cluster-west answered with HTTP 500.");
        let refused = from_status(
            "cluster-west",
            422,
            JSON,
            r#"{"status":"error","errorType":"execution","error":"remote read from 10.1.2.3 failed"}"#,
        );
        assert_eq!(refused.published(), "cluster-west refused the query (execution).");
        let worded = ApiError::Worded { message: "The proxy http://proxy.corp:3128 refused".into() };
        assert!(!worded.published().contains("corp"));
        let timed_out = ApiError::TimedOut { what: "cluster-west".into(), seconds: 60 };
        assert_eq!(timed_out.published(), timed_out.to_string());
        let query =
            from_status("x", 400, JSON, r#"{"status":"error","errorType":"bad_data","error":"parse error"}"#);
        assert!(!query.is_datasource_failure(), "a PromQL error is the query's");
        assert!(!ApiError::Cancelled.is_datasource_failure());
    }

    #[test]
    fn cors_message_names_both_origins_and_the_fix() {
        let err = ApiError::CorsBlocked {
            origin: "https://g.example".into(),
            page_origin: "https://me.github.io".into(),
        };
        let text = err.to_string();
        assert!(text.contains("https://g.example is up"));
        assert!(text.contains("https://me.github.io"));
        assert!(text.contains("Reaching your Grafana"));
        assert!(!err.is_retryable());
    }
}
