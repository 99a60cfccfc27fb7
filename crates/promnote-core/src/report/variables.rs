//! Report variables' values and choices: where values come from ([`Source`]: a variable
//! query such as `label_values(label)`, `label_values(selector, label)`,
//! `metrics(regex)`, `query_result(expr)` or `label_names()`; a fixed list; a text box; a
//! constant), what is chosen ([`Selection`]), what "All" stands for ([`AllValue`]), and a
//! variable regex that filters and extracts values as Grafana's does ([`filter_values`],
//! with the shell's regex engine).

use super::references::uses;

/// What a variable is set to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// Every value: the regex `.*`.
    All,
    /// These values (one for a single-select variable). None selected means all.
    Values(Vec<String>),
}

/// The value that stands for "All" where a selection is written as a list of values (a
/// share link, a `<select>`), as in Grafana.
pub const ALL: &str = "$__all";

impl Selection {
    /// From a list of values, where [`ALL`] anywhere means all.
    pub fn from_values(values: Vec<String>) -> Self {
        if values.iter().any(|v| v == ALL) {
            Selection::All
        } else {
            Selection::Values(values)
        }
    }

    /// As a list of values: `[ALL]` for all.
    pub fn to_values(&self) -> Vec<String> {
        match self {
            Selection::All => vec![ALL.to_owned()],
            Selection::Values(values) => values.clone(),
        }
    }
}

/// The values a variable's list shows: those containing `filter` (case-insensitive), at
/// most `max` of them, in order, then any chosen value not among them (a choice never
/// disappears from view). Thousands of values would freeze the page as options.
pub fn shown_values(all: &[String], filter: &str, selection: &Selection, max: usize) -> Vec<String> {
    let needle = filter.to_lowercase();
    let mut shown: Vec<String> = all
        .iter()
        .filter(|v| needle.is_empty() || v.to_lowercase().contains(&needle))
        .take(max)
        .cloned()
        .collect();
    if let Selection::Values(chosen) = selection {
        let listed: std::collections::HashSet<&String> = shown.iter().collect();
        let missing: Vec<String> = chosen.iter().filter(|c| !listed.contains(c)).cloned().collect();
        shown.extend(missing);
    }
    shown
}

/// What "All" stands for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum AllValue {
    /// Any value: the regex `.*` (promnote's default: no need to know the values first).
    #[default]
    Any,
    /// Every value the variable lists (Grafana's default).
    Listed,
    /// This text, as it is (Grafana's custom all value).
    Raw(String),
}

/// What a regex engine found in one value: its first capture group, and the groups named
/// `value` and `text`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Found {
    /// Capture group 1.
    pub group: Option<String>,
    /// The group named `value`.
    pub value: Option<String>,
    /// The group named `text`.
    pub text: Option<String>,
}

/// A regex engine, given by each shell: the page's is the browser's (Grafana's regexes
/// are JavaScript's), the command line's the `regex` crate.
pub trait RegexEngine {
    /// Matches `text` against `pattern` with JavaScript `flags` (`i`, `m`, `s`, …):
    /// `Ok(None)` when it does not match, `Err` when the pattern is not a regex.
    fn find(&self, pattern: &str, flags: &str, text: &str) -> Result<Option<Found>, String>;
}

/// Filters a variable's values by its `regex`, as Grafana does: `/pattern/flags` is a
/// regex, anything else must match whole (`^pattern$`); a value that does not match is
/// dropped; one that does becomes its `value` (or `text`) group, else its first capture
/// group, else stays as it is. Duplicates go, the first kept.
pub fn filter_values(
    values: &[String],
    regex: &str,
    engine: &dyn RegexEngine,
) -> Result<Vec<String>, String> {
    let (pattern, flags) = match regex.strip_prefix('/').and_then(|r| r.rsplit_once('/')) {
        Some((pattern, flags)) if flags.chars().all(|c| "gimsuy".contains(c)) => (pattern.to_owned(), flags),
        _ => (format!("^{regex}$"), ""),
    };
    let mut seen = std::collections::HashSet::new();
    let mut kept = Vec::new();
    for value in values {
        let Some(found) = engine
            .find(&pattern, flags, value)
            .map_err(|e| format!("the regex {regex} cannot be read: {e}"))?
        else {
            continue;
        };
        let kept_value = found.value.or(found.text).or(found.group).unwrap_or_else(|| value.clone());
        if seen.insert(kept_value.clone()) {
            kept.push(kept_value);
        }
    }
    Ok(kept)
}

/// A variable query: `label_values(…)`, `metrics(regex)`, `query_result(expr)` or
/// `label_names()`, as Grafana's Prometheus datasource reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VarQuery {
    /// The values of a label, optionally of the series a selector matches.
    LabelValues(LabelValues),
    /// Metric names matching a regex.
    Metrics(String),
    /// The series of an instant query, each written `name{label="value",…} value time_ms`.
    QueryResult(String),
    /// Label names.
    LabelNames,
}

