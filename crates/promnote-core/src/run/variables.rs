//! A report's variables at run time, sans-IO: what each starts with, which must be read
//! before the cells that use them run, and in what order; their values' requests on one
//! datasource and the union over every datasource; how choices are written into queries
//! ([`bindings`]).

use std::collections::BTreeMap;

use jiff::tz::TimeZone;
use jiff::Timestamp;

use crate::api::datasource::Datasource;
use crate::api::encoding::form;
use crate::api::error::ApiError;
use crate::api::prom::{self, QueryData, QueryResponse};
use crate::api::reply::Sent;
use crate::api::request::{self, ApiRequest, Body};
use crate::report::front::Variable;
use crate::report::substitute::{self, Binding, Bindings};
use crate::report::variables::{self, AllValue, RegexEngine, Selection, Source, VarQuery};
use crate::time::TimeRange;

use super::machine::{Exchange, Machine, Next};

/// The selection a variable starts with: the one given (a share link, `--var`), else
/// its default, else "All" where offered, else its text (a text box, a constant) or the
/// first of its fixed values, else nothing yet (its first value, once its values are
/// known: [`decided`]).
pub fn initial_selection(variable: &Variable, given: Option<&Selection>) -> Selection {
    if let Some(chosen) = given.cloned().or_else(|| variable.default.clone()) {
        return chosen;
    }
    if variable.include_all {
        return Selection::All;
    }
    match &variable.source {
        Source::Text(text) | Source::Constant(text) => Selection::Values(vec![text.clone()]),
        Source::Values(values) => Selection::Values(values.iter().take(1).cloned().collect()),
        Source::Query(_) => Selection::Values(Vec::new()),
    }
}

/// The variables whose values must be known before the cells that use them can run:
/// those with nothing chosen yet (their first value will be), and those set to an "All"
/// that stands for every listed value (`all: listed`).
pub fn undetermined<'a>(variables: &'a [Variable], selections: &BTreeMap<String, Selection>) -> Vec<&'a str> {
    variables
        .iter()
        .filter(|v| {
            let selection = selections.get(&v.name);
            let empty = match selection {
                None => true,
                Some(Selection::Values(list)) => list.is_empty(),
                Some(Selection::All) => false,
            };
            let listed_all = v.all_value == AllValue::Listed && selection == Some(&Selection::All);
            matches!(v.source, Source::Query(_)) && ((!v.include_all && empty) || listed_all)
        })
        .map(|v| v.name.as_str())
        .collect()
}

/// The query variables whose values a run reads: those that must be known before the
/// cells that use them can run ([`undetermined`]), or, with `every`, all of them (the
/// page fills its controls with them; a snapshot keeps them).
pub fn to_read(variables: &[Variable], selections: &BTreeMap<String, Selection>, every: bool) -> Vec<String> {
    let needed = undetermined(variables, selections);
    variables
        .iter()
        .filter(|v| matches!(v.source, Source::Query(_)))
        .filter(|v| every || needed.contains(&v.name.as_str()))
        .map(|v| v.name.clone())
        .collect()
}

/// The order in which the variables named in `names` are read, in waves: first, all at
/// once, those whose query uses none of the others being read; then each chained one
/// alone, in the report's order, so that it sees the choices made before it
/// (`label_values(up{job="$job"}, instance)` after `$job`). Both shells read in these
/// waves, binding each wave's queries with the choices so far ([`bindings`]).
pub fn load_order<'a>(variables: &'a [Variable], names: &[String]) -> Vec<Vec<&'a Variable>> {
    let asked: Vec<&Variable> = variables
        .iter()
        .filter(|v| names.contains(&v.name) && matches!(v.source, Source::Query(_)))
        .collect();
    let chained = |v: &Variable| match &v.source {
        Source::Query(q) => asked.iter().any(|other| other.name != v.name && q.uses(&other.name)),
        _ => false,
    };
    let (free, dependent): (Vec<&Variable>, Vec<&Variable>) = asked.iter().partition(|v| !chained(v));
    let mut waves = Vec::new();
    if !free.is_empty() {
        waves.push(free);
    }
    waves.extend(dependent.into_iter().map(|v| vec![v]));
    waves
}

