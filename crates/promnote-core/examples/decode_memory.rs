//! Peak heap used to decode and pivot a `query_range` answer, as a multiple of the
//! answer's size (goal: ≤ 3×). Usage: cargo run --release --example decode_memory [MB]

#![allow(
    clippy::print_stdout,
    clippy::disallowed_methods,
    reason = "a measuring tool: it prints its result and reads the native clock"
)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use promnote_core::data::synthetic::{decode_and_pivot, matrix_answer, shape_for_bytes};

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator and only counts bytes.
#[allow(unsafe_code, reason = "a global allocator is unsafe to implement; this one only counts")]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn main() {
    let megabytes: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10);
    let (series, points) = shape_for_bytes(megabytes * 1_000_000);
    let body = matrix_answer(series, points, 1_790_000_000, 3600);
    let before = CURRENT.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let started = std::time::Instant::now();
    let cells = decode_and_pivot(&body).expect("a synthetic answer decodes");
    let seconds = started.elapsed().as_secs_f64();
    let peak = PEAK.load(Ordering::Relaxed) - before;
    println!(
        "native decode+pivot {:.1} MB ({series} series × {points} points, {cells} cells): {:.0} MB/s, peak memory {:.2}× the answer",
        body.len() as f64 / 1e6,
        body.len() as f64 / 1e6 / seconds,
        peak as f64 / body.len() as f64
    );
}
