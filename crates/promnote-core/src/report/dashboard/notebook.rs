//! Grafana Notebooks (Grafana 13's linear documents of text and panels) exported as
//! Markdown: prose, and each panel as a ```` ```json ```` block holding its model or its
//! targets. [`as_dashboard`] reads one into the dashboard JSON the converter already
//! understands — text blocks become text panels (so they stay prose, inert), each json
//! block a panel in the notebook's order — so every rule of a dashboard's conversion
//! (targets of other datasources listed, text never report source, thresholds, …) holds
//! for notebooks too.
//!
//! A target is read in each shape a notebook may hold it: a dashboard's
//! (`{refId, datasource, expr}`), with the query nested (`{refId, datasource, type,
//! query: {expr}}`), or the v2 schema's (`{kind: PanelQuery, spec: {refId, datasource,
//! query: {kind: prometheus, spec: {expr}}}}`).

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};
use serde_json::{json, Map, Value};

use super::text::closed;
use crate::report::format::{is_container, is_container_end};

/// The notebook in `markdown` as a dashboard's JSON, or `None` when it holds no
/// ```` ```json ```` panel block (it is then not a notebook's export). Blocks are found as a
/// report's cells are (CommonMark, outside lists and quotes); one left unclosed is text.
pub fn as_dashboard(markdown: &str) -> Option<Value> {
    let (title, body) = title_of(markdown);
    let mut panels = Vec::new();
    let (mut prose_start, mut blocks, mut depth) = (0, 0, 0usize);
    let mut open: Option<(usize, String)> = None;
    for (event, range) in
        Parser::new_ext(body, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH).into_offset_iter()
    {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info)))
                if depth == 0
                    && info.split_whitespace().next().is_some_and(|w| w.eq_ignore_ascii_case("json")) =>
            {
                open = Some((range.start, String::new()));
            }
            Event::Text(text) => {
                if let Some((_, content)) = open.as_mut() {
                    content.push_str(&text);
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                let Some((start, content)) = open.take() else { continue };
                let panel = closed(&body[start..range.end])
                    .then(|| serde_json::from_str::<Value>(&content).ok())
                    .flatten()
                    .and_then(|v| panel_of(&v, blocks + 1));
                // Any other block (or one that is not a panel) is the text's own.
                if let Some(panel) = panel {
                    flush(&body[prose_start..start], &mut panels);
                    blocks += 1;
                    panels.push(panel);
                    prose_start = range.end;
                }
            }
            Event::Start(tag) if is_container(&tag) => depth += 1,
            Event::End(tag) if is_container_end(tag) => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    flush(&body[prose_start..], &mut panels);
    if blocks == 0 {
        return None;
    }
    for (y, panel) in panels.iter_mut().enumerate() {
        panel.insert("gridPos".into(), json!({ "x": 0, "y": y * 8, "w": 24, "h": 8 }));
    }
    Some(json!({ "title": title.unwrap_or_else(|| "Notebook".to_owned()), "panels": panels }))
}

/// Whether `text` (a file opened as Markdown) is a Grafana Notebook's export rather than
/// a report: it holds a ```` ```json ```` panel block, and it is not a report of promnote's
/// own (front matter with `format:`, or ```` ```promql ```` cells). A notebook whose notes
/// hold a ```` ```promql ```` fence therefore opens as a report; pasted into the dashboard
/// import, it converts.
pub fn is_notebook(text: &str) -> bool {
    let text = text.trim_start_matches('\u{feff}');
    let front = text.strip_prefix("---").and_then(|rest| rest.split_once("\n---")).map(|(front, _)| front);
    let has_format = front.is_some_and(|f| f.lines().any(|l| l.trim_start().starts_with("format:")));
    let has_cells = crate::report::format::parse(text).is_ok_and(|r| r.cells().next().is_some());
    !has_format && !has_cells && as_dashboard(text).is_some()
}

/// The notebook's title (front matter's `title:` or a first `# heading`) and the rest.
fn title_of(markdown: &str) -> (Option<String>, &str) {
    let text = markdown.trim_start_matches('\u{feff}');
    if let Some(rest) = text.strip_prefix("---\n").or_else(|| text.strip_prefix("---\r\n")) {
        if let Some(end) = rest.find("\n---") {
            let title = rest[..end]
                .lines()
                .find_map(|l| l.strip_prefix("title:"))
                .map(|t| t.trim().trim_matches(['"', '\'']).to_owned())
                .filter(|t| !t.is_empty());
            let after = &rest[end + 4..];
            let after = after.split_once('\n').map_or("", |(_, a)| a);
            let (heading, body) = heading_of(after);
            return (title.or(heading), body);
        }
    }
    heading_of(text)
}

