//! Prometheus' HTTP API answers (`/api/v1/query`, `/api/v1/query_range`), decoded
//! into checked types: the envelope (`status`, `data`, `warnings`, `infos`), every
//! result type, and samples whose string values become `f64` (`NaN`, `±Inf` too)
//! at float-second timestamps that become integer milliseconds.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde::Deserialize;

/// A series' labels, sorted by name (so equal label sets compare equal).
pub type Labels = BTreeMap<String, String>;

/// The largest timestamp magnitude accepted, in seconds (the end of the year 9999).
const MAX_SECONDS: f64 = 253_402_300_799.0;

/// One sample: a time in milliseconds since the epoch and a value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// Milliseconds since 1970-01-01 UTC (Prometheus sends float seconds).
    pub t_ms: i64,
    /// The value; may be NaN or infinite.
    pub value: f64,
}

impl<'de> Deserialize<'de> for Sample {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SampleVisitor;
        impl<'de> Visitor<'de> for SampleVisitor {
            type Value = Sample;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(r#"a sample [<unix seconds>, "<value>"]"#)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Sample, A::Error> {
                let t: f64 = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let raw: ValueText<'de> =
                    seq.next_element()?.ok_or_else(|| de::Error::invalid_length(1, &self))?;
                if seq.next_element::<IgnoredAny>()?.is_some() {
                    return Err(de::Error::invalid_length(3, &self));
                }
                if !t.is_finite() || t.abs() > MAX_SECONDS {
                    return Err(de::Error::custom(
                        "a sample's timestamp is not a time between the years -9999 and 9999",
                    ));
                }
                let value = parse_value(raw.as_str()).ok_or_else(|| {
                    de::Error::custom(format_args!("`{}` is not a sample value", raw.as_str()))
                })?;
                Ok(Sample { t_ms: (t * 1000.0).round() as i64, value })
            }
        }
        deserializer.deserialize_seq(SampleVisitor)
    }
}

/// A sample value as sent: a string, borrowed when it has no escapes.
enum ValueText<'a> {
    Borrowed(&'a str),
    Owned(String),
}

impl ValueText<'_> {
    fn as_str(&self) -> &str {
        match self {
            ValueText::Borrowed(s) => s,
            ValueText::Owned(s) => s,
        }
    }
}

impl<'de> Deserialize<'de> for ValueText<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = ValueText<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a sample value as a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(ValueText::Borrowed(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(ValueText::Owned(v.to_owned()))
            }
        }
        deserializer.deserialize_str(TextVisitor)
    }
}

/// Parses Prometheus' text form of a float: decimal, exponent, `NaN`, `+Inf`, `-Inf`.
pub fn parse_value(text: &str) -> Option<f64> {
    match text {
        "NaN" => Some(f64::NAN),
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        _ => text.parse::<f64>().ok(),
    }
}

/// A series of a range query (`resultType: "matrix"`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RangeSeries {
    /// The series' labels.
    pub metric: Labels,
    /// Float samples in time order (leading or inner points may be missing).
    #[serde(default, deserialize_with = "samples")]
    pub values: Vec<Sample>,
    /// Set when the series carries native-histogram samples, which promnote does not chart.
    #[serde(default, rename = "histograms", deserialize_with = "present")]
    pub has_histograms: bool,
}

/// A series of an instant query (`resultType: "vector"`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct InstantSeries {
    /// The series' labels.
    pub metric: Labels,
    /// The sample; absent when the series is a native histogram.
    #[serde(default)]
    pub value: Option<Sample>,
    /// Set when the series carries a native-histogram sample.
    #[serde(default, rename = "histogram", deserialize_with = "present")]
    pub has_histograms: bool,
}

