//! The page: the connect form, the datasource list with live status, the gallery and
//! the open report. Components read narrow signals from [`Connection`] and [`Doc`]; all
//! decisions about data live in `promnote_core`.

use std::rc::Rc;

use leptos::prelude::*;
use promnote_core::days::rfc3339_utc;
use promnote_core::error::ApiError;
use promnote_core::grafana::{BaseUrl, Datasource};
use promnote_core::notebook;
use promnote_core::replay::{Snapshot, SnapshotEntry, SnapshotIndex};
use promnote_core::run::Route;
use promnote_core::secret::{Credentials, Direct, Grafana, Servers, Token};

use crate::api::{Replayed, Transport};
use crate::doc::Doc;
use crate::keep::{self, Keep, KeptPrometheus};
use crate::notebook::{known, open_shared, route, Gallery, NotebookView};
use crate::perf;

use crate::run::{Connection, DsStatus};

/// What the report is running against.
#[derive(Debug, Clone, PartialEq)]
enum Mode {
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
pub fn App() -> impl IntoView {
    let conn = Connection::new();
    let doc = Doc::new();
    let mode = RwSignal::new(Mode::Idle);
    let link_grafana = RwSignal::new(None::<String>);
    let problem = RwSignal::new(None::<String>);
    // The published snapshots this site carries, if any (read once at start).
    let snapshots = RwSignal::new(None::<SnapshotIndex>);
    // Open what the address asks for: a share link, a report (its snapshot, while the
    // page shows snapshots), or the flagship.
    let follow = move |fragment: String| {
        if fragment.starts_with("#share=") {
            leave_snapshot(conn, doc, mode);
            match open_shared(doc, &fragment) {
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
                open_snapshot(conn, doc, mode, problem, entry);
                return;
            }
            let id = route(&fragment)
                .filter(|id| known(id))
                .unwrap_or_else(|| crate::doc::BUILT_IN[0].id.to_owned());
            if doc.id.get_untracked() == id && !doc.snapshot.get_untracked() {
                return;
            }
            if let Err(e) = doc.open(&id) {
                problem.set(Some(e));
                return;
            }
            // Another snapshot's answers are not this report's: it waits for Connect.
            leave_snapshot(conn, doc, mode);
            problem.set(None);
            conn.refresh_now(false);
        }
        crate::notebook::run_all(conn, doc);
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
    crate::chart_view::fit_charts_to_paper();
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
            <ConnectForm conn doc mode link_grafana />
            <CorsHelp conn />
            <DatasourceList conn />
            // The form comes first: the report (prose, cells, editors) renders a task later,
            // so the form is on screen and works as soon as the wasm has started.
            <Show when=move || report_shown.get()>
                <Gallery doc conn problem snapshots=gallery_snapshots />
                <NotebookView conn doc grafana replay />
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
    doc: Doc,
    mode: RwSignal<Mode>,
    problem: RwSignal<Option<String>>,
    entry: SnapshotEntry,
) {
    if doc.snapshot.get_untracked()
        && doc.id.get_untracked() == entry.id
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
        let nb = match notebook::parse(&snapshot.report) {
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
        doc.clear_runs();
        doc.load_snapshot(&snapshot.id, nb, (snapshot.from.clone(), snapshot.to.clone()), &vars);
        conn.zone.set(zone);
        mode.set(Mode::Snapshot(snapshot_banner(&snapshot)));
        conn.connect(Transport::Replay(Rc::new(Replayed::Snapshot(snapshot))));
    });
}

/// Leaves the snapshot a page shows (if it shows one): its answers and zone go, and its
/// report, if built in, becomes the built-in one again (with the reader's saved edits),
/// so that what follows runs live and edits are kept.
fn leave_snapshot(conn: Connection, doc: Doc, mode: RwSignal<Mode>) {
    if !matches!(mode.get_untracked(), Mode::Snapshot(_)) {
        return;
    }
    conn.forget_session();
    conn.zone.set(jiff::tz::TimeZone::UTC);
    mode.set(Mode::Idle);
    let id = doc.id.get_untracked();
    if doc.snapshot.get_untracked() && crate::doc::built_in(&id).is_some() {
        let _ = doc.open(&id);
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

#[component]
fn ConnectForm(
    conn: Connection,
    doc: Doc,
    mode: RwSignal<Mode>,
    link_grafana: RwSignal<Option<String>>,
) -> impl IntoView {
    let kept = keep::load();
    let keep_choice = RwSignal::new(kept.as_ref().map_or(Keep::Memory, |(k, _)| *k));
    let url = RwSignal::new(kept.as_ref().map(|(_, k)| k.grafana.clone()).unwrap_or_default());
    let token = RwSignal::new(kept.as_ref().map(|(_, k)| k.token.clone()).unwrap_or_default());
    let kept_prom = kept.and_then(|(_, k)| k.prometheus).unwrap_or_default();
    let prom = DirectFields {
        url: RwSignal::new(kept_prom.url),
        auth: RwSignal::new(if kept_prom.auth.is_empty() { "none".to_owned() } else { kept_prom.auth }),
        user: RwSignal::new(kept_prom.user),
        secret: RwSignal::new(kept_prom.secret),
    };
    let form_error = RwSignal::new(None::<String>);
    // A Grafana address from a share link waits for the user's confirmation before a
    // token can be typed or sent: a crafted link must not collect tokens for its host.
    let pending_origin = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        let Some(link) = link_grafana.get() else { return };
        link_grafana.set(None);
        let Ok(base) = BaseUrl::parse(&link) else {
            form_error.set(Some(format!("The share link points at `{link}`, which is not a Grafana address promnote accepts; type your Grafana's address.")));
            return;
        };
        let same =
            BaseUrl::parse(&url.get_untracked()).is_ok_and(|current| current.origin() == base.origin());
        if !same {
            token.set(String::new());
        }
        url.set(base.to_string());
        pending_origin.set(Some(base.to_string()));
    });
    Effect::new(move |_| {
        let typed = url.get();
        if pending_origin.get_untracked().is_some_and(|p| p != typed) {
            pending_origin.set(None);
        }
    });
    let forget = move |_| {
        keep::forget();
        token.set(String::new());
        prom.user.set(String::new());
        prom.secret.set(String::new());
        keep_choice.set(Keep::Memory);
        conn.forget_session();
        doc.clear_runs();
        mode.set(Mode::Idle);
    };

    let connect = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending_origin.get_untracked().is_some() {
            form_error.set(Some(
                "Confirm the Grafana address from the shared link first, or type another one.".into(),
            ));
            return;
        }
        perf::mark("promnote:click");
        form_error.set(None);
        let page_origin = crate::api::page_origin();
        let typed_grafana = !url.get_untracked().trim().is_empty();
        let typed_prom = !prom.url.get_untracked().trim().is_empty();
        if !typed_grafana && !typed_prom {
            form_error.set(Some(
                "Type your Grafana's address and token, or the address of a Prometheus to query directly (under \"Prometheus directly\"), or both.".into(),
            ));
            return;
        }
        let raw_token = token.get_untracked();
        let grafana = if typed_grafana {
            let session = BaseUrl::parse(&url.get_untracked()).map_err(|e| e.to_string()).and_then(|base| {
                if base.is_mixed_content_for(&page_origin) {
                    return Err(ApiError::MixedContent { origin: base.origin().to_owned() }.to_string());
                }
                let token = Token::new(&raw_token).ok_or_else(|| {
                    "Paste a Grafana service-account token (it starts with glsa_). Grafana → Administration → Service accounts.".to_owned()
                })?;
                Ok(Grafana { base, token })
            });
            match session {
                Ok(session) => Some(session),
                Err(e) => {
                    form_error.set(Some(e));
                    return;
                }
            }
        } else {
            None
        };
        let direct = if typed_prom {
            match prom.checked(&page_origin) {
                Ok(direct) => vec![direct],
                Err(e) => {
                    form_error.set(Some(e));
                    return;
                }
            }
        } else {
            Vec::new()
        };
        if let Some(g) = &grafana {
            url.set(g.base.to_string());
        }
        if let Some(d) = direct.first() {
            prom.url.set(d.base.to_string());
        }
        leave_snapshot(conn, doc, mode);
        mode.set(Mode::Live {
            grafana: grafana.as_ref().map(|g| g.base.to_string()),
            direct: direct.iter().map(|d| d.base.to_string()).collect(),
        });
        let kept = keep::Kept {
            grafana: grafana.as_ref().map(|g| g.base.to_string()).unwrap_or_default(),
            token: if grafana.is_some() { raw_token.trim().to_owned() } else { String::new() },
            prometheus: typed_prom.then(|| prom.kept()),
        };
        if let Err(e) = keep::save(keep_choice.get_untracked(), &kept) {
            form_error.set(Some(e));
        }
        doc.clear_runs();
        conn.connect(Transport::Live(Rc::new(Servers { grafana, direct })));
    };

