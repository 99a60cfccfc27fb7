//! Flags into checked plans (ripgrep's low-level → high-level args): where queries go and
//! with which credential, the range and zone, a report and its cells, `--var` values.
//! Everything here fails as exit code 2 with what to type instead, before anything is
//! sent.

use std::collections::BTreeMap;
use std::path::Path;

use jiff::tz::TimeZone;
use promnote_core::api::replay::{Recording, Snapshot};
use promnote_core::api::servers::{Direct, Grafana, Servers};
use promnote_core::api::{BaseUrl, Datasource};
use promnote_core::report::format::MAX_SOURCE_BYTES;
use promnote_core::report::references::is_name;
use promnote_core::report::variables::Selection;
use promnote_core::report::{self, Cell, Report};
use promnote_core::time::TimeRange;

use crate::cli::ConnectArgs;
use crate::http::{Live, Transport};
use crate::secrets::{self, SecretFiles};
use crate::tls::{self, TlsFiles};
use crate::Fail;

/// The servers (or the recording) the flags name, and the run's "now".
pub fn transport(args: &ConnectArgs, verbose: bool) -> Result<(Transport, i64), Fail> {
    if let Some(path) = &args.replay {
        let text = read(path, MAX_RECORDING_BYTES)?;
        let recording = match Snapshot::parse(&text) {
            Ok(snapshot) => snapshot.recording,
            Err(_) => serde_json::from_str::<Recording>(&text).map_err(|e| {
                Fail::input(format!("{} is neither a promnote recording nor a snapshot: {e}", path.display()))
            })?,
        };
        let now_ms = recording.recorded_at_ms;
        return Ok((Transport::Replay(recording), now_ms));
    }
    if args.grafana.is_none() && args.prometheus.is_empty() {
        return Err(Fail::input(
            "say where to query: --grafana URL (with the token in GRAFANA_TOKEN or --token-file), --prometheus URL, or --replay FILE",
        ));
    }
    let files = SecretFiles::default();
    let grafana = match &args.grafana {
        Some(url) => {
            let base = BaseUrl::parse(url).map_err(|e| Fail::input(format!("--grafana: {e}")))?;
            Some(Grafana { base, token: secrets::grafana_token(args, &files)? })
        }
        None => None,
    };
    let credentials = secrets::direct_credentials(args, &files)?;
    let direct = args
        .prometheus
        .iter()
        .zip(credentials)
        .enumerate()
        .map(|(i, (url, credentials))| {
            let base =
                BaseUrl::parse_prometheus(url).map_err(|e| Fail::input(format!("--prometheus: {e}")))?;
            Ok(Direct { ds: Datasource::direct(i, &base), base, credentials })
        })
        .collect::<Result<Vec<_>, Fail>>()?;
    let servers = Servers { grafana, direct };
    if let (false, [first, ..]) = (args.allow_http, servers.sent_in_clear().as_slice()) {
        return Err(Fail::input(format!(
            "{first} would cross the network unencrypted (plain http:// to another machine): use the server's https:// address, or pass --allow-http if this network is trusted"
        )));
    }
    let headers = args.header.iter().map(|h| header(h)).collect::<Result<Vec<_>, _>>()?;
    if !headers.is_empty() && servers.grafana.is_none() {
        return Err(Fail::input("--header is sent to the Grafana origin only: give --grafana URL"));
    }
    let files = TlsFiles {
        cacert: args.cacert.as_deref(),
        client_cert: args.client_cert.as_deref(),
        client_key: args.client_key.as_deref(),
    };
    // The trust store is read only when something goes over TLS (a broken SSL_CERT_FILE
    // does not stop a run against http:// servers).
    let over_tls = servers
        .grafana
        .iter()
        .map(|g| &g.base)
        .chain(servers.direct.iter().map(|d| &d.base))
        .any(|base| base.origin().starts_with("https://"));
    let trust = if over_tls || args.cacert.is_some() || args.client_cert.is_some() {
        tls::trust(&files).map_err(Fail::input)?
    } else {
        tls::Trust::none()
    };
    if trust.client.is_some() && servers.grafana.is_none() {
        return Err(Fail::input("--client-cert is presented to the Grafana origin only: give --grafana URL"));
    }
    let now_ms = jiff::Timestamp::now().as_millisecond();
    let limits = (args.timeout, args.max_answer_mb.saturating_mul(1024 * 1024));
    let live = Live::new(servers, &trust, headers, limits, verbose).map_err(Fail::input)?;
    Ok((Transport::Live(live), now_ms))
}

