//! The open report as a notebook: its toolbar (time range, zone, run all, share,
//! downloads, open a file), its variables, and its prose and cells, which can be added,
//! edited, moved and deleted in the page. Also the gallery of reports and share links.

use std::collections::BTreeMap;

use leptos::prelude::*;
use promnote_core::chart::file_name;
use promnote_core::csv;
use promnote_core::notebook::Variable;
use promnote_core::notebook::{self, Cell, CellOptions, Notebook};
use promnote_core::replay::{taken_at_text, SnapshotEntry};
use promnote_core::run::{self, Arrival};
use promnote_core::share::{self, Shared};
use promnote_core::time::TimeRange;
use promnote_core::vars::{self, Bindings, Selection, Source};
use wasm_bindgen::JsCast;
use web_sys::AbortSignal;

use crate::cell::{run_cell, CellView};
use crate::doc::{built_in, Doc, DocBlock, BUILT_IN, MINE};
use crate::download;
use crate::perf;
use crate::prose::Prose;
use crate::regex::JsRegex;
use crate::run::Connection;
use crate::zone;

/// Runs every cell of the open report. Cells that use a variable whose value must come
/// from Grafana (no "All", no default) wait for its values; the others start at once.
pub fn run_all(conn: Connection, doc: Doc) {
    if conn.transport().is_none() || conn.listing.get_untracked() {
        return;
    }
    doc.runs.update(|n| *n += 1);
    let front = doc.front.get_untracked();
    let undetermined: Vec<String> = run::undetermined(&front.variables, &doc.vars.get_untracked())
        .into_iter()
        .map(str::to_owned)
        .collect();
    let mut deferred = Vec::new();
    for cell in doc.cells() {
        if undetermined.iter().any(|name| cell.uses(name)) {
            cell.run.cancel();
            cell.run.generation.update(|g| *g += 1);
            cell.run.cancelled.set(false);
            cell.run.running.set(true);
            deferred.push(cell);
        } else {
            run_cell(conn, doc, cell);
        }
    }
    let asked: Vec<String> = front
        .variables
        .iter()
        .filter(|v| matches!(v.source, Source::Query(_)))
        .map(|v| v.name.clone())
        .collect();
    if asked.is_empty() {
        return;
    }
    let Some((_, signal)) = conn.abort_signal() else { return };
    leptos::task::spawn_local(async move {
        load_variables(conn, doc, &asked, false, &signal).await;
        if signal.aborted() {
            return;
        }
        for cell in deferred {
            run_cell(conn, doc, cell);
        }
    });
}

/// How the open report's variables are written into its queries now.
pub fn bindings(doc: Doc) -> Bindings {
    let values: BTreeMap<String, Vec<String>> = doc.var_values.with_untracked(|m| {
        m.iter().filter_map(|(name, r)| r.as_ref().ok().map(|v| (name.clone(), v.clone()))).collect()
    });
    doc.front.with_untracked(|f| doc.vars.with_untracked(|s| run::bindings(&f.variables, s, &values)))
}

