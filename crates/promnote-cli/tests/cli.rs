//! The real `promnote` binary, run as a user runs it, with no server of the stack: help
//! and version, usage and input errors (exit 2, the line named), replaying the site's
//! demo data, a server that is not there (exit 3), and a redirect that must not take the
//! token along. The runs against the real stack are in e2e/cli.spec.mjs.

// A test that cannot set itself up should stop there: panics are its failures.
#![allow(clippy::unwrap_used, reason = "a test: a panic is its failure")]

use std::io::{BufRead, BufReader, Write as _};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::mpsc;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn promnote(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_promnote"));
    command.current_dir(root()).args(args).env_remove("GRAFANA_TOKEN");
    for var in [
        "PROMETHEUS_TOKEN",
        "PROMETHEUS_USER",
        "PROMETHEUS_PASSWORD",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
    ] {
        command.env_remove(var);
    }
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("the promnote binary runs")
}

/// `promnote` with `input` on its standard input.
fn promnote_with_stdin(args: &[&str], env: &[(&str, &str)], input: &str) -> Output {
    use std::process::Stdio;
    let mut command = Command::new(env!("CARGO_BIN_EXE_promnote"));
    command.current_dir(root()).args(args).env_remove("GRAFANA_TOKEN");
    for var in ["PROMETHEUS_TOKEN", "PROMETHEUS_USER", "PROMETHEUS_PASSWORD", "HTTP_PROXY", "http_proxy"] {
        command.env_remove(var);
    }
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the promnote binary runs");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn help_names_every_command_and_flag_and_version_prints() {
    let help = promnote(&["--help"], &[]);
    assert!(help.status.success());
    let out = text(&help.stdout);
    for word in [
        "datasources",
        "query",
        "run",
        "snapshot",
        "--grafana",
        "--token-file",
        "--prometheus",
        "--replay",
        "--timeout",
        "--parallel",
        "Exit codes",
        "GRAFANA_TOKEN",
    ] {
        assert!(out.contains(word), "--help lacks {word}:\n{out}");
    }
    let run_help = text(&promnote(&["run", "--help"], &[]).stdout);
    for word in ["--var", "--cell", "--format", "--out", "--from", "--to", "--tz", "csv-wide"] {
        assert!(run_help.contains(word), "run --help lacks {word}:\n{run_help}");
    }
    let version = promnote(&["--version"], &[]);
    assert_eq!(text(&version.stdout).trim(), concat!("promnote ", env!("CARGO_PKG_VERSION")));
}

#[test]
fn usage_and_input_errors_exit_2_with_a_reason() {
    // (arguments, environment, what stderr must say)
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);
    let cases: &[Case] = &[
        (&["datasources"], &[], "say where to query"),
        (&["--grafana", "https://grafana.example.org/", "datasources"], &[], "GRAFANA_TOKEN"),
        (&["--grafana", "ftp://x/", "datasources"], &[("GRAFANA_TOKEN", "glsa_x")], "--grafana"),
        (
            &["--grafana", "https://g.example.org/", "--token-file", "/nonexistent/token", "datasources"],
            &[],
            "cannot read /nonexistent/token",
        ),
        (
            &["--grafana", "https://g.example.org/", "datasources"],
            &[("GRAFANA_TOKEN", "two words")],
            "GRAFANA_TOKEN has spaces",
        ),
        (&["--replay", "demo-data/reports.json", "query", "up", "--from", "2026-13-01"], &[], "month 13"),
        (&["--replay", "demo-data/reports.json", "query", "up", "--tz", "Mars/Olympus"], &[], "--tz"),
        (
            &["--replay", "demo-data/reports.json", "run", "reports/hub-activity.md", "--var", "nope=1"],
            &[],
            "no variable $nope",
        ),
        (
            &[
                "--replay",
                "demo-data/reports.json",
                "run",
                "reports/service-metrics.md",
                "--format",
                "csv-wide",
            ],
            &[],
            "--cell",
        ),
        (
            &["--replay", "demo-data/reports.json", "run", "reports/hub-activity.md", "--cell", "9"],
            &[],
            "has 1 cells",
        ),
        (
            &["--grafana", "http://grafana.example.org/", "datasources"],
            &[("GRAFANA_TOKEN", "glsa_x")],
            "the Grafana token for http://grafana.example.org would cross the network unencrypted",
        ),
        (
            &["--prometheus", "http://10.0.0.7:9090/", "datasources"],
            &[("PROMETHEUS_USER", "me"), ("PROMETHEUS_PASSWORD", "secret")],
            "the password of me for http://10.0.0.7:9090 would cross the network unencrypted",
        ),
        (&["query"], &[], "PROMQL"),
        (&["--quiet", "--verbose", "datasources"], &[], "cannot be used with"),
    ];
    for (args, env, want) in cases {
        let out = promnote(args, env);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?} should say {want:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?} wrote data: {}", text(&out.stdout));
    }
}