impl VarQuery {
    /// Parses a variable query; the error says what is allowed.
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        let inner = |name: &str| {
            t.strip_prefix(name)
                .and_then(|r| r.trim_start().strip_prefix('('))
                .and_then(|r| r.trim_end().strip_suffix(')'))
        };
        if let Some(re) = inner("metrics").filter(|r| !r.trim().is_empty()) {
            return Ok(VarQuery::Metrics(re.trim().to_owned()));
        }
        if let Some(expr) = inner("query_result").filter(|r| !r.trim().is_empty()) {
            return Ok(VarQuery::QueryResult(expr.trim().to_owned()));
        }
        if inner("label_names").is_some_and(|r| r.trim().is_empty()) {
            return Ok(VarQuery::LabelNames);
        }
        LabelValues::parse(t).map(VarQuery::LabelValues).map_err(|e| {
            if t.starts_with("label_values") {
                e
            } else {
                format!("`{t}` is not a variable query: write label_values(label), label_values(metric, label), metrics(regex), query_result(query) or label_names()")
            }
        })
    }

    /// Whether it uses the variable `name` (a chained variable: its values depend on it).
    pub fn uses(&self, name: &str) -> bool {
        uses(&self.to_string(), name)
    }
}

impl std::fmt::Display for VarQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VarQuery::LabelValues(lv) => lv.fmt(f),
            VarQuery::Metrics(re) => write!(f, "metrics({re})"),
            VarQuery::QueryResult(expr) => write!(f, "query_result({expr})"),
            VarQuery::LabelNames => f.write_str("label_names()"),
        }
    }
}

/// Where a variable's values come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Asked of every datasource (`query:`).
    Query(VarQuery),
    /// A fixed list (`values:`; Grafana's custom and interval variables).
    Values(Vec<String>),
    /// Typed by the reader, starting with this text (`text:`; Grafana's text box).
    Text(String),
    /// A fixed value, not shown (`constant:`).
    Constant(String),
}

impl Source {
    /// The values known without asking a datasource.
    pub fn fixed_values(&self) -> Option<Vec<String>> {
        match self {
            Source::Query(_) => None,
            Source::Values(values) => Some(values.clone()),
            Source::Text(text) | Source::Constant(text) => Some(vec![text.clone()]),
        }
    }
}

/// Where a variable's values come from: `label_values(label)` or
/// `label_values(selector, label)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelValues {
    /// The series selector (`match[]`), e.g. `jupyterhub_active_users{period="24h"}`.
    pub selector: Option<String>,
    /// The label whose values are offered.
    pub label: String,
}

impl LabelValues {
    /// Parses `label_values(...)`; the error says what to write.
    pub fn parse(query: &str) -> Result<Self, String> {
        let usage = "write label_values(label) or label_values(metric, label), e.g. label_values(jupyterhub_active_users, namespace)";
        let inner = query
            .trim()
            .strip_prefix("label_values(")
            .and_then(|rest| rest.strip_suffix(')'))
            .ok_or_else(|| format!("`{query}` is not a variable query: {usage}"))?;
        // The label follows the last comma outside braces and quotes.
        let (mut depth, mut quote, mut split) = (0i32, None, None);
        for (i, c) in inner.char_indices() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'' | '`') => quote = Some(c),
                (None, '{' | '(' | '[') => depth += 1,
                (None, '}' | ')' | ']') => depth -= 1,
                (None, ',') if depth == 0 => split = Some(i),
                _ => {}
            }
        }
        let (selector, label) = match split {
            Some(i) => (Some(inner[..i].trim().to_owned()), inner[i + 1..].trim()),
            None => (None, inner.trim()),
        };
        let valid_label = label.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid_label {
            return Err(format!("`{label}` is not a label name: {usage}"));
        }
        if selector.as_deref() == Some("") {
            return Err(format!("the metric before the comma is empty: {usage}"));
        }
        Ok(Self { selector, label: label.to_owned() })
    }
}

impl std::fmt::Display for LabelValues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.selector {
            Some(selector) => write!(f, "label_values({selector}, {})", self.label),
            None => write!(f, "label_values({})", self.label),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_value_lists_show_a_filtered_slice_and_every_choice() {
        let all: Vec<String> = (0..1000).map(|i| format!("hub-{i:04}")).collect();
        assert_eq!(shown_values(&all, "", &Selection::All, 300).len(), 300);
        let some = shown_values(&all, "HUB-09", &Selection::All, 300);
        assert_eq!(some.len(), 100);
        assert!(some.iter().all(|v| v.starts_with("hub-09")));
        let chosen = Selection::Values(vec!["hub-0999".into(), "hub-0001".into()]);
        let shown = shown_values(&all, "", &chosen, 3);
        assert_eq!(shown, ["hub-0000", "hub-0001", "hub-0002", "hub-0999"]);
        let gone = Selection::Values(vec!["no-longer-there".into()]);
        assert_eq!(shown_values(&all, "zzz", &gone, 300), ["no-longer-there"]);
    }

