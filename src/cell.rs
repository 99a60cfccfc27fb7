//! One query cell: its editor (query, options, completion), its run over the chosen
//! datasources, and its result (a Plotly chart or a table, CSV downloads, and the
//! problems of each datasource beside it). Cells render independently: a cell that
//! fails shows why, and every other cell goes on.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use futures::StreamExt;
use leptos::prelude::*;
use promnote_core::chart::{figure, ChartKind, ChartStyle, ColorScheme};
use promnote_core::complete::{self, Kind};
use promnote_core::csv;
use promnote_core::days::{clock, rfc3339_utc, zone_abbreviation};
use promnote_core::error::ApiError;
use promnote_core::notebook::{self, query_letter, CellOptions, Query};
use promnote_core::report::{CellPlan, Grid};
use promnote_core::run::{self, Arrival, Outcome, PreparedCell, Route, PARALLEL_DATASOURCES};
use promnote_core::table::WideTable;
use web_sys::AbortSignal;

use crate::chart_view::{prefers_dark, Chart, FigureJson};
use crate::doc::{CellRun, CellState, Doc};
use crate::download;
use crate::run::{query_datasource, Connection};

/// At most this many rows are shown in a table view; the CSV has them all.
const TABLE_ROWS_SHOWN: usize = 500;

/// Runs one cell now, aborting its previous run. Problems with the cell itself (its
/// range, step, datasources) show on the cell; a datasource's failure shows beside it.
pub fn run_cell(conn: Connection, doc: Doc, cell: CellState) {
    let run = cell.run;
    run.cancel();
    run.generation.update(|g| *g += 1);
    run.cancelled.set(false);
    run.arrived.set(Vec::new());
    run.failures.set(Vec::new());
    run.error.set(None);
    let Some(transport) = conn.transport() else {
        run.plan.set(None);
        return;
    };
    let rows = conn.rows.get_untracked();
    let datasources: Vec<_> = rows.iter().map(|r| r.ds.clone()).collect();
    let prepared = run::prepare_cell(
        &cell.to_cell(),
        (&doc.from.get_untracked(), &doc.to.get_untracked()),
        &crate::notebook::bindings(doc),
        conn.now_ms(),
        &conn.zone.get_untracked(),
        &datasources,
    );
    let PreparedCell { plan, queries, datasources } = match prepared {
        Ok(prepared) => prepared,
        Err(e) => {
            run.plan.set(None);
            run.error.set(Some(e));
            return;
        }
    };
    let Some((controller, signal)) = conn.abort_signal() else { return };
    run.abort.set_value(Some(controller));
    if let Some(note) = &plan.note {
        run.arrived.set(vec![Arrival { notes: vec![note.clone()], ..Default::default() }]);
    }
    run.plan.set(Some(plan.clone()));
    run.sent.set(queries.join("\n"));
    run.running.set(true);
    let batch = Rc::new(Batch::default());
    leptos::task::spawn_local(async move {
        futures::stream::iter(datasources)
            .for_each_concurrent(PARALLEL_DATASOURCES, |ds| {
                let (transport, plan, signal, queries, batch) =
                    (transport.clone(), plan.clone(), signal.clone(), queries.clone(), batch.clone());
                async move {
                    let started = crate::perf::now_ms();
                    let (outcome, route) = if ds.needs_ds_query() {
                        match conn.healthy(&ds.uid).await {
                            Ok(route) => (
                                query_datasource(&transport, &ds, route, &queries, &plan, &signal)
                                    .await
                                    .into(),
                                route,
                            ),
                            Err(e) => (Outcome::Failed(e), Route::DsQuery),
                        }
                    } else {
                        // Prometheus datasources answer through the proxy: query at once,
                        // beside the health check, rather than one round trip after it.
                        let proxied =
                            query_datasource(&transport, &ds, Route::Proxy, &queries, &plan, &signal);
                        let (health, proxied) = futures::join!(conn.healthy(&ds.uid), proxied);
                        match run::settle(health, proxied) {
                            Outcome::QueryViaDsQuery => (
                                query_datasource(&transport, &ds, Route::DsQuery, &queries, &plan, &signal)
                                    .await
                                    .into(),
                                Route::DsQuery,
                            ),
                            outcome => (outcome, Route::Proxy),
                        }
                    };
                    if signal.aborted() {
                        return;
                    }
                    // The datasource's badge follows what this run found.
                    match &outcome {
                        Outcome::Arrived(_) => {
                            let millis = (crate::perf::now_ms() - started).max(0.0) as u32;
                            conn.ran(&ds.uid, Ok((millis, route)));
                        }
                        Outcome::Failed(e) if e.is_datasource_failure() => {
                            conn.ran(&ds.uid, Err(transport.describe(e)));
                        }
                        Outcome::Failed(_) | Outcome::QueryViaDsQuery => {}
                    }
                    match outcome {
                        Outcome::Arrived(arrival) => batch.push(arrival, run, &signal),
                        Outcome::Failed(ApiError::Cancelled) | Outcome::QueryViaDsQuery => {}
                        Outcome::Failed(e) => {
                            let message = transport.describe(&e);
                            // Grafana refusing the token mid-session (revoked, expired) is
                            // the whole connection's problem: say it at the top too.
                            if matches!(e, ApiError::Unauthorized { .. }) {
                                conn.fatal.set(Some(message.clone()));
                            }
                            run.failures.update(|f| f.push(message));
                        }
                    }
                }
            })
            .await;
        if !signal.aborted() {
            batch.flush(run);
            run.running.set(false);
        }
    });
}

