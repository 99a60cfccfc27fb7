//! The connect form: a Grafana's address and token, or a Prometheus called directly, and
//! how long to keep the secrets; checked by the core ([`promnote_core::api::form`]), then
//! connected; and the banner that says what answered (or which snapshot shows, with the
//! files offered with it).

use std::rc::Rc;

use leptos::prelude::*;
use promnote_core::api::form::{self, SignIn, Typed};
use promnote_core::api::{BaseUrl, Datasource};
use promnote_core::run::connect::Badge;
use promnote_core::time::clock::rfc3339_utc;

use crate::api::Transport;
use crate::app::{leave_snapshot, Mode, Shown};
use crate::keep::{self, Keep, KeptPrometheus};
use crate::perf;
use crate::session::Connection;
use crate::site::Access;
use crate::state::OpenReport;
use crate::ui::published::{Attachments, Earlier, SiteAccess};

#[component]
#[expect(
    clippy::too_many_lines,
    reason = "the form's view! markup and its three actions (connect, forget, demo)"
)]
pub fn ConnectForm(
    conn: Connection,
    report: OpenReport,
    mode: RwSignal<Mode>,
    link_grafana: RwSignal<Option<String>>,
) -> impl IntoView {
    let kept = keep::load();
    let site_access = use_context::<SiteAccess>();
    let served = served();
    let origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
    let keep_choice = RwSignal::new(kept.as_ref().map_or(Keep::Memory, |(k, _)| *k));
    // Served by `promnote serve`: its own address reaches Grafana.
    let served_grafana = served.as_ref().and_then(|s| s.grafana.clone()).map(|_| format!("{origin}/"));
    let url = RwSignal::new(
        kept.as_ref()
            .map(|(_, k)| k.grafana.clone())
            .filter(|u| !u.is_empty())
            .or(served_grafana.clone())
            .unwrap_or_default(),
    );
    let token = RwSignal::new(kept.as_ref().map(|(_, k)| k.token.clone()).unwrap_or_default());
    let kept_prom = kept.and_then(|(_, k)| k.prometheus).unwrap_or_default();
    let served_prom =
        served.as_ref().and_then(|s| s.prometheus.first()).map(|p| format!("{origin}{}", p.path));
    let prom = DirectFields {
        url: RwSignal::new(if kept_prom.url.is_empty() {
            served_prom.unwrap_or_default()
        } else {
            kept_prom.url
        }),
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
        keep::forget_passphrase();
        // A sealed site stays open until Lock, but its passphrase is no longer kept.
        if let Some(SiteAccess(access)) = site_access {
            access.update(|a| {
                if let Access::Open { kept, .. } = a {
                    *kept = Ok(Keep::Memory);
                }
            });
        }
        token.set(String::new());
        prom.user.set(String::new());
        prom.secret.set(String::new());
        keep_choice.set(Keep::Memory);
        conn.forget_session();
        report.clear_runs();
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
        let (raw_token, grafana_url, prom_url) =
            (token.get_untracked(), url.get_untracked(), prom.url.get_untracked());
        let (auth, user, secret) =
            (prom.auth.get_untracked(), prom.user.get_untracked(), prom.secret.get_untracked());
        let typed = Typed {
            grafana_url: &grafana_url,
            token: &raw_token,
            prometheus_url: &prom_url,
            sign_in: SignIn::parse(&auth),
            user: &user,
            secret: &secret,
        };
        let servers = match form::servers(&typed, &crate::api::page_origin()) {
            Ok(servers) => servers,
            Err(e) => {
                form_error.set(Some(e));
                return;
            }
        };
        let typed_prom = !servers.direct.is_empty();
        let (grafana, direct) = (&servers.grafana, &servers.direct);
        if let Some(g) = &grafana {
            url.set(g.base.to_string());
        }
        if let Some(d) = direct.first() {
            prom.url.set(d.base.to_string());
        }
        leave_snapshot(conn, report, mode);
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
        report.clear_runs();
        conn.connect(Transport::Live(Rc::new(servers)));
    };

    let demo = move |_| {
        perf::mark("promnote:click");
        form_error.set(None);
        leave_snapshot(conn, report, mode);
        report.clear_runs();
        conn.start_demo(move |at| mode.set(Mode::Demo(at)));
    };

    view! {
        <section class="connect" aria-labelledby="connect-title">
            <h2 id="connect-title">"Connect to Grafana"</h2>
            <form on:submit=connect autocomplete="off" novalidate>
                <TextField label="Grafana URL" kind="url" testid="grafana-url" placeholder="https://grafana.example.org/" value=url />
                {served.as_ref().and_then(|s| s.grafana.clone()).map(|upstream| {
                    let here = served_grafana.clone().unwrap_or_default();
                    view! {
                        <p class="muted" data-testid="served-by" hidden=move || url.get() != here>
                            "Served by " <code>"promnote serve"</code> ": this address forwards to the Grafana at "
                            <code>{upstream}</code> ". Your token goes there through it, and nowhere else."
                        </p>
                    }
                })}
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
                    <Show when=move || conn.listing.get() || report.cells_running()>
                        <button type="button" class="secondary" data-testid="cancel" on:click=move |_| {
                            conn.cancel();
                            report.cancel_all();
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
                Mode::Snapshot(shown) => {
                    let Shown { banner, entry } = *shown;
                    Some(view! {
                        <p class="banner snapshot" data-testid="snapshot-banner">{banner}</p>
                        <Attachments entry=entry.clone() />
                        <Earlier entry />
                    }.into_any())
                }
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
                    matches!(status, Some(Badge::Ok { .. })),
                    matches!(status, Some(Badge::Checking)),
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

/// Where `promnote serve` forwards, when it served this page: its
/// `<meta name="promnote-serve">` (Grafana under `/api/`, each Prometheus under its path).
#[derive(serde::Deserialize)]
struct Served {
    /// The Grafana that `/api/` reaches.
    grafana: Option<String>,
    /// The Prometheus servers, each under its path.
    #[serde(default)]
    prometheus: Vec<ServedPrometheus>,
}

/// One Prometheus `promnote serve` forwards to.
#[derive(serde::Deserialize)]
struct ServedPrometheus {
    /// Its path on this origin: `/prometheus/0/`.
    path: String,
}

fn served() -> Option<Served> {
    let meta = web_sys::window()?.document()?.query_selector("meta[name=promnote-serve]").ok()??;
    serde_json::from_str(&meta.get_attribute("content")?).ok()
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
