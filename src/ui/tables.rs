//! A cell drawn as numbers: the table view (times down, series across, with the cell's
//! `Total` column and row; a heatmap's buckets across; for instant queries a row per
//! series, as Grafana's table) and the summary view (a stat's or summary's series, one
//! column per reducer). The numbers come from the core (`data::reduce`), as the CSV button's
//! (`csv::shown`) do: what is on screen is what the file holds, every number rounded
//! for reading (`data::reduce::readable`) where the file keeps every digit.

use leptos::prelude::*;
use promnote_core::data::heatmap::heatmap;
use promnote_core::data::reduce::{column_totals, grand_total, readable, row_totals, summary, Summed};
use promnote_core::data::rows::{row_table, Field, Holds};
use promnote_core::data::table::WideTable;
use promnote_core::report::options::{CellOptions, ChartKind, Unit};
use promnote_core::report::thresholds;

/// At most this many rows are shown in a table view; the CSV has them all.
const TABLE_ROWS_SHOWN: usize = 500;

/// At most this many series are shown (a summary's rows, a table's columns); the CSV
/// has them all.
const SERIES_SHOWN: usize = 2000;

/// "Showing 2,000 of 2,345 series; the CSV has all of them.", where some are not shown.
fn more_series(count: usize) -> Option<impl IntoView> {
    (count > SERIES_SHOWN).then(|| {
        view! { <p class="muted">{format!("Showing {} of {} series; the CSV has all of them.", readable(SERIES_SHOWN as f64), readable(count as f64))}</p> }
    })
}

/// A total that added fewer values than there were places says how many it added.
fn total_text(total: &Summed) -> String {
    let value = total.value.map(readable).unwrap_or_default();
    if total.has_gaps() {
        format!("{value} ({} of {})", total.values, total.of)
    } else {
        value
    }
}

/// The unit after a column's name, as the cell names it: ` (bytes)`.
fn unit_suffix(options: &CellOptions) -> String {
    match (&options.axis, options.unit) {
        (Some(axis), _) => format!(" ({axis})"),
        (None, Unit::None) => String::new(),
        (None, unit) => format!(" ({})", unit.name()),
    }
}

/// A value cell of a stat or table: a value mapping's text or the number written for
/// reading, on the colour its mapping or the cell's thresholds give it, in black or white
/// text, whichever keeps WCAG contrast (the colour is also named in `data-colour`).
/// Mapped text is a text node, never markup.
fn value_td(value: Option<f64>, options: &CellOptions, number: bool) -> AnyView {
    let (text, colour) = thresholds::shown(value, readable, options.thresholds.as_ref(), &options.mappings);
    let class = number.then_some("number");
    match colour {
        None => view! { <td class=class>{text}</td> }.into_any(),
        Some(c) => view! {
            <td class=class data-colour=c.hex() style:background-color=c.hex() style:color=c.text_on()>{text}</td>
        }
        .into_any(),
    }
}

/// A stat or summary cell: one row per series (a summary adds its labels), one column per
/// reducer (a stat's is its last value unless `reduce=` says otherwise).
#[component]
pub fn SummaryView(
    table: Signal<Option<WideTable>>,
    options: Signal<CellOptions>,
    /// The cell's title, which the caption repeats.
    caption: Signal<String>,
) -> impl IntoView {
    move || {
        let options = options.get();
        table.with(|t| {
            let t = t.as_ref()?;
            let s = summary(t, &options.reducers());
            let with_labels = options.chart == ChartKind::Summary;
            let suffix = unit_suffix(&options);
            let label_heads = with_labels.then(|| {
                s.label_names.iter().map(|n| view! { <th scope="col">{n.clone()}</th> }).collect_view()
            });
            let value_heads = s
                .reducers
                .iter()
                .map(|r| view! { <th scope="col">{format!("{}{suffix}", r.name())}</th> })
                .collect_view();
            let rows = s
                .rows
                .iter()
                .take(SERIES_SHOWN)
                .map(|row| {
                    let labels = with_labels
                        .then(|| row.labels.iter().map(|l| view! { <td>{l.clone()}</td> }).collect_view());
                    let values = row.values.iter().map(|v| value_td(*v, &options, false)).collect_view();
                    view! { <tr><th scope="row">{row.name.clone()}</th>{labels}{values}</tr> }
                })
                .collect_view();
            let what = s.reducers.iter().map(|r| r.name()).collect::<Vec<_>>().join(", ");
            Some(view! {
                <div class="table-wrap" data-testid="table" tabindex="0" role="region" aria-label=caption.get()>
                    <table class="data">
                        <caption>{format!("{} ({what})", caption.get())}</caption>
                        <thead><tr><th scope="col">"series"</th>{label_heads}{value_heads}</tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
                {more_series(s.rows.len())}
            })
        })
    }
}

