//! Grafana's `POST /api/ds/query` answer for a Prometheus range query: data frames
//! whose `Time` field is in milliseconds and whose value field carries the series'
//! `labels`. Decoded into the same [`RangeSeries`] as Prometheus' own API, so a
//! datasource the proxy cannot serve can still be charted.
//!
//! Grafana encodes NaN and ±Inf as `null` in `values` and lists their positions in
//! `entities` (`{"NaN": [i…], "Inf": [i…], "NegInf": [i…]}`); a plain `null` is a gap.
//! What Prometheus said beside its data (`warnings`, `infos`: a partial answer from Thanos
//! or Mimir, say) comes as the frames' `meta.notices`.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::prom::{Labels, RangeSeries, Sample};

/// Why a data-frame answer could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The query failed inside Grafana or Prometheus.
    #[error("Grafana could not run the query ({status}): {message}")]
    Query {
        /// The result's status code.
        status: u16,
        /// Grafana's message.
        message: String,
    },
    /// Not the data-frame JSON Grafana sends.
    #[error("The answer is not Grafana data-frame JSON ({0}).")]
    Decode(String),
}

#[derive(Deserialize)]
struct Response {
    results: BTreeMap<String, QueryResult>,
}

#[derive(Deserialize)]
struct QueryResult {
    #[serde(default)]
    status: Option<u16>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    frames: Vec<Frame>,
}

#[derive(Deserialize)]
struct Frame {
    schema: Schema,
    data: FrameData,
}

#[derive(Deserialize)]
struct Schema {
    fields: Vec<Field>,
    #[serde(default)]
    meta: Option<Meta>,
}

#[derive(Deserialize)]
struct Meta {
    #[serde(default)]
    notices: Vec<Notice>,
}

#[derive(Deserialize)]
struct Notice {
    #[serde(default)]
    text: String,
}

/// One query's frames, decoded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Frames {
    /// One series per number field.
    pub series: Vec<RangeSeries>,
    /// The frames' notices (Prometheus' warnings and infos), each once.
    pub notices: Vec<String>,
}

#[derive(Deserialize)]
struct Field {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    labels: Option<Labels>,
}

#[derive(Deserialize)]
struct FrameData {
    values: Vec<Vec<Option<f64>>>,
    #[serde(default)]
    entities: Vec<Option<Entities>>,
}

#[derive(Deserialize, Default)]
struct Entities {
    #[serde(rename = "NaN", default)]
    nan: Vec<usize>,
    #[serde(rename = "Inf", default)]
    inf: Vec<usize>,
    #[serde(rename = "NegInf", default)]
    neg_inf: Vec<usize>,
}

