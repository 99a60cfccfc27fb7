//! Proxies from the environment, read as curl reads them: `HTTPS_PROXY` for https://
//! servers, `HTTP_PROXY` for http:// ones, `ALL_PROXY` for either (lower-case names
//! first), and `NO_PROXY` for the hosts reached directly (names, `.domain` suffixes,
//! addresses, `*`). Only HTTP proxies (CONNECT, over http:// or https://) can be used: a
//! SOCKS proxy, or a value that is not a proxy address, is refused before anything is
//! sent, so that no request ever goes around the proxy the environment asks for. A
//! proxy's user and password never appear in a message.

/// The proxy one server is reached through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proxy {
    /// Its address as the environment gives it (with any user and password).
    pub url: String,
    /// The variable it came from (`HTTPS_PROXY`, `all_proxy`, …).
    pub var: &'static str,
}

impl Proxy {
    /// Its address for messages: a user and password replaced by `…`.
    pub fn shown(&self) -> String {
        redacted(&self.url)
    }
}

/// The proxy a server at `scheme://host` is reached through (`None`: directly), from the
/// variables `env` reads; an error that says what to change when the environment names
/// a proxy promnote cannot use.
pub fn for_server(
    https: bool,
    host: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Proxy>, String> {
    let vars: [&'static str; 4] = if https {
        ["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"]
    } else {
        ["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"]
    };
    let Some((var, url)) = vars
        .iter()
        .find_map(|v| env(v).map(|u| u.trim().to_owned()).filter(|u| !u.is_empty()).map(|u| (*v, u)))
    else {
        return Ok(None);
    };
    let no_proxy = env("no_proxy").or_else(|| env("NO_PROXY")).unwrap_or_default();
    if bypasses(&no_proxy, host) {
        return Ok(None);
    }
    let proxy = Proxy { url, var };
    let scheme = proxy.url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
    match scheme.as_deref() {
        None | Some("http" | "https") => {}
        Some(s) if s.starts_with("socks") => {
            return Err(format!(
                "{var} names a SOCKS proxy ({}), which promnote cannot use, and it never goes around a proxy: use an HTTP proxy, or add {host} to NO_PROXY to connect to it directly",
                proxy.shown()
            ))
        }
        Some(other) => {
            return Err(format!(
                "{var} names a proxy of the kind {other}:// ({}), which promnote cannot use: use an http:// or https:// proxy, or add {host} to NO_PROXY to connect to it directly",
                proxy.shown()
            ))
        }
    }
    let rest = proxy.url.split_once("://").map_or(proxy.url.as_str(), |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or_default();
    let address = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    if address.is_empty() || address.contains(char::is_whitespace) {
        return Err(format!(
            "{var} ({}) is not a proxy address promnote can read: write it as http://host:port",
            proxy.shown()
        ));
    }
    Ok(Some(proxy))
}

/// Whether `NO_PROXY`'s list reaches `host` directly: `*`; the host itself; a domain
/// (`example.org` or `.example.org`) and every name under it. Ports in entries are
/// ignored, as curl ignores them; case never matters.
fn bypasses(list: &str, host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
    list.split(',').map(str::trim).filter(|e| !e.is_empty()).any(|entry| {
        if entry == "*" {
            return true;
        }
        let entry = entry.to_ascii_lowercase();
        // `[::1]:8080`, `host:8080`: the port is not part of the name (a bare IPv6
        // address has several colons and no port).
        let name = if let Some(rest) = entry.strip_prefix('[') {
            rest.split(']').next().unwrap_or_default()
        } else if entry.matches(':').count() == 1 {
            entry.split(':').next().unwrap_or_default()
        } else {
            entry.as_str()
        };
        let domain = name.trim_start_matches('.');
        !domain.is_empty() && (host == domain || host.ends_with(&format!(".{domain}")))
    })
}

/// A proxy address with its user and password replaced by `…`.
fn redacted(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").map_or(("", url), |(s, r)| (s, r));
    let (authority, path) = rest.split_once('/').map_or((rest, None), |(a, p)| (a, Some(p)));
    let authority = match authority.rsplit_once('@') {
        Some((_, address)) => format!("…@{address}"),
        None => authority.to_owned(),
    };
    let prefix = if scheme.is_empty() { String::new() } else { format!("{scheme}://") };
    match path {
        Some(path) => format!("{prefix}{authority}/{path}"),
        None => format!("{prefix}{authority}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())
    }

    #[test]
    fn each_scheme_reads_its_own_variable_then_all_proxy_lower_case_first() {
        let vars = [
            ("HTTPS_PROXY", "http://secure:3128"),
            ("http_proxy", "http://plain:3128"),
            ("ALL_PROXY", "http://any:1"),
        ];
        let https = for_server(true, "grafana.example.org", &env(&vars)).unwrap().unwrap();
        assert_eq!((https.url.as_str(), https.var), ("http://secure:3128", "HTTPS_PROXY"));
        let http = for_server(false, "grafana.example.org", &env(&vars)).unwrap().unwrap();
        assert_eq!((http.url.as_str(), http.var), ("http://plain:3128", "http_proxy"));
        let all = [("ALL_PROXY", "any:1"), ("all_proxy", "http://lower:2")];
        assert_eq!(for_server(true, "g", &env(&all)).unwrap().unwrap().var, "all_proxy");
        assert_eq!(for_server(true, "g", &env(&[("HTTPS_PROXY", " ")])).unwrap(), None);
        assert_eq!(for_server(true, "g", &env(&[])).unwrap(), None);
    }

    #[test]
    fn no_proxy_reaches_names_domains_and_addresses_directly() {
        let at = |list: &str, host: &str| {
            for_server(true, host, &env(&[("HTTPS_PROXY", "http://p:3128"), ("NO_PROXY", list)]))
                .unwrap()
                .is_none()
        };
        assert!(at("*", "anything"));
        assert!(at("example.org", "grafana.example.org"));
        assert!(at(".example.org", "grafana.example.org"));
        assert!(at("localhost, 127.0.0.1:3000", "127.0.0.1"));
        assert!(at("GRAFANA.example.org", "grafana.example.org"));
        assert!(at("[::1]:8080", "[::1]"));
        assert!(!at("example.org", "notexample.org"));
        assert!(!at("other.org,", "grafana.example.org"));
        assert!(!at("", "grafana.example.org"));
        // The lower-case name is read first, as curl reads it.
        let both = [("HTTPS_PROXY", "http://p:1"), ("no_proxy", "a.org"), ("NO_PROXY", "b.org")];
        assert!(for_server(true, "a.org", &env(&both)).unwrap().is_none());
        assert!(for_server(true, "b.org", &env(&both)).unwrap().is_some());
    }

    #[test]
    fn a_socks_proxy_or_an_unreadable_one_is_refused_and_never_shows_its_password() {
        let refused =
            for_server(true, "grafana.example.org", &env(&[("ALL_PROXY", "socks5h://me:s3cret@p:1080")]))
                .unwrap_err();
        assert!(refused.starts_with("ALL_PROXY names a SOCKS proxy (socks5h://…@p:1080)"), "{refused}");
        assert!(
            refused.contains("add grafana.example.org to NO_PROXY") && !refused.contains("s3cret"),
            "{refused}"
        );
        let ftp = for_server(false, "h", &env(&[("HTTP_PROXY", "ftp://p")])).unwrap_err();
        assert!(ftp.contains("of the kind ftp://"), "{ftp}");
        let blank = for_server(false, "h", &env(&[("HTTP_PROXY", "http://user:pw@/")])).unwrap_err();
        assert!(blank.contains("is not a proxy address") && !blank.contains("pw"), "{blank}");
        // NO_PROXY first: a SOCKS proxy that is not used is no reason to refuse.
        assert_eq!(
            for_server(true, "h", &env(&[("ALL_PROXY", "socks5://p"), ("NO_PROXY", "h")])).unwrap(),
            None
        );
        assert_eq!(redacted("http://u:p@host:3128/x"), "http://…@host:3128/x");
        assert_eq!(redacted("host:3128"), "host:3128");
    }
}