/// How often, at most, a running cell redraws while answers arrive: every redraw
/// re-pivots all the series so far and redraws the chart, which for fifty datasources is
/// most of the work.
const REDRAW_EVERY_MS: f64 = 250.0;

/// Redraws while a run goes on take at most about a fifth of the main thread: the pause
/// between them is at least this many times the last draw's duration.
const REDRAW_PAUSE_PER_DRAW: f64 = 4.0;

/// The first answers wait this long for the others, which on a healthy fleet come within
/// tens of milliseconds: one first draw of them all, not a draw of the first answer that
/// the next one has to wait for (a first Plotly draw takes about 100 ms).
const FIRST_DRAW_AFTER_MS: f64 = 120.0;

/// Answers that arrived but are not on screen yet. The first are shown shortly after the
/// first arrives ([`FIRST_DRAW_AFTER_MS`]); later ones after a pause ([`REDRAW_EVERY_MS`],
/// longer when drawing is slow; a timer shows what is left), and the rest when the run ends.
#[derive(Default)]
struct Batch {
    pending: RefCell<Vec<Arrival>>,
    first_arrival_ms: Cell<Option<f64>>,
    last_flush_ms: Cell<Option<f64>>,
    timer_armed: Cell<bool>,
}

impl Batch {
    fn push(self: &Rc<Self>, arrival: Arrival, run: CellRun, signal: &AbortSignal) {
        self.pending.borrow_mut().push(arrival);
        let now = crate::perf::now_ms();
        let first = self.first_arrival_ms.get().unwrap_or(now);
        self.first_arrival_ms.set(Some(first));
        let (since, pause) = match self.last_flush_ms.get() {
            Some(last) => {
                (now - last, REDRAW_EVERY_MS.max(REDRAW_PAUSE_PER_DRAW * crate::perf::last_draw_ms()))
            }
            None => (now - first, FIRST_DRAW_AFTER_MS),
        };
        if since >= pause {
            self.flush(run);
        } else if !self.timer_armed.replace(true) {
            let (batch, signal) = (self.clone(), signal.clone());
            let wait = (pause - since).ceil() as i32;
            leptos::task::spawn_local(async move {
                crate::perf::sleep_ms(wait).await;
                batch.timer_armed.set(false);
                if !signal.aborted() {
                    batch.flush(run);
                }
            });
        }
    }

    fn flush(&self, run: CellRun) {
        let mut pending = self.pending.borrow_mut();
        if !pending.is_empty() {
            run.arrived.update(|all| all.append(&mut pending));
            self.last_flush_ms.set(Some(crate::perf::now_ms()));
        }
    }
}

/// The cell's table, pivoted from every datasource's answer.
fn cell_table(cell: CellState) -> Memo<Option<WideTable>> {
    Memo::new(move |_| {
        let plan = cell.run.plan.get()?;
        // The typed query names label-less series of a cell of several queries; it counts
        // from the next run, not at every keystroke.
        let now = notebook::Cell {
            query: cell.query.get_untracked(),
            options: cell.options.get(),
            also: cell.also.get(),
        };
        cell.run.arrived.with(|all| {
            Some(plan.table(all.iter().flat_map(|a| &a.range), all.iter().flat_map(|a| &a.instant), &now))
        })
    })
}