/// Reads the values of the variables named in `names` (those asked of the datasources):
/// at once and together where a variable's query uses none of the others, then the
/// chained ones in the report's order, each with the choices before it. A variable with
/// nothing chosen takes its first value; after a change upstream (`recheck`), one whose
/// choice is no longer listed takes "All" or its first value.
async fn load_variables(conn: Connection, doc: Doc, names: &[String], recheck: bool, signal: &AbortSignal) {
    let variables: Vec<Variable> = doc
        .front
        .with_untracked(|f| f.variables.iter().filter(|v| names.contains(&v.name)).cloned().collect());
    let query = |v: &Variable| match &v.source {
        Source::Query(q) => Some(q.clone()),
        _ => None,
    };
    let chained = |v: &Variable| {
        query(v).is_some_and(|q| variables.iter().any(|other| other.name != v.name && q.uses(&other.name)))
    };
    let apply = |v: &Variable, found: Result<Vec<String>, String>| {
        let listed = found.and_then(|list| run::listed_values(v, list, &JsRegex::default()));
        if let Ok(list) = &listed {
            let now = doc.vars.with_untracked(|m| m.get(&v.name).cloned());
            let next = if recheck {
                run::revalidated(v, now.as_ref(), list)
            } else {
                run::decided(now.as_ref(), list)
            };
            if let Some(next) = next {
                doc.vars.update(|m| {
                    m.insert(v.name.clone(), next);
                });
            }
        }
        doc.var_values.update(|m| {
            m.insert(v.name.clone(), listed);
        });
    };
    let (free, dependent): (Vec<&Variable>, Vec<&Variable>) = variables.iter().partition(|v| !chained(v));
    let at_once = bindings(doc);
    let loads = free.iter().filter_map(|v| {
        let q = query(v)?;
        let at_once = &at_once;
        Some(async move { conn.variable_values(&q, at_once, signal).await })
    });
    let answers = futures::future::join_all(loads).await;
    if signal.aborted() {
        return;
    }
    for (v, found) in free.iter().filter(|v| query(v).is_some()).zip(answers) {
        apply(v, found);
    }
    for v in dependent {
        let Some(q) = query(v) else { continue };
        let found = conn.variable_values(&q, &bindings(doc), signal).await;
        if signal.aborted() {
            return;
        }
        apply(v, found);
    }
}

/// Retry after a datasource failed: list and check the datasources again, then run
/// the report (through [`Connection::ready`]).
pub fn retry(conn: Connection, _doc: Doc) {
    perf::mark("promnote:click");
    conn.reconnect();
}

/// The link that opens this report, as it is now, on this page.
fn share_link(doc: Doc, grafana: Option<String>) -> String {
    let vars =
        doc.vars.with_untracked(|m| m.iter().map(|(name, sel)| (name.clone(), sel.to_values())).collect());
    let shared = Shared {
        source: doc.source_untracked(),
        from: doc.from.get_untracked(),
        to: doc.to.get_untracked(),
        vars,
        grafana,
    };
    let location = web_sys::window().map(|w| w.location());
    let base = location
        .map(|l| {
            format!(
                "{}{}{}",
                l.origin().unwrap_or_default(),
                l.pathname().unwrap_or_default(),
                l.search().unwrap_or_default()
            )
        })
        .unwrap_or_default();
    format!("{base}#{}", share::encode(&shared))
}

/// What opening a share link gives: the Grafana URL it points at, and what the reader
/// should know about values it held that the report's variables cannot take.
pub struct Opened {
    /// The Grafana address in the link.
    pub grafana: Option<String>,
    /// Why some of the link's variable values were not used (empty when all were).
    pub refused: Option<String>,
}

/// Opens a share link's report, with the link's variable values where the variables
/// can take them ([`Notebook::requested`]).
pub fn open_shared(doc: Doc, fragment: &str) -> Result<Opened, String> {
    let shared = share::decode(fragment).map_err(|e| e.to_string())?;
    let nb = notebook::parse(&shared.source).map_err(|e| format!("The shared report cannot be read: {e}"))?;
    let (vars, refused) = nb.requested(shared.vars);
    let refused = (!refused.is_empty()).then(|| {
        format!(
            "Some of the link's variable values were not used, so those variables start as the report sets them: {}.",
            refused.join("; ")
        )
    });
    doc.load(MINE, nb, Some((shared.from, shared.to)), &vars);
    doc.save();
    Ok(Opened { grafana: shared.grafana, refused })
}

/// The report id in `#/<id>`, if the fragment is a report link.
pub fn route(fragment: &str) -> Option<String> {
    fragment.strip_prefix("#/").filter(|id| !id.is_empty()).map(str::to_owned)
}

