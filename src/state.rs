//! The open report as signals: its front matter, its prose and cells (each cell with
//! its own run state), the time range and variable values. Also the built-in reports
//! (compiled in from `reports/`) and keeping edits in the browser: every change is saved
//! to localStorage under the report's id, never with the token.

use std::collections::BTreeMap;

use leptos::prelude::*;
use promnote_core::data::plan::CellPlan;
use promnote_core::data::series::Arrival;
use promnote_core::data::timeline::Mark;
use promnote_core::report::format::{self, Cell, Query, Report};
use promnote_core::report::inline::ValueSpan;
use promnote_core::report::references::uses;
use promnote_core::report::variables::Selection;
use promnote_core::report::{CellOptions, FrontMatter};
use promnote_core::run::cell::Phase;
use promnote_core::run::variables::initial_selection;
use serde::{Deserialize, Serialize};
use web_sys::AbortController;

/// A report shipped with the site.
pub struct BuiltIn {
    /// Its id, used in `#/<id>` links and as its storage key.
    pub id: &'static str,
    /// Its Markdown.
    pub source: &'static str,
}

/// The gallery, in order: the flagship first.
pub const BUILT_IN: [BuiltIn; 4] = [
    BuiltIn { id: "hub-activity", source: include_str!("../reports/hub-activity.md") },
    BuiltIn { id: "jupyterhub-usage", source: include_str!("../reports/jupyterhub-usage.md") },
    BuiltIn { id: "service-metrics", source: include_str!("../reports/service-metrics.md") },
    BuiltIn { id: "community-usage", source: include_str!("../reports/community-usage.md") },
];

/// The id of the report a user wrote, opened from a file, or received in a link.
pub const MINE: &str = "my-report";

/// The built-in report with this id.
pub fn built_in(id: &str) -> Option<&'static BuiltIn> {
    BUILT_IN.iter().find(|b| b.id == id)
}

/// One cell's run: what it asked and what came back, per datasource.
#[derive(Clone, Copy)]
pub struct CellRun {
    /// The plan of the latest run.
    pub plan: RwSignal<Option<CellPlan>>,
    /// The query as sent (variables substituted).
    pub sent: RwSignal<String>,
    /// What each datasource contributed, in arrival order.
    pub arrived: RwSignal<Vec<Arrival>>,
    /// Per-datasource failures (each message names the datasource).
    pub failures: RwSignal<Vec<String>>,
    /// Where the run is: idle, the cell's own problem, running, cancelled, finished.
    pub phase: RwSignal<Phase>,
    /// Bumped for every run, so a draw knows it belongs to the latest.
    pub generation: RwSignal<u32>,
    /// The generation whose run has finished and whose chart is on screen.
    pub settled: RwSignal<u32>,
    /// The run's abort controller.
    pub abort: StoredValue<Option<AbortController>, LocalStorage>,
}

impl CellRun {
    fn new() -> Self {
        Self {
            plan: RwSignal::new(None),
            sent: RwSignal::new(String::new()),
            arrived: RwSignal::new(Vec::new()),
            failures: RwSignal::new(Vec::new()),
            phase: RwSignal::new(Phase::Idle),
            generation: RwSignal::new(0),
            settled: RwSignal::new(0),
            abort: StoredValue::new_local(None),
        }
    }

    /// Aborts the run in flight, if any (it then shows as cancelled).
    pub fn cancel(&self) {
        if let Some(c) = self.abort.get_value() {
            c.abort();
        }
        if self.phase.with_untracked(|p| *p == Phase::Running) {
            self.phase.set(Phase::Cancelled);
        }
    }

    /// The one way back to the start: aborts the run in flight, forgets its plan and
    /// everything it found (a new run, or a new connection, never shows the old one's
    /// data), starts a new generation, and sets `phase`.
    pub fn reset(&self, phase: Phase) {
        if let Some(c) = self.abort.get_value() {
            c.abort();
        }
        self.generation.update(|g| *g += 1);
        self.plan.set(None);
        self.arrived.set(Vec::new());
        self.failures.set(Vec::new());
        self.phase.set(phase);
    }

    /// Whether requests are in flight (tracked).
    pub fn running(&self) -> bool {
        self.phase.with(|p| *p == Phase::Running)
    }
}

