//! Grafana dashboards into reports, on the page: a dashboard's JSON pasted, opened or
//! dropped as a file, or picked from the connected Grafana's list ("From Grafana":
//! `/api/search`, then `/api/dashboards/uid/<uid>`). The core's converter does the work
//! ([`promnote_core::dashboard::convert`]), the same as `promnote import-dashboard`; the
//! report opens as the user's own, with what it could not carry over listed at its top.

use leptos::prelude::*;
use promnote_core::report::dashboard::{self, Known};
use promnote_core::run::machine::{DashboardHit, Exchange};

use crate::session::Connection;
use crate::state::OpenReport;
use crate::ui::gallery::open_mine;

/// The connected Grafana's Prometheus datasources, which a converted panel may keep.
fn known(conn: Connection) -> Known {
    conn.rows.with_untracked(|rows| Known::from_datasources(rows.iter().map(|r| &r.ds)))
}

/// Converts a dashboard's JSON and opens it; `source` names it in an error.
pub fn open_dashboard(
    report: OpenReport,
    conn: Connection,
    problem: RwSignal<Option<String>>,
    json: &str,
    source: &str,
) {
    match dashboard::convert(json, &known(conn)) {
        Ok(conversion) => {
            problem.set(None);
            open_mine(report, conn, conversion.report);
        }
        Err(e) => problem.set(Some(format!("{source} could not be converted: {e}"))),
    }
}

/// Whether a file's text is a dashboard's JSON, or a Grafana Notebook's Markdown export,
/// rather than a report: either is converted.
pub fn is_dashboard_file(name: &str, text: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".json")
        || text.trim_start().starts_with('{')
        || dashboard::is_notebook(text)
}

/// The button that opens and closes [`DashboardImport`].
#[component]
pub fn ImportButton(open: RwSignal<bool>) -> impl IntoView {
    view! {
        <button type="button" class="secondary" data-testid="import-dashboard" aria-expanded=move || open.get().to_string()
            aria-controls="dashboard-import" on:click=move |_| open.update(|o| *o = !*o)>"Import a Grafana dashboard"</button>
    }
}

