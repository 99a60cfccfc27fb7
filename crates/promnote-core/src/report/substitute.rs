//! Variables written into queries, by the rules of Grafana's Prometheus datasource (its
//! `interpolateQueryExpr` and the template service's formats; see the README's "Reports
//! are Markdown notebooks"): `$name`, `${name}`, `${name:format}`, `[[name]]` and
//! `[[name:format]]` ([`substitute`]). A variable that offers several values or "All" is
//! written as a regex: each value escaped twice, once for the regex (`.` matches a dot,
//! not anything) and once for the PromQL string it sits in (`"` and `\`), so
//! `namespace=~"$hub"` matches exactly the chosen hubs, whatever their names; a
//! single-valued one is written as its text, escaped for a PromQL string only, so
//! `instance="$node"` matches that instance exactly. Grafana's macros (`$__interval`,
//! `$__rate_interval`, `$__range`, …: [`macros`]) come from the cell's step and range.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::references::references;
use super::variables::{AllValue, Selection};

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

/// The macro a cell's plan writes in itself, per request: `$__period`, the length of the
/// periods the request evaluates (a calendar month's `31d`; the step otherwise).
pub const PERIOD_MACRO: &str = "__period";

/// A query with its variables and macros written in, cut where `$__period` stands: the
/// plan writes each request's period length there ([`Query::with_period`]), so a value
/// that happens to contain the text `$__period` is never touched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    parts: Vec<String>,
    /// Evaluated once, at the end of the range (`instant=true`), not at every step.
    pub instant: bool,
}

impl Query {
    /// Substitutes `bindings` into `query`, leaving `$__period` (in any of its forms) for
    /// the plan.
    pub fn new(query: &str, bindings: &Bindings) -> Self {
        let mut parts = Vec::new();
        let mut out = String::with_capacity(query.len());
        let mut last = 0;
        for r in references(query) {
            if r.name == PERIOD_MACRO {
                out.push_str(&query[last..r.range.start]);
                parts.push(std::mem::take(&mut out));
                last = r.range.end;
            } else if let Some(binding) = bindings.get(r.name) {
                out.push_str(&query[last..r.range.start]);
                out.push_str(&binding.write(r.format));
                last = r.range.end;
            }
        }
        out.push_str(&query[last..]);
        parts.push(out);
        Self { parts, instant: false }
    }

    /// The same query, evaluated once at the end of the range when `instant`.
    #[must_use]
    pub fn instant(self, instant: bool) -> Self {
        Self { instant, ..self }
    }

    /// A query sent as it is.
    pub fn plain(text: impl Into<String>) -> Self {
        Self { parts: vec![text.into()], instant: false }
    }

    /// Whether it uses `$__period`.
    pub fn uses_period(&self) -> bool {
        self.parts.len() > 1
    }

    /// The query as sent for periods `period` long (`31d`).
    pub fn with_period(&self, period: &str) -> String {
        self.parts.join(period)
    }

    /// The query as shown to people: `$__period` still written as a macro.
    pub fn text(&self) -> String {
        self.parts.join("$__period")
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::references::uses;

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

    #[test]
    fn the_period_is_left_for_the_plan_and_never_written_into_values() {
        let vars = values(&[("hub", Selection::Values(vec!["$__period".into()]))]);
        let q = Query::new(r#"increase(x{hub=~"$hub"}[$__period]) / ${__period}"#, &vars);
        assert!(q.uses_period());
        assert_eq!(q.with_period("31d"), r#"increase(x{hub=~"\\$__period"}[31d]) / 31d"#);
        assert_eq!(q.text(), r#"increase(x{hub=~"\\$__period"}[$__period]) / $__period"#);
        let plain = Query::new("up", &vars);
        assert!(!plain.uses_period());
        assert_eq!(plain.with_period("1d"), "up");
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
}
