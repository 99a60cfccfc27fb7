//! Values kept past Prometheus' retention (`promnote snapshot --accumulate`): a new
//! snapshot's recording takes, from the earlier snapshot of the same report, the samples
//! the servers no longer return, so that a monthly report keeps growing after its oldest
//! months have left Prometheus, and a datasource that is gone keeps its history.
//!
//! The rule, per range answer (`api/v1/query_range`) of a datasource:
//! - the earlier snapshot's answers to the same query at the same step (times aside), and
//!   what it had kept aside, give their samples for each series;
//! - a sample is carried when it is older than everything the server returned in the new
//!   answer (an empty answer: all of the range), lies in the new range, and on its grid of
//!   steps (promnote aligns every grid to its step, so a run's grid meets the last one's);
//! - when earlier samples are older than that oldest one, the server has cut its history
//!   there, and its first step after the cut read a window reaching past it: the earlier
//!   value of that step is the whole one and replaces it. Without a cut nothing the server
//!   answers is replaced;
//! - a datasource the earlier snapshot had and the new one lacks (by uid and by name; a
//!   new uid under the same name is the same datasource) is listed again, its health
//!   check answered as then, its range answers carried whole and its other answers empty
//!   (it has no current data);
//! - what no answer of this run can hold (its query failed, or was not asked) is kept
//!   aside in the snapshot ([`Accumulated::kept`]) for the next run;
//! - each carried period is noted ([`Carried`]) with when its values were taken, kept
//!   across snapshots, so the page can say which periods come from where.
//!
//! Instant answers (today's partial period, values in prose) are never carried: they are
//! about now. Answers through `/api/ds/query` are not carried either.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::api::encoding::encode_component;
use crate::api::replay::{Carried, Kept, RecordedAnswer, Recording, Snapshot};
use crate::api::request::{self, ApiRequest};

/// A recorded request, read back from its replay key.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Key {
    /// The datasource's uid (percent-encoded, as in the path).
    uid: String,
    /// The Prometheus API path after the uid (`api/v1/query_range`).
    api: String,
    /// The form's fields, as sent (values percent-encoded).
    fields: BTreeMap<String, String>,
}