/// A variable's selection after its values were read: on a first read the first value
/// where nothing is chosen ([`decided`]); after a variable it depends on changed
/// (`recheck`), the choice kept only while it is still listed ([`revalidated`]).
/// `None`: the selection stands.
pub fn after_reading(
    variable: &Variable,
    selection: Option<&Selection>,
    values: &[String],
    recheck: bool,
) -> Option<Selection> {
    if recheck {
        revalidated(variable, selection, values)
    } else {
        decided(selection, values)
    }
}

/// A variable's selection once its values are known: the first value where nothing is
/// chosen yet, else `None` (the choice stands).
pub fn decided(selection: Option<&Selection>, values: &[String]) -> Option<Selection> {
    let empty = match selection {
        None => true,
        Some(Selection::Values(list)) => list.is_empty(),
        Some(Selection::All) => false,
    };
    empty.then(|| values.first().map(|first| Selection::Values(vec![first.clone()]))).flatten()
}

/// A chained variable's selection after its values were read again (a variable it
/// depends on changed): kept while any chosen value is still listed, else "All" where
/// offered, else the first value; `None` when it stands.
pub fn revalidated(
    variable: &Variable,
    selection: Option<&Selection>,
    values: &[String],
) -> Option<Selection> {
    match selection {
        Some(Selection::Values(chosen)) if !chosen.is_empty() && !values.is_empty() => {
            if chosen.iter().any(|c| values.contains(c)) {
                None
            } else if variable.include_all {
                Some(Selection::All)
            } else {
                decided(None, values)
            }
        }
        _ if variable.include_all => None,
        other => decided(other, values),
    }
}

/// The variables whose values depend on `name`, directly or through another, in the
/// report's order (their queries use it: chained variables).
pub fn dependents(variables: &[Variable], name: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for v in variables {
        let Source::Query(query) = &v.source else { continue };
        if v.name != name && (query.uses(name) || found.iter().any(|f| query.uses(f))) {
            found.push(v.name.clone());
        }
    }
    found
}

/// How the report's variables are written into queries: each one's selection, and, for
/// an "All" that stands for every listed value, those values (`values`: what each
/// variable's list holds now). See [`substitute::substitute`].
pub fn bindings(
    variables: &[Variable],
    selections: &BTreeMap<String, Selection>,
    values: &BTreeMap<String, Vec<String>>,
) -> Bindings {
    variables
        .iter()
        .map(|v| {
            let selection = selections.get(&v.name).cloned().unwrap_or_else(|| initial_selection(v, None));
            let listed = values.get(&v.name).cloned().or_else(|| v.source.fixed_values()).unwrap_or_default();
            let binding = Binding::Variable {
                selection,
                regex: v.multi || v.include_all,
                all: v.all_value.clone(),
                listed,
            };
            (v.name.clone(), binding)
        })
        .collect()
}

/// A variable's list from what its query found (over every datasource): filtered and
/// extracted by its regex, if it has one ([`variables::filter_values`]).
pub fn listed_values(
    variable: &Variable,
    found: Vec<String>,
    engine: &dyn RegexEngine,
) -> Result<Vec<String>, String> {
    match &variable.regex {
        Some(regex) => variables::filter_values(&found, regex, engine),
        None => Ok(found),
    }
}

/// The window a report's variables read their values over: its range, as Grafana reads a
/// Prometheus variable (so a hub retired before the range is not offered), and its end
/// for `query_result`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VariableWindow {
    /// The range's start, whole seconds (rounded down).
    pub start_s: i64,
    /// Its end, whole seconds (rounded up).
    pub end_s: i64,
    /// Its end, ms: the instant of `query_result`.
    pub end_ms: i64,
}

