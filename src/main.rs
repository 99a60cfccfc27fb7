//! promnote's web app: mounts the page and installs a panic hook that shows a
//! readable message instead of a frozen page. Everything that is not browser glue
//! lives in the `promnote-core` crate.

mod api;
mod app;
mod chart_view;
mod perf;
mod run;

fn main() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show_crash_banner();
    }));
    leptos::mount::mount_to_body(app::App);
}

/// Puts a plain-text notice at the top of the page (text only: no markup from data).
fn show_crash_banner() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Ok(banner) = document.create_element("div") else {
        return;
    };
    banner.set_class_name("crash");
    banner.set_attribute("role", "alert").ok();
    banner.set_attribute("data-testid", "error").ok();
    banner.set_text_content(Some(
        "promnote hit an internal error and stopped. Reload the page to start again; your Grafana was not changed. \
         Please report this, with the browser console's output, at https://github.com/promnote/promnote/issues.",
    ));
    if let Some(body) = document.body() {
        body.prepend_with_node_1(&banner).ok();
    }
}
