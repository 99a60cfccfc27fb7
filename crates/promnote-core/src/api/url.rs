//! The addresses a user types: a Grafana's base URL, or a Prometheus-compatible API's,
//! checked and normalized once ([`BaseUrl`]), with every refusal worded as what to
//! change ([`UrlError`]).

use std::fmt;

/// Why a typed Grafana URL was refused; each message says what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    /// Nothing was typed.
    #[error("Enter your Grafana's address, for example https://grafana.example.org/")]
    Empty,
    /// The URL has no `http://` or `https://` scheme.
    #[error("`{0}` has no http:// or https:// at the start: type the address as your browser shows it, e.g. https://grafana.example.org/")]
    MissingScheme(String),
    /// A scheme other than http or https, e.g. `javascript:` or `ftp:`.
    #[error("Only http:// and https:// addresses can be used, not `{0}:`")]
    UnsupportedScheme(String),
    /// `user:password@` in the URL.
    #[error("Remove the user name or password from the address: promnote signs in with the token only, and credentials in a URL leak into logs and history")]
    Credentials,
    /// A `?query` part.
    #[error("Remove the `?…` part from the address: give Grafana's base address only, e.g. https://grafana.example.org/")]
    Query,
    /// A `#fragment` part.
    #[error("Remove the `#…` part from the address: give Grafana's base address only")]
    Fragment,
    /// A host that is empty or has characters a host cannot have.
    #[error("`{0}` is not a valid host name")]
    Host(String),
    /// A port that is not a number from 1 to 65535.
    #[error("`{0}` is not a valid port: use a number from 1 to 65535")]
    Port(String),
    /// Spaces or control characters anywhere in the URL.
    #[error("The address contains spaces or control characters; paste it again without them")]
    Whitespace,
    /// A path that points into Grafana's UI or API rather than at its root.
    #[error("The address points inside Grafana (`{0}`): give the address of Grafana's home page, e.g. https://grafana.example.org/ or https://example.org/grafana/")]
    DeepPath(String),
    /// A Prometheus address with `user:password@` in it.
    #[error("Remove the user name and password from the Prometheus address and choose \"Basic\" sign-in instead: credentials in a URL leak into logs and history")]
    PrometheusCredentials,
    /// A Prometheus address that points at an API call or a UI page.
    #[error("The Prometheus address points at a page or an API call (`{0}`): give the address its HTTP API lives under, e.g. http://prometheus:9090/, https://mimir.example.org/prometheus/ or http://vmselect:8481/select/0/prometheus/")]
    PrometheusDeepPath(String),
}

/// A base URL, checked and normalized: `scheme://host[:port]/[sub/path/]`: a Grafana's
/// ([`BaseUrl::parse`]) or a Prometheus-compatible API's ([`BaseUrl::parse_prometheus`]).
///
/// Always ends with `/`, so API paths are appended without a leading slash. A server
/// under a sub-path (`https://host/grafana/`, Mimir's `/prometheus/`) keeps that path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl {
    origin: String,
    path: String,
}

/// Paths that mean the user pasted a link into Grafana, not Grafana's address.
const GRAFANA_UI_SEGMENTS: &[&str] =
    &["d", "api", "explore", "dashboards", "login", "connections", "alerting"];

/// Paths that mean a link to a Prometheus API call or UI page (Prometheus, Thanos,
/// VictoriaMetrics' vmui), not the base its API lives under.
const PROMETHEUS_UI_SEGMENTS: &[&str] =
    &["api", "graph", "query", "targets", "alerts", "rules", "status", "flags", "-", "vmui"];

impl BaseUrl {
    /// Parses a Grafana address the user typed (surrounding whitespace is ignored).
    pub fn parse(input: &str) -> Result<Self, UrlError> {
        Self::parse_checked(input, GRAFANA_UI_SEGMENTS)
    }

    /// Parses the address of a Prometheus-compatible HTTP API (Prometheus, Thanos,
    /// Mimir, VictoriaMetrics): the URL that `api/v1/query` is appended to.
    pub fn parse_prometheus(input: &str) -> Result<Self, UrlError> {
        Self::parse_checked(input, PROMETHEUS_UI_SEGMENTS).map_err(|e| match e {
            UrlError::Credentials => UrlError::PrometheusCredentials,
            UrlError::DeepPath(path) => UrlError::PrometheusDeepPath(path),
            other => other,
        })
    }

