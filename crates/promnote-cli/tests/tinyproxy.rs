//! The real `promnote` binary through a real HTTP proxy, Debian's tinyproxy (dev/setup
//! installs it), started here: requests go through the proxy `HTTP_PROXY` names (its log
//! shows the tunnel), `NO_PROXY` reaches the server directly, and a proxy that refuses
//! the tunnel is named as the one that refused.

#![allow(clippy::unwrap_used, reason = "a test: a panic is its failure")]

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A tinyproxy in the foreground, stopped when dropped.
struct Tinyproxy {
    child: Child,
    url: String,
    log: PathBuf,
}

impl Drop for Tinyproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Tinyproxy {
    /// Starts tinyproxy on a free port of 127.0.0.1; `connect_ports` limits the ports it
    /// tunnels to (none: any).
    fn start(dir: &Path, name: &str, connect_ports: &[u16]) -> Self {
        let binary = ["/usr/bin/tinyproxy", "/usr/sbin/tinyproxy"]
            .into_iter()
            .find(|p| Path::new(p).exists())
            .expect("tinyproxy is installed (dev/setup installs Debian's package)");
        // A port is free when asked; should another process take it before tinyproxy
        // binds, tinyproxy exits and the next port is tried.
        for _ in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
            let log = dir.join(format!("{name}.log"));
            let ports: String = connect_ports.iter().map(|p| format!("ConnectPort {p}\n")).collect();
            let conf = dir.join(format!("{name}.conf"));
            std::fs::write(
                &conf,
                format!(
                    "Port {port}\nListen 127.0.0.1\nTimeout 30\nLogFile \"{}\"\nLogLevel Connect\nMaxClients 20\nAllow 127.0.0.1\nDisableViaHeader Yes\n{ports}",
                    log.display()
                ),
            )
            .unwrap();
            let child = Command::new(binary)
                .args(["-d", "-c"])
                .arg(&conf)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let mut proxy = Self { child, url: format!("http://127.0.0.1:{port}"), log };
            // Up to 20 s for it to listen.
            for _ in 0..400 {
                if proxy.child.try_wait().unwrap().is_some() {
                    break;
                }
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return proxy;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            drop(proxy);
        }
        panic!("tinyproxy did not start");
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

/// A Grafana stand-in that lists no datasource, and reports each request's first line.
fn grafana() -> (String, u16, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut first = String::new();
            let _ = reader.read_line(&mut first);
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
            }
            let _ = tx.send(first.trim_end().to_owned());
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n[]"
            );
        }
    });
    (format!("http://127.0.0.1:{port}/"), port, rx)
}

/// What promnote says of the stand-in's answer: the request went and came back.
const ANSWERED: &str = "Grafana lists no Prometheus datasource that this token can see";

fn promnote(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_promnote"));
    command.args(args).env("GRAFANA_TOKEN", "glsa_proxy_test");
    for var in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "NO_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "no_proxy",
    ] {
        command.env_remove(var);
    }
    command.envs(env.iter().copied());
    command.output().unwrap()
}

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("promnote-tinyproxy-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn requests_go_through_tinyproxy_and_its_refusal_is_named() {
    let dir = tempdir("through");
    let open = Tinyproxy::start(&dir, "open", &[]);
    let (url, port, requests) = grafana();

    let out = promnote(&["--grafana", &url, "datasources"], &[("HTTP_PROXY", &open.url)]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(ANSWERED), "{err}");
    assert!(requests.recv().unwrap().starts_with("GET /api/datasources "));
    let log = open.log();
    assert!(log.contains(&format!("CONNECT 127.0.0.1:{port}")), "the proxy's log: {log}");

    // NO_PROXY names the host: directly, and the proxy sees nothing more.
    let before = open.log().matches("CONNECT 127.0.0.1").count();
    let out = promnote(
        &["--grafana", &url, "datasources"],
        &[("HTTP_PROXY", &open.url), ("NO_PROXY", "127.0.0.1")],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains(ANSWERED));
    assert!(requests.recv().unwrap().starts_with("GET /api/datasources "));
    assert_eq!(open.log().matches("CONNECT 127.0.0.1").count(), before);

    // A proxy that tunnels to port 443 only refuses: said as the proxy's refusal.
    let strict = Tinyproxy::start(&dir, "strict", &[443]);
    let out = promnote(&["--grafana", &url, "datasources"], &[("http_proxy", &strict.url)]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains(&format!(
            "The proxy {} (http_proxy) refused to connect to http://127.0.0.1:{port}",
            strict.url
        )),
        "{err}"
    );
    assert!(requests.try_recv().is_err(), "a request went around the proxy");
}
