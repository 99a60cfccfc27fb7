//! Recorded answers, and the snapshots built on them. A [`Recording`] maps each request
//! (its [`ApiRequest::replay_key`]: method, path, body) to the answer it got, so the same
//! run logic can replay it with no server at all: the site's demo data, and the
//! [`Snapshot`]s that `promnote snapshot` writes for a published site whose readers have
//! no token. Requests carry no credential (the transport adds those), so neither can a
//! recording; a snapshot names its servers by host only.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::error::{self, ApiError};
use super::reply::{Reply, Sent, NOT_RECORDED};
use super::request::ApiRequest;
use crate::time::clock::{taken_at_text, utc_day};

/// The version of the recording and snapshot files this build writes and reads.
pub const FORMAT: u32 = 1;

/// One recorded answer: an HTTP answer, or the reason there was none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedAnswer {
    /// The status code (0 when there was no answer).
    pub status: u16,
    /// The `Content-Type` header.
    #[serde(default)]
    pub content_type: Option<String>,
    /// The body.
    #[serde(default)]
    pub body: String,
    /// Why no answer came (the server was unreachable, the request timed out), as the
    /// message the user saw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Answers keyed by [`ApiRequest::replay_key`], and the "now" they were asked at (a
/// replay runs at that time, so that it sends the very same requests).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Recording {
    /// The file's version.
    #[serde(default = "format_one")]
    pub format: u32,
    /// When the recorded reports were evaluated (ms since the epoch).
    pub recorded_at_ms: i64,
    /// The answers.
    pub answers: BTreeMap<String, RecordedAnswer>,
}

fn format_one() -> u32 {
    FORMAT
}

impl Recording {
    /// An empty recording of runs evaluated at `recorded_at_ms`.
    pub fn new(recorded_at_ms: i64) -> Self {
        Self { format: FORMAT, recorded_at_ms, answers: BTreeMap::new() }
    }

    /// The recorded answer to `request`, as a transport would give it.
    pub fn sent(&self, request: &ApiRequest, what: &str) -> Sent {
        match self.answers.get(&request.replay_key()) {
            None => {
                Err(ApiError::Status { what: what.to_owned(), status: 404, message: NOT_RECORDED.into() })
            }
            Some(RecordedAnswer { error: Some(message), .. }) => {
                Err(ApiError::Worded { message: message.clone() })
            }
            Some(answer) => Ok(Reply {
                status: answer.status,
                content_type: answer.content_type.clone(),
                body: answer.body.clone(),
            }),
        }
    }

    /// Keeps what `request` got for a published file: as [`Recording::record`], but an
    /// error by its kind and status only ([`ApiError::published`]).
    ///
    /// A failed answer keeps its status and, of its body, only what decides how promnote
    /// goes on ([`error::scrubbed_body`]): a replay takes the same turns (a fallback to a
    /// GET or to `/api/ds/query`, a retry) and classes the failure the same way.
    pub fn record_published(&mut self, request: &ApiRequest, sent: &Sent) {
        match sent {
            Err(e) if !matches!(e, ApiError::Cancelled) => {
                self.record(request, &Err(ApiError::Worded { message: e.published() }));
            }
            Ok(reply) if !reply.is_success() => {
                let body = error::scrubbed_body(reply.status, &reply.body);
                self.record(request, &Ok(Reply { body, ..reply.clone() }));
            }
            sent => self.record(request, sent),
        }
    }

    /// Scrubs what `request` got, as a failed answer is scrubbed: for an answer that came
    /// with a 2xx status but could not be used (a login page, a result's error).
    pub fn scrub(&mut self, request: &ApiRequest) {
        if let Some(answer) = self.answers.get_mut(&request.replay_key()) {
            if answer.error.is_none() {
                answer.body = error::scrubbed_body(answer.status, &answer.body);
            }
        }
    }

    /// Keeps what `request` got (the last answer wins: a 502 retried into a 200 is
    /// recorded as the 200). A cancelled request is not an answer and is not kept.
    pub fn record(&mut self, request: &ApiRequest, sent: &Sent) {
        let answer = match sent {
            Ok(reply) => RecordedAnswer {
                status: reply.status,
                content_type: reply.content_type.clone(),
                body: reply.body.clone(),
                error: None,
            },
            Err(ApiError::Cancelled) => return,
            Err(e) => RecordedAnswer {
                status: 0,
                content_type: None,
                body: String::new(),
                error: Some(e.to_string()),
            },
        };
        self.answers.insert(request.replay_key(), answer);
    }
}