impl Key {
    /// Reads `POST api/datasources/proxy/uid/<uid>/<api>\n<form>` or its GET form.
    fn parse(key: &str) -> Option<Self> {
        let (path, form) = match key.strip_prefix("POST ") {
            Some(rest) => rest.split_once('\n').unwrap_or((rest, "")),
            None => key.strip_prefix("GET ")?.split_once('?').unwrap_or((key.strip_prefix("GET ")?, "")),
        };
        let rest = path.strip_prefix("api/datasources/proxy/uid/")?;
        let (uid, api) = rest.split_once('/')?;
        let fields = form
            .split('&')
            .filter(|f| !f.is_empty())
            .filter_map(|f| f.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
            .collect();
        Some(Self { uid: uid.to_owned(), api: api.to_owned(), fields })
    }

    fn is_range(&self) -> bool {
        self.api == "api/v1/query_range"
    }

    /// The query and step: what makes two range answers the same question.
    fn question(&self) -> Option<(String, String, String)> {
        Some((self.uid.clone(), self.fields.get("query")?.clone(), self.fields.get("step")?.clone()))
    }

    fn seconds(&self, field: &str) -> Option<f64> {
        self.fields.get(field)?.parse().ok()
    }
}

/// One series' samples: time (s) → value text.
type Samples = BTreeMap<i64, String>;

/// A range answer's series, by their labels (as canonical JSON).
fn series_of(body: &str) -> Option<BTreeMap<String, Samples>> {
    let answer: Value = serde_json::from_str(body).ok()?;
    if answer.get("status")?.as_str()? != "success" || answer["data"]["resultType"] != "matrix" {
        return None;
    }
    let mut series = BTreeMap::new();
    for s in answer["data"]["result"].as_array()? {
        let labels: BTreeMap<String, String> = serde_json::from_value(s.get("metric")?.clone()).ok()?;
        let samples: &mut Samples = series.entry(serde_json::to_string(&labels).ok()?).or_default();
        for point in s.get("values")?.as_array()? {
            let t = point.get(0)?.as_f64()?;
            let v = point.get(1)?.as_str()?;
            samples.insert(t.round() as i64, v.to_owned());
        }
    }
    Some(series)
}

/// A range answer holding `series`.
fn matrix_body(series: &BTreeMap<String, Samples>) -> String {
    let result: Vec<Value> = series
        .iter()
        .filter(|(_, samples)| !samples.is_empty())
        .map(|(labels, samples)| {
            let metric: Value = serde_json::from_str(labels).unwrap_or(Value::Null);
            let values: Vec<Value> = samples.iter().map(|(t, v)| serde_json::json!([t, v])).collect();
            serde_json::json!({ "metric": metric, "values": values })
        })
        .collect();
    answer_body("matrix", &Value::Array(result))
}

/// A successful answer of `result_type` holding `result`, written as Prometheus writes
/// it: `resultType` before `result` (a reader that streams `result` needs its type first).
pub fn answer_body(result_type: &str, result: &Value) -> String {
    format!(r#"{{"status":"success","data":{{"resultType":"{result_type}","result":{result}}}}}"#)
}

/// A listed datasource (the published listing's fields).
fn listing(recording: &Recording) -> Vec<Value> {
    recording
        .answers
        .get(&ApiRequest::datasources().replay_key())
        .and_then(|a| serde_json::from_str::<Vec<Value>>(&a.body).ok())
        .unwrap_or_default()
}

/// Every sample of every series of `earlier`'s range answers, by question.
fn earlier_samples(earlier: &Snapshot) -> BTreeMap<(String, String, String), BTreeMap<String, Samples>> {
    let mut before: BTreeMap<(String, String, String), BTreeMap<String, Samples>> = BTreeMap::new();
    let answered = earlier.recording.answers.iter().filter_map(|(key, answer)| {
        let question = Key::parse(key).filter(Key::is_range)?.question()?;
        Some((question, series_of(&answer.body)?))
    });
    let kept = earlier
        .kept
        .iter()
        .filter_map(|k| Some(((k.uid.clone(), k.query.clone(), k.step.clone()), series_of(&k.answer)?)));
    // What the earlier run's servers answered wins over what it had kept aside.
    for (question, series) in answered.chain(kept) {
        let merged = before.entry(question).or_default();
        for (labels, samples) in series {
            let into = merged.entry(labels).or_default();
            for (t, v) in samples {
                into.entry(t).or_insert(v);
            }
        }
    }
    before
}

/// Lists again in `new` the datasources `earlier` listed and `new` does not: their
/// health check answered as then, and every request a present datasource was asked
/// answered for them too (a range empty, to be carried; anything else empty: they have
/// no current data).
fn relist_gone(new: &mut Recording, earlier: &Snapshot) {
    let mut new_listing = listing(new);
    let present: BTreeSet<String> =
        new_listing.iter().filter_map(|d| d["uid"].as_str()).map(encode_component).collect();
    // Gone: neither its uid nor its name is listed now (a new uid under the same name is
    // the same datasource, [`follow_new_uids`]).
    let gone: Vec<Value> = listing(&earlier.recording)
        .into_iter()
        .filter(|d| d["uid"].as_str().is_some_and(|uid| !present.contains(&encode_component(uid))))
        .filter(|d| !new_listing.iter().any(|n| n["name"] == d["name"]))
        .collect();
    let Some(model) = present.iter().next() else { return };
    let mut added: Vec<(String, RecordedAnswer)> = Vec::new();
    for ds in &gone {
        let Some(uid) = ds["uid"].as_str() else { continue };
        let encoded = encode_component(uid);
        let health = request::health_request(uid).replay_key();
        if let Some(answer) = earlier.recording.answers.get(&health) {
            added.push((health.clone(), answer.clone()));
        }
        for (key, answer) in &new.answers {
            let Some(parsed) = Key::parse(key).filter(|k| &k.uid == model) else { continue };
            let theirs = key.replacen(&format!("/uid/{model}/"), &format!("/uid/{encoded}/"), 1);
            let body = if theirs == health {
                None
            } else if parsed.is_range() {
                Some(matrix_body(&BTreeMap::new()))
            } else if parsed.api == "api/v1/query" {
                Some(answer_body("vector", &Value::Array(Vec::new())))
            } else if answer.status == 200 && answer.error.is_none() {
                Some(serde_json::json!({ "status": "success", "data": [] }).to_string())
            } else {
                None
            };
            if let Some(body) = body {
                let content_type = answer.content_type.clone();
                added.push((theirs, RecordedAnswer { status: 200, content_type, body, error: None }));
            }
        }
        new_listing.push(ds.clone());
    }
    new.answers.extend(added);
    if !gone.is_empty() {
        if let Some(answer) = new.answers.get_mut(&ApiRequest::datasources().replay_key()) {
            answer.body = Value::Array(new_listing).to_string();
        }
    }
}

/// What [`accumulate`] gives a new snapshot: the notes of the carried periods, and the
/// earlier values no answer of this run could hold (a datasource or query that failed, or
/// was not asked this time), kept for the next run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Accumulated {
    /// Each carried period, by datasource and when its values were taken.
    pub carried: Vec<Carried>,
    /// The values kept aside.
    pub kept: Vec<Kept>,
}

/// Carries into `new` (a snapshot's recording) what `earlier` holds that the servers no
/// longer return: the notes of every carried period (the earlier snapshot's own
/// included), and what could not be placed, kept aside for the next run.
pub fn accumulate(new: &mut Recording, earlier: &Snapshot) -> Accumulated {
    // Each datasource's name by its uid as paths write it (the new listing's name wins).
    let names: BTreeMap<String, String> = listing(&earlier.recording)
        .iter()
        .chain(&listing(new))
        .filter_map(|d| Some((encode_component(d["uid"].as_str()?), d["name"].as_str()?.to_owned())))
        .collect();
    let name_of = |uid: &str| names.get(uid).cloned().unwrap_or_else(|| uid.to_owned());
    let mut before = earlier_samples(earlier);
    follow_new_uids(&mut before, &listing(&earlier.recording), &listing(new));
    relist_gone(new, earlier);
    // When each carried sample was taken: the earlier snapshot's time, or the time of
    // the snapshot it was itself carried from.
    let taken_at = |datasource: &str, t_ms: i64| {
        earlier
            .carried
            .iter()
            .find(|c| c.datasource == datasource && (c.from_ms..=c.to_ms).contains(&t_ms))
            .map_or(earlier.taken_at_ms, |c| c.taken_at_ms)
    };
    let mut carried: BTreeMap<(String, i64), (i64, i64)> = BTreeMap::new();
    let mut placed: BTreeSet<(String, String, String)> = BTreeSet::new();
    for (key, answer) in new.answers.iter_mut() {
        let Some(key) = Key::parse(key).filter(Key::is_range) else { continue };
        let (Some(question), Some(start), Some(end), Some(step)) =
            (key.question(), key.seconds("start"), key.seconds("end"), key.seconds("step"))
        else {
            continue;
        };
        let Some(old) = before.get(&question) else { continue };
        let Some(mut series) = series_of(&answer.body).filter(|_| answer.error.is_none()) else { continue };
        placed.insert(question);
        let (start, end, step) = (start.round() as i64, end.round() as i64, step.round().max(1.0) as i64);
        // The server's oldest sample in this answer: what is older, it no longer has.
        let boundary = series.values().filter_map(|s| s.keys().next().copied()).min().unwrap_or(end + 1);
        // Earlier values older than that say the server has cut its history there: its
        // first step then reads a window that reaches past the cut (a day's increase, a
        // month's sum), too low, and the earlier value is the whole one.
        let cut = old.values().any(|s| s.range(..boundary).next().is_some());
        let edge = if cut { boundary + step } else { boundary };
        let datasource = name_of(&key.uid);
        let mut changed = false;
        for (labels, samples) in old {
            for (&t, v) in samples.range(start..edge.min(end + 1)) {
                let target = series.entry(labels.clone()).or_default();
                let at_edge = t >= boundary;
                if (t - start) % step != 0
                    || (!at_edge && target.contains_key(&t))
                    || target.get(&t) == Some(v)
                {
                    continue;
                }
                target.insert(t, v.clone());
                changed = true;
                let span = carried
                    .entry((datasource.clone(), taken_at(&datasource, t * 1000)))
                    .or_insert((t * 1000, t * 1000));
                *span = (span.0.min(t * 1000), span.1.max(t * 1000));
            }
        }
        if changed {
            answer.status = 200;
            answer.body = matrix_body(&series);
        }
    }
    let kept = before
        .into_iter()
        .filter(|(question, _)| !placed.contains(question))
        .map(|((uid, query, step), series)| Kept { uid, query, step, answer: matrix_body(&series) })
        .collect();
    let carried = carried
        .into_iter()
        .map(|((datasource, taken_at_ms), (from_ms, to_ms))| Carried {
            datasource,
            from_ms,
            to_ms,
            taken_at_ms,
        })
        .collect();
    Accumulated { carried, kept }
}

/// A datasource given a new uid (re-provisioned, the same name) is the same datasource:
/// its earlier values answer under the new uid, not as a second one that is gone.
fn follow_new_uids(
    before: &mut BTreeMap<(String, String, String), BTreeMap<String, Samples>>,
    old_listing: &[Value],
    new_listing: &[Value],
) {
    let present = |uid: &str| {
        new_listing.iter().any(|d| d["uid"].as_str().map(encode_component).as_deref() == Some(uid))
    };
    for ds in old_listing {
        let (Some(name), Some(old_uid)) = (ds["name"].as_str(), ds["uid"].as_str().map(encode_component))
        else {
            continue;
        };
        let renamed = new_listing.iter().find(|d| d["name"] == name).and_then(|d| d["uid"].as_str());
        let Some(new_uid) = renamed.map(encode_component).filter(|_| !present(&old_uid)) else { continue };
        let moved: Vec<_> = before.keys().filter(|(uid, ..)| *uid == old_uid).cloned().collect();
        for question in moved {
            if let Some(series) = before.remove(&question) {
                let merged = before.entry((new_uid.clone(), question.1, question.2)).or_default();
                for (labels, samples) in series {
                    let into = merged.entry(labels).or_default();
                    for (t, v) in samples {
                        into.entry(t).or_insert(v);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::encoding::form;
    use crate::api::request::Body;

    const DAY: i64 = 86_400;

    fn range_key(uid: &str, start: i64, end: i64) -> String {
        let body = form(&[
            ("query", "max(users) by (hub)"),
            ("start", &start.to_string()),
            ("end", &end.to_string()),
            ("step", &DAY.to_string()),
        ]);
        ApiRequest::prometheus(uid, "api/v1/query_range", Body::Form(body)).replay_key()
    }

    fn answer(series: &[(&str, &[(i64, &str)])]) -> RecordedAnswer {
        let result: Vec<Value> = series
            .iter()
            .map(|(hub, points)| {
                let values: Vec<Value> = points.iter().map(|(t, v)| serde_json::json!([t, v])).collect();
                serde_json::json!({ "metric": { "hub": hub }, "values": values })
            })
            .collect();
        let body =
            serde_json::json!({ "status": "success", "data": { "resultType": "matrix", "result": result } });
        RecordedAnswer {
            status: 200,
            content_type: Some("application/json".into()),
            body: body.to_string(),
            error: None,
        }
    }

    fn listed(uids: &[&str]) -> RecordedAnswer {
        let list: Vec<Value> = uids.iter().map(|u| serde_json::json!({ "uid": u, "name": format!("cluster-{u}"), "type": "prometheus", "isDefault": false })).collect();
        RecordedAnswer { status: 200, content_type: None, body: Value::Array(list).to_string(), error: None }
    }

    fn snapshot(taken_at_ms: i64, answers: Vec<(String, RecordedAnswer)>) -> Snapshot {
        let mut recording = Recording::new(taken_at_ms);
        recording.answers.extend(answers);
        Snapshot {
            format: 1,
            id: "r".into(),
            title: "R".into(),
            taken_at_ms,
            servers: Vec::new(),
            report: String::new(),
            from: "now-1y".into(),
            to: "now".into(),
            zone: "UTC".into(),
            variables: BTreeMap::new(),
            failed: Vec::new(),
            each: None,
            carried: Vec::new(),
            kept: Vec::new(),
            recording,
        }
    }

    fn samples(recording: &Recording, key: &str) -> BTreeMap<String, Samples> {
        series_of(&recording.answers[key].body).unwrap()
    }

    #[test]
    fn days_past_retention_are_carried_the_first_day_after_the_cut_is_the_earlier_whole_one() {
        // Earlier: days 10..=13 of hub a, and b on day 12 only.
        let earlier = snapshot(
            14 * DAY * 1000,
            vec![
                (ApiRequest::datasources().replay_key(), listed(&["n"])),
                (
                    range_key("n", 10 * DAY, 13 * DAY),
                    answer(&[
                        ("a", &[(10 * DAY, "5"), (11 * DAY, "6"), (12 * DAY, "7"), (13 * DAY, "8")]),
                        ("b", &[(12 * DAY, "1")]),
                    ]),
                ),
            ],
        );
        // Now: retention starts at day 12; the range is days 9..=15; b no longer answers.
        let key = range_key("n", 9 * DAY, 15 * DAY);
        let mut new = snapshot(
            16 * DAY * 1000,
            vec![
                (ApiRequest::datasources().replay_key(), listed(&["n"])),
                (key.clone(), answer(&[("a", &[(12 * DAY, "70"), (13 * DAY, "80"), (14 * DAY, "90")])])),
            ],
        )
        .recording;
        let carried = accumulate(&mut new, &earlier).carried;
        // Read as the page and the command line read answers.
        let decoded = crate::api::prom::decode(&new.answers[&key].body).expect("a carried answer reads");
        assert!(matches!(decoded.data, crate::api::prom::QueryData::Matrix(ref s) if s.len() == 2));
        let series = samples(&new, &key);
        let a = &series[r#"{"hub":"a"}"#];
        // 10 and 11 carried; 12, the server's first day after its cut, read a window that
        // reaches past it: the earlier whole value; 13 and 14 as the server says now.
        assert_eq!(
            a.iter().map(|(t, v)| (t / DAY, v.as_str())).collect::<Vec<_>>(),
            [(10, "5"), (11, "6"), (12, "7"), (13, "80"), (14, "90")]
        );
        assert_eq!(series[r#"{"hub":"b"}"#].keys().map(|t| t / DAY).collect::<Vec<_>>(), [12]);
        assert_eq!(
            carried,
            [Carried {
                datasource: "cluster-n".into(),
                from_ms: 10 * DAY * 1000,
                to_ms: 12 * DAY * 1000,
                taken_at_ms: 14 * DAY * 1000
            }]
        );
    }

    #[test]
    fn a_removed_datasource_is_listed_again_with_its_history_and_no_current_data() {
        let health = request::health_request("w").replay_key();
        let earlier = snapshot(
            14 * DAY * 1000,
            vec![
                (ApiRequest::datasources().replay_key(), listed(&["n", "w"])),
                (
                    health.clone(),
                    RecordedAnswer {
                        status: 200,
                        content_type: None,
                        body: "{\"status\":\"success\"}".into(),
                        error: None,
                    },
                ),
                (
                    range_key("w", 10 * DAY, 13 * DAY),
                    answer(&[("ocean", &[(10 * DAY, "3"), (13 * DAY, "4")])]),
                ),
            ],
        );
        let instant = ApiRequest::prometheus(
            "n",
            "api/v1/query",
            Body::Form(form(&[("query", "max(users) by (hub)"), ("time", "1400000")])),
        )
        .replay_key();
        let mut new = snapshot(
            16 * DAY * 1000,
            vec![
                (ApiRequest::datasources().replay_key(), listed(&["n"])),
                (range_key("n", 9 * DAY, 15 * DAY), answer(&[("a", &[(12 * DAY, "70")])])),
                (instant.clone(), answer(&[])),
            ],
        )
        .recording;
        let carried = accumulate(&mut new, &earlier).carried;
        let listing: Vec<Value> =
            serde_json::from_str(&new.answers[&ApiRequest::datasources().replay_key()].body).unwrap();
        assert_eq!(listing.iter().map(|d| d["uid"].as_str().unwrap()).collect::<Vec<_>>(), ["n", "w"]);
        assert!(new.answers.contains_key(&health));
        let ocean = &samples(&new, &range_key("w", 9 * DAY, 15 * DAY))[r#"{"hub":"ocean"}"#];
        assert_eq!(ocean.keys().map(|t| t / DAY).collect::<Vec<_>>(), [10, 13]);
        // Its instant question is answered empty: it has nothing now.
        let theirs = instant.replacen("/uid/n/", "/uid/w/", 1);
        assert!(new.answers[&theirs].body.contains("\"result\":[]"));
        assert_eq!(
            carried,
            [Carried {
                datasource: "cluster-w".into(),
                from_ms: 10 * DAY * 1000,
                to_ms: 13 * DAY * 1000,
                taken_at_ms: 14 * DAY * 1000
            }]
        );
        // Carried again later, the values keep the time they were first taken.
        let mut second = earlier.clone();
        second.recording = new.clone();
        second.taken_at_ms = 16 * DAY * 1000;
        second.carried = carried;
        let mut latest = snapshot(
            20 * DAY * 1000,
            vec![
                (ApiRequest::datasources().replay_key(), listed(&["n"])),
                (range_key("n", 9 * DAY, 19 * DAY), answer(&[])),
            ],
        )
        .recording;
        let notes = accumulate(&mut latest, &second).carried;
        assert!(
            notes.contains(&Carried {
                datasource: "cluster-w".into(),
                from_ms: 10 * DAY * 1000,
                to_ms: 13 * DAY * 1000,
                taken_at_ms: 14 * DAY * 1000
            }),
            "{notes:?}"
        );
    }

    #[test]
    fn a_grid_that_does_not_line_up_is_not_carried() {
        let key = |start: i64| {
            let body = form(&[
                ("query", "up"),
                ("start", &format!("{start}.000")),
                ("end", &format!("{}.000", start + 600)),
                ("step", "60.000"),
            ]);
            ApiRequest::prometheus("n", "api/v1/query_range", Body::Form(body)).replay_key()
        };
        let earlier = snapshot(0, vec![(key(1000), answer(&[("a", &[(1000, "1"), (1060, "1")])]))]);
        let mut new = snapshot(0, vec![(key(1030), answer(&[("a", &[(1090, "1")])]))]).recording;
        // Another query: `up` at step 60 from 1030 does not meet 1000's grid.
        assert!(accumulate(&mut new, &earlier).carried.is_empty());
    }

    #[test]
    fn nothing_is_carried_without_a_cut_and_a_failed_run_keeps_the_values_for_the_next() {
        let earlier = snapshot(
            14 * DAY * 1000,
            vec![
                (ApiRequest::datasources().replay_key(), listed(&["n"])),
                (range_key("n", 10 * DAY, 13 * DAY), answer(&[("a", &[(10 * DAY, "5"), (11 * DAY, "6")])])),
            ],
        );
        // The server still has day 10: nothing older is carried, nothing is replaced.
        let key = range_key("n", 10 * DAY, 15 * DAY);
        let mut fresh = snapshot(
            16 * DAY * 1000,
            vec![(key.clone(), answer(&[("a", &[(10 * DAY, "50"), (11 * DAY, "60")])]))],
        )
        .recording;
        assert_eq!(accumulate(&mut fresh, &earlier), Accumulated::default());
        assert_eq!(samples(&fresh, &key)[r#"{"hub":"a"}"#][&(10 * DAY)], "50");
        // This run's answer failed: the values are kept aside, and the next run places them.
        let mut failed = snapshot(
            16 * DAY * 1000,
            vec![(
                key,
                RecordedAnswer {
                    status: 0,
                    content_type: None,
                    body: String::new(),
                    error: Some("timed out".into()),
                },
            )],
        )
        .recording;
        let outcome = accumulate(&mut failed, &earlier);
        assert!(outcome.carried.is_empty());
        assert_eq!(outcome.kept.len(), 1);
        let mut between = earlier.clone();
        between.recording = failed;
        between.kept = outcome.kept;
        let later = range_key("n", 9 * DAY, 18 * DAY);
        let mut next =
            snapshot(19 * DAY * 1000, vec![(later.clone(), answer(&[("a", &[(15 * DAY, "9")])]))]).recording;
        let placed = accumulate(&mut next, &between);
        assert_eq!(
            samples(&next, &later)[r#"{"hub":"a"}"#].keys().map(|t| t / DAY).collect::<Vec<_>>(),
            [10, 11, 15]
        );
        assert!(placed.kept.is_empty());
    }

    #[test]
    fn a_datasource_with_a_new_uid_and_its_name_is_the_same_one_not_a_second() {
        let earlier = snapshot(
            14 * DAY * 1000,
            vec![
                (ApiRequest::datasources().replay_key(), listed(&["old"])),
                (range_key("old", 10 * DAY, 13 * DAY), answer(&[("a", &[(10 * DAY, "5")])])),
            ],
        );
        let mut renamed = listed(&["new"]);
        renamed.body = renamed.body.replace("cluster-new", "cluster-old");
        let key = range_key("new", 9 * DAY, 15 * DAY);
        let mut new = snapshot(
            16 * DAY * 1000,
            vec![
                (ApiRequest::datasources().replay_key(), renamed),
                (key.clone(), answer(&[("a", &[(12 * DAY, "7")])])),
            ],
        )
        .recording;
        let outcome = accumulate(&mut new, &earlier);
        // Carried under the new uid; the old one is not listed again beside it.
        assert_eq!(
            samples(&new, &key)[r#"{"hub":"a"}"#].keys().map(|t| t / DAY).collect::<Vec<_>>(),
            [10, 12]
        );
        assert!(!new.answers.keys().any(|k| k.contains("/uid/old/")));
        assert_eq!(outcome.carried.len(), 1);
    }
}
