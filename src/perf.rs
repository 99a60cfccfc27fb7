//! Clocks and `performance.mark` entries. `std::time` panics on wasm32, so the wall
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