fn style_for(options: &CellOptions, plan: &CellPlan, title: &str) -> ChartStyle {
    let partial_label = match &plan.grid {
        Grid::Days(p) => {
            format!("so far (until {} {})", clock(p.now_ms, &p.zone), zone_abbreviation(p.now_ms, &p.zone))
        }
        Grid::Times { .. } => String::new(),
    };
    ChartStyle {
        scheme: if prefers_dark() { ColorScheme::Dark } else { ColorScheme::Light },
        height: 440,
        kind: options.chart,
        unit: options.unit,
        value_label: options.axis.clone().unwrap_or_default(),
        partial_label,
        image_name: title.to_owned(),
    }
}

/// One cell on the page.
#[component]
pub fn CellView(conn: Connection, doc: Doc, cell: CellState) -> impl IntoView {
    let run = cell.run;
    let table = cell_table(cell);
    // The reader's choice to see a chart cell as a table, without editing the cell.
    let as_table = RwSignal::new(false);
    let show_table = move || as_table.get() || cell.options.with(|o| o.chart.is_table());
    let stat = move || cell.options.with(|o| o.chart == ChartKind::Stat);
    let figure_json = Memo::new(move |_| {
        let table = table.get()?;
        let options = cell.options.get();
        if table.columns.is_empty() || show_table() {
            return None;
        }
        let plan = run.plan.get_untracked()?;
        let title = cell.title();
        Some(FigureJson::from(&figure(&table, &style_for(&options, &plan, &title))))
    });
    let draw_error = RwSignal::new(None::<String>);
    // The figure last drawn: a cell has settled only when the figure it shows now is on
    // screen, not an earlier one drawn from the first datasources to answer.
    let drawn = RwSignal::new(None::<FigureJson>);
    let on_drawn = move |figure: FigureJson| drawn.set(Some(figure));
    let has_rows = move || table.with(|t| t.as_ref().is_some_and(|t| !t.columns.is_empty()));
    let state = move || {
        if run.error.with(Option::is_some) {
            "error"
        } else if run.plan.with(Option::is_none) {
            "idle"
        } else if run.cancelled.get() {
            "cancelled"
        } else if run.running.get() {
            "loading"
        } else if has_rows() && (show_table() || figure_json.with(Option::is_some)) {
            "drawn"
        } else {
            "empty"
        }
    };
    // Settled: the run finished and its chart (if any) is on screen.
    Effect::new(move |_| {
        let g = run.generation.get();
        let finished = !run.running.get();
        let waiting_for_draw = figure_json.with(|figure| figure.is_some() && drawn.with(|d| d != figure))
            && draw_error.with(Option::is_none);
        if finished && !waiting_for_draw {
            run.settled.set(g);
        }
    });
    let run_now = move || run_cell(conn, doc, cell);
    let notes = move || {
        let mut notes = run.arrived.with(|all| all.iter().flat_map(|a| a.notes.clone()).collect::<Vec<_>>());
        let folded = table.with(|t| t.as_ref().map_or(0, |t| t.folded));
        if folded > 0 && !show_table() && cell.options.with(|o| o.top.is_none()) {
            notes.push(format!(
                "The chart shows the {} largest series; the other {folded} are summed as \"other\". Add top=all to the cell's options to draw every series; the CSV (one row per sample) has them all.",
                promnote_core::notebook::DEFAULT_TOP
            ));
        }
        notes
    };
    let key = cell.key;
    let title_id = format!("cell-{key}-title");
    let summary_id = format!("cell-{key}-summary");
    let chart_summary = move || {
        let kind = cell.options.with(|o| o.chart);
        let drawn = figure_json.with(Option::is_some);
        table
            .with(|t| t.as_ref().filter(|_| drawn).map(|t| promnote_core::chart::summary(kind, t)))
            .map(|text| format!("{text} Show table lists every value."))
            .unwrap_or_default()
    };
    view! {
        <section class="cell" data-testid="cell" data-state=state data-runs=move || run.generation.get().to_string()
            data-settled=move || (run.settled.get() == run.generation.get()).to_string()
            data-evaluated-at=move || run.plan.with(|p| p.as_ref().map(|p| p.evaluated_ms().to_string()).unwrap_or_default())>
            <div class="cell-head">
                <h3 data-testid="cell-title" id=title_id.clone()>{move || cell.title()}</h3>
                <div class="cell-tools no-print">
                    <button type="button" class="secondary" data-testid="run-cell" title="Run this cell (Ctrl+Enter in the editor)"
                        on:click=move |_| run_now()>"Run"</button>
                    <button type="button" class="secondary" data-testid="edit-cell" aria-pressed=move || cell.editing.get().to_string()
                        on:click=move |_| cell.editing.update(|e| *e = !*e)>{move || if cell.editing.get() { "Close editor" } else { "Edit" }}</button>
                    <button type="button" class="icon" data-testid="move-up" title="Move up" aria-label="Move cell up" on:click=move |_| doc.shift(key, -1)><span aria-hidden="true">"↑"</span></button>
                    <button type="button" class="icon" data-testid="move-down" title="Move down" aria-label="Move cell down" on:click=move |_| doc.shift(key, 1)><span aria-hidden="true">"↓"</span></button>
                    <button type="button" class="icon" data-testid="delete-cell" title="Delete cell" aria-label="Delete cell" on:click=move |_| doc.remove(key)><span aria-hidden="true">"✕"</span></button>
                </div>
            </div>
            <Show when=move || cell.editing.get()>
                <CellEditor conn cell on_run=Callback::new(move |()| run_now()) />
            </Show>
            <Show when=move || !cell.editing.get()>
                <details class="query">
                    <summary>"Query"</summary>
                    <pre><code>{move || cell.query.get()}</code></pre>
                    {move || cell.also.get().into_iter().enumerate().map(|(i, q)| view! {
                        <p class="muted query-more">{format!("Query {}{}", query_letter(i + 1), q.legend.map(|l| format!(", legend {l}")).unwrap_or_default())}</p>
                        <pre><code>{q.query}</code></pre>
                    }).collect_view()}
                    <p class="muted">{move || describe(&cell.options.get(), &run.sent.get(), &typed(cell))}</p>
                </details>
            </Show>
            <div class="cell-body">
                <div class="chart-area">
                    <Show when=move || !show_table()>
                        // A labelled figure: the cell's title names it, the caption sums it
                        // up in words, and the table view is its text alternative.
                        <figure class="chart-figure" aria-labelledby=title_id.clone() aria-describedby=summary_id.clone()>
                            <Chart figure=figure_json.into() on_drawn draw_error />
                            <figcaption id=summary_id.clone() data-testid="chart-summary">{chart_summary}</figcaption>
                        </figure>
                    </Show>
                    <Show when=move || show_table() && has_rows() && !stat()>
                        <TableView table=table.into() caption=Signal::derive(move || cell.title()) />
                    </Show>
                    <Show when=move || stat() && has_rows()>
                        <StatView table=table.into() unit=Signal::derive(move || cell.options.with(|o| o.axis.clone().unwrap_or_else(|| o.unit.name().to_owned()))) caption=Signal::derive(move || cell.title()) />
                    </Show>
                    {move || match state() {
                        "idle" => Some(view! { <p class="placeholder">"Connect to Grafana, or try the demo data, to run this cell."</p> }.into_any()),
                        "loading" if !has_rows() => Some(view! { <p class="placeholder">"Querying…"</p> }.into_any()),
                        "cancelled" => Some(view! { <p class="notice" data-testid="cancelled">"Cancelled before every datasource answered. Press Run to run this cell again."</p> }.into_any()),
                        "empty" if run.failures.with(Vec::is_empty) && conn.fatal.with(Option::is_none) => Some(view! {
                            <p class="notice" data-testid="error">"No data for this range: no datasource has series for this query. Check the query and the time range."</p>
                        }.into_any()),
                        _ => None,
                    }}
                    {move || run.error.get().map(|e| view! { <p class="error" data-testid="error" role="alert">{e}</p> })}
                    {move || draw_error.get().map(|e| view! { <p class="error" data-testid="error">{e}</p> })}
                    <Show when=has_rows>
                        <div class="downloads no-print">
                            <Show when=move || cell.options.with(|o| !o.chart.is_table())>
                                <button type="button" class="secondary" data-testid="table-view" aria-pressed=move || as_table.get().to_string()
                                    on:click=move |_| as_table.update(|t| *t = !*t)>
                                    {move || if as_table.get() { "Show chart" } else { "Show table" }}
                                </button>
                            </Show>
                            // The modebar's camera and zoom reset, for the keyboard.
                            <Show when=move || !show_table() && drawn.with(Option::is_some)>
                                <button type="button" class="secondary" data-testid="download-png" on:click=move |ev| {
                                    let name = promnote_core::chart::file_name(&cell.title());
                                    if let Some(chart) = chart_of(&ev) {
                                        if let Err(e) = crate::chart_view::download_png(&chart, &name) {
                                            draw_error.set(Some(e));
                                        }
                                    }
                                }>"PNG"</button>
                                <button type="button" class="secondary" data-testid="reset-zoom" on:click=move |ev| {
                                    if let Some(chart) = chart_of(&ev) {
                                        crate::chart_view::reset_zoom(&chart);
                                    }
                                }>"Reset zoom"</button>
                            </Show>
                            <button type="button" class="secondary" data-testid="download-csv" on:click=move |_| {
                                let (Some(t), Some(p)) = (table.get_untracked(), run.plan.get_untracked()) else { return };
                                let name = format!("{}.csv", promnote_core::chart::file_name(&cell.title()));
                                if let Err(e) = download::save_text(&name, "text/csv;charset=utf-8", &csv::wide(&t, p.zone())) {
                                    draw_error.set(Some(e));
                                }
                            }>"CSV (one column per series)"</button>
                            <button type="button" class="secondary" data-testid="download-tidy-csv" on:click=move |_| {
                                let Some(p) = run.plan.get_untracked() else { return };
                                let name = format!("{}-tidy.csv", promnote_core::chart::file_name(&cell.title()));
                                let text = run.arrived.with_untracked(|all| csv::tidy(all, p.zone()));
                                if let Err(e) = download::save_text(&name, "text/csv;charset=utf-8", &text) {
                                    draw_error.set(Some(e));
                                }
                            }>"CSV (one row per sample)"</button>
                        </div>
                    </Show>
                    {move || run.plan.get().map(|p| view! {
                        <p class="muted evaluated">"Evaluated at " {rfc3339_utc(p.evaluated_ms())}</p>
                    })}
                </div>
                <aside class="cell-side" aria-label="Problems with this cell">
                    <For each=move || run.failures.get().into_iter().enumerate() key=|(i, m)| (*i, m.clone()) let:((_, message))>
                        <p class="error" data-testid="error" role="alert">
                            {message}
                            <button type="button" class="link no-print" data-testid="retry" on:click=move |_| {
                                crate::notebook::retry(conn, doc);
                            }>"Retry"</button>
                        </p>
                    </For>
                    <For each=move || notes().into_iter().enumerate() key=|(i, n)| (*i, n.clone()) let:((_, note))>
                        <p class="note">{note}</p>
                    </For>
                </aside>
            </div>
        </section>
    }
}