    let demo = move |_| {
        perf::mark("promnote:click");
        form_error.set(None);
        leave_snapshot(conn, doc, mode);
        doc.clear_runs();
        conn.start_demo(move |at| mode.set(Mode::Demo(at)));
    };

    view! {
        <section class="connect" aria-labelledby="connect-title">
            <h2 id="connect-title">"Connect to Grafana"</h2>
            <form on:submit=connect autocomplete="off" novalidate>
                <TextField label="Grafana URL" kind="url" testid="grafana-url" placeholder="https://grafana.example.org/" value=url />
                {move || pending_origin.get().map(|origin| view! {
                    <div class="confirm-origin" role="alert">
                        <p>"This shared report points at the Grafana at " <code>{origin}</code>
                        ". Your token will be sent there and nowhere else. Continue only if you know and trust this address."</p>
                        <button type="button" data-testid="confirm-origin" on:click=move |_| pending_origin.set(None)>"Use this Grafana"</button>
                        <button type="button" class="secondary" data-testid="reject-origin" on:click=move |_| {
                            pending_origin.set(None);
                            url.set(String::new());
                        }>"Type another address"</button>
                    </div>
                })}
                <TextField label="Service-account token" kind="password" testid="grafana-token" placeholder="glsa_…" value=token
                    disabled=Signal::derive(move || pending_origin.get().is_some()) />
                <DirectForm fields=prom />
                <fieldset class="keep">
                    <legend>"Keep tokens and passwords"</legend>
                    <label><input type="radio" name="keep" data-testid="keep-memory" prop:checked=move || keep_choice.get() == Keep::Memory on:change=move |_| keep_choice.set(Keep::Memory) />"only in memory (gone on reload)"</label>
                    <label><input type="radio" name="keep" data-testid="keep-tab" prop:checked=move || keep_choice.get() == Keep::Tab on:change=move |_| keep_choice.set(Keep::Tab) />"for this tab"</label>
                    <label><input type="radio" name="keep" data-testid="keep-device" prop:checked=move || keep_choice.get() == Keep::Device on:change=move |_| keep_choice.set(Keep::Device) />"on this device"</label>
                    <Show when=move || keep_choice.get() == Keep::Device>
                        <p class="warning">"The token will be stored unencrypted in this browser profile until you press Forget. Anyone who can use this browser, and any script that runs on this page's origin, can read it: on GitHub Pages that is every project site of the same account (they all share "
                            <code>"account.github.io"</code>"). Keep it only on a site with an origin of its own."</p>
                    </Show>
                </fieldset>
                <div class="actions">
                    <button type="submit" data-testid="connect" prop:disabled=move || pending_origin.get().is_some()>"Connect"</button>
                    <button type="button" class="secondary" data-testid="forget-token" on:click=forget>"Forget token"</button>
                    <button type="button" class="secondary" data-testid="demo" on:click=demo>
                        "Try it with recorded demo data"
                    </button>
                    <Show when=move || conn.listing.get() || doc.cells_running()>
                        <button type="button" class="secondary" data-testid="cancel" on:click=move |_| {
                            conn.cancel();
                            doc.cancel_all();
                        }>"Cancel"</button>
                    </Show>
                </div>
            </form>
            {move || form_error.get().map(|e| view! { <p class="error" data-testid="error" role="alert">{e}</p> })}
            {move || conn.fatal.get().map(|e| view! { <p class="error" data-testid="error" role="alert">{e}</p> })}
            {move || match mode.get() {
                Mode::Demo(at) => Some(view! {
                    <p class="banner">
                        "Showing recorded demo data (three clusters, recorded " {rfc3339_utc(at)}
                        "); no Grafana is contacted. Connect to your own Grafana to see live data."
                    </p>
                }.into_any()),
                Mode::Snapshot(banner) => Some(view! {
                    <p class="banner snapshot" data-testid="snapshot-banner">{banner}</p>
                }.into_any()),
                Mode::Live { grafana, direct } => connection_banner(conn, grafana, &direct),
                Mode::Idle => None,
            }}
        </section>
    }
}

