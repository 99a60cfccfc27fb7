//! The datasource list: each Prometheus datasource with its live badge (the core's
//! [`Badge`]), the others as not queried, folded past twelve with a summary.

use leptos::prelude::*;
use promnote_core::run::connect::Badge;

use crate::session::Connection;

/// The list of the connection's datasources, shown once there are any.
#[component]
pub fn DatasourceList(conn: Connection) -> impl IntoView {
    view! {
        <Show when=move || !conn.rows.get().is_empty() || !conn.skipped.get().is_empty()>
            <section class="datasources" aria-labelledby="ds-title">
                <h2 id="ds-title">"Prometheus datasources"</h2>
                // A fleet of fifty clusters would push the report off screen: past
                // FOLD_DATASOURCES the list starts folded, its summary counting statuses.
                <details class="ds-details" prop:open=move || conn.rows.with(|rows| rows.len() <= FOLD_DATASOURCES)>
                <summary data-testid="datasource-summary">{move || summary(conn)}</summary>
                <ul>
                    <For each=move || conn.rows.get() key=|row| row.ds.uid.clone() children=move |row| {
                        let (hook, text) = (row.status.clone(), row.status);
                        let ds = row.ds.clone();
                        let snapshot = conn.transport().is_some_and(|t| t.snapshot().is_some());
                        view! {
                            <li data-testid="datasource" data-uid=row.ds.uid data-status=move || hook.get().hook()>
                                <span class="ds-name">{row.ds.name}</span>
                                <span class="ds-status">{move || text.get().text(&ds, snapshot)}</span>
                            </li>
                        }
                    } />
                    <For each=move || conn.skipped.get() key=|ds| ds.uid.clone() children=move |ds| view! {
                        <li data-testid="datasource" data-uid=ds.uid data-status="unsupported" class="unsupported">
                            <span class="ds-name">{ds.name}</span>
                            <span class="ds-status">{format!("not queried: a {} datasource, not Prometheus", ds.kind)}</span>
                        </li>
                    } />
                </ul>
                </details>
            </section>
        </Show>
    }
}

/// Past this many datasources, the list starts folded.
const FOLD_DATASOURCES: usize = 12;

/// "50 datasources: 48 ok, 1 failed, 1 checking; 1 not queried" (tracked).
fn summary(conn: Connection) -> String {
    let badges: Vec<Badge> = conn.rows.with(|rows| rows.iter().map(|row| row.status.get()).collect());
    Badge::summary(&badges, conn.skipped.with(Vec::len))
}