/// A first `# heading` (after blank lines) and the text after it.
fn heading_of(text: &str) -> (Option<String>, &str) {
    let trimmed = text.trim_start();
    match trimmed.strip_prefix("# ") {
        Some(rest) => {
            let (line, body) = rest.split_once('\n').unwrap_or((rest, ""));
            (Some(line.trim().to_owned()).filter(|t| !t.is_empty()), body)
        }
        None => (None, text),
    }
}

/// The prose between two panel blocks as a text panel, if it holds anything.
fn flush(prose: &str, panels: &mut Vec<Map<String, Value>>) {
    let text = prose.trim();
    if !text.is_empty() {
        let panel = json!({ "type": "text", "options": { "mode": "markdown", "content": text } });
        if let Value::Object(panel) = panel {
            panels.push(panel);
        }
    }
}

/// A json block as a panel: a panel model (`targets`, or v2's `spec.data.spec.queries`),
/// an object of `queries`, or a list of targets. `None`: it holds none of these.
fn panel_of(block: &Value, number: usize) -> Option<Map<String, Value>> {
    let fallback = format!("Panel {number}");
    let (mut panel, targets) = match block {
        Value::Array(targets) => (Map::new(), targets.clone()),
        Value::Object(object) => {
            let spec = object.get("spec").and_then(Value::as_object).filter(|_| object.contains_key("kind"));
            let v2 = spec
                .and_then(|s| s.get("data"))
                .and_then(|d| d.pointer("/spec/queries"))
                .and_then(Value::as_array);
            let listed = object.get("targets").or_else(|| object.get("queries")).and_then(Value::as_array);
            match (listed, v2, spec) {
                (Some(targets), _, _) => (object.clone(), targets.clone()),
                (None, Some(queries), Some(spec)) => {
                    let mut panel = Map::new();
                    if let Some(title) = spec.get("title") {
                        panel.insert("title".into(), title.clone());
                    }
                    if let Some(kind) = spec.get("vizConfig").and_then(|v| plugin_of(v.as_object()?)) {
                        panel.insert("type".into(), kind.into());
                    }
                    let viz = spec.get("vizConfig").and_then(|v| v.get("spec"));
                    if let Some(field) = viz.and_then(|v| v.get("fieldConfig")) {
                        panel.insert("fieldConfig".into(), field.clone());
                    }
                    if let Some(options) = viz.and_then(|v| v.get("options")) {
                        panel.insert("options".into(), options.clone());
                    }
                    (panel, queries.clone())
                }
                _ => return None,
            }
        }
        _ => return None,
    };
    if targets.is_empty() || !targets.iter().all(Value::is_object) {
        return None;
    }
    panel.remove("queries");
    panel.entry("type").or_insert_with(|| "timeseries".into());
    panel.entry("title").or_insert_with(|| fallback.into());
    panel.insert("targets".into(), Value::Array(targets.iter().map(target_of).collect()));
    Some(panel)
}

/// One target in a dashboard's shape: `expr` at the top, the datasource's type in
/// `datasource.type`.
fn target_of(target: &Value) -> Value {
    let mut t = target.as_object().cloned().unwrap_or_default();
    // v2: the target is the spec of a PanelQuery.
    if t.get("kind").and_then(Value::as_str) == Some("PanelQuery") {
        if let Some(spec) = t.get("spec").and_then(Value::as_object) {
            t = spec.clone();
        }
    }
    let query = t.get("query").and_then(Value::as_object).cloned();
    if !t.contains_key("expr") {
        let expr =
            query.as_ref().and_then(|q| q.get("expr").or_else(|| q.get("spec").and_then(|s| s.get("expr"))));
        if let Some(expr) = expr.cloned() {
            t.insert("expr".into(), expr);
            t.remove("query");
        }
    }
    // The nested query carries its own settings (legend, instant, interval).
    let nested = query.as_ref().and_then(|q| q.get("spec").and_then(Value::as_object).or(Some(q)));
    for key in ["legendFormat", "instant", "range", "interval", "format", "hide"] {
        if let Some(v) = nested.and_then(|n| n.get(key)) {
            t.entry(key).or_insert_with(|| v.clone());
        }
    }
    let kind = t
        .get("type")
        .and_then(Value::as_str)
        .or_else(|| query.as_ref().and_then(plugin_of))
        .map(str::to_owned);
    if let Some(hidden) = t.get("hidden").cloned() {
        t.entry("hide").or_insert(hidden);
    }
    match (t.get("datasource"), kind) {
        (None | Some(Value::Null), Some(kind)) => {
            t.insert("datasource".into(), json!({ "type": kind }));
        }
        (Some(Value::Object(ds)), Some(kind)) if !ds.contains_key("type") => {
            let mut ds = ds.clone();
            ds.insert("type".into(), kind.into());
            t.insert("datasource".into(), Value::Object(ds));
        }
        _ => {}
    }
    Value::Object(t)
}

