//! Grafana's own annotations (`GET api/annotations`), decoded: when each is and what it
//! says.

use serde::Deserialize;

/// One of Grafana's own annotations: when (a moment, or a span to `time_end`) and its text.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct GrafanaAnnotation {
    /// Its start, ms.
    pub time: i64,
    /// Its end, ms (`time` for a moment; Grafana writes 0 or `time` then).
    #[serde(default, rename = "timeEnd")]
    pub time_end: i64,
    /// Its text (Grafana lets it hold markup: promnote shows it as text).
    #[serde(default)]
    pub text: String,
    /// Its tags.
    #[serde(default)]
    pub tags: Vec<String>,
}