#[test]
fn a_report_that_does_not_parse_names_its_line() {
    let dir = tempdir("bad-report");
    let report = dir.join("bad.md");
    std::fs::write(&report, "---\nformat: 1\ntitle: Bad\n---\n\nProse.\n\n```promql colour=red\nup\n```\n")
        .unwrap();
    let out = promnote(&["--replay", "demo-data/reports.json", "run", report.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("bad.md: line 8: unknown cell option `colour`"), "{err}");
}

#[test]
fn an_absolute_start_is_a_range_not_an_error() {
    // Against the report's `to: now`, at the recording's time: the requests of that range
    // are not in the recording, so nothing answers (3), but the range itself is fine.
    let out = promnote(
        &["--replay", "demo-data/reports.json", "run", "reports/hub-activity.md", "--from", "2026-11-01"],
        &[],
    );
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(!err.contains("time range"), "{err}");
    assert!(err.contains("not part of the recorded data"), "{err}");
}

#[test]
fn cells_are_picked_unambiguously_and_an_empty_report_says_so() {
    let dir = tempdir("cells");
    let twice = dir.join("twice.md");
    std::fs::write(
        &twice,
        "---\nformat: 1\n---\n\n```promql title=Same\nup\n```\n\n```promql title=Same\nup\n```\n",
    )
    .unwrap();
    let out = promnote(
        &["--replay", "demo-data/reports.json", "run", twice.to_str().unwrap(), "--cell", "Same"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cells 1, 2 have that title"), "{}", text(&out.stderr));
    let empty = dir.join("empty.md");
    std::fs::write(&empty, "---\nformat: 1\n---\n\nOnly prose.\n").unwrap();
    let out = promnote(
        &["--replay", "demo-data/reports.json", "run", empty.to_str().unwrap(), "--format", "csv-wide"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no ```promql cells"), "{}", text(&out.stderr));
}

#[test]
fn the_demo_recording_replays_into_the_same_csv_every_time() {
    let run = || promnote(&["--replay", "demo-data/reports.json", "run", "reports/hub-activity.md"], &[]);
    let (first, second) = (run(), run());
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    let csv = text(&first.stdout);
    assert!(csv.starts_with("cell,time,datasource,namespace,value\r\n"), "{csv}");
    assert!(csv.contains("Daily active users per hub,"), "{csv}");
    assert!(csv.contains(",cluster-south,staging,"), "same-named hubs stay apart: {csv}");
    assert_eq!(first.stdout, second.stdout);
    let wide = promnote(
        &["--replay", "demo-data/reports.json", "run", "reports/hub-activity.md", "--format", "csv-wide"],
        &[],
    );
    let wide = text(&wide.stdout);
    assert!(wide.starts_with("day,"), "{wide}");
    assert!(wide.contains("cluster-north / staging"), "{wide}");
    let json = promnote(
        &["--replay", "demo-data/reports.json", "run", "reports/hub-activity.md", "--format", "json"],
        &[],
    );
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(value["cells"][0]["title"], "Daily active users per hub");
    assert!(value["cells"][0]["table"]["columns"].as_array().unwrap().len() >= 10);
    // The headline's values: the span, the query as sent, the number and its text.
    let values = value["values"].as_array().unwrap();
    assert_eq!(values.len(), 2, "{values:?}");
    assert!(values[0]["span"].as_str().unwrap().starts_with("{promql} sum(max by (namespace)"));
    assert!(values[0]["query"].as_str().unwrap().contains(r#"namespace=~".*""#), "{values:?}");
    assert!(values[0]["value"].as_f64().unwrap() > 0.0, "{values:?}");
    assert_eq!(values[1]["value"].as_f64().unwrap().to_string(), values[1]["text"].as_str().unwrap());
    assert_eq!(values[1]["error"], serde_json::Value::Null);
}

#[test]
fn nothing_listening_is_exit_3_with_the_address() {
    let out = promnote(
        &["--grafana", "http://127.0.0.1:9/", "datasources"],
        &[("GRAFANA_TOKEN", "glsa_secret_value")],
    );
    assert_eq!(out.status.code(), Some(3));
    let err = text(&out.stderr);
    assert!(err.contains("Could not reach http://127.0.0.1:9"), "{err}");
    assert!(!err.contains("glsa_secret_value"));
}

#[test]
fn allow_http_sends_over_plain_http_and_a_server_without_credentials_needs_no_flag() {
    // 0.0.0.0 is not loopback by name: refused without the flag, tried with it.
    let args = ["--grafana", "http://0.0.0.0:9/", "datasources"];
    let out = promnote(&args, &[("GRAFANA_TOKEN", "glsa_secret_value")]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let out = promnote(&[&["--allow-http"][..], &args].concat(), &[("GRAFANA_TOKEN", "glsa_secret_value")]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("Could not reach http://0.0.0.0:9"), "{}", text(&out.stderr));
    // Nothing secret to send: no flag needed.
    let out = promnote(&["--prometheus", "http://0.0.0.0:9/", "datasources"], &[]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
}

/// A request's head, a line each (without line ends), read up to the blank line.
fn read_head(reader: &mut impl BufRead) -> Vec<String> {
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            return head;
        }
        head.push(line.trim_end().to_owned());
    }
}

/// A server that answers every request with `status`, `extra` headers and a login page,
/// and reports each request's head lines.
fn one_shot_server(status: &'static str, extra: String) -> (String, mpsc::Receiver<Vec<String>>) {
    server(status, extra, "text/html", "<html>login</html>".to_owned())
}

/// A server that answers every request with `status`, `extra` headers and `body` of
/// `kind`, and reports each request's head lines.
fn server(
    status: &'static str,
    extra: String,
    kind: &'static str,
    body: String,
) -> (String, mpsc::Receiver<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let head = read_head(&mut reader);
            // Read a POST's form before answering: closing on unread bytes resets the
            // connection, and the client would see no answer at all.
            let length = head.iter().find_map(|h| {
                let (name, value) = h.split_once(':')?;
                name.eq_ignore_ascii_case("content-length").then(|| value.trim().parse::<u64>().ok())?
            });
            let _ = std::io::copy(
                &mut std::io::Read::take(&mut reader, length.unwrap_or(0)),
                &mut std::io::sink(),
            );
            let _ = tx.send(head);
            let _ = write!(stream, "HTTP/1.1 {status}\r\n{extra}Content-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
        }
    });
    (url, rx)
}

#[test]
fn an_answer_over_max_answer_mb_is_refused_with_what_to_narrow() {
    let big = format!("[{}\"x\"]", "\"padding\",".repeat(120_000));
    let (grafana, _) = server("200 OK", String::new(), "application/json", big);
    let out = promnote(
        &["--grafana", &grafana, "--max-answer-mb", "1", "datasources"],
        &[("GRAFANA_TOKEN", "glsa_secret_value")],
    );
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("answered with more than 1 MB, more than promnote reads at once: ask for fewer series"),
        "{err}"
    );
    assert!(err.contains("raise --max-answer-mb (now 1)"), "{err}");
}

#[test]
fn escape_sequences_in_server_text_reach_stderr_as_visible_text() {
    // A datasource named with a window-title escape, a screen clear and a right-to-left
    // override: every request gets this listing, so its query's answer does not decode
    // and the warning names the datasource.
    let listing = r#"[{"uid":"u1","name":"north\u001b]0;owned\u0007\u001b[2J\u202egnp.exe","type":"prometheus","url":"http://x"}]"#;
    let (grafana, _) = server("200 OK", String::new(), "application/json", listing.to_owned());
    let out = promnote(&["--grafana", &grafana, "query", "up"], &[("GRAFANA_TOKEN", "glsa_secret_value")]);
    let err = text(&out.stderr);
    assert!(err.contains("north\\x1b]0;owned\\x07\\x1b[2J\\u{202e}gnp.exe"), "{err}");
    // An error text from the server, quoted in the message.
    let refusal = r#"{"message":"denied \u001b[31mred\r"}"#;
    let (grafana, _) = server("403 Forbidden", String::new(), "application/json", refusal.to_owned());
    let out = promnote(&["--grafana", &grafana, "datasources"], &[("GRAFANA_TOKEN", "glsa_secret_value")]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("denied \\x1b[31mred\\x0d"), "{err}");
    for raw in ['\u{1b}', '\u{7}', '\r', '\u{202e}'] {
        assert!(!err.contains(raw), "{raw:?} reached stderr: {err:?}");
    }
}

#[test]
fn a_redirect_is_not_followed_and_the_token_goes_nowhere_else() {
    let (elsewhere, visits) = one_shot_server("200 OK", String::new());
    let (grafana, requests) = one_shot_server("302 Found", format!("Location: {elsewhere}login\r\n"));
    let out = promnote(&["--grafana", &grafana, "datasources"], &[("GRAFANA_TOKEN", "glsa_secret_value")]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("web page instead of JSON (HTTP 302)"), "{err}");
    let head = requests.recv().unwrap();
    assert!(head[0].starts_with("GET /api/datasources "), "{head:?}");
    assert!(
        head.iter().any(|h| h.eq_ignore_ascii_case("authorization: Bearer glsa_secret_value")),
        "{head:?}"
    );
    assert!(visits.try_recv().is_err(), "the redirect's target was visited");
    assert!(!err.contains("glsa_secret_value") && out.stdout.is_empty());
}

/// Every `Authorization` header value a server was sent, until it has been quiet a while.
fn authorizations(requests: &mpsc::Receiver<Vec<String>>) -> Vec<String> {
    let mut seen = Vec::new();
    while let Ok(head) = requests.recv_timeout(std::time::Duration::from_millis(500)) {
        seen.extend(head.iter().filter_map(|h| {
            let (name, value) = h.split_once(": ")?;
            name.eq_ignore_ascii_case("authorization").then(|| value.to_owned())
        }));
    }
    seen
}

/// A secret file with `text` and Unix `mode`.
fn secret_file(dir: &Path, name: &str, text: &str, mode: u32) -> String {
    use std::os::unix::fs::PermissionsExt as _;
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn token_files_are_read_from_stdin_and_their_mistakes_and_permissions_are_said() {
    let dir = tempdir("tokens");
    let (grafana, requests) = one_shot_server("200 OK", String::new());
    // Standard input: the token is sent, and only to Grafana.
    let out = promnote_with_stdin(
        &["--grafana", &grafana, "--token-file", "-", "datasources"],
        &[],
        "glsa_from_stdin\n",
    );
    assert_eq!(authorizations(&requests), ["Bearer glsa_from_stdin"], "{}", text(&out.stderr));
    // A private file: no warning. One others can read: a warning, and it is still used.
    let private = secret_file(&dir, "private", "glsa_private\n", 0o600);
    let out = promnote(&["--grafana", &grafana, "--token-file", &private, "datasources"], &[]);
    assert!(!text(&out.stderr).contains("warning"), "{}", text(&out.stderr));
    let shared = secret_file(&dir, "shared", "glsa_shared\n", 0o644);
    let out = promnote(&["--grafana", &grafana, "--token-file", &shared, "datasources"], &[]);
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!(
            "{shared} holds a secret and other users can read it (mode 644): chmod 600 {shared}"
        )),
        "{err}"
    );
    assert_eq!(authorizations(&requests), ["Bearer glsa_private", "Bearer glsa_shared"]);
    // Mistakes are named, nothing is sent, and the text is not repeated.
    let cases = [
        ("bom", "\u{feff}glsa_bom\n", "starts with a byte-order mark"),
        ("env", "GRAFANA_TOKEN=glsa_env\n", "holds a NAME=value line"),
        ("export", "export GRAFANA_TOKEN=glsa_env\n", "holds a NAME=value line"),
        ("lines", "glsa_one\nglsa_two\n", "holds more than one line"),
        ("empty", "\n", "holds no token"),
    ];
    for (name, content, want) in cases {
        let path = secret_file(&dir, name, content, 0o600);
        let out = promnote(&["--grafana", &grafana, "--token-file", &path, "datasources"], &[]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(&format!("the token file {path} {want}")), "{name}: {err}");
        assert!(!err.contains("glsa_"), "{name} repeated the secret: {err}");
    }
    // Standard input holds one secret.
    let out = promnote_with_stdin(
        &[
            "--grafana",
            &grafana,
            "--token-file",
            "-",
            "--prometheus",
            &grafana,
            "--prometheus-token-file",
            "-",
            "datasources",
        ],
        &[],
        "glsa_x\n",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("both read standard input"), "{}", text(&out.stderr));
    assert!(authorizations(&requests).is_empty());
}

#[test]
fn each_prometheus_server_gets_its_own_sign_in_and_no_other() {
    let dir = tempdir("direct-sign-in");
    let (bearer, bearer_requests) = one_shot_server("200 OK", String::new());
    let (basic, basic_requests) = one_shot_server("200 OK", String::new());
    let (open, open_requests) = one_shot_server("200 OK", String::new());
    let token = secret_file(&dir, "token", "thanos_token\n", 0o600);
    let password = secret_file(&dir, "password", "pass word\n", 0o600);
    let out = promnote(
        &[
            "--prometheus",
            &bearer,
            "--prometheus-token-file",
            &token,
            "--prometheus",
            &open,
            "--prometheus",
            &basic,
            "--prometheus-user",
            "me",
            "--prometheus-password-file",
            &password,
            "datasources",
        ],
        &[],
    );
    let err = text(&out.stderr);
    assert!(!err.contains("thanos_token") && !err.contains("pass word"), "{err}");
    let bearers = authorizations(&bearer_requests);
    assert!(!bearers.is_empty() && bearers.iter().all(|a| a == "Bearer thanos_token"), "{bearers:?} {err}");
    // "me:pass word" in base64.
    let basics = authorizations(&basic_requests);
    assert!(!basics.is_empty() && basics.iter().all(|a| a == "Basic bWU6cGFzcyB3b3Jk"), "{basics:?} {err}");
    assert!(authorizations(&open_requests).is_empty(), "{err}");
    // An environment credential is for one server: with two, each must say its own.
    let out = promnote(
        &["--prometheus", &open, "--prometheus", &basic, "datasources"],
        &[("PROMETHEUS_TOKEN", "shared")],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("it would be sent to each"), "{}", text(&out.stderr));
    // Servers on both sides of the command (clap would keep one side's), a sign-in
    // before any server, and half a Basic sign-in, are refused.
    let out = promnote(&["--prometheus", &open, "datasources", "--prometheus", &basic], &[]);
    assert!(text(&out.stderr).contains("before and after the command"), "{}", text(&out.stderr));
    let out = promnote(&["--prometheus-token-file", &token, "--prometheus", &open, "datasources"], &[]);
    assert!(text(&out.stderr).contains("comes before any --prometheus"), "{}", text(&out.stderr));
    let out = promnote(&["--prometheus", &open, "--prometheus-user", "me", "datasources"], &[]);
    assert!(text(&out.stderr).contains("no --prometheus-password-file"), "{}", text(&out.stderr));
    assert!(authorizations(&open_requests).is_empty() && authorizations(&basic_requests).is_empty());
}

/// How long a test waits for a server to report a request it expects.
const WAIT: std::time::Duration = std::time::Duration::from_secs(20);

/// An HTTP proxy that reports each request's first line (`CONNECT host:port HTTP/1.1`),
/// then refuses with `refuse` (`403 Forbidden`), or tunnels to the host when it is `None`.
fn connect_proxy(refuse: Option<&'static str>) -> (String, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(mut client) = client else { return };
            let mut reader = BufReader::new(client.try_clone().unwrap());
            let first = read_head(&mut reader).into_iter().next().unwrap_or_default();
            let _ = tx.send(first.clone());
            if let Some(status) = refuse {
                let _ = write!(client, "HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n");
                continue;
            }
            let target = first.split_whitespace().nth(1).unwrap_or_default().to_owned();
            let Ok(upstream) = std::net::TcpStream::connect(target) else { continue };
            let _ = write!(client, "HTTP/1.1 200 Connection established\r\n\r\n");
            let (mut up_read, mut up_write) = (upstream.try_clone().unwrap(), upstream);
            let mut client_write = client.try_clone().unwrap();
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut reader, &mut up_write);
            });
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut up_read, &mut client_write);
            });
        }
    });
    (url, rx)
}

#[test]
fn requests_go_through_the_environment_s_proxy_unless_no_proxy_names_the_host() {
    let (grafana, requests) = one_shot_server("200 OK", String::new());
    let (proxy, connects) = connect_proxy(None);
    let address = grafana.trim_start_matches("http://").trim_end_matches('/').to_owned();
    let token = ("GRAFANA_TOKEN", "glsa_secret_value");
    let out = promnote(&["--grafana", &grafana, "datasources"], &[token, ("HTTP_PROXY", proxy.as_str())]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert_eq!(connects.recv_timeout(WAIT).unwrap(), format!("CONNECT {address} HTTP/1.1"));
    // Through the tunnel, the request (and its token) reach Grafana as they are.
    let head = requests.recv_timeout(WAIT).unwrap();
    assert!(head[0].starts_with("GET /api/datasources "), "{head:?}");
    assert!(
        head.iter().any(|h| h.eq_ignore_ascii_case("authorization: Bearer glsa_secret_value")),
        "{head:?}"
    );
    // NO_PROXY reaches the host directly.
    let out = promnote(
        &["--grafana", &grafana, "datasources"],
        &[token, ("http_proxy", proxy.as_str()), ("no_proxy", "localhost,127.0.0.1")],
    );
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(requests.recv_timeout(WAIT).is_ok());
    assert!(connects.try_recv().is_err(), "the proxy was asked");
}

#[test]
fn a_socks_proxy_is_refused_before_anything_is_sent_and_a_refused_connect_is_the_proxy_s() {
    let (grafana, requests) = one_shot_server("200 OK", String::new());
    let token = ("GRAFANA_TOKEN", "glsa_secret_value");
    let out = promnote(
        &["--grafana", &grafana, "datasources"],
        &[token, ("ALL_PROXY", "socks5://me:pw@127.0.0.1:1080")],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("ALL_PROXY names a SOCKS proxy (socks5://…@127.0.0.1:1080)"), "{err}");
    assert!(err.contains("NO_PROXY") && !err.contains("pw@"), "{err}");
    assert!(requests.try_recv().is_err(), "a request went around the proxy");
    // A proxy that refuses the tunnel is named as the one that refused.
    let (proxy, connects) = connect_proxy(Some("403 Forbidden"));
    let out = promnote(&["--grafana", &grafana, "datasources"], &[token, ("HTTP_PROXY", proxy.as_str())]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!(
            "The proxy {proxy} (HTTP_PROXY) refused to connect to {}",
            grafana.trim_end_matches('/')
        )),
        "{err}"
    );
    assert!(err.contains("403") && !err.contains("glsa_secret_value"), "{err}");
    assert!(connects.recv_timeout(WAIT).unwrap().starts_with("CONNECT "));
    assert!(requests.try_recv().is_err(), "a request went around the proxy");
    // A proxy that does not answer is named too (not the server behind it).
    let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let dead = format!("http://u:secret@{closed}");
    let out = promnote(&["--grafana", &grafana, "datasources"], &[token, ("HTTP_PROXY", dead.as_str())]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!("through the proxy http://…@{closed} (HTTP_PROXY): nothing answered")),
        "{err}"
    );
    assert!(!err.contains("secret"), "{err}");
    assert!(requests.try_recv().is_err(), "a request went around the proxy");
}

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("promnote-cli-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_dashboard_file_with_a_byte_order_mark_converts_and_an_oversized_one_is_refused_unread() {
    let dir = tempdir("import");
    let bom = dir.join("bom.json");
    std::fs::write(&bom, "\u{feff}{\"title\":\"With a BOM\",\"panels\":[{\"type\":\"timeseries\",\"targets\":[{\"expr\":\"up\"}]}]}").unwrap();
    let out = promnote(&["import-dashboard", bom.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("title: With a BOM"), "{}", text(&out.stdout));
    // A sparse file of 9 MB: refused by its size, before a byte of it is read.
    let big = dir.join("big.json");
    std::fs::File::create(&big).unwrap().set_len(9 * 1024 * 1024).unwrap();
    let out = promnote(&["import-dashboard", big.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("big.json is 9 MB; the most promnote reads is 8 MB"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_grafana_notebook_export_imports_as_a_report() {
    let dir = tempdir("notebook");
    let file = dir.join("investigation.md");
    std::fs::write(
        &file,
        "# Investigation\n\nText first.\n\n```json\n{\"title\": \"Up\", \"targets\": [{\"refId\": \"A\", \"datasource\": {\"type\": \"prometheus\"}, \"query\": {\"expr\": \"up\"}}, {\"refId\": \"B\", \"datasource\": {\"type\": \"loki\"}, \"query\": {\"expr\": \"{a=\\\"b\\\"}\"}}]}\n```\n",
    )
    .unwrap();
    let out = promnote(&["import-dashboard", file.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    assert!(report.contains("title: Investigation") && report.contains("Text first."), "{report}");
    assert!(report.contains("```promql title=Up chart=line\nup\n```"), "{report}");
    assert!(text(&out.stderr).contains("not carried over from the panel \"Up\""), "{}", text(&out.stderr));
}
