//! The hub-activity report, the flagship: daily active users per JupyterHub over the
//! last month, across every Prometheus datasource. This file owns its query and the
//! requests that evaluate it on the plan's midnights and at "now".

use crate::days::DayPlan;
use crate::grafana::{form, ApiRequest, Body};

/// The report's PromQL, as the notebook ran it.
pub const HUB_ACTIVITY_QUERY: &str =
    r#"max(jupyterhub_active_users{period="24h", namespace=~".*"}) by (namespace)"#;

/// A cheap query that proves a datasource answers through Grafana's proxy.
pub const HEALTH_QUERY: &str = "1+1";

/// The report's title.
pub const HUB_ACTIVITY_TITLE: &str = "Daily active users per hub";

/// The `query_range` requests for the plan's midnights (form POST, as Grafana sends):
/// one per segment of evenly spaced midnights (more than one across a DST change).
pub fn range_requests(uid: &str, query: &str, plan: &DayPlan) -> Vec<ApiRequest> {
    plan.segments()
        .iter()
        .map(|s| {
            let (start, end, step) = (s.start_s.to_string(), s.end_s.to_string(), s.step_s.to_string());
            let body = form(&[("query", query), ("start", &start), ("end", &end), ("step", &step)]);
            ApiRequest::prometheus(uid, "api/v1/query_range", Body::Form(body))
        })
        .collect()
}

/// The instant `query` request for the partial day, evaluated at the plan's end.
pub fn instant_request(uid: &str, query: &str, plan: &DayPlan) -> ApiRequest {
    let time = format!("{:.3}", plan.now_ms as f64 / 1000.0);
    ApiRequest::prometheus(uid, "api/v1/query", Body::Form(form(&[("query", query), ("time", &time)])))
}

/// The status check: an instant query of a constant, through the proxy.
pub fn health_request(uid: &str) -> ApiRequest {
    ApiRequest::prometheus(uid, "api/v1/query", Body::Form(form(&[("query", HEALTH_QUERY)])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_evaluate_at_midnights_and_now() {
        let now_ms = 1_795_399_726_500; // 2026-11-23T02:08:46.500Z
        let plan = DayPlan::last_month(now_ms);
        let ranges = range_requests("prom-a", HUB_ACTIVITY_QUERY, &plan);
        assert_eq!(ranges.len(), 1);
        assert_eq!(ranges[0].path, "api/datasources/proxy/uid/prom-a/api/v1/query_range");
        let Body::Form(body) = &ranges[0].body else { panic!("POST expected") };
        assert!(body.ends_with("&start=1792800000&end=1795392000&step=86400"), "{body}");
        let instant = instant_request("prom-a", HUB_ACTIVITY_QUERY, &plan);
        let Body::Form(body) = &instant.body else { panic!("POST expected") };
        assert!(body.ends_with("&time=1795399726.500"), "{body}");
    }
}