/// A value in prose (`` `{promql} EXPR` ``) as the page shows it.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueShown {
    /// Its queries are in flight.
    Loading,
    /// Worked out.
    Shown {
        /// The number.
        number: f64,
        /// The number, written with its unit.
        text: String,
        /// The PromQL as sent.
        query: String,
        /// When it was evaluated (ms since the epoch).
        at_ms: i64,
        /// How many series it combines.
        series: usize,
    },
    /// Why there is no value.
    Failed(String),
}

/// The values in the open report's prose, by their span's code: what each shows, and
/// the run in flight for each (a newer run aborts it, and an older one's answer is
/// never shown).
#[derive(Clone, Copy)]
pub struct Values {
    /// What each value shows; a span not in the map has not been run (not connected).
    pub shown: RwSignal<BTreeMap<String, ValueShown>>,
    runs: StoredValue<BTreeMap<String, (u32, Option<AbortController>)>, LocalStorage>,
}

impl Values {
    fn new() -> Self {
        Self { shown: RwSignal::new(BTreeMap::new()), runs: StoredValue::new_local(BTreeMap::new()) }
    }

    /// Starts a run of the value `code`: aborts the one in flight and returns the new
    /// run's number, which [`Values::show`] needs.
    pub fn start(&self, code: &str, controller: Option<AbortController>) -> u32 {
        let mut run = 0;
        self.runs.update_value(|runs| {
            let entry = runs.entry(code.to_owned()).or_insert((0, None));
            if let Some(previous) = entry.1.take() {
                previous.abort();
            }
            entry.0 += 1;
            entry.1 = controller;
            run = entry.0;
        });
        run
    }

    /// Shows what run `run` of `code` found, unless a newer run started since.
    pub fn show(&self, code: &str, run: u32, shown: ValueShown) {
        let current = self.runs.with_value(|runs| runs.get(code).map(|r| r.0)) == Some(run);
        if current {
            if !matches!(shown, ValueShown::Loading) {
                self.runs.update_value(|runs| {
                    if let Some(entry) = runs.get_mut(code) {
                        entry.1 = None;
                    }
                });
            }
            self.shown.update(|m| {
                m.insert(code.to_owned(), shown);
            });
        }
    }

    /// Aborts every run and forgets every value (another report, another connection).
    pub fn clear(&self) {
        self.runs.update_value(|runs| {
            for (run, controller) in runs.values_mut() {
                *run += 1;
                if let Some(c) = controller.take() {
                    c.abort();
                }
            }
        });
        if self.shown.with_untracked(|m| !m.is_empty()) {
            self.shown.set(BTreeMap::new());
        }
    }

    /// Aborts every run in flight; a value that was loading says it was cancelled.
    pub fn cancel(&self) {
        let mut cancelled = Vec::new();
        self.runs.update_value(|runs| {
            for (code, (run, controller)) in runs.iter_mut() {
                if let Some(c) = controller.take() {
                    c.abort();
                    *run += 1;
                    cancelled.push(code.clone());
                }
            }
        });
        if !cancelled.is_empty() {
            self.shown.update(|m| {
                for code in cancelled {
                    if m.get(&code) == Some(&ValueShown::Loading) {
                        m.insert(code, ValueShown::Failed("cancelled: run the report again".into()));
                    }
                }
            });
        }
    }

    /// Whether any value is loading (tracked).
    pub fn loading(&self) -> bool {
        self.shown.with(|m| m.values().any(|v| *v == ValueShown::Loading))
    }
}

/// A cell of the open report.
#[derive(Clone, Copy)]
pub struct CellState {
    /// Stable key for the view.
    pub key: u32,
    /// The PromQL as typed.
    pub query: RwSignal<String>,
    /// The options in effect.
    pub options: RwSignal<CellOptions>,
    /// The cell's further queries (B, C, …), each with its legend.
    pub also: RwSignal<Vec<Query>>,
    /// The options as typed (`key=value …`).
    pub options_text: RwSignal<String>,
    /// Why the typed options were refused.
    pub options_error: RwSignal<Option<String>>,
    /// Whether the editor is open.
    pub editing: RwSignal<bool>,
    /// The run (of a cell that does not repeat; a repeated one's plan, query and problems
    /// with the cell itself).
    pub run: CellRun,
    /// A repeated cell's runs (`repeat=`), one per value of its variable, in order.
    pub repeats: RwSignal<Vec<Repeat>>,
    /// Why a repeated cell draws fewer repeats than its variable has values.
    pub repeat_note: RwSignal<Option<String>>,
}