/// `values` of a matrix series: the bulk of every answer. A tight scanner reads the
/// common shape (`[[1790000000,"1.5"],…]`) straight into samples; anything else (escapes,
/// odd whitespace, errors) goes through serde, which also words the error.
fn samples<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Sample>, D::Error> {
    let raw: &'de serde_json::value::RawValue = Deserialize::deserialize(deserializer)?;
    let bytes = raw.get().as_bytes();
    // ~18 bytes per sample in Prometheus' answers.
    match scan_samples(bytes, bytes.len() / 18 + 1) {
        Some((samples, end)) if bytes[end..].iter().all(u8::is_ascii_whitespace) => Ok(samples),
        _ => serde_json::from_str::<Vec<Sample>>(raw.get()).map_err(de::Error::custom),
    }
}

/// The fast path of [`samples`]: the samples of a `values` array at the start of `bytes`,
/// and where the array ends; `capacity` is the number of samples expected. `None` means
/// "not the common shape, let serde decide".
fn scan_samples(bytes: &[u8], capacity: usize) -> Option<(Vec<Sample>, usize)> {
    let mut i = 0;
    let skip_ws = |i: &mut usize| {
        while *i < bytes.len() && matches!(bytes[*i], b' ' | b'\n' | b'\r' | b'\t') {
            *i += 1;
        }
    };
    let expect = |i: &mut usize, byte: u8| -> Option<()> {
        skip_ws(i);
        (bytes.get(*i) == Some(&byte)).then(|| *i += 1)
    };
    expect(&mut i, b'[')?;
    let mut out = Vec::with_capacity(capacity);
    skip_ws(&mut i);
    if bytes.get(i) == Some(&b']') {
        return Some((out, i + 1));
    }
    loop {
        expect(&mut i, b'[')?;
        skip_ws(&mut i);
        let start = i;
        let mut seconds: i64 = 0;
        let mut digits = 0;
        while let Some(d @ b'0'..=b'9') = bytes.get(i) {
            seconds = seconds.checked_mul(10)?.checked_add(i64::from(d - b'0'))?;
            digits += 1;
            i += 1;
        }
        let t_ms =
            if matches!(bytes.get(i), Some(b'.' | b'e' | b'E' | b'-' | b'+')) || digits == 0 || digits > 11 {
                while matches!(bytes.get(i), Some(b'0'..=b'9' | b'.' | b'e' | b'E' | b'-' | b'+')) {
                    i += 1;
                }
                let t: f64 = std::str::from_utf8(&bytes[start..i]).ok()?.parse().ok()?;
                if !t.is_finite() || t.abs() > MAX_SECONDS {
                    return None;
                }
                (t * 1000.0).round() as i64
            } else {
                seconds * 1000
            };
        expect(&mut i, b',')?;
        expect(&mut i, b'"')?;
        let text_start = i;
        while let Some(&c) = bytes.get(i) {
            if c == b'"' || c == b'\\' {
                break;
            }
            i += 1;
        }
        if bytes.get(i) != Some(&b'"') {
            return None;
        }
        let text = &bytes[text_start..i];
        let value = match short_decimal(text) {
            Some(v) => v,
            None => parse_value(std::str::from_utf8(text).ok()?)?,
        };
        i += 1;
        expect(&mut i, b']')?;
        out.push(Sample { t_ms, value });
        skip_ws(&mut i);
        match bytes.get(i) {
            Some(b',') => i += 1,
            Some(b']') => return Some((out, i + 1)),
            _ => return None,
        }
    }
}

/// Parses `-?digits[.digits]` with at most 15 significant digits exactly: the digits
/// form an integer below 2^53 and the power of ten is exact, so one correctly rounded
/// division gives the same `f64` as a full parser (Clinger's fast path), much faster.
fn short_decimal(text: &[u8]) -> Option<f64> {
    const POW10: [f64; 16] =
        [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    if digits.is_empty() || digits.len() > 16 {
        return None;
    }
    let mut mantissa: u64 = 0;
    let mut count = 0;
    let mut fraction: Option<usize> = None;
    for &c in digits {
        match c {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(c - b'0');
                count += 1;
                if let Some(f) = fraction.as_mut() {
                    *f += 1;
                }
            }
            b'.' if fraction.is_none() => fraction = Some(0),
            _ => return None,
        }
    }
    let scale = fraction.unwrap_or(0);
    if count == 0 || count > 15 || fraction == Some(0) {
        return None;
    }
    let value = mantissa as f64 / POW10[scale];
    Some(if negative { -value } else { value })
}

fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    IgnoredAny::deserialize(deserializer).map(|_| true)
}

/// The `data` of a successful answer, by `resultType`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "resultType", content = "result", rename_all = "lowercase")]
pub enum QueryData {
    /// Range query result.
    Matrix(Vec<RangeSeries>),
    /// Instant query result.
    Vector(Vec<InstantSeries>),
    /// A single number, e.g. `time()`.
    Scalar(Sample),
    /// A string literal result: `[<time>, "<text>"]`.
    String(IgnoredString),
}

/// A `string` result, kept only so it decodes; promnote has nothing to chart for it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct IgnoredString(pub f64, pub String);

/// A successful answer with its notes for the user.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryResponse {
    /// The result.
    pub data: QueryData,
    /// Warnings Prometheus attached (e.g. a partial response).
    pub warnings: Vec<String>,
    /// Informational notes (Prometheus ≥ 2.45), e.g. about a counter-ish metric name.
    pub infos: Vec<String>,
    /// `isPartial: true`: VictoriaMetrics cluster (and Thanos, Mimir behind it) could not
    /// read every storage node, so values may be missing or too low.
    pub is_partial: bool,
}

/// Why an answer could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PromError {
    /// `status: "error"`, with Prometheus' `errorType` and `error`.
    #[error("The server refused the query {}", self.refusal())]
    Api {
        /// e.g. `bad_data`, `execution`, `timeout` (VictoriaMetrics: the status, `422`).
        error_type: String,
        /// Prometheus' own message.
        error: String,
    },
    /// The body is not Prometheus' JSON envelope.
    #[error("The answer is not a Prometheus API response ({0}).")]
    Decode(String),
}

impl PromError {
    /// What follows "<server> refused the query": "(bad_data): … . Check the query's …".
    pub fn refusal(&self) -> String {
        match self {
            PromError::Api { error_type, error } => {
                format!("({error_type}): {error}.{}", hint(error_type, error))
            }
            PromError::Decode(detail) => format!("with an answer that is not Prometheus' API ({detail})."),
        }
    }
}

fn hint(error_type: &str, error: &str) -> &'static str {
    if error.contains("exceeded maximum resolution") {
        " The range has more points than the server allows per series (Prometheus: 11,000): use a larger step or a shorter time range."
    } else if error_type == "timeout" || error.contains("query timed out") {
        " The query took longer than the server allows: use a shorter time range, a larger step or a cheaper query."
    } else if error_type == "bad_data" {
        " Check the query's syntax and parameters."
    } else if error.contains("query processing would load too many samples") {
        " The query touches too many samples: shorten the range or aggregate earlier."
    } else {
        ""
    }
}

/// Decodes a Prometheus API body.
pub fn decode(body: &str) -> Result<QueryResponse, PromError> {
    if let Some(matrix) = scan_matrix(body.as_bytes()) {
        return Ok(QueryResponse {
            data: QueryData::Matrix(matrix),
            warnings: Vec::new(),
            infos: Vec::new(),
            is_partial: false,
        });
    }
    decode_with_serde(body)
}

/// The bytes a successful range answer starts with, exactly as Prometheus (and Grafana's
/// proxy, which passes them on) writes them.
const MATRIX_HEAD: &[u8] = br#"{"status":"success","data":{"resultType":"matrix","result":["#;