/// The gallery: the built-in reports (or, while the page shows a published site's
/// snapshots, those), the user's own, a new one, one from a file.
#[component]
pub fn Gallery(
    doc: Doc,
    conn: Connection,
    problem: RwSignal<Option<String>>,
    /// The snapshots to list instead of the built-in reports.
    #[prop(into)]
    snapshots: Signal<Option<Vec<SnapshotEntry>>>,
) -> impl IntoView {
    let built_ins: Vec<(String, String, Option<String>)> = BUILT_IN
        .iter()
        .filter_map(|b| {
            notebook::parse(b.source).ok().map(|nb| (b.id.to_owned(), nb.front.title, nb.front.description))
        })
        .collect();
    let reports = move || match snapshots.get() {
        Some(entries) => entries
            .into_iter()
            .map(|e| (e.id, e.title, Some(format!("Snapshot taken {}", taken_at_text(e.taken_at_ms)))))
            .collect(),
        None => built_ins.clone(),
    };
    let new_report = move |_| {
        let template = Notebook {
            front: notebook::FrontMatter { title: "My report".into(), ..Default::default() },
            blocks: vec![
                notebook::Block::Prose(
                    "Write what this report shows. Cells below run on every Prometheus datasource.".into(),
                ),
                notebook::Block::Cell(Cell::new(
                    "sum by (job) (up)",
                    CellOptions {
                        title: Some("Targets up, per job".into()),
                        chart: promnote_core::chart::ChartKind::Line,
                        ..Default::default()
                    },
                )),
            ],
        };
        open_mine(doc, conn, template);
    };
    let import_open = RwSignal::new(false);
    let file_input = NodeRef::<leptos::html::Input>::new();
    // A report (.md) or a Grafana dashboard's JSON, from the file picker or dropped here.
    let open_file = move |file: web_sys::File| {
        let name = file.name();
        leptos::task::spawn_local(async move {
            let text = wasm_bindgen_futures::JsFuture::from(file.text()).await;
            match text.ok().and_then(|t| t.as_string()) {
                Some(text) if crate::import::looks_like_json(&name, &text) => {
                    crate::import::open_dashboard(doc, conn, problem, &text, &name);
                }
                Some(text) => match notebook::parse(&text) {
                    Ok(nb) => {
                        problem.set(None);
                        open_mine(doc, conn, nb);
                    }
                    Err(e) => problem.set(Some(format!("{name} is not a report promnote can read: {e}"))),
                },
                None => problem.set(Some(format!(
                    "{name} could not be read as text: open a report (.md) or a Grafana dashboard (.json)."
                ))),
            }
        });
    };
    let on_file = move |_| {
        let Some(input) = file_input.get_untracked() else { return };
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        input.set_value("");
        open_file(file);
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        if let Some(file) = ev.data_transfer().and_then(|d| d.files()).and_then(|f| f.get(0)) {
            open_file(file);
        }
    };
    view! {
        <nav class="gallery no-print" aria-label="Reports"
            on:dragover=move |ev: leptos::ev::DragEvent| ev.prevent_default() on:drop=on_drop>
            <ul>
                {move || reports().into_iter().map(|(id, title, description)| {
                    let href = format!("#/{id}");
                    let current = id.clone();
                    view! {
                        <li>
                            <a href=href data-testid="report-link" data-report=id title=description.unwrap_or_default()
                                aria-current=move || (doc.id.get() == current).then_some("page")>{title}</a>
                        </li>
                    }
                }).collect_view()}
                <Show when=move || doc.id.get() == MINE || crate::doc::has_mine()>
                    <li><a href="#/my-report" data-testid="report-link" data-report="my-report"
                        aria-current=move || (doc.id.get() == MINE).then_some("page")>"My report"</a></li>
                </Show>
            </ul>
            <div class="gallery-actions">
                <button type="button" class="secondary" data-testid="new-report" on:click=new_report>"New report"</button>
                <label class="file-button secondary">
                    "Open a file"
                    <input type="file" accept=".md,.markdown,.json,text/markdown,text/plain,application/json" data-testid="open-file"
                        aria-label="Open a report (.md) or a Grafana dashboard (.json)" node_ref=file_input on:change=on_file />
                </label>
                <crate::import::ImportButton open=import_open />
            </div>
        </nav>
        <crate::import::DashboardImport doc conn problem open=import_open />
        {move || problem.get().map(|p| view! { <p class="error" data-testid="error" role="alert">{p}</p> })}
    }
}

