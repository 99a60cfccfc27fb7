//! Notes on the timeline, from the front matter's `annotations:`: a moment (`at`) drawn
//! as a line, or a span (`from`/`to`) drawn as a band, each with its text; a span can
//! `mask` the series it names, whose values inside it are left out everywhere (charts,
//! tables, totals, reducers, CSV) as gaps, never silently.
//!
//! ```yaml
//! annotations:
//!   - at: 2026-11-14
//!     text: Term starts
//!   - from: 2026-02-06
//!     to: 2026-04-02
//!     text: highmem double-counted users
//!     mask: {datasource: utoronto, namespace: highmem}
//!   - query: changes(kube_deployment_status_observed_generation{namespace=~"$hub"}[5m]) > 0
//!     title: "Deployed {{namespace}}"
//!     step: 5m
//! ```
//!
//! A `query` annotation is Grafana's Prometheus annotation: each series' non-zero samples
//! are events, joined while they continue (one step apart), titled and described by
//! `title` and `text` templates of its labels.
//!
//! Times are written as the report's range is (`2026-11-14`, `now-7d`, ISO times), in the
//! report's zone; a bare date as `to` means the end of that day.

use super::error::{error, ParseError};
use super::yaml::{self, Node, Yaml};
use crate::time::parse::{parse_time, Edge};

/// The most annotations a report may hold.
pub const MAX_ANNOTATIONS: usize = 1000;

/// One note on the timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    /// When.
    pub when: When,
    /// What it says (shown as text, never markup); for a query, a template of each
    /// series' labels (`{{namespace}}`).
    pub text: String,
    /// The series whose values inside a span are left out.
    pub mask: Option<Mask>,
}

/// When an annotation is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum When {
    /// A moment, as typed.
    At(String),
    /// A span, as typed: its start and end.
    Span {
        /// Start.
        from: String,
        /// End (a bare date: the end of that day).
        to: String,
    },
    /// Grafana's Prometheus annotation: every non-zero stretch of each series of `query`
    /// over the report's range, evaluated every `step`.
    Query {
        /// The PromQL (variables and macros as in cells).
        query: String,
        /// A title template of each series' labels (`Deployed {{namespace}}`).
        title: Option<String>,
        /// The evaluation step (`5m`); `auto` when absent.
        step: Option<String>,
    },
}

/// Which series a span masks: those of `datasource` (a name or uid, any when absent)
/// whose labels have every one of `labels`' values.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Mask {
    /// A datasource's name or uid.
    pub datasource: Option<String>,
    /// Label values a series must have, in the order written.
    pub labels: Vec<(String, String)>,
}

impl Mask {
    /// Whether the series of datasource (`uid`, `name`) with `labels` is masked.
    pub fn matches<'a>(&self, uid: &str, name: &str, mut label: impl FnMut(&str) -> Option<&'a str>) -> bool {
        self.datasource.as_deref().is_none_or(|d| d == uid || d == name)
            && self.labels.iter().all(|(k, v)| label(k) == Some(v.as_str()))
    }
}

/// A scalar inside `{ }`: quoted also when it holds a brace.
fn flow_scalar(value: &str) -> String {
    let written = yaml::scalar(value);
    if written.starts_with('"') || !value.contains(['{', '}']) {
        return written;
    }
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

fn scalar<'a>(node: &'a Node, key: &str) -> Result<&'a str, ParseError> {
    match &node.value {
        Yaml::Scalar(s) => Ok(s),
        _ => Err(error(node.line, format!("`{key}` must be a single value"))),
    }
}

/// Reads `annotations:` (a list of mappings); errors name their line.
pub fn read(node: &Node) -> Result<Vec<Annotation>, ParseError> {
    let Yaml::List(items) = &node.value else {
        return Err(error(node.line, "`annotations` must be a list (`- at: …` or `- from: …`)"));
    };
    if items.len() > MAX_ANNOTATIONS {
        return Err(error(node.line, format!("a report holds at most {MAX_ANNOTATIONS} annotations")));
    }
    items.iter().map(annotation).collect()
}

