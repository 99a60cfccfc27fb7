//! Where each request goes, and with which credential ([`Servers::target`]): a Grafana
//! with its token, servers called directly with their own sign-in, never one server's
//! credential to another. Also the checks before anything is sent or published: a
//! credential that would cross the network in clear ([`Servers::sent_in_clear`]) and a
//! file that holds one ([`Servers::found_in`]).

use super::credentials::{Credentials, Token};
use super::datasource::Datasource;
use super::request::{ApiRequest, Destination};
use super::url::BaseUrl;

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

    /// Where a published snapshot says it came from: the Grafana's host, or, for servers
    /// called directly, `Prometheus`, never their addresses (internal hosts and ports).
    pub fn source(&self) -> String {
        match &self.grafana {
            Some(g) => g.base.host().to_owned(),
            None => "Prometheus".to_owned(),
        }
    }

    /// Hides every secret in a text that is about to be shown (defence in depth).
    pub fn redact(&self, text: &str) -> String {
        let text = self.grafana.as_ref().map_or(text.to_owned(), |g| g.token.redact(text));
        self.direct.iter().fold(text, |text, d| d.credentials.redact(&text))
    }

    /// The credentials that would cross the network unencrypted (plain `http://` to
    /// another machine, [`BaseUrl::is_plain_http_remote`]), each as "the Grafana token
    /// for http://…": refused unless the user says the network is trusted.
    pub fn sent_in_clear(&self) -> Vec<String> {
        let grafana = self
            .grafana
            .iter()
            .filter(|g| g.base.is_plain_http_remote())
            .map(|g| format!("the Grafana token for {}", g.base.origin()));
        let direct = self
            .direct
            .iter()
            .filter(|d| d.credentials != Credentials::Anonymous && d.base.is_plain_http_remote())
            .map(|d| match &d.credentials {
                Credentials::Basic { user, .. } => format!("the password of {user} for {}", d.base.origin()),
                _ => format!("the bearer token for {}", d.base.origin()),
            });
        grafana.chain(direct).collect()
    }

    /// The first credential whose text appears in `text` (a file about to be published)
    /// in any form it could take there, named as the user knows it: the file must not be
    /// written. Files are never edited to hide a secret: a password that is also a word
    /// of the data (`prometheus`) would be given away by the words around its mask, and
    /// masking one character breaks the file.
    pub fn found_in(&self, text: &str) -> Option<String> {
        let grafana = self.grafana.iter().map(|g| (g.token.forms(), "the Grafana token".to_owned()));
        let direct = self.direct.iter().map(|d| {
            let which = match &d.credentials {
                Credentials::Basic { user, .. } => format!("the password of {user} for {}", d.base.host()),
                _ => format!("the bearer token for {}", d.base.host()),
            };
            (d.credentials.forms(), which)
        });
        grafana
            .chain(direct)
            .find(|(forms, _)| forms.iter().any(|form| !form.is_empty() && text.contains(form.as_str())))
            .map(|(_, which)| which)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn servers_with(password: &str) -> Servers {
        let base = BaseUrl::parse_prometheus("http://prom:9090/").unwrap();
        Servers {
            grafana: Some(Grafana {
                base: BaseUrl::parse("https://g.example.org/").unwrap(),
                token: Token::new("glsa_secret_token").unwrap(),
            }),
            direct: vec![Direct {
                ds: Datasource::direct(0, &base),
                base,
                credentials: Credentials::basic("reader", password).unwrap(),
            }],
        }
    }

    #[test]
    fn a_file_holding_a_secret_in_any_form_is_found_and_named() {
        let snapshot = r#"{"type":"prometheus","labels":{"namespace":"staging"},"body":"{\"a\":1}"}"#;
        // A password that is also a word of the data: found, never rewritten.
        let servers = servers_with("prometheus");
        assert_eq!(servers.found_in(snapshot).as_deref(), Some("the password of reader for prom:9090"));
        assert_eq!(
            servers_with("staging").found_in(snapshot).as_deref(),
            Some("the password of reader for prom:9090")
        );
        // One character: in almost any file.
        assert!(servers_with("a").found_in(snapshot).is_some());
        // Quotes: found as JSON writes them.
        let quoted = servers_with("pa\"ss");
        assert!(quoted.found_in(r#"{"body":"pa\"ss"}"#).is_some());
        // The Basic header's base64, in both alphabets.
        let header = Credentials::basic("reader", "long-password?>").unwrap().header_value().unwrap();
        let encoded = header.strip_prefix("Basic ").unwrap();
        assert!(servers_with("long-password?>").found_in(&format!("x{encoded}x")).is_some());
        let url_safe = crate::api::encoding::base64url(b"reader:long-password?>");
        assert!(servers_with("long-password?>").found_in(&url_safe).is_some());
        // The Grafana token.
        let found = servers_with("long-password").found_in("… glsa_secret_token …");
        assert_eq!(found.as_deref(), Some("the Grafana token"));
        // A clean file.
        assert_eq!(servers_with("long-password").found_in(snapshot), None);
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
        let query = ApiRequest::prometheus("direct:0", "api/v1/query", crate::api::request::Body::None);
        let to_prometheus = servers.target(&query).unwrap();
        assert_eq!(
            (to_prometheus.url.as_str(), to_prometheus.authorization, to_prometheus.direct),
            ("http://prom:9090/api/v1/query", None, true)
        );
        assert_eq!(servers.hosts(), ["g.example.org", "prom:9090"]);
        assert_eq!(servers.redact("a glsa_g b"), "a [token] b");
        assert!(servers.sent_in_clear().is_empty(), "anonymous, and the token over https");
        let clear = Servers {
            grafana: Some(Grafana {
                base: BaseUrl::parse("http://g.example.org/").unwrap(),
                token: Token::new("glsa_g").unwrap(),
            }),
            direct: vec![Direct {
                ds: Datasource::direct(0, &BaseUrl::parse_prometheus("http://10.0.0.7:9090/").unwrap()),
                base: BaseUrl::parse_prometheus("http://10.0.0.7:9090/").unwrap(),
                credentials: Credentials::basic("me", "password").unwrap(),
            }],
        };
        assert_eq!(
            clear.sent_in_clear(),
            ["the Grafana token for http://g.example.org", "the password of me for http://10.0.0.7:9090"]
        );
        let loopback = Servers {
            grafana: Some(Grafana {
                base: BaseUrl::parse("http://127.0.0.1:3000/").unwrap(),
                token: Token::new("glsa_g").unwrap(),
            }),
            direct: Vec::new(),
        };
        assert!(loopback.sent_in_clear().is_empty());
        let alone = Servers { grafana: None, direct: Vec::new() };
        assert!(alone.target(&ApiRequest::datasources()).is_none());
    }
}
