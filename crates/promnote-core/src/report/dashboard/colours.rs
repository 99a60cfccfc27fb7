//! A panel's colours and words for numbers as a cell's options: its threshold steps
//! (`thresholds=`), how a time chart shows them (`thresholds_style=`) and its value
//! mappings (`mappings=`), read from each shape Grafana has written them in (the field
//! config's, the old graph's and singlestat's), only where Grafana shows them. What
//! cannot be carried (steps in percent of the value range, steps below a value, regex
//! mappings, mappings of text) is said by name.

use serde_json::{Map, Value};

use super::read::{boolean, objects, one_line, text};
use crate::report::options::CellOptions;
use crate::report::thresholds::{Colour, Mapping, Match, Thresholds, ThresholdsStyle};

/// Sets `options`' thresholds, their style and mappings from `panel` (of Grafana type
/// `kind`), with a note for each part that does not carry over.
pub fn apply(panel: &Map<String, Value>, kind: &str, options: &mut CellOptions, notes: &mut Vec<String>) {
    let defaults = panel.get("fieldConfig").and_then(|f| f.get("defaults")).and_then(Value::as_object);
    let custom = defaults.and_then(|d| d.get("custom")).and_then(Value::as_object);
    // Values take the thresholds' colours only in the colour scheme "From thresholds"
    // (Grafana's default for stats, gauges and tables); a fixed colour or a palette does not.
    let scheme =
        defaults.and_then(|d| d.get("color")).and_then(Value::as_object).and_then(|c| text(c, "mode"));
    let by_steps = scheme.is_none_or(|m| m == "thresholds");
    let other_scheme = || format!("the colour scheme {}", one_line(scheme.unwrap_or_default()));
    let mut unknown = Vec::new();
    match kind {
        "timeseries" | "barchart" | "trend" => {
            let mode = custom
                .and_then(|c| c.get("thresholdsStyle"))
                .and_then(Value::as_object)
                .and_then(|s| text(s, "mode"))
                .filter(|m| *m != "off");
            if let Some(mode) = mode {
                match ThresholdsStyle::parse(mode) {
                    Some(style) => {
                        options.thresholds = field_thresholds(defaults, notes, &mut unknown);
                        options.thresholds_style =
                            if options.thresholds.is_some() { style } else { ThresholdsStyle::Off };
                    }
                    None => notes.push(format!("thresholds drawn as {}", one_line(mode))),
                }
            }
        }
        "stat" | "gauge" | "bargauge" => {
            let colour_mode =
                panel.get("options").and_then(Value::as_object).and_then(|o| text(o, "colorMode"));
            if colour_mode != Some("none") {
                if by_steps {
                    options.thresholds = field_thresholds(defaults, notes, &mut unknown);
                } else {
                    notes.push(other_scheme());
                }
            }
        }
        "table" => {
            let cell = custom
                .and_then(|c| c.get("cellOptions"))
                .and_then(Value::as_object)
                .and_then(|c| text(c, "type"));
            let shown = cell.or_else(|| custom.and_then(|c| text(c, "displayMode")));
            if shown.is_some_and(|m| m.starts_with("color-") || m.ends_with("gauge")) {
                if by_steps {
                    options.thresholds = field_thresholds(defaults, notes, &mut unknown);
                } else {
                    notes.push(other_scheme());
                }
            }
        }
        "singlestat" => options.thresholds = singlestat_thresholds(panel, &mut unknown),
        "graph" => {
            if let Some((thresholds, style)) = graph_thresholds(panel, notes, &mut unknown) {
                options.thresholds = Some(thresholds);
                options.thresholds_style = style;
            }
        }
        _ => {}
    }
    let mappings = defaults.map(|d| field_mappings(d, notes, &mut unknown)).unwrap_or_default();
    let mut words = Vec::new();
    let mappings = if kind == "singlestat" { singlestat_mappings(panel, &mut words) } else { mappings };
    if !words.is_empty() {
        notes.push(text_mappings_note(&words));
    }
    if !mappings.is_empty() {
        if matches!(kind, "stat" | "gauge" | "bargauge" | "table" | "singlestat") {
            options.mappings = mappings;
        } else {
            notes.push("value mappings".to_owned());
        }
    }
    unknown.sort();
    unknown.dedup();
    if !unknown.is_empty() {
        notes.push(format!(
            "the colours {} (unknown to promnote: shown without a colour)",
            unknown.join(", ")
        ));
    }
}