/// Makes `nb` the user's own report, opens it and runs it.
pub fn open_mine(doc: Doc, conn: Connection, nb: Notebook) {
    doc.load(MINE, nb, None, &BTreeMap::new());
    doc.save();
    if let Some(window) = web_sys::window() {
        let _ = window.location().set_hash("/my-report");
    }
    run_all(conn, doc);
}

/// Chooses the zone whose midnights cut the days: UTC, or the browser's zone.
#[component]
fn ZonePicker(conn: Connection, doc: Doc, #[prop(into)] disabled: Signal<bool>) -> impl IntoView {
    let browser = zone::browser_zone_name().filter(|name| name != "UTC" && zone::is_known(name));
    let choose = move |ev: leptos::ev::Event| {
        let name = event_target_value(&ev);
        match zone::zone(&name) {
            Ok(zone) => {
                conn.zone.set(zone);
                perf::mark("promnote:click");
                run_all(conn, doc);
            }
            Err(e) => conn.fatal.set(Some(e.to_string())),
        }
    };
    view! {
        <label class="zone">
            <span>"Days in"</span>
            <select data-testid="time-zone" on:change=choose prop:disabled=move || disabled.get()>
                <option value="UTC">"UTC"</option>
                {browser.map(|name| { let label = format!("{name} (this browser)"); view! { <option value=name>{label}</option> } })}
            </select>
        </label>
    }
}