/// "Connected to …" names only the servers that answered: Grafana once its datasource
/// list came back, a Prometheus called directly once its health check passed. While
/// they are being asked it says "Connecting to …"; when none answered it says nothing
/// (the error above says what happened).
fn connection_banner(conn: Connection, grafana: Option<String>, direct: &[String]) -> Option<AnyView> {
    let direct_ok: Vec<(String, bool, bool)> = conn.rows.with(|rows| {
        direct
            .iter()
            .enumerate()
            .map(|(i, address)| {
                let uid = Datasource::direct(i, &BaseUrl::parse_prometheus(address).ok()?).uid;
                let status = rows.iter().find(|r| r.ds.uid == uid).map(|r| r.status.get());
                Some((
                    address.clone(),
                    matches!(status, Some(DsStatus::Ok { .. })),
                    matches!(status, Some(DsStatus::Checking)),
                ))
            })
            .collect::<Option<Vec<_>>>()
            .unwrap_or_default()
    });
    let listing = conn.listing.get();
    let mut answered: Vec<String> = Vec::new();
    let mut waiting: Vec<String> = Vec::new();
    if let Some(grafana) = grafana {
        if conn.listed.get() {
            answered.push(grafana);
        } else if listing {
            waiting.push(grafana);
        }
    }
    for (address, ok, checking) in direct_ok {
        if ok {
            answered.push(address);
        } else if checking || listing {
            waiting.push(address);
        }
    }
    if !answered.is_empty() {
        return Some(
            view! { <p class="banner" data-testid="connected">"Connected to " <code>{answered.join(" and ")}</code></p> }
                .into_any(),
        );
    }
    (!waiting.is_empty()).then(|| {
        view! { <p class="banner muted" data-testid="connecting" role="status">"Connecting to " <code>{waiting.join(" and ")}</code> "…"</p> }
            .into_any()
    })
}