/// The chart of the cell whose button sent `ev`.
fn chart_of(ev: &leptos::ev::MouseEvent) -> Option<web_sys::HtmlElement> {
    use wasm_bindgen::JsCast;
    let button: web_sys::Element = ev.target()?.dyn_into().ok()?;
    let cell = button.closest("section.cell").ok()??;
    cell.query_selector("[data-testid=chart]").ok()??.dyn_into().ok()
}

/// Every query of the cell as typed, one per line (as [`CellRun::sent`] holds them sent).
fn typed(cell: CellState) -> String {
    let first = cell.query.get();
    cell.also.with(|also| {
        std::iter::once(first.as_str())
            .chain(also.iter().map(|q| q.query.as_str()))
            .collect::<Vec<_>>()
            .join("\n")
    })
}

/// One line under the query: how it is evaluated.
fn describe(options: &CellOptions, sent: &str, typed: &str) -> String {
    let when = if options.daily() {
        "Evaluated at each midnight of the range (one query per daylight-saving segment) and once at its end for today.".to_owned()
    } else {
        format!("Step {}.", options.step.as_deref().unwrap_or("auto"))
    };
    let range = match (&options.from, &options.to) {
        (None, None) => String::new(),
        (from, to) => format!(
            " This cell's range: {} to {}.",
            from.as_deref().unwrap_or("the report's start"),
            to.as_deref().unwrap_or("the report's end")
        ),
    };
    let substituted =
        if !sent.is_empty() && sent != typed { format!(" Sent as: {sent}") } else { String::new() };
    format!("{when}{range}{substituted}")
}

