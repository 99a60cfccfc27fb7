//! The real `promnote` binary against a real TLS server whose certificates are made here:
//! a company CA that no store knows (refused and said so; trusted with `--cacert` or
//! `SSL_CERT_FILE`), a certificate for another name and an expired one (each said as
//! what failed), and a server that asks for a client certificate (refused without one,
//! answered with `--client-cert`), which also receives the `--header`s.

#![allow(clippy::unwrap_used, reason = "a test: a panic is its failure")]

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{mpsc, Arc};

use rcgen::{
    date_time_ymd, BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;

/// A certificate authority made for the test.
struct Authority {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl Authority {
    fn new(name: &str) -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        Self { issuer: CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap() }
    }

    /// A leaf certificate for `names`, and its key; `expired` dates it in 2020.
    fn leaf(&self, names: &[&str], expired: bool) -> (String, KeyPair) {
        let mut params =
            CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>()).unwrap();
        if expired {
            params.not_before = date_time_ymd(2020, 1, 1);
            params.not_after = date_time_ymd(2020, 6, 1);
        }
        let key = KeyPair::generate().unwrap();
        (params.signed_by(&key, &self.issuer).unwrap().pem(), key)
    }
}

fn der_chain(pem: &str) -> Vec<CertificateDer<'static>> {
    rustls::pki_types::pem::PemObject::pem_slice_iter(pem.as_bytes()).map(Result::unwrap).collect()
}