    fn parse_checked(input: &str, deep: &[&str]) -> Result<Self, UrlError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(UrlError::Empty);
        }
        if input.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(UrlError::Whitespace);
        }
        let Some((scheme, rest)) = input.split_once("://") else {
            if let Some((scheme, _)) = input.split_once(':') {
                let is_scheme = scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
                if is_scheme && !scheme.chars().all(|c| c.is_ascii_digit()) && !scheme.contains('.') {
                    return Err(UrlError::UnsupportedScheme(scheme.to_ascii_lowercase()));
                }
            }
            return Err(UrlError::MissingScheme(input.to_owned()));
        };
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(UrlError::UnsupportedScheme(scheme));
        }
        if rest.contains('#') {
            return Err(UrlError::Fragment);
        }
        if rest.contains('?') {
            return Err(UrlError::Query);
        }
        let (authority, path) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, "/"),
        };
        if authority.contains('@') {
            return Err(UrlError::Credentials);
        }
        let (host, port) = split_host_port(authority)?;
        let origin = match port {
            Some(port) if !is_default_port(&scheme, port) => format!("{scheme}://{host}:{port}"),
            _ => format!("{scheme}://{host}"),
        };
        Ok(Self { origin, path: normalize_path(path, deep)? })
    }

    /// `scheme://host[:port]`, the origin the token may be sent to.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The host, with its port unless it is the scheme's default: `grafana.example.org`.
    pub fn host(&self) -> &str {
        self.origin.split_once("://").map_or(self.origin.as_str(), |(_, h)| h)
    }

    /// The address without its scheme and trailing slash, e.g. `prometheus:9090` or
    /// `mimir.example.org/prometheus`: a short name for a datasource.
    pub fn short_name(&self) -> String {
        format!("{}{}", self.host(), self.path.trim_end_matches('/'))
    }

    /// Whether a page served from `page_origin` may not call this address: an https page
    /// calling plain http is mixed content, which browsers block, except for loopback
    /// hosts, which they treat as secure.
    pub fn is_mixed_content_for(&self, page_origin: &str) -> bool {
        page_origin.starts_with("https:") && self.is_plain_http_remote()
    }

    /// Whether this is a plain `http://` address of another machine: what is sent there
    /// (a token, a password) crosses the network unencrypted. Loopback hosts
    /// (`localhost`, `127.0.0.0/8`, `[::1]`) never leave the machine.
    pub fn is_plain_http_remote(&self) -> bool {
        let Some(host) = self.origin.strip_prefix("http://") else { return false };
        let host = match host.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or_default(),
            None => host.split(':').next().unwrap_or_default(),
        };
        let loopback = host == "localhost"
            || host.ends_with(".localhost")
            || host == "::1"
            || host.strip_prefix("127.").is_some_and(|rest| {
                rest.split('.').count() == 3 && rest.split('.').all(|n| n.parse::<u8>().is_ok())
            });
        !loopback
    }

    /// The full base URL, ending with `/`.
    pub fn as_str(&self) -> String {
        format!("{}{}", self.origin, self.path)
    }

    /// The absolute URL of an API path such as `api/datasources` (no leading slash).
    pub fn join(&self, api_path: &str) -> String {
        format!("{}{}{}", self.origin, self.path, api_path.trim_start_matches('/'))
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.origin, self.path)
    }
}

fn is_default_port(scheme: &str, port: u16) -> bool {
    (scheme == "http" && port == 80) || (scheme == "https" && port == 443)
}

fn split_host_port(authority: &str) -> Result<(String, Option<u16>), UrlError> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        // An IPv6 literal: `[::1]:3000`.
        let end = rest.find(']').ok_or_else(|| UrlError::Host(authority.to_owned()))?;
        let (v6, after) = (&rest[..end], &rest[end + 1..]);
        if v6.is_empty() || !v6.chars().all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.') {
            return Err(UrlError::Host(authority.to_owned()));
        }
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or_else(|| UrlError::Host(authority.to_owned()))?),
        };
        (format!("[{}]", v6.to_ascii_lowercase()), port)
    } else {
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        };
        let valid = !host.is_empty()
            && host.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                    && !label.starts_with('-')
                    && !label.ends_with('-')
            });
        if !valid {
            return Err(UrlError::Host(host.to_owned()));
        }
        (host.to_ascii_lowercase(), port)
    };
    let port = match port {
        None => None,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 && p.chars().all(|c| c.is_ascii_digit()) => Some(n),
            _ => return Err(UrlError::Port(p.to_owned())),
        },
    };
    Ok((host, port))
}