/// The "Import a Grafana dashboard" panel (shown while `open`): paste its JSON, or pick it
/// from the connected Grafana.
#[component]
#[expect(
    clippy::too_many_lines,
    reason = "the panel's view! markup: paste, or pick from Grafana's list with folders and a filter"
)]
pub fn DashboardImport(
    report: OpenReport,
    conn: Connection,
    problem: RwSignal<Option<String>>,
    open: RwSignal<bool>,
) -> impl IntoView {
    let pasted = RwSignal::new(String::new());
    let hits = RwSignal::new(None::<Result<Vec<DashboardHit>, String>>);
    let filter = RwSignal::new(String::new());
    let busy = RwSignal::new(None::<String>);
    let live_grafana = move || {
        conn.ready.track();
        conn.transport().is_some_and(|t| t.has_grafana())
    };
    let list = move || {
        let Some(transport) = conn.transport().filter(|t| t.has_grafana()) else { return };
        let Some((_, signal)) = conn.abort_signal() else { return };
        hits.set(None);
        leptos::task::spawn_local(async move {
            let found = transport.drive(Exchange::dashboards(), &signal).await;
            if !signal.aborted() {
                hits.set(Some(found.map_err(|e| transport.describe(&e))));
            }
        });
    };
    let pick = move |hit: DashboardHit| {
        let Some(transport) = conn.transport() else { return };
        let Some((_, signal)) = conn.abort_signal() else { return };
        busy.set(Some(hit.uid.clone()));
        leptos::task::spawn_local(async move {
            let answer = transport.drive(Exchange::dashboard(&hit.uid), &signal).await;
            busy.set(None);
            if signal.aborted() {
                return;
            }
            match answer {
                Ok(json) => {
                    open.set(false);
                    open_dashboard(
                        report,
                        conn,
                        problem,
                        &json,
                        &format!("The dashboard \u{201c}{}\u{201d}", hit.title),
                    );
                }
                Err(e) => problem.set(Some(transport.describe(&e))),
            }
        });
    };
    // The list is read when the panel opens, again after each new connection (another
    // Grafana, another token), and with Retry.
    let listed_for = StoredValue::new(None::<u32>);
    Effect::new(move |_| {
        let ready = conn.ready.get();
        if open.get() && live_grafana() && listed_for.get_value() != Some(ready) {
            listed_for.set_value(Some(ready));
            list();
        }
    });
    let shown = move || {
        let needle = filter.get().to_lowercase();
        hits.with(|h| match h {
            Some(Ok(all)) => Some(Ok(all
                .iter()
                .filter(|hit| {
                    needle.is_empty()
                        || hit.title.to_lowercase().contains(&needle)
                        || hit.folder.as_deref().is_some_and(|f| f.to_lowercase().contains(&needle))
                })
                .cloned()
                .collect::<Vec<_>>())),
            Some(Err(e)) => Some(Err(e.clone())),
            None => None,
        })
    };
    view! {
        <Show when=move || open.get()>
            <section id="dashboard-import" class="dashboard-import" aria-label="Import a Grafana dashboard">
                <p class="muted">"A dashboard becomes a report: each panel's queries a cell, its variables the report's. What a report cannot hold is listed at its top. Open a dashboard's .json file, or a Grafana Notebook's .md export, with \u{201c}Open a file\u{201d} (or drop it here), paste its JSON (or a notebook's Markdown), or pick one from the connected Grafana."</p>
                <Show when=live_grafana fallback=|| view! { <p class="muted">"Connect to Grafana to pick one of its dashboards."</p> }>
                    <h3>"From Grafana"</h3>
                    <label class="variable">
                        <span>"Filter"</span>
                        <input type="search" data-testid="dashboard-filter" placeholder="title or folder"
                            prop:value=move || filter.get() on:input=move |ev| filter.set(event_target_value(&ev)) />
                    </label>
                    {move || match shown() {
                        None => view! { <p class="placeholder">"Listing Grafana's dashboards…"</p> }.into_any(),
                        Some(Err(e)) => view! {
                            <p class="error" role="alert">{e}
                                <button type="button" class="link" on:click=move |_| list()>"Retry"</button>
                            </p>
                        }.into_any(),
                        Some(Ok(list)) if list.is_empty() && filter.with(String::is_empty) => view! {
                            <p class="muted" data-testid="no-dashboards">"Grafana lists no dashboard that this token may read: a service account needs the Viewer role, or view access to the dashboards' folders."</p>
                        }.into_any(),
                        Some(Ok(list)) if list.is_empty() => view! { <p class="muted">"No dashboard matches the filter."</p> }.into_any(),
                        Some(Ok(list)) => view! {
                            <ul class="dashboard-list" data-testid="dashboard-list">
                                {list.into_iter().map(|hit| {
                                    let folder = hit.folder.clone().unwrap_or_else(|| "General".into());
                                    let (title, uid) = (hit.title.clone(), hit.uid.clone());
                                    let loading = move || busy.with(|b| b.as_deref() == Some(uid.as_str()));
                                    view! {
                                        <li>
                                            <button type="button" class="link" data-testid="dashboard" data-uid=hit.uid.clone()
                                                on:click=move |_| pick(hit.clone())>{title}</button>
                                            <span class="muted">{format!(" in {folder}")}</span>
                                            <Show when=loading><span class="muted">" — opening…"</span></Show>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                    }}
                </Show>
                <h3>"Paste its JSON"</h3>
                <textarea data-testid="dashboard-json" rows="5" spellcheck="false" autocomplete="off"
                    aria-label="The dashboard's JSON" placeholder="{ \"title\": …, \"panels\": [ … ] }"
                    prop:value=move || pasted.get() on:input=move |ev| pasted.set(event_target_value(&ev))></textarea>
                <button type="button" data-testid="convert-dashboard" prop:disabled=move || pasted.with(|p| p.trim().is_empty())
                    on:click=move |_| {
                        let json = pasted.get_untracked();
                        open_dashboard(report, conn, problem, &json, "The pasted JSON");
                        if problem.with_untracked(Option::is_none) {
                            open.set(false);
                            pasted.set(String::new());
                        }
                    }>"Convert to a report"</button>
            </section>
        </Show>
    }
}
