//! Grafana dashboards as reports: [`convert`] turns a dashboard's JSON (as Grafana
//! exports it, as `/api/dashboards/uid/<uid>` answers it, current and old generations)
//! into a [`Notebook`] and a list of what it could not carry over. The page and the
//! command line (`promnote import-dashboard`) both call it; what converts is listed in
//! the README's "Grafana dashboards" section.
//!
//! - Panels become cells: each Prometheus target a query of the cell (A, B, … as
//!   ` ```promql+ ` fences), its `legendFormat` the query's legend, the panel's draw
//!   style and stacking the chart kind, `fieldConfig.defaults.unit` the unit (or the
//!   value axis' title when promnote does not format it), `timeFrom`/`timeShift` the
//!   cell's own range. Rows become headings, text panels prose (through the page's safe
//!   Markdown path: raw HTML stays text), descriptions a line before the cell.
//! - Variables keep their kind (query, custom, constant, text box, interval), choices,
//!   regex, "All" and current value; a datasource variable and `${DS_…}` inputs become
//!   "every Prometheus datasource", which is what a report's cells ask by default.
//! - What has no counterpart (other datasources' targets, transformations, overrides,
//!   thresholds, links, alerts, repeats, unknown panel types) is listed at the top of the
//!   report and beside the panel it came from: nothing is dropped in silence.
//!
//! The JSON is untrusted: every field is read as what it should be or skipped with a
//! note; titles and text are kept as text (the page never renders them as markup).

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::chart::{ChartKind, Unit};
use crate::notebook::{self, Block, Cell, CellOptions, FrontMatter, Notebook, Query, Variable, MAX_QUERIES};
use crate::vars::{self, AllValue, Selection, Source, VarQuery};

/// The largest dashboard JSON [`convert`] reads.
pub const MAX_DASHBOARD_BYTES: usize = 8 * 1024 * 1024;

/// The most panels converted; a dashboard with more is refused.
pub const MAX_PANELS: usize = 2000;

/// A converted dashboard.
#[derive(Debug, Clone, PartialEq)]
pub struct Conversion {
    /// The report.
    pub notebook: Notebook,
    /// What could not be carried over, in the dashboard's order.
    pub dropped: Vec<Dropped>,
}

/// One thing a report cannot hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropped {
    /// The panel's title, or `None` for the dashboard itself (a variable, a link).
    pub panel: Option<String>,
    /// What it was, in words.
    pub what: String,
}

/// Where the datasources a dashboard names are known: the connected Grafana's
/// Prometheus datasources (uid, name). A panel pinned to one of them keeps it
/// (`datasources=`); one pinned to a datasource not known here queries every
/// Prometheus datasource, with a note.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Known {
    /// (uid, name) of each Prometheus datasource.
    pub datasources: Vec<(String, String)>,
}

/// Why a dashboard could not be converted at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DashboardError(pub String);

fn fail(message: impl Into<String>) -> DashboardError {
    DashboardError(message.into())
}

/// Converts a dashboard's JSON text: the dashboard itself, or the `{ "dashboard": …,
/// "meta": … }` that Grafana's API answers.
pub fn convert(json: &str, known: &Known) -> Result<Conversion, DashboardError> {
    if json.len() > MAX_DASHBOARD_BYTES {
        return Err(fail(format!(
            "the dashboard is {} MB; the most promnote reads is {} MB",
            json.len() / (1024 * 1024),
            MAX_DASHBOARD_BYTES / (1024 * 1024)
        )));
    }
    let value: Value = serde_json::from_str(json).map_err(|e| {
        fail(format!("this is not a Grafana dashboard's JSON: {e}. Export the dashboard from Grafana (Share → Export → Save to file) and open that file."))
    })?;
    let root =
        value.as_object().ok_or_else(|| fail("a dashboard's JSON is an object ({ … }); this is not one"))?;
    let dashboard = match root.get("dashboard").and_then(Value::as_object) {
        Some(inner) if !root.contains_key("panels") && !root.contains_key("rows") => inner,
        _ => root,
    };
    if !dashboard.contains_key("panels")
        && !dashboard.contains_key("rows")
        && !dashboard.contains_key("templating")
    {
        return Err(fail(
            "this JSON has no panels, rows or variables: it is not a Grafana dashboard. Export the dashboard from Grafana (Share → Export → Save to file) and open that file.",
        ));
    }
    Converter::new(dashboard, known).run()
}

struct Converter<'a> {
    dashboard: &'a Map<String, Value>,
    known: &'a Known,
    /// Names of datasource variables and `__inputs` (`DS_PROMETHEUS`): a panel using one
    /// asks every Prometheus datasource.
    datasource_names: BTreeSet<String>,
    blocks: Vec<Block>,
    dropped: Vec<Dropped>,
    panels: usize,
    titles: BTreeSet<String>,
}

fn text<'v>(object: &'v Map<String, Value>, key: &str) -> Option<&'v str> {
    object.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
}

fn boolean(object: &Map<String, Value>, key: &str) -> bool {
    object.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn objects<'v>(object: &'v Map<String, Value>, key: &str) -> impl Iterator<Item = &'v Map<String, Value>> {
    object.get(key).and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_object)
}

