//! Secrets and where they may go: a Grafana token, the sign-in of a Prometheus called
//! directly, and [`Servers`], which picks for each request the one server it is for and
//! the one credential that may go with it. Secrets' `Debug` never shows them and they have
//! no `Display`, so they cannot end up in a log line, a message or a file by accident.

use std::fmt;

use crate::grafana::{ApiRequest, BaseUrl, Datasource, Destination};

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

    /// The `Authorization` header value: `Bearer …`.
    pub fn header_value(&self) -> String {
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

/// How to sign in to a Prometheus called directly (not through Grafana). `Debug` shows no secret.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// No `Authorization` header.
    Anonymous,
    /// `Authorization: Bearer …`.
    Bearer(Token),
    /// HTTP Basic.
    Basic {
        /// The user name (no `:`).
        user: String,
        /// The password.
        password: String,
    },
}

impl Credentials {
    /// Basic credentials, checked: a user name without `:` and a password.
    pub fn basic(user: &str, password: &str) -> Result<Self, String> {
        let user = user.trim();
        if user.is_empty() || user.contains(':') || user.chars().any(char::is_control) {
            return Err("Type the user name for this Prometheus (it cannot contain a colon).".into());
        }
        if password.is_empty() || password.chars().any(char::is_control) {
            return Err("Type the password for this Prometheus.".into());
        }
        Ok(Self::Basic { user: user.to_owned(), password: password.to_owned() })
    }

    /// The `Authorization` header value, if any.
    pub fn header_value(&self) -> Option<String> {
        match self {
            Credentials::Anonymous => None,
            Credentials::Bearer(token) => Some(token.header_value()),
            Credentials::Basic { user, password } => {
                Some(crate::grafana::basic_authorization(user, password))
            }
        }
    }

    /// Removes the secret from a text that is about to be shown.
    pub fn redact(&self, text: &str) -> String {
        match self {
            Credentials::Anonymous => text.to_owned(),
            Credentials::Bearer(token) => token.redact(text),
            Credentials::Basic { password, .. } => text.replace(password.as_str(), "[password]"),
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Credentials::Anonymous => "Credentials::Anonymous",
            Credentials::Bearer(_) => "Credentials::Bearer([redacted])",
            Credentials::Basic { .. } => "Credentials::Basic([redacted])",
        })
    }
}

/// A signed-in Grafana: its checked base URL and the token sent only to its origin.
#[derive(Debug)]
pub struct Grafana {
    /// Where Grafana is.
    pub base: BaseUrl,
    /// The bearer token.
    pub token: Token,
}

/// A Prometheus-compatible server (Prometheus, Thanos, Mimir, VictoriaMetrics) called
/// directly, not through Grafana: one datasource of the connection.
#[derive(Debug)]
pub struct Direct {
    /// The datasource it appears as ([`Datasource::direct`]).
    pub ds: Datasource,
    /// Where its HTTP API lives.
    pub base: BaseUrl,
    /// How to sign in, sent only to `base`'s origin.
    pub credentials: Credentials,
}

/// What a live connection reaches: a Grafana, servers called directly, or both.
#[derive(Debug)]
pub struct Servers {
    /// The Grafana, if one was given.
    pub grafana: Option<Grafana>,
    /// The servers called directly.
    pub direct: Vec<Direct>,
}

/// Where one request goes, and the one credential it may carry.
#[derive(Debug)]
pub struct Target<'a> {
    /// The absolute URL.
    pub url: String,
    /// The server's base URL (its origin is the only one the credential goes to).
    pub base: &'a BaseUrl,
    /// The `Authorization` header value, if any.
    pub authorization: Option<String>,
    /// Whether the server is a Prometheus called directly (not Grafana).
    pub direct: bool,
}

impl Servers {
    /// Where `request` goes: a request built for a server called directly goes to that
    /// server's Prometheus API with its credentials; any other to Grafana with its token.
    /// `None` when it needs a Grafana and none was given.
    pub fn target(&self, request: &ApiRequest) -> Option<Target<'_>> {
        match request.destination(self.direct.iter().map(|d| d.ds.uid.as_str())) {
            Destination::Direct { index, path } => {
                let direct = &self.direct[index];
                Some(Target {
                    url: direct.base.join(path),
                    base: &direct.base,
                    authorization: direct.credentials.header_value(),
                    direct: true,
                })
            }
            Destination::Grafana => self.grafana.as_ref().map(|grafana| Target {
                url: grafana.base.join(&request.path),
                base: &grafana.base,
                authorization: Some(grafana.token.header_value()),
                direct: false,
            }),
        }
    }

    /// The servers called directly, as datasources.
    pub fn direct_datasources(&self) -> Vec<Datasource> {
        self.direct.iter().map(|d| d.ds.clone()).collect()
    }

    /// The servers' hosts (`grafana.example.org`), for a snapshot's banner.
    pub fn hosts(&self) -> Vec<String> {
        let grafana = self.grafana.iter().map(|g| g.base.host().to_owned());
        grafana.chain(self.direct.iter().map(|d| d.base.host().to_owned())).collect()
    }

    /// Removes every secret from a text that is about to be shown (defence in depth).
    pub fn redact(&self, text: &str) -> String {
        let text = self.grafana.as_ref().map_or(text.to_owned(), |g| g.token.redact(text));
        self.direct.iter().fold(text, |text, d| d.credentials.redact(&text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_show() {
        let token = Token::new("  Bearer glsa_abc  ").unwrap();
        assert_eq!(token.header_value(), "Bearer glsa_abc");
        assert_eq!(format!("{token:?}"), "Token([redacted])");
        assert_eq!(token.redact("x glsa_abc y"), "x [token] y");
        assert!(Token::new("two words").is_none());
        assert!(Token::new("").is_none());
        let basic = Credentials::basic("me", "pässword").unwrap();
        assert_eq!(format!("{basic:?}"), "Credentials::Basic([redacted])");
        assert!(basic.header_value().unwrap().starts_with("Basic "));
        assert_eq!(basic.redact("pässword!"), "[password]!");
        assert!(Credentials::basic("a:b", "x").is_err());
        assert_eq!(Credentials::Anonymous.header_value(), None);
    }

    #[test]
    fn each_request_goes_to_its_server_with_that_server_s_credential_only() {
        let prometheus = BaseUrl::parse_prometheus("http://prom:9090/").unwrap();
        let servers = Servers {
            grafana: Some(Grafana {
                base: BaseUrl::parse("https://g.example.org/grafana/").unwrap(),
                token: Token::new("glsa_g").unwrap(),
            }),
            direct: vec![Direct {
                ds: Datasource::direct(0, &prometheus),
                base: prometheus,
                credentials: Credentials::Anonymous,
            }],
        };
        let to_grafana = servers.target(&ApiRequest::datasources()).unwrap();
        assert_eq!(
            (to_grafana.url.as_str(), to_grafana.authorization.as_deref()),
            ("https://g.example.org/grafana/api/datasources", Some("Bearer glsa_g"))
        );
        let query = ApiRequest::prometheus("direct:0", "api/v1/query", crate::grafana::Body::None);
        let to_prometheus = servers.target(&query).unwrap();
        assert_eq!(
            (to_prometheus.url.as_str(), to_prometheus.authorization, to_prometheus.direct),
            ("http://prom:9090/api/v1/query", None, true)
        );
        assert_eq!(servers.hosts(), ["g.example.org", "prom:9090"]);
        assert_eq!(servers.redact("a glsa_g b"), "a [token] b");
        let alone = Servers { grafana: None, direct: Vec::new() };
        assert!(alone.target(&ApiRequest::datasources()).is_none());
    }
}
