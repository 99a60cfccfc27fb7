//! The page: the connect form, the datasource list with live status, the gallery and
//! the open report. Components read narrow signals from [`Connection`] and [`OpenReport`]; all
//! decisions about data live in `promnote_core`.

use std::rc::Rc;

use leptos::prelude::*;
use promnote_core::api::replay::{Snapshot, SnapshotEntry, SnapshotIndex};
use promnote_core::api::ApiError;
use promnote_core::report::format;

use crate::api::{Replayed, Transport};
use crate::perf;
use crate::session::Connection;
use crate::state::OpenReport;
use crate::ui::connect::ConnectForm;
use crate::ui::cors_help::CorsHelp;
use crate::ui::datasources::DatasourceList;
use crate::ui::gallery::{known, open_shared, route, Gallery};
use crate::ui::report::ReportView;

/// What the report is running against.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    /// Nothing yet.
    Idle,
    /// Live servers: a Grafana at this base URL, and Prometheus servers called directly.
    Live {
        /// The Grafana's base URL, if one was typed.
        grafana: Option<String>,
        /// The direct Prometheus addresses.
        direct: Vec<String>,
    },
    /// The bundled recording, made at this time.
    Demo(i64),
    /// A snapshot this site carries; what its banner says.
    Snapshot(String),
}

/// The whole page.
#[component]
#[expect(clippy::too_many_lines, reason = "the page's layout in view! markup, after the routing it needs")]
pub fn App() -> impl IntoView {
    let conn = Connection::new();
    let report = OpenReport::new();
    let mode = RwSignal::new(Mode::Idle);
    let link_grafana = RwSignal::new(None::<String>);
    let problem = RwSignal::new(None::<String>);
    // The published snapshots this site carries, if any (read once at start).
    let snapshots = RwSignal::new(None::<SnapshotIndex>);
    // Open what the address asks for: a share link, a report (its snapshot, while the
    // page shows snapshots), or the flagship.
    let follow = move |fragment: String| {
        if fragment.starts_with("#share=") {
            leave_snapshot(conn, report, mode);
            match open_shared(report, &fragment) {
                Ok(opened) => {
                    problem.set(opened.refused);
                    link_grafana.set(opened.grafana);
                }
                Err(e) => problem.set(Some(e)),
            }
        } else {
            let showing_snapshots = matches!(mode.get_untracked(), Mode::Idle | Mode::Snapshot(_));
            let entry = snapshots.with_untracked(|index| {
                let index = index.as_ref().filter(|_| showing_snapshots)?;
                let id = route(&fragment);
                let entry = match id {
                    Some(id) => index.snapshots.iter().find(|e| e.id == id),
                    None => index.snapshots.first(),
                };
                entry.cloned()
            });
            if let Some(entry) = entry {
                open_snapshot(conn, report, mode, problem, entry);
                return;
            }
            let id = route(&fragment)
                .filter(|id| known(id))
                .unwrap_or_else(|| crate::state::BUILT_IN[0].id.to_owned());
            if report.id.get_untracked() == id && !report.snapshot.get_untracked() {
                return;
            }
            if let Err(e) = report.open(&id) {
                problem.set(Some(e));
                return;
            }
            // Another snapshot's answers are not this report's: it waits for Connect.
            leave_snapshot(conn, report, mode);
            problem.set(None);
            conn.refresh_now(false);
        }
        crate::session::cells::run_all(conn, report);
    };
    let hash = || web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default();
    follow(hash());
    if !hash().starts_with("#share=") {
        leptos::task::spawn_local(async move {
            let Ok(controller) = web_sys::AbortController::new() else { return };
            match crate::api::load_snapshot_index(&controller.signal()).await {
                Ok(Some(index)) if !index.snapshots.is_empty() => {
                    snapshots.set(Some(index));
                    // Unless the reader has already connected or started the demo.
                    let untouched = mode.get_untracked() == Mode::Idle
                        && !conn.listing.get_untracked()
                        && conn.transport().is_none();
                    if untouched {
                        follow(hash());
                    }
                }
                Ok(_) | Err(ApiError::Cancelled) => {}
                Err(e) => problem.set(Some(e.to_string())),
            }
        });
    }
    crate::ui::chart::fit_charts_to_paper();
    let listener = window_event_listener(leptos::ev::hashchange, move |_| follow(hash()));
    on_cleanup(move || listener.remove());
    let grafana = Signal::derive(move || match mode.get() {
        Mode::Live { grafana, .. } => grafana,
        _ => None,
    });
    let replay = Signal::derive(move || matches!(mode.get(), Mode::Demo(_) | Mode::Snapshot(_)));
    let report_shown = RwSignal::new(false);
    leptos::task::spawn_local(async move {
        perf::sleep_ms(0).await;
        report_shown.set(true);
    });
    let gallery_snapshots = Signal::derive(move || {
        let showing = matches!(mode.get(), Mode::Idle | Mode::Snapshot(_));
        snapshots.get().filter(|_| showing).map(|index| index.snapshots)
    });
    view! {
        <a class="skip-link no-print" href="#report" data-testid="skip-link" on:click=|ev: leptos::ev::MouseEvent| {
            // The address' fragment names the report: focus it without touching the address.
            ev.prevent_default();
            skip_to_report();
        }>"Skip to the report"</a>
        <header class="masthead no-print">
            <span class="brand">"promnote"</span>
            <span class="tagline">"PromQL notebooks in the browser"</span>
        </header>
        <main>
            <ConnectForm conn report mode link_grafana />
            <CorsHelp conn />
            <DatasourceList conn />
            // The form comes first: the report (prose, cells, editors) renders a task later,
            // so the form is on screen and works as soon as the wasm has started.
            <Show when=move || report_shown.get()>
                <Gallery report conn problem snapshots=gallery_snapshots />
                <ReportView conn report grafana replay />
            </Show>
        </main>
        <footer class="no-print">
            "Runs entirely in your browser. Tokens and passwords stay in memory unless you choose to keep them, and each is sent only to the server you typed it for. "
            <a href="https://github.com/promnote/promnote#a-token-with-least-privilege" rel="noopener noreferrer">
                "How to make a read-only token"
            </a>
        </footer>
    }
}

