//! A cell's editor: its PromQL with completion of metric and label names (the core says
//! what to complete at the cursor), its options, and its further queries (B, C, …).

use leptos::prelude::*;
use promnote_core::report::complete::{self, byte_offset, utf16_offset, Kind};
use promnote_core::report::format::{query_letter, Query, MAX_QUERIES};
use promnote_core::report::options::{CellOptions, ChartKind, Unit, CELL_OPTIONS};

use crate::session::Connection;
use crate::state::CellState;

/// The query editor: the PromQL, the options, and completion of metric and label names.
#[component]
pub fn CellEditor(conn: Connection, cell: CellState, on_run: Callback<()>) -> impl IntoView {
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
        // selectionStart counts UTF-16 units: the core turns it into a byte offset.
        let units = el.selection_start().ok().flatten().unwrap_or(0) as usize;
        cursor.set(Some(byte_offset(&text, units)));
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
            let units = cell.query.with_untracked(|q| utf16_offset(q, at)) as u32;
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
                "Options: {}. chart: {}; step: 1d = calendar days, or 5m, 1h, auto; instant=true: evaluated once, at the end of the range; unit: {}. Ctrl+Enter runs the cell.",
                CELL_OPTIONS.join(", "),
                ChartKind::names().join(", "),
                Unit::names().join(", ")
            )}</p>
        </div>
    }
}

/// The editor of a cell's further queries (B, C, …): each its PromQL, its legend and
/// whether it is an instant query, and
/// a button to add one or take it away.
#[component]
pub fn MoreQueries(cell: CellState) -> impl IntoView {
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
                let instant = move || cell.also.with(|all| all.get(i).is_some_and(|q| q.instant));
                view! {
                    <fieldset class="editor-query-more" data-testid="more-query">
                        <legend>{format!("Query {letter}")}</legend>
                        <textarea rows="2" spellcheck="false" autocomplete="off" aria-label=format!("PromQL of query {letter}")
                            prop:value=query
                            on:input=move |ev| { let text = event_target_value(&ev); set(i, Box::new(move |q| q.query = text)); }></textarea>
                        <input type="text" spellcheck="false" autocomplete="off" aria-label=format!("Legend of query {letter}")
                            placeholder="legend, e.g. {{instance}}" prop:value=legend
                            on:change=move |ev| { let text = event_target_value(&ev); set(i, Box::new(move |q| q.legend = Some(text).filter(|t| !t.is_empty()))); } />
                        <label>
                            <input type="checkbox" prop:checked=instant
                                on:change=move |ev| { let on = event_target_checked(&ev); set(i, Box::new(move |q| q.instant = on)); } />
                            " Instant (evaluated once, at the end of the range)"
                        </label>
                        <button type="button" class="secondary" on:click=move |_| cell.also.update(|all| { if i < all.len() { all.remove(i); } })>
                            {format!("Remove query {letter}")}
                        </button>
                    </fieldset>
                }
            }).collect_view()}
            <Show when=move || count() + 1 < MAX_QUERIES>
                <button type="button" class="secondary" data-testid="add-query"
                    on:click=move |_| cell.also.update(|all| all.push(Query::default()))>"Add a query"</button>
            </Show>
        </div>
    }
}