/// The open report.
#[component]
pub fn NotebookView(
    conn: Connection,
    doc: Doc,
    /// The Grafana base URL when live (for share links).
    #[prop(into)]
    grafana: Signal<Option<String>>,
    /// Whether the page replays recorded data (no zone choice, fixed time).
    #[prop(into)]
    replay: Signal<bool>,
) -> impl IntoView {
    // Run the report whenever a connection is ready.
    Effect::new(move |_| {
        if conn.ready.get() > 0 {
            run_all(conn, doc);
        }
    });
    // Save edits in the browser.
    Effect::new(move |_| {
        doc.track();
        doc.save();
    });
    // `promnote:drawn` once per run: when every cell has settled.
    let marked = StoredValue::new(0u32);
    Effect::new(move |_| {
        let run = doc.runs.get();
        if run == 0 || marked.get_value() == run {
            return;
        }
        let cells = doc.blocks.with(|b| {
            b.iter()
                .filter_map(|b| if let DocBlock::Cell(c) = b { Some(*c) } else { None })
                .collect::<Vec<_>>()
        });
        let settled = cells.iter().all(|c| c.run.settled.get() == c.run.generation.get());
        if settled {
            marked.set_value(run);
            perf::mark("promnote:drawn");
        }
    });
    let range_error = RwSignal::new(None::<String>);
    let set_range = move |from: Option<String>, to: Option<String>| {
        if let Some(from) = from {
            doc.from.set(from);
        }
        if let Some(to) = to {
            doc.to.set(to);
        }
        let now = jiff::Timestamp::from_millisecond(perf::wall_ms()).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        match TimeRange::parse(
            &doc.from.get_untracked(),
            &doc.to.get_untracked(),
            now,
            &conn.zone.get_untracked(),
        ) {
            Ok(_) => {
                range_error.set(None);
                perf::mark("promnote:click");
                conn.refresh_now(true);
                run_all(conn, doc);
            }
            Err(e) => range_error.set(Some(e.to_string())),
        }
    };
    let share_text = RwSignal::new(None::<String>);
    let report_error = RwSignal::new(None::<String>);
    let add = move |cell: bool| {
        let block = if cell {
            doc.cell_block(Cell::new("", CellOptions::default()), true)
        } else {
            doc.prose_block("", true)
        };
        doc.blocks.update(|b| b.push(block));
    };
    view! {
        <article class="report" data-testid="report" data-report=move || doc.id.get()>
            <div class="report-head">
                <h1 data-testid="report-title" id="report" tabindex="-1">{move || doc.front.with(|f| f.title.clone())}</h1>
                <p class="print-only muted">
                    {move || format!("Time range: {} to {}", doc.from.get(), doc.to.get())}
                    {move || {
                        // Generated at the connection's "now" (re-read on every run).
                        doc.runs.track();
                        conn.transport().map(|_| format!(" · generated {}", promnote_core::days::rfc3339_utc(conn.now_ms())))
                    }}
                </p>
                {move || {
                    doc.runs.track();
                    conn.transport().and_then(|t| t.snapshot().map(|s| s.banner())).map(|banner| view! {
                        <p class="print-only muted" data-testid="print-snapshot">{banner}</p>
                    })
                }}
            </div>
            <div class="toolbar no-print">
                <label class="time"><span>"From"</span>
                    <input type="text" data-testid="time-from" spellcheck="false" prop:value=move || doc.from.get()
                        on:change=move |ev| set_range(Some(event_target_value(&ev)), None) /></label>
                <label class="time"><span>"To"</span>
                    <input type="text" data-testid="time-to" spellcheck="false" prop:value=move || doc.to.get()
                        on:change=move |ev| set_range(None, Some(event_target_value(&ev))) /></label>
                <ZonePicker conn doc disabled=replay />
                <button type="button" data-testid="run-all" on:click=move |_| {
                    perf::mark("promnote:click");
                    conn.refresh_now(true);
                    run_all(conn, doc);
                }>"Run all"</button>
                <button type="button" class="secondary" data-testid="share" on:click=move |_| {
                    share_text.set(Some(share_link(doc, grafana.get_untracked())));
                }>"Share link"</button>
                <button type="button" class="secondary" data-testid="download-md" on:click=move |_| {
                    let name = format!("{}.md", file_name(&doc.front.get_untracked().title));
                    if let Err(e) = download::save_text(&name, "text/markdown;charset=utf-8", &doc.source_untracked()) {
                        report_error.set(Some(e));
                    }
                }>"Download .md"</button>
                <button type="button" class="secondary" data-testid="download-report-csv" on:click=move |_| {
                    let zone = conn.zone.get_untracked();
                    let cells: Vec<(String, Vec<Arrival>)> = doc.cells().iter().map(|c| (c.title(), c.run.arrived.get_untracked())).collect();
                    let parts: Vec<(&str, &[Arrival])> = cells.iter().map(|(title, arrived)| (title.as_str(), arrived.as_slice())).collect();
                    let name = format!("{}.csv", file_name(&doc.front.get_untracked().title));
                    if let Err(e) = download::save_text(&name, "text/csv;charset=utf-8", &csv::report_tidy(&parts, &zone)) {
                        report_error.set(Some(e));
                    }
                }>"Report CSV"</button>
                <Show when=move || doc.edited.get()>
                    <button type="button" class="secondary" data-testid="reset-report" title="Throw away your edits of this built-in report"
                        on:click=move |_| { doc.reset(); run_all(conn, doc); }>"Reset to original"</button>
                </Show>
            </div>
            {move || doc.save_failed.get().map(|e| view! { <p class="warning" data-testid="save-failed" role="status">{e}</p> })}
            {move || range_error.get().map(|e| view! { <p class="error" data-testid="error" role="alert">{e}</p> })}
            {move || report_error.get().map(|e| view! { <p class="error" data-testid="error" role="alert">{e}</p> })}
            {move || share_text.get().map(|link| view! {
                <div class="share no-print">
                    <label><span>"Share link (holds the report, range, variables and Grafana address; never the token)"</span>
                        <input type="text" readonly data-testid="share-link" prop:value=link
                            on:focus=move |ev| { if let Some(el) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) { el.select(); } } />
                    </label>
                </div>
            })}
            <Variables conn doc frozen=Signal::derive(move || replay.get() && doc.snapshot.get()) />
            <For each=move || doc.blocks.get() key=DocBlock::key children=move |block| match block {
                DocBlock::Prose { key, text, editing } => view! { <ProseBlock doc key text editing /> }.into_any(),
                DocBlock::Cell(cell) => view! { <CellView conn doc cell /> }.into_any(),
            } />
            <div class="add no-print">
                <button type="button" class="secondary" data-testid="add-cell" on:click=move |_| add(true)>"+ Query cell"</button>
                <button type="button" class="secondary" data-testid="add-text" on:click=move |_| add(false)>"+ Text"</button>
            </div>
        </article>
    }
}

