//! Report variables and their substitution, by the rules of Grafana's Prometheus
//! datasource (its `interpolateQueryExpr` and the template service's formats; see
//! the README's "Reports are Markdown notebooks"):
//!
//! - Where values come from ([`Source`]): a variable query (`label_values(label)`,
//!   `label_values(selector, label)`, `metrics(regex)`, `query_result(expr)`,
//!   `label_names()`), a fixed list (Grafana's custom and interval variables), a text box,
//!   or a constant. A `regex` filters and extracts values ([`filter_values`]).
//! - How they are written into a query ([`substitute`]): `$name`, `${name}`,
//!   `${name:format}`, `[[name]]` and `[[name:format]]`. A variable that offers several
//!   values or "All" is written as a regex: each value escaped twice, once for the regex
//!   (`.` matches a dot, not anything) and once for the PromQL string it sits in (`"` and
//!   `\`), so `namespace=~"$hub"` matches exactly the chosen hubs, whatever their names;
//!   a single-valued one is written as its text, escaped for a PromQL string only, so
//!   `instance="$node"` matches that instance exactly.
//! - Grafana's macros (`$__interval`, `$__rate_interval`, `$__range`, …: [`macros`]),
//!   from the cell's step and range.

use std::collections::BTreeMap;
use std::fmt::Write as _;

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

/// Escapes a label value for a regex inside a PromQL double-quoted string: regex
/// metacharacters get a backslash, written as `\\` in the string; `"` becomes `\"`.
pub fn regex_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        match c {
            '\\' => out.push_str(r"\\\\"),
            '.' | '+' | '*' | '?' | '^' | '$' | '(' | ')' | '[' | ']' | '{' | '}' | '|' => {
                out.push_str(r"\\");
                out.push(c);
            }
            '"' => out.push_str("\\\""),
            '\n' => out.push_str(r"\n"),
            c => out.push(c),
        }
    }
    out
}

/// Whether `name` is a valid variable name (a letter or `_`, then letters, digits, `_`).
pub fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A variable reference in a query: where it is, its name, and its format (`regex` in
/// `${name:regex}`), as Grafana's template service finds them.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Reference<'a> {
    range: std::ops::Range<usize>,
    name: &'a str,
    format: Option<&'a str>,
}

fn word_end(text: &str, from: usize) -> usize {
    text[from..].find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).map_or(text.len(), |n| from + n)
}

/// Every `$name`, `${name}`, `${name:format}`, `${name.field}`, `[[name]]` and
/// `[[name:format]]` in `query`, in order.
fn references(query: &str) -> Vec<Reference<'_>> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < query.len() {
        let rest = &query[i..];
        if rest.starts_with("[[") {
            let end = word_end(query, i + 2);
            let name = &query[i + 2..end];
            let after = &query[end..];
            let (format, close) = match after.strip_prefix(':') {
                Some(_) => {
                    let fend = word_end(query, end + 1);
                    (Some(&query[end + 1..fend]).filter(|f| !f.is_empty()), fend)
                }
                None => (None, end),
            };
            if !name.is_empty()
                && query[close..].starts_with("]]")
                && (format.is_some() || !after.starts_with(':'))
            {
                found.push(Reference { range: i..close + 2, name, format });
                i = close + 2;
                continue;
            }
            i += 1;
            continue;
        }
        if !rest.starts_with('$') {
            i += rest.chars().next().map_or(1, char::len_utf8);
            continue;
        }
        if rest.starts_with("${") {
            let end = word_end(query, i + 2);
            let name = &query[i + 2..end];
            if let (false, Some(close)) = (name.is_empty(), query[end..].find('}')) {
                let inner = &query[end..end + close];
                // `.field` (ignored, as for a plain value) then `:format`.
                let format = inner.find(':').map(|c| &inner[c + 1..]);
                let field_ok = inner.split(':').next().is_some_and(|f| f.is_empty() || f.starts_with('.'));
                if field_ok && !inner.split(':').next().unwrap_or_default().contains('^') {
                    found.push(Reference { range: i..end + close + 1, name, format });
                    i = end + close + 1;
                    continue;
                }
            }
            i += 1;
            continue;
        }
        let end = word_end(query, i + 1);
        let name = &query[i + 1..end];
        // `$1` in label_replace is a capture group, not a variable.
        if is_name(name) {
            found.push(Reference { range: i..end, name, format: None });
        }
        i = end.max(i + 1);
    }
    found
}

