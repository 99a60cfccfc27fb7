//! Property tests: round trips and "never panics, never exceeds the limit" over
//! generated inputs.

// A test: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, reason = "a test: a panic is its failure")]

use jiff::tz::TimeZone;
use jiff::Timestamp;
use promnote_core::api::prom::format_value;
use promnote_core::api::prom::{self, QueryData};
use promnote_core::api::url::BaseUrl;
use promnote_core::time::parse::{parse_time, Edge};
use promnote_core::time::step::{choose_step, format_duration, parse_duration, points, StepSpec, MAX_POINTS};
use proptest::prelude::*;

/// Pieces of Markdown that open blocks, for text that tries to become report source.
const MARKDOWN_PIECES: [&str; 18] = [
    "```",
    "~~~",
    "````",
    "promql",
    "promql+",
    " legend=x",
    "<script>",
    "</script>",
    "<pre>",
    "<!--",
    "-->",
    "\n",
    "\n\n",
    "- ",
    "> ",
    "    ",
    "up",
    "`",
];

proptest! {
    #[test]
    fn dashboard_text_never_becomes_cells(pieces in proptest::collection::vec(0..MARKDOWN_PIECES.len(), 0..24)) {
        let text: String = pieces.iter().map(|i| MARKDOWN_PIECES[*i]).collect();
        let dashboard = serde_json::json!({ "title": "T", "panels": [
            { "type": "text", "options": { "content": text } },
            { "type": "timeseries", "title": "A", "description": text, "targets": [{ "expr": "first_metric" }] },
            { "type": "timeseries", "title": "B", "targets": [{ "expr": "second_metric" }] }
        ]});
        let known = promnote_core::report::dashboard::Known::default();
        let converted = promnote_core::report::dashboard::convert(&dashboard.to_string(), &known).unwrap();
        let back = promnote_core::report::format::parse(&converted.report.to_markdown()).unwrap();
        let queries: Vec<&str> = back.cells().map(|c| c.query.as_str()).collect();
        prop_assert_eq!(queries, vec!["first_metric", "second_metric"], "{:?}", text);
    }

    #[test]
    fn durations_round_trip(ms in 1i64..=10 * 365 * 86_400_000) {
        prop_assert_eq!(parse_duration(&format_duration(ms)), Ok(ms));
    }

    #[test]
    fn steps_never_exceed_prometheus_limit(range in 0i64..=40 * 365 * 86_400_000, step in 1i64..=86_400_000, width in 1u32..10_000) {
        for spec in [StepSpec::Auto, StepSpec::Fixed(step)] {
            let chosen = choose_step(spec, range, width).step_ms;
            prop_assert!(chosen > 0);
            prop_assert!(points(0, range, chosen) <= MAX_POINTS);
        }
    }

    #[test]
    fn rfc3339_times_round_trip(seconds in -2_000_000_000i64..4_000_000_000, millis in 0i64..1000) {
        let t = Timestamp::from_millisecond(seconds * 1000 + millis).unwrap();
        let now = Timestamp::from_second(1_795_000_000).unwrap();
        prop_assert_eq!(parse_time(&t.to_string(), now, &TimeZone::UTC, Edge::From), Ok(t));
    }

    #[test]
    fn relative_times_never_panic(text in "now([+-][0-9]{0,12}[smhdwMyxQ]|/[smhdwMyq]){0,4}") {
        let now = Timestamp::from_second(1_795_000_000).unwrap();
        let _ = parse_time(&text, now, &TimeZone::UTC, Edge::From);
        let _ = parse_time(&text, now, &TimeZone::UTC, Edge::To);
    }

    #[test]
    fn base_urls_are_normalized_once(host in "[a-z][a-z0-9-]{0,20}(\\.[a-z]{2,5}){0,2}", port in proptest::option::of(1u16..), path in "(/[a-z]{1,8}){0,2}/?") {
        let input = match port {
            Some(p) => format!("https://{host}:{p}{path}"),
            None => format!("https://{host}{path}"),
        };
        // Generated hosts are valid, but a path may hit a Grafana UI segment (`/d/…`).
        let parsed = BaseUrl::parse(&input);
        prop_assume!(parsed.is_ok());
        let url = parsed.unwrap();
        let again = BaseUrl::parse(&url.as_str()).unwrap();
        prop_assert_eq!(again.as_str(), url.as_str());
        prop_assert!(url.as_str().ends_with('/'));
    }

    #[test]
    fn range_answers_decode_to_what_was_written(
        series in proptest::collection::vec(
            (
                proptest::collection::btree_map("[a-z_]{1,6}", any::<String>(), 0..4),
                proptest::collection::vec((0i64..4_000_000_000, 0u16..1000, any::<f64>()), 0..6),
            ),
            0..5,
        )
    ) {
        // Written as Prometheus writes it: labels as JSON, float-second times, values as
        // shortest-round-trip text (`csv::number` writes Prometheus' form).
        let mut body = String::from(r#"{"status":"success","data":{"resultType":"matrix","result":["#);
        for (n, (metric, samples)) in series.iter().enumerate() {
            let values: Vec<String> = samples
                .iter()
                .map(|(s, ms, v)| {
                    let text = format_value(*v);
                    let t = if *ms == 0 { s.to_string() } else { format!("{s}.{ms:03}") };
                    format!(r#"[{t},"{text}"]"#)
                })
                .collect();
            body.push_str(if n == 0 { "" } else { "," });
            body.push_str(&format!(r#"{{"metric":{},"values":[{}]}}"#, serde_json::to_string(metric).unwrap(), values.join(",")));
        }
        body.push_str("]}}");
        let QueryData::Matrix(decoded) = prom::decode(&body).unwrap().data else { panic!("not a matrix") };
        prop_assert_eq!(decoded.len(), series.len());
        for (got, (metric, samples)) in decoded.iter().zip(&series) {
            prop_assert_eq!(&got.metric, metric);
            prop_assert_eq!(got.values.len(), samples.len());
            for (point, (s, ms, v)) in got.values.iter().zip(samples) {
                prop_assert_eq!(point.t_ms, s * 1000 + i64::from(*ms));
                prop_assert!(point.value.to_bits() == v.to_bits() || (v.is_nan() && point.value.is_nan()), "{} != {}", point.value, v);
            }
        }
    }

}