/// The query editor: the PromQL, the options, and completion of metric and label names.
#[component]
fn CellEditor(conn: Connection, cell: CellState, on_run: Callback<()>) -> impl IntoView {
    let area = NodeRef::<leptos::html::Textarea>::new();
    // Where the cursor is, as a byte offset (None: no completion).
    let cursor = RwSignal::new(None::<usize>);
    let context = move || {
        let at = cursor.get()?;
        cell.query.with(|q| complete::context(q, at))
    };
    let suggestions = move || {
        let found = context()?;
        if found.prefix.is_empty() && found.kind == Kind::Metric {
            return None;
        }
        let list: Vec<String> = conn
            .candidates(&found.kind)
            .into_iter()
            .filter(|n| n.starts_with(&found.prefix) && *n != found.prefix)
            .take(8)
            .collect();
        (!list.is_empty()).then_some(list)
    };
    let update_cursor = move || {
        let Some(el) = area.get_untracked() else { return };
        let text = el.value();
        // selectionStart counts UTF-16 units: turn it into a byte offset.
        let units = el.selection_start().ok().flatten().unwrap_or(0) as usize;
        let mut seen = 0;
        let at = text.char_indices().find(|(_, c)| {
            seen += c.len_utf16();
            seen > units
        });
        cursor.set(Some(at.map_or(text.len(), |(i, _)| i)));
    };
    let complete = move |name: String| {
        let Some(found) = context() else { return };
        let Some(end) = cursor.get_untracked() else { return };
        cell.query.update(|q| {
            if q.is_char_boundary(found.start) && q.is_char_boundary(end) {
                q.replace_range(found.start..end, &name);
            }
        });
        let at = found.start + name.len();
        cursor.set(None);
        if let Some(el) = area.get_untracked() {
            let _ = el.focus();
            let units = cell.query.with_untracked(|q| q[..at.min(q.len())].encode_utf16().count()) as u32;
            let _ = el.set_selection_range(units, units);
        }
    };
    let apply_options = move |text: String| {
        cell.options_text.set(text.clone());
        match CellOptions::parse(&text) {
            Ok(options) => {
                cell.options_error.set(None);
                cell.options.set(options);
            }
            Err(e) => cell.options_error.set(Some(e)),
        }
    };
    view! {
        <div class="editor no-print">
            <label class="editor-query">
                <span>"PromQL"</span>
                <textarea data-testid="cell-source" rows="4" spellcheck="false" autocomplete="off" node_ref=area
                    prop:value=move || cell.query.get()
                    on:input=move |ev| { cell.query.set(event_target_value(&ev)); update_cursor(); }
                    on:click=move |_| update_cursor()
                    on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                        if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) {
                            ev.prevent_default();
                            on_run.run(());
                        } else if ev.key() == "Escape" {
                            cursor.set(None);
                        }
                    }></textarea>
            </label>
            {move || suggestions().map(|list| view! {
                <div class="completions" role="listbox" aria-label="Completions">
                    {list.into_iter().map(|name| {
                        let pick = name.clone();
                        view! { <button type="button" class="completion" data-testid="completion" role="option"
                            on:mousedown=move |ev| { ev.prevent_default(); complete(pick.clone()); }>{name}</button> }
                    }).collect_view()}
                </div>
            })}
            <label class="editor-options">
                <span>"Options"</span>
                <input type="text" data-testid="cell-options" spellcheck="false" autocomplete="off"
                    placeholder="title=\"Daily users\" chart=stacked-bar legend=\"{{namespace}}\" step=1d"
                    prop:value=move || cell.options_text.get()
                    on:change=move |ev| apply_options(event_target_value(&ev)) />
            </label>
            {move || cell.options_error.get().map(|e| view! { <p class="error" data-testid="error">{e}</p> })}
            <MoreQueries cell />
            <p class="muted">{format!(
                "Options: title, chart ({}), legend, step (1d = calendar days, or 5m, 1h, auto), unit ({}), axis (the value axis' title), top, datasources (names, comma-separated), from, to. Ctrl+Enter runs the cell.",
                ChartKind::names().join(", "),
                promnote_core::chart::Unit::names().join(", ")
            )}</p>
        </div>
    }
}

