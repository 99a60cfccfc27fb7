//! The dashboard JSON as read: untrusted fields taken only as what they should be, and
//! what a conversion gives back (the report, and what it could not hold).

use serde_json::{Map, Value};

use crate::api::datasource::Datasource;
use crate::report::format::Report;

/// The largest dashboard JSON [`convert`] reads.
pub const MAX_DASHBOARD_BYTES: usize = 8 * 1024 * 1024;

/// The most panels converted; a dashboard with more is refused.
pub const MAX_PANELS: usize = 2000;

/// A converted dashboard.
#[derive(Debug, Clone, PartialEq)]
pub struct Conversion {
    /// The report.
    pub report: Report,
    /// What could not be carried over, in the dashboard's order.
    pub dropped: Vec<Dropped>,
}

/// One thing a report cannot hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropped {
    /// The panel's title, or `None` for the dashboard itself (a variable, a link).
    pub panel: Option<String>,
    /// What it was, in words.
    pub what: String,
}

/// Where the datasources a dashboard names are known: the connected Grafana's
/// Prometheus datasources (uid, name). A panel pinned to one of them keeps it
/// (`datasources=`); one pinned to a datasource not known here queries every
/// Prometheus datasource, with a note.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Known {
    /// (uid, name) of each Prometheus datasource.
    pub datasources: Vec<(String, String)>,
}

/// Why a dashboard could not be converted at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DashboardError(pub String);

pub fn fail(message: impl Into<String>) -> DashboardError {
    DashboardError(message.into())
}

pub fn text<'v>(object: &'v Map<String, Value>, key: &str) -> Option<&'v str> {
    object.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
}

pub fn boolean(object: &Map<String, Value>, key: &str) -> bool {
    object.get(key).and_then(Value::as_bool).unwrap_or(false)
}

pub fn objects<'v>(
    object: &'v Map<String, Value>,
    key: &str,
) -> impl Iterator<Item = &'v Map<String, Value>> {
    object.get(key).and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_object)
}

/// One line of text: line breaks and tabs become spaces (a title, a legend).
pub fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl Known {
    /// The Prometheus datasources of the connected Grafana a panel may stay pinned to:
    /// those it lists, not servers called directly (their uids are the connection's own).
    pub fn from_datasources<'d>(datasources: impl IntoIterator<Item = &'d Datasource>) -> Self {
        let datasources = datasources
            .into_iter()
            .filter(|ds| !ds.is_direct())
            .map(|ds| (ds.uid.clone(), ds.name.clone()))
            .collect();
        Self { datasources }
    }
}