/// A report's run, kept so that a page without a token can draw it later: the report's
/// Markdown, the range, zone and variable values it ran with, when and against which
/// servers it ran, and every answer it got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The file's version.
    pub format: u32,
    /// The report's id (its file name without `.md`), also the snapshot's file name.
    pub id: String,
    /// The report's title.
    pub title: String,
    /// When it was taken (ms since the epoch); the replay's "now".
    pub taken_at_ms: i64,
    /// The servers it ran against, by host (`grafana.example.org`); never a credential.
    pub servers: Vec<String>,
    /// The report's Markdown.
    pub report: String,
    /// The range start, as typed (`now-1M`).
    pub from: String,
    /// The range end, as typed.
    pub to: String,
    /// The zone whose midnights cut the days (an IANA name, or `UTC`).
    pub zone: String,
    /// Each variable's selection, as a list of values (`$__all` for all).
    pub variables: BTreeMap<String, Vec<String>>,
    /// The datasources that failed, each with its message, when it was taken.
    #[serde(default)]
    pub failed: Vec<String>,
    /// Set when it is one of a report's snapshots, one per value of a variable
    /// (`promnote snapshot --each`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub each: Option<Each>,
    /// The periods whose values come from earlier snapshots (`--accumulate`): the servers
    /// no longer return them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub carried: Vec<Carried>,
    /// Earlier values this run's answers could not hold (`--accumulate`: a datasource
    /// that failed, a query not asked this time), kept for the next run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kept: Vec<Kept>,
    /// Every answer the run got.
    pub recording: Recording,
}

/// Earlier values of one range question (a datasource's query at a step), kept aside.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kept {
    /// The datasource's uid, as request paths write it.
    pub uid: String,
    /// The query, as the request's form wrote it.
    pub query: String,
    /// The step, as the form wrote it.
    pub step: String,
    /// The values, as a range answer.
    pub answer: String,
}

/// A period of a datasource whose values an earlier snapshot answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Carried {
    /// The datasource, by name.
    pub datasource: String,
    /// The first carried time (ms since the epoch).
    pub from_ms: i64,
    /// The last carried time.
    pub to_ms: i64,
    /// When the snapshot that answered them was taken.
    pub taken_at_ms: i64,
}

impl Carried {
    /// "cluster-west: 2026-08-01 to 2026-09-15, from the snapshot taken 2026-09-16 06:00 UTC."
    pub fn sentence(&self) -> String {
        let period = if utc_day(self.from_ms) == utc_day(self.to_ms) {
            utc_day(self.from_ms)
        } else {
            format!("{} to {}", utc_day(self.from_ms), utc_day(self.to_ms))
        };
        format!("{}: {period}, from the snapshot taken {}.", self.datasource, taken_at_text(self.taken_at_ms))
    }
}

/// Which of a report's snapshots, one per value of a variable, this is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Each {
    /// The report's id: the gallery lists its snapshots together.
    pub report: String,
    /// The report's title.
    pub title: String,
    /// The variable (without `$`), and its label when it has one.
    pub variable: String,
    /// The variable's value for this snapshot.
    pub value: String,
}

/// The id of a report's snapshot for one value of a variable: `hub-activity--prod`.
/// A value whose characters a file name cannot hold gets a short hash of itself, so two
/// values never share a file (`a.b` and `a-b`).
pub fn each_id(report: &str, value: &str) -> String {
    let safe: String = value
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' })
        .collect();
    if safe == value && !value.is_empty() {
        return format!("{report}--{value}");
    }
    // FNV-1a: stable across builds and platforms.
    let hash = value
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    format!("{report}--{safe}-{:08x}", hash as u32)
}

impl Snapshot {
    /// "Snapshot of grafana.example.org, taken 2026-12-01 06:00 UTC."
    pub fn banner(&self) -> String {
        let servers = if self.servers.is_empty() {
            "the recorded servers".to_owned()
        } else {
            self.servers.join(" and ")
        };
        format!("Snapshot of {servers}, taken {}.", taken_at_text(self.taken_at_ms))
    }
}

/// The file name a report's snapshot is written to: its id, with anything but letters,
/// digits, `-` and `_` replaced, so a report name can never reach outside the folder.
pub fn snapshot_file_name(id: &str) -> String {
    let safe: String =
        id.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' }).collect();
    format!("{}.json", if safe.is_empty() { "report" } else { &safe })
}

/// The snapshots a site carries (`snapshots/index.json`), in gallery order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SnapshotIndex {
    /// The file's version.
    pub format: u32,
    /// One entry per snapshot.
    pub snapshots: Vec<SnapshotEntry>,
}

