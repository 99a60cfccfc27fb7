//! Whom the command line trusts, and who it says it is, over TLS — as curl, gh and
//! kubectl do: the system's certificate store (or `SSL_CERT_FILE` / `SSL_CERT_DIR` when
//! set), the bundled Mozilla roots, and `--cacert FILE` (a company CA, a TLS-inspecting
//! proxy's); a client certificate (`--client-cert`, `--client-key`) presented to the
//! Grafana origin only. A certificate that is refused is said as what failed and what to
//! do ([`refusal`]), never as "nothing answered".

use std::path::{Path, PathBuf};

use rustls::{AlertDescription, CertificateError};
use ureq::tls::{Certificate, ClientCert, PemItem, PrivateKey, RootCerts};

use crate::args::read;

/// The largest PEM file read (a CA bundle is a few hundred KB).
const MAX_PEM_BYTES: usize = 16 * 1024 * 1024;

/// The TLS files the flags name.
pub struct TlsFiles<'a> {
    /// `--cacert`: more certificate authorities to trust.
    pub cacert: Option<&'a Path>,
    /// `--client-cert`: the client's certificate chain (and its key, if no `--client-key`).
    pub client_cert: Option<&'a Path>,
    /// `--client-key`: the client's private key.
    pub client_key: Option<&'a Path>,
}

/// What TLS connections trust and present.
pub struct Trust {
    /// The system's store, the bundled roots and `--cacert`.
    pub roots: RootCerts,
    /// The client certificate, for the Grafana origin.
    pub client: Option<ClientCert>,
}

impl Trust {
    /// For plain http:// servers: nothing read, the bundled roots (never used).
    pub fn none() -> Self {
        Self { roots: RootCerts::WebPki, client: None }
    }

    /// The same roots for a connection promnote makes with rustls itself (SMTP).
    pub fn root_store(&self) -> rustls::RootCertStore {
        let mut store = rustls::RootCertStore::empty();
        let certificates: Vec<Certificate<'static>> = match &self.roots {
            RootCerts::Specific(certificates) => certificates.iter().cloned().collect(),
            _ => webpki_root_certs::TLS_SERVER_ROOT_CERTS
                .iter()
                .map(|der| Certificate::from_der(der).to_owned())
                .collect(),
        };
        for certificate in certificates {
            // A root rustls cannot use is left out, as ureq leaves it out.
            let _ = store.add(rustls::pki_types::CertificateDer::from(certificate.der().to_vec()));
        }
        store
    }
}

/// Reads the trust store and the files; an error says which file or variable is wrong.
pub fn trust(files: &TlsFiles<'_>) -> Result<Trust, String> {
    let mut roots: Vec<Certificate<'static>> = webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .map(|der| Certificate::from_der(der).to_owned())
        .collect();
    let native = rustls_native_certs::load_native_certs();
    // The system's store may hold a file promnote cannot read; a variable the user set
    // must be right.
    for variable in ["SSL_CERT_FILE", "SSL_CERT_DIR"] {
        if let (Ok(value), Some(error)) = (std::env::var(variable), native.errors.first()) {
            if !value.is_empty() {
                return Err(format!("{variable}={value} cannot be used: {error}"));
            }
        }
    }
    roots.extend(native.certs.iter().map(|der| Certificate::from_der(der).to_owned()));
    if let Some(path) = files.cacert {
        let pem = pem_file(path)?;
        let added: Vec<Certificate<'static>> = items(&pem, path)?
            .into_iter()
            .filter_map(|item| match item {
                PemItem::Certificate(c) => Some(c),
                _ => None,
            })
            .collect();
        if added.is_empty() {
            return Err(format!("--cacert {}: no PEM certificate (BEGIN CERTIFICATE) in it", path.display()));
        }
        roots.extend(added);
    }
    let client = match (files.client_cert, files.client_key) {
        (None, None) => None,
        (None, Some(_)) => return Err("--client-key needs --client-cert".to_owned()),
        (Some(cert), key) => Some(client_cert(cert, key)?),
    };
    Ok(Trust { roots: RootCerts::from(roots), client })
}

fn pem_file(path: &Path) -> Result<Vec<u8>, String> {
    read(path, MAX_PEM_BYTES).map(String::into_bytes).map_err(|fail| fail.message)
}

fn items(pem: &[u8], path: &Path) -> Result<Vec<PemItem<'static>>, String> {
    ureq::tls::parse_pem(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{} is not a PEM file promnote can read: {e}", path.display()))
}

/// The client's chain from `cert`, and its key from `key` or else from `cert`.
fn client_cert(cert: &Path, key: Option<&Path>) -> Result<ClientCert, String> {
    let cert_items = items(&pem_file(cert)?, cert)?;
    let chain: Vec<Certificate<'static>> = cert_items
        .iter()
        .filter_map(|item| match item {
            PemItem::Certificate(c) => Some(c.clone()),
            _ => None,
        })
        .collect();
    if chain.is_empty() {
        return Err(format!(
            "--client-cert {}: no PEM certificate (BEGIN CERTIFICATE) in it",
            cert.display()
        ));
    }
    let key_path: PathBuf = key.unwrap_or(cert).to_owned();
    let key_items = match key {
        Some(path) => items(&pem_file(path)?, path)?,
        None => cert_items,
    };
    let key: Option<PrivateKey<'static>> = key_items.into_iter().find_map(|item| match item {
        PemItem::PrivateKey(k) => Some(k),
        _ => None,
    });
    let Some(key) = key else {
        return Err(format!(
            "{}: no PEM private key (BEGIN PRIVATE KEY) in it: give the key with --client-key FILE",
            key_path.display()
        ));
    };
    Ok(ClientCert::new_with_certs(&chain, key))
}

/// What a TLS failure talking to `host` means to the user, if it is one: the
/// certificate refused (and why), or the server asking for a client certificate.
pub fn refusal(error: &ureq::Error, host: &str) -> Option<String> {
    let rustls_error = match error {
        ureq::Error::Rustls(e) => e,
        ureq::Error::Io(io) => io.get_ref()?.downcast_ref::<rustls::Error>()?,
        _ => return None,
    };
    Some(match rustls_error {
        rustls::Error::InvalidCertificate(why) => certificate(why, host),
        rustls::Error::AlertReceived(
            AlertDescription::CertificateRequired | AlertDescription::HandshakeFailure | AlertDescription::BadCertificate,
        ) => format!(
            "{host} refused the connection at the handshake: it may ask for a client certificate. Pass --client-cert FILE (and --client-key FILE), issued by a CA {host} trusts."
        ),
        other => format!("Could not make a secure (TLS) connection to {host}: {other}."),
    })
}

fn certificate(why: &CertificateError, host: &str) -> String {
    match why {
        CertificateError::UnknownIssuer => format!(
            "The certificate of {host} is not trusted (unknown issuer): pass --cacert FILE with the CA that issued it (a company CA, or your TLS-inspecting proxy's), set SSL_CERT_FILE, or add the CA to the system store."
        ),
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => format!(
            "The certificate of {host} has expired: the server must renew it (or this computer's clock is wrong)."
        ),
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => format!(
            "The certificate of {host} is not valid yet: check this computer's clock."
        ),
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => format!(
            "The certificate of {host} is not valid for that name: use the address the certificate was issued for."
        ),
        CertificateError::Revoked => format!("The certificate of {host} has been revoked."),
        other => format!("The certificate of {host} was refused ({other:?}): check the address and its certificate."),
    }
}
