//! Clocks, timers and `performance.mark` entries. `std::time` panics on wasm32, so the wall
//! clock is `Date.now()` and durations come from `performance.now()`. The marks
//! (`promnote:click`, `promnote:drawn`) are what the benchmark reads.

/// Wall-clock time in ms since the epoch.
pub fn wall_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// A monotonic timestamp in ms (0 when the Performance API is missing).
pub fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

/// Records a `performance.mark` (ignored when the API is missing).
pub fn mark(name: &str) {
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        let _ = performance.mark(name);
    }
}

/// Waits `ms` milliseconds on a browser timer.
pub async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

thread_local! {
    static LAST_DRAW_MS: std::cell::Cell<f64> = const { std::cell::Cell::new(0.0) };
}

/// Records how long the last chart draw kept the main thread busy.
pub fn record_draw(ms: f64) {
    LAST_DRAW_MS.with(|last| last.set(ms));
}

/// How long the last chart draw kept the main thread busy, in ms.
pub fn last_draw_ms() -> f64 {
    LAST_DRAW_MS.with(std::cell::Cell::get)
}
