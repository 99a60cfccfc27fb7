//! The page's connect form, read: the text typed for a Grafana (address and token) and
//! for a Prometheus called directly (address and sign-in), checked into the [`Servers`]
//! a connection reaches, or the one thing to fix, in words. The page only reads its
//! fields and shows the answer.

use super::credentials::{Credentials, Token, TokenProblem};
use super::datasource::Datasource;
use super::error::ApiError;
use super::servers::{Direct, Grafana, Servers};
use super::url::BaseUrl;

/// How a Prometheus called directly is signed in to, as the form's choice says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignIn {
    /// No `Authorization` header.
    #[default]
    None,
    /// A bearer token.
    Bearer,
    /// A user name and password (HTTP Basic).
    Basic,
}

impl SignIn {
    /// From the form's value: `none`, `bearer` or `basic` (anything else is none).
    pub fn parse(value: &str) -> Self {
        match value {
            "bearer" => SignIn::Bearer,
            "basic" => SignIn::Basic,
            _ => SignIn::None,
        }
    }

    /// The form's value.
    pub fn name(self) -> &'static str {
        match self {
            SignIn::None => "none",
            SignIn::Bearer => "bearer",
            SignIn::Basic => "basic",
        }
    }
}

/// What the connect form holds, as typed.
#[derive(Debug, Clone, Copy, Default)]
pub struct Typed<'a> {
    /// Grafana's address (empty: no Grafana).
    pub grafana_url: &'a str,
    /// Grafana's service-account token.
    pub token: &'a str,
    /// A Prometheus API's address (empty: none called directly).
    pub prometheus_url: &'a str,
    /// How that Prometheus is signed in to.
    pub sign_in: SignIn,
    /// Its user name (Basic).
    pub user: &'a str,
    /// Its password or bearer token.
    pub secret: &'a str,
}

/// The servers the form names, for a page served from `page_origin` (an https page
/// cannot call plain http, but for loopback), or what to fix. `Debug` of the answer
/// shows no secret.
pub fn servers(typed: &Typed<'_>, page_origin: &str) -> Result<Servers, String> {
    let with_grafana = !typed.grafana_url.trim().is_empty();
    let with_prometheus = !typed.prometheus_url.trim().is_empty();
    if !with_grafana && !with_prometheus {
        return Err("Type your Grafana's address and token, or the address of a Prometheus to query directly (under \"Prometheus directly\"), or both.".into());
    }
    let reachable = |base: BaseUrl| {
        if base.is_mixed_content_for(page_origin) {
            return Err(ApiError::MixedContent { origin: base.origin().to_owned() }.to_string());
        }
        Ok(base)
    };
    let grafana = if with_grafana {
        let base = reachable(BaseUrl::parse(typed.grafana_url).map_err(|e| e.to_string())?)?;
        let token = Token::parse(typed.token).map_err(|problem| match problem {
            TokenProblem::Empty => "Paste a Grafana service-account token (it starts with glsa_). Grafana → Administration → Service accounts.".to_owned(),
            problem => format!("The token {problem}."),
        })?;
        Some(Grafana { base, token })
    } else {
        None
    };
    let direct = if with_prometheus {
        let base = reachable(BaseUrl::parse_prometheus(typed.prometheus_url).map_err(|e| e.to_string())?)?;
        let credentials = match typed.sign_in {
            SignIn::Bearer => {
                Credentials::Bearer(Token::parse(typed.secret).map_err(|problem| match problem {
                    TokenProblem::Empty => {
                        "Paste the bearer token for this Prometheus, or choose no sign-in.".to_owned()
                    }
                    problem => format!("The bearer token {problem}."),
                })?)
            }
            SignIn::Basic => Credentials::basic(typed.user, typed.secret)?,
            SignIn::None => Credentials::Anonymous,
        };
        vec![Direct { ds: Datasource::direct(0, &base), base, credentials }]
    } else {
        Vec::new()
    };
    Ok(Servers { grafana, direct })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "https://me.github.io";

    #[test]
    fn the_form_becomes_servers_or_one_thing_to_fix() {
        let both = Typed {
            grafana_url: " https://grafana.example.org ",
            token: "Bearer glsa_abc",
            prometheus_url: "https://prom.example.org/",
            sign_in: SignIn::Basic,
            user: "me",
            secret: "pw",
        };
        let servers = servers(&both, PAGE).unwrap();
        assert_eq!(
            servers.grafana.as_ref().map(|g| g.base.to_string()),
            Some("https://grafana.example.org/".into())
        );
        assert_eq!(servers.direct.len(), 1);
        assert!(matches!(servers.direct[0].credentials, Credentials::Basic { .. }));
        let err = |typed: Typed<'_>| super::servers(&typed, PAGE).unwrap_err();
        assert!(err(Typed::default()).starts_with("Type your Grafana's address"));
        assert!(err(Typed { grafana_url: "https://g.example.org/", ..Typed::default() }).contains("glsa_"));
        assert!(err(Typed { grafana_url: "http://g.example.org/", token: "glsa_x", ..Typed::default() })
            .contains("http://g.example.org"));
        assert!(err(Typed { grafana_url: "ftp://g/", token: "glsa_x", ..Typed::default() }).contains("ftp:"));
        let bearer = Typed { prometheus_url: "https://p/", sign_in: SignIn::Bearer, ..Typed::default() };
        assert!(err(bearer).contains("bearer token"));
        let basic = Typed {
            prometheus_url: "https://p/",
            sign_in: SignIn::Basic,
            user: "a:b",
            secret: "x",
            ..Typed::default()
        };
        assert!(err(basic).contains("colon"));
        // A Prometheus alone, from an http page on loopback: no Grafana needed.
        let alone = Typed { prometheus_url: "http://127.0.0.1:9090/", ..Typed::default() };
        let servers = super::servers(&alone, "http://127.0.0.1:8080").unwrap();
        assert!(servers.grafana.is_none() && servers.direct[0].credentials == Credentials::Anonymous);
        assert_eq!(SignIn::parse("basic"), SignIn::Basic);
        assert_eq!(SignIn::parse(SignIn::Bearer.name()), SignIn::Bearer);
        assert_eq!(SignIn::parse("?"), SignIn::None);
    }
}