/// The variables' window for a report's range (`now-1M`, `now`) at `now_ms` in `zone`.
/// A range that does not read falls back to the whole retention up to now: the cells
/// report the range's own error.
pub fn window(range: (&str, &str), now_ms: i64, zone: &TimeZone) -> VariableWindow {
    let whole = VariableWindow { start_s: 0, end_s: now_ms.div_euclid(1000) + 1, end_ms: now_ms };
    let Ok(now) = Timestamp::from_millisecond(now_ms) else { return whole };
    match TimeRange::parse(range.0, range.1, now, zone) {
        Ok(r) => {
            let (from, to) = (r.from.as_millisecond(), r.to.as_millisecond());
            VariableWindow { start_s: from.div_euclid(1000), end_s: -(-to).div_euclid(1000), end_ms: to }
        }
        Err(_) => whole,
    }
}

/// A variable's values from one datasource, as its query says (chained variables' own
/// `$names` substituted from `bindings`), filtered by its regex by the caller
/// ([`variables::filter_values`]).
pub enum VariableValues {
    /// A list of names (`label_values`, `metrics`, `label_names`).
    Names(Exchange<Vec<String>>),
    /// An instant query's series, written as Grafana writes them (`query_result`).
    Instant(Exchange<QueryResponse>),
}

impl std::fmt::Debug for VariableValues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("VariableValues").field(self.request()).finish()
    }
}

impl VariableValues {
    /// The exchange for `query` on `ds` over `window` ([`window`]): names of the series
    /// with samples in it, or an instant query at its end.
    pub fn new(query: &VarQuery, ds: &Datasource, bindings: &Bindings, window: VariableWindow) -> Self {
        let within = Some((window.start_s, window.end_s));
        let uid = ds.uid.as_str();
        match query {
            VarQuery::LabelValues(lv) => {
                let selector = lv.selector.as_deref().map(|s| substitute::substitute(s, bindings));
                let selector = selector.filter(|s| !s.trim().is_empty() && s.trim() != "{}");
                VariableValues::Names(Exchange::names(
                    request::label_values_request(uid, &lv.label, selector.as_deref(), within),
                    ds,
                ))
            }
            VarQuery::Metrics(re) => {
                let re = substitute::substitute(re, bindings);
                let selector = format!("{{__name__=~\"{}\"}}", re.replace('\\', "\\\\").replace('"', "\\\""));
                VariableValues::Names(Exchange::names(
                    request::label_values_request(uid, "__name__", Some(&selector), within),
                    ds,
                ))
            }
            VarQuery::LabelNames => {
                VariableValues::Names(Exchange::names(request::labels_request(uid, within), ds))
            }
            VarQuery::QueryResult(expr) => {
                let expr = substitute::substitute(expr, bindings);
                let time = format!("{:.3}", window.end_ms as f64 / 1000.0);
                let body = form(&[("query", &expr), ("time", &time)]);
                VariableValues::Instant(Exchange::prometheus(
                    ApiRequest::prometheus(uid, "api/v1/query", Body::Form(body)),
                    ds,
                ))
            }
        }
    }
}

impl Machine for VariableValues {
    type Output = Result<Vec<String>, ApiError>;

    fn request(&self) -> &ApiRequest {
        match self {
            VariableValues::Names(e) => e.request(),
            VariableValues::Instant(e) => e.request(),
        }
    }

    fn what(&self) -> &str {
        match self {
            VariableValues::Names(e) => e.what(),
            VariableValues::Instant(e) => e.what(),
        }
    }

    fn answer(&mut self, sent: Sent) -> Next<Self::Output> {
        match self {
            VariableValues::Names(e) => e.answer(sent),
            VariableValues::Instant(e) => match e.answer(sent) {
                Next::Send { after_ms } => Next::Send { after_ms },
                Next::Done(done) => Next::Done(done.map(|answer| query_result_lines(&answer))),
            },
        }
    }
}

/// An instant query's answer as Grafana's `query_result` lists it: for each series
/// `name{label="value",…} value time_ms`; a scalar or string as its value.
pub fn query_result_lines(answer: &QueryResponse) -> Vec<String> {
    match &answer.data {
        QueryData::Vector(series) => series
            .iter()
            .filter_map(|s| {
                let sample = s.value.as_ref()?;
                let name = s.metric.get("__name__").map_or("", String::as_str);
                let labels: Vec<String> = s
                    .metric
                    .iter()
                    .filter(|(k, _)| *k != "__name__")
                    .map(|(k, v)| format!("{k}=\"{v}\""))
                    .collect();
                Some(format!(
                    "{name}{{{}}} {} {}",
                    labels.join(","),
                    prom::format_value(sample.value),
                    sample.t_ms
                ))
            })
            .collect(),
        QueryData::Scalar(sample) => vec![prom::format_value(sample.value)],
        QueryData::String(prom::IgnoredString(_, text)) => vec![text.clone()],
        QueryData::Matrix(_) => Vec::new(),
    }
}

