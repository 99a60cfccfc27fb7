//! The datasources Grafana lists, as promnote needs them (uid, name, type), decoded
//! from `/api/datasources` or the older `/api/frontend/settings`; servers called
//! directly appear as datasources too. [`Route`]: how a datasource is queried.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::url::BaseUrl;

/// A datasource as Grafana lists it; only the fields promnote needs.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Datasource {
    /// Stable identifier used in proxy URLs.
    pub uid: String,
    /// Display name, unique within the organisation.
    pub name: String,
    /// Plugin id, e.g. `prometheus`, `loki`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Whether it is the organisation's default datasource.
    #[serde(default, rename = "isDefault")]
    pub is_default: bool,
}

/// The uid prefix of Prometheus servers the page calls directly, not through Grafana. A
/// colon never appears in Grafana's uids, so they cannot collide.
const DIRECT_UID_PREFIX: &str = "direct:";

impl Datasource {
    /// The `index`th Prometheus-compatible server the user typed, called directly.
    pub fn direct(index: usize, base: &BaseUrl) -> Self {
        Self {
            uid: format!("{DIRECT_UID_PREFIX}{index}"),
            name: base.short_name(),
            kind: "prometheus".into(),
            is_default: false,
        }
    }

    /// Whether the page calls this datasource directly rather than through Grafana.
    pub fn is_direct(&self) -> bool {
        self.uid.starts_with(DIRECT_UID_PREFIX)
    }

    /// Whether promnote can query it as Prometheus through the proxy.
    pub fn is_prometheus(&self) -> bool {
        self.kind == "prometheus" || self.needs_ds_query()
    }

    /// Prometheus-compatible datasources that Grafana's proxy cannot serve (their plugins
    /// sign requests in the backend): they are queried through `POST /api/ds/query`.
    pub fn needs_ds_query(&self) -> bool {
        matches!(
            self.kind.as_str(),
            "grafana-amazonprometheus-datasource" | "grafana-azureprometheus-datasource"
        )
    }
}

/// Decodes `GET /api/datasources`, sorted by name like Grafana's UI.
pub fn parse_datasources(body: &str) -> Result<Vec<Datasource>, serde_json::Error> {
    let mut list: Vec<Datasource> = serde_json::from_str(body)?;
    list.sort_by_key(|d| d.name.to_lowercase());
    Ok(list)
}

/// Decodes the `datasources` map of `GET /api/frontend/settings`.
pub fn parse_frontend_settings(body: &str) -> Result<Vec<Datasource>, serde_json::Error> {
    #[derive(Deserialize)]
    struct Settings {
        datasources: BTreeMap<String, SettingsDatasource>,
    }
    #[derive(Deserialize)]
    struct SettingsDatasource {
        uid: Option<String>,
        #[serde(rename = "type")]
        kind: String,
        name: Option<String>,
        #[serde(default, rename = "isDefault")]
        is_default: bool,
    }
    let settings: Settings = serde_json::from_str(body)?;
    let mut list: Vec<Datasource> = settings
        .datasources
        .into_iter()
        // Built-in pseudo datasources ("-- Grafana --", "-- Mixed --") have no uid to proxy.
        .filter_map(|(key, ds)| {
            Some(Datasource {
                uid: ds.uid?,
                name: ds.name.unwrap_or(key),
                kind: ds.kind,
                is_default: ds.is_default,
            })
        })
        .collect();
    list.sort_by_key(|d| d.name.to_lowercase());
    Ok(list)
}

/// How a datasource is queried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// Grafana's datasource proxy (or the server itself, called directly): the
    /// Prometheus HTTP API.
    Proxy,
    /// Grafana's `POST /api/ds/query` (data frames): for datasource types the proxy
    /// cannot serve, and for datasources whose proxy refuses the token.
    DsQuery,
}

impl Route {
    /// Whether the Prometheus metadata API (labels, label values, series) is reachable
    /// this way; `/api/ds/query` has none, so such datasources add no names.
    pub fn has_metadata(self) -> bool {
        self == Route::Proxy
    }