/// A colour as Grafana writes it; one promnote does not know is named in `unknown` and
/// becomes `transparent` (no colour), so that its step or mapping still holds its place.
fn colour(name: &str, unknown: &mut Vec<String>) -> Option<Colour> {
    match Colour::parse(name) {
        Some(c) => Some(c),
        None => {
            unknown.push(format!("`{}`", one_line(name).replace('`', "'")));
            Colour::parse("transparent")
        }
    }
}

/// The field config's steps (`thresholds.steps`: the first without a value is the base);
/// steps in percent of the value range are listed, not converted.
fn field_thresholds(
    defaults: Option<&Map<String, Value>>,
    notes: &mut Vec<String>,
    unknown: &mut Vec<String>,
) -> Option<Thresholds> {
    let field = defaults.and_then(|d| d.get("thresholds")).and_then(Value::as_object)?;
    let steps: Vec<&Map<String, Value>> = objects(field, "steps").collect();
    if text(field, "mode") == Some("percentage") && steps.len() > 1 {
        notes.push("thresholds in percent of the value range".to_owned());
        return None;
    }
    // As Grafana reads them: in order of value, the first (its value is -Infinity, written
    // null) the base, whatever value it holds; one value once.
    let number = |v: Option<&Value>| v.and_then(|v| v.as_f64().or_else(|| v.as_str()?.trim().parse().ok()));
    let mut read: Vec<(Option<f64>, Colour)> = steps
        .iter()
        .filter_map(|step| {
            let value = number(step.get("value")).filter(|v: &f64| v.is_finite());
            Some((value, colour(text(step, "color")?, unknown)?))
        })
        .collect();
    read.sort_by(|a, b| match (a.0, b.0) {
        (None, None) => std::cmp::Ordering::Equal,
        (None, Some(_)) => std::cmp::Ordering::Less,
        (Some(_), None) => std::cmp::Ordering::Greater,
        (Some(x), Some(y)) => x.total_cmp(&y),
    });
    let mut read = read.into_iter();
    let mut out = Thresholds { base: read.next().map(|(_, c)| c), steps: Vec::new() };
    for (value, colour) in read {
        let Some(value) = value else { continue };
        match out.steps.last_mut() {
            Some(last) if last.0 == value => last.1 = colour,
            _ => out.steps.push((value, colour)),
        }
    }
    if out.base.as_ref().is_some_and(Colour::is_transparent) {
        out.base = None;
    }
    (out.base.is_some() || !out.steps.is_empty()).then_some(out)
}

/// Singlestat's `thresholds: "80,90"` and its three `colors`, where it colours the value
/// or its background.
fn singlestat_thresholds(panel: &Map<String, Value>, unknown: &mut Vec<String>) -> Option<Thresholds> {
    if !boolean(panel, "colorBackground") && !boolean(panel, "colorValue") {
        return None;
    }
    let values: Vec<f64> =
        text(panel, "thresholds")?.split(',').filter_map(|v| v.trim().parse().ok()).collect();
    let colours: Vec<Option<Colour>> = panel
        .get("colors")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|c| c.as_str().and_then(|c| colour(c, unknown)))
        .collect();
    let mut out = Thresholds { base: colours.first().cloned().flatten(), steps: Vec::new() };
    for (value, colour) in values.iter().zip(colours.iter().skip(1)) {
        if let Some(c) = colour {
            if out.steps.last().is_none_or(|(last, _)| last < value) {
                out.steps.push((*value, c.clone()));
            }
        }
    }
    (out.base.is_some() || !out.steps.is_empty()).then_some(out)
}