/// Moves the keyboard focus to the open report's title (what the skip link does).
fn skip_to_report() {
    use wasm_bindgen::JsCast;
    let title = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector("[data-testid=report-title]").ok().flatten())
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(title) = title {
        let _ = title.focus();
        title.scroll_into_view();
    }
}

/// Opens a published snapshot: loads its file, opens its report with the range, zone
/// and variable values it was taken with, and replays its answers.
fn open_snapshot(
    conn: Connection,
    report: OpenReport,
    mode: RwSignal<Mode>,
    problem: RwSignal<Option<String>>,
    entry: SnapshotEntry,
) {
    if report.snapshot.get_untracked()
        && report.id.get_untracked() == entry.id
        && matches!(mode.get_untracked(), Mode::Snapshot(_))
    {
        return;
    }
    conn.cancel();
    let Some((_, signal)) = conn.abort_signal() else { return };
    leptos::task::spawn_local(async move {
        let snapshot = match crate::api::load_snapshot(&entry.file, &signal).await {
            Ok(snapshot) => snapshot,
            Err(ApiError::Cancelled) => return,
            Err(e) => {
                problem.set(Some(e.to_string()));
                return;
            }
        };
        if signal.aborted() {
            return;
        }
        let nb = match format::parse(&snapshot.report) {
            Ok(nb) => nb,
            Err(e) => {
                problem.set(Some(format!(
                    "The snapshot of {} holds a report that cannot be read: {e}",
                    entry.title
                )));
                return;
            }
        };
        let zone = match crate::zone::zone(&snapshot.zone) {
            Ok(zone) => zone,
            Err(e) => {
                problem.set(Some(format!("The snapshot of {}: {e}", entry.title)));
                return;
            }
        };
        let (vars, refused) = nb.requested(snapshot.variables.clone());
        problem.set((!refused.is_empty()).then(|| {
            format!(
                "The snapshot of {} holds variable values its report cannot take: {}.",
                entry.title,
                refused.join("; ")
            )
        }));
        report.clear_runs();
        report.load_snapshot(&snapshot.id, nb, (snapshot.from.clone(), snapshot.to.clone()), &vars);
        conn.zone.set(zone);
        mode.set(Mode::Snapshot(snapshot_banner(&snapshot)));
        conn.connect(Transport::Replay(Rc::new(Replayed::Snapshot(snapshot))));
    });
}

/// Leaves the snapshot a page shows (if it shows one): its answers and zone go, and its
/// report, if built in, becomes the built-in one again (with the reader's saved edits),
/// so that what follows runs live and edits are kept.
pub fn leave_snapshot(conn: Connection, report: OpenReport, mode: RwSignal<Mode>) {
    if !matches!(mode.get_untracked(), Mode::Snapshot(_)) {
        return;
    }
    conn.forget_session();
    conn.zone.set(jiff::tz::TimeZone::UTC);
    mode.set(Mode::Idle);
    let id = report.id.get_untracked();
    if report.snapshot.get_untracked() && crate::state::built_in(&id).is_some() {
        let _ = report.open(&id);
    }
}

/// "Snapshot of grafana.example.org, taken 2026-12-01 06:00 UTC. Connect to see live data."
fn snapshot_banner(snapshot: &Snapshot) -> String {
    let mut banner = format!("{} Connect to see live data.", snapshot.banner());
    if !snapshot.variables.is_empty() {
        banner.push_str(" Variables offer only the values the snapshot was taken with.");
    }
    match snapshot.failed.len() {
        0 => {}
        1 => banner.push_str(" One datasource failed when it was taken (see the report)."),
        n => banner.push_str(&format!(" {n} datasource failures when it was taken (see the report).")),
    }
    banner
}
