//! Time zones from the browser. The site ships no time-zone database: the browser's
//! `Intl.DateTimeFormat` already knows every IANA zone, so a zone is probed there (its UTC
//! offset, week by week from 2000 to two years ahead, each change found to the second) and
//! handed to the core, which builds the `jiff` zone the day arithmetic uses.

use jiff::tz::TimeZone;
use promnote_core::time::zones::{self, is_utc, parse_gmt_offset, OffsetChange};
use promnote_core::time::TimeError;
use wasm_bindgen::{JsCast, JsValue};

/// The first instant probed: 2000-01-01T00:00:00Z (reports before it use its offset).
const PROBE_FROM_S: i64 = 946_684_800;
/// Offsets change at most a few times a year: a week apart, no change goes unseen.
const PROBE_STEP_S: i64 = 7 * 86_400;

/// The browser's own zone name, e.g. `Europe/Berlin`.
pub fn browser_zone_name() -> Option<String> {
    let options =
        js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new()).resolved_options();
    js_sys::Reflect::get(&options, &"timeZone".into()).ok()?.as_string()
}

/// Whether the browser knows a zone by this name (cheap: no probing).
pub fn is_known(name: &str) -> bool {
    formatter(name, "short").is_some()
}

/// `UTC`, or an IANA zone as the browser knows it.
pub fn zone(name: &str) -> Result<TimeZone, TimeError> {
    if is_utc(name) {
        return Ok(TimeZone::UTC);
    }
    let name = name.trim();
    let unknown = || TimeError::Zone(name.to_owned());
    let offsets = formatter(name, "longOffset").ok_or_else(unknown)?;
    let names = formatter(name, "short").ok_or_else(unknown)?;
    let at = |t_s: i64| -> Option<OffsetChange> {
        let date = js_sys::Date::new(&JsValue::from_f64(t_s as f64 * 1000.0));
        Some(OffsetChange {
            at_s: t_s,
            offset_s: parse_gmt_offset(&zone_part(&offsets, &date)?)?,
            abbreviation: zone_part(&names, &date)?,
        })
    };
    let initial = at(PROBE_FROM_S).ok_or_else(unknown)?;
    let until = (js_sys::Date::now() / 1000.0) as i64 + 2 * 366 * 86_400;
    let mut changes = Vec::new();
    let (mut before, mut t) = (initial.clone(), PROBE_FROM_S);
    while t < until {
        let next = at(t + PROBE_STEP_S).ok_or_else(unknown)?;
        if next.kind() != before.kind() {
            // The change lies in (t, t + step]: halve until it is pinned to the second.
            let (mut lo, mut hi) = (t, t + PROBE_STEP_S);
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                let probe = at(mid).ok_or_else(unknown)?;
                if probe.kind() == before.kind() {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            let change = at(hi).ok_or_else(unknown)?;
            before = change.clone();
            changes.push(change);
        }
        t += PROBE_STEP_S;
    }
    zones::zone_from_offsets(name, &initial, &changes)
}

/// An `Intl.DateTimeFormat` for `zone` showing only its name in `style`; `None` when
/// the browser does not know the zone (the constructor throws a RangeError).
fn formatter(zone: &str, style: &str) -> Option<js_sys::Intl::DateTimeFormat> {
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"timeZone".into(), &zone.into()).ok()?;
    js_sys::Reflect::set(&options, &"timeZoneName".into(), &style.into()).ok()?;
    let intl = js_sys::Reflect::get(&js_sys::global(), &"Intl".into()).ok()?;
    let constructor: js_sys::Function =
        js_sys::Reflect::get(&intl, &"DateTimeFormat".into()).ok()?.dyn_into().ok()?;
    let locales = js_sys::Array::of1(&"en-US".into());
    js_sys::Reflect::construct(&constructor, &js_sys::Array::of2(&locales, &options)).ok()?.dyn_into().ok()
}

/// The `timeZoneName` part of `date` formatted by `format`.
fn zone_part(format: &js_sys::Intl::DateTimeFormat, date: &js_sys::Date) -> Option<String> {
    format.format_to_parts(date).iter().find_map(|part| {
        let kind = js_sys::Reflect::get(&part, &"type".into()).ok()?.as_string()?;
        (kind == "timeZoneName")
            .then(|| js_sys::Reflect::get(&part, &"value".into()).ok()?.as_string())
            .flatten()
    })
}