fn normalize_path(path: &str, deep: &[&str]) -> Result<String, UrlError> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if segments.iter().any(|s| *s == "." || *s == "..") {
        return Err(UrlError::DeepPath(path.to_owned()));
    }
    if segments.iter().any(|s| deep.contains(s)) {
        return Err(UrlError::DeepPath(path.to_owned()));
    }
    let mut normalized = String::from("/");
    for segment in segments {
        normalized.push_str(segment);
        normalized.push('/');
    }
    Ok(normalized)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_normalizes_base_urls() {
        let cases = [
            ("https://grafana.example.org", "https://grafana.example.org/"),
            ("https://grafana.example.org/", "https://grafana.example.org/"),
            ("  HTTPS://Grafana.Example.org  ", "https://grafana.example.org/"),
            ("http://127.0.0.1:3000", "http://127.0.0.1:3000/"),
            ("https://host/grafana", "https://host/grafana/"),
            ("https://host/grafana//", "https://host/grafana/"),
            ("https://host:443/", "https://host/"),
            ("http://host:80/", "http://host/"),
            ("http://[::1]:3000/", "http://[::1]:3000/"),
            ("http://localhost:3000", "http://localhost:3000/"),
        ];
        for (input, want) in cases {
            let url = BaseUrl::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(url.as_str(), want, "{input}");
        }
    }

    #[test]
    fn prometheus_addresses_keep_their_api_prefix_and_refuse_pages() {
        let ok = [
            ("http://prometheus:9090", "http://prometheus:9090/", "prometheus:9090"),
            (
                "https://mimir.example.org/prometheus/",
                "https://mimir.example.org/prometheus/",
                "mimir.example.org/prometheus",
            ),
            (
                "http://vmselect:8481/select/0/prometheus",
                "http://vmselect:8481/select/0/prometheus/",
                "vmselect:8481/select/0/prometheus",
            ),
            // Grafana's UI words are fine in a Prometheus path.
            ("https://host/d/", "https://host/d/", "host/d"),
        ];
        for (input, want, name) in ok {
            let url = BaseUrl::parse_prometheus(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!((url.as_str().as_str(), url.short_name().as_str()), (want, name), "{input}");
        }
        let refused = [
            ("http://prom:9090/api/v1/query", UrlError::PrometheusDeepPath("/api/v1/query".into())),
            ("http://prom:9090/graph", UrlError::PrometheusDeepPath("/graph".into())),
            ("http://prom:9090/-/healthy", UrlError::PrometheusDeepPath("/-/healthy".into())),
            ("http://vm:8428/vmui/", UrlError::PrometheusDeepPath("/vmui/".into())),
            ("https://u:p@prom/", UrlError::PrometheusCredentials),
            ("prom:9090", UrlError::UnsupportedScheme("prom".into())),
        ];
        for (input, want) in refused {
            assert_eq!(BaseUrl::parse_prometheus(input), Err(want), "{input:?}");
        }
        assert!(UrlError::PrometheusCredentials.to_string().contains("Basic"));
    }

    #[test]
    fn mixed_content_is_https_to_http_except_loopback() {
        let https_page = "https://me.github.io";
        let cases = [
            ("http://grafana.example.org/", true),
            ("http://10.0.0.7:3000/", true),
            ("https://grafana.example.org/", false),
            ("http://localhost:3000/", false),
            ("http://grafana.localhost/", false),
            ("http://127.0.0.1:3000/", false),
            ("http://127.1.2.3/", false),
            ("http://[::1]:3000/", false),
            ("http://127.example.org/", true),
        ];
        for (url, mixed) in cases {
            let base = BaseUrl::parse(url).unwrap();
            assert_eq!(base.is_mixed_content_for(https_page), mixed, "{url}");
            assert_eq!(base.is_plain_http_remote(), mixed, "{url}");
            assert!(!base.is_mixed_content_for("http://127.0.0.1:8080"), "{url} from an http page");
        }
    }

    #[test]
    fn refuses_surprising_urls_with_a_reason() {
        let cases = [
            ("", UrlError::Empty),
            ("grafana.example.org", UrlError::MissingScheme("grafana.example.org".into())),
            ("localhost:3000", UrlError::UnsupportedScheme("localhost".into())),
            ("javascript:alert(1)", UrlError::UnsupportedScheme("javascript".into())),
            ("ftp://host/", UrlError::UnsupportedScheme("ftp".into())),
            ("https://user:pw@host/", UrlError::Credentials),
            ("https://host/?orgId=1", UrlError::Query),
            ("https://host/#x", UrlError::Fragment),
            ("https://gra fana/", UrlError::Whitespace),
            ("https://host:99999/", UrlError::Port("99999".into())),
            ("https://host:/", UrlError::Port("".into())),
            ("https:///", UrlError::Host("".into())),
            ("https://ho<st/", UrlError::Host("ho<st".into())),
            ("https://host/d/abc/my-dashboard", UrlError::DeepPath("/d/abc/my-dashboard".into())),
            ("https://host/api/datasources", UrlError::DeepPath("/api/datasources".into())),
            ("https://host/../x", UrlError::DeepPath("/../x".into())),
        ];
        for (input, want) in cases {
            assert_eq!(BaseUrl::parse(input), Err(want), "{input:?}");
        }
    }

    #[test]
    fn messages_say_what_to_do() {
        let err = BaseUrl::parse("https://admin:secret@host/").unwrap_err();
        assert!(err.to_string().contains("Remove the user name or password"));
        assert!(!err.to_string().contains("secret"), "a message must not repeat a password");
    }
}