/// One snapshot of the index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotEntry {
    /// The report's id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its file, relative to the index.
    pub file: String,
    /// When it was taken.
    pub taken_at_ms: i64,
    /// The servers, by host.
    pub servers: Vec<String>,
    /// Which value of which variable, for one of a report's snapshots per value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub each: Option<Each>,
    /// Files offered with it for download, beside it in the folder: its report CSV
    /// (`<file>.csv`) and PDF (`<file>.pdf`). Sealed like it on a sealed site.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<String>,
    /// Its dated copies (`--history`), newest first: the gallery's earlier snapshots.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<Dated>,
}

/// A dated copy of a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dated {
    /// When it was taken.
    pub taken_at_ms: i64,
    /// Its file, relative to the index (`history/2026-12-05/hub-activity.json`).
    pub file: String,
}

impl Dated {
    /// The day it was taken (UTC), as its folder and its link name it: `2026-12-05`.
    pub fn day(&self) -> String {
        utc_day(self.taken_at_ms)
    }
}

impl SnapshotEntry {
    /// Its earlier snapshots (`--history`): the dated copies other than the one of this
    /// snapshot itself, newest first.
    pub fn earlier(&self) -> Vec<&Dated> {
        self.history.iter().filter(|d| d.taken_at_ms != self.taken_at_ms).collect()
    }

    /// The entry as it was on `day` (its dated copy, without today's attachments), to
    /// open from a link `#/<id>@<day>`.
    pub fn as_of(&self, day: &str) -> Option<SnapshotEntry> {
        let dated = self.history.iter().find(|d| d.day() == day)?;
        Some(SnapshotEntry {
            file: dated.file.clone(),
            taken_at_ms: dated.taken_at_ms,
            attachments: Vec::new(),
            ..self.clone()
        })
    }

    /// The entry of `snapshot`, written as `file` with `attachments` beside it.
    pub fn new(snapshot: &Snapshot, file: String, attachments: Vec<String>) -> Self {
        Self {
            id: snapshot.id.clone(),
            title: snapshot.title.clone(),
            file,
            taken_at_ms: snapshot.taken_at_ms,
            servers: snapshot.servers.clone(),
            each: snapshot.each.clone(),
            attachments,
            history: Vec::new(),
        }
    }
}

impl SnapshotIndex {
    /// Reads an index, refusing a version this build does not know.
    pub fn parse(text: &str) -> Result<Self, String> {
        parse_versioned(text, "snapshot index", |index: &Self| index.format)
    }

    /// Forgets the snapshots of `report`'s values that are not in `kept` (a value no
    /// longer listed).
    pub fn keep_values(&mut self, report: &str, kept: &[String]) {
        self.snapshots.retain(|e| {
            e.each.as_ref().is_none_or(|each| each.report != report || kept.contains(&each.value))
        });
    }

    /// Adds `entry`, or replaces the entry with its id.
    pub fn insert(&mut self, entry: SnapshotEntry) {
        match self.snapshots.iter_mut().find(|e| e.id == entry.id) {
            Some(existing) => *existing = entry,
            None => self.snapshots.push(entry),
        }
    }
}

impl Snapshot {
    /// Reads a snapshot, refusing a version this build does not know.
    pub fn parse(text: &str) -> Result<Self, String> {
        parse_versioned(text, "snapshot", |snapshot: &Self| snapshot.format)
    }
}

