//! promnote's web app: mounts the page and installs a panic hook that shows a
//! readable message instead of a frozen page. Everything that is not browser glue
//! lives in the `promnote-core` crate.

mod api;
mod app;
mod download;
mod keep;
mod perf;
mod regex;
mod seal;
mod session;
mod site;
mod state;
mod ui;
mod zone;

fn main() {
    // The wasm arrived and runs (the cold-load benchmark times the mount from here).
    perf::mark("promnote:start");
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show_crash_banner();
    }));
    leptos::mount::mount_to_body(app::App);
    // The form is on screen and works: what the cold-load benchmark times.
    perf::mark("promnote:mounted");
    // plotly.js downloads now, while the reader types; no chart is needed before Connect
    // or the demo, and the first draw waits for it.
    leptos::task::spawn_local(async {
        perf::sleep_ms(0).await;
        let _ = ui::chart::load_plotly();
    });
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

/// Benchmark hooks, called by `dev/bench` through trunk's `window.wasmBindings`: they
/// time the core's decode + pivot in the browser on the shipped release build.
pub mod bench {
    use promnote_core::data::synthetic;
    use wasm_bindgen::prelude::wasm_bindgen;

    /// A synthetic `query_range` answer of about `megabytes` MB, as UTF-8 bytes.
    #[wasm_bindgen(js_name = promnoteBenchAnswer)]
    pub fn answer(megabytes: u32) -> Vec<u8> {
        let (series, points) = synthetic::shape_for_bytes(megabytes as usize * 1_000_000);
        synthetic::matrix_answer(series, points, 1_790_000_000, 3600).into_bytes()
    }

    /// Decodes and pivots `body` (UTF-8 bytes, as a response's `arrayBuffer()` gives them)
    /// as the app does; returns the number of cells.
    #[wasm_bindgen(js_name = promnoteBenchDecode)]
    pub fn decode(body: Vec<u8>) -> u32 {
        synthetic::decode_and_pivot(&promnote_core::api::encoding::text_from_bytes(body))
            .map_or(0, |cells| cells as u32)
    }

    /// The wasm memory's size in bytes. It only grows, so this is the largest the app
    /// has needed so far.
    #[wasm_bindgen(js_name = promnoteWasmMemory)]
    pub fn wasm_memory() -> f64 {
        use wasm_bindgen::JsCast as _;
        wasm_bindgen::memory()
            .dyn_into::<js_sys::WebAssembly::Memory>()
            .ok()
            .and_then(|memory| memory.buffer().dyn_into::<js_sys::ArrayBuffer>().ok())
            .map_or(0.0, |buffer| f64::from(buffer.byte_length()))
    }
}