/// The editor of a cell's further queries (B, C, …): each its PromQL and its legend, and
/// a button to add one or take it away.
#[component]
fn MoreQueries(cell: CellState) -> impl IntoView {
    let count = move || cell.also.with(Vec::len);
    let set = move |i: usize, edit: Box<dyn FnOnce(&mut Query)>| {
        cell.also.update(|all| {
            if let Some(q) = all.get_mut(i) {
                edit(q);
            }
        });
    };
    view! {
        <div class="editor-more">
            {move || (0..count()).map(|i| {
                let letter = query_letter(i + 1);
                let query = move || cell.also.with(|all| all.get(i).map(|q| q.query.clone()).unwrap_or_default());
                let legend = move || cell.also.with(|all| all.get(i).and_then(|q| q.legend.clone()).unwrap_or_default());
                view! {
                    <fieldset class="editor-query-more" data-testid="more-query">
                        <legend>{format!("Query {letter}")}</legend>
                        <textarea rows="2" spellcheck="false" autocomplete="off" aria-label=format!("PromQL of query {letter}")
                            prop:value=query
                            on:input=move |ev| { let text = event_target_value(&ev); set(i, Box::new(move |q| q.query = text)); }></textarea>
                        <input type="text" spellcheck="false" autocomplete="off" aria-label=format!("Legend of query {letter}")
                            placeholder="legend, e.g. {{instance}}" prop:value=legend
                            on:change=move |ev| { let text = event_target_value(&ev); set(i, Box::new(move |q| q.legend = Some(text).filter(|t| !t.is_empty()))); } />
                        <button type="button" class="secondary" on:click=move |_| cell.also.update(|all| { if i < all.len() { all.remove(i); } })>
                            {format!("Remove query {letter}")}
                        </button>
                    </fieldset>
                }
            }).collect_view()}
            <Show when=move || count() + 1 < promnote_core::notebook::MAX_QUERIES>
                <button type="button" class="secondary" data-testid="add-query"
                    on:click=move |_| cell.also.update(|all| all.push(Query::default()))>"Add a query"</button>
            </Show>
        </div>
    }
}

