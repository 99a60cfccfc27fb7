//! The page: the connect form, the datasource list with live status, and the
//! hub-activity report. Components read narrow signals from [`RunState`]; all
//! decisions about data live in `promnote_core`.

use std::rc::Rc;

use leptos::prelude::*;
use promnote_core::chart::{stacked_bars, ChartStyle, ColorScheme};
use promnote_core::csv;
use promnote_core::days::{clock, rfc3339_utc, zone_abbreviation};
use promnote_core::grafana::GrafanaBaseUrl;
use promnote_core::report;
use promnote_core::table::{pivot_days, PivotOptions, WideTable};

use crate::api::{Session, Token, Transport};
use crate::chart_view::{prefers_dark, Chart, FigureJson};
use crate::download;
use crate::keep::{self, Keep};
use crate::perf;
use crate::run::{DsStatus, RunState};

/// The browser's own IANA time zone (`Intl.DateTimeFormat().resolvedOptions().timeZone`).
fn browser_zone_name() -> Option<String> {
    let options =
        js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new()).resolved_options();
    js_sys::Reflect::get(&options, &"timeZone".into()).ok()?.as_string()
}

/// Chooses the zone whose midnights cut the days: UTC, or the browser's zone. A change
/// re-runs the report (the evaluation times change); recordings are UTC only.
#[component]
fn ZonePicker(state: RunState, mode: RwSignal<Mode>) -> impl IntoView {
    let browser = browser_zone_name().filter(|name| name != "UTC" && promnote_core::time::zone(name).is_ok());
    let choose = move |ev: leptos::ev::Event| {
        let name = event_target_value(&ev);
        match promnote_core::time::zone(&name) {
            Ok(zone) => {
                state.zone.set(zone);
                if !matches!(mode.get_untracked(), Mode::Idle) {
                    state.rerun(perf::wall_ms());
                }
            }
            Err(e) => state.fatal.set(Some(e.to_string())),
        }
    };
    view! {
        <label class="zone">
            <span>"Days in"</span>
            <select data-testid="time-zone" on:change=choose prop:disabled=move || matches!(mode.get(), Mode::Demo(_))>
                <option value="UTC">"UTC"</option>
                {browser.map(|name| { let label = format!("{name} (this browser)"); view! { <option value=name>{label}</option> } })}
            </select>
        </label>
    }
}

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
    let state = RunState::new();
    let mode = RwSignal::new(Mode::Idle);
    view! {
        <header class="masthead">
            <span class="brand">"promnote"</span>
            <span class="tagline">"PromQL notebooks in the browser"</span>
        </header>
        <main>
            <ConnectForm state mode />
            <DatasourceList state />
            <HubActivityReport state mode />
        </main>
        <footer>
            "Runs entirely in your browser. The token stays in memory unless you choose to keep it, and is sent only to the Grafana you typed. "
            <a href="https://github.com/promnote/promnote#a-token-with-least-privilege" rel="noopener noreferrer">
                "How to make a read-only token"
            </a>
        </footer>
    }
}

#[component]
fn ConnectForm(state: RunState, mode: RwSignal<Mode>) -> impl IntoView {
    let kept = keep::load();
    let keep_choice = RwSignal::new(kept.as_ref().map_or(Keep::Memory, |(k, _)| *k));
    let url = RwSignal::new(kept.as_ref().map(|(_, k)| k.grafana.clone()).unwrap_or_default());
    let token = RwSignal::new(kept.map(|(_, k)| k.token).unwrap_or_default());
    let form_error = RwSignal::new(None::<String>);
    let forget = move |_| {
        keep::forget();
        token.set(String::new());
        keep_choice.set(Keep::Memory);
        state.forget_session();
        mode.set(Mode::Idle);
    };

    let connect = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
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
        state.start(Transport::Grafana(Rc::new(Session { base, token })), perf::wall_ms());
    };

    let demo = move |_| {
        perf::mark("promnote:click");
        form_error.set(None);
        state.start_demo(move |at| mode.set(Mode::Demo(at)));
    };

    view! {
        <section class="connect" aria-labelledby="connect-title">
            <h2 id="connect-title">"Connect to Grafana"</h2>
            <form on:submit=connect autocomplete="off" novalidate>
                <TextField label="Grafana URL" kind="url" testid="grafana-url" placeholder="https://grafana.example.org/" value=url />
                <TextField label="Service-account token" kind="password" testid="grafana-token" placeholder="glsa_…" value=token />
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
                    <button type="submit" data-testid="connect">"Connect"</button>
                    <button type="button" class="secondary" data-testid="forget-token" on:click=forget>"Forget token"</button>
                    <button type="button" class="secondary" data-testid="demo" on:click=demo>
                        "Try it with recorded demo data"
                    </button>
                    <Show when=move || state.running.get()>
                        <button type="button" class="secondary" data-testid="cancel" on:click=move |_| {
                            state.cancel();
                            state.running.set(false);
                        }>"Cancel"</button>
                    </Show>
                </div>
            </form>
            {move || form_error.get().map(|e| view! { <p class="error" data-testid="error" role="alert">{e}</p> })}
            {move || state.fatal.get().map(|e| view! { <p class="error" data-testid="error" role="alert">{e}</p> })}
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
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
        </label>
    }
}