/// The union of names that several datasources answered (a variable's values, completion
/// names), sorted and unique. Datasources that failed are left out; the last error is
/// returned only when nothing was found.
pub fn union_names<E>(answers: impl IntoIterator<Item = Result<Vec<String>, E>>) -> Result<Vec<String>, E> {
    let mut names = Vec::new();
    let mut last_error = None;
    for answer in answers {
        match answer {
            Ok(list) => names.extend(list),
            Err(e) => last_error = Some(e),
        }
    }
    if let (true, Some(e)) = (names.is_empty(), last_error) {
        return Err(e);
    }
    names.sort();
    names.dedup();
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_read_over_the_report_range() {
        let now_ms = 1_700_000_000_500;
        let w = window(("now-1h", "now"), now_ms, &TimeZone::UTC);
        assert_eq!(w, VariableWindow { start_s: 1_699_996_400, end_s: 1_700_000_001, end_ms: now_ms });
        // Calendar ranges are cut in the report's zone: 1 Oct .. 1 Nov 2023, Berlin midnights.
        let berlin = TimeZone::get("Europe/Berlin").unwrap();
        let w = window(("now-1M/M", "now-1M/M"), now_ms, &berlin);
        assert_eq!((w.start_s, w.end_s), (1_696_111_200, 1_698_793_200));
        // A range that does not read: the whole retention up to now (the cells say what is wrong).
        let w = window(("yesterday-ish", "now"), now_ms, &TimeZone::UTC);
        assert_eq!(w, VariableWindow { start_s: 0, end_s: 1_700_000_001, end_ms: now_ms });
        let ds = crate::run::machine::tests::ds("u", "prometheus");
        let query = VarQuery::parse("label_values(up, job)").unwrap();
        let values = VariableValues::new(
            &query,
            &ds,
            &Bindings::default(),
            window(("now-1h", "now"), now_ms, &TimeZone::UTC),
        );
        assert!(values
            .request()
            .path
            .ends_with("api/v1/label/job/values?match%5B%5D=up&start=1699996400&end=1700000001"));
    }

    #[test]
    fn chained_variables_and_what_all_stands_for() {
        let nb = crate::report::format::parse(
            "---\nformat: 1\nvariables:\n  - name: job\n    query: label_values(up, job)\n    all: listed\n  - name: node\n    query: label_values(up{job=~\"$job\"}, instance)\n  - name: cpu\n    query: label_values(cpu{instance=\"$node\"}, cpu)\n    multi: true\n    all: true\n  - name: step\n    values: [1m, 5m]\n  - name: text\n    text: hello\n---\n",
        )
        .unwrap();
        let v = &nb.front.variables;
        assert_eq!(dependents(v, "job"), ["node", "cpu"]);
        assert_eq!(dependents(v, "cpu"), Vec::<String>::new());
        let selections: BTreeMap<String, Selection> =
            v.iter().map(|v| (v.name.clone(), initial_selection(v, None))).collect();
        assert_eq!(selections["step"], Selection::Values(vec!["1m".into()]));
        assert_eq!(selections["text"], Selection::Values(vec!["hello".into()]));
        // "All" of every listed job needs the list; the node has nothing chosen yet.
        assert_eq!(undetermined(v, &selections), ["job", "node"]);
        let values = [("job".to_owned(), vec!["a.b".to_owned(), "c".to_owned()])].into_iter().collect();
        let bindings = bindings(v, &selections, &values);
        let q = r#"up{job=~"$job", step="$step", t="$text", c=~"$cpu"}"#;
        assert_eq!(
            substitute::substitute(q, &bindings),
            r#"up{job=~"(a\\.b|c)", step="1m", t="hello", c=~".*"}"#
        );
        let node = &v[1];
        let listed = ["x".to_owned(), "y".to_owned()];
        let chosen = |s: &str| Selection::Values(vec![s.to_owned()]);
        assert_eq!(revalidated(node, Some(&chosen("y")), &listed), None);
        assert_eq!(revalidated(node, Some(&chosen("gone")), &listed), Some(chosen("x")));
        assert_eq!(revalidated(&v[2], Some(&chosen("gone")), &listed), Some(Selection::All));
        assert_eq!(revalidated(&v[2], Some(&Selection::All), &listed), None);
    }

    #[test]
    fn variables_are_read_free_ones_together_then_chained_ones_in_order() {
        let nb = crate::report::format::parse(
            "---\nformat: 1\nvariables:\n  - name: job\n    query: label_values(up, job)\n  - name: zone\n    query: label_values(zone)\n    all: true\n  - name: node\n    query: label_values(up{job=~\"$job\"}, instance)\n  - name: cpu\n    query: label_values(cpu{instance=\"$node\"}, cpu)\n  - name: step\n    values: [1m]\n---\n",
        )
        .unwrap();
        let v = &nb.front.variables;
        fn names(wave: &Vec<&Variable>) -> Vec<String> {
            wave.iter().map(|v| v.name.clone()).collect()
        }
        let all: Vec<String> = v.iter().map(|v| v.name.clone()).collect();
        let waves = load_order(v, &all);
        assert_eq!(
            waves.iter().map(names).collect::<Vec<_>>(),
            [vec!["job", "zone"], vec!["node"], vec!["cpu"]]
        );
        // A chained variable whose parent is not read this time is free.
        let waves = load_order(v, &["node".to_owned(), "cpu".to_owned()]);
        assert_eq!(waves.iter().map(names).collect::<Vec<_>>(), [vec!["node"], vec!["cpu"]]);
        let selections: BTreeMap<String, Selection> =
            v.iter().map(|v| (v.name.clone(), initial_selection(v, None))).collect();
        assert_eq!(to_read(v, &selections, false), ["job", "node", "cpu"]);
        assert_eq!(to_read(v, &selections, true), ["job", "zone", "node", "cpu"]);
        let listed = ["x".to_owned(), "y".to_owned()];
        let gone = Selection::Values(vec!["gone".into()]);
        assert_eq!(after_reading(&v[0], Some(&gone), &listed, false), None);
        assert_eq!(
            after_reading(&v[0], Some(&gone), &listed, true),
            Some(Selection::Values(vec!["x".into()]))
        );
        assert_eq!(after_reading(&v[0], None, &listed, false), Some(Selection::Values(vec!["x".into()])));
    }

    #[test]
    fn variables_start_from_what_was_given_then_their_default_then_all() {
        let nb = crate::report::format::parse(
            "---\nformat: 1\nvariables:\n  - name: a\n    query: label_values(x)\n    all: true\n  - name: b\n    query: label_values(y)\n---\n",
        )
        .unwrap();
        let (a, b) = (&nb.front.variables[0], &nb.front.variables[1]);
        assert_eq!(initial_selection(a, None), Selection::All);
        assert_eq!(initial_selection(b, None), Selection::Values(Vec::new()));
        let given = Selection::Values(vec!["z".into()]);
        assert_eq!(initial_selection(b, Some(&given)), given);
        let selections =
            nb.front.variables.iter().map(|v| (v.name.clone(), initial_selection(v, None))).collect();
        assert_eq!(undetermined(&nb.front.variables, &selections), ["b"]);
        assert_eq!(decided(None, &["q".into(), "r".into()]), Some(Selection::Values(vec!["q".into()])));
        assert_eq!(decided(Some(&Selection::All), &["q".into()]), None);
        assert_eq!(
            union_names::<String>(vec![Ok(vec!["b".into(), "a".into()]), Ok(vec!["a".into()])]),
            Ok(vec!["a".into(), "b".into()])
        );
        assert_eq!(union_names(vec![Ok(vec!["a".into()]), Err("down")]), Ok(vec!["a".into()]));
        assert_eq!(union_names::<&str>(vec![Ok(vec![]), Err("down")]), Err("down"));
    }
}