/// A stat cell: each series' last value, as Grafana's stat, gauge and bar gauge panels
/// show it.
#[component]
fn StatView(
    table: Signal<Option<WideTable>>,
    #[prop(into)] unit: Signal<String>,
    /// The cell's title, which the caption repeats.
    caption: Signal<String>,
) -> impl IntoView {
    move || {
        table.with(|t| {
            let t = t.as_ref()?;
            let rows = t
                .columns
                .iter()
                .map(|c| view! { <tr><th scope="row">{c.name.clone()}</th><td>{c.last().map(csv::number).unwrap_or_default()}</td></tr> })
                .collect_view();
            let unit = unit.get();
            let head = if unit == "none" { "last value".to_owned() } else { format!("last value ({unit})") };
            Some(view! {
                <div class="table-wrap" data-testid="table">
                    <table class="data"><caption>{caption.get()}" (last values)"</caption><thead><tr><th scope="col">"series"</th><th scope="col">{head}</th></tr></thead><tbody>{rows}</tbody></table>
                </div>
            })
        })
    }
}

/// A table view of a cell: rows are times, columns series; the latest rows first.
#[component]
fn TableView(
    table: Signal<Option<WideTable>>,
    /// The cell's title, which the caption repeats.
    caption: Signal<String>,
) -> impl IntoView {
    move || {
        table.with(|t| {
            let t = t.as_ref()?;
            let total = t.row_labels.len();
            let shown: Vec<usize> = (0..total).rev().take(TABLE_ROWS_SHOWN).collect();
            let head = t.columns.iter().map(|c| view! { <th scope="col">{c.name.clone()}</th> }).collect_view();
            let rows = shown
                .iter()
                .map(|&r| {
                    let cells = t
                        .columns
                        .iter()
                        .map(|c| view! { <td>{c.values[r].map(csv::number).unwrap_or_default()}</td> })
                        .collect_view();
                    view! { <tr><th scope="row">{t.row_labels[r].clone()}</th>{cells}</tr> }
                })
                .collect_view();
            let more = (total > TABLE_ROWS_SHOWN).then(|| {
                view! { <p class="muted">{format!("Showing the latest {TABLE_ROWS_SHOWN} of {total} rows; the CSV has all of them.")}</p> }
            });
            Some(view! {
                <div class="table-wrap" data-testid="table">
                    <table class="data"><caption>{caption.get()}" (latest first)"</caption><thead><tr><th scope="col">"time"</th>{head}</tr></thead><tbody>{rows}</tbody></table>
                </div>
                {more}
            })
        })
    }
}