#[component]
fn DatasourceList(state: RunState) -> impl IntoView {
    view! {
        <Show when=move || !state.rows.get().is_empty() || !state.skipped.get().is_empty()>
            <section class="datasources" aria-labelledby="ds-title">
                <h2 id="ds-title">"Prometheus datasources"</h2>
                <ul>
                    <For each=move || state.rows.get() key=|row| row.ds.uid.clone() children=move |row| {
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
                    let skipped = state.skipped.get();
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
        DsStatus::Queued => "waiting…".into(),
        DsStatus::Checking => "checking through Grafana's proxy…".into(),
        DsStatus::Querying => "querying…".into(),
        DsStatus::Ok { series: 0, .. } => "ok · no data for this range".into(),
        DsStatus::Ok { series, millis } => format!("ok · {series} series · {millis} ms"),
        DsStatus::Error(_) => "failed (see the report)".into(),
    }
}

#[component]
fn HubActivityReport(state: RunState, mode: RwSignal<Mode>) -> impl IntoView {
    let table = Memo::new(move |_| {
        let plan = state.plan.get()?;
        state.arrived.with(|all| {
            let range = all.iter().flat_map(|a| &a.range);
            let instant = all.iter().flat_map(|a| &a.instant);
            Some(pivot_days(&plan, range, instant, &PivotOptions::default()))
        })
    });
    let figure = Memo::new(move |_| {
        let table: WideTable = table.get()?;
        if table.columns.is_empty() {
            return None;
        }
        let plan = state.plan.get_untracked()?;
        let scheme = if prefers_dark() { ColorScheme::Dark } else { ColorScheme::Light };
        let until = format!(
            "so far (until {} {})",
            clock(plan.now_ms, &plan.zone),
            zone_abbreviation(plan.now_ms, &plan.zone)
        );
        let style = ChartStyle {
            scheme,
            value_label: "active users".into(),
            partial_label: until,
            ..ChartStyle::default()
        };
        Some(FigureJson::from(&stacked_bars(&table, &style)))
    });
    let draw_error = RwSignal::new(None::<String>);
    let drawn_generation = RwSignal::new(0u32);
    // `promnote:drawn` once per run: after the last draw of a finished run. The last draw
    // may also come before the last (failing) datasource finishes, hence the effect.
    let mark_drawn = move || {
        let g = state.generation.get_untracked();
        if g != 0 && drawn_generation.get_untracked() != g {
            drawn_generation.set(g);
            perf::mark("promnote:drawn");
        }
    };
    let on_drawn = move |()| {
        if !state.running.get_untracked() {
            mark_drawn();
        }
    };
    Effect::new(move |_| {
        if !state.running.get()
            && figure.with_untracked(Option::is_some)
            && draw_error.get_untracked().is_none()
        {
            mark_drawn();
        }
    });
    let cell_state = move || {
        if state.plan.get().is_none() {
            "idle"
        } else if state.running.get() {
            "loading"
        } else if figure.with(Option::is_some) {
            "drawn"
        } else {
            "empty"
        }
    };
    let failures = move || {
        state
            .rows
            .get()
            .into_iter()
            .filter_map(|row| match row.status.get() {
                DsStatus::Error(message) => Some(message),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    let notes =
        move || state.arrived.with(|all| all.iter().flat_map(|b| b.notes.clone()).collect::<Vec<_>>());
    view! {
        <article class="report" data-testid="report">
            <h1>"Hub activity"</h1>
            <p class="prose">
                "How many people used each JupyterHub, day by day, over the last month, on every cluster "
                "Grafana knows. Each bar is one whole calendar day and shows the hub's "
                <code>"jupyterhub_active_users{period=\"24h\"}"</code>
                " at the midnight that ends the day: everyone active during that day. Days follow UTC unless you "
                "pick this browser's time zone. Today's bar is lighter: "
                "it counts the users so far. Hubs with the same name on different clusters are kept apart."
            </p>
            <section class="cell" data-testid="cell" data-state=cell_state
                data-evaluated-at=move || state.plan.get().map(|p| p.now_ms.to_string()).unwrap_or_default()>
                <div class="cell-head">
                    <h2>{report::HUB_ACTIVITY_TITLE}</h2>
                    <ZonePicker state mode />
                </div>
                <details class="query">
                    <summary>"Query"</summary>
                    <pre><code>{report::HUB_ACTIVITY_QUERY}</code></pre>
                    <p class="muted">"Evaluated at each midnight of the last month (step 1d; one query per daylight-saving segment) and once at “now” for today, on every Prometheus datasource."</p>
                </details>
                <div class="cell-body">
                    <div class="chart-area">
                        <Chart figure=figure.into() on_drawn draw_error />
                        {move || match cell_state() {
                            "idle" => Some(view! { <p class="placeholder">"Connect to Grafana, or try the demo data, to run this report."</p> }.into_any()),
                            "loading" if figure.with(Option::is_none) => Some(view! { <p class="placeholder">"Querying…"</p> }.into_any()),
                            "empty" if failures().is_empty() && state.fatal.get().is_none() && !state.rows.get().is_empty() => Some(view! {
                                <p class="notice" data-testid="error">"No data for this range: no datasource has "
                                <code>"jupyterhub_active_users{period=\"24h\"}"</code> " in the last month."</p>
                            }.into_any()),
                            _ => None,
                        }}
                        {move || draw_error.get().map(|e| view! { <p class="error" data-testid="error">{e}</p> })}
                        <Show when=move || figure.with(Option::is_some)>
                            <div class="downloads">
                                <button type="button" class="secondary" data-testid="download-csv" on:click=move |_| {
                                    let (Some(t), Some(p)) = (table.get_untracked(), state.plan.get_untracked()) else { return };
                                    if let Err(e) = download::save_text("hub-activity.csv", "text/csv;charset=utf-8", &csv::wide(&t, &p.zone)) {
                                        draw_error.set(Some(e));
                                    }
                                }>"Download CSV (one column per hub)"</button>
                                <button type="button" class="secondary" data-testid="download-tidy-csv" on:click=move |_| {
                                    let Some(p) = state.plan.get_untracked() else { return };
                                    let text = state.arrived.with_untracked(|all| csv::tidy(all.iter().flat_map(|a| a.range.iter().chain(&a.instant)), &p.zone));
                                    if let Err(e) = download::save_text("hub-activity-tidy.csv", "text/csv;charset=utf-8", &text) {
                                        draw_error.set(Some(e));
                                    }
                                }>"Download CSV (one row per sample)"</button>
                            </div>
                        </Show>
                        {move || state.plan.get().map(|p| view! {
                            <p class="muted evaluated">"Evaluated at " {rfc3339_utc(p.now_ms)} {move || if matches!(mode.get(), Mode::Demo(_)) { " (recorded)" } else { "" }}</p>
                        })}
                    </div>
                    <aside class="cell-side" aria-label="Problems with this cell">
                        <For each=move || failures().into_iter().enumerate() key=|(i, m)| (*i, m.clone()) let:((_, message))>
                            <p class="error" data-testid="error" role="alert">
                                {message}
                                <button type="button" class="link" data-testid="retry" on:click=move |_| state.rerun(perf::wall_ms())>"Retry"</button>
                            </p>
                        </For>
                        <For each=move || notes().into_iter().enumerate() key=|(i, n)| (*i, n.clone()) let:((_, note))>
                            <p class="note">{note}</p>
                        </For>
                    </aside>
                </div>
            </section>
        </article>
    }
}
