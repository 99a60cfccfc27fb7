//! The open report: its toolbar (time range, zone, run all, share link, downloads,
//! reset), its variables, and its prose and cells, which can be added, edited, moved
//! and deleted in the page.

use leptos::prelude::*;
use promnote_core::data::chart::file_name;
use promnote_core::data::csv;
use promnote_core::data::plan::CellPlan;
use promnote_core::data::series::Arrival;
use promnote_core::report::share::{self, Shared};
use promnote_core::report::{Cell, CellOptions};
use promnote_core::time::clock::rfc3339_utc;
use promnote_core::time::TimeRange;
use wasm_bindgen::JsCast;

use crate::download;
use crate::perf;
use crate::session::cells::run_all;
use crate::session::Connection;
use crate::state::{CellState, OpenReport, ReportBlock};
use crate::ui::cell::CellView;
use crate::ui::prose::Prose;
use crate::ui::variables::Variables;
use crate::zone;

/// The open report.
#[component]
#[expect(
    clippy::too_many_lines,
    reason = "the report's view! markup: toolbar, share link, variables, blocks"
)]
pub fn ReportView(
    conn: Connection,
    report: OpenReport,
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
            run_all(conn, report);
        }
    });
    // Save edits in the browser.
    Effect::new(move |_| {
        report.track();
        report.save();
    });
    // `promnote:drawn` once per run: when every cell has settled and every value in the
    // prose is worked out.
    let marked = StoredValue::new(0u32);
    Effect::new(move |_| {
        let run = report.runs.get();
        if run == 0 || marked.get_value() == run {
            return;
        }
        let cells = report.blocks.with(|b| {
            b.iter()
                .filter_map(|b| if let ReportBlock::Cell(c) = b { Some(*c) } else { None })
                .collect::<Vec<_>>()
        });
        let settled = cells.iter().all(CellState::settled) && !report.values.loading();
        if settled {
            marked.set_value(run);
            perf::mark("promnote:drawn");
        }
    });
    let range_error = RwSignal::new(None::<String>);
    let set_range = move |from: Option<String>, to: Option<String>| {
        if let Some(from) = from {
            report.from.set(from);
        }
        if let Some(to) = to {
            report.to.set(to);
        }
        let now = jiff::Timestamp::from_millisecond(perf::wall_ms()).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        match TimeRange::parse(
            &report.from.get_untracked(),
            &report.to.get_untracked(),
            now,
            &conn.zone.get_untracked(),
        ) {
            Ok(_) => {
                range_error.set(None);
                perf::mark("promnote:click");
                conn.refresh_now(true);
                run_all(conn, report);
            }
            Err(e) => range_error.set(Some(e.to_string())),
        }
    };
    let share_text = RwSignal::new(None::<String>);
    let report_error = RwSignal::new(None::<String>);
    let add = move |cell: bool| {
        let block = if cell {
            report.cell_block(Cell::new("", CellOptions::default()), true)
        } else {
            report.prose_block("", true)
        };
        report.blocks.update(|b| b.push(block));
    };
    view! {
        <article class="report" data-testid="report" data-report=move || report.id.get()>
            <div class="report-head">
                <h1 data-testid="report-title" id="report" tabindex="-1">{move || report.front.with(|f| f.title.clone())}</h1>
                <p class="print-only muted">
                    {move || format!("Time range: {} to {}", report.from.get(), report.to.get())}
                    {move || {
                        // Generated at the connection's "now" (re-read on every run).
                        report.runs.track();
                        conn.transport().map(|_| format!(" · generated {}", rfc3339_utc(conn.now_ms())))
                    }}
                </p>
                {move || {
                    report.runs.track();
                    conn.transport().and_then(|t| t.snapshot().map(|s| s.banner())).map(|banner| view! {
                        <p class="print-only muted" data-testid="print-snapshot">{banner}</p>
                    })
                }}
            </div>
            <div class="toolbar no-print">
                <label class="time"><span>"From"</span>
                    <input type="text" data-testid="time-from" spellcheck="false" prop:value=move || report.from.get()
                        on:change=move |ev| set_range(Some(event_target_value(&ev)), None) /></label>
                <label class="time"><span>"To"</span>
                    <input type="text" data-testid="time-to" spellcheck="false" prop:value=move || report.to.get()
                        on:change=move |ev| set_range(None, Some(event_target_value(&ev))) /></label>
                <ZonePicker conn report disabled=replay />
                <button type="button" data-testid="run-all" on:click=move |_| {
                    perf::mark("promnote:click");
                    conn.refresh_now(true);
                    run_all(conn, report);
                }>"Run all"</button>
                <button type="button" class="secondary" data-testid="share" on:click=move |_| {
                    share_text.set(Some(share_link(report, grafana.get_untracked())));
                }>"Share link"</button>
                <button type="button" class="secondary" data-testid="download-md" on:click=move |_| {
                    let name = format!("{}.md", file_name(&report.front.get_untracked().title));
                    if let Err(e) = download::save_text(&name, "text/markdown;charset=utf-8", &report.source_untracked()) {
                        report_error.set(Some(e));
                    }
                }>"Download .md"</button>
                <button type="button" class="secondary" data-testid="download-report-csv" on:click=move |_| {
                    let zone = conn.zone.get_untracked();
                    let cells = report_cells(report);
                    let parts: Vec<csv::ReportCell<'_>> = cells.iter().map(|(title, arrived, plan, repeat)| (title.as_str(), arrived.as_slice(), plan.as_ref().and_then(CellPlan::periods), repeat.as_deref())).collect();
                    let name = format!("{}.csv", file_name(&report.front.get_untracked().title));
                    if let Err(e) = download::save_text(&name, "text/csv;charset=utf-8", &csv::report_tidy(&parts, &zone)) {
                        report_error.set(Some(e));
                    }
                }>"Report CSV"</button>
                <Show when=move || report.edited.get()>
                    <button type="button" class="secondary" data-testid="reset-report" title="Throw away your edits of this built-in report"
                        on:click=move |_| { report.reset(); run_all(conn, report); }>"Reset to original"</button>
                </Show>
            </div>
            {move || report.save_failed.get().map(|e| view! { <p class="warning" data-testid="save-failed" role="status">{e}</p> })}
            {move || range_error.get().map(|e| view! { <p class="error" data-testid="error" role="alert">{e}</p> })}
            {move || report_error.get().map(|e| view! { <p class="error" data-testid="error" role="alert">{e}</p> })}
            {move || unmatched_masks(conn, report).into_iter().map(|n| view! {
                <p class="note" data-testid="annotation-note" role="status">{n}</p>
            }).collect_view()}
            {move || report.query_marks.with(|(_, notes)| notes.clone()).into_iter().map(|n| view! {
                <p class="note" data-testid="annotation-note" role="status">{n}</p>
            }).collect_view()}
            {move || share_text.get().map(|link| view! {
                <div class="share no-print">
                    <label><span>"Share link (holds the report, range, variables and Grafana address; never the token)"</span>
                        <input type="text" readonly data-testid="share-link" prop:value=link
                            on:focus=move |ev| { if let Some(el) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) { el.select(); } } />
                    </label>
                </div>
            })}
            <Variables conn report frozen=Signal::derive(move || replay.get() && report.snapshot.get()) />
            <For each=move || report.blocks.get() key=ReportBlock::key children=move |block| match block {
                ReportBlock::Prose { key, text, editing } => view! { <ProseBlock conn report key text editing /> }.into_any(),
                ReportBlock::Cell(cell) => view! { <CellView conn report cell /> }.into_any(),
            } />
            <div class="add no-print">
                <button type="button" class="secondary" data-testid="add-cell" on:click=move |_| add(true)>"+ Query cell"</button>
                <button type="button" class="secondary" data-testid="add-text" on:click=move |_| add(false)>"+ Text"</button>
            </div>
        </article>
    }
}