/// The typed fields of a Prometheus called directly.
#[derive(Clone, Copy)]
struct DirectFields {
    url: RwSignal<String>,
    /// `none`, `bearer` or `basic`.
    auth: RwSignal<String>,
    user: RwSignal<String>,
    secret: RwSignal<String>,
}

impl DirectFields {
    /// The direct datasource the fields describe, or what to fix.
    fn checked(&self, page_origin: &str) -> Result<Direct, String> {
        let base = BaseUrl::parse_prometheus(&self.url.get_untracked()).map_err(|e| e.to_string())?;
        if base.is_mixed_content_for(page_origin) {
            return Err(ApiError::MixedContent { origin: base.origin().to_owned() }.to_string());
        }
        let secret = self.secret.get_untracked();
        let credentials = match self.auth.get_untracked().as_str() {
            "bearer" => Credentials::Bearer(
                Token::new(&secret)
                    .ok_or("Paste the bearer token for this Prometheus, or choose no sign-in.")?,
            ),
            "basic" => Credentials::basic(&self.user.get_untracked(), &secret)?,
            _ => Credentials::Anonymous,
        };
        Ok(Direct { ds: Datasource::direct(0, &base), base, credentials })
    }

    /// What "keep" stores of them.
    fn kept(&self) -> KeptPrometheus {
        let auth = self.auth.get_untracked();
        KeptPrometheus {
            url: self.url.get_untracked().trim().to_owned(),
            user: if auth == "basic" { self.user.get_untracked() } else { String::new() },
            secret: if auth == "none" { String::new() } else { self.secret.get_untracked() },
            auth,
        }
    }
}