    /// How the route is written in lists: `proxy` or `/api/ds/query`.
    pub fn name(self) -> &'static str {
        match self {
            Route::Proxy => "proxy",
            Route::DsQuery => "/api/ds/query",
        }
    }

    /// How a datasource that answered is reached, as lists say it: `direct` for a server
    /// called directly (its "proxy" route is its own API), else [`Route::name`].
    pub fn label(self, ds: &Datasource) -> &'static str {
        if ds.is_direct() {
            "direct"
        } else {
            self.name()
        }
    }

    /// The same in a sentence's words, after "answered in 12 ms": `called directly`,
    /// `through /api/ds/query`, or nothing for Grafana's proxy (the usual way).
    pub fn words(self, ds: &Datasource) -> Option<&'static str> {
        match self.label(ds) {
            "direct" => Some("called directly"),
            "/api/ds/query" => Some("through /api/ds/query"),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::request::{ApiRequest, Body};

    #[test]
    fn a_proxied_call_gives_its_prometheus_path_for_a_direct_call() {
        let base = BaseUrl::parse_prometheus("https://mimir/prometheus").unwrap();
        let ds = Datasource::direct(0, &base);
        assert!(ds.is_direct() && ds.is_prometheus() && !ds.needs_ds_query());
        assert_eq!(ds.name, "mimir/prometheus");
        let req = ApiRequest::prometheus(&ds.uid, "api/v1/query_range", Body::Form("query=up".into()));
        assert_eq!(req.prometheus_path(&ds.uid), Some("api/v1/query_range"));
        assert_eq!(
            base.join(req.prometheus_path(&ds.uid).unwrap()),
            "https://mimir/prometheus/api/v1/query_range"
        );
        assert_eq!(req.prometheus_path("other"), None);
        assert_eq!(ApiRequest::datasources().prometheus_path(&ds.uid), None);
        assert!(!Datasource {
            uid: "direct".into(),
            name: "x".into(),
            kind: "prometheus".into(),
            is_default: false
        }
        .is_direct());
    }

    #[test]
    fn a_route_is_labelled_by_how_the_datasource_is_reached() {
        let grafana =
            Datasource { uid: "a".into(), name: "a".into(), kind: "prometheus".into(), is_default: false };
        let direct = Datasource::direct(0, &BaseUrl::parse_prometheus("http://prom:9090/").unwrap());
        assert_eq!(Route::Proxy.label(&grafana), "proxy");
        assert_eq!(Route::DsQuery.label(&grafana), "/api/ds/query");
        assert_eq!(Route::Proxy.label(&direct), "direct");
        assert_eq!(Route::Proxy.words(&grafana), None);
        assert_eq!(Route::Proxy.words(&direct), Some("called directly"));
        assert_eq!(Route::DsQuery.words(&grafana), Some("through /api/ds/query"));
    }

    #[test]
    fn decodes_the_datasource_list() {
        let body = r#"[
          {"id":2,"uid":"b","orgId":1,"name":"beta","type":"prometheus","typeName":"Prometheus","access":"proxy","url":"http://p","isDefault":false,"jsonData":{},"readOnly":false},
          {"id":1,"uid":"a","orgId":1,"name":"Alpha","type":"loki","isDefault":true,"jsonData":{}}
        ]"#;
        let list = parse_datasources(body).unwrap();
        assert_eq!(list.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(), ["Alpha", "beta"]);
        assert!(!list[0].is_prometheus());
        assert!(list[1].is_prometheus());
    }

    #[test]
    fn decodes_frontend_settings_and_skips_builtins() {
        let body = r#"{"datasources":{
            "-- Grafana --":{"type":"datasource","name":"-- Grafana --","meta":{}},
            "prom":{"uid":"p1","type":"prometheus","name":"prom","isDefault":true}
        },"defaultDatasource":"prom"}"#;
        let list = parse_frontend_settings(body).unwrap();
        assert_eq!(
            list,
            vec![Datasource {
                uid: "p1".into(),
                name: "prom".into(),
                kind: "prometheus".into(),
                is_default: true
            }]
        );
    }
}