/// The masking annotations no series matched, once every cell of a run is done.
fn unmatched_masks(conn: Connection, report: OpenReport) -> Vec<String> {
    if report.runs.get() == 0 || report.cells_running() || conn.transport().is_none() {
        return Vec::new();
    }
    let marks = report.front.with(|f| {
        promnote_core::data::timeline::resolve(&f.annotations, conn.now_ms(), &conn.zone.get_untracked())
    });
    report.masked.with(|matched| promnote_core::data::timeline::unmatched_masks(&marks, matched))
}

/// A cell's (or a repeat's) title, answers, plan and repeat value.
type CellAnswers = (String, Vec<Arrival>, Option<CellPlan>, Option<String>);

/// Every cell's (or repeat's) answers, for the Report CSV.
fn report_cells(report: OpenReport) -> Vec<CellAnswers> {
    let mut cells = Vec::new();
    for c in report.cells() {
        let repeats = c.repeats.get_untracked();
        if c.options.with_untracked(|o| o.repeat.is_some()) {
            for r in repeats {
                let value = r.value.get_value();
                cells.push((
                    c.title(),
                    r.run.arrived.get_untracked(),
                    r.run.plan.get_untracked(),
                    Some(value),
                ));
            }
        } else {
            cells.push((c.title(), c.run.arrived.get_untracked(), c.run.plan.get_untracked(), None));
        }
    }
    cells
}