/// The optional Prometheus called directly: its address and sign-in.
#[component]
fn DirectForm(fields: DirectFields) -> impl IntoView {
    let auth = fields.auth;
    let open = !fields.url.get_untracked().is_empty();
    let choice = move |value: &'static str, testid: &'static str, label: &'static str| {
        view! {
            <label><input type="radio" name="prom-auth" data-testid=testid prop:checked=move || auth.get() == value
                on:change=move |_| auth.set(value.to_owned()) />{label}</label>
        }
    };
    view! {
        <details class="direct" prop:open=open>
            <summary>"Prometheus directly (optional)"</summary>
            <div class="direct-fields">
            <p class="muted">"A Prometheus, Thanos, Mimir or VictoriaMetrics address that this page queries itself, as one more datasource beside Grafana's, or alone (leave Grafana's fields empty). Prometheus allows other origins by default; its credentials are sent only to its own origin."</p>
            <TextField label="Prometheus API address" kind="url" testid="prom-url" placeholder="https://prometheus.example.org/ or https://mimir.example.org/prometheus/" value=fields.url />
            <fieldset class="keep">
                <legend>"Sign-in"</legend>
                {choice("none", "prom-auth-none", "none")}
                {choice("bearer", "prom-auth-bearer", "bearer token")}
                {choice("basic", "prom-auth-basic", "user name and password (Basic)")}
            </fieldset>
            <Show when=move || auth.get() == "basic">
                <TextField label="User name" kind="text" testid="prom-user" placeholder="" value=fields.user />
                <TextField label="Password" kind="password" testid="prom-secret" placeholder="" value=fields.secret />
            </Show>
            <Show when=move || auth.get() == "bearer">
                <TextField label="Bearer token" kind="password" testid="prom-secret" placeholder="" value=fields.secret />
            </Show>
            </div>
        </details>
    }
}

/// What to do when the browser withholds Grafana's answers (CORS): the three fixes, with
/// this page's origin filled into the tested nginx and Caddy snippets.
#[component]
fn CorsHelp(conn: Connection) -> impl IntoView {
    move || {
        let grafana = conn.blocked.get()?;
        let page = crate::api::page_origin();
        let fill = |snippet: &str| snippet.replace("https://you.github.io", &page);
        let nginx = fill(include_str!("../docs/cors/nginx.conf"));
        let caddy = fill(include_str!("../docs/cors/Caddyfile"));
        let local = format!("trunk serve --proxy-backend={grafana}/api/ --proxy-rewrite=/api/");
        Some(view! {
            <section class="cors-help" data-testid="cors-help" aria-labelledby="cors-title">
                <h2 id="cors-title">"Your browser blocked Grafana's answers"</h2>
                <p>"Grafana at " <code>{grafana.clone()}</code> " is up, but it sends no CORS headers (it has no setting for them), so the browser will not let this page, on " <code>{page.clone()}</code> ", read its answers. There are three ways out:"</p>
                <ol>
                    <li>"Host promnote on Grafana's own origin, e.g. under a path such as " <code>{format!("{grafana}/promnote/")}</code> " on the same host: same-origin calls need no CORS."</li>
                    <li>"Add CORS headers for " <code>{page.clone()}</code> " at the reverse proxy in front of Grafana. Tested here with nginx and Caddy:"
                        <details><summary>"nginx"</summary><pre><code>{nginx}</code></pre></details>
                        <details><summary>"Caddy"</summary><pre><code>{caddy}</code></pre></details>
                        "On Kubernetes, the README gives the matching ingress-nginx annotations (not tested here)."
                    </li>
                    <li>"For an ad-hoc report on your laptop, run promnote from its source with trunk proxying " <code>"/api"</code> " to Grafana, open " <code>"http://127.0.0.1:8080/"</code> " and type that same address as the Grafana URL:" <pre><code>{local}</code></pre></li>
                </ol>
            </section>
        })
    }
}