/// A prose block, shown rendered or, while editing, as its Markdown.
#[component]
fn ProseBlock(doc: Doc, key: u32, text: RwSignal<String>, editing: RwSignal<bool>) -> impl IntoView {
    view! {
        <section class="prose-block" data-testid="prose">
            <Show when=move || editing.get() fallback=move || view! { <Prose text=text /> }>
                <textarea class="prose-editor" data-testid="prose-source" rows="6" prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))></textarea>
            </Show>
            <div class="block-tools no-print">
                <button type="button" class="link" data-testid="edit-text" on:click=move |_| editing.update(|e| *e = !*e)>
                    {move || if editing.get() { "Done" } else { "Edit text" }}</button>
                <button type="button" class="icon" title="Move up" aria-label="Move text up" on:click=move |_| doc.shift(key, -1)><span aria-hidden="true">"↑"</span></button>
                <button type="button" class="icon" title="Move down" aria-label="Move text down" on:click=move |_| doc.shift(key, 1)><span aria-hidden="true">"↓"</span></button>
                <button type="button" class="icon" title="Delete text" aria-label="Delete text" on:click=move |_| doc.remove(key)><span aria-hidden="true">"✕"</span></button>
            </div>
        </section>
    }
}

/// How many values a variable's list shows at once (a filter narrows longer lists).
const MAX_VARIABLE_OPTIONS: usize = 300;

