//! What to do when the browser withholds Grafana's answers (CORS): the four ways out,
//! with this page's origin filled into the tested nginx and Caddy snippets.

use leptos::prelude::*;

use crate::session::Connection;

/// What to do when the browser withholds Grafana's answers (CORS): the four fixes, with
/// this page's origin filled into the tested nginx and Caddy snippets.
#[component]
pub fn CorsHelp(conn: Connection) -> impl IntoView {
    move || {
        let grafana = conn.blocked.get()?;
        let page = crate::api::page_origin();
        let fill = |snippet: &str| snippet.replace("https://you.github.io", &page);
        let nginx = fill(include_str!("../../docs/cors/nginx.conf"));
        let caddy = fill(include_str!("../../docs/cors/Caddyfile"));
        let local = format!("trunk serve --proxy-backend={grafana}/api/ --proxy-rewrite=/api/");
        let serve = format!("promnote serve --grafana {grafana}/");
        Some(view! {
            <section class="cors-help" data-testid="cors-help" aria-labelledby="cors-title">
                <h2 id="cors-title">"Your browser blocked Grafana's answers"</h2>
                <p>"Grafana at " <code>{grafana.clone()}</code> " is up, but it sends no CORS headers (it has no setting for them), so the browser will not let this page, on " <code>{page.clone()}</code> ", read its answers. There are four ways out:"</p>
                <ol>
                    <li>"Without anyone's permission: run promnote's command line on your computer. It serves this site on " <code>"http://127.0.0.1:8484/"</code> " and forwards the page's calls to Grafana from that same origin; open that address and paste your token there:" <pre><code>{serve}</code></pre></li>
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