/// Decodes the frames of one query (`ref_id`, e.g. `A`) into series: one per number
/// field, paired with the frame's time field; and their notices.
pub fn decode(body: &str, ref_id: &str) -> Result<Frames, FrameError> {
    let response: Response = serde_json::from_str(body).map_err(|e| FrameError::Decode(e.to_string()))?;
    let result = response
        .results
        .get(ref_id)
        .ok_or_else(|| FrameError::Decode(format!("no result for query {ref_id}")))?;
    if let Some(message) = &result.error {
        return Err(FrameError::Query { status: result.status.unwrap_or(500), message: message.clone() });
    }
    let mut series = Vec::new();
    let mut notices: Vec<String> = Vec::new();
    for frame in &result.frames {
        for notice in frame.schema.meta.iter().flat_map(|m| &m.notices) {
            if !notice.text.is_empty() && !notices.contains(&notice.text) {
                notices.push(notice.text.clone());
            }
        }
        let time_index = frame
            .schema
            .fields
            .iter()
            .position(|f| f.kind == "time")
            .ok_or_else(|| FrameError::Decode("a frame has no time field".into()))?;
        let times = frame
            .data
            .values
            .get(time_index)
            .ok_or_else(|| FrameError::Decode("a frame's time values are missing".into()))?;
        for (i, field) in frame.schema.fields.iter().enumerate() {
            if i == time_index || field.kind != "number" {
                continue;
            }
            let values = frame
                .data
                .values
                .get(i)
                .ok_or_else(|| FrameError::Decode("a frame's values are missing".into()))?;
            if values.len() != times.len() {
                return Err(FrameError::Decode("a frame's fields have different lengths".into()));
            }
            let mut special: BTreeMap<usize, f64> = BTreeMap::new();
            if let Some(Some(entities)) = frame.data.entities.get(i) {
                special.extend(entities.nan.iter().map(|&j| (j, f64::NAN)));
                special.extend(entities.inf.iter().map(|&j| (j, f64::INFINITY)));
                special.extend(entities.neg_inf.iter().map(|&j| (j, f64::NEG_INFINITY)));
            }
            let values = times
                .iter()
                .zip(values)
                .enumerate()
                .filter_map(|(j, (t, v))| {
                    let value = v.or_else(|| special.get(&j).copied())?;
                    Some(Sample { t_ms: (*t)? as i64, value })
                })
                .collect();
            series.push(RangeSeries {
                metric: field.labels.clone().unwrap_or_default(),
                values,
                has_histograms: false,
            });
        }
    }
    Ok(Frames { series, notices })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRAME: &str = r#"{"results":{"A":{"status":200,"frames":[
      {"schema":{"name":"","refId":"A","meta":{"type":"timeseries-multi","typeVersion":[0,1]},
        "fields":[{"name":"Time","type":"time","typeInfo":{"frame":"time.Time"},"config":{"interval":86400000}},
                  {"name":"Value","type":"number","typeInfo":{"frame":"float64"},"labels":{"namespace":"prod"},"config":{"displayNameFromDS":"prod"}}]},
       "data":{"values":[[1792800000000,1792886400000,1792972800000,1793059200000],[12,null,null,7.5]],
               "entities":[null,{"NaN":[1]}]}},
      {"schema":{"fields":[{"name":"Time","type":"time"},{"name":"Value","type":"number","labels":{"namespace":"staging"}}]},
       "data":{"values":[[1792800000000],[3]]}}
    ]}}}"#;

    #[test]
    fn decodes_frames_with_labels_and_entities() {
        let Frames { series, notices } = decode(FRAME, "A").unwrap();
        assert!(notices.is_empty());
        assert_eq!(series.len(), 2);
        assert_eq!(series[0].metric.get("namespace").map(String::as_str), Some("prod"));
        let v = &series[0].values;
        assert_eq!(v.len(), 3, "a plain null is a gap");
        assert_eq!(v[0], Sample { t_ms: 1_792_800_000_000, value: 12.0 });
        assert!(v[1].value.is_nan() && v[1].t_ms == 1_792_886_400_000);
        assert_eq!(v[2].value, 7.5);
        assert_eq!(series[1].values, [Sample { t_ms: 1_792_800_000_000, value: 3.0 }]);
    }

    #[test]
    fn prometheus_warnings_come_as_notices_once() {
        let body = r#"{"results":{"A":{"frames":[
          {"schema":{"meta":{"notices":[{"severity":"warning","text":"partial response: store down"}]},
            "fields":[{"type":"time"},{"type":"number","labels":{"a":"1"}}]},"data":{"values":[[1],[2]]}},
          {"schema":{"meta":{"notices":[{"severity":"warning","text":"partial response: store down"},{"severity":"info","text":"metric might not be a counter"}]},
            "fields":[{"type":"time"},{"type":"number","labels":{"a":"2"}}]},"data":{"values":[[1],[3]]}}
        ]}}}"#;
        let frames = decode(body, "A").unwrap();
        assert_eq!(frames.series.len(), 2);
        assert_eq!(frames.notices, ["partial response: store down", "metric might not be a counter"]);
    }

    #[test]
    fn query_errors_and_malformed_frames() {
        let err =
            decode(r#"{"results":{"A":{"status":400,"error":"bad_data: parse error","frames":[]}}}"#, "A");
        assert_eq!(
            err.unwrap_err().to_string(),
            "Grafana could not run the query (400): bad_data: parse error"
        );
        assert!(matches!(decode(FRAME, "B"), Err(FrameError::Decode(_))));
        assert!(matches!(decode("{}", "A"), Err(FrameError::Decode(_))));
        let no_time = r#"{"results":{"A":{"frames":[{"schema":{"fields":[{"type":"number"}]},"data":{"values":[[1]]}}]}}}"#;
        assert!(matches!(decode(no_time, "A"), Err(FrameError::Decode(_))));
        let ragged = r#"{"results":{"A":{"frames":[{"schema":{"fields":[{"type":"time"},{"type":"number"}]},"data":{"values":[[1,2],[1]]}}]}}}"#;
        assert!(matches!(decode(ragged, "A"), Err(FrameError::Decode(_))));
    }
}
