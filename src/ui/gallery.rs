//! The gallery of reports (the built-in ones, or a published site's snapshots; the
//! reader's own; new; from a file or a dropped dashboard), and what opens a report: a
//! link to one, a share link, a file.

use std::collections::BTreeMap;

use leptos::prelude::*;
use promnote_core::api::replay::SnapshotEntry;
use promnote_core::report::format::{self, Block, Cell, Report};
use promnote_core::report::share;
use promnote_core::report::{CellOptions, ChartKind, FrontMatter};
use promnote_core::time::clock::taken_at_text;

use crate::session::cells::run_all;
use crate::session::Connection;
use crate::state::{built_in, OpenReport, BUILT_IN, MINE};

/// The gallery: the built-in reports (or, while the page shows a published site's
/// snapshots, those), the user's own, a new one, one from a file.
#[component]
pub fn Gallery(
    report: OpenReport,
    conn: Connection,
    problem: RwSignal<Option<String>>,
    /// The snapshots to list instead of the built-in reports.
    #[prop(into)]
    snapshots: Signal<Option<Vec<SnapshotEntry>>>,
) -> impl IntoView {
    let built_ins: Vec<(String, String, Option<String>)> = BUILT_IN
        .iter()
        .filter_map(|b| {
            format::parse(b.source).ok().map(|nb| (b.id.to_owned(), nb.front.title, nb.front.description))
        })
        .collect();
    let reports = move || match snapshots.get() {
        Some(entries) => items(entries),
        None => built_ins
            .iter()
            .cloned()
            .map(|(id, title, description)| Item::One { id, title, description })
            .collect(),
    };
    let new_report = move |_| {
        let template = Report {
            front: FrontMatter { title: "My report".into(), ..Default::default() },
            blocks: vec![
                Block::Prose(
                    "Write what this report shows. Cells below run on every Prometheus datasource.".into(),
                ),
                Block::Cell(Cell::new(
                    "sum by (job) (up)",
                    CellOptions {
                        title: Some("Targets up, per job".into()),
                        chart: ChartKind::Line,
                        ..Default::default()
                    },
                )),
            ],
        };
        open_mine(report, conn, template);
    };
    let import_open = RwSignal::new(false);
    let file_input = NodeRef::<leptos::html::Input>::new();
    // A report (.md) or a Grafana dashboard's JSON, from the file picker or dropped here.
    let open_file = move |file: web_sys::File| {
        let name = file.name();
        leptos::task::spawn_local(async move {
            let text = wasm_bindgen_futures::JsFuture::from(file.text()).await;
            match text.ok().and_then(|t| t.as_string()) {
                Some(text) if crate::ui::import::is_dashboard_file(&name, &text) => {
                    crate::ui::import::open_dashboard(report, conn, problem, &text, &name);
                }
                Some(text) => match format::parse(&text) {
                    Ok(nb) => {
                        problem.set(None);
                        open_mine(report, conn, nb);
                    }
                    Err(e) => problem.set(Some(format!("{name} is not a report promnote can read: {e}"))),
                },
                None => problem.set(Some(format!(
                    "{name} could not be read as text: open a report (.md) or a Grafana dashboard (.json)."
                ))),
            }
        });
    };
    let on_file = move |_| {
        let Some(input) = file_input.get_untracked() else { return };
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        input.set_value("");
        open_file(file);
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        if let Some(file) = ev.data_transfer().and_then(|d| d.files()).and_then(|f| f.get(0)) {
            open_file(file);
        }
    };
    view! {
        <nav class="gallery no-print" aria-label="Reports"
            on:dragover=move |ev: leptos::ev::DragEvent| ev.prevent_default() on:drop=on_drop>
            <ul>
                {move || reports().into_iter().map(|item| match item {
                    Item::One { id, title, description } => one_link(report, id, title, description),
                    Item::Group { report: group, title, variable, members } => {
                        view! { <GroupLinks report group title variable members /> }.into_any()
                    }
                }).collect_view()}
                <Show when=move || report.id.get() == MINE || crate::state::has_mine()>
                    <li><a href="#/my-report" data-testid="report-link" data-report="my-report"
                        aria-current=move || (report.id.get() == MINE).then_some("page")>"My report"</a></li>
                </Show>
            </ul>
            <div class="gallery-actions">
                <button type="button" class="secondary" data-testid="new-report" on:click=new_report>"New report"</button>
                <label class="file-button secondary">
                    "Open a file"
                    <input type="file" accept=".md,.markdown,.json,text/markdown,text/plain,application/json" data-testid="open-file"
                        aria-label="Open a report (.md) or a Grafana dashboard (.json)" node_ref=file_input on:change=on_file />
                </label>
                <crate::ui::import::ImportButton open=import_open />
            </div>
            <Drafts report conn problem />
        </nav>
        <crate::ui::import::DashboardImport report conn problem open=import_open />
        {move || problem.get().map(|p| view! { <p class="error" data-testid="error" role="alert">{p}</p> })}
    }
}