/// Reads a file of ours whose `format` this build must know.
fn parse_versioned<T: serde::de::DeserializeOwned>(
    text: &str,
    what: &str,
    format: fn(&T) -> u32,
) -> Result<T, String> {
    let value: T = serde_json::from_str(text).map_err(|e| format!("The {what} cannot be read: {e}."))?;
    match format(&value) {
        FORMAT => Ok(value),
        other => Err(format!(
            "The {what} has format {other}, and this page reads format {FORMAT}: publish the site and its snapshots with the same promnote."
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::request::Body;

    #[test]
    fn recordings_replay_what_they_recorded_and_nothing_else() {
        let mut recording = Recording::new(1_000);
        let list = ApiRequest::datasources();
        let query = ApiRequest::prometheus("a", "api/v1/query", Body::Form("query=up".into()));
        let reply = Reply { status: 200, content_type: Some("application/json".into()), body: "[]".into() };
        recording.record(&list, &Err(ApiError::BadGateway { what: "x".into() }));
        recording.record(&list, &Ok(reply.clone()));
        recording.record(&query, &Err(ApiError::Unreachable { origin: "http://p".into() }));
        recording.record(&ApiRequest::health(), &Err(ApiError::Cancelled));
        assert_eq!(recording.sent(&list, "x"), Ok(reply));
        let Err(ApiError::Worded { message }) = recording.sent(&query, "x") else { panic!() };
        assert!(message.starts_with("Could not reach http://p"), "{message}");
        let missing = recording.sent(&ApiRequest::health(), "Grafana").unwrap_err();
        assert!(missing.to_string().contains(NOT_RECORDED), "{missing}");
        let text = serde_json::to_string(&recording).unwrap();
        assert_eq!(serde_json::from_str::<Recording>(&text).unwrap(), recording);
        // The demo data's older files have no error fields.
        let old = r#"{"format":1,"recorded_at_ms":5,"answers":{"GET api/datasources":{"status":200,"content_type":null,"body":"[]"}}}"#;
        assert!(serde_json::from_str::<Recording>(old).unwrap().sent(&list, "x").is_ok());
    }

    #[test]
    fn one_snapshot_per_value_has_a_file_of_its_own() {
        assert_eq!(each_id("hub-activity", "prod"), "hub-activity--prod");
        let (dot, dash) = (each_id("r", "a.b"), each_id("r", "a-b"));
        assert!(dot.starts_with("r--a-b-") && dash == "r--a-b" && dot != dash, "{dot} {dash}");
        assert_eq!(snapshot_file_name(&each_id("r", "../x")).matches('/').count(), 0);
        assert_ne!(each_id("r", ""), "r--");
        let entry = |value: &str| SnapshotEntry {
            id: each_id("r", value),
            title: String::new(),
            file: String::new(),
            taken_at_ms: 0,
            servers: Vec::new(),
            each: Some(Each {
                report: "r".into(),
                title: "R".into(),
                variable: "hub".into(),
                value: value.into(),
            }),
            attachments: Vec::new(),
            history: Vec::new(),
        };
        let mut index = SnapshotIndex { format: FORMAT, snapshots: vec![entry("a"), entry("gone")] };
        index.keep_values("r", &["a".to_owned()]);
        assert_eq!(index.snapshots, [entry("a")]);
    }

    #[test]
    fn snapshot_names_and_banner() {
        assert_eq!(snapshot_file_name("hub-activity"), "hub-activity.json");
        assert_eq!(snapshot_file_name("../../etc/passwd"), "------etc-passwd.json");
        assert_eq!(taken_at_text(1_796_104_800_000), "2026-12-01 06:00 UTC");
        let mut index = SnapshotIndex { format: FORMAT, snapshots: Vec::new() };
        let snapshot = Snapshot {
            format: FORMAT,
            id: "a".into(),
            title: "A".into(),
            taken_at_ms: 1_796_104_800_000,
            servers: vec!["grafana.example.org".into()],
            report: String::new(),
            from: "now-1M".into(),
            to: "now".into(),
            zone: "UTC".into(),
            variables: BTreeMap::new(),
            failed: Vec::new(),
            each: None,
            carried: Vec::new(),
            kept: Vec::new(),
            recording: Recording::new(1_796_104_800_000),
        };
        assert_eq!(snapshot.banner(), "Snapshot of grafana.example.org, taken 2026-12-01 06:00 UTC.");
        index.insert(SnapshotEntry::new(&snapshot, snapshot_file_name(&snapshot.id), Vec::new()));
        index.insert(SnapshotEntry::new(&snapshot, "a.json".into(), vec!["a.csv".into()]));
        assert_eq!(index.snapshots.len(), 1);
        assert_eq!(index.snapshots[0].attachments, ["a.csv"]);
        // Its dated copies: the earlier ones, and one of them opened as of its day.
        let mut entry = index.snapshots[0].clone();
        entry.history = vec![
            Dated { taken_at_ms: entry.taken_at_ms, file: "history/2026-12-01/a.json".into() },
            Dated { taken_at_ms: entry.taken_at_ms - 86_400_000, file: "history/2026-11-30/a.json".into() },
        ];
        assert_eq!(entry.earlier().len(), 1);
        let then = entry.as_of("2026-11-30").unwrap();
        assert_eq!((then.file.as_str(), then.attachments.len()), ("history/2026-11-30/a.json", 0));
        assert!(entry.as_of("2026-11-29").is_none());
        let text = serde_json::to_string(&index).unwrap();
        assert_eq!(SnapshotIndex::parse(&text).unwrap(), index);
        let future = text.replace("\"format\":1", "\"format\":9");
        assert!(SnapshotIndex::parse(&future).unwrap_err().contains("format 9"));
        assert!(Snapshot::parse(&serde_json::to_string(&snapshot).unwrap()).is_ok());
    }
}
