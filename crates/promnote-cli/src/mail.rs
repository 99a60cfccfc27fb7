//! Mail for `promnote send`: the message (MIME: a text and an HTML part, then the
//! attachments) and its delivery over SMTP (RFC 5321): `smtp://` upgraded with STARTTLS
//! whenever the server offers it, `smtps://` in TLS from the first byte, AUTH PLAIN with
//! `SMTP_USER`/`SMTP_PASSWORD` only inside TLS (or to this computer). TLS trusts what
//! every other connection of promnote trusts ([`crate::tls`]).

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use promnote_core::api::encoding::base64;
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};

/// How long one SMTP step may take.
const TIMEOUT: Duration = Duration::from_secs(60);

/// A file attached to the mail.
pub struct Attachment {
    /// Its name, as the reader's mail program shows it.
    pub name: String,
    /// Its type (`application/pdf`, `text/csv`).
    pub mime: &'static str,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// A mail to write.
pub struct Mail<'a> {
    /// The sender.
    pub from: &'a str,
    /// The recipients.
    pub to: &'a [String],
    /// The subject.
    pub subject: &'a str,
    /// The plain-text body.
    pub text: &'a str,
    /// The HTML body (every untrusted text in it already escaped).
    pub html: &'a str,
    /// The attachments.
    pub attachments: &'a [Attachment],
    /// The date, RFC 5322 (`Mon, 07 Dec 2026 06:00:00 +0000`).
    pub date: &'a str,
    /// A unique id for the Message-ID.
    pub unique: &'a str,
}

/// An address as a mail header and SMTP may hold it: `name@host`, nothing that could end
/// a line or a command.
pub fn check_address(address: &str) -> Result<(), String> {
    let ok = address.split_once('@').is_some_and(|(local, host)| !local.is_empty() && !host.is_empty())
        && !address.chars().any(|c| c.is_control() || c.is_whitespace() || "<>,;\"()[]\\".contains(c));
    if ok {
        Ok(())
    } else {
        Err(format!("{address:?} is not a mail address promnote sends to (name@host)"))
    }
}

impl Mail<'_> {
    /// The message's bytes, lines ending in CRLF.
    pub fn to_bytes(&self) -> Vec<u8> {
        let boundary = format!("promnote-{}", self.unique);
        let mut out = String::new();
        let mut header = |name: &str, value: &str| {
            out.push_str(name);
            out.push_str(": ");
            out.push_str(value);
            out.push_str("\r\n");
        };
        header("From", self.from);
        header("To", &folded(self.to));
        header("Subject", &encoded_word(self.subject));
        header("Date", self.date);
        let host = self.from.rsplit_once('@').map_or("promnote.invalid", |(_, host)| host);
        header("Message-ID", &format!("<{}@{host}>", self.unique));
        header("MIME-Version", "1.0");
        header("Content-Type", &format!("multipart/mixed; boundary=\"{boundary}\""));
        out.push_str("\r\n");
        let alternative = format!("{boundary}-body");
        out.push_str(&format!(
            "--{boundary}\r\nContent-Type: multipart/alternative; boundary=\"{alternative}\"\r\n\r\n"
        ));
        for (mime, body) in [("text/plain", self.text), ("text/html", self.html)] {
            out.push_str(&format!(
                "--{alternative}\r\nContent-Type: {mime}; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            ));
            out.push_str(&wrapped_base64(body.as_bytes()));
        }
        out.push_str(&format!("--{alternative}--\r\n"));
        for attachment in self.attachments {
            let name = file_name(&attachment.name);
            out.push_str(&format!(
                "--{boundary}\r\nContent-Type: {}; name=\"{name}\"\r\nContent-Disposition: attachment; filename=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n",
                attachment.mime
            ));
            out.push_str(&wrapped_base64(&attachment.bytes));
        }
        out.push_str(&format!("--{boundary}--\r\n"));
        out.into_bytes()
    }
}

/// Addresses as a header lists them, folded into lines of at most 78 characters (a
/// header line may not pass 998).
fn folded(addresses: &[String]) -> String {
    let mut out = String::new();
    let mut line = 4; // "To: "
    for (i, address) in addresses.iter().enumerate() {
        if i > 0 {
            out.push(',');
            if line + address.len() + 2 > 78 {
                out.push_str("\r\n ");
                line = 1;
            } else {
                out.push(' ');
                line += 2;
            }
        }
        out.push_str(address);
        line += address.len();
    }
    out
}

/// A subject as a header holds it: as it is when it is printable ASCII, else an RFC 2047
/// encoded word. Line ends never reach the header.
fn encoded_word(text: &str) -> String {
    let text: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    if text.is_ascii() {
        text
    } else {
        format!("=?UTF-8?B?{}?=", base64(text.as_bytes()))
    }
}

/// A file name a header holds safely: ASCII letters, digits and `-_. ` only.
fn file_name(name: &str) -> String {
    let safe: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || "-_. ".contains(c) { c } else { '_' }).collect();
    if safe.trim().is_empty() {
        "attachment".to_owned()
    } else {
        safe
    }
}