/// The plugin a v2 element names: its `kind` (`prometheus`, `timeseries`), or, where the
/// kind is the element's own (`VizConfig`, `DataQuery`), its `group`.
fn plugin_of(element: &Map<String, Value>) -> Option<&str> {
    let kind = element.get("kind").and_then(Value::as_str);
    match kind {
        Some("VizConfig" | "DataQuery") | None => element.get("group").and_then(Value::as_str),
        kind => kind,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_stays_prose_and_each_json_block_is_a_panel() {
        let md = "# Why is checkout slow?\n\nWe looked at latency first.\n\n```json\n{\"title\": \"Latency\", \"targets\": [\n {\"refId\": \"A\", \"datasource\": {\"uid\": \"p1\"}, \"type\": \"prometheus\", \"query\": {\"expr\": \"histogram_quantile(0.9, rate(x[5m]))\", \"legendFormat\": \"{{le}}\"}},\n {\"refId\": \"B\", \"datasource\": {\"type\": \"loki\", \"uid\": \"l\"}, \"query\": {\"expr\": \"{app=\\\"x\\\"}\"}}\n]}\n```\n\n```promql\nup\n```\n\nThen errors:\n\n```json\n[{\"kind\": \"PanelQuery\", \"spec\": {\"refId\": \"A\", \"query\": {\"kind\": \"prometheus\", \"spec\": {\"expr\": \"sum(errors)\"}}}}]\n```\n";
        let d = as_dashboard(md).unwrap();
        assert_eq!(d["title"], "Why is checkout slow?");
        let panels = d["panels"].as_array().unwrap();
        let kinds: Vec<&str> = panels.iter().map(|p| p["type"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["text", "timeseries", "text", "timeseries"]);
        assert_eq!(panels[0]["options"]["content"], "We looked at latency first.");
        // A promql block of the text is the text's: quoted later, never a cell.
        assert_eq!(panels[2]["options"]["content"], "```promql\nup\n```\n\nThen errors:");
        let a = &panels[1]["targets"][0];
        assert_eq!(
            (a["expr"].as_str(), a["legendFormat"].as_str()),
            (Some("histogram_quantile(0.9, rate(x[5m]))"), Some("{{le}}"))
        );
        assert_eq!(a["datasource"], json!({"uid": "p1", "type": "prometheus"}));
        assert_eq!(panels[1]["targets"][1]["datasource"]["type"], "loki");
        assert_eq!(panels[3]["targets"][0]["expr"], "sum(errors)");
        assert_eq!(panels[3]["targets"][0]["datasource"]["type"], "prometheus");
        assert_eq!(panels[3]["title"], "Panel 2");
        // Its promql fence is in its notes: it could be a report's cell, and a report wins.
        assert!(!is_notebook(md));
        assert!(is_notebook(&md.replace("```promql\nup\n```", "")));
        // No json block: not a notebook.
        assert_eq!(as_dashboard("# Notes\n\n```promql\nup\n```\n"), None);
        // A report that shows a panel's JSON in its prose stays a report.
        assert!(!is_notebook(&format!("---\nformat: 1\ntitle: Mine\n---\n\n{md}")));
        // v2beta1: the plugin is the element's group; hidden is Grafana's hide.
        let v2 = "```json\n{\"kind\": \"Panel\", \"spec\": {\"title\": \"T\", \"vizConfig\": {\"kind\": \"VizConfig\", \"group\": \"stat\"}, \"data\": {\"kind\": \"QueryGroup\", \"spec\": {\"queries\": [{\"kind\": \"PanelQuery\", \"spec\": {\"refId\": \"A\", \"hidden\": true, \"query\": {\"kind\": \"DataQuery\", \"group\": \"prometheus\", \"spec\": {\"expr\": \"up\"}}}}]}}}}\n```\n";
        let d = as_dashboard(v2).unwrap();
        let panel = &d["panels"][0];
        assert_eq!((panel["type"].as_str(), panel["title"].as_str()), (Some("stat"), Some("T")));
        let target = &panel["targets"][0];
        assert_eq!((target["expr"].as_str(), target["hide"].as_bool()), (Some("up"), Some(true)));
        assert_eq!(target["datasource"]["type"], "prometheus");
        // An unclosed block stays text.
        assert_eq!(as_dashboard("```json\n{\"targets\": [{\"expr\": \"up\"}]}\n"), None);
    }
}