/// One line of text: line breaks and tabs become spaces (a title, a legend).
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl<'a> Converter<'a> {
    fn new(dashboard: &'a Map<String, Value>, known: &'a Known) -> Self {
        let mut datasource_names = BTreeSet::new();
        for input in objects(dashboard, "__inputs") {
            if text(input, "type") == Some("datasource") {
                if let Some(name) = text(input, "name") {
                    datasource_names.insert(name.to_owned());
                }
            }
        }
        if let Some(templating) = dashboard.get("templating").and_then(Value::as_object) {
            for v in objects(templating, "list") {
                if text(v, "type") == Some("datasource") {
                    if let Some(name) = text(v, "name") {
                        datasource_names.insert(name.to_owned());
                    }
                }
            }
        }
        Self {
            dashboard,
            known,
            datasource_names,
            blocks: Vec::new(),
            dropped: Vec::new(),
            panels: 0,
            titles: BTreeSet::new(),
        }
    }

    fn drop(&mut self, panel: Option<&str>, what: impl Into<String>) {
        self.dropped.push(Dropped { panel: panel.map(str::to_owned), what: what.into() });
    }

    fn run(mut self) -> Result<Conversion, DashboardError> {
        let title = text(self.dashboard, "title").map(one_line).unwrap_or_else(|| "Grafana dashboard".into());
        let mut front = FrontMatter { title: title.clone(), ..FrontMatter::default() };
        front.description = text(self.dashboard, "description").map(one_line);
        if let Some(time) = self.dashboard.get("time").and_then(Value::as_object) {
            let check = |s: &str| {
                crate::time::parse_time(
                    s,
                    jiff::Timestamp::UNIX_EPOCH,
                    &jiff::tz::TimeZone::UTC,
                    crate::time::Edge::From,
                )
                .is_ok()
            };
            match (text(time, "from"), text(time, "to")) {
                (Some(from), Some(to)) if check(from) && check(to) => {
                    front.from = from.to_owned();
                    front.to = to.to_owned();
                }
                (Some(from), Some(to)) => {
                    self.drop(None, format!("the time range {from} to {to}, which promnote cannot read; the report shows the last 6 hours"));
                    front.from = "now-6h".into();
                }
                _ => front.from = "now-6h".into(),
            }
        }
        if let Some(refresh) = text(self.dashboard, "refresh") {
            self.drop(None, format!("the refresh every {refresh}: press Run all (or re-run the snapshot) to update the report"));
        }
        front.variables = self.variables();
        if self.dashboard.get("links").and_then(Value::as_array).is_some_and(|l| !l.is_empty()) {
            self.drop(None, "the dashboard's links");
        }
        if self.dashboard.get("annotations").and_then(Value::as_object).is_some_and(|a| {
            objects(a, "list")
                .any(|an| !boolean(an, "builtIn") && an.get("builtIn").and_then(Value::as_i64) != Some(1))
        }) {
            self.drop(None, "annotations");
        }
        if self.dashboard.contains_key("rows") && !self.dashboard.contains_key("panels") {
            self.old_rows()?;
        } else {
            let panels: Vec<&Map<String, Value>> = objects(self.dashboard, "panels").collect();
            self.panel_list(panels, 0)?;
        }
        let mut blocks = Vec::new();
        let mut intro = format!(
            "Converted from the Grafana dashboard *{}* by promnote: each panel with Prometheus queries is a cell below.",
            escape_markdown(&title)
        );
        if !self.dropped.is_empty() {
            intro.push_str("\n\n**Not carried over:**\n");
            // The dashboard's own items, then each kind of item with the panels it was in.
            let mut kinds: Vec<(&str, Vec<&str>)> = Vec::new();
            for d in &self.dropped {
                match &d.panel {
                    None => intro.push_str(&format!("\n- {}", escape_markdown(&d.what))),
                    Some(panel) => match kinds.iter_mut().find(|(what, _)| *what == d.what) {
                        Some((_, panels)) => panels.push(panel),
                        None => kinds.push((&d.what, vec![panel])),
                    },
                }
            }
            for (what, panels) in kinds {
                let names: Vec<String> = panels.iter().map(|p| format!("*{}*", escape_markdown(p))).collect();
                let label = if panels.len() == 1 { "panel" } else { "panels" };
                intro.push_str(&format!("\n- {} ({label} {})", escape_markdown(what), names.join(", ")));
            }
        }
        blocks.push(Block::Prose(intro));
        // Prose next to prose is one block, as a report reads back.
        for block in self.blocks.drain(..) {
            match (blocks.last_mut(), block) {
                (Some(Block::Prose(before)), Block::Prose(text)) => {
                    before.push_str("\n\n");
                    before.push_str(&text);
                }
                (_, block) => blocks.push(block),
            }
        }
        let notebook = Notebook { front, blocks };
        let size = notebook.to_markdown().len();
        if size > notebook::MAX_SOURCE_BYTES {
            return Err(fail(format!(
                "the converted report would be {} KB; the most a report holds is {} KB. Export a smaller dashboard, or split it.",
                size / 1024,
                notebook::MAX_SOURCE_BYTES / 1024
            )));
        }
        Ok(Conversion { notebook, dropped: self.dropped })
    }

    /// Current dashboards: panels in grid order; a row is a heading, and the panels of a
    /// collapsed row are inside it.
    fn panel_list(
        &mut self,
        mut panels: Vec<&Map<String, Value>>,
        depth: usize,
    ) -> Result<(), DashboardError> {
        let position = |p: &Map<String, Value>| {
            let grid = p.get("gridPos").and_then(Value::as_object);
            let at = |k: &str| grid.and_then(|g| g.get(k)).and_then(Value::as_i64).unwrap_or(i64::MAX);
            (at("y"), at("x"))
        };
        panels.sort_by_key(|p| position(p));
        for panel in panels {
            if text(panel, "type") == Some("row") {
                let title = text(panel, "title").map(one_line).unwrap_or_else(|| "Row".into());
                self.blocks.push(Block::Prose(format!("## {}", escape_markdown(&title))));
                if depth == 0 {
                    if text(panel, "repeat").is_some() {
                        self.drop(Some(&title), "the row's repeat for each value of a variable: its panels appear once, for every value chosen");
                    }
                    let inner: Vec<&Map<String, Value>> = objects(panel, "panels").collect();
                    self.panel_list(inner, depth + 1)?;
                }
                continue;
            }
            self.panel(panel)?;
        }
        Ok(())
    }

    /// Old dashboards (before Grafana 5): `rows[].panels`.
    fn old_rows(&mut self) -> Result<(), DashboardError> {
        let rows: Vec<&Map<String, Value>> = objects(self.dashboard, "rows").collect();
        for row in rows {
            let title = text(row, "title").map(one_line);
            let shown = row.get("showTitle").and_then(Value::as_bool).unwrap_or(false) || rows_titled(row);
            if let (Some(title), true) = (&title, shown) {
                self.blocks.push(Block::Prose(format!("## {}", escape_markdown(title))));
            }
            if text(row, "repeat").is_some() {
                self.drop(title.as_deref(), "the row's repeat for each value of a variable: its panels appear once, for every value chosen");
            }
            let panels: Vec<&Map<String, Value>> = objects(row, "panels").collect();
            for panel in panels {
                self.panel(panel)?;
            }
        }
        Ok(())
    }

    fn panel(&mut self, panel: &Map<String, Value>) -> Result<(), DashboardError> {
        self.panels += 1;
        if self.panels > MAX_PANELS {
            return Err(fail(format!(
                "the dashboard has more than {MAX_PANELS} panels; promnote converts at most {MAX_PANELS}"
            )));
        }
        let kind = text(panel, "type").unwrap_or("graph");
        let title = text(panel, "title").map(one_line).unwrap_or_else(|| {
            match panel.get("id").and_then(Value::as_i64) {
                Some(id) => format!("Panel {id}"),
                None => "Panel".into(),
            }
        });
        let title = self.unique_title(title);
        if kind == "text" {
            let options = panel.get("options").and_then(Value::as_object);
            let content = options.and_then(|o| text(o, "content")).or_else(|| text(panel, "content"));
            let mode =
                options.and_then(|o| text(o, "mode")).or_else(|| text(panel, "mode")).unwrap_or("markdown");
            if let Some(content) = content {
                if mode == "html" {
                    self.drop(Some(&title), "HTML: the text panel's HTML is shown as text");
                }
                let heading = text(panel, "title")
                    .map(|t| format!("### {}\n\n", escape_markdown(&one_line(t))))
                    .unwrap_or_default();
                self.blocks.push(Block::Prose(format!("{heading}{}", content.replace("\r\n", "\n"))));
            }
            return Ok(());
        }
        let mut notes: Vec<String> = Vec::new();
        let (queries, datasource) = self.targets(panel, &mut notes);
        if let Some(description) = text(panel, "description") {
            self.blocks.push(Block::Prose(description.replace("\r\n", "\n")));
        }
        let chart = chart_kind(panel, kind, &mut notes);
        let (unit, axis) = unit_of(panel);
        let mut options =
            CellOptions { title: Some(title.clone()), chart, unit, axis, ..CellOptions::default() };
        options.datasources = datasource;
        if let Some(step) = step_of(panel) {
            options.step = Some(step);
        }
        self.panel_range(panel, &mut options, &title);
        for (what, present) in [
            (
                "transformations",
                panel.get("transformations").and_then(Value::as_array).is_some_and(|t| !t.is_empty()),
            ),
            (
                "field overrides",
                panel
                    .get("fieldConfig")
                    .and_then(|f| f.get("overrides"))
                    .and_then(Value::as_array)
                    .is_some_and(|o| !o.is_empty()),
            ),
            ("thresholds", has_thresholds(panel, kind)),
            ("links", panel.get("links").and_then(Value::as_array).is_some_and(|l| !l.is_empty())),
            ("an alert rule", panel.contains_key("alert")),
            (
                "value mappings",
                panel
                    .get("fieldConfig")
                    .and_then(|f| f.get("defaults"))
                    .and_then(|d| d.get("mappings"))
                    .and_then(Value::as_array)
                    .is_some_and(|m| !m.is_empty()),
            ),
        ] {
            if present {
                notes.push(what.to_owned());
            }
        }
        if let Some(var) = text(panel, "repeat") {
            notes.push(format!("the repeat for each value of ${var}: one cell shows every value chosen"));
        }
        for note in &notes {
            self.drop(Some(&title), note.clone());
        }
        let Some((first, rest)) = queries.split_first() else {
            if notes.is_empty() {
                self.drop(Some(&title), format!("the panel (type {kind}) has no Prometheus query"));
                notes.push(format!("the panel (type {kind}) has no Prometheus query"));
            }
            self.blocks.push(Block::Prose(note_text(&title, &notes)));
            return Ok(());
        };
        options.legend = first.legend.clone();
        if !notes.is_empty() {
            self.blocks.push(Block::Prose(note_text(&title, &notes)));
        }
        self.blocks.push(Block::Cell(Cell { query: first.query.clone(), options, also: rest.to_vec() }));
        Ok(())
    }

    /// A title no other cell has (reports name files and CSV rows by title).
    fn unique_title(&mut self, title: String) -> String {
        let mut candidate = title;
        let title = candidate.clone();
        let mut n = 2;
        while !self.titles.insert(candidate.clone()) {
            candidate = format!("{title} ({n})");
            n += 1;
        }
        candidate
    }

    /// The panel's Prometheus targets as queries, and the datasource the cell asks
    /// (`None`: every Prometheus datasource).
    fn targets(
        &mut self,
        panel: &Map<String, Value>,
        notes: &mut Vec<String>,
    ) -> (Vec<Query>, Option<Vec<String>>) {
        let panel_ds = panel.get("datasource");
        let mut queries = Vec::new();
        let mut pinned: BTreeSet<String> = BTreeSet::new();
        let mut unknown_pin = None;
        for (i, target) in objects(panel, "targets").enumerate() {
            let letter = text(target, "refId")
                .map(str::to_owned)
                .unwrap_or_else(|| notebook::query_letter(i).to_string());
            let ds = target.get("datasource").filter(|d| !is_mixed(d)).or(panel_ds);
            match self.datasource_kind(ds) {
                DsKind::Other(kind) => {
                    notes.push(format!("query {letter}, which asks a {kind} datasource"));
                    continue;
                }
                DsKind::Pinned(id) => match self.known_datasource(&id) {
                    Some(uid) => {
                        pinned.insert(uid);
                    }
                    None => unknown_pin = Some(id),
                },
                DsKind::Any => {}
            }
            let Some(expr) = text(target, "expr")
                .or_else(|| text(target, "query").filter(|_| target.contains_key("expr")))
            else {
                if !target.is_empty()
                    && !target.keys().all(|k| matches!(k.as_str(), "refId" | "datasource" | "hide"))
                {
                    notes.push(format!("query {letter}, which has no PromQL expression"));
                }
                continue;
            };
            if queries.len() >= MAX_QUERIES {
                notes.push(format!("query {letter}: a cell holds at most {MAX_QUERIES} queries"));
                continue;
            }
            if boolean(target, "hide") {
                notes.push(format!("query {letter} is hidden in Grafana; promnote draws it"));
            }
            let legend = text(target, "legendFormat").filter(|l| *l != "__auto").map(one_line);
            queries.push(Query { query: expr.replace("\r\n", "\n").trim().to_owned(), legend });
        }
        if let Some(id) = unknown_pin {
            notes.push(format!(
                "the datasource {id}, which this Grafana does not have: the cell asks every Prometheus datasource"
            ));
        }
        let datasource =
            (!pinned.is_empty() && unknown_pin_is_none(notes)).then(|| pinned.into_iter().collect());
        (queries, datasource)
    }

    fn known_datasource(&self, id: &str) -> Option<String> {
        self.known.datasources.iter().find(|(uid, name)| uid == id || name == id).map(|(uid, _)| uid.clone())
    }

    fn datasource_kind(&self, ds: Option<&Value>) -> DsKind {
        let is_variable = |s: &str| {
            let name = s.trim_start_matches('$').trim_start_matches('{').trim_end_matches('}');
            s.starts_with('$')
                && (self.datasource_names.contains(name) || name.starts_with("DS_") || name == "datasource")
        };
        match ds {
            None | Some(Value::Null) => DsKind::Any,
            Some(Value::String(s))
                if s.is_empty() || s == "default" || s == "-- Grafana --" || is_variable(s) =>
            {
                DsKind::Any
            }
            Some(Value::String(s)) if s.starts_with('$') => DsKind::Any,
            Some(Value::String(s)) => DsKind::Pinned(s.clone()),
            Some(Value::Object(o)) => {
                let kind = text(o, "type");
                let uid = text(o, "uid");
                match kind {
                    Some(k) if !is_prometheus_type(k) && k != "datasource" => DsKind::Other(k.to_owned()),
                    _ => match uid {
                        None => DsKind::Any,
                        Some(u) if u.starts_with('$') => DsKind::Any,
                        Some(u) => DsKind::Pinned(u.to_owned()),
                    },
                }
            }
            Some(_) => DsKind::Any,
        }
    }

    /// `timeFrom` (the panel's own last N) and `timeShift` (N earlier) as the cell's range.
    fn panel_range(&mut self, panel: &Map<String, Value>, options: &mut CellOptions, title: &str) {
        let duration = |key: &str| {
            text(panel, key).map(|s| s.trim_start_matches("now-").to_owned()).filter(|s| !s.is_empty())
        };
        let (from, shift) = (duration("timeFrom"), duration("timeShift"));
        let valid = |d: &str| crate::step::parse_duration(d).is_ok();
        if let Some(bad) = [&from, &shift].into_iter().flatten().find(|d| !valid(d)) {
            self.drop(Some(title), format!("the panel's own time range ({bad}), which promnote cannot read"));
            return;
        }
        match (from, shift) {
            (None, None) => {}
            (Some(from), None) => options.from = Some(format!("now-{from}")),
            (from, Some(shift)) => {
                let front_from = text(
                    self.dashboard.get("time").and_then(Value::as_object).unwrap_or(&Map::new()),
                    "from",
                )
                .map(str::to_owned);
                let start = match (from, front_from) {
                    (Some(from), _) => format!("now-{shift}-{from}"),
                    (None, Some(f)) if f.starts_with("now-") => format!("{f}-{shift}"),
                    _ => format!("now-{shift}-6h"),
                };
                options.from = Some(start);
                options.to = Some(format!("now-{shift}"));
            }
        }
    }

    fn variables(&mut self) -> Vec<Variable> {
        let Some(templating) = self.dashboard.get("templating").and_then(Value::as_object) else {
            return Vec::new();
        };
        let list: Vec<&Map<String, Value>> = objects(templating, "list").collect();
        let mut out: Vec<Variable> = Vec::new();
        for v in list {
            let Some(name) = text(v, "name").filter(|n| vars::is_name(n)) else {
                self.drop(
                    None,
                    format!(
                        "a variable named {:?}, which is not a variable name",
                        text(v, "name").unwrap_or("")
                    ),
                );
                continue;
            };
            if out.iter().any(|o| o.name == name) {
                self.drop(None, format!("a second variable called ${name}"));
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
                    self.drop(None, format!("the datasource variable ${name}: every cell asks every Prometheus datasource (or those its datasources= option names)"));
                    continue;
                }
                "adhoc" => {
                    self.drop(None, format!("the ad hoc filters ${name}"));
                    continue;
                }
                "query" => {
                    match query_text.as_deref().map(VarQuery::parse) {
                        Some(Ok(q)) => Source::Query(q),
                        other => {
                            let why = match other {
                                Some(Err(e)) => e,
                                _ => "it has no query".into(),
                            };
                            self.drop(None, format!("the query of ${name} ({why}): it is a text box holding its current value"));
                            Source::Text(first_value(&current).unwrap_or_default())
                        }
                    }
                }
                "custom" | "interval" => {
                    let mut values = custom_values(query_text.as_deref().unwrap_or(""));
                    if values.is_empty() {
                        values = option_values(v);
                    }
                    if kind == "interval" && boolean(v, "auto") {
                        self.drop(None, format!("the auto option of ${name}"));
                    }
                    if values.is_empty() {
                        self.drop(None, format!("the variable ${name}, which has no values"));
                        continue;
                    }
                    Source::Values(values)
                }
                "constant" => Source::Constant(query_text.clone().unwrap_or_default()),
                "textbox" => Source::Text(first_value(&current).or(query_text.clone()).unwrap_or_default()),
                other => {
                    self.drop(
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
}

fn rows_titled(row: &Map<String, Value>) -> bool {
    text(row, "title").is_some_and(|t| t != "Dashboard Row" && t != "New row" && t != "Row")
        && row.get("showTitle").is_none()
}

fn unknown_pin_is_none(notes: &[String]) -> bool {
    !notes.iter().any(|n| n.contains("which this Grafana does not have"))
}

enum DsKind {
    /// Every Prometheus datasource (the default, a variable, an input).
    Any,
    /// One datasource, by uid or name.
    Pinned(String),
    /// Not Prometheus.
    Other(String),
}

fn is_mixed(ds: &Value) -> bool {
    match ds {
        Value::String(s) => s == "-- Mixed --",
        Value::Object(o) => {
            text(o, "uid") == Some("-- Mixed --")
                || text(o, "type") == Some("datasource") && text(o, "uid") == Some("-- Mixed --")
        }
        _ => false,
    }
}

fn is_prometheus_type(kind: &str) -> bool {
    matches!(
        kind,
        "prometheus"
            | "grafana-amazonprometheus-datasource"
            | "grafana-azureprometheus-datasource"
            | "victoriametrics-datasource"
            | "victoriametrics-metrics-datasource"
    )
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
        .filter(|value| *value != vars::ALL)
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
    if values.iter().any(|v| v == vars::ALL) {
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

/// The chart kind for a panel type and its draw style.
fn chart_kind(panel: &Map<String, Value>, kind: &str, notes: &mut Vec<String>) -> ChartKind {
    let custom = panel
        .get("fieldConfig")
        .and_then(|f| f.get("defaults"))
        .and_then(|d| d.get("custom"))
        .and_then(Value::as_object);
    let stacking = custom
        .and_then(|c| c.get("stacking"))
        .and_then(|s| s.get("mode"))
        .and_then(Value::as_str)
        .or_else(|| panel.get("options").and_then(|o| o.get("stacking")).and_then(Value::as_str))
        .unwrap_or("none");
    match kind {
        "timeseries" | "trend" => {
            let draw = custom.and_then(|c| text(c, "drawStyle")).unwrap_or("line");
            match (draw, stacking) {
                (_, "percent") => ChartKind::Percent,
                ("bars", "normal") => ChartKind::StackedBar,
                ("bars", _) => ChartKind::Bar,
                (_, "normal") => ChartKind::Area,
                _ => ChartKind::Line,
            }
        }
        "graph" => {
            let stack = boolean(panel, "stack");
            if boolean(panel, "percentage") && stack {
                ChartKind::Percent
            } else if boolean(panel, "bars") && !boolean(panel, "lines") {
                if stack {
                    ChartKind::StackedBar
                } else {
                    ChartKind::Bar
                }
            } else if stack {
                ChartKind::Area
            } else {
                ChartKind::Line
            }
        }
        "barchart" => match stacking {
            "percent" => ChartKind::Percent,
            "normal" => ChartKind::StackedBar,
            _ => ChartKind::Bar,
        },
        "stat" | "gauge" | "bargauge" | "singlestat" => ChartKind::Stat,
        "table" | "table-old" => ChartKind::Table,
        other => {
            notes.push(format!("the {other} panel's drawing: drawn as lines"));
            ChartKind::Line
        }
    }
}

/// Grafana's unit as promnote's, or as the value axis' title when promnote does not
/// format it.
fn unit_of(panel: &Map<String, Value>) -> (Unit, Option<String>) {
    let unit = panel
        .get("fieldConfig")
        .and_then(|f| f.get("defaults"))
        .and_then(|d| d.get("unit"))
        .and_then(Value::as_str)
        .or_else(|| {
            // Old graph panels: the left axis' format.
            panel
                .get("yaxes")
                .and_then(Value::as_array)
                .and_then(|a| a.first())
                .and_then(|a| a.get("format"))
                .and_then(Value::as_str)
        })
        .or_else(|| panel.get("format").and_then(Value::as_str))
        .map(str::trim)
        .unwrap_or("");
    let ours = match unit {
        "" | "none" | "short" | "locale" | "sishort" => Some(Unit::None),
        "bytes" | "decbytes" => Some(Unit::Bytes),
        "Bps" | "binBps" | "decBps" => Some(Unit::BytesPerSecond),
        "bps" | "binbps" | "decbps" => Some(Unit::BitsPerSecond),
        "s" | "dtdurations" => Some(Unit::Seconds),
        "ms" => Some(Unit::Milliseconds),
        "percent" => Some(Unit::Percent),
        "percentunit" => Some(Unit::PercentUnit),
        "reqps" => Some(Unit::RequestsPerSecond),
        "pps" => Some(Unit::PacketsPerSecond),
        _ => None,
    };
    match ours {
        Some(u) => (u, None),
        None => (Unit::None, Some(one_line(unit))),
    }
}

/// A panel's (or its first target's) interval of one day is promnote's calendar days.
fn step_of(panel: &Map<String, Value>) -> Option<String> {
    let interval =
        text(panel, "interval").or_else(|| objects(panel, "targets").find_map(|t| text(t, "interval")));
    interval.map(|i| i.trim_start_matches('>')).filter(|i| *i == "1d" || *i == "24h").map(|_| "1d".to_owned())
}

/// Whether the panel shows thresholds: lines or areas on a time series, colours on a
/// stat or gauge (every new panel carries Grafana's default green-red steps, unseen).
fn has_thresholds(panel: &Map<String, Value>, kind: &str) -> bool {
    let defaults = panel.get("fieldConfig").and_then(|f| f.get("defaults"));
    let style = defaults
        .and_then(|d| d.get("custom"))
        .and_then(|c| c.get("thresholdsStyle"))
        .and_then(|t| t.get("mode"))
        .and_then(Value::as_str);
    if matches!(kind, "timeseries" | "barchart" | "trend") {
        return style.is_some_and(|m| m != "off");
    }
    if !matches!(kind, "stat" | "gauge" | "bargauge" | "graph" | "singlestat") {
        return false;
    }
    let steps = panel
        .get("fieldConfig")
        .and_then(|f| f.get("defaults"))
        .and_then(|d| d.get("thresholds"))
        .and_then(|t| t.get("steps"))
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    (kind != "graph" && steps > 1)
        || panel.get("thresholds").is_some_and(|t| {
            t.as_array().is_some_and(|a| !a.is_empty()) || t.as_str().is_some_and(|s| !s.is_empty())
        })
}

/// The note beside a panel's place.
fn note_text(title: &str, notes: &[String]) -> String {
    let items: Vec<String> = notes.iter().map(|n| escape_markdown(n)).collect();
    format!("> Not carried over from the panel *{}*: {}.", escape_markdown(title), items.join("; "))
}

/// Text for Markdown prose: characters that would start markup get a backslash.
fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\`*_[]<>#|~!".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn convert_value(v: &Value) -> Conversion {
        convert(&v.to_string(), &Known::default()).unwrap()
    }

    fn cells(c: &Conversion) -> Vec<&Cell> {
        c.notebook.cells().collect()
    }

    fn timeseries(title: &str, custom: &Value, unit: &str) -> Value {
        json!({ "type": "timeseries", "title": title,
            "fieldConfig": { "defaults": { "unit": unit, "custom": custom } },
            "targets": [{ "refId": "A", "expr": "up", "legendFormat": "{{job}}" }] })
    }

    #[test]
    fn panel_types_and_draw_styles_become_chart_kinds() {
        let d = json!({ "title": "T", "panels": [
            timeseries("a", &json!({ "drawStyle": "bars", "stacking": { "mode": "normal" } }), "bytes"),
            timeseries("b", &json!({ "drawStyle": "line", "stacking": { "mode": "normal" } }), "s"),
            timeseries("c", &json!({ "drawStyle": "line", "stacking": { "mode": "percent" } }), "percent"),
            timeseries("d", &json!({ "drawStyle": "bars" }), "percentunit"),
            timeseries("e", &json!({ "drawStyle": "points" }), "kbytes"),
            { "type": "graph", "title": "f", "stack": true, "bars": true, "lines": false, "targets": [{ "expr": "up" }], "yaxes": [{ "format": "reqps" }] },
            { "type": "graph", "title": "g", "stack": true, "lines": true, "targets": [{ "expr": "up" }] },
            { "type": "graph", "title": "h", "stack": true, "percentage": true, "targets": [{ "expr": "up" }] },
            { "type": "barchart", "title": "i", "options": { "stacking": "normal" }, "targets": [{ "expr": "up" }] },
            { "type": "stat", "title": "j", "targets": [{ "expr": "up" }], "fieldConfig": { "defaults": { "unit": "ms" } } },
            { "type": "gauge", "title": "k", "targets": [{ "expr": "up" }] },
            { "type": "bargauge", "title": "l", "targets": [{ "expr": "up" }] },
            { "type": "table", "title": "m", "targets": [{ "expr": "up" }] },
            { "type": "heatmap", "title": "n", "targets": [{ "expr": "up" }] }
        ]});
        let c = convert_value(&d);
        let kinds: Vec<(ChartKind, Unit, Option<&str>)> =
            cells(&c).iter().map(|c| (c.options.chart, c.options.unit, c.options.axis.as_deref())).collect();
        use ChartKind::*;
        assert_eq!(
            kinds,
            [
                (StackedBar, Unit::Bytes, None),
                (Area, Unit::Seconds, None),
                (Percent, Unit::Percent, None),
                (Bar, Unit::PercentUnit, None),
                (Line, Unit::None, Some("kbytes")),
                (StackedBar, Unit::RequestsPerSecond, None),
                (Area, Unit::None, None),
                (Percent, Unit::None, None),
                (StackedBar, Unit::None, None),
                (Stat, Unit::Milliseconds, None),
                (Stat, Unit::None, None),
                (Stat, Unit::None, None),
                (Table, Unit::None, None),
                (Line, Unit::None, None),
            ]
        );
        assert!(c.dropped.iter().any(|d| d.panel.as_deref() == Some("n") && d.what.contains("heatmap")));
        assert_eq!(cells(&c)[0].options.legend.as_deref(), Some("{{job}}"));
    }

    #[test]
    fn every_target_rows_text_and_what_does_not_carry_over() {
        let d = json!({ "title": "T", "panels": [
            { "type": "row", "title": "Open row", "collapsed": false, "gridPos": { "y": 0, "x": 0 } },
            { "type": "timeseries", "title": "Three", "gridPos": { "y": 1, "x": 0 }, "description": "What it shows.",
              "transformations": [{ "id": "merge" }],
              "targets": [
                { "refId": "A", "expr": "a", "legendFormat": "__auto" },
                { "refId": "B", "expr": "b", "legendFormat": "" },
                { "refId": "C", "expr": "c", "legendFormat": "{{x}} c", "hide": true },
                { "refId": "D", "datasource": { "type": "loki", "uid": "l" }, "expr": "{job=\"x\"}" }
              ] },
            { "type": "text", "title": "Notes", "gridPos": { "y": 2, "x": 0 }, "options": { "mode": "markdown", "content": "# Hello\n\n*world*" } },
            { "type": "row", "title": "Closed row", "collapsed": true, "gridPos": { "y": 3, "x": 0 }, "panels": [
                { "type": "timeseries", "title": "Inside", "targets": [{ "expr": "inside" }] }
            ] },
            { "type": "news", "title": "Plugin", "gridPos": { "y": 4, "x": 0 } }
        ]});
        let c = convert_value(&d);
        let all = cells(&c);
        let three: Vec<(&str, Option<&str>)> = all[0].queries().collect();
        assert_eq!(three, [("a", None), ("b", None), ("c", Some("{{x}} c"))]);
        assert_eq!(all[1].query, "inside");
        let text = c.notebook.to_markdown();
        for needle in
            ["## Open row", "What it shows.", "# Hello\n\n*world*", "## Closed row", "```promql+\nb\n```"]
        {
            assert!(text.contains(needle), "{needle}: {text}");
        }
        let said: Vec<String> = c.dropped.iter().map(|d| format!("{:?}: {}", d.panel, d.what)).collect();
        for needle in
            ["transformations", "query D, which asks a loki datasource", "query C is hidden", "Plugin"]
        {
            assert!(said.iter().any(|s| s.contains(needle)), "{needle}: {said:?}");
        }
        // Beside the panel, too.
        assert!(text.contains("> Not carried over from the panel *Three*"), "{text}");
    }

    #[test]
    fn variables_keep_their_kind_choices_and_all() {
        let d = json!({ "title": "T", "panels": [], "templating": { "list": [
            { "type": "datasource", "name": "ds", "query": "prometheus" },
            { "type": "query", "name": "job", "query": "label_values(up, job)", "multi": true, "includeAll": true, "allValue": null,
              "current": { "value": ["$__all"] }, "regex": "/node.*/" },
            { "type": "query", "name": "node", "query": { "query": "label_values(up{job=~\"$job\"}, instance)", "refId": "A" },
              "current": { "value": "a:9100" } },
            { "type": "query", "name": "metric", "query": { "qryType": 2, "metric": "node_.*" }, "includeAll": true, "allValue": ".*" },
            { "type": "query", "name": "top", "query": "query_result(topk(3, up))", "includeAll": true, "allValue": ".+" },
            { "type": "custom", "name": "show", "query": "Show : 1,Hide : 0", "current": { "value": "1" } },
            { "type": "interval", "name": "every", "query": "1m,10m,1h", "auto": true },
            { "type": "constant", "name": "cluster", "query": "north" },
            { "type": "textbox", "name": "filter", "query": "x", "current": { "value": "typed" } },
            { "type": "adhoc", "name": "filters" },
            { "type": "query", "name": "series", "query": "up{job=\"x\"}", "current": { "value": "up" } },
            { "type": "query", "name": "bad name" }
        ]}});
        let c = convert_value(&d);
        let v = &c.notebook.front.variables;
        let names: Vec<&str> = v.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["job", "node", "metric", "top", "show", "every", "cluster", "filter", "series"]);
        assert_eq!(
            (v[0].all_value.clone(), v[0].default.clone(), v[0].regex.as_deref()),
            (AllValue::Listed, Some(Selection::All), Some("/node.*/"))
        );
        assert!(
            v[1].source
                == Source::Query(VarQuery::parse(r#"label_values(up{job=~"$job"}, instance)"#).unwrap())
        );
        assert_eq!(v[1].default, Some(Selection::Values(vec!["a:9100".into()])));
        assert_eq!(
            (v[2].source.clone(), v[2].all_value.clone()),
            (Source::Query(VarQuery::Metrics("node_.*".into())), AllValue::Any)
        );
        assert_eq!(v[3].all_value, AllValue::Raw(".+".into()));
        assert_eq!(v[4].source, Source::Values(vec!["1".into(), "0".into()]));
        assert_eq!(v[5].source, Source::Values(vec!["1m".into(), "10m".into(), "1h".into()]));
        assert_eq!(v[6].source, Source::Constant("north".into()));
        assert_eq!(v[7].source, Source::Text("typed".into()));
        assert_eq!(v[8].source, Source::Text("up".into()), "a series query is a text box of its value");
        let said: Vec<&str> = c.dropped.iter().map(|d| d.what.as_str()).collect();
        for needle in [
            "datasource variable $ds",
            "ad hoc filters $filters",
            "auto option of $every",
            "the query of $series",
            "not a variable name",
        ] {
            assert!(said.iter().any(|s| s.contains(needle)), "{needle}: {said:?}");
        }
        let back = notebook::parse(&c.notebook.to_markdown()).unwrap();
        assert_eq!(back, c.notebook);
    }

    #[test]
    fn datasources_inputs_and_pins() {
        let d = json!({ "title": "T", "__inputs": [{ "name": "DS_PROMETHEUS", "type": "datasource", "pluginId": "prometheus" }],
            "panels": [
                { "type": "timeseries", "title": "input", "datasource": "${DS_PROMETHEUS}", "targets": [{ "expr": "a" }] },
                { "type": "timeseries", "title": "pinned", "datasource": { "type": "prometheus", "uid": "prom-north" }, "targets": [{ "expr": "b" }] },
                { "type": "timeseries", "title": "foreign", "datasource": { "type": "prometheus", "uid": "somebody-elses" }, "targets": [{ "expr": "c" }] },
                { "type": "timeseries", "title": "by name", "datasource": "cluster-north", "targets": [{ "expr": "d" }] },
                { "type": "timeseries", "title": "mixed", "datasource": { "uid": "-- Mixed --" }, "targets": [
                    { "expr": "e", "datasource": { "type": "prometheus", "uid": "$ds" } },
                    { "expr": "f", "datasource": { "type": "elasticsearch", "uid": "es" } } ] },
                { "type": "timeseries", "title": "loki", "datasource": { "type": "loki", "uid": "l" }, "targets": [{ "expr": "{a=\"b\"}" }] }
            ] });
        let known = Known { datasources: vec![("prom-north".into(), "cluster-north".into())] };
        let c = convert(&d.to_string(), &known).unwrap();
        let pins: Vec<(&str, Option<Vec<String>>)> =
            cells(&c).iter().map(|c| (c.query.as_str(), c.options.datasources.clone())).collect();
        let north = Some(vec!["prom-north".to_owned()]);
        assert_eq!(pins, [("a", None), ("b", north.clone()), ("c", None), ("d", north), ("e", None)]);
        let said: Vec<String> = c.dropped.iter().map(|d| format!("{:?}: {}", d.panel, d.what)).collect();
        assert!(said.iter().any(|s| s.contains("foreign") && s.contains("somebody-elses")), "{said:?}");
        assert!(said.iter().any(|s| s.contains("elasticsearch")), "{said:?}");
        assert!(said.iter().any(|s| s.contains("loki")), "{said:?}");
    }

    #[test]
    fn time_ranges_of_the_dashboard_and_its_panels() {
        let d = json!({ "title": "T", "time": { "from": "now-7d", "to": "now" }, "refresh": "30s", "panels": [
            { "type": "timeseries", "title": "last hour", "timeFrom": "1h", "targets": [{ "expr": "a" }] },
            { "type": "timeseries", "title": "a day ago", "timeShift": "1d", "targets": [{ "expr": "b" }] },
            { "type": "timeseries", "title": "both", "timeFrom": "now-2h", "timeShift": "1w", "targets": [{ "expr": "c" }] },
            { "type": "timeseries", "title": "daily", "interval": "1d", "targets": [{ "expr": "d" }] },
            { "type": "timeseries", "title": "bad", "timeFrom": "fortnight", "targets": [{ "expr": "e" }] }
        ]});
        let c = convert_value(&d);
        assert_eq!((c.notebook.front.from.as_str(), c.notebook.front.to.as_str()), ("now-7d", "now"));
        let ranges: Vec<(Option<&str>, Option<&str>, Option<&str>)> = cells(&c)
            .iter()
            .map(|c| (c.options.from.as_deref(), c.options.to.as_deref(), c.options.step.as_deref()))
            .collect();
        assert_eq!(
            ranges,
            [
                (Some("now-1h"), None, None),
                (Some("now-7d-1d"), Some("now-1d"), None),
                (Some("now-1w-2h"), Some("now-1w"), None),
                (None, None, Some("1d")),
                (None, None, None)
            ]
        );
        let said: Vec<&str> = c.dropped.iter().map(|d| d.what.as_str()).collect();
        assert!(said.iter().any(|s| s.contains("refresh every 30s")));
        assert!(said.iter().any(|s| s.contains("fortnight")));
        // Every range reads.
        let nb = notebook::parse(&c.notebook.to_markdown()).unwrap();
        let now = 1_795_399_726_500;
        let bindings = crate::run::regex_bindings(&Default::default());
        for cell in nb.cells() {
            let prepared = crate::run::prepare_cell(
                cell,
                ("now-7d", "now"),
                &bindings,
                now,
                &jiff::tz::TimeZone::UTC,
                &[],
            );
            assert!(prepared.is_ok(), "{:?}: {prepared:?}", cell.options.title);
        }
    }

    #[test]
    fn old_dashboards_with_rows_and_bracket_variables() {
        let d = json!({ "title": "Old", "schemaVersion": 14, "rows": [
            { "title": "CPU", "showTitle": true, "panels": [
                { "type": "graph", "title": "cpu", "targets": [{ "expr": "rate(node_cpu{instance=~\"[[node]]\"}[5m])", "legendFormat": "{{mode}}" }] },
                { "type": "singlestat", "title": "up", "targets": [{ "expr": "up{instance=\"[[node]]\"}" }], "format": "percent" } ] },
            { "title": "Dashboard Row", "panels": [ { "type": "graph", "title": "mem", "targets": [{ "expr": "node_memory_MemFree" }] } ] }
        ], "templating": { "list": [ { "type": "query", "name": "node", "query": "label_values(node_boot_time, instance)" } ] } });
        let c = convert_value(&d);
        let all = cells(&c);
        assert_eq!(all.len(), 3);
        assert_eq!((all[1].options.chart, all[1].options.unit), (ChartKind::Stat, Unit::Percent));
        let text = c.notebook.to_markdown();
        assert!(text.contains("## CPU") && !text.contains("## Dashboard Row"), "{text}");
        let one = Selection::Values(vec!["10.0.0.1:9100".into()]);
        let bindings: vars::Bindings = [(
            "node".to_owned(),
            vars::Binding::Variable { selection: one, regex: false, all: AllValue::Any, listed: Vec::new() },
        )]
        .into_iter()
        .collect();
        assert_eq!(vars::substitute(&all[1].query, &bindings), "up{instance=\"10.0.0.1:9100\"}");
    }

    #[test]
    fn hostile_dashboards_are_clear_errors_or_inert_text() {
        let refused = |text: &str| convert(text, &Known::default()).unwrap_err().0;
        assert!(refused("not json").contains("not a Grafana dashboard"));
        assert!(refused("[1, 2]").contains("object"));
        assert!(refused("{\"hello\": 1}").contains("no panels"));
        let deep = format!("{{\"panels\": {}{}}}", "[".repeat(5000), "]".repeat(5000));
        assert!(refused(&deep).contains("not a Grafana dashboard"));
        let huge = format!("{{\"panels\": [], \"title\": \"{}\"}}", "x".repeat(MAX_DASHBOARD_BYTES));
        assert!(refused(&huge).contains("MB"));
        let many: Vec<Value> = (0..=MAX_PANELS).map(|_| json!({ "type": "timeseries" })).collect();
        assert!(refused(&json!({ "panels": many }).to_string()).contains("more than"));
        // Wrong types are skipped, not trusted.
        let odd = json!({ "title": 7, "panels": [ "x", 5, { "type": 3, "title": ["t"], "targets": 5 },
            { "type": "timeseries", "targets": [ 1, { "expr": 2 }, { "expr": "up", "legendFormat": 9 } ] } ],
            "templating": { "list": [ 1, { "name": "v", "type": "custom", "query": 5 } ] }, "time": { "from": 1 } });
        let c = convert_value(&odd);
        assert_eq!(c.notebook.front.title, "Grafana dashboard");
        assert_eq!(cells(&c).len(), 1);
        // Markup in titles and text stays text: escaped in prose, inert in the page's Markdown.
        let script = "<script>alert(1)</script><img src=x onerror=alert(2)>";
        let d = json!({ "title": script, "panels": [
            { "type": "row", "title": script },
            { "type": "text", "options": { "mode": "html", "content": script } },
            { "type": "timeseries", "title": script, "description": script, "targets": [{ "expr": "up", "legendFormat": script }] } ] });
        let c = convert_value(&d);
        let text = c.notebook.to_markdown();
        let back = notebook::parse(&text).unwrap();
        assert_eq!(back.cells().next().unwrap().options.title.as_deref(), Some(script), "a title is text");
        // The page's prose has no node kind for HTML: what shows is the text itself.
        let shown: String = back
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Prose(p) => Some(crate::markdown::plain_text(&crate::markdown::render(p))),
                Block::Cell(_) => None,
            })
            .collect();
        assert!(shown.contains(script), "{shown}");
        assert!(c.dropped.iter().any(|d| d.what.contains("HTML")));
    }
}
