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
                if !t.is_finite() {
                    return Err(de::Error::custom("a sample's timestamp is not a finite number"));
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
    #[serde(default)]
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
}

/// Why an answer could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PromError {
    /// `status: "error"`, with Prometheus' `errorType` and `error`.
    #[error("{}", api_message(.error_type, .error))]
    Api {
        /// e.g. `bad_data`, `execution`, `timeout`.
        error_type: String,
        /// Prometheus' own message.
        error: String,
    },
    /// The body is not Prometheus' JSON envelope.
    #[error("The answer is not a Prometheus API response ({0}).")]
    Decode(String),
}

fn api_message(error_type: &str, error: &str) -> String {
    let hint = if error.contains("exceeded maximum resolution") {
        " The range has more points than Prometheus allows per series (11,000): use a larger step or a shorter time range."
    } else if error_type == "timeout" || error.contains("query timed out") {
        " The query took longer than Prometheus allows: use a shorter time range, a larger step or a cheaper query."
    } else if error_type == "bad_data" {
        " Check the query's syntax and parameters."
    } else if error.contains("query processing would load too many samples") {
        " The query touches too many samples: shorten the range or aggregate earlier."
    } else {
        ""
    };
    format!("Prometheus refused the query ({error_type}): {error}.{hint}")
}

/// Decodes a Prometheus API body.
pub fn decode(body: &str) -> Result<QueryResponse, PromError> {
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
    }
    let envelope: Envelope = serde_json::from_str(body).map_err(|e| PromError::Decode(e.to_string()))?;
    match (envelope.status.as_str(), envelope.data) {
        ("success", Some(data)) => {
            Ok(QueryResponse { data, warnings: envelope.warnings, infos: envelope.infos })
        }
        ("success", None) => Err(PromError::Decode("`status` is success but there is no `data`".into())),
        ("error", _) => Err(PromError::Api {
            error_type: envelope.error_type.unwrap_or_else(|| "error".into()),
            error: envelope.error.unwrap_or_default().trim_end_matches('.').to_owned(),
        }),
        (other, _) => Err(PromError::Decode(format!("unknown status `{other}`"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MATRIX: &str = include_str!("../tests/fixtures/hub_activity_range_north.json");

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
        assert!(text.starts_with("Prometheus refused the query (bad_data): exceeded maximum resolution"));
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
}