/// The old graph's thresholds (`[{value, op, colorMode, fill, line}]`): lines and bands
/// from each value up; those below a value (`op: lt`) are listed.
fn graph_thresholds(
    panel: &Map<String, Value>,
    notes: &mut Vec<String>,
    unknown: &mut Vec<String>,
) -> Option<(Thresholds, ThresholdsStyle)> {
    let (mut lines, mut areas, mut below) = (false, false, false);
    let mut steps: Vec<(f64, Colour)> = Vec::new();
    for t in objects(panel, "thresholds") {
        let Some(value) = t.get("value").and_then(Value::as_f64).filter(|v| v.is_finite()) else { continue };
        if text(t, "op") == Some("lt") {
            below = true;
            continue;
        }
        let named = match text(t, "colorMode") {
            Some("critical") => Some("red"),
            Some("warning") => Some("orange"),
            Some("ok") => Some("green"),
            _ => text(t, "lineColor").or_else(|| text(t, "fillColor")),
        };
        let Some(c) = named.and_then(|n| colour(n, unknown)) else { continue };
        lines |= t.get("line").and_then(Value::as_bool).unwrap_or(true);
        areas |= t.get("fill").and_then(Value::as_bool).unwrap_or(true);
        steps.push((value, c));
    }
    if below {
        notes.push("thresholds below a value".to_owned());
    }
    steps.sort_by(|a, b| a.0.total_cmp(&b.0));
    steps.dedup_by(|a, b| a.0 == b.0);
    let style = match (lines, areas) {
        (true, true) => ThresholdsStyle::LineArea,
        (true, false) => ThresholdsStyle::Line,
        (false, true) => ThresholdsStyle::Area,
        (false, false) => return None,
    };
    (!steps.is_empty()).then_some((Thresholds { base: None, steps }, style))
}

