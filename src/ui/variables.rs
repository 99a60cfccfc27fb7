//! The report's variables as controls: a list (with a filter past 300 values) or a text
//! box per variable, frozen to a snapshot's values on a published site.

use leptos::prelude::*;
use promnote_core::report::front::Variable;
use promnote_core::report::variables::{self, Selection, Source};
use wasm_bindgen::JsCast;

use crate::session::Connection;
use crate::state::OpenReport;

/// How many values a variable's list shows at once (a filter narrows longer lists).
const MAX_VARIABLE_OPTIONS: usize = 300;

/// One control per variable; a change re-runs the cells that use it. On a snapshot
/// (`frozen`) each offers only the values the snapshot was taken with, and says so.
#[component]
pub fn Variables(conn: Connection, report: OpenReport, #[prop(into)] frozen: Signal<bool>) -> impl IntoView {
    let changed = move |name: String, selection: Selection| {
        crate::session::variables::changed(conn, report, name, selection);
    };
    view! {
        <div class="variables no-print">
            <For each=move || report.front.get().variables.into_iter().filter(|v| !matches!(v.source, Source::Constant(_))) key=|v| v.name.clone() children=move |v| {
                let name = v.name.clone();
                if let Source::Text(_) = &v.source {
                    return view! { <TextVariable report variable=v on_change=Callback::new(move |(n, s)| changed(n, s)) frozen /> }.into_any();
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
                let count = Memo::new(move |_| report.var_values.with(|m| m.get(&name_for_count).and_then(|r| r.as_ref().ok().map(Vec::len))).unwrap_or(0));
                let options = move || {
                    let selection = report.vars.with(|m| m.get(&name_for_options).cloned()).unwrap_or(Selection::All);
                    let values = if frozen.get() {
                        match &selection {
                            Selection::All => Vec::new(),
                            Selection::Values(values) => values.clone(),
                        }
                    } else {
                        report.var_values.with(|m| {
                            let all = fixed.as_deref().or_else(|| m.get(&name_for_options).and_then(|r| r.as_ref().ok()).map(Vec::as_slice)).unwrap_or_default();
                            variables::shown_values(all, &filter.get(), &selection, MAX_VARIABLE_OPTIONS)
                        })
                    };
                    let include_all = include_all && (!frozen.get() || selection == Selection::All);
                    let all = include_all.then(|| {
                        let selected = selection == Selection::All;
                        view! { <option value=variables::ALL selected=selected>"All"</option> }
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
                let failed = move || report.var_values.with(|m| m.get(&name_for_error).and_then(|r| r.as_ref().err().cloned()));
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
    report: OpenReport,
    variable: Variable,
    on_change: Callback<(String, Selection)>,
    #[prop(into)] frozen: Signal<bool>,
) -> impl IntoView {
    let name = variable.name.clone();
    let label = variable.label.clone().unwrap_or_else(|| variable.name.clone());
    let for_value = name.clone();
    let value = move || {
        report.vars.with(|m| match m.get(&for_value) {
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
