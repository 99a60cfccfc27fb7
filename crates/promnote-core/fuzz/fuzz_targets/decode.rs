//! Any bytes through every decoder of answers from the network: none may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use promnote_core::api::{datasource, error, frames, prom};
use promnote_core::data::{series, synthetic, table};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(answer) = prom::decode(text) {
        if let prom::QueryData::Matrix(matrix) = answer.data {
            let notes = series::answer_notes("ds", &matrix, &[]);
            let series = series::from_matrix("ds", "ds", matrix);
            let _ = table::pivot_floored(&series, 86_400_000, &table::PivotOptions::default());
            let _ = notes;
        }
    }
    let _ = synthetic::decode_and_pivot(text);
    let _ = frames::decode(text, "A");
    let _ = datasource::parse_datasources(text);
    let _ = datasource::parse_frontend_settings(text);
    for status in [200, 401, 403, 404, 500, 502] {
        let _ = error::from_status("ds", status, Some("application/json"), text).to_string();
    }
});