/// One pass over a range answer in the exact layout Prometheus writes (`metric` then
/// `values` in each series, no whitespace, no warnings), the bulk of every report's data.
/// serde alone would read each `values` array twice (once to delimit it, once to scan it).
/// Anything else (other key orders, whitespace, warnings, histograms, errors) returns
/// `None`, and [`decode_with_serde`] decides and words the error.
fn scan_matrix(bytes: &[u8]) -> Option<Vec<RangeSeries>> {
    if !bytes.starts_with(MATRIX_HEAD) {
        return None;
    }
    let mut i = MATRIX_HEAD.len();
    let mut series = Vec::new();
    if bytes.get(i) != Some(&b']') {
        loop {
            i += bytes[i..].starts_with(br#"{"metric":"#).then_some(10)?;
            let mut labels = serde_json::Deserializer::from_slice(&bytes[i..]).into_iter::<Labels>();
            let metric = labels.next()?.ok()?;
            i += labels.byte_offset();
            i += bytes[i..].starts_with(br#","values":"#).then_some(10)?;
            // Series of one answer usually share their evaluation times.
            let expected = series.last().map_or(0, |s: &RangeSeries| s.values.len());
            let (values, length) = scan_samples(&bytes[i..], expected)?;
            i += length;
            i += (bytes.get(i) == Some(&b'}')).then_some(1)?;
            series.push(RangeSeries { metric, values, has_histograms: false });
            match bytes.get(i) {
                Some(b',') => i += 1,
                Some(b']') => break,
                _ => return None,
            }
        }
    }
    let tail = &bytes[i + 1..];
    (tail.starts_with(b"}}") && tail[2..].iter().all(u8::is_ascii_whitespace)).then_some(series)
}

/// Decodes any Prometheus API body through serde.
fn decode_with_serde(body: &str) -> Result<QueryResponse, PromError> {
    #[derive(Deserialize)]
    struct Envelope {
        status: String,
        #[serde(default)]
        data: Option<QueryData>,
        #[serde(default, rename = "errorType")]
        error_type: Option<String>,
        #[serde(default)]
        error: Option<String>,
        #[serde(default)]
        warnings: Vec<String>,
        #[serde(default)]
        infos: Vec<String>,
        #[serde(default, rename = "isPartial")]
        is_partial: bool,
    }
    let envelope: Envelope = serde_json::from_str(body).map_err(|e| PromError::Decode(e.to_string()))?;
    match (envelope.status.as_str(), envelope.data) {
        ("success", Some(data)) => Ok(QueryResponse {
            data,
            warnings: envelope.warnings,
            infos: envelope.infos,
            is_partial: envelope.is_partial,
        }),
        ("success", None) => Err(PromError::Decode("`status` is success but there is no `data`".into())),
        ("error", _) => Err(PromError::Api {
            error_type: envelope.error_type.unwrap_or_else(|| "error".into()),
            error: envelope.error.unwrap_or_default().trim_end_matches('.').to_owned(),
        }),
        (other, _) => Err(PromError::Decode(format!("unknown status `{other}`"))),
    }
}

/// A value as Prometheus writes it: the shortest decimal that reads back to the same
/// number, `NaN`, `+Inf`, `-Inf` (the inverse of [`parse_value`]).
pub fn format_value(value: f64) -> String {
    if value.is_nan() {
        "NaN".into()
    } else if value == f64::INFINITY {
        "+Inf".into()
    } else if value == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MATRIX: &str = include_str!("../../tests/fixtures/hub_activity_range_north.json");

    #[test]
    fn decodes_a_real_matrix() {
        let response = decode(MATRIX).unwrap();
        let QueryData::Matrix(series) = response.data else { panic!("not a matrix") };
        assert!(!series.is_empty());
        for s in &series {
            assert!(s.metric.contains_key("namespace"));
            assert!(s.values.windows(2).all(|w| w[0].t_ms < w[1].t_ms));
            assert!(s.values.iter().all(|p| p.t_ms % 86_400_000 == 0), "evaluated at midnights");
        }
    }

    #[test]
    fn values_are_strings_with_special_floats_and_float_times() {
        let body = r#"{"status":"success","data":{"resultType":"matrix","result":[
            {"metric":{"a":"x"},"values":[[1.5,"NaN"],[2.001,"+Inf"],[3,"-Inf"],[4,"1e3"],[5,"-0.25"]]}
        ]},"warnings":["w1"],"infos":["i1"]}"#;
        let response = decode(body).unwrap();
        assert_eq!(response.warnings, ["w1"]);
        assert_eq!(response.infos, ["i1"]);
        assert!(!response.is_partial);
        let vm = r#"{"status":"success","isPartial":true,"data":{"resultType":"matrix","result":[]}}"#;
        assert!(decode(vm).unwrap().is_partial, "VictoriaMetrics' partial answers are told");
        let QueryData::Matrix(series) = response.data else { panic!() };
        let v = &series[0].values;
        assert_eq!(v.iter().map(|s| s.t_ms).collect::<Vec<_>>(), [1500, 2001, 3000, 4000, 5000]);
        assert!(v[0].value.is_nan());
        assert_eq!(v[1].value, f64::INFINITY);
        assert_eq!(v[2].value, f64::NEG_INFINITY);
        assert_eq!(v[3].value, 1000.0);
        assert_eq!(v[4].value, -0.25);
    }

    #[test]
    fn decodes_every_result_type() {
        let vector = r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[10,"2"]}]}}"#;
        let QueryData::Vector(v) = decode(vector).unwrap().data else { panic!() };
        assert_eq!(v[0].value, Some(Sample { t_ms: 10_000, value: 2.0 }));
        let scalar = r#"{"status":"success","data":{"resultType":"scalar","result":[10,"1"]}}"#;
        assert_eq!(decode(scalar).unwrap().data, QueryData::Scalar(Sample { t_ms: 10_000, value: 1.0 }));
        let string = r#"{"status":"success","data":{"resultType":"string","result":[10,"hi"]}}"#;
        assert!(matches!(decode(string).unwrap().data, QueryData::String(_)));
    }

    #[test]
    fn short_decimals_match_the_full_parser() {
        for text in [
            "0",
            "1",
            "-1",
            "12.5",
            "0.1",
            "0.3",
            "123456789012345",
            "1234567.89012345",
            "-0.000001",
            "99.99",
            ".5",
        ] {
            assert_eq!(short_decimal(text.as_bytes()), text.parse::<f64>().ok(), "{text}");
        }
        for text in ["", "-", "5.", "1e3", "1.2.3", "1234567890123456", "+1", "NaN"] {
            assert_eq!(short_decimal(text.as_bytes()), None, "{text}");
        }
    }

    #[test]
    fn the_fast_path_and_serde_agree() {
        let cases = [
            r#"[]"#,
            r#"[[1,"1"]]"#,
            r#"[ [ 1790000000 , "12.5" ] , [1790000060.25,"-Inf"],[1790000120,"NaN"] ]"#,
            r#"[[1e3,"1e-3"],[-5,"+Inf"],[0,"-0"]]"#,
            r#"[[1,"10"]]"#,
            r#"[[1,"x"]]"#,
            r#"[[1,2]]"#,
            r#"[[1,"1"],]"#,
            r#"[[1,"1"]"#,
            r#"[[1,"1",3]]"#,
            r#"[[99999999999999999999,"1"]]"#,
            r#"[[-9.2e18,"1"]]"#,
            r#"[[253402300800,"1"]]"#,
        ];
        for case in cases {
            let fast = scan_samples(case.as_bytes(), 0)
                .filter(|(_, end)| case.as_bytes()[*end..].iter().all(u8::is_ascii_whitespace))
                .map(|(samples, _)| samples);
            let slow = serde_json::from_str::<Vec<Sample>>(case).ok();
            if let Some(fast) = &fast {
                let (fast, slow) = (
                    format!("{fast:?}"),
                    format!("{:?}", slow.as_ref().expect("serde accepts what the scanner does")),
                );
                assert_eq!(fast, slow, "{case}");
            }
            let body = format!(
                r#"{{"status":"success","data":{{"resultType":"matrix","result":[{{"metric":{{}},"values":{case}}}]}}}}"#
            );
            assert_eq!(decode(&body).is_ok(), slow.is_some(), "{case}");
        }
    }

    #[test]
    fn native_histograms_are_recognised() {
        let body = r#"{"status":"success","data":{"resultType":"matrix","result":[
            {"metric":{},"histograms":[[1,{"count":"2","sum":"3","buckets":[[0,"0","1","2"]]}]]}]}}"#;
        let QueryData::Matrix(series) = decode(body).unwrap().data else { panic!() };
        assert!(series[0].has_histograms);
        assert!(series[0].values.is_empty());
    }

    #[test]
    fn errors_keep_prometheus_words_and_add_a_hint() {
        let body = r#"{"status":"error","errorType":"bad_data","error":"exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)"}"#;
        let err = decode(body).unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("The server refused the query (bad_data): exceeded maximum resolution"),
            "{text}"
        );
        assert!(text.contains("use a larger step"));
        let timeout = decode(
            r#"{"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"}"#,
        );
        assert!(timeout.unwrap_err().to_string().contains("shorter time range"));
    }

    #[test]
    fn malformed_bodies_are_decode_errors() {
        for body in [
            "",
            "<html>",
            r#"{"status":"success"}"#,
            r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"x"]]}]}}"#,
            r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1]]}]}}"#,
            r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"a":1},"values":[]}]}}"#,
            r#"{"status":"success","data":{"resultType":"histogram","result":[]}}"#,
            r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"1"]]}"#,
        ] {
            assert!(matches!(decode(body), Err(PromError::Decode(_))), "{body:?}");
        }
    }

    #[test]
    fn the_one_pass_matrix_reader_agrees_with_serde() {
        // A wide answer in the exact layout Prometheus writes.
        let series: Vec<String> = (0..7)
            .map(|s| {
                let values: Vec<String> = (0..30)
                    .map(|p| format!(r#"[{},"{}"]"#, 1_790_000_000 + p * 60, (s * 7919 + p * 104_729) % 1000))
                    .collect();
                format!(
                    r#"{{"metric":{{"instance":"hub-{s}.svc:8081","namespace":"hub-{s}"}},"values":[{}]}}"#,
                    values.join(",")
                )
            })
            .collect();
        let synthetic = format!(
            r#"{{"status":"success","data":{{"resultType":"matrix","result":[{}]}}}}"#,
            series.join(",")
        );
        let fixtures = [
            include_str!("../../tests/fixtures/hub_activity_range_north.json"),
            include_str!("../../tests/fixtures/hub_activity_range_south.json"),
            include_str!("../../tests/fixtures/hub_activity_range_west.json"),
        ];
        let read_in_one_pass = [
            r#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#,
            r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[]}]}}"#,
            r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"a":"\"<b>\\\u00e9","a":"dup"},"values":[[1.5,"NaN"],[2,"1e3"]]},{"metric":{"z":""},"values":[[3,"-Inf"]]}]}}"#,
            "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{},\"values\":[[1,\"2\"]]}]}}\n",
            &synthetic,
        ];
        for body in read_in_one_pass.iter().copied().chain(fixtures) {
            let fast = scan_matrix(body.as_bytes()).unwrap_or_else(|| panic!("not read in one pass: {body}"));
            let QueryData::Matrix(slow) = decode_with_serde(body).unwrap().data else { panic!() };
            assert_eq!(format!("{fast:?}"), format!("{slow:?}"), "{body}");
        }
        // Everything else is serde's to decide: the one-pass reader steps aside.
        let left_to_serde = [
            r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"2"]]}]},"warnings":["w"]}"#,
            r#"{"status":"success","data":{"resultType":"matrix","result":[{"values":[[1,"2"]],"metric":{}}]}}"#,
            r#"{"status":"success","data":{"resultType":"matrix","result":[ {"metric":{},"values":[[1,"2"]]}]}}"#,
            r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"2"]],"histograms":[]}]}}"#,
            r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"2"]],"values":[]}]}}"#,
            r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"2\n"]]}]}}"#,
            r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"a":1},"values":[]}]}}"#,
            r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"1"]]}"#,
            r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"1"]]}]}}x"#,
            r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"1"]]}]}"#,
            r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"1"]]},]}}"#,
        ];
        for body in left_to_serde {
            assert!(scan_matrix(body.as_bytes()).is_none(), "{body}");
        }
        assert!(decode(left_to_serde[0]).is_ok_and(|r| r.warnings == ["w"]));
        assert!(decode(left_to_serde[1]).is_ok());
        assert!(decode(left_to_serde[4]).is_err(), "serde refuses a duplicate `values`");
    }
}