/// Base64 in lines of 76 characters.
fn wrapped_base64(bytes: &[u8]) -> String {
    let encoded = base64(bytes);
    let mut out = String::with_capacity(encoded.len() + encoded.len() / 76 * 2 + 2);
    for line in encoded.as_bytes().chunks(76) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push_str("\r\n");
    }
    out
}

/// An SMTP server: `smtp://host[:port]` (STARTTLS when offered, port 25 by default) or
/// `smtps://host[:port]` (TLS, port 465).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    /// Its host name or address.
    pub host: String,
    /// Its port.
    pub port: u16,
    /// TLS from the first byte.
    pub implicit_tls: bool,
}

impl Server {
    /// Reads `--smtp`. A user or password in it is refused: they go in `SMTP_USER` and
    /// `SMTP_PASSWORD`, never in a flag.
    pub fn parse(url: &str) -> Result<Self, String> {
        let (implicit_tls, rest) = if let Some(rest) = url.strip_prefix("smtps://") {
            (true, rest)
        } else if let Some(rest) = url.strip_prefix("smtp://") {
            (false, rest)
        } else {
            return Err(format!("--smtp {url}: give smtp://host:port (STARTTLS) or smtps://host:port (TLS)"));
        };
        let authority = rest.trim_end_matches('/');
        if authority.contains('@') {
            return Err(
                "--smtp: put the user in SMTP_USER and the password in SMTP_PASSWORD, not in the address"
                    .into(),
            );
        }
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) if !host.ends_with(']') || host.starts_with('[') => {
                (host, port.parse::<u16>().map_err(|_| format!("--smtp {url}: {port} is not a port"))?)
            }
            _ => (authority, if implicit_tls { 465 } else { 25 }),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() || host.contains('/') {
            return Err(format!("--smtp {url}: no host"));
        }
        Ok(Self { host: host.to_owned(), port, implicit_tls })
    }

    fn shown(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    fn is_loopback(&self) -> bool {
        self.host == "localhost" || self.host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }
}

/// The SMTP user and password, from `SMTP_USER` and `SMTP_PASSWORD`.
pub struct Login {
    /// The user.
    pub user: String,
    /// The password.
    pub password: String,
}

/// A connection, in the clear or in TLS.
enum Stream {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ClientConnection, TcpStream>>),
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

/// One SMTP conversation.
struct Session {
    stream: Stream,
    server: Server,
}

impl Session {
    /// Reads one reply (its lines joined); an error when its code is not `expected`.
    fn reply(&mut self, expected: &[u16], after: &str) -> Result<(u16, Vec<String>), String> {
        let mut lines = Vec::new();
        loop {
            let mut line = Vec::new();
            let mut byte = [0_u8; 1];
            while !line.ends_with(b"\n") {
                match self.stream.read(&mut byte) {
                    Ok(0) => {
                        return Err(format!(
                            "the SMTP server {} closed the connection after {after}",
                            self.server.shown()
                        ))
                    }
                    Ok(_) => line.push(byte[0]),
                    Err(e) => {
                        return Err(format!(
                            "the SMTP server {} did not answer {after}: {e}",
                            self.server.shown()
                        ))
                    }
                }
                if line.len() > 4096 {
                    return Err(format!(
                        "the SMTP server {} sent a line longer than SMTP allows",
                        self.server.shown()
                    ));
                }
            }
            let text = String::from_utf8_lossy(&line).trim_end().to_owned();
            let code = text.get(..3).and_then(|c| c.parse::<u16>().ok());
            let last = text.as_bytes().get(3) != Some(&b'-');
            lines.push(text.get(4..).unwrap_or_default().to_owned());
            if last {
                let code = code.unwrap_or(0);
                if expected.contains(&code) {
                    return Ok((code, lines));
                }
                return Err(format!(
                    "the SMTP server {} refused {after}: {code} {}",
                    self.server.shown(),
                    lines.join(" ")
                ));
            }
        }
    }