/// One repeat of a repeated cell: the variable's value and its own run.
#[derive(Clone, Copy)]
pub struct Repeat {
    /// Stable key for the view.
    pub key: u32,
    /// The value, kept in the report's owner like the cell's signals.
    pub value: StoredValue<String>,
    /// Its run.
    pub run: CellRun,
    /// What its run shows (`drawn`, `loading`, …), for the cell's own state.
    pub shown: RwSignal<&'static str>,
}

impl CellState {
    /// Whether the cell is a repeated one (`repeat=`; tracked).
    pub fn repeating(&self) -> bool {
        self.options.with(|o| o.repeat.is_some())
    }

    /// Whether requests of its run, or of a repeat's, are in flight (tracked).
    pub fn running(&self) -> bool {
        self.run.running() || self.repeats.with(|r| r.iter().any(|r| r.run.running()))
    }

    /// Aborts its runs in flight.
    pub fn cancel(&self) {
        self.run.cancel();
        self.repeats.with_untracked(|r| r.iter().for_each(|r| r.run.cancel()));
    }

    /// Forgets what it found, its repeats too (another connection).
    pub fn clear(&self) {
        self.run.reset(Phase::Idle);
        self.repeats.with_untracked(|r| r.iter().for_each(|r| r.run.reset(Phase::Idle)));
        self.repeats.set(Vec::new());
        self.repeat_note.set(None);
    }

    /// Whether its latest run has finished and what it shows is on screen (tracked): its
    /// run's, or every repeat's.
    pub fn settled(&self) -> bool {
        let settled = |run: &CellRun| run.settled.get() == run.generation.get();
        if self.repeating() {
            !self.run.running() && self.repeats.with(|r| r.iter().all(|r| settled(&r.run)))
        } else {
            settled(&self.run)
        }
    }

    /// The cell as written in the report.
    pub fn to_cell(self) -> Cell {
        Cell {
            query: self.query.get_untracked(),
            options: self.options.get_untracked(),
            also: self.also.get_untracked(),
        }
    }

    /// Whether any of the cell's queries uses the variable `name` (untracked).
    pub fn uses(&self, name: &str) -> bool {
        self.query.with_untracked(|q| uses(q, name))
            || self.also.with_untracked(|also| also.iter().any(|q| uses(&q.query, name)))
    }

    /// The title, or a fallback.
    pub fn title(&self) -> String {
        self.options.with(|o| o.title.clone()).unwrap_or_else(|| format::DEFAULT_TITLE.into())
    }
}

/// A piece of the open report.
#[derive(Clone, Copy)]
pub enum ReportBlock {
    /// Markdown prose.
    Prose {
        /// Stable key.
        key: u32,
        /// The Markdown.
        text: RwSignal<String>,
        /// Whether the editor is open.
        editing: RwSignal<bool>,
    },
    /// A query cell.
    Cell(CellState),
}

impl ReportBlock {
    /// Its stable key.
    pub fn key(&self) -> u32 {
        match self {
            ReportBlock::Prose { key, .. } => *key,
            ReportBlock::Cell(c) => c.key,
        }
    }
}

/// What is kept in localStorage for a report.
#[derive(PartialEq, Serialize, Deserialize)]
struct Saved {
    source: String,
    from: String,
    to: String,
}

/// An earlier "My report", kept when a file, a link or a new report replaced it.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    /// Its Markdown.
    pub source: String,
    /// Its range start as typed.
    pub from: String,
    /// Its range end as typed.
    pub to: String,
    /// When it was replaced (ms since the epoch).
    pub kept_at_ms: i64,
}

impl Draft {
    /// Its title, as the gallery lists it.
    pub fn title(&self) -> String {
        draft_title(&self.source)
    }
}