fn annotation(item: &Node) -> Result<Annotation, ParseError> {
    let Yaml::Map(entries) = &item.value else {
        return Err(error(item.line, "an annotation is `key: value` lines: at (or from and to), text, mask"));
    };
    let (mut at, mut from, mut to, mut text, mut mask) = (None, None, None, None, None);
    let (mut query, mut title, mut step) = (None, None, None);
    for (key, node) in entries {
        match key.as_str() {
            "at" => at = Some(scalar(node, key)?.to_owned()),
            "from" => from = Some(scalar(node, key)?.to_owned()),
            "to" => to = Some(scalar(node, key)?.to_owned()),
            "text" => text = Some(scalar(node, key)?.to_owned()),
            "mask" => mask = Some(read_mask(node)?),
            "query" => query = Some(scalar(node, key)?.to_owned()),
            "title" => title = Some(scalar(node, key)?.to_owned()),
            "step" => {
                let value = scalar(node, key)?;
                crate::time::step::parse_step(value)
                    .map_err(|e| error(node.line, format!("annotation step: {e}")))?;
                step = Some(value.to_owned());
            }
            "grafana" | "tags" => {
                return Err(error(
                    node.line,
                    format!("`{key}`: Grafana's own annotations are not supported yet; write them with at (or from and to) and text, or as a query"),
                ))
            }
            other => {
                return Err(error(
                    node.line,
                    format!("unknown annotation key `{other}`; the keys are at, from, to, text, mask, query, title, step"),
                ))
            }
        }
    }
    if let Some(query) = query {
        if at.is_some() || from.is_some() || to.is_some() || mask.is_some() {
            return Err(error(
                item.line,
                "a query annotation finds its own times: leave out at, from, to and mask",
            ));
        }
        if query.trim().is_empty() {
            return Err(error(item.line, "this query annotation has no query"));
        }
        if title.is_none() && text.is_none() {
            return Err(error(
                item.line,
                "a query annotation needs `title` or `text`, e.g. title: \"Deployed {{namespace}}\"",
            ));
        }
        return Ok(Annotation {
            when: When::Query { query, title, step },
            text: text.unwrap_or_default(),
            mask: None,
        });
    }
    if title.is_some() || step.is_some() {
        return Err(error(item.line, "`title` and `step` belong to a query annotation (`query: …`)"));
    }
    let when = match (at, from, to) {
        (Some(at), None, None) => When::At(at),
        (None, Some(from), Some(to)) => When::Span { from, to },
        (None, Some(_), None) | (None, None, Some(_)) => {
            return Err(error(item.line, "a span needs both `from` and `to`"))
        }
        (Some(_), _, _) => {
            return Err(error(item.line, "write either `at` (a moment) or `from` and `to` (a span)"))
        }
        (None, None, None) => return Err(error(item.line, "an annotation needs `at`, or `from` and `to`")),
    };
    let times = match &when {
        When::At(at) => vec![(at, Edge::From)],
        When::Span { from, to } => vec![(from, Edge::From), (to, Edge::To)],
        When::Query { .. } => Vec::new(),
    };
    for (time, edge) in times {
        parse_time(time, jiff::Timestamp::UNIX_EPOCH, &jiff::tz::TimeZone::UTC, edge)
            .map_err(|e| error(item.line, format!("annotation time `{time}`: {e}")))?;
    }
    if mask.is_some() && matches!(when, When::At(_)) {
        return Err(error(item.line, "`mask` needs a span: write `from` and `to` instead of `at`"));
    }
    let text = text
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| error(item.line, "an annotation needs `text`"))?;
    Ok(Annotation { when, text, mask })
}

fn read_mask(node: &Node) -> Result<Mask, ParseError> {
    let Yaml::Map(entries) = &node.value else {
        return Err(error(node.line, "`mask` names the series: {datasource: …, label: value, …}"));
    };
    let mut mask = Mask::default();
    for (key, value) in entries {
        let value = scalar(value, key)?.to_owned();
        match key.as_str() {
            "datasource" => mask.datasource = Some(value),
            _ => mask.labels.push((key.clone(), value)),
        }
    }
    if mask.datasource.is_none() && mask.labels.is_empty() {
        return Err(error(
            node.line,
            "`mask` names no series: give a datasource or a label, e.g. {namespace: highmem}",
        ));
    }
    Ok(mask)
}

/// Writes `annotations:` back as front matter lines.
pub fn write(annotations: &[Annotation], out: &mut String) {
    if annotations.is_empty() {
        return;
    }
    out.push_str("annotations:\n");
    for a in annotations {
        match &a.when {
            When::At(at) => out.push_str(&format!("  - at: {}\n", yaml::scalar(at))),
            When::Span { from, to } => {
                out.push_str(&format!("  - from: {}\n    to: {}\n", yaml::scalar(from), yaml::scalar(to)))
            }
            When::Query { query, title, step } => {
                out.push_str(&format!("  - query: {}\n", yaml::scalar(query)));
                if let Some(title) = title {
                    out.push_str(&format!("    title: {}\n", yaml::scalar(title)));
                }
                if let Some(step) = step {
                    out.push_str(&format!("    step: {}\n", yaml::scalar(step)));
                }
            }
        }
        if !a.text.is_empty() || !matches!(a.when, When::Query { .. }) {
            out.push_str(&format!("    text: {}\n", yaml::scalar(&a.text)));
        }
        if let Some(mask) = &a.mask {
            let pairs = mask
                .datasource
                .iter()
                .map(|d| ("datasource", d.as_str()))
                .chain(mask.labels.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            let items: Vec<String> =
                pairs.map(|(k, v)| format!("{}: {}", flow_scalar(k), flow_scalar(v))).collect();
            out.push_str(&format!("    mask: {{{}}}\n", items.join(", ")));
        }
    }
}
