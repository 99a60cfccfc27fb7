//! The conversion itself: the dashboard's panels, old and new rows, text panels and
//! targets walked in order into cells and prose, each title unique, each target a query.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::panels::*;
use super::read::*;
use super::text::inert;
use super::variables::variables;
use crate::report::annotations::{Annotation, When};
use crate::report::format::{self, Block, Cell, Query, Report, MAX_QUERIES};
use crate::report::front::FrontMatter;
use crate::report::options::{CellOptions, ChartKind};

/// Converts a dashboard's JSON text: the dashboard itself, or the `{ "dashboard": …,
/// "meta": … }` that Grafana's API answers.
pub fn convert(json: &str, known: &Known) -> Result<Conversion, DashboardError> {
    // Some editors save JSON with a UTF-8 byte-order mark, which JSON does not allow.
    let json = json.strip_prefix('\u{feff}').unwrap_or(json);
    if json.len() > MAX_DASHBOARD_BYTES {
        return Err(fail(format!(
            "the dashboard is {} MB; the most promnote reads is {} MB",
            json.len() / (1024 * 1024),
            MAX_DASHBOARD_BYTES / (1024 * 1024)
        )));
    }
    // A Grafana Notebook's Markdown export: the dashboard it describes.
    if !json.trim_start().starts_with(['{', '[']) {
        if let Some(Value::Object(notebook)) = super::notebook::as_dashboard(json) {
            let mut converter = Converter::new(&notebook, known);
            converter.source = "notebook";
            return converter.run();
        }
    }
    let value: Value = serde_json::from_str(json).map_err(|e| {
        fail(format!("this is not a Grafana dashboard's JSON (nor a Grafana Notebook's Markdown export, which holds its panels as ```json blocks): {e}. Export the dashboard from Grafana (Share → Export → Save to file) and open that file."))
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
    /// Datasource variables and `__inputs` (`DS_PROMETHEUS`) by name, with the plugin type
    /// each picks when the dashboard says: a panel using a Prometheus one (or one of no
    /// known type) asks every Prometheus datasource; one using another type is listed.
    datasource_names: BTreeMap<String, Option<String>>,
    blocks: Vec<Block>,
    dropped: Vec<Dropped>,
    panels: usize,
    titles: BTreeSet<String>,
    /// The variables a cell can repeat over (several values, or All).
    repeatable: BTreeSet<String>,
    /// Every variable the report has.
    converted: BTreeSet<String>,
    /// The variable the row being converted repeats over, if it does.
    row_repeat: Option<String>,
    /// What the report was converted from, as its first line names it: `dashboard`, or
    /// `notebook` for a Grafana Notebook's export.
    source: &'static str,
}

impl<'a> Converter<'a> {
    fn new(dashboard: &'a Map<String, Value>, known: &'a Known) -> Self {
        let mut datasource_names = BTreeMap::new();
        for input in objects(dashboard, "__inputs") {
            if text(input, "type") == Some("datasource") {
                if let Some(name) = text(input, "name") {
                    datasource_names.insert(name.to_owned(), text(input, "pluginId").map(str::to_owned));
                }
            }
        }
        if let Some(templating) = dashboard.get("templating").and_then(Value::as_object) {
            for v in objects(templating, "list") {
                if text(v, "type") == Some("datasource") {
                    if let Some(name) = text(v, "name") {
                        let plugin = text(v, "query").map(str::trim).filter(|q| !q.is_empty());
                        datasource_names.insert(name.to_owned(), plugin.map(str::to_owned));
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
            repeatable: BTreeSet::new(),
            converted: BTreeSet::new(),
            row_repeat: None,
            source: "dashboard",
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
                crate::time::parse::parse_time(
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
        front.variables = variables(self.dashboard, &mut self.dropped);
        self.repeatable =
            front.variables.iter().filter(|v| v.multi || v.include_all).map(|v| v.name.clone()).collect();
        self.converted = front.variables.iter().map(|v| v.name.clone()).collect();
        if self.dashboard.get("links").and_then(Value::as_array).is_some_and(|l| !l.is_empty()) {
            self.drop(None, "the dashboard's links");
        }
        front.annotations = self.annotations();
        if self.dashboard.contains_key("rows") && !self.dashboard.contains_key("panels") {
            self.old_rows()?;
        } else {
            let panels: Vec<&Map<String, Value>> = objects(self.dashboard, "panels").collect();
            self.panel_list(panels, 0)?;
        }
        let mut blocks = Vec::new();
        let mut intro = format!(
            "Converted from the Grafana {} *{}* by promnote: each panel with Prometheus queries is a cell below.",
            self.source,
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
        let report = Report { front, blocks };
        let size = report.to_markdown().len();
        if size > format::MAX_SOURCE_BYTES {
            return Err(fail(format!(
                "the converted report would be {} KB; the most a report holds is {} KB. Export a smaller dashboard, or split it.",
                size / 1024,
                format::MAX_SOURCE_BYTES / 1024
            )));
        }
        Ok(Conversion { report, dropped: self.dropped })
    }

    /// Current dashboards: panels in grid order; a row is a heading, and the panels of a
    /// collapsed row are inside it.
    fn panel_list(
        &mut self,
        mut panels: Vec<&Map<String, Value>>,
        depth: usize,
    ) -> Result<(), DashboardError> {
        // Grafana's panel model fills a missing position (or part of one) with its
        // default, the top left corner: such a panel comes first, not last.
        let position = |p: &Map<String, Value>| {
            let grid = p.get("gridPos").and_then(Value::as_object);
            let at = |k: &str| grid.and_then(|g| g.get(k)).and_then(Value::as_i64).unwrap_or(0);
            (at("y"), at("x"))
        };
        panels.sort_by_key(|p| position(p));
        for panel in panels {
            if text(panel, "type") == Some("row") {
                let title = text(panel, "title").map(one_line).unwrap_or_else(|| "Row".into());
                self.blocks.push(Block::Prose(format!("## {}", escape_markdown(&title))));
                if depth == 0 {
                    // A repeated row: each of its panels repeats over the row's variable.
                    self.row_repeat = text(panel, "repeat").map(str::to_owned);
                    let inner: Vec<&Map<String, Value>> = objects(panel, "panels").collect();
                    let converted = self.panel_list(inner, depth + 1);
                    self.row_repeat = None;
                    converted?;
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
            self.row_repeat = text(row, "repeat").map(str::to_owned);
            let panels: Vec<&Map<String, Value>> = objects(row, "panels").collect();
            for panel in panels {
                self.panel(panel)?;
            }
            self.row_repeat = None;
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
        let Some(panel) = self.resolve_library(panel) else { return Ok(()) };
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
                self.blocks.push(Block::Prose(format!("{heading}{}", inert(content))));
            }
            return Ok(());
        }
        let mut notes: Vec<String> = Vec::new();
        let (queries, datasource) = self.targets(panel, &mut notes);
        if let Some(description) = text(panel, "description") {
            self.blocks.push(Block::Prose(inert(description)));
        }
        let mut options = drawing(panel, kind, &mut notes);
        options.title = Some(title.clone());
        options.datasources = datasource;
        if let Some(step) = step_of(panel) {
            options.step = Some(step);
        }
        self.panel_range(panel, &mut options, &title);
        let ref_ids: Vec<&str> = queries.iter().map(|(id, _)| id.as_str()).collect();
        let instant = !queries.is_empty() && queries.iter().all(|(_, q)| q.instant);
        transformations(panel, &ref_ids, instant, &mut options, &mut notes);
        if options.chart == ChartKind::Table
            && objects(panel, "targets").any(|t| text(t, "format") == Some("table") && !is_instant(t))
        {
            notes.push(
                "the table format of a range query (a row per time and series): shown with times down and series across"
                    .to_owned(),
            );
        }
        bucket_notes(panel, options.chart, &ref_ids, &mut notes);
        notes.extend(unsupported(panel));
        let repeat = self.repeat_of(panel, &mut notes);
        for note in &notes {
            self.drop(Some(&title), note.clone());
        }
        let queries: Vec<Query> = queries.into_iter().map(|(_, q)| q).collect();
        let Some((first, rest)) = queries.split_first() else {
            if notes.is_empty() {
                self.drop(Some(&title), format!("the panel (type {kind}) has no Prometheus query"));
                notes.push(format!("the panel (type {kind}) has no Prometheus query"));
            }
            self.blocks.push(Block::Prose(note_text(&title, &notes)));
            return Ok(());
        };
        options.legend = first.legend.clone();
        options.instant = first.instant;
        options.repeat = repeat;
        if !notes.is_empty() {
            self.blocks.push(Block::Prose(note_text(&title, &notes)));
        }
        self.blocks.push(Block::Cell(Cell { query: first.query.clone(), options, also: rest.to_vec() }));
        Ok(())
    }

    /// The panel itself, or a library panel's model from the export's `__elements`; `None`
    /// (said beside it) when that model lives only in Grafana.
    /// The dashboard's annotations: a Prometheus query (`expr`, `titleFormat`,
    /// `textFormat`, `step`) becomes a query annotation; Grafana's own annotations by tags
    /// become `grafana: true`; the others (the built-in "this dashboard's annotations",
    /// other datasources, disabled ones) are listed as not carried over.
    fn annotations(&mut self) -> Vec<Annotation> {
        let Some(list) = self.dashboard.get("annotations").and_then(Value::as_object) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for an in objects(list, "list") {
            let name = text(an, "name").map(one_line).unwrap_or_else(|| "an annotation".into());
            let built_in = boolean(an, "builtIn") || an.get("builtIn").and_then(Value::as_i64) == Some(1);
            let enabled = an.get("enable").and_then(Value::as_bool).unwrap_or(true);
            let kind = self.datasource_kind(an.get("datasource"));
            let target = an.get("target").and_then(Value::as_object);
            let tags: Vec<String> = target
                .into_iter()
                .chain(Some(an))
                .flat_map(|o| o.get("tags").and_then(Value::as_array).into_iter().flatten())
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect();
            let by_tags =
                target.and_then(|t| text(t, "type")) == Some("tags") || text(an, "type") == Some("tags");
            if !enabled {
                self.drop(None, format!("the annotation {name:?}, turned off in the dashboard"));
            } else if built_in && !by_tags {
                // Grafana's default "Annotations & Alerts": this dashboard's own notes.
                if !tags.is_empty() || text(an, "name") != Some("Annotations & Alerts") {
                    self.drop(None, format!("the annotation {name:?}: this dashboard's own annotations"));
                }
            } else if by_tags && !tags.is_empty() {
                let when = When::Grafana { tags };
                out.push(Annotation { when, text: String::new(), mask: None });
            } else if let (DsKind::Any | DsKind::Pinned(_), Some(expr)) =
                (kind, text(an, "expr").filter(|e| !e.trim().is_empty()))
            {
                let title = text(an, "titleFormat").filter(|t| !t.is_empty()).map(str::to_owned);
                let text_format = text(an, "textFormat").unwrap_or_default().to_owned();
                let title = title.or_else(|| text_format.is_empty().then(|| name.clone()));
                let step =
                    text(an, "step").filter(|s| crate::time::step::parse_step(s).is_ok()).map(str::to_owned);
                let when = When::Query { query: expr.to_owned(), title, step };
                out.push(Annotation { when, text: text_format, mask: None });
            } else {
                self.drop(None, format!("the annotation {name:?} (not a Prometheus query or Grafana tags)"));
            }
        }
        out
    }

    /// Grafana's repeat (the panel's own, or its row's) as `repeat=`: over a variable of
    /// one value it is the panel itself; over one promnote does not have (a datasource
    /// variable), one cell shows every value, which `notes` says.
    fn repeat_of(&self, panel: &Map<String, Value>, notes: &mut Vec<String>) -> Option<String> {
        let var = text(panel, "repeat").map(str::to_owned).or_else(|| self.row_repeat.clone())?;
        if self.repeatable.contains(&var) {
            return Some(var);
        }
        if !self.converted.contains(&var) {
            notes.push(format!("the repeat for each value of ${var}: one cell shows every value"));
        }
        None
    }

    fn resolve_library<'p>(&mut self, panel: &'p Map<String, Value>) -> Option<&'p Map<String, Value>>
    where
        'a: 'p,
    {
        let Some(library) = panel.get("libraryPanel").and_then(Value::as_object) else { return Some(panel) };
        if let Some(model) = self.library_model(library) {
            return Some(model);
        }
        let name = text(library, "name")
            .or_else(|| text(panel, "title"))
            .map_or_else(|| text(library, "uid").map(one_line).unwrap_or_else(|| "Panel".into()), one_line);
        let title = self.unique_title(name.clone());
        let note = format!("library panel {name}: its query lives in Grafana, not in this file (export the dashboard for sharing externally to include it)");
        self.drop(Some(&title), note.clone());
        self.blocks.push(Block::Prose(note_text(&title, &[note])));
        None
    }

    /// A library panel's model, as an export for sharing externally carries it in
    /// `__elements` (never one that is itself a library reference).
    fn library_model(&self, library: &Map<String, Value>) -> Option<&'a Map<String, Value>> {
        let uid = text(library, "uid")?;
        let model = self.dashboard.get("__elements")?.get(uid)?.get("model")?.as_object()?;
        (!model.contains_key("libraryPanel")).then_some(model)
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
    ) -> (Vec<(String, Query)>, Option<Vec<String>>) {
        let panel_ds = panel.get("datasource");
        let mut queries = Vec::new();
        let mut pinned: BTreeSet<String> = BTreeSet::new();
        let mut unknown_pin = None;
        for (i, target) in objects(panel, "targets").enumerate() {
            let letter = text(target, "refId")
                .map(str::to_owned)
                .unwrap_or_else(|| format::query_letter(i).to_string());
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
            if instant_and_range(target) {
                notes.push(format!(
                    "query {letter} runs both as a range and as an instant query in Grafana; promnote runs the range query"
                ));
            }
            if boolean(target, "hide") {
                notes.push(format!("query {letter} is hidden in Grafana; promnote draws it"));
            }
            let legend = text(target, "legendFormat").filter(|l| *l != "__auto").map(one_line);
            let instant = is_instant(target);
            let query = expr.replace("\r\n", "\n").trim().to_owned();
            queries.push((letter, Query { query, legend, instant }));
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

    /// What a `$name` or `${name}` datasource reference picks: another plugin type than
    /// Prometheus when its variable or input says so, else every Prometheus datasource.
    fn variable_kind(&self, reference: &str) -> DsKind {
        let name = reference.trim_start_matches('$').trim_start_matches('{').trim_end_matches('}');
        let name = name.split(':').next().unwrap_or(name);
        match self.datasource_names.get(name) {
            Some(Some(plugin)) if !is_prometheus_type(plugin) => DsKind::Other(plugin.clone()),
            _ => DsKind::Any,
        }
    }

    fn datasource_kind(&self, ds: Option<&Value>) -> DsKind {
        match ds {
            None | Some(Value::Null) => DsKind::Any,
            Some(Value::String(s)) if s.is_empty() || s == "default" || s == "-- Grafana --" => DsKind::Any,
            Some(Value::String(s)) if s.starts_with('$') => self.variable_kind(s),
            Some(Value::String(s)) => DsKind::Pinned(s.clone()),
            Some(Value::Object(o)) => {
                let kind = text(o, "type");
                let uid = text(o, "uid");
                match kind {
                    Some(k) if !is_prometheus_type(k) && k != "datasource" => DsKind::Other(k.to_owned()),
                    _ => match uid {
                        None => DsKind::Any,
                        Some(u) if u.starts_with('$') => self.variable_kind(u),
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
        let valid = |d: &str| crate::time::step::parse_duration(d).is_ok();
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
}