/// A prose block, shown rendered or, while editing, as its Markdown.
#[component]
pub fn ProseBlock(
    conn: Connection,
    report: OpenReport,
    key: u32,
    text: RwSignal<String>,
    editing: RwSignal<bool>,
) -> impl IntoView {
    view! {
        <section class="prose-block" data-testid="prose">
            <Show when=move || editing.get() fallback=move || view! { <Prose text=text values=report.values /> }>
                <textarea class="prose-editor" data-testid="prose-source" rows="6" prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))></textarea>
            </Show>
            <div class="block-tools no-print">
                <button type="button" class="link" data-testid="edit-text" on:click=move |_| {
                    editing.update(|e| *e = !*e);
                    // Values written while editing are worked out once the text is done.
                    if !editing.get_untracked() {
                        crate::session::values::run_new_values(conn, report);
                    }
                }>
                    {move || if editing.get() { "Done" } else { "Edit text" }}</button>
                <button type="button" class="icon" title="Move up" aria-label="Move text up" on:click=move |_| report.shift(key, -1)><span aria-hidden="true">"↑"</span></button>
                <button type="button" class="icon" title="Move down" aria-label="Move text down" on:click=move |_| report.shift(key, 1)><span aria-hidden="true">"↓"</span></button>
                <button type="button" class="icon" title="Delete text" aria-label="Delete text" on:click=move |_| report.remove(key)><span aria-hidden="true">"✕"</span></button>
            </div>
        </section>
    }
}

/// Chooses the zone whose midnights cut the days: UTC, or the browser's zone.
#[component]
pub fn ZonePicker(
    conn: Connection,
    report: OpenReport,
    #[prop(into)] disabled: Signal<bool>,
) -> impl IntoView {
    let browser = zone::browser_zone_name().filter(|name| name != "UTC" && zone::is_known(name));
    let choose = move |ev: leptos::ev::Event| {
        let name = event_target_value(&ev);
        match zone::zone(&name) {
            Ok(zone) => {
                conn.zone.set(zone);
                perf::mark("promnote:click");
                run_all(conn, report);
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

/// The link that opens this report, as it is now, on this page.
fn share_link(report: OpenReport, grafana: Option<String>) -> String {
    let vars =
        report.vars.with_untracked(|m| m.iter().map(|(name, sel)| (name.clone(), sel.to_values())).collect());
    let shared = Shared {
        source: report.source_untracked(),
        from: report.from.get_untracked(),
        to: report.to.get_untracked(),
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
