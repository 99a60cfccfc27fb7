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

    /// Hides the token in a text that is about to be shown (defence in depth): each
    /// whole occurrence becomes `[token]` ([`mask`]).
    pub fn redact(&self, text: &str) -> String {
        mask(text, &self.0, "[token]")
    }

    fn forms(&self) -> Vec<String> {
        forms_of(&self.0)
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

    /// Hides the secret in a text that is about to be shown: each whole occurrence of
    /// it, or of the Basic header it makes, is masked ([`mask`]).
    pub fn redact(&self, text: &str) -> String {
        match self {
            Credentials::Anonymous => text.to_owned(),
            Credentials::Bearer(token) => token.redact(text),
            Credentials::Basic { user, password } => {
                let header = crate::grafana::basic_authorization(user, password);
                let encoded = header.strip_prefix("Basic ").unwrap_or(&header);
                mask(&mask(text, encoded, "[password]"), password, "[password]")
            }
        }
    }

    /// Every text the secret could appear as in a file: itself, JSON-escaped, and for
    /// Basic the header's base64 (standard and URL-safe).
    fn forms(&self) -> Vec<String> {
        match self {
            Credentials::Anonymous => Vec::new(),
            Credentials::Bearer(token) => token.forms(),
            Credentials::Basic { user, password } => {
                let header = crate::grafana::basic_authorization(user, password);
                let standard = header.strip_prefix("Basic ").unwrap_or(&header).to_owned();
                let url_safe = crate::share::base64url(format!("{user}:{password}").as_bytes());
                let mut forms = forms_of(password);
                forms.extend([standard, url_safe]);
                forms
            }
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

/// A secret as it could appear in a file: as itself and JSON-escaped (`"` as `\"`).
fn forms_of(secret: &str) -> Vec<String> {
    let escaped = serde_json::to_string(secret).unwrap_or_default();
    let escaped = escaped.trim_start_matches('"').trim_end_matches('"').to_owned();
    let mut forms = vec![secret.to_owned()];
    if escaped != secret {
        forms.push(escaped);
    }
    forms
}

/// Secrets shorter than this are not masked in messages: so short a text is part of
/// ordinary words, and masking it would rewrite them (a file holding one is refused by
/// [`Servers::found_in`] instead).
pub const MIN_MASKED_LEN: usize = 6;

/// `text` with each whole occurrence of `secret` replaced by `mask`: only where the
/// secret is neither preceded nor followed by a letter, digit or one of `_-.+/=`, so a
/// secret that is part of a longer word or identifier is never cut out of it, and only
/// for secrets of [`MIN_MASKED_LEN`] characters or more.
pub fn mask(text: &str, secret: &str, mask: &str) -> String {
    if secret.chars().count() < MIN_MASKED_LEN {
        return text.to_owned();
    }
    let joins = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || "_-.+/=".contains(c));
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (at, _) in text.match_indices(secret) {
        let end = at + secret.len();
        if joins(text[..at].chars().next_back()) || joins(text[end..].chars().next()) {
            continue;
        }
        out.push_str(&text[copied..at]);
        out.push_str(mask);
        copied = end;
    }
    out.push_str(&text[copied..]);
    out
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
    fn messages_mask_whole_secrets_only() {
        let secret = "hunter22";
        assert_eq!(mask("a hunter22, b", secret, "[x]"), "a [x], b");
        assert_eq!(mask("\"hunter22\"", secret, "[x]"), "\"[x]\"");
        // Part of a longer word or identifier: left alone, never cut out of it.
        assert_eq!(
            mask("hunter222 xhunter22 hunter22_ hunter22.x", secret, "[x]"),
            "hunter222 xhunter22 hunter22_ hunter22.x"
        );
        assert_eq!(mask("hunter22hunter22 hunter22", secret, "[x]"), "hunter22hunter22 [x]");
        // Too short to mask without rewriting ordinary words.
        assert_eq!(mask("a b c", "a", "[x]"), "a b c");
        let basic = Credentials::basic("me", "s3cret-pass").unwrap();
        let header = basic.header_value().unwrap();
        let echoed = format!("bad header {header}");
        assert_eq!(basic.redact(&echoed), "bad header Basic [password]");
    }

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
        let url_safe = crate::share::base64url(b"reader:long-password?>");
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
        let query = ApiRequest::prometheus("direct:0", "api/v1/query", crate::grafana::Body::None);
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