/// An HTTPS server on 127.0.0.1 with `cert`, asking for a client certificate issued by
/// `clients` when given. It answers every request with an empty datasource list and
/// reports each request's head lines.
fn https_server(
    cert: &str,
    key: &KeyPair,
    clients: Option<&Authority>,
) -> (String, mpsc::Receiver<Vec<String>>) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = match clients {
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            roots.add(ca.issuer.der().clone()).unwrap();
            builder.with_client_cert_verifier(
                WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider).build().unwrap(),
            )
        }
        None => builder.with_no_client_auth(),
    };
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let config = Arc::new(builder.with_single_cert(der_chain(cert), key).unwrap());
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("https://{}/", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let connection = rustls::ServerConnection::new(config.clone()).unwrap();
            let mut tls = rustls::StreamOwned::new(connection, stream);
            // A handshake the client refuses ends here: the next connection is served.
            let mut head = Vec::new();
            let mut reader = BufReader::new(&mut tls);
            loop {
                let mut line = String::new();
                match reader.read_line(&mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) if line == "\r\n" => break,
                    Ok(_) => head.push(line.trim_end().to_owned()),
                }
            }
            if head.is_empty() {
                // Refused: the alert has been written. Read what the client still sends
                // until it hangs up, so that closing with unread bytes does not reset the
                // connection before the client has read the alert.
                let socket = &mut tls.sock;
                let _ = socket.shutdown(std::net::Shutdown::Write);
                let _ = socket.set_read_timeout(Some(std::time::Duration::from_secs(10)));
                let _ = std::io::copy(socket, &mut std::io::sink());
                continue;
            }
            let _ = tx.send(head);
            let body = "[]";
            let _ = write!(
                tls,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            tls.conn.send_close_notify();
            let _ = tls.flush();
        }
    });
    (url, rx)
}

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("promnote-tls-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

fn promnote(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_promnote"));
    command.args(args).env("GRAFANA_TOKEN", "glsa_tls_test");
    for var in ["SSL_CERT_FILE", "SSL_CERT_DIR", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"] {
        command.env_remove(var);
    }
    command.envs(env.iter().copied());
    command.output().unwrap()
}

/// What promnote says of the test server's answer, an empty list: the connection was
/// made and the answer read.
const ANSWERED: &str = "Grafana lists no Prometheus datasource that this token can see";

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_company_ca_is_refused_as_untrusted_and_trusted_with_cacert_or_ssl_cert_file() {
    let dir = tempdir("company-ca");
    let ca = Authority::new("Example Corp Internal CA");
    let ca_file = write(&dir, "ca.pem", &ca.issuer.pem());
    let (cert, key) = ca.leaf(&["127.0.0.1"], false);
    let (grafana, requests) = https_server(&cert, &key, None);
    let host = grafana.trim_start_matches("https://").trim_end_matches('/');

    let out = promnote(&["--grafana", &grafana, "datasources"], &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains(&format!(
            "The certificate of {host} is not trusted (unknown issuer): pass --cacert FILE"
        )),
        "{err}"
    );
    assert!(!err.contains("nothing answered") && !err.contains("glsa_tls_test"), "{err}");
    assert!(requests.try_recv().is_err(), "a request went over a connection that was not trusted");

    for (args, env) in [
        (
            vec!["--grafana", &grafana, "--cacert", &ca_file, "--header", "X-Team: data", "datasources"],
            vec![],
        ),
        (
            vec!["--grafana", &grafana, "--header", "X-Team: data", "datasources"],
            vec![("SSL_CERT_FILE", ca_file.as_str())],
        ),
    ] {
        let out = promnote(&args, &env);
        assert!(stderr(&out).contains(ANSWERED), "{args:?} {env:?}: {}", stderr(&out));
        let head = requests.recv().unwrap();
        assert!(head[0].starts_with("GET /api/datasources "), "{head:?}");
        assert!(head.iter().any(|h| h == "authorization: Bearer glsa_tls_test"), "{head:?}");
        assert!(head.iter().any(|h| h.eq_ignore_ascii_case("x-team: data")), "{head:?}");
    }

    // A file that is not a CA bundle, and a variable naming a file that is not there.
    let out =
        promnote(&["--grafana", &grafana, "--cacert", &write(&dir, "empty.pem", "\n"), "datasources"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("no PEM certificate"), "{}", stderr(&out));
    let out = promnote(&["--grafana", &grafana, "datasources"], &[("SSL_CERT_FILE", "/nonexistent/ca.pem")]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("SSL_CERT_FILE=/nonexistent/ca.pem cannot be used"), "{}", stderr(&out));
}

#[test]
fn a_certificate_for_another_name_or_out_of_date_is_said_as_such() {
    let dir = tempdir("wrong-cert");
    let ca = Authority::new("Example Corp Internal CA");
    let ca_file = write(&dir, "ca.pem", &ca.issuer.pem());
    let cases = [
        (ca.leaf(&["grafana.example.org"], false), "is not valid for that name"),
        (ca.leaf(&["127.0.0.1"], true), "has expired"),
    ];
    for ((cert, key), want) in cases {
        let (grafana, requests) = https_server(&cert, &key, None);
        let out = promnote(&["--grafana", &grafana, "--cacert", &ca_file, "datasources"], &[]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(3), "{err}");
        assert!(err.contains(want), "{want}: {err}");
        assert!(requests.try_recv().is_err());
    }
}

#[test]
fn a_server_that_asks_for_a_client_certificate_gets_the_one_given() {
    let dir = tempdir("mtls");
    let ca = Authority::new("Example Corp Internal CA");
    let ca_file = write(&dir, "ca.pem", &ca.issuer.pem());
    let (cert, key) = ca.leaf(&["127.0.0.1"], false);
    let clients = Authority::new("Example Corp Client CA");
    let (client, client_key) = clients.leaf(&["promnote.example.org"], false);
    let client_file = write(&dir, "client.pem", &client);
    let key_file = write(&dir, "client.key", &client_key.serialize_pem());
    let both_file = write(&dir, "both.pem", &format!("{client}{}", client_key.serialize_pem()));
    let (grafana, requests) = https_server(&cert, &key, Some(&clients));

    let out = promnote(&["--grafana", &grafana, "--cacert", &ca_file, "datasources"], &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("it may ask for a client certificate. Pass --client-cert FILE"), "{err}");
    assert!(requests.try_recv().is_err());

    for flags in
        [vec!["--client-cert", &client_file, "--client-key", &key_file], vec!["--client-cert", &both_file]]
    {
        let args = [&["--grafana", &grafana, "--cacert", &ca_file][..], &flags, &["datasources"]].concat();
        let out = promnote(&args, &[]);
        assert!(stderr(&out).contains(ANSWERED), "{flags:?}: {}", stderr(&out));
        assert!(requests.recv().unwrap()[0].starts_with("GET /api/datasources "));
    }
    // A certificate without its key is said before anything is sent.
    let out = promnote(
        &["--grafana", &grafana, "--cacert", &ca_file, "--client-cert", &client_file, "datasources"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("no PEM private key"), "{}", stderr(&out));
}