/// Whether `query` uses the variable `name` (so changing it must re-run the cell).
pub fn uses(query: &str, name: &str) -> bool {
    references(query).iter().any(|r| r.name == name)
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

/// A variable as a query sees it: what is chosen, and how it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Binding {
    /// A variable.
    Variable {
        /// What is chosen.
        selection: Selection,
        /// Written as a regex (the variable offers several values or "All"), else as text.
        regex: bool,
        /// What "All" stands for.
        all: AllValue,
        /// Every value it lists, for [`AllValue::Listed`].
        listed: Vec<String>,
    },
    /// Text put in as it is (a macro such as `$__interval`).
    Raw(String),
}

/// Every name a query may use, with what it is bound to.
pub type Bindings = BTreeMap<String, Binding>;

impl Binding {
    /// A regex-written variable set to `selection` with "All" meaning `.*` (as promnote's
    /// own reports write theirs).
    pub fn regex(selection: Selection) -> Self {
        Binding::Variable { selection, regex: true, all: AllValue::Any, listed: Vec::new() }
    }

    /// The text written for this binding in `format` (`None`: the Prometheus default).
    fn write(&self, format: Option<&str>) -> String {
        let (selection, regex, all, listed) = match self {
            Binding::Raw(text) => return text.clone(),
            Binding::Variable { selection, regex, all, listed } => (selection, *regex, all, listed),
        };
        let values: &[String] = match (selection, all) {
            (Selection::All, AllValue::Raw(text)) => return text.clone(),
            (Selection::All, AllValue::Any) => return ".*".into(),
            (Selection::All, AllValue::Listed) => listed,
            (Selection::Values(values), _) => values,
        };
        match format.map(str::trim) {
            None if regex && values.is_empty() => ".*".into(),
            None if regex => join_alternatives(values.iter().map(|v| regex_escape(v))),
            None => values.iter().map(|v| string_escape(v)).collect::<Vec<_>>().join(","),
            Some(format) => write_format(format, values),
        }
    }
}

/// `a` alone, or `(a|b|c)`.
fn join_alternatives(values: impl Iterator<Item = String>) -> String {
    let parts: Vec<String> = values.collect();
    match parts.len() {
        1 => parts.into_iter().next().unwrap_or_default(),
        _ => format!("({})", parts.join("|")),
    }
}

/// Grafana's explicit formats (`${name:format}`); an unknown one is `glob`, as there.
fn write_format(format: &str, values: &[String]) -> String {
    let (name, argument) = format.split_once(':').map_or((format, None), |(n, a)| (n, Some(a)));
    let quoted = |quote: char, double: bool| {
        let one = |v: &String| {
            let inner = if double {
                v.replace(quote, &format!("{quote}{quote}"))
            } else {
                v.replace(quote, &format!("\\{quote}"))
            };
            format!("{quote}{inner}{quote}")
        };
        values.iter().map(one).collect::<Vec<_>>().join(",")
    };
    match name {
        "regex" => join_alternatives(values.iter().map(|v| plain_regex_escape(v))),
        "pipe" => values.join("|"),
        "csv" | "raw" => values.join(","),
        "join" => values.join(argument.unwrap_or(",")),
        "text" => values.join(" + "),
        "json" if values.len() == 1 => values[0].clone(),
        "json" => serde_json::to_string(values).unwrap_or_default(),
        "doublequote" => quoted('"', false),
        "singlequote" => quoted('\'', false),
        "sqlstring" => quoted('\'', true),
        "percentencode" => match values.len() {
            1 => percent_encode(&values[0]),
            _ => percent_encode(&format!("{{{}}}", values.join(","))),
        },
        "queryparam" => {
            values.iter().map(|v| format!("var-={}", percent_encode(v))).collect::<Vec<_>>().join("&")
        }
        _ if values.len() > 1 => format!("{{{}}}", values.join(",")),
        _ => values.join(","),
    }
}

