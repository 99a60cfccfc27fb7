//! One query cell on the page: its query, its result (a Plotly chart, a table or its last
//! values, CSV and PNG downloads) and the problems of each datasource beside it. Cells
//! render independently: a cell that fails shows why, and every other cell goes on.

use leptos::prelude::*;
use promnote_core::data::chart::{self, ChartStyle, ColorScheme};
use promnote_core::data::csv;
use promnote_core::data::plan::CellPlan;
use promnote_core::data::table::WideTable;
use promnote_core::data::timeline;
use promnote_core::report::format::query_letter;
use promnote_core::report::options::{CellOptions, ChartKind, Scale, DEFAULT_TOP};
use promnote_core::run::repeat;
use promnote_core::time::clock::rfc3339_utc;

use crate::download;
use crate::session::cells::{retry, run_cell};
use crate::session::Connection;
use crate::state::{CellRun, CellState, OpenReport};
use crate::ui::cell_editor::CellEditor;
use crate::ui::chart::{prefers_dark, Chart, FigureJson};
use crate::ui::tables::{SummaryView, TableView};

/// The cell's table, pivoted from every datasource's answer.
fn cell_table(cell: CellState, run: CellRun) -> Memo<Option<WideTable>> {
    Memo::new(move |_| {
        let plan = run.plan.get()?;
        // The typed query names label-less series of a cell of several queries; it counts
        // from the next run, not at every keystroke.
        let now = promnote_core::report::Cell {
            query: cell.query.get_untracked(),
            options: cell.options.get(),
            also: cell.also.get(),
        };
        run.arrived.with(|all| {
            Some(plan.table(all.iter().flat_map(|a| &a.range), all.iter().flat_map(|a| &a.instant), &now))
        })
    })
}

fn style_for(
    options: &CellOptions,
    scale: Scale,
    plan: &CellPlan,
    title: &str,
    marks: Vec<timeline::Placed>,
) -> ChartStyle {
    let partial_label = plan.partial_label();
    let clipped_label = plan.clipped_label();
    ChartStyle {
        scheme: if prefers_dark() { ColorScheme::Dark } else { ColorScheme::Light },
        height: 440,
        kind: options.chart,
        scale,
        unit: options.unit,
        value_label: options.axis.clone().unwrap_or_default(),
        partial_label,
        clipped_label,
        image_name: title.to_owned(),
        marks,
        thresholds: options.thresholds.clone(),
        thresholds_style: options.thresholds_style,
    }
}

/// One cell on the page: its head, editor and query, then its run, or, for a repeated
/// cell (`repeat=`), one run per value of its variable, each under its own title.
#[component]
pub fn CellView(conn: Connection, report: OpenReport, cell: CellState) -> impl IntoView {
    let run = cell.run;
    let run_now = move || run_cell(conn, report, cell);
    let key = cell.key;
    let title_id = format!("cell-{key}-title");
    let main_state = RwSignal::new("idle");
    // A repeated cell's state sums up its repeats'.
    let state = move || {
        if !cell.repeating() {
            return main_state.get();
        }
        let states: Vec<&'static str> = cell.repeats.with(|r| r.iter().map(|r| r.shown.get()).collect());
        let invalid = run.phase.with(|p| p.invalid().is_some());
        match () {
            _ if run.running() || states.contains(&"loading") => "loading",
            _ if invalid => "error",
            _ if states.contains(&"drawn") => "drawn",
            _ if states.is_empty() => run.phase.with(|p| p.state(false, false, false)),
            _ if states.iter().all(|s| *s == "error") => "error",
            _ => "empty",
        }
    };
    let evaluated_at = move || {
        let plan = if cell.repeating() {
            cell.repeats.with(|r| r.first().and_then(|r| r.run.plan.get()))
        } else {
            run.plan.get()
        };
        plan.map(|p| p.evaluated_ms().to_string()).unwrap_or_default()
    };
    view! {
        <section class="cell" data-testid="cell" data-state=state data-runs=move || run.generation.get().to_string()
            data-settled=move || cell.settled().to_string() data-evaluated-at=evaluated_at>
            <div class="cell-head">
                <h3 data-testid="cell-title" id=title_id.clone()>{move || cell.title()}</h3>
                <div class="cell-tools no-print">
                    <button type="button" class="secondary" data-testid="run-cell" title="Run this cell (Ctrl+Enter in the editor)"
                        on:click=move |_| run_now()>"Run"</button>
                    <button type="button" class="secondary" data-testid="edit-cell" aria-pressed=move || cell.editing.get().to_string()
                        on:click=move |_| cell.editing.update(|e| *e = !*e)>{move || if cell.editing.get() { "Close editor" } else { "Edit" }}</button>
                    <button type="button" class="icon" data-testid="move-up" title="Move up" aria-label="Move cell up" on:click=move |_| report.shift(key, -1)><span aria-hidden="true">"↑"</span></button>
                    <button type="button" class="icon" data-testid="move-down" title="Move down" aria-label="Move cell down" on:click=move |_| report.shift(key, 1)><span aria-hidden="true">"↓"</span></button>
                    <button type="button" class="icon" data-testid="delete-cell" title="Delete cell" aria-label="Delete cell" on:click=move |_| report.remove(key)><span aria-hidden="true">"✕"</span></button>
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
                        <p class="muted query-more">{format!("Query {}{}{}", query_letter(i + 1), q.legend.map(|l| format!(", legend {l}")).unwrap_or_default(), if q.instant { ", instant" } else { "" })}</p>
                        <pre><code>{q.query}</code></pre>
                    }).collect_view()}
                    <p class="muted">{move || describe(cell, &run.sent.get(), &typed(cell))}</p>
                </details>
            </Show>
            <Show when=move || !cell.repeating() fallback=move || view! { <Repeats conn report cell /> }>
                <RunView conn report cell run title=Signal::derive(move || cell.title()) title_id=title_id.clone()
                    summary_id=format!("cell-{key}-summary") state_out=main_state />
            </Show>
        </section>
    }
}