/// The field config's value mappings, current (`type: value|range|special|regex` with
/// `options`) and Grafana 7's (`type: 1|2` with `value` or `from`/`to`).
fn field_mappings(
    defaults: &Map<String, Value>,
    notes: &mut Vec<String>,
    unknown: &mut Vec<String>,
) -> Vec<Mapping> {
    let mut out = Vec::new();
    let (mut regex, mut words) = (false, Vec::new());
    for m in objects(defaults, "mappings") {
        let options = m.get("options").and_then(Value::as_object);
        let result = |r: Option<&Map<String, Value>>, unknown: &mut Vec<String>| {
            let text = one_line(r.and_then(|r| r.get("text")).and_then(Value::as_str).unwrap_or(""));
            let colour = r.and_then(|r| text_of(r, "color")).and_then(|c| colour(c, unknown));
            (text, colour)
        };
        match (m.get("type"), options) {
            (Some(Value::String(t)), Some(options)) if t == "value" => {
                let mut values: Vec<(i64, &String, &Map<String, Value>)> = options
                    .iter()
                    .filter_map(|(k, v)| {
                        v.as_object().map(|v| (v.get("index").and_then(Value::as_i64).unwrap_or(0), k, v))
                    })
                    .collect();
                values.sort_by_key(|(i, _, _)| *i);
                for (_, key, v) in values {
                    let when = match key.trim() {
                        "null" => Match::Null,
                        "NaN" | "nan" => Match::NaN,
                        k => match k.parse::<f64>() {
                            Ok(n) => Match::Value(n),
                            Err(_) => {
                                words.push(key.clone());
                                continue;
                            }
                        },
                    };
                    let (text, colour) = result(Some(v), unknown);
                    out.push(Mapping { when, text, colour });
                }
            }
            (Some(Value::String(t)), Some(options)) if t == "range" => {
                let bound = |k: &str| options.get(k).and_then(Value::as_f64);
                let (text, colour) = result(options.get("result").and_then(Value::as_object), unknown);
                out.push(Mapping { when: Match::Range(bound("from"), bound("to")), text, colour });
            }
            (Some(Value::String(t)), Some(options)) if t == "special" => {
                let (text, colour) = result(options.get("result").and_then(Value::as_object), unknown);
                let matches: &[Match] = match text_of(options, "match") {
                    Some("null") => &[Match::Null],
                    Some("nan") => &[Match::NaN],
                    Some("null+nan") => &[Match::Null, Match::NaN],
                    // true, false, empty: never a Prometheus number.
                    _ => &[],
                };
                out.extend(matches.iter().map(|w| Mapping {
                    when: w.clone(),
                    text: text.clone(),
                    colour: colour.clone(),
                }));
            }
            (Some(Value::String(t)), _) if t == "regex" => regex = true,
            // Grafana 7: 1 is a value, 2 a range (both ends numbers, or both "null": no value).
            (Some(Value::Number(n)), _) => {
                let text = one_line(text_of(m, "text").unwrap_or(""));
                let end = |k: &str| {
                    m.get(k).map(|v| v.as_str().map_or_else(|| v.to_string(), |s| s.trim().to_owned()))
                };
                match n.as_u64() {
                    Some(1) => match end("value").as_deref() {
                        Some("null") => out.push(Mapping { when: Match::Null, text, colour: None }),
                        Some(v) => match v.parse::<f64>().ok().filter(|v| v.is_finite()) {
                            Some(v) => out.push(Mapping { when: Match::Value(v), text, colour: None }),
                            None => words.push(v.to_owned()),
                        },
                        None => {}
                    },
                    Some(2) => out.extend(old_range(end("from").as_deref(), end("to").as_deref(), text)),
                    _ => {}
                }
            }
            _ => {}
        }
    }
    if regex {
        notes.push("regex value mappings".to_owned());
    }
    if !words.is_empty() {
        notes.push(text_mappings_note(&words));
    }
    out
}

/// "value mappings of text ("Up", "ok")": mappings of values a Prometheus answer never has.
fn text_mappings_note(words: &[String]) -> String {
    let quoted: Vec<String> =
        words.iter().map(|w| format!("\"{}\"", one_line(w).replace('"', "'"))).collect();
    format!("value mappings of text ({})", quoted.join(", "))
}

/// An old range mapping (Grafana 7's, singlestat's): both ends numbers, or both `null`
/// (no value); any other end never matches there, so it is not carried.
fn old_range(from: Option<&str>, to: Option<&str>, text: String) -> Option<Mapping> {
    let number = |v: Option<&str>| v.and_then(|v| v.parse::<f64>().ok()).filter(|v| v.is_finite());
    let when = match (from, to) {
        (Some("null"), Some("null")) => Match::Null,
        _ => Match::Range(Some(number(from)?), Some(number(to)?)),
    };
    Some(Mapping { when, text, colour: None })
}

/// Singlestat's `valueMaps` (`{op: "=", value, text}`) or `rangeMaps` (`{from, to, text}`),
/// whichever its `mappingType` (1, the default, or 2) says it applies.
fn singlestat_mappings(panel: &Map<String, Value>, words: &mut Vec<String>) -> Vec<Mapping> {
    let owned = |m: &Map<String, Value>, k: &str| text_of(m, k).map(|v| v.trim().to_owned());
    if panel.get("mappingType").and_then(Value::as_u64) == Some(2) {
        return objects(panel, "rangeMaps")
            .filter_map(|m| {
                old_range(
                    owned(m, "from").as_deref(),
                    owned(m, "to").as_deref(),
                    one_line(text_of(m, "text")?),
                )
            })
            .collect();
    }
    objects(panel, "valueMaps")
        .filter_map(|m| {
            let text = one_line(text_of(m, "text")?);
            let when = match text_of(m, "value")?.trim() {
                "null" => Match::Null,
                v => match v.parse::<f64>().ok().filter(|v| v.is_finite()) {
                    Some(v) => Match::Value(v),
                    None => {
                        words.push(v.to_owned());
                        return None;
                    }
                },
            };
            Some(Mapping { when, text, colour: None })
        })
        .collect()
}

