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
    /// Grafana's own annotations over the report's range (`grafana: true`), those with
    /// every one of `tags` when given.
    Grafana {
        /// The tags an annotation must have.
        tags: Vec<String>,
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

/// An annotation's keys as written, each checked alone.
#[derive(Default)]
struct Fields {
    at: Option<String>,
    from: Option<String>,
    to: Option<String>,
    text: Option<String>,
    mask: Option<Mask>,
    query: Option<String>,
    title: Option<String>,
    step: Option<String>,
    grafana: bool,
    tags: Vec<String>,
}

fn fields(entries: &[(String, Node)]) -> Result<Fields, ParseError> {
    let mut f = Fields::default();
    for (key, node) in entries {
        let text = || scalar(node, key).map(str::to_owned);
        match key.as_str() {
            "at" => f.at = Some(text()?),
            "from" => f.from = Some(text()?),
            "to" => f.to = Some(text()?),
            "text" => f.text = Some(text()?),
            "mask" => f.mask = Some(read_mask(node)?),
            "query" => f.query = Some(text()?),
            "title" => f.title = Some(text()?),
            "step" => {
                let value = text()?;
                crate::time::step::parse_step(&value)
                    .map_err(|e| error(node.line, format!("annotation step: {e}")))?;
                f.step = Some(value);
            }
            "grafana" => match scalar(node, key)? {
                "true" | "yes" => f.grafana = true,
                "false" | "no" => {}
                other => return Err(error(node.line, format!("`grafana` must be true or false, not `{other}`"))),
            },
            "tags" => {
                f.tags = match &node.value {
                    Yaml::List(items) => {
                        items.iter().map(|i| scalar(i, key).map(str::to_owned)).collect::<Result<_, _>>()?
                    }
                    Yaml::Scalar(one) => vec![one.clone()],
                    Yaml::Map(_) => return Err(error(node.line, "`tags` is a list: tags: [deploy, release]")),
                };
            }
            other => {
                return Err(error(
                    node.line,
                    format!("unknown annotation key `{other}`; the keys are at, from, to, text, mask, query, title, step, grafana, tags"),
                ))
            }
        }
    }
    Ok(f)
}

fn annotation(item: &Node) -> Result<Annotation, ParseError> {
    let Yaml::Map(entries) = &item.value else {
        return Err(error(item.line, "an annotation is `key: value` lines: at (or from and to), text, mask"));
    };
    let Fields { at, from, to, text, mask, query, title, step, grafana, tags } = fields(entries)?;
    if grafana {
        if at.is_some()
            || from.is_some()
            || to.is_some()
            || mask.is_some()
            || query.is_some()
            || title.is_some()
        {
            return Err(error(
                item.line,
                "Grafana's annotations (grafana: true) bring their own times and text: give only tags",
            ));
        }
        return Ok(Annotation { when: When::Grafana { tags }, text: text.unwrap_or_default(), mask: None });
    }
    if !tags.is_empty() {
        return Err(error(item.line, "`tags` pick Grafana's own annotations: add grafana: true"));
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
        When::Query { .. } | When::Grafana { .. } => Vec::new(),
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
            When::Grafana { tags } => {
                out.push_str("  - grafana: true\n");
                if !tags.is_empty() {
                    let items: Vec<String> = tags.iter().map(|t| yaml::scalar(t)).collect();
                    out.push_str(&format!("    tags: [{}]\n", items.join(", ")));
                }
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
        if !a.text.is_empty() || !matches!(a.when, When::Query { .. } | When::Grafana { .. }) {
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