/// A labelled text input bound to a signal (no autocomplete, no spellcheck: these are
/// addresses and secrets).
#[component]
fn TextField(
    label: &'static str,
    kind: &'static str,
    testid: &'static str,
    placeholder: &'static str,
    value: RwSignal<String>,
    /// Whether the field is disabled.
    #[prop(optional, into)]
    disabled: Signal<bool>,
) -> impl IntoView {
    view! {
        <label>
            <span>{label}</span>
            <input
                type=kind
                data-testid=testid
                placeholder=placeholder
                autocomplete="off"
                spellcheck="false"
                prop:disabled=move || disabled.get()
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
        </label>
    }
}

#[component]
fn DatasourceList(conn: Connection) -> impl IntoView {
    view! {
        <Show when=move || !conn.rows.get().is_empty() || !conn.skipped.get().is_empty()>
            <section class="datasources" aria-labelledby="ds-title">
                <h2 id="ds-title">"Prometheus datasources"</h2>
                // A fleet of fifty clusters would push the report off screen: past
                // FOLD_DATASOURCES the list starts folded, its summary counting statuses.
                <details class="ds-details" prop:open=move || conn.rows.with(|rows| rows.len() <= FOLD_DATASOURCES)>
                <summary data-testid="datasource-summary">{move || datasource_summary(conn)}</summary>
                <ul>
                    <For each=move || conn.rows.get() key=|row| row.ds.uid.clone() children=move |row| {
                        let (hook, text) = (row.status.clone(), row.status);
                        let direct = row.ds.is_direct();
                        let snapshot = conn.transport().is_some_and(|t| t.snapshot().is_some());
                        view! {
                            <li data-testid="datasource" data-uid=row.ds.uid data-status=move || hook.get().hook()>
                                <span class="ds-name">{row.ds.name}</span>
                                <span class="ds-status">{move || status_text(&text.get(), direct, snapshot)}</span>
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
fn datasource_summary(conn: Connection) -> String {
    let (mut ok, mut failed, mut checking) = (0, 0, 0);
    let total = conn.rows.with(|rows| {
        for row in rows {
            match row.status.get() {
                DsStatus::Ok { .. } => ok += 1,
                DsStatus::Error(_) | DsStatus::RunFailed(_) => failed += 1,
                DsStatus::Checking => checking += 1,
            }
        }
        rows.len()
    });
    let mut parts = vec![format!("{ok} ok")];
    if failed > 0 {
        parts.push(format!("{failed} failed"));
    }
    if checking > 0 {
        parts.push(format!("{checking} checking"));
    }
    let skipped = conn.skipped.with(Vec::len);
    let skipped = if skipped > 0 { format!("; {skipped} not queried") } else { String::new() };
    let plural = if total == 1 { "" } else { "s" };
    format!("{total} datasource{plural}: {}{skipped}", parts.join(", "))
}

fn status_text(status: &DsStatus, direct: bool, snapshot: bool) -> String {
    match status {
        DsStatus::Ok { .. } if snapshot => "ok when the snapshot was taken".into(),
        DsStatus::Error(_) | DsStatus::RunFailed(_) if snapshot => {
            "failed when the snapshot was taken (see the report)".into()
        }
        DsStatus::Checking if direct => "checking (called directly)…".into(),
        DsStatus::Checking => "checking through Grafana's proxy…".into(),
        DsStatus::Ok { millis, route: Route::Proxy } if direct => {
            format!("ok · answered in {millis} ms, called directly")
        }
        DsStatus::Ok { millis, route: Route::Proxy } => format!("ok · answered in {millis} ms"),
        DsStatus::Ok { millis, route: Route::DsQuery } => {
            format!("ok · answered in {millis} ms, through /api/ds/query")
        }
        DsStatus::Error(_) => "failed (see the report)".into(),
        DsStatus::RunFailed(_) => "failed in the last run (see the report)".into(),
    }
}