/// Headers that promnote sets itself, or that would change where or how a request goes.
const OWN_HEADERS: [&str; 7] =
    ["authorization", "host", "content-length", "content-type", "transfer-encoding", "connection", "accept"];

/// A `--header 'Name: value'`, checked: a header name, a value without line breaks, and
/// not one promnote sets itself (the token is `Authorization`).
pub fn header(raw: &str) -> Result<(String, String), Fail> {
    let Some((name, value)) = raw.split_once(':') else {
        return Err(Fail::input("--header takes 'Name: value' (a colon between them)"));
    };
    let name = name.trim();
    let token_char = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if name.is_empty() || !name.chars().all(token_char) {
        return Err(Fail::input(format!("--header: {name:?} is not a header name")));
    }
    if OWN_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
        return Err(Fail::input(format!(
            "--header: promnote sets {name} itself (the Grafana token goes in Authorization: GRAFANA_TOKEN or --token-file)"
        )));
    }
    let value = value.trim();
    if value.chars().any(|c| c.is_control()) {
        return Err(Fail::input(format!(
            "--header {name}: its value has a line break or a control character"
        )));
    }
    Ok((name.to_owned(), value.to_owned()))
}

/// The largest recording or snapshot `--replay` reads.
const MAX_RECORDING_BYTES: usize = 1024 * 1024 * 1024;

