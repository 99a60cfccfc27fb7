//! A dashboard's variables as the report's: query variables (text and Grafana 10's
//! object form), custom and interval lists, constants and text boxes, with their
//! choices, regex and "All"; datasource variables and ad hoc filters are said to be
//! left out.

use serde_json::{Map, Value};

use super::panels::is_prometheus_type;
use super::read::{boolean, objects, one_line, text, Dropped};
use crate::report::front::Variable;
use crate::report::references::is_name;
use crate::report::variables::{AllValue, Selection, Source, VarQuery};

/// The dashboard's variables as the report's, with what they lose said in `dropped`.
#[expect(clippy::too_many_lines, reason = "one arm per Grafana variable type, each short")]
pub fn variables(dashboard: &Map<String, Value>, dropped: &mut Vec<Dropped>) -> Vec<Variable> {
    let mut drop =
        |panel: Option<&str>, what: String| dropped.push(Dropped { panel: panel.map(str::to_owned), what });
    let Some(templating) = dashboard.get("templating").and_then(Value::as_object) else {
        return Vec::new();
    };
    let list: Vec<&Map<String, Value>> = objects(templating, "list").collect();
    let mut out: Vec<Variable> = Vec::new();
    for v in list {
        let Some(name) = text(v, "name").filter(|n| is_name(n)) else {
            drop(
                None,
                format!("a variable named {:?}, which is not a variable name", text(v, "name").unwrap_or("")),
            );
            continue;
        };
        if out.iter().any(|o| o.name == name) {
            drop(None, format!("a second variable called ${name}"));
            continue;
        }
        let kind = text(v, "type").unwrap_or("query");
        let label = text(v, "label").map(one_line).filter(|l| l != name);
        let multi = boolean(v, "multi");
        let include_all = boolean(v, "includeAll");
        let current = current_selection(v);
        let query_text = match v.get("query") {
            Some(Value::String(s)) => Some(s.trim().to_owned()),
            Some(Value::Object(o)) => text(o, "query").map(str::to_owned).or_else(|| structured_query(o)),
            _ => None,
        };
        let source = match kind {
            "datasource" => {
                // Its query is the plugin type it offers: only a Prometheus one stands for
                // every Prometheus datasource; the panels that use another are listed.
                match query_text.as_deref().filter(|t| !t.is_empty()) {
                    Some(plugin) if !is_prometheus_type(plugin) => drop(
                        None,
                        format!("the datasource variable ${name}, which picks a {} datasource: the panels that use it are listed", one_line(plugin)),
                    ),
                    _ => drop(None, format!("the datasource variable ${name}: every cell asks every Prometheus datasource (or those its datasources= option names)")),
                }
                continue;
            }
            "adhoc" => {
                drop(None, format!("the ad hoc filters ${name}"));
                continue;
            }
            "query" => match query_text.as_deref().map(VarQuery::parse) {
                Some(Ok(q)) => Source::Query(q),
                other => {
                    let why = match other {
                        Some(Err(e)) => e,
                        _ => "it has no query".into(),
                    };
                    drop(
                        None,
                        format!("the query of ${name} ({why}): it is a text box holding its current value"),
                    );
                    Source::Text(first_value(&current).unwrap_or_default())
                }
            },
            "custom" | "interval" => {
                let mut values = custom_values(query_text.as_deref().unwrap_or(""));
                if values.is_empty() {
                    values = option_values(v);
                }
                if kind == "interval" && boolean(v, "auto") {
                    drop(None, format!("the auto option of ${name}"));
                }
                if values.is_empty() {
                    drop(None, format!("the variable ${name}, which has no values"));
                    continue;
                }
                Source::Values(values)
            }
            "constant" => Source::Constant(query_text.clone().unwrap_or_default()),
            "textbox" => Source::Text(first_value(&current).or(query_text.clone()).unwrap_or_default()),
            other => {
                drop(
                    None,
                    format!("the {other} variable ${name}: it is a text box holding its current value"),
                );
                Source::Text(first_value(&current).unwrap_or_default())
            }
        };
        let regex = text(v, "regex").map(str::to_owned).filter(|_| matches!(source, Source::Query(_)));
        let (include_all, all_value) = match (&source, include_all) {
            (Source::Query(_) | Source::Values(_), true) => {
                let all = match v.get("allValue").and_then(Value::as_str).map(str::trim) {
                    None | Some("") => AllValue::Listed,
                    Some(".*") => AllValue::Any,
                    Some(raw) => AllValue::Raw(raw.to_owned()),
                };
                (true, all)
            }
            _ => (false, AllValue::Any),
        };
        let multi = multi && matches!(source, Source::Query(_) | Source::Values(_));
        let default = match (&source, current) {
            (Source::Text(_) | Source::Constant(_), _) => None,
            (_, Some(Selection::All)) if include_all => Some(Selection::All),
            (_, Some(Selection::All)) => None,
            (_, Some(Selection::Values(values))) if !values.is_empty() => {
                Some(Selection::Values(if multi { values } else { values.into_iter().take(1).collect() }))
            }
            _ => None,
        };
        out.push(Variable {
            name: name.to_owned(),
            label,
            source,
            regex,
            multi,
            include_all,
            all_value,
            default,
        });
    }
    out
}

/// A structured variable query (Grafana 10+'s `{ qryType, label, metric, … }`) as text.
fn structured_query(o: &Map<String, Value>) -> Option<String> {
    let kind = o.get("qryType").and_then(Value::as_i64)?;
    match kind {
        0 => Some("label_names()".into()),
        1 => {
            let label = text(o, "label")?;
            Some(match text(o, "metric") {
                Some(metric) => format!("label_values({metric}, {label})"),
                None => format!("label_values({label})"),
            })
        }
        2 => text(o, "metric").map(|m| format!("metrics({m})")),
        3 => text(o, "varQuery").map(|q| format!("query_result({q})")),
        _ => None,
    }
}

/// A custom variable's values: `a, b, c`, or `text : value` pairs (the value is kept).
fn custom_values(query: &str) -> Vec<String> {
    let mut values = Vec::new();
    let mut current = String::new();
    let mut escaped = false;
    for c in query.chars() {
        match c {
            '\\' if !escaped => escaped = true,
            ',' if !escaped => {
                values.push(std::mem::take(&mut current));
            }
            c => {
                escaped = false;
                current.push(c);
            }
        }
    }
    values.push(current);
    values
        .into_iter()
        .map(|v| match v.split_once(" : ") {
            Some((_, value)) => value.trim().to_owned(),
            None => v.trim().to_owned(),
        })
        .filter(|v| !v.is_empty())
        .collect()
}

/// The values listed under `options` (old custom variables).
fn option_values(v: &Map<String, Value>) -> Vec<String> {
    objects(v, "options")
        .filter_map(|o| o.get("value").and_then(Value::as_str))
        .filter(|value| *value != crate::report::variables::ALL)
        .map(str::to_owned)
        .collect()
}

/// The variable's `current` value: "All", values, or nothing.
fn current_selection(v: &Map<String, Value>) -> Option<Selection> {
    let current = v.get("current").and_then(Value::as_object)?;
    let values: Vec<String> = match current.get("value") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        _ => return None,
    };
    if values.iter().any(|v| v == crate::report::variables::ALL) {
        return Some(Selection::All);
    }
    let values: Vec<String> = values.into_iter().filter(|v| !v.is_empty()).collect();
    (!values.is_empty()).then_some(Selection::Values(values))
}

fn first_value(selection: &Option<Selection>) -> Option<String> {
    match selection {
        Some(Selection::Values(values)) => values.first().cloned(),
        _ => None,
    }
}