/// A repeated cell's runs, one per value, each titled `Title — value`.
#[component]
fn Repeats(conn: Connection, report: OpenReport, cell: CellState) -> impl IntoView {
    view! {
        {move || cell.repeat_note.get().map(|n| view! { <p class="note" data-testid="repeat-note">{n}</p> })}
        {move || cell.run.phase.with(|p| p.invalid().map(str::to_owned)).map(|e| view! { <p class="error" data-testid="error" role="alert">{e}</p> })}
        <For each=move || cell.repeats.get() key=|r| r.key let:r>
            {
                let title = Signal::derive(move || repeat::title(&cell.title(), &r.value.get_value()));
                let id = format!("cell-{}-repeat-{}", cell.key, r.key);
                view! {
                    <div class="repeat" data-testid="repeat" data-value=r.value.get_value() data-state=move || r.shown.get()
                        data-settled=move || (r.run.settled.get() == r.run.generation.get()).to_string()>
                        <h4 class="repeat-title" id=format!("{id}-title") data-testid="repeat-title">{title}</h4>
                        <RunView conn report cell run=r.run title title_id=format!("{id}-title")
                            summary_id=format!("{id}-summary") state_out=r.shown />
                    </div>
                }
            }
        </For>
    }
}

/// One run of a cell (the cell's own, or a repeat's): its chart, table or last values,
/// its downloads, and the problems of each datasource beside it.
#[component]
fn RunView(
    conn: Connection,
    report: OpenReport,
    cell: CellState,
    run: CellRun,
    /// The run's title (the cell's, or `Title — value`).
    title: Signal<String>,
    /// The id of the element that titles it.
    title_id: String,
    /// The id its chart's text summary gets.
    summary_id: String,
    /// Where its state (`drawn`, `loading`, …) is reported to the cell.
    state_out: RwSignal<&'static str>,
) -> impl IntoView {
    let table = cell_table(cell, run);
    // The reader's choice to see a chart cell as a table, without editing the cell.
    let as_table = RwSignal::new(false);
    let show_table = move || as_table.get() || cell.options.with(|o| o.chart.is_table());
    // A stat or summary: one row per series, one column per reducer.
    let summarised = move || cell.options.with(|o| matches!(o.chart, ChartKind::Stat | ChartKind::Summary));
    // The reader's Linear / Log choice, without editing the cell; until then, its `scale=`.
    let chosen_scale = RwSignal::new(None::<Scale>);
    let scale = move || chosen_scale.get().unwrap_or_else(|| cell.options.with(|o| o.scale));
    let has_log = move || cell.options.with(|o| chart::has_log_scale(o.chart));
    let log_shown = move || scale() == Scale::Log && has_log() && !show_table();
    // The report's notes on the timeline, placed on this cell's rows (none on a chart
    // without a time axis, or with `annotations=off`).
    let marks = Memo::new(move |_| {
        let shown = cell.options.with(|o| !o.hide_annotations && chart::shows_marks(o.chart));
        let plan = run.plan.get()?;
        let annotations = report.front.with(|f| f.annotations.clone());
        if !shown || annotations.is_empty() {
            return Some(Vec::new());
        }
        let mut resolved = timeline::resolve(&annotations, plan.evaluated_ms(), plan.zone());
        resolved.extend(report.query_marks.with(|(marks, _)| marks.clone()));
        table.with(|t| t.as_ref().map(|t| timeline::place(t, &resolved, plan.zone())))
    });
    let figure_json = Memo::new(move |_| {
        let table = table.get()?;
        let options = cell.options.get();
        if table.columns.is_empty() || show_table() {
            return None;
        }
        let plan = run.plan.get_untracked()?;
        let title = title.get();
        let marks = marks.get().unwrap_or_default();
        Some(FigureJson::from(&chart::cell_figure(
            &table,
            &options,
            &style_for(&options, scale(), &plan, &title, marks),
        )))
    });
    let draw_error = RwSignal::new(None::<String>);
    // The figure last drawn: a cell has settled only when the figure it shows now is on
    // screen, not an earlier one drawn from the first datasources to answer.
    let drawn = RwSignal::new(None::<FigureJson>);
    let on_drawn = move |figure: FigureJson| drawn.set(Some(figure));
    let has_rows = move || table.with(|t| t.as_ref().is_some_and(|t| !t.columns.is_empty()));
    let state = move || {
        let shown = show_table() || figure_json.with(Option::is_some);
        run.phase.with(|phase| phase.state(run.plan.with(Option::is_some), has_rows(), shown))
    };
    // Settled: the run finished and its chart (if any) is on screen.
    Effect::new(move |_| {
        let g = run.generation.get();
        let finished = !run.running();
        let waiting_for_draw = figure_json.with(|figure| figure.is_some() && drawn.with(|d| d != figure))
            && draw_error.with(Option::is_none);
        if finished && !waiting_for_draw {
            run.settled.set(g);
        }
    });
    let notes = move || {
        let mut notes = run.arrived.with(|all| all.iter().flat_map(|a| a.notes.clone()).collect::<Vec<_>>());
        let (folded, hidden) = table.with(|t| t.as_ref().map_or((0, 0), |t| (t.folded, t.hidden)));
        if folded > 0 && !show_table() && cell.options.with(|o| o.top.is_none()) {
            notes.push(format!(
                "The chart shows the {DEFAULT_TOP} largest series; the other {folded} are summed as \"other\". Add top=all to the cell's options to draw every series; the CSV (one row per sample) has them all."
            ));
        }
        if hidden > 0 && cell.options.with(|o| o.top.is_none()) {
            notes.push(format!(
                "The chart draws the {DEFAULT_TOP} largest series and leaves out the other {hidden} (their sum would not mean anything here). Add top=all to the cell's options to draw every series; the CSV (one row per sample) has them all."
            ));
        }
        if log_shown() {
            let kind = cell.options.with(|o| o.chart);
            notes.extend(table.with(|t| t.as_ref().and_then(|t| chart::log_note(kind, t))));
        }
        notes
    };
    let chart_summary = move || {
        let options = cell.options.get();
        let drawn = figure_json.with(Option::is_some);
        table
            .with(|t| t.as_ref().filter(|_| drawn).map(|t| chart::cell_summary(t, &options)))
            .map(|text| {
                let log = if log_shown() { " Values on a log scale." } else { "" };
                let notes: Vec<String> =
                    marks.with(|m| m.iter().flatten().map(|m| format!("{}: {}", m.when, m.text)).collect());
                let notes = match notes.is_empty() {
                    true => String::new(),
                    false => format!(" Notes on the timeline: {}.", notes.join("; ")),
                };
                format!("{text}{log}{notes} Show table lists every value.")
            })
            .unwrap_or_default()
    };
    Effect::new(move |_| state_out.set(state()));
    view! {
            <div class="cell-body run-body" data-testid="run">
                <div class="chart-area">
                    <Show when=move || !show_table()>
                        // A labelled figure: the cell's title names it, the caption sums it
                        // up in words, and the table view is its text alternative.
                        <figure class="chart-figure" aria-labelledby=title_id.clone() aria-describedby=summary_id.clone()>
                            <Chart figure=figure_json.into() on_drawn draw_error />
                            <figcaption id=summary_id.clone() data-testid="chart-summary">{chart_summary}</figcaption>
                        </figure>
                        // The notes on the timeline as text too: readable without the chart.
                        {move || {
                            let list = marks.get().unwrap_or_default();
                            (!list.is_empty()).then(|| view! {
                                <ul class="timeline-notes" data-testid="timeline-notes" aria-label="Notes on the timeline">
                                    {list.into_iter().enumerate().map(|(i, m)| view! {
                                        <li data-testid="timeline-note" class:masks=m.masks>
                                            <span class="mark-number" aria-hidden="true">{(i + 1).to_string()}</span>" "
                                            <span class="when">{m.when}</span>" "{m.text}
                                            {m.masks.then_some(" (its values are left out)")}
                                        </li>
                                    }).collect_view()}
                                </ul>
                            })
                        }}
                    </Show>
                    <Show when=move || show_table() && has_rows() && !summarised()>
                        <TableView table=table.into() options=cell.options.into() caption=title />
                    </Show>
                    <Show when=move || summarised() && has_rows()>
                        <SummaryView table=table.into() options=cell.options.into() caption=title />
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
                    {move || run.phase.with(|p| p.invalid().map(str::to_owned)).map(|e| view! { <p class="error" data-testid="error" role="alert">{e}</p> })}
                    {move || draw_error.get().map(|e| view! { <p class="error" data-testid="error">{e}</p> })}
                    <Show when=has_rows>
                        <div class="downloads no-print">
                            <Show when=move || cell.options.with(|o| !o.chart.is_table())>
                                <button type="button" class="secondary" data-testid="table-view" aria-pressed=move || as_table.get().to_string()
                                    on:click=move |_| as_table.update(|t| *t = !*t)>
                                    {move || if as_table.get() { "Show chart" } else { "Show table" }}
                                </button>
                            </Show>
                            <Show when=move || !show_table() && has_log()>
                                <button type="button" class="secondary" data-testid="log-scale" aria-pressed=move || (scale() == Scale::Log).to_string()
                                    title="Draw the values on a logarithmic axis: small series stay visible beside large ones"
                                    on:click=move |_| chosen_scale.set(Some(scale().toggled()))>"Log scale"</button>
                            </Show>
                            // The modebar's camera and zoom reset, for the keyboard.
                            <Show when=move || !show_table() && drawn.with(Option::is_some)>
                                <button type="button" class="secondary" data-testid="download-png" on:click=move |ev| {
                                    let name = chart::file_name(&title.get_untracked());
                                    if let Some(chart) = chart_of(&ev) {
                                        if let Err(e) = crate::ui::chart::download_png(&chart, &name) {
                                            draw_error.set(Some(e));
                                        }
                                    }
                                }>"PNG"</button>
                                <button type="button" class="secondary" data-testid="reset-zoom" on:click=move |ev| {
                                    if let Some(chart) = chart_of(&ev) {
                                        crate::ui::chart::reset_zoom(&chart);
                                    }
                                }>"Reset zoom"</button>
                            </Show>
                            <button type="button" class="secondary" data-testid="download-csv" on:click=move |_| {
                                let (Some(t), Some(p)) = (table.get_untracked(), run.plan.get_untracked()) else { return };
                                let name = format!("{}.csv", chart::file_name(&title.get_untracked()));
                                if let Err(e) = download::save_text(&name, "text/csv;charset=utf-8", &csv::shown(&t, &cell.options.get_untracked(), p.zone())) {
                                    draw_error.set(Some(e));
                                }
                            }>{move || table.with(|t| cell.options.with(|o| csv::shown_label(t.as_ref(), o)))}</button>
                            <button type="button" class="secondary" data-testid="download-tidy-csv" on:click=move |_| {
                                let Some(p) = run.plan.get_untracked() else { return };
                                let name = format!("{}-tidy.csv", chart::file_name(&title.get_untracked()));
                                let text = run.arrived.with_untracked(|all| csv::tidy(all, p.periods(), p.zone()));
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
                                retry(conn);
                            }>"Retry"</button>
                        </p>
                    </For>
                    <For each=move || notes().into_iter().enumerate() key=|(i, n)| (*i, n.clone()) let:((_, note))>
                        <p class="note">{note}</p>
                    </For>
                </aside>
            </div>
    }
}

/// The chart of the cell whose button sent `ev`.
fn chart_of(ev: &leptos::ev::MouseEvent) -> Option<web_sys::HtmlElement> {
    use wasm_bindgen::JsCast;
    let button: web_sys::Element = ev.target()?.dyn_into().ok()?;
    let cell = button.closest(".run-body").ok()??;
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

/// One line under the query: how it is evaluated, and the query as sent when variables
/// or macros changed it.
fn describe(cell: CellState, sent: &str, typed: &str) -> String {
    let also: Vec<bool> = cell.also.with(|also| also.iter().map(|q| q.instant).collect());
    let evaluation = cell.options.with(|o| o.evaluation(&also));
    if !sent.is_empty() && sent != typed {
        format!("{evaluation} Sent as: {sent}")
    } else {
        evaluation
    }
}