/// One control per variable; a change re-runs the cells that use it. On a snapshot
/// (`frozen`) each offers only the values the snapshot was taken with, and says so.
#[component]
fn Variables(conn: Connection, doc: Doc, #[prop(into)] frozen: Signal<bool>) -> impl IntoView {
    let changed = move |name: String, selection: Selection| {
        doc.vars.update(|m| {
            m.insert(name.clone(), selection);
        });
        perf::mark("promnote:click");
        doc.runs.update(|n| *n += 1);
        // Chained variables (`label_values(up{job="$job"}, instance)`) read their values
        // again first, then every cell that uses any of them runs.
        let dependents = doc.front.with_untracked(|f| run::dependents(&f.variables, &name));
        let rerun = move |names: Vec<String>| {
            for cell in doc.cells() {
                if names.iter().any(|n| cell.uses(n)) {
                    run_cell(conn, doc, cell);
                }
            }
        };
        if dependents.is_empty() || conn.transport().is_none() {
            rerun(vec![name]);
            return;
        }
        let Some((_, signal)) = conn.abort_signal() else { return };
        leptos::task::spawn_local(async move {
            load_variables(conn, doc, &dependents, true, &signal).await;
            if !signal.aborted() {
                rerun(dependents.into_iter().chain([name]).collect());
            }
        });
    };
    view! {
        <div class="variables no-print">
            <For each=move || doc.front.get().variables.into_iter().filter(|v| !matches!(v.source, Source::Constant(_))) key=|v| v.name.clone() children=move |v| {
                let name = v.name.clone();
                if let Source::Text(_) = &v.source {
                    return view! { <TextVariable doc variable=v on_change=Callback::new(move |(n, s)| changed(n, s)) frozen /> }.into_any();
                }
                let fixed = v.source.fixed_values();
                let label = v.label.clone().unwrap_or_else(|| v.name.clone());
                let (multi, include_all) = (v.multi, v.include_all);
                let name_for_options = name.clone();
                let name_for_change = name.clone();
                let name_for_error = name.clone();
                let name_for_count = name.clone();
                // A fleet has thousands of hubs: past MAX_VARIABLE_OPTIONS values the list
                // shows those matching a filter (and every chosen one), not a frozen tab.
                let filter = RwSignal::new(String::new());
                let count = Memo::new(move |_| doc.var_values.with(|m| m.get(&name_for_count).and_then(|r| r.as_ref().ok().map(Vec::len))).unwrap_or(0));
                let options = move || {
                    let selection = doc.vars.with(|m| m.get(&name_for_options).cloned()).unwrap_or(Selection::All);
                    let values = if frozen.get() {
                        match &selection {
                            Selection::All => Vec::new(),
                            Selection::Values(values) => values.clone(),
                        }
                    } else {
                        doc.var_values.with(|m| {
                            let all = fixed.as_deref().or_else(|| m.get(&name_for_options).and_then(|r| r.as_ref().ok()).map(Vec::as_slice)).unwrap_or_default();
                            vars::shown_values(all, &filter.get(), &selection, MAX_VARIABLE_OPTIONS)
                        })
                    };
                    let include_all = include_all && (!frozen.get() || selection == Selection::All);
                    let all = include_all.then(|| {
                        let selected = selection == Selection::All;
                        view! { <option value=vars::ALL selected=selected>"All"</option> }
                    });
                    let rest = values.into_iter().map(|value| {
                        let selected = matches!(&selection, Selection::Values(c) if c.contains(&value));
                        let text = value.clone();
                        view! { <option value=value selected=selected>{text}</option> }
                    }).collect_view();
                    view! { {all} {rest} }
                };
                let on_change = move |ev: leptos::ev::Event| {
                    let Some(select) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok()) else { return };
                    let chosen: Vec<String> = (0..select.selected_options().length())
                        .filter_map(|i| select.selected_options().item(i))
                        .filter_map(|o| o.dyn_into::<web_sys::HtmlOptionElement>().ok())
                        .map(|o| o.value())
                        .collect();
                    let selection = if chosen.is_empty() && include_all {
                        Selection::All
                    } else {
                        Selection::from_values(chosen)
                    };
                    changed(name_for_change.clone(), selection);
                };
                let failed = move || doc.var_values.with(|m| m.get(&name_for_error).and_then(|r| r.as_ref().err().cloned()));
                view! {
                    <label class="variable">
                        <span>{label}</span>
                        <Show when=move || { count.get() > MAX_VARIABLE_OPTIONS }>
                            <input type="search" data-testid="variable-filter" placeholder=move || format!("filter {} values", count.get())
                                prop:value=move || filter.get() on:input=move |ev| filter.set(event_target_value(&ev)) />
                        </Show>
                        <select data-testid="variable" data-name=name multiple=multi size=if multi { "4" } else { "1" } on:change=on_change
                            prop:disabled=move || frozen.get()>
                            {options}
                        </select>
                        <Show when=move || frozen.get()>
                            <span class="muted" data-testid="variable-frozen">"the snapshot holds these values only; connect to choose others"</span>
                        </Show>
                        {move || failed().map(|e| view! { <span class="muted">{format!("values could not be loaded: {e}")}</span> })}
                    </label>
                }.into_any()
            } />
        </div>
    }
}

/// A text box variable: what is typed is its value, applied when the field is left or
/// Enter is pressed.
#[component]
fn TextVariable(
    doc: Doc,
    variable: Variable,
    on_change: Callback<(String, Selection)>,
    #[prop(into)] frozen: Signal<bool>,
) -> impl IntoView {
    let name = variable.name.clone();
    let label = variable.label.clone().unwrap_or_else(|| variable.name.clone());
    let for_value = name.clone();
    let value = move || {
        doc.vars.with(|m| match m.get(&for_value) {
            Some(Selection::Values(v)) => v.first().cloned().unwrap_or_default(),
            _ => String::new(),
        })
    };
    view! {
        <label class="variable">
            <span>{label}</span>
            <input type="text" data-testid="variable-text" data-name=name.clone() spellcheck="false" autocomplete="off"
                prop:value=value prop:disabled=move || frozen.get()
                on:change=move |ev| on_change.run((name.clone(), Selection::Values(vec![event_target_value(&ev)]))) />
        </label>
    }
}

/// Whether `id` names a report that can be opened.
pub fn known(id: &str) -> bool {
    built_in(id).is_some() || id == MINE
}
