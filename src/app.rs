//! The page: the connect form, the datasource list with live status, the gallery (or a
//! sealed site's unlock panel) and the open report. Components read narrow signals from
//! [`Connection`] and [`OpenReport`]; all decisions about data live in `promnote_core`.

use std::rc::Rc;

use leptos::prelude::*;
use promnote_core::api::replay::{Carried, Snapshot, SnapshotEntry, SnapshotIndex};
use promnote_core::report::format;

use crate::api::{Replayed, Transport};
use crate::keep::{self, Keep};
use crate::perf;
use crate::session::Connection;
use crate::site::{Access, Found, Opener};
use crate::state::OpenReport;
use crate::ui::connect::ConnectForm;
use crate::ui::cors_help::CorsHelp;
use crate::ui::datasources::DatasourceList;
use crate::ui::gallery::{known, open_shared, route, Gallery};
use crate::ui::published::{SiteAccess, UnlockPanel, Unlocked};
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
    /// A snapshot this site carries.
    Snapshot(Box<Shown>),
}

/// A snapshot on show: what its banner says, and its entry in the site's index (the
/// files offered with it).
#[derive(Debug, Clone, PartialEq)]
pub struct Shown {
    /// "Snapshot of grafana.example.org, taken …".
    pub banner: String,
    /// Its entry in the index.
    pub entry: SnapshotEntry,
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
    // The published snapshots this site carries, if any (read once at start; a sealed
    // site's once it is unlocked).
    let snapshots = RwSignal::new(None::<SnapshotIndex>);
    // Whether they are sealed, and the key that opens them (in memory only).
    let access = RwSignal::new_local(Access::Plain);
    provide_context(SiteAccess(access));
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
                match route(&fragment) {
                    // `#/<id>@<day>`: its dated copy of that day (`--history`).
                    Some(id) if id.contains('@') => {
                        let (id, day) = id.split_once('@')?;
                        index.snapshots.iter().find(|e| e.id == id)?.as_of(day)
                    }
                    Some(id) => index.snapshots.iter().find(|e| e.id == id).cloned(),
                    None => index.snapshots.first().cloned(),
                }
            });
            if let Some(entry) = entry {
                open_snapshot(conn, report, mode, problem, entry, access.with_untracked(Access::opener));
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
    // The site's snapshots, once read (or unlocked): listed, and the one the address
    // names opened, unless the reader has already connected or started the demo.
    let show_index = move |index: SnapshotIndex| {
        if index.snapshots.is_empty() {
            return;
        }
        snapshots.set(Some(index));
        let untouched =
            mode.get_untracked() == Mode::Idle && !conn.listing.get_untracked() && conn.transport().is_none();
        if untouched {
            follow(hash());
        }
    };
    if !hash().starts_with("#share=") {
        leptos::task::spawn_local(async move {
            let Ok(controller) = web_sys::AbortController::new() else { return };
            match crate::site::find(&controller.signal()).await {
                Ok(Some(Found::Plain(index))) => show_index(index),
                Ok(Some(Found::Sealed(sealed))) => access.set(Access::Locked(sealed)),
                Ok(None) => {}
                Err(e) if e.is_cancelled() => {}
                Err(e) => problem.set(Some(e.to_string())),
            }
        });
    }
    let unlocked = move |opener: Opener, index: SnapshotIndex, kept: Result<Keep, String>| {
        access.set(Access::Open { opener, kept });
        show_index(index);
    };
    // Lock: the key, the kept passphrase and everything opened with them leave the page.
    let lock = move || {
        let Some(site) = access.with_untracked(|a| a.opener().map(|o| o.site())) else { return };
        keep::forget_passphrase();
        conn.cancel();
        leave_snapshot(conn, report, mode);
        snapshots.set(None);
        problem.set(None);
        if report.snapshot.get_untracked() {
            let _ = report.open(crate::state::BUILT_IN[0].id);
        }
        report.clear_runs();
        access.set(Access::Locked(site));
    };
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
    let showing_snapshots = move || matches!(mode.get(), Mode::Idle | Mode::Snapshot(_));
    let gallery_snapshots =
        Signal::derive(move || snapshots.get().filter(|_| showing_snapshots()).map(|index| index.snapshots));
    // A sealed site waiting for its passphrase shows the unlock panel instead of the
    // gallery and the report (unless the reader went live or to the demo).
    let locked = Signal::derive(move || showing_snapshots() && access.with(Access::is_locked));
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
                <Show when=move || !locked.get() fallback=move || view! { <UnlockPanel access on_open=unlocked /> }>
                    <Show when=showing_snapshots>
                        <Unlocked access on_lock=lock />
                    </Show>
                    <Gallery report conn problem snapshots=gallery_snapshots />
                </Show>
                // Kept mounted while locked (its runs and effects stay as they are), only hidden.
                <div class="report-slot" style:display=move || locked.get().then_some("none")>
                    <ReportView conn report grafana replay />
                </div>
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

/// Opens a published snapshot: loads its file (and opens it with `opener` on a sealed
/// site), opens its report with the range, zone and variable values it was taken with,
/// and replays its answers.
fn open_snapshot(
    conn: Connection,
    report: OpenReport,
    mode: RwSignal<Mode>,
    problem: RwSignal<Option<String>>,
    entry: SnapshotEntry,
    opener: Option<Opener>,
) {
    let same = |shown: &Mode| matches!(shown, Mode::Snapshot(s) if s.entry.file == entry.file);
    if report.snapshot.get_untracked() && report.id.get_untracked() == entry.id && same(&mode.get_untracked())
    {
        return;
    }
    conn.cancel();
    let Some((_, signal)) = conn.abort_signal() else { return };
    leptos::task::spawn_local(async move {
        let snapshot = match crate::site::read_snapshot(&entry, opener.as_ref(), &signal).await {
            Ok(snapshot) => snapshot,
            Err(e) if e.is_cancelled() => return,
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
        mode.set(Mode::Snapshot(Box::new(Shown { banner: snapshot_banner(&snapshot), entry })));
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
    if !snapshot.carried.is_empty() {
        banner.push_str(" Kept from earlier snapshots, which the servers no longer return: ");
        let notes: Vec<String> = snapshot.carried.iter().map(Carried::sentence).collect();
        banner.push_str(&notes.join(" "));
    }
    banner
}