/// A size as the messages write it: `9 MB`, `600 KB`.
fn size_text(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{} MB", bytes.div_ceil(1024 * 1024))
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

/// Reads a text file of at most `limit` bytes, refusing a larger one before reading it
/// whole (and a stream that never ends, such as a device, after `limit` bytes).
pub fn read(path: &Path, limit: usize) -> Result<String, Fail> {
    use std::io::Read as _;
    let cannot = |e: std::io::Error| Fail::input(format!("cannot read {}: {e}", path.display()));
    let too_big = |bytes: u64| {
        Fail::input(format!(
            "{} is {}; the most promnote reads is {}",
            path.display(),
            size_text(bytes),
            size_text(limit as u64)
        ))
    };
    let file = std::fs::File::open(path).map_err(cannot)?;
    let size = file.metadata().map_err(cannot)?.len();
    if size > limit as u64 {
        return Err(too_big(size));
    }
    let mut text = String::new();
    file.take(limit as u64 + 1).read_to_string(&mut text).map_err(cannot)?;
    if text.len() > limit {
        return Err(too_big(text.len() as u64));
    }
    Ok(text)
}

pub fn zone(name: &str) -> Result<TimeZone, Fail> {
    promnote_core::time::zone(name).map_err(|e| Fail::input(format!("--tz: {e}")))
}

/// Checks a range before anything is sent, so that a typo is exit code 2 at once.
pub fn check_range(range: (&str, &str), zone: &TimeZone, now_ms: i64) -> Result<(), Fail> {
    let now = jiff::Timestamp::from_millisecond(now_ms).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    TimeRange::parse(range.0, range.1, now, zone)
        .map(|_| ())
        .map_err(|e| Fail::input(format!("time range: {e}")))
}

/// A report read and parsed; its errors name the file and line.
pub fn load_report(path: &Path) -> Result<Report, Fail> {
    let text = read(path, MAX_SOURCE_BYTES)?;
    report::parse(&text).map_err(|e| Fail::input(format!("{}: {e}", path.display())))
}

/// `--var NAME=V1,V2` as selections, checked against the report's variables.
pub fn given_selections(
    report: &Report,
    vars: &[String],
    path: &Path,
) -> Result<BTreeMap<String, Selection>, Fail> {
    let mut given = BTreeMap::new();
    for spec in vars {
        let Some((name, values)) = spec.split_once('=') else {
            return Err(Fail::input(format!("--var {spec}: write NAME=VALUE or NAME=VALUE1,VALUE2")));
        };
        let Some(variable) = report.front.variables.iter().find(|v| v.name == name) else {
            let known: Vec<String> = report.front.variables.iter().map(|v| format!("${}", v.name)).collect();
            let known = if known.is_empty() { "none".to_owned() } else { known.join(", ") };
            return Err(Fail::input(format!(
                "--var {name}: {} has no variable ${name}; its variables: {known}",
                path.display()
            )));
        };
        let values: Vec<String> = values.split(',').map(str::to_owned).collect();
        let selection =
            variable.requested(values).map_err(|why| Fail::input(format!("--var {name}: {why}")))?;
        given.insert(name.to_owned(), selection);
    }
    Ok(given)
}

/// The cells `--cell` picks: all, the Nth (1 is the first), or those with that title.
pub fn picked_cells(report: &Report, pick: Option<&str>) -> Result<Vec<Cell>, Fail> {
    let cells: Vec<Cell> = report.cells().cloned().collect();
    if cells.is_empty() {
        return Err(Fail::input("the report has no ```promql cells: there is nothing to run"));
    }
    let Some(pick) = pick else { return Ok(cells) };
    if let Ok(n) = pick.parse::<usize>() {
        return match cells.get(n.wrapping_sub(1)) {
            Some(cell) => Ok(vec![cell.clone()]),
            None => Err(Fail::input(format!(
                "--cell {n}: the report has {} cells (1 to {})",
                cells.len(),
                cells.len()
            ))),
        };
    }
    let numbers: Vec<usize> =
        (1..=cells.len()).filter(|&n| cells[n - 1].options.title.as_deref() == Some(pick)).collect();
    if numbers.len() > 1 {
        let numbers: Vec<String> = numbers.iter().map(usize::to_string).collect();
        return Err(Fail::input(format!(
            "--cell {pick}: cells {} have that title; pick one by its number",
            numbers.join(", ")
        )));
    }
    let titled: Vec<Cell> = numbers.iter().map(|&n| cells[n - 1].clone()).collect();
    if titled.is_empty() {
        let titles: Vec<String> =
            cells.iter().enumerate().map(|(i, c)| format!("{}: {}", i + 1, c.title())).collect();
        return Err(Fail::input(format!(
            "--cell {pick}: no cell has that title; the cells are {}",
            titles.join(", ")
        )));
    }
    Ok(titled)
}

/// The `--var` flags that name one of this report's variables (a snapshot of several
/// reports takes each flag for the reports that have it).
pub fn applicable(report: &Report, vars: &[String]) -> Vec<String> {
    vars.iter()
        .filter(|spec| {
            let name = spec.split_once('=').map_or(spec.as_str(), |(name, _)| name);
            !is_name(name) || report.front.variables.iter().any(|v| v.name == name)
        })
        .cloned()
        .collect()
}

/// A report's id: its file name without `.md` (`reports/hub-activity.md` → `hub-activity`).
pub fn report_id(path: &Path) -> String {
    path.file_stem().and_then(|s| s.to_str()).unwrap_or("report").to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "---\nformat: 1\nvariables:\n  - name: hub\n    query: label_values(x, namespace)\n    multi: true\n    all: true\n  - name: one\n    query: label_values(y)\n---\n\n```promql title=First\nup\n```\n\n```promql title=Second\nup\n```\n";

    #[test]
    fn variables_from_flags() {
        let report = report::parse(REPORT).unwrap();
        let path = Path::new("r.md");
        let given = given_selections(&report, &["hub=a,b".into(), "one=z".into()], path).ok().unwrap();
        assert_eq!(given["hub"], Selection::Values(vec!["a".into(), "b".into()]));
        assert_eq!(given_selections(&report, &["hub=All".into()], path).ok().unwrap()["hub"], Selection::All);
        let err = |vars: &[&str]| {
            let vars: Vec<String> = vars.iter().map(|v| (*v).to_owned()).collect();
            given_selections(&report, &vars, path).err().unwrap().message
        };
        assert!(err(&["nope=1"]).contains("its variables: $hub, $one"), "{}", err(&["nope=1"]));
        assert!(err(&["one=a,b"]).contains("takes one value"));
        assert!(err(&["hub"]).contains("NAME=VALUE"));
        assert_eq!(applicable(&report, &["hub=a".into(), "other=b".into()]), ["hub=a"]);
    }

    #[test]
    fn cells_by_number_or_title() {
        let report = report::parse(REPORT).unwrap();
        assert_eq!(picked_cells(&report, None).ok().unwrap().len(), 2);
        assert_eq!(
            picked_cells(&report, Some("2")).ok().unwrap()[0].options.title.as_deref(),
            Some("Second")
        );
        assert_eq!(picked_cells(&report, Some("First")).ok().unwrap().len(), 1);
        assert!(picked_cells(&report, Some("3")).err().unwrap().message.contains("has 2 cells"));
        assert!(picked_cells(&report, Some("0")).is_err());
        assert!(picked_cells(&report, Some("Third")).err().unwrap().message.contains("1: First, 2: Second"));
        assert_eq!(report_id(Path::new("reports/hub-activity.md")), "hub-activity");
    }
}