    fn command(&mut self, line: &str, shown: &str, expected: &[u16]) -> Result<Vec<String>, String> {
        self.stream
            .write_all(format!("{line}\r\n").as_bytes())
            .and_then(|()| self.stream.flush())
            .map_err(|e| format!("cannot write to the SMTP server {}: {e}", self.server.shown()))?;
        self.reply(expected, shown).map(|(_, lines)| lines)
    }

    /// EHLO with this end's address as a literal (servers that want a name or an address
    /// accept it); the extensions the server offers (upper case).
    fn hello(&mut self, literal: &str) -> Result<Vec<String>, String> {
        let lines = self.command(&format!("EHLO {literal}"), "EHLO", &[250])?;
        Ok(lines.iter().skip(1).map(|l| l.to_ascii_uppercase()).collect())
    }

    /// Turns the connection into TLS with `config`.
    fn into_tls(self, config: &Arc<ClientConfig>) -> Result<Self, String> {
        let Stream::Plain(tcp) = self.stream else { return Ok(self) };
        let name = ServerName::try_from(self.server.host.clone())
            .map_err(|_| format!("{} is not a name TLS can check", self.server.host))?;
        let connection = ClientConnection::new(Arc::clone(config), name)
            .map_err(|e| format!("TLS with {} cannot start: {e}", self.server.shown()))?;
        Ok(Self { stream: Stream::Tls(Box::new(StreamOwned::new(connection, tcp))), server: self.server })
    }
}

/// Whether a mail may go without TLS: only to this computer, or, when the user says the
/// network is trusted (`--smtp-allow-plaintext`), without a password and without a
/// private site's data.
pub fn plaintext_allowed(server: &Server, allowed: bool, login: bool, private: bool) -> bool {
    server.is_loopback() || (allowed && !login && !private)
}

/// How a mail goes: its server, its sign-in, the roots TLS trusts, and whether it may go
/// in the clear ([`plaintext_allowed`]).
pub struct Route<'a> {
    /// The server.
    pub server: &'a Server,
    /// The sign-in, if any.
    pub login: Option<&'a Login>,
    /// The certificate authorities TLS trusts.
    pub roots: RootCertStore,
    /// Whether a server that offers no STARTTLS still gets the mail.
    pub plaintext: bool,
}

