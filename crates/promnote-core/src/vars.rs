//! Report variables: `$hub`-style names in queries, filled from
//! `label_values(metric, label)` and substituted as regular expressions, as Grafana
//! does for its Prometheus datasource. A value is escaped twice: once for the regex
//! (`.` matches a dot, not anything) and once for the PromQL string it sits in (`"` and
//! `\`), so `namespace=~"$hub"` matches exactly the chosen hubs, whatever their names.

use std::collections::BTreeMap;

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

    /// The text substituted for the variable: regex-escaped values joined by `|` (in
    /// parentheses when more than one), or `.*` for all.
    pub fn to_regex(&self) -> String {
        match self {
            Selection::All => ".*".into(),
            Selection::Values(values) if values.is_empty() => ".*".into(),
            Selection::Values(values) if values.len() == 1 => regex_escape(&values[0]),
            Selection::Values(values) => {
                let parts: Vec<String> = values.iter().map(|v| regex_escape(v)).collect();
                format!("({})", parts.join("|"))
            }
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

/// Every `$name` or `${name}` in `query`, in order: (byte range, name).
fn references(query: &str) -> Vec<(std::ops::Range<usize>, &str)> {
    let bytes = query.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'$' {
            i += 1;
            continue;
        }
        let start = i;
        if bytes.get(i + 1) == Some(&b'{') {
            if let Some(close) = query[i + 2..].find('}') {
                let name = &query[i + 2..i + 2 + close];
                if is_name(name) {
                    found.push((start..i + 3 + close, name));
                    i += 3 + close;
                    continue;
                }
            }
            i += 1;
            continue;
        }
        let end = query[i + 1..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(query.len(), |n| i + 1 + n);
        let name = &query[i + 1..end];
        // `$1` in label_replace is a capture group, not a variable.
        if is_name(name) {
            found.push((start..end, name));
        }
        i = end.max(i + 1);
    }
    found
}

/// Whether `query` uses the variable `name` (so changing it must re-run the cell).
pub fn uses(query: &str, name: &str) -> bool {
    references(query).iter().any(|(_, n)| *n == name)
}

/// Substitutes every known variable in `query`; unknown `$names` stay as typed (as in
/// Grafana), and capture groups such as `$1` are left alone.
pub fn substitute(query: &str, values: &BTreeMap<String, Selection>) -> String {
    let mut out = String::with_capacity(query.len());
    let mut last = 0;
    for (range, name) in references(query) {
        if let Some(selection) = values.get(name) {
            out.push_str(&query[last..range.start]);
            out.push_str(&selection.to_regex());
            last = range.end;
        }
    }
    out.push_str(&query[last..]);
    out
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

    fn values(pairs: &[(&str, Selection)]) -> BTreeMap<String, Selection> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
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
        assert_eq!(Selection::Values(vec![]).to_regex(), ".*");
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