/// Makes `nb` the user's own report, opens it and runs it.
/// The one it replaces is kept as a draft ([`OpenReport::replace_mine`]).
pub fn open_mine(report: OpenReport, conn: Connection, nb: Report) {
    report.replace_mine(nb, None, &BTreeMap::new());
    if let Some(window) = web_sys::window() {
        let _ = window.location().set_hash("/my-report");
    }
    run_all(conn, report);
}

/// A gallery entry: a report (or its snapshot), or a report's snapshots, one per value
/// of a variable (`promnote snapshot --each`), listed together.
enum Item {
    One { id: String, title: String, description: Option<String> },
    Group { report: String, title: String, variable: String, members: Vec<(String, String, String)> },
}

/// The snapshots as gallery entries: a report's snapshots per value grouped where the
/// first of them is, each member as (id, value, "Snapshot taken …").
fn items(entries: Vec<SnapshotEntry>) -> Vec<Item> {
    let mut items: Vec<Item> = Vec::new();
    for e in entries {
        let earlier = e.earlier().len();
        let taken = match earlier {
            0 => format!("Snapshot taken {}", taken_at_text(e.taken_at_ms)),
            1 => format!("Snapshot taken {}; one earlier snapshot", taken_at_text(e.taken_at_ms)),
            n => format!("Snapshot taken {}; {n} earlier snapshots", taken_at_text(e.taken_at_ms)),
        };
        let Some(each) = e.each else {
            items.push(Item::One { id: e.id, title: e.title, description: Some(taken) });
            continue;
        };
        let member = (e.id, each.value, taken);
        let group = items.iter_mut().find_map(|item| match item {
            Item::Group { report, members, .. } if *report == each.report => Some(members),
            _ => None,
        });
        match group {
            Some(members) => members.push(member),
            None => items.push(Item::Group {
                report: each.report,
                title: each.title,
                variable: each.variable,
                members: vec![member],
            }),
        }
    }
    items
}

/// A report's (or its snapshot's) link in the gallery.
fn one_link(report: OpenReport, id: String, title: String, description: Option<String>) -> AnyView {
    let href = format!("#/{id}");
    let current = id.clone();
    view! {
        <li>
            <a href=href data-testid="report-link" data-report=id title=description.unwrap_or_default()
                aria-current=move || (report.id.get() == current).then_some("page")>{title}</a>
        </li>
    }
    .into_any()
}