/// A table of instant queries, as Grafana shows one: a row per series, its labels as
/// columns and a value column per query, arranged by `columns=`.
fn rows_view(t: &WideTable, options: &CellOptions, caption: &str) -> impl IntoView {
    let rows = row_table(t, &options.columns);
    let suffix = unit_suffix(options);
    let head = rows
        .columns
        .iter()
        .map(|c| match c.holds {
            Holds::Value(_) => {
                view! { <th scope="col" class="number">{format!("{}{suffix}", c.shown)}</th> }.into_any()
            }
            _ => view! { <th scope="col">{c.shown.clone()}</th> }.into_any(),
        })
        .collect_view();
    let body = rows
        .rows
        .iter()
        .take(SERIES_SHOWN)
        .map(|row| {
            let fields = row
                .iter()
                .map(|f| match f {
                    Field::Text(text) => view! { <td>{text.clone()}</td> }.into_any(),
                    Field::Number(v) => value_td(*v, options, true),
                })
                .collect_view();
            view! { <tr>{fields}</tr> }
        })
        .collect_view();
    let unknown =
        rows.unknown_note().map(|note| view! { <p class="muted" data-testid="columns-unknown">{note}</p> });
    let at = t.row_labels.first().cloned().unwrap_or_default();
    view! {
        <div class="table-wrap" data-testid="table" data-rows="series" tabindex="0" role="region" aria-label=caption.to_owned()>
            <table class="data">
                <caption>{format!("{caption} (at {at})")}</caption>
                <thead><tr>{head}</tr></thead>
                <tbody>{body}</tbody>
            </table>
        </div>
        {unknown}
        {more_series(rows.rows.len())}
    }
}

/// A table view of a cell: rows are times, columns series; the latest rows first, the
/// period still running marked "so far". Numbers read as people read them (`1,636`,
/// `0.432`), like the totals beside them; the CSV keeps every digit. With `total=`, a
/// `Total` column (each row's sum) and a `Total` row (each series reduced).
#[component]
pub fn TableView(
    table: Signal<Option<WideTable>>,
    options: Signal<CellOptions>,
    /// The cell's title, which the caption repeats.
    caption: Signal<String>,
) -> impl IntoView {
    move || {
        let options = options.get();
        // Totals are what a table cell asks for; a chart seen as a table shows its values.
        let totals = options.total.filter(|_| options.chart == ChartKind::Table);
        table.with(|t| {
            let t = t.as_ref()?;
            if t.instant && options.chart == ChartKind::Table {
                return Some(rows_view(t, &options, &caption.get()).into_any());
            }
            // A heatmap's table is what it draws (and its CSV holds): what fell in each
            // bucket, a column per bucket, not the cumulative series.
            let buckets = (options.chart == ChartKind::Heatmap).then(|| heatmap(t).table);
            let t = buckets.as_ref().unwrap_or(t);
            let count = t.row_labels.len();
            let shown: Vec<usize> = (0..count).rev().take(TABLE_ROWS_SHOWN).collect();
            let sums = totals.filter(|t| t.column()).map(|_| row_totals(t));
            let columns = &t.columns[..t.columns.len().min(SERIES_SHOWN)];
            let head = columns.iter().map(|c| view! { <th scope="col">{c.name.clone()}</th> }).collect_view();
            let total_head = sums.is_some().then(|| view! { <th scope="col" class="total">"Total"</th> });
            let rows = shown
                .iter()
                .map(|&r| {
                    let cells = columns
                        .iter()
                        .map(|c| value_td(c.values[r], &options, false))
                        .collect_view();
                    let total = sums.as_ref().map(|s| view! { <td class="total">{total_text(&s[r])}</td> });
                    let label = if t.partial_last && r + 1 == count {
                        format!("{} (so far)", t.row_labels[r])
                    } else {
                        t.row_labels[r].clone()
                    };
                    view! { <tr><th scope="row">{label}</th>{cells}{total}</tr> }
                })
                .collect_view();
            let foot = totals.filter(|t| t.row()).map(|_| {
                let reducer = options.total_reducer();
                let cells = column_totals(t, reducer)
                    .into_iter()
                    .take(SERIES_SHOWN)
                    .map(|v| view! { <td>{v.map(readable).unwrap_or_default()}</td> })
                    .collect_view();
                let grand = sums.as_ref().map(|s| {
                    view! { <td class="total">{grand_total(s, reducer).map(readable).unwrap_or_default()}</td> }
                });
                view! { <tfoot><tr class="total"><th scope="row">{format!("Total ({})", reducer.name())}</th>{cells}{grand}</tr></tfoot> }
            });
            let more = (count > TABLE_ROWS_SHOWN).then(|| {
                view! { <p class="muted">{format!("Showing the latest {TABLE_ROWS_SHOWN} of {count} rows; the CSV has all of them.")}</p> }
            });
            Some(view! {
                <div class="table-wrap" data-testid="table" tabindex="0" role="region" aria-label=caption.get()>
                    <table class="data">
                        <caption>{caption.get()}" (latest first)"</caption>
                        <thead><tr><th scope="col">"time"</th>{head}{total_head}</tr></thead>
                        <tbody>{rows}</tbody>
                        {foot}
                    </table>
                </div>
                {more}
                {more_series(t.columns.len())}
            }
            .into_any())
        })
    }
}