/// A string field, untrimmed but present.
fn text_of<'v>(object: &'v Map<String, Value>, key: &str) -> Option<&'v str> {
    object.get(key).and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn converted(panel: Value) -> (CellOptions, Vec<String>) {
        let Value::Object(panel) = panel else { panic!("a panel is an object") };
        let kind = panel.get("type").and_then(Value::as_str).unwrap_or("graph").to_owned();
        let (mut options, mut notes) = (CellOptions::default(), Vec::new());
        apply(&panel, &kind, &mut options, &mut notes);
        (options, notes)
    }

    #[test]
    fn a_stat_keeps_its_steps_and_mappings() {
        let (o, notes) = converted(json!({
            "type": "stat",
            "fieldConfig": {"defaults": {
                "thresholds": {"mode": "absolute", "steps": [
                    {"color": "green", "value": null}, {"color": "#EAB839", "value": 80}, {"color": "dark-red", "value": 90}
                ]},
                "mappings": [
                    {"type": "value", "options": {"1": {"text": "Up", "color": "green", "index": 1}, "0": {"text": "Down", "color": "red", "index": 0}}},
                    {"type": "range", "options": {"from": 100, "to": null, "result": {"text": "Over"}}},
                    {"type": "special", "options": {"match": "null+nan", "result": {"text": "No data", "color": "text"}}},
                    {"type": "special", "options": {"match": "true", "result": {"text": "yes"}}}
                ]
            }}
        }));
        assert_eq!(notes, Vec::<String>::new());
        assert_eq!(o.thresholds.as_ref().unwrap().write(), "green,80:#eab839,90:dark-red");
        assert_eq!(
            crate::report::thresholds::write_mappings(&o.mappings),
            "0:Down:red,1:Up:green,100..:Over,null:No data:text,nan:No data:text"
        );
        // colorMode none: Grafana shows no colour.
        let (o, _) = converted(json!({"type": "stat", "options": {"colorMode": "none"},
            "fieldConfig": {"defaults": {"thresholds": {"steps": [{"color": "green", "value": null}, {"color": "red", "value": 80}]}}}}));
        assert_eq!(o.thresholds, None);
    }

    #[test]
    fn time_charts_take_their_style_and_percent_steps_are_listed() {
        let panel = |mode: &str, unit_mode: &str| {
            json!({"type": "timeseries", "fieldConfig": {"defaults": {
                "custom": {"thresholdsStyle": {"mode": mode}},
                "thresholds": {"mode": unit_mode, "steps": [{"color": "transparent", "value": null}, {"color": "red", "value": 0.9}]},
                "mappings": [{"type": "regex", "options": {"pattern": ".*", "result": {"text": "x"}}}]
            }}})
        };
        let (o, notes) = converted(panel("dashed+area", "absolute"));
        assert_eq!(o.thresholds_style, ThresholdsStyle::LineArea);
        assert_eq!(o.thresholds.unwrap().write(), "0.9:red");
        assert_eq!(notes, ["regex value mappings"]);
        let (o, notes) = converted(panel("off", "absolute"));
        assert_eq!((o.thresholds, o.thresholds_style), (None, ThresholdsStyle::Off));
        assert_eq!(notes, ["regex value mappings"]);
        let (o, notes) = converted(panel("line", "percentage"));
        assert_eq!((o.thresholds, o.thresholds_style), (None, ThresholdsStyle::Off));
        assert_eq!(notes, ["thresholds in percent of the value range", "regex value mappings"]);
    }

    #[test]
    fn old_panels_convert_too() {
        let (o, notes) = converted(
            json!({"type": "singlestat", "colorBackground": true, "thresholds": "80, 90",
            "colors": ["#299c46", "rgba(237, 129, 40, 0.89)", "#d44a3a"],
            "valueMaps": [{"op": "=", "value": "null", "text": "N/A"}, {"op": "=", "value": "1", "text": "Up"}]}),
        );
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!(o.thresholds.unwrap().write(), "#299c46,80:#ed8128,90:#d44a3a");
        assert_eq!(crate::report::thresholds::write_mappings(&o.mappings), "null:N/A,1:Up");
        let (o, notes) = converted(json!({"type": "graph", "thresholds": [
            {"value": 90, "op": "gt", "colorMode": "critical", "fill": true, "line": true},
            {"value": 10, "op": "lt", "colorMode": "warning", "fill": true, "line": true}
        ]}));
        assert_eq!(notes, ["thresholds below a value"]);
        assert_eq!(
            (o.thresholds.unwrap().write(), o.thresholds_style),
            ("90:red".to_owned(), ThresholdsStyle::LineArea)
        );
        let (o, notes) = converted(json!({"type": "table", "fieldConfig": {"defaults": {
            "custom": {"cellOptions": {"type": "color-background"}},
            "thresholds": {"steps": [{"color": "green", "value": null}, {"color": "chartreuse", "value": 5}]},
            "mappings": [{"type": 1, "value": "0", "text": "Down"}, {"type": 1, "value": "ok", "text": "Fine"}]}}}));
        // An unknown colour keeps its step, without a colour.
        assert_eq!(o.thresholds.unwrap().write(), "green,5:transparent");
        assert_eq!(crate::report::thresholds::write_mappings(&o.mappings), "0:Down");
        assert_eq!(
            notes,
            [
                "value mappings of text (\"ok\")",
                "the colours `chartreuse` (unknown to promnote: shown without a colour)"
            ]
        );
        // Singlestat's default range map (null to null: N/A) is a range map, which its
        // default mapping type (1, values) does not apply; with type 2 it is "no value".
        let stat = |kind: u64| {
            converted(json!({"type": "singlestat", "mappingType": kind,
                "valueMaps": [{"op": "=", "value": "null", "text": "N/A"}],
                "rangeMaps": [{"from": "null", "to": "null", "text": "N/A"}, {"from": "1", "to": "x", "text": "never"}, {"from": "1", "to": "5", "text": "Few\nhubs"}]}))
            .0
            .mappings
        };
        assert_eq!(crate::report::thresholds::write_mappings(&stat(1)), "null:N/A");
        assert_eq!(crate::report::thresholds::write_mappings(&stat(2)), "null:N/A,1..5:Few hubs");
        // Steps in any order, the first the base whatever its value; a fixed colour scheme
        // takes no colours from them.
        let steps = json!({"steps": [{"color": "red", "value": 90}, {"color": "green", "value": 0}, {"color": "orange", "value": "80"}]});
        let (o, _) = converted(json!({"type": "stat", "fieldConfig": {"defaults": {"thresholds": steps}}}));
        assert_eq!(o.thresholds.unwrap().write(), "green,80:orange,90:red");
        let (o, notes) = converted(
            json!({"type": "stat", "fieldConfig": {"defaults": {"thresholds": steps, "color": {"mode": "fixed", "fixedColor": "blue"}}}}),
        );
        assert_eq!((o.thresholds, notes), (None, vec!["the colour scheme fixed".to_owned()]));
        // A time series' mappings are Grafana's hover text: listed.
        let (_, notes) = converted(json!({"type": "timeseries", "fieldConfig": {"defaults": {
            "mappings": [{"type": "value", "options": {"0": {"text": "Down"}}}]}}}));
        assert_eq!(notes, ["value mappings"]);
    }
}
