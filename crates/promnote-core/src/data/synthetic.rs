//! Synthetic `query_range` answers of any size, shaped like Prometheus' own (label
//! sets of a realistic width, string values, integer-second timestamps). Benchmarks
//! (native criterion, and in the browser through the app's exported bench hook) and
//! fuzz seeds use them; no test compares against them.

use std::fmt::Write as _;

/// A matrix answer with `series` series of `points` samples each, one `step_s` apart.
pub fn matrix_answer(series: usize, points: usize, start_s: i64, step_s: i64) -> String {
    let mut out = String::with_capacity(series * (points * 24 + 160) + 64);
    out.push_str(r#"{"status":"success","data":{"resultType":"matrix","result":["#);
    for s in 0..series {
        if s > 0 {
            out.push(',');
        }
        let _ = write!(
            out,
            r#"{{"metric":{{"cluster":"cluster-{c}","instance":"hub-{s}.svc:8081","job":"jupyterhub","namespace":"hub-{s}"}},"values":["#,
            c = s % 50
        );
        for p in 0..points {
            if p > 0 {
                out.push(',');
            }
            let value = ((s * 7919 + p * 104_729) % 100_000) as f64 / 8.0;
            let _ = write!(out, r#"[{},"{value}"]"#, start_s + p as i64 * step_s);
        }
        out.push_str("]}");
    }
    out.push_str("]}}");
    out
}

/// Series × points that make an answer of about `bytes` bytes (600 × 840 ≈ 9 MB).
pub fn shape_for_bytes(bytes: usize) -> (usize, usize) {
    let points = 840;
    let per_series = matrix_answer(1, points, 1_790_000_000, 3600).len();
    ((bytes / per_series).max(1), points)
}

/// Decodes an answer and pivots it into a wide table on its own evaluation times: the
/// work the app does per datasource. Returns the number of cells, so nothing is elided.
pub fn decode_and_pivot(body: &str) -> Result<usize, crate::api::prom::PromError> {
    let answer = crate::api::prom::decode(body)?;
    let crate::api::prom::QueryData::Matrix(matrix) = answer.data else {
        return Ok(0);
    };
    // The union of the series' times; usually they share one grid, so check before merging.
    let mut times: Vec<i64> = Vec::new();
    for series in &matrix {
        let grid = series.values.iter().map(|p| p.t_ms);
        if !grid.clone().eq(times.iter().copied()) {
            times.extend(grid);
            times.sort_unstable();
            times.dedup();
        }
    }
    let labels = times.iter().map(i64::to_string).collect();
    let series = crate::data::series::from_matrix("bench", "bench", matrix);
    let table = crate::data::table::pivot_times(
        &times,
        labels,
        &series,
        &crate::data::table::PivotOptions::default(),
    );
    Ok(table.columns.len() * table.row_labels.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_decode_and_have_the_asked_size() {
        let body = matrix_answer(3, 5, 1_790_000_000, 60);
        assert_eq!(decode_and_pivot(&body), Ok(15));
        let (series, points) = shape_for_bytes(9_000_000);
        let size = matrix_answer(series, points, 1_790_000_000, 3600).len();
        assert!((8_000_000..10_000_000).contains(&size), "{size}");
    }
}