/// A report's snapshots per value: "Hub activity · 12 × Hub", opened to a filterable list
/// of the values.
#[component]
fn GroupLinks(
    report: OpenReport,
    group: String,
    title: String,
    variable: String,
    members: Vec<(String, String, String)>,
) -> impl IntoView {
    let filter = RwSignal::new(String::new());
    let details = NodeRef::<leptos::html::Details>::new();
    let values: Vec<(String, String)> =
        members.iter().map(|(id, value, _)| (id.clone(), value.clone())).collect();
    let count = members.len();
    // The value shown now, if it is one of these.
    let current = move || {
        let id = report.id.get();
        values.iter().find(|(member, _)| *member == id).map(|(_, value)| value.clone())
    };
    let label = format!("Filter the {variable} values");
    let summary = {
        let current = current.clone();
        move || match current() {
            Some(value) => format!("{title} — {value} · {count} × {variable}"),
            None => format!("{title} · {count} × {variable}"),
        }
    };
    let chosen = move |_| {
        // The list closes once a value is picked: it would cover the report.
        if let Some(d) = details.get_untracked() {
            d.set_open(false);
        }
    };
    view! {
        <li class="gallery-group">
            <details data-testid="report-group" data-report=group node_ref=details>
                <summary aria-current=move || current().is_some().then_some("page")>{summary}</summary>
                <div class="group-panel">
                    <input type="search" data-testid="group-filter" placeholder="Filter" aria-label=label
                        on:input=move |ev| filter.set(event_target_value(&ev)) />
                    <ul>
                        {members.into_iter().map(|(id, value, taken)| {
                            let href = format!("#/{id}");
                            let here = id.clone();
                            let lower = value.to_lowercase();
                            view! {
                                <li style:display=move || (!lower.contains(&filter.get().to_lowercase())).then_some("none")>
                                    <a href=href data-testid="report-link" data-report=id title=taken on:click=chosen
                                        aria-current=move || (report.id.get() == here).then_some("page")>{value}</a>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </div>
            </details>
        </li>
    }
}

/// The earlier versions of "My report" that a file, a link or a new report replaced,
/// each to restore (the report open then is kept in its place) or to delete.
#[component]
fn Drafts(report: OpenReport, conn: Connection, problem: RwSignal<Option<String>>) -> impl IntoView {
    let restore = move |index: usize| {
        let Some(draft) = report.take_draft(index) else { return };
        match format::parse(&draft.source) {
            Ok(nb) => {
                report.replace_mine(nb, Some((draft.from, draft.to)), &BTreeMap::new());
                if let Some(window) = web_sys::window() {
                    let _ = window.location().set_hash("/my-report");
                }
                run_all(conn, report);
            }
            Err(e) => problem
                .set(Some(format!("That earlier version cannot be read any more ({e}); it is removed."))),
        }
    };
    let delete = move |index: usize| {
        report.take_draft(index);
        report.draft_note.set(None);
    };
    view! {
        {move || report.draft_note.get().map(|note| view! {
            <p class="draft-note" role="status" data-testid="draft-note">{note}</p>
        })}
        <Show when=move || report.drafts.with(|d| !d.is_empty())>
            <details class="drafts" data-testid="drafts">
                <summary>"Earlier versions of My report (" {move || report.drafts.with(Vec::len)} ")"</summary>
                <ul>
                    {move || report.drafts.get().into_iter().enumerate().map(|(index, draft)| {
                        let title = draft.title();
                        let when = format!("replaced {}", taken_at_text(draft.kept_at_ms));
                        view! {
                            <li data-testid="draft">
                                <span class="draft-title">{title.clone()}</span>
                                <span class="draft-when">{when}</span>
                                <span class="draft-actions">
                                    <button type="button" class="secondary" data-testid="restore-draft"
                                        aria-label=format!("Restore “{title}”") on:click=move |_| restore(index)>"Restore"</button>
                                    <button type="button" class="secondary" data-testid="delete-draft"
                                        aria-label=format!("Delete “{title}”") on:click=move |_| delete(index)>"Delete"</button>
                                </span>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </details>
        </Show>
    }
}

/// What opening a share link gives: the Grafana URL it points at, and what the reader
/// should know about values it held that the report's variables cannot take.
pub struct Opened {
    /// The Grafana address in the link.
    pub grafana: Option<String>,
    /// Why some of the link's variable values were not used (empty when all were).
    pub refused: Option<String>,
}

/// Opens a share link's report, with the link's variable values where the variables
/// can take them ([`Report::requested`]).
pub fn open_shared(report: OpenReport, fragment: &str) -> Result<Opened, String> {
    let shared = share::decode(fragment).map_err(|e| e.to_string())?;
    let nb = format::parse(&shared.source).map_err(|e| format!("The shared report cannot be read: {e}"))?;
    let (vars, refused) = nb.requested(shared.vars);
    let refused = (!refused.is_empty()).then(|| {
        format!(
            "Some of the link's variable values were not used, so those variables start as the report sets them: {}.",
            refused.join("; ")
        )
    });
    report.replace_mine(nb, Some((shared.from, shared.to)), &vars);
    Ok(Opened { grafana: shared.grafana, refused })
}

/// The report id in `#/<id>`, if the fragment is a report link.
pub fn route(fragment: &str) -> Option<String> {
    fragment.strip_prefix("#/").filter(|id| !id.is_empty()).map(str::to_owned)
}

/// Whether `id` names a report that can be opened.
pub fn known(id: &str) -> bool {
    built_in(id).is_some() || id == MINE
}