/// A value for a regex, one backslash before each metacharacter (Grafana's `regex`
/// format: right in backticks, not inside a PromQL `"…"` string, as in Grafana).
fn plain_regex_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 4);
    for c in value.chars() {
        if "\\^$*+?.()|[]{}/".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A value for a PromQL double-quoted string: `\` and `"` get a backslash, a line break
/// is `\n` (Grafana's escape for single-valued variables, in its newer form).
pub fn string_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// Substitutes every bound name in `query`; unknown `$names` stay as typed (as in
/// Grafana), and capture groups such as `$1` are left alone.
pub fn substitute(query: &str, bindings: &Bindings) -> String {
    let mut out = String::with_capacity(query.len());
    let mut last = 0;
    for r in references(query) {
        if let Some(binding) = bindings.get(r.name) {
            out.push_str(&query[last..r.range.start]);
            out.push_str(&binding.write(r.format));
            last = r.range.end;
        }
    }
    out.push_str(&query[last..]);
    out
}

/// The scrape interval `$__rate_interval` assumes when the datasource's is not known
/// (Grafana's default).
pub const SCRAPE_INTERVAL_MS: i64 = 15_000;

/// Grafana's macros for a query evaluated every `step_ms` over `range_ms`: `$__interval`
/// (the step, in its largest whole unit: `1m`, `1d`), `$__interval_ms`,
/// `$__rate_interval` (the larger of step + scrape interval and four scrape intervals,
/// written as Go writes a duration: `1m0s`), `$__rate_interval_ms`, `$__range` (`86400s`),
/// `$__range_s` and `$__range_ms`.
pub fn macros(step_ms: i64, range_ms: i64) -> Bindings {
    let rate_ms = (step_ms + SCRAPE_INTERVAL_MS).max(4 * SCRAPE_INTERVAL_MS);
    let range_s = (range_ms as f64 / 1000.0).round() as i64;
    [
        ("__interval", largest_unit(step_ms)),
        ("__interval_ms", step_ms.to_string()),
        ("__rate_interval", go_duration(rate_ms)),
        ("__rate_interval_ms", rate_ms.to_string()),
        ("__range", format!("{range_s}s")),
        ("__range_s", range_s.to_string()),
        ("__range_ms", range_ms.to_string()),
    ]
    .into_iter()
    .map(|(name, text)| (name.to_owned(), Binding::Raw(text)))
    .collect()
}

/// A duration in its largest whole unit (`90s` → `1m`), as Grafana writes `$__interval`.
fn largest_unit(ms: i64) -> String {
    const UNITS: [(i64, &str); 6] =
        [(365 * 86_400_000, "y"), (86_400_000, "d"), (3_600_000, "h"), (60_000, "m"), (1000, "s"), (1, "ms")];
    UNITS
        .iter()
        .find(|(size, _)| ms >= *size)
        .map_or_else(|| "1ms".to_owned(), |(size, unit)| format!("{}{unit}", ms / size))
}

/// A duration as Go prints one: `15s`, `1m0s`, `24h0m15s`, `1.5s`.
fn go_duration(ms: i64) -> String {
    let (h, m, s, frac) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    let seconds = match frac {
        0 => format!("{s}s"),
        f => format!("{s}.{}s", format!("{f:03}").trim_end_matches('0')),
    };
    match (h, m) {
        (0, 0) => seconds,
        (0, m) => format!("{m}m{seconds}"),
        (h, m) => format!("{h}h{m}m{seconds}"),
    }
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

    fn values(pairs: &[(&str, Selection)]) -> Bindings {
        pairs.iter().map(|(k, v)| (k.to_string(), Binding::regex(v.clone()))).collect()
    }

    fn variable(selection: Selection, regex: bool, all: AllValue, listed: &[&str]) -> Binding {
        Binding::Variable { selection, regex, all, listed: listed.iter().map(|s| s.to_string()).collect() }
    }

    #[test]
    fn single_valued_variables_are_text_and_several_a_regex_as_in_grafana() {
        let one = |v: &str| Selection::Values(vec![v.into()]);
        let bindings: Bindings = [
            ("node", variable(one("10.0.0.1:9100"), false, AllValue::Any, &[])),
            ("quote", variable(one(r#"a"b\c"#), false, AllValue::Any, &[])),
            ("multi", variable(one("a.b"), true, AllValue::Any, &[])),
            ("listed", variable(Selection::All, true, AllValue::Listed, &["x.y", "z"])),
            ("raw", variable(Selection::All, true, AllValue::Raw("$node|.+".into()), &["q"])),
            ("empty", variable(Selection::Values(vec![]), true, AllValue::Any, &[])),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let q = r#"up{instance="$node", q="${quote}", m=~"[[multi]]", l=~"$listed", r=~"$raw", e=~"$empty"}"#;
        assert_eq!(
            substitute(q, &bindings),
            r#"up{instance="10.0.0.1:9100", q="a\"b\\c", m=~"a\\.b", l=~"(x\\.y|z)", r=~"$node|.+", e=~".*"}"#
        );
    }

    #[test]
    fn formats_as_grafana_writes_them() {
        let two = Binding::regex(Selection::Values(vec!["a.b".into(), "c'd".into()]));
        let one = Binding::regex(Selection::Values(vec!["x/y".into()]));
        let bindings: Bindings = [("v".to_owned(), two), ("o".to_owned(), one)].into_iter().collect();
        let cases = [
            ("${v:regex}", r"(a\.b|c'd)"),
            ("${v:pipe}", "a.b|c'd"),
            ("${v:csv}", "a.b,c'd"),
            ("${v:raw}", "a.b,c'd"),
            ("${v:glob}", "{a.b,c'd}"),
            ("${v:json}", r#"["a.b","c'd"]"#),
            ("${v:doublequote}", r#""a.b","c'd""#),
            ("${v:singlequote}", r"'a.b','c\'d'"),
            ("${v:sqlstring}", "'a.b','c''d'"),
            ("${v:text}", "a.b + c'd"),
            ("${v:percentencode}", "%7Ba.b%2Cc%27d%7D"),
            ("${v:unknown}", "{a.b,c'd}"),
            ("[[v:pipe]]", "a.b|c'd"),
            ("${o:regex}", r"x\/y"),
            ("${o}", r"x/y"),
            ("${v.field}", r"(a\\.b|c'd)"),
            ("[[v]]", r"(a\\.b|c'd)"),
            ("$$v", r"$(a\\.b|c'd)"),
            ("[[ v ]] [[]] ${} ${ v}", "[[ v ]] [[]] ${} ${ v}"),
        ];
        for (query, want) in cases {
            assert_eq!(substitute(query, &bindings), want, "{query}");
        }
    }

    #[test]
    fn grafanas_macros_from_the_step_and_range() {
        let m = macros(60_000, 6 * 3_600_000);
        let q = "rate(x[$__rate_interval]) [$__interval] $__interval_ms $__range $__range_s $__range_ms ${__interval} $__rate_interval_ms";
        assert_eq!(substitute(q, &m), "rate(x[1m15s]) [1m] 60000 21600s 21600 21600000 1m 75000");
        let m = macros(15_000, 1500);
        assert_eq!(substitute("$__rate_interval $__interval $__range", &m), "1m0s 15s 2s");
        let m = macros(86_400_000, 30 * 86_400_000);
        assert_eq!(substitute("$__rate_interval $__interval", &m), "24h0m15s 1d");
        assert_eq!(substitute("$__interval", &macros(90_000, 1)), "1m");
        assert_eq!(substitute("$__interval $__rate_interval", &macros(500, 1)), "500ms 1m0s");
        assert_eq!(go_duration(1500), "1.5s");
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
    fn substitutes_escaped_regexes() {
        let vars = values(&[
            ("hub", Selection::Values(vec!["a.b".into(), "c|d".into()])),
            ("all", Selection::All),
            ("one", Selection::Values(vec![r#"x"y\z"#.into()])),
        ]);
        let q = r#"sum(up{ns=~"$hub", a=~"${all}", o=~"$one"}) + label_replace(x, "d", "$1", "s", "(.*)") + $unknown"#;
        assert_eq!(
            substitute(q, &vars),
            r#"sum(up{ns=~"(a\\.b|c\\|d)", a=~".*", o=~"x\"y\\\\z"}) + label_replace(x, "d", "$1", "s", "(.*)") + $unknown"#
        );
        assert!(uses(q, "hub") && uses(q, "all") && !uses(q, "hu"));
    }

    #[test]
    fn escaped_values_are_literal_in_a_promql_regex() {
        // What PromQL's string unescaping (Go rules) leaves for the regex engine.
        let unescape = |s: &str| s.replace(r"\\", "\u{0}").replace("\\\"", "\"").replace('\u{0}', "\\");
        let cases =
            [("a.b", r"a\.b"), ("(x)", r"\(x\)"), ("x\"y", "x\"y"), (r"a\b", r"a\\b"), ("plain", "plain")];
        for (value, regex) in cases {
            assert_eq!(unescape(&regex_escape(value)), regex, "{value}");
        }
        assert_eq!(unescape(&regex_escape("a.b")), r"a\.b");
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