    /// The `regex` crate as the engine, for tests (the shells give their own).
    struct TestEngine;

    impl RegexEngine for TestEngine {
        fn find(&self, pattern: &str, flags: &str, text: &str) -> Result<Option<Found>, String> {
            let inline: String = flags.chars().filter(|c| "ims".contains(*c)).collect();
            let pattern =
                if inline.is_empty() { pattern.to_owned() } else { format!("(?{inline}){pattern}") };
            let re = regex::Regex::new(&pattern).map_err(|e| e.to_string())?;
            Ok(re.captures(text).map(|c| Found {
                group: c.get(1).map(|m| m.as_str().to_owned()),
                value: c.name("value").map(|m| m.as_str().to_owned()),
                text: c.name("text").map(|m| m.as_str().to_owned()),
            }))
        }
    }

    #[test]
    fn a_variable_regex_filters_and_extracts_as_in_grafana() {
        let values: Vec<String> =
            ["node-a:9100", "node-b:9100", "db:5432", "NODE-A:9100"].iter().map(|s| s.to_string()).collect();
        assert_eq!(filter_values(&values, "/node-(.*):9100/", &TestEngine).unwrap(), ["a", "b"]);
        assert_eq!(filter_values(&values, "/node-(.*):9100/i", &TestEngine).unwrap(), ["a", "b", "A"]);
        let twice: Vec<String> = ["x-1", "y-1"].iter().map(|s| s.to_string()).collect();
        assert_eq!(filter_values(&twice, "/-(.)/", &TestEngine).unwrap(), ["1"], "duplicates go");
        assert_eq!(
            filter_values(&values, "node-.:9100", &TestEngine).unwrap(),
            ["node-a:9100", "node-b:9100"]
        );
        assert_eq!(filter_values(&values, "node", &TestEngine).unwrap(), Vec::<String>::new(), "whole match");
        assert_eq!(
            filter_values(&values, "/(?<text>[a-z]+)-(?<value>[a-z]):/", &TestEngine).unwrap(),
            ["a", "b"]
        );
        assert!(filter_values(&values, "/(/", &TestEngine).unwrap_err().contains("cannot be read"));
    }

    #[test]
    fn variable_queries() {
        let parsed = |t: &str| VarQuery::parse(t).unwrap();
        assert_eq!(parsed("metrics(node_.*)"), VarQuery::Metrics("node_.*".into()));
        assert_eq!(parsed(" query_result(topk(5, up)) "), VarQuery::QueryResult("topk(5, up)".into()));
        assert_eq!(parsed("label_names()"), VarQuery::LabelNames);
        assert!(matches!(parsed(r#"label_values(up{job="$job"}, instance)"#), VarQuery::LabelValues(_)));
        assert!(parsed(r#"label_values(up{job="$job"}, instance)"#).uses("job"));
        for t in ["metrics(node_.*)", "query_result(up)", "label_names()", "label_values(x, y)"] {
            assert_eq!(parsed(t).to_string(), t);
        }
        assert!(VarQuery::parse("up").unwrap_err().contains("metrics(regex)"));
        assert!(VarQuery::parse("label_values(up, 1x)").unwrap_err().contains("not a label name"));
    }

    #[test]
    fn selections_as_value_lists() {
        for selection in
            [Selection::All, Selection::Values(vec!["a".into(), "b".into()]), Selection::Values(vec![])]
        {
            assert_eq!(Selection::from_values(selection.to_values()), selection);
        }
        assert_eq!(Selection::from_values(vec!["a".into(), ALL.into()]), Selection::All);
    }

    #[test]
    fn label_values_queries() {
        assert_eq!(
            LabelValues::parse(r#"label_values(up{job=~"a,b"}, namespace)"#),
            Ok(LabelValues { selector: Some(r#"up{job=~"a,b"}"#.into()), label: "namespace".into() })
        );
        assert_eq!(
            LabelValues::parse("label_values(namespace)"),
            Ok(LabelValues { selector: None, label: "namespace".into() })
        );
        for bad in ["up", "label_values(up, 1x)", "label_values(, x)", "label_values(up, a-b)"] {
            assert!(LabelValues::parse(bad).unwrap_err().contains("label_values("), "{bad}");
        }
    }
}