/// How many earlier versions of "My report" are kept (the oldest goes first).
pub const MAX_DRAFTS: usize = 10;

const DRAFTS_KEY: &str = "promnote.drafts";

fn draft_title(source: &str) -> String {
    format::parse(source)
        .map(|r| r.front.title)
        .ok()
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| "My report".into())
}

fn load_drafts() -> Vec<Draft> {
    storage()
        .and_then(|s| s.get_item(DRAFTS_KEY).ok().flatten())
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

fn store_drafts(drafts: &[Draft]) -> Result<(), String> {
    let storage = storage()
        .ok_or("this browser does not let this page store data (private browsing, or storage turned off)")?;
    if drafts.is_empty() {
        return storage.remove_item(DRAFTS_KEY).map_err(|e| js_reason(&e));
    }
    let text = serde_json::to_string(drafts).map_err(|e| e.to_string())?;
    storage.set_item(DRAFTS_KEY, &text).map_err(|e| js_reason(&e))
}

/// The open report.
#[derive(Clone, Copy)]
pub struct OpenReport {
    /// Its id (a built-in's, or [`MINE`]).
    pub id: RwSignal<String>,
    /// Title, description, variables.
    pub front: RwSignal<FrontMatter>,
    /// Prose and cells.
    pub blocks: RwSignal<Vec<ReportBlock>>,
    /// Range start as typed.
    pub from: RwSignal<String>,
    /// Range end as typed.
    pub to: RwSignal<String>,
    /// Variable selections.
    pub vars: RwSignal<BTreeMap<String, Selection>>,
    /// Each variable's values, once loaded.
    pub var_values: RwSignal<BTreeMap<String, Result<Vec<String>, String>>>,
    /// Whether the report differs from the saved original (built-ins).
    pub edited: RwSignal<bool>,
    /// Why the latest edits could not be kept in this browser (`None` once they are).
    pub save_failed: RwSignal<Option<String>>,
    /// Bumped by every "run all", so the page marks `promnote:drawn` once per run.
    pub runs: RwSignal<u32>,
    /// Whether the report is a published snapshot's: its edits are not kept in the
    /// browser (they would stand in for the built-in report of the same id).
    pub snapshot: RwSignal<bool>,
    /// The values in its prose.
    pub values: Values,
    /// The marks its query annotations found in the latest run, and what to say of them
    /// (a query that failed, events past the limit).
    pub query_marks: RwSignal<(Vec<Mark>, Vec<String>)>,
    /// The masking annotations (by text) that matched a series in the latest run.
    pub masked: RwSignal<Vec<String>>,
    /// Earlier versions of "My report" that a file, a link or a new report replaced,
    /// newest first ([`OpenReport::replace_mine`]).
    pub drafts: RwSignal<Vec<Draft>>,
    /// What the latest replacement of "My report" did with the one it replaced.
    pub draft_note: RwSignal<Option<String>>,
    /// The built-in report's own Markdown, as the page writes it (so edits can be told
    /// from the original without parsing it again on every keystroke).
    original: StoredValue<Option<String>>,
    next_key: StoredValue<u32>,
    /// The owner of every block's signals: the page's, not whichever component or
    /// `<Show>` happened to be current when a report was loaded (it may be disposed
    /// while the report lives on).
    owner: StoredValue<Owner>,
}

impl OpenReport {
    /// An empty document.
    pub fn new() -> Self {
        Self {
            id: RwSignal::new(String::new()),
            front: RwSignal::new(FrontMatter::default()),
            blocks: RwSignal::new(Vec::new()),
            from: RwSignal::new(String::new()),
            to: RwSignal::new(String::new()),
            vars: RwSignal::new(BTreeMap::new()),
            var_values: RwSignal::new(BTreeMap::new()),
            edited: RwSignal::new(false),
            save_failed: RwSignal::new(None),
            runs: RwSignal::new(0),
            snapshot: RwSignal::new(false),
            values: Values::new(),
            query_marks: RwSignal::new((Vec::new(), Vec::new())),
            masked: RwSignal::new(Vec::new()),
            drafts: RwSignal::new(load_drafts()),
            draft_note: RwSignal::new(None),
            original: StoredValue::new(None),
            next_key: StoredValue::new(0),
            owner: StoredValue::new(Owner::current().unwrap_or_default()),
        }
    }

    fn key(&self) -> u32 {
        self.next_key.update_value(|k| *k += 1);
        self.next_key.get_value()
    }

    /// A new prose block.
    pub fn prose_block(&self, text: &str, editing: bool) -> ReportBlock {
        let key = self.key();
        self.owner.with_value(|owner| {
            owner.with(|| ReportBlock::Prose {
                key,
                text: RwSignal::new(text.to_owned()),
                editing: RwSignal::new(editing),
            })
        })
    }

    /// A new repeat's run, for `value`, owned by the page like the cell it belongs to.
    pub fn repeat(&self, value: &str) -> Repeat {
        let key = self.key();
        self.owner.with_value(|owner| {
            owner.with(|| Repeat {
                key,
                value: StoredValue::new(value.to_owned()),
                run: CellRun::new(),
                shown: RwSignal::new("idle"),
            })
        })
    }

    /// A new cell.
    pub fn cell_block(&self, cell: Cell, editing: bool) -> ReportBlock {
        let key = self.key();
        let info = cell.options.info_string();
        self.owner.with_value(|owner| {
            owner.with(|| {
                ReportBlock::Cell(CellState {
                    key,
                    query: RwSignal::new(cell.query),
                    options_text: RwSignal::new(
                        info.strip_prefix("promql").unwrap_or_default().trim().to_owned(),
                    ),
                    options: RwSignal::new(cell.options),
                    also: RwSignal::new(cell.also),
                    options_error: RwSignal::new(None),
                    editing: RwSignal::new(editing),
                    run: CellRun::new(),
                    repeats: RwSignal::new(Vec::new()),
                    repeat_note: RwSignal::new(None),
                })
            })
        })
    }

    /// Replaces the open report. `from`/`to` default to the front matter's.
    pub fn load(
        &self,
        id: &str,
        nb: Report,
        range: Option<(String, String)>,
        vars: &BTreeMap<String, Selection>,
    ) {
        self.cancel_all();
        self.values.clear();
        self.query_marks.set((Vec::new(), Vec::new()));
        let blocks: Vec<ReportBlock> = nb
            .blocks
            .into_iter()
            .map(|b| match b {
                format::Block::Prose(text) => self.prose_block(&text, false),
                format::Block::Cell(cell) => self.cell_block(cell, false),
            })
            .collect();
        let (from, to) = range.unwrap_or_else(|| (nb.front.from.clone(), nb.front.to.clone()));
        let mut selections = BTreeMap::new();
        for v in &nb.front.variables {
            selections.insert(v.name.clone(), initial_selection(v, vars.get(&v.name)));
        }
        self.id.set(id.to_owned());
        self.snapshot.set(false);
        self.front.set(nb.front);
        self.from.set(from);
        self.to.set(to);
        self.vars.set(selections);
        self.var_values.set(BTreeMap::new());
        self.blocks.set(blocks);
        self.original.set_value(
            built_in(id).and_then(|b| format::parse(b.source).ok()).map(|original| original.to_markdown()),
        );
        self.edited.set(built_in(id).is_some() && self.differs_from_original(&self.source_untracked()));
    }

    /// Makes `nb` the user's own report and saves it. The "My report" it replaces (the
    /// open one with its latest edits, or the one saved in this browser) is never lost:
    /// unless it is the same report, it is kept as a [`Draft`] to restore.
    pub fn replace_mine(
        &self,
        nb: Report,
        range: Option<(String, String)>,
        vars: &BTreeMap<String, Selection>,
    ) {
        let incoming = Saved {
            source: nb.to_markdown(),
            from: range.as_ref().map_or_else(|| nb.front.from.clone(), |r| r.0.clone()),
            to: range.as_ref().map_or_else(|| nb.front.to.clone(), |r| r.1.clone()),
        };
        let current = if self.id.get_untracked() == MINE && !self.snapshot.get_untracked() {
            Some(Saved {
                source: self.source_untracked(),
                from: self.from.get_untracked(),
                to: self.to.get_untracked(),
            })
        } else {
            load_saved(MINE)
        };
        let note = current.filter(|c| *c != incoming).map(|c| {
            let title = draft_title(&c.source);
            let draft = Draft { source: c.source, from: c.from, to: c.to, kept_at_ms: js_sys::Date::now() as i64 };
            let mut drafts = self.drafts.get_untracked();
            drafts.retain(|d| d.source != draft.source);
            drafts.insert(0, draft);
            drafts.truncate(MAX_DRAFTS);
            let kept = store_drafts(&drafts);
            self.drafts.set(drafts);
            match kept {
                Ok(()) => format!("Your earlier report “{title}” is kept under Earlier versions of My report."),
                Err(reason) => format!(
                    "Your earlier report “{title}” could not be kept in this browser ({reason}): it is under Earlier versions of My report until you leave this page."
                ),
            }
        });
        self.load(MINE, nb, range, vars);
        self.save();
        self.draft_note.set(note);
    }

    /// Takes the draft at `index` out of the list of earlier versions.
    pub fn take_draft(&self, index: usize) -> Option<Draft> {
        let mut drafts = self.drafts.get_untracked();
        (index < drafts.len()).then(|| {
            let draft = drafts.remove(index);
            let _ = store_drafts(&drafts);
            self.drafts.set(drafts);
            draft
        })
    }

    /// Opens a snapshot's report with the range and variable values it was taken with.
    /// Its edits are not saved.
    pub fn load_snapshot(
        &self,
        id: &str,
        nb: Report,
        range: (String, String),
        vars: &BTreeMap<String, Selection>,
    ) {
        self.load(id, nb, Some(range), vars);
        self.snapshot.set(true);
        self.edited.set(false);
    }

    /// Opens a report by id: the saved copy if there is one, else the built-in.
    pub fn open(&self, id: &str) -> Result<(), String> {
        if let Some(saved) = load_saved(id) {
            if let Ok(nb) = format::parse(&saved.source) {
                self.load(id, nb, Some((saved.from, saved.to)), &BTreeMap::new());
                return Ok(());
            }
        }
        let source = match built_in(id) {
            Some(b) => b.source,
            None => return Err(format!("There is no report called `{id}`; pick one from the list.")),
        };
        let nb = format::parse(source).map_err(|e| format!("The built-in report `{id}` is broken ({e})."))?;
        self.load(id, nb, None, &BTreeMap::new());
        Ok(())
    }

    /// Throws away the edits of a built-in report.
    pub fn reset(&self) {
        let id = self.id.get_untracked();
        remove_saved(&id);
        let _ = self.open(&id);
    }

    /// The report as it is now, in the core's form.
    pub fn report_untracked(&self) -> Report {
        let blocks = self
            .blocks
            .get_untracked()
            .iter()
            .map(|b| match b {
                ReportBlock::Prose { text, .. } => format::Block::Prose(text.get_untracked()),
                ReportBlock::Cell(c) => format::Block::Cell(c.to_cell()),
            })
            .collect();
        Report { front: self.front.get_untracked(), blocks }
    }

    /// The report's Markdown.
    pub fn source_untracked(&self) -> String {
        self.report_untracked().to_markdown()
    }

    /// Reads every editable signal (for an effect that saves on change).
    pub fn track(&self) {
        self.front.track();
        self.from.track();
        self.to.track();
        for b in self.blocks.get() {
            match b {
                ReportBlock::Prose { text, .. } => text.track(),
                ReportBlock::Cell(c) => {
                    c.query.track();
                    c.options.track();
                    c.also.track();
                }
            }
        }
    }

    /// Whether the report (as `source`, with its range) is not the built-in original.
    fn differs_from_original(&self, source: &str) -> bool {
        let original = self.original.with_value(|o| o.as_deref() == Some(source));
        let default_range = self.front.with_untracked(|f| {
            self.from.with_untracked(|from| *from == f.from) && self.to.with_untracked(|to| *to == f.to)
        });
        !(original && default_range)
    }

    /// Saves the report in the browser under its id (a built-in one only while it
    /// differs from its original).
    pub fn save(&self) {
        let id = self.id.get_untracked();
        if id.is_empty() || self.snapshot.get_untracked() {
            return;
        }
        let source = self.source_untracked();
        if !self.differs_from_original(&source) {
            remove_saved(&id);
            self.edited.set(false);
            return;
        }
        self.edited.set(built_in(&id).is_some());
        let kept =
            store_saved(&id, &Saved { source, from: self.from.get_untracked(), to: self.to.get_untracked() });
        let failed = kept.err().map(|reason| {
            format!("Your edits could not be kept in this browser ({reason}): they last until you leave this page. Download .md keeps them in a file.")
        });
        if self.save_failed.get_untracked() != failed {
            self.save_failed.set(failed);
        }
    }

    /// The values in the prose as it is now (blocks being edited left out: their text
    /// is half typed), once each, in order.
    pub fn value_spans(&self) -> Vec<(String, Result<ValueSpan, String>)> {
        let texts: Vec<String> = self
            .blocks
            .get_untracked()
            .iter()
            .filter_map(|b| match b {
                ReportBlock::Prose { text, editing, .. } if !editing.get_untracked() => {
                    Some(text.get_untracked())
                }
                _ => None,
            })
            .collect();
        format::values_in(&texts)
    }

    /// The cells, in order.
    pub fn cells(&self) -> Vec<CellState> {
        self.blocks
            .get_untracked()
            .into_iter()
            .filter_map(|b| match b {
                ReportBlock::Cell(c) => Some(c),
                ReportBlock::Prose { .. } => None,
            })
            .collect()
    }

    /// Whether any cell is running (tracked).
    pub fn cells_running(&self) -> bool {
        self.blocks.with(|b| b.iter().any(|b| matches!(b, ReportBlock::Cell(c) if c.running())))
    }

    /// Clears every cell's results (a new connection must never show the old one's data).
    pub fn clear_runs(&self) {
        for c in self.cells() {
            c.clear();
        }
        self.values.clear();
    }

    /// Aborts every cell's and value's run.
    pub fn cancel_all(&self) {
        for c in self.cells() {
            c.cancel();
        }
        self.values.cancel();
    }

    /// Moves the block with `key` by `delta` places.
    pub fn shift(&self, key: u32, delta: isize) {
        self.blocks.update(|blocks| {
            if let Some(i) = blocks.iter().position(|b| b.key() == key) {
                let j = i as isize + delta;
                if (0..blocks.len() as isize).contains(&j) {
                    blocks.swap(i, j as usize);
                }
            }
        });
    }

    /// Removes the block with `key`.
    pub fn remove(&self, key: u32) {
        self.blocks.update(|blocks| {
            if let Some(i) = blocks.iter().position(|b| b.key() == key) {
                if let ReportBlock::Cell(c) = blocks.remove(i) {
                    c.cancel();
                }
            }
        });
    }
}

impl Default for OpenReport {
    fn default() -> Self {
        Self::new()
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn storage_key(id: &str) -> String {
    format!("promnote.report.{id}")
}

fn load_saved(id: &str) -> Option<Saved> {
    let text = storage()?.get_item(&storage_key(id)).ok().flatten()?;
    serde_json::from_str(&text).ok()
}

/// Keeps `saved` under the report's id, or says why this browser would not.
fn store_saved(id: &str, saved: &Saved) -> Result<(), String> {
    let storage = storage()
        .ok_or("this browser does not let this page store data (private browsing, or storage turned off)")?;
    let text = serde_json::to_string(saved).map_err(|e| e.to_string())?;
    storage.set_item(&storage_key(id), &text).map_err(|e| js_reason(&e))
}

/// A JavaScript exception (a `DOMException` such as `QuotaExceededError`) in words.
fn js_reason(error: &wasm_bindgen::JsValue) -> String {
    let field = |name: &str| js_sys::Reflect::get(error, &name.into()).ok().and_then(|v| v.as_string());
    match (field("name"), field("message")) {
        (Some(name), Some(message)) => format!("{name}: {message}"),
        (None, Some(text)) | (Some(text), None) => text,
        (None, None) => error.as_string().unwrap_or_else(|| "the browser refused".into()),
    }
}

fn remove_saved(id: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(&storage_key(id));
    }
}

/// Whether the user has a report of their own saved.
pub fn has_mine() -> bool {
    load_saved(MINE).is_some()
}
