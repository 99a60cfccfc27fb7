//! Any text through the parsers of what people type: none may panic.
#![no_main]

use jiff::tz::TimeZone;
use jiff::Timestamp;
use libfuzzer_sys::fuzz_target;
use promnote_core::api::url::BaseUrl;
use promnote_core::time::step::{choose_step, parse_duration, parse_step};
use promnote_core::time::parse::{parse_time, Edge, TimeRange};
use promnote_core::time::periods::{Calendar, PeriodPlan};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let now = Timestamp::from_second(1_795_000_000).expect("a fixed, valid time");
    let berlin = TimeZone::get("Europe/Berlin").unwrap_or(TimeZone::UTC);
    for zone in [&TimeZone::UTC, &berlin] {
        let _ = parse_time(text, now, zone, Edge::From);
        let _ = parse_time(text, now, zone, Edge::To);
        if let Some((from, to)) = text.split_once("..") {
            if let Ok(range) = TimeRange::parse(from, to, now, zone) {
                for unit in [Calendar::Day, Calendar::Week, Calendar::Month, Calendar::Year] {
                    let plan = PeriodPlan::for_range(unit, &range, zone);
                    let _ = (plan.segments(false), plan.segments(true), plan.labels());
                }
            }
        }
    }
    if let Ok(ms) = parse_duration(text) {
        let _ = choose_step(promnote_core::time::step::StepSpec::Fixed(ms), ms.saturating_mul(1000), 1200);
    }
    let _ = parse_step(text);
    if let Ok(url) = BaseUrl::parse(text) {
        let _ = url.join("api/datasources");
    }
});