/// Sends `message` from `from` to each of `to` by `route`. A server that offers no
/// STARTTLS gets nothing unless the route allows the clear. The error says which step
/// failed and why, in the server's words (never the password).
pub fn deliver(route: Route<'_>, from: &str, to: &[String], message: &[u8]) -> Result<(), String> {
    let Route { server, login, roots, plaintext } = route;
    let config = ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS cannot be set up: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let config = Arc::new(config);
    let addresses: Vec<_> = (server.host.as_str(), server.port)
        .to_socket_addrs()
        .map_err(|e| format!("the SMTP server {} cannot be found: {e}", server.shown()))?
        .collect();
    let tcp =
        addresses.iter().find_map(|a| TcpStream::connect_timeout(a, TIMEOUT).ok()).ok_or_else(|| {
            format!("nothing answered at the SMTP server {} (check the host and port)", server.shown())
        })?;
    let literal = match tcp.local_addr().map(|a| a.ip()) {
        Ok(std::net::IpAddr::V4(ip)) => format!("[{ip}]"),
        Ok(std::net::IpAddr::V6(ip)) => format!("[IPv6:{ip}]"),
        Err(_) => "[127.0.0.1]".to_owned(),
    };
    let _ = tcp.set_read_timeout(Some(TIMEOUT));
    let _ = tcp.set_write_timeout(Some(TIMEOUT));
    let mut session = Session { stream: Stream::Plain(tcp), server: server.clone() };
    if server.implicit_tls {
        session = session.into_tls(&config)?;
    }
    session.reply(&[220], "the connection")?;
    let mut offered = session.hello(&literal)?;
    if !server.implicit_tls {
        if offered.iter().any(|e| e == "STARTTLS") {
            session.command("STARTTLS", "STARTTLS", &[220])?;
            session = session.into_tls(&config)?;
            offered = session.hello(&literal)?;
        } else if !plaintext {
            let _ = session.command("QUIT", "QUIT", &[221]);
            return Err(format!(
                "the SMTP server {} offers no STARTTLS, and promnote does not send mail (nor SMTP_PASSWORD, nor a private site's data) in the clear across a network. Use smtps://, a server that offers STARTTLS, or --smtp-allow-plaintext on a network you trust (no password, no private data)",
                server.shown()
            ));
        }
    }
    if let Some(login) = login {
        let plain = |e: &String| {
            let mechanisms = e.strip_prefix("AUTH ").or_else(|| e.strip_prefix("AUTH="));
            mechanisms.is_some_and(|m| m.split_whitespace().any(|m| m == "PLAIN"))
        };
        if !offered.iter().any(plain) {
            return Err(format!("the SMTP server {} offers no AUTH PLAIN for SMTP_USER", server.shown()));
        }
        let token = base64(format!("\0{}\0{}", login.user, login.password).as_bytes());
        session.command(&format!("AUTH PLAIN {token}"), "the sign-in of SMTP_USER", &[235])?;
    }
    session.command(&format!("MAIL FROM:<{from}>"), &format!("the sender {from}"), &[250])?;
    for address in to {
        session.command(&format!("RCPT TO:<{address}>"), &format!("the recipient {address}"), &[250, 251])?;
    }
    session.command("DATA", "DATA", &[354])?;
    let mut data = Vec::with_capacity(message.len() + 64);
    for line in message.split_inclusive(|b| *b == b'\n') {
        if line.starts_with(b".") {
            data.push(b'.');
        }
        data.extend_from_slice(line);
    }
    if !data.ends_with(b"\r\n") {
        data.extend_from_slice(b"\r\n");
    }
    data.extend_from_slice(b".");
    session.command(&String::from_utf8_lossy(&data), "the message", &[250])?;
    let _ = session.command("QUIT", "QUIT", &[221]);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_addresses_read_as_mail_programs_read_them() {
        assert_eq!(
            Server::parse("smtp://mail.example.org:587").unwrap(),
            Server { host: "mail.example.org".into(), port: 587, implicit_tls: false }
        );
        assert_eq!(Server::parse("smtps://mail.example.org").unwrap().port, 465);
        assert_eq!(Server::parse("smtp://[::1]:2525").unwrap().host, "::1");
        assert!(Server::parse("smtp://me:secret@mail.example.org").unwrap_err().contains("SMTP_PASSWORD"));
        assert!(Server::parse("mail.example.org:25").is_err());
        // In the clear only to this computer, or when allowed, without a password or
        // private data.
        let remote = Server::parse("smtp://mail.example.org:25").unwrap();
        let local = Server::parse("smtp://127.0.0.1:2525").unwrap();
        assert!(plaintext_allowed(&local, false, true, true));
        assert!(!plaintext_allowed(&remote, false, false, false));
        assert!(plaintext_allowed(&remote, true, false, false));
        assert!(!plaintext_allowed(&remote, true, true, false));
        assert!(!plaintext_allowed(&remote, true, false, true));
    }

    #[test]
    fn a_message_is_mime_with_its_attachments_and_no_header_injection() {
        let attachments = [Attachment {
            name: "Hub activity.pdf".into(),
            mime: "application/pdf",
            bytes: b"%PDF-1.4".to_vec(),
        }];
        let to = ["a@example.org".to_owned(), "b@example.org".to_owned()];
        let mail = Mail {
            from: "reports@example.org",
            to: &to,
            subject: "Usage — December\r\nBcc: evil@example.org",
            text: "312 people",
            html: "<p>312 people</p>",
            attachments: &attachments,
            date: "Mon, 07 Dec 2026 06:00:00 +0000",
            unique: "abc",
        };
        let text = String::from_utf8(mail.to_bytes()).unwrap();
        assert!(text.contains("To: a@example.org, b@example.org\r\n"));
        let many: Vec<String> = (0..40).map(|i| format!("reader-{i}@example.org")).collect();
        let folded = folded(&many);
        assert!(folded.split("\r\n").all(|line| line.len() <= 78), "{folded}");
        assert_eq!(folded.replace("\r\n ", " "), many.join(", "));
        assert!(text.contains("Subject: =?UTF-8?B?"), "{text}");
        assert!(!text.contains("\r\nBcc:"));
        assert!(text.contains("filename=\"Hub activity.pdf\""));
        assert!(text.contains(&base64(b"%PDF-1.4")));
        assert!(text.lines().all(|l| l.len() <= 998));
        assert!(check_address("a@example.org").is_ok());
        assert!(check_address("a@example.org>\r\nRCPT TO:<b@x").is_err());
        assert!(check_address("nobody").is_err());
    }
}
