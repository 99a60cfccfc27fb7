//! The page: the connect form, the datasource list with live status, the gallery and
//! the open report. Components read narrow signals from [`Connection`] and [`Doc`]; all
//! decisions about data live in `promnote_core`.

use std::rc::Rc;

use leptos::prelude::*;
use promnote_core::days::rfc3339_utc;
use promnote_core::grafana::GrafanaBaseUrl;

use crate::api::{Session, Token, Transport};
use crate::doc::Doc;
use crate::keep::{self, Keep};
use crate::notebook::{known, open_shared, route, Gallery, NotebookView};
use crate::perf;
use crate::run::{Connection, DsStatus, Route};

/// What the report is running against.
#[derive(Debug, Clone, PartialEq)]
enum Mode {
    /// Nothing yet.
    Idle,
    /// A live Grafana at this base URL.
    Live(String),
    /// The bundled recording, made at this time.
    Demo(i64),
}

/// The whole page.
#[component]
pub fn App() -> impl IntoView {
    let conn = Connection::new();
    let doc = Doc::new();
    let mode = RwSignal::new(Mode::Idle);
    let link_grafana = RwSignal::new(None::<String>);
    let problem = RwSignal::new(None::<String>);
    // Open what the address asks for: a share link, a report, or the flagship.
    let follow = move |fragment: String| {
        if fragment.starts_with("#share=") {
            match open_shared(doc, &fragment) {
                Ok(grafana) => {
                    problem.set(None);
                    link_grafana.set(grafana);
                }
                Err(e) => problem.set(Some(e)),
            }
        } else {
            let id = route(&fragment)
                .filter(|id| known(id))
                .unwrap_or_else(|| crate::doc::BUILT_IN[0].id.to_owned());
            if doc.id.get_untracked() == id {
                return;
            }
            if let Err(e) = doc.open(&id) {
                problem.set(Some(e));
                return;
            }
            problem.set(None);
            conn.refresh_now(false);
        }
        crate::notebook::run_all(conn, doc);
    };
    let hash = || web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default();
    follow(hash());
    crate::chart_view::fit_charts_to_paper();
    let listener = window_event_listener(leptos::ev::hashchange, move |_| follow(hash()));
    on_cleanup(move || listener.remove());
    let grafana = Signal::derive(move || match mode.get() {
        Mode::Live(base) => Some(base),
        _ => None,
    });
    let replay = Signal::derive(move || matches!(mode.get(), Mode::Demo(_)));
    view! {
        <header class="masthead no-print">
            <span class="brand">"promnote"</span>
            <span class="tagline">"PromQL notebooks in the browser"</span>
        </header>
        <main>
            <ConnectForm conn doc mode link_grafana />
            <DatasourceList conn />
            <Gallery doc conn problem />
            <NotebookView conn doc grafana replay />
        </main>
        <footer class="no-print">
            "Runs entirely in your browser. The token stays in memory unless you choose to keep it, and is sent only to the Grafana you typed. "
            <a href="https://github.com/promnote/promnote#a-token-with-least-privilege" rel="noopener noreferrer">
                "How to make a read-only token"
            </a>
        </footer>
    }
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
    let token = RwSignal::new(kept.map(|(_, k)| k.token).unwrap_or_default());
    let form_error = RwSignal::new(None::<String>);
    // A Grafana address from a share link waits for the user's confirmation before a
    // token can be typed or sent: a crafted link must not collect tokens for its host.
    let pending_origin = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        let Some(link) = link_grafana.get() else { return };
        link_grafana.set(None);
        let Ok(base) = GrafanaBaseUrl::parse(&link) else {
            form_error.set(Some(format!("The share link points at `{link}`, which is not a Grafana address promnote accepts; type your Grafana's address.")));
            return;
        };
        let same = GrafanaBaseUrl::parse(&url.get_untracked())
            .is_ok_and(|current| current.origin() == base.origin());
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
        let base = match GrafanaBaseUrl::parse(&url.get_untracked()) {
            Ok(base) => base,
            Err(e) => {
                form_error.set(Some(e.to_string()));
                return;
            }
        };
        let raw_token = token.get_untracked();
        let Some(token) = Token::new(&raw_token) else {
            form_error.set(Some(
                "Paste a Grafana service-account token (it starts with glsa_). Grafana → Administration → Service accounts.".into(),
            ));
            return;
        };
        url.set(base.to_string());
        mode.set(Mode::Live(base.to_string()));
        let kept = keep::Kept { grafana: base.to_string(), token: raw_token.trim().to_owned() };
        if let Err(e) = keep::save(keep_choice.get_untracked(), &kept) {
            form_error.set(Some(e));
        }
        doc.clear_runs();
        conn.connect(Transport::Grafana(Rc::new(Session { base, token })));
    };

    let demo = move |_| {
        perf::mark("promnote:click");
        form_error.set(None);
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
                <fieldset class="keep">
                    <legend>"Keep the token"</legend>
                    <label><input type="radio" name="keep" data-testid="keep-memory" prop:checked=move || keep_choice.get() == Keep::Memory on:change=move |_| keep_choice.set(Keep::Memory) />"only in memory (gone on reload)"</label>
                    <label><input type="radio" name="keep" data-testid="keep-tab" prop:checked=move || keep_choice.get() == Keep::Tab on:change=move |_| keep_choice.set(Keep::Tab) />"for this tab"</label>
                    <label><input type="radio" name="keep" data-testid="keep-device" prop:checked=move || keep_choice.get() == Keep::Device on:change=move |_| keep_choice.set(Keep::Device) />"on this device"</label>
                    <Show when=move || keep_choice.get() == Keep::Device>
                        <p class="warning">"The token will be stored unencrypted in this browser profile until you press Forget. Anyone who can use this browser, and any script that runs on this page's origin, can read it."</p>
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
                Mode::Live(base) => Some(view! { <p class="banner">"Connected to " <code>{base}</code></p> }.into_any()),
                Mode::Idle => None,
            }}
        </section>
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
                <ul>
                    <For each=move || conn.rows.get() key=|row| row.ds.uid.clone() children=move |row| {
                        let (hook, text) = (row.status.clone(), row.status);
                        view! {
                            <li data-testid="datasource" data-uid=row.ds.uid data-status=move || hook.get().hook()>
                                <span class="ds-name">{row.ds.name}</span>
                                <span class="ds-status">{move || status_text(&text.get())}</span>
                            </li>
                        }
                    } />
                </ul>
                {move || {
                    let skipped = conn.skipped.get();
                    (!skipped.is_empty()).then(|| {
                        let names: Vec<String> = skipped.iter().map(|d| format!("{} ({})", d.name, d.kind)).collect();
                        view! { <p class="muted">"Not Prometheus, not queried: " {names.join(", ")}</p> }
                    })
                }}
            </section>
        </Show>
    }
}

fn status_text(status: &DsStatus) -> String {
    match status {
        DsStatus::Checking => "checking through Grafana's proxy…".into(),
        DsStatus::Ok { millis, route: Route::Proxy } => format!("ok · answered in {millis} ms"),
        DsStatus::Ok { millis, route: Route::DsQuery } => {
            format!("ok · answered in {millis} ms, through /api/ds/query")
        }
        DsStatus::Error(_) => "failed (see the report)".into(),
    }
}
