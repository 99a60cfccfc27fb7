//! `promnote send SITE_DIR`: delivers a published site's reports to their readers. Each
//! report's summary (its title, the sentences of its prose that hold values with the
//! values as the snapshot answers them, its charts' titles, when it was taken, a link)
//! goes by mail, as text and HTML with the report's PDF and CSV attached, and to chat
//! webhooks (Slack, Microsoft Teams, or a plain JSON body). The values are worked out
//! from the snapshots alone, by the same rules as the page: no server is asked.
//!
//! A sealed (private) site's mail and messages say only that the reports were published
//! and where, unless `--attach-private` (with the passphrase) says they may carry data.
//! A failed delivery is said and the others still go; the site is never touched.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use promnote_core::api::replay::{Snapshot, SnapshotEntry};
use promnote_core::api::seal::SEAL_FILE;
use promnote_core::data::chart::escape_text;
use promnote_core::report::format::{self, Block, Report};
use promnote_core::report::prose;
use promnote_core::report::variables::Selection;
use promnote_core::run::variables as var_rules;
use promnote_core::time::clock::taken_at_text;
use ring::rand::{SecureRandom, SystemRandom};
use serde_json::json;

use crate::args::zone;
use crate::cli::{ConnectArgs, SendArgs, WebhookFormat};
use crate::commands::connect;
use crate::http::{post_json, shown_url, Transport};
use crate::mail::{self, Attachment, Login, Mail};
use crate::seal::passphrase;
use crate::secrets::SecretFiles;
use crate::session::{Scope, Session};
use crate::site::{Site, INDEX_FILE};
use crate::term::say;
use crate::tls::{self, TlsFiles};
use crate::{Exit, Fail};

/// What a delivery says of one report.
struct ReportSummary {
    id: String,
    title: String,
    taken_at_ms: i64,
    headlines: Vec<String>,
    charts: Vec<String>,
    attachments: Vec<Attachment>,
}

/// What a delivery says of the site.
enum Summary {
    /// Its reports, with their data.
    Reports(Vec<ReportSummary>),
    /// A sealed site: that it was published, and when.
    Private { published_at_ms: i64 },
}

pub fn send(connect_args: &ConnectArgs, args: &SendArgs, quiet: bool) -> Result<Exit, Fail> {
    if args.smtp.is_none() && args.webhooks.is_empty() {
        return Err(Fail::input("say where to send: --smtp URL with --from and --to, and/or --webhook URL"));
    }
    let smtp = args.smtp.as_deref().map(mail::Server::parse).transpose().map_err(Fail::input)?;
    if smtp.is_some() {
        let from = args.from.as_deref().ok_or_else(|| Fail::input("--smtp needs --from ADDRESS"))?;
        if args.to.is_empty() {
            return Err(Fail::input("--smtp needs at least one --to ADDRESS"));
        }
        for address in std::iter::once(from).chain(args.to.iter().map(String::as_str)) {
            mail::check_address(address).map_err(Fail::input)?;
        }
    }
    let login = smtp_login()?;
    let webhooks = webhook_urls(&args.webhooks)?;
    let trust =
        tls::trust(&TlsFiles { cacert: connect_args.cacert.as_deref(), client_cert: None, client_key: None })
            .map_err(Fail::input)?;
    let summary = summarise(args)?;
    let text = text_body(&summary, args.link.as_deref());
    let mut failures = 0;
    let mut deliveries = 0;
    if let (Some(server), Some(from)) = (&smtp, args.from.as_deref()) {
        deliveries += 1;
        let attachments: Vec<Attachment> = match &summary {
            Summary::Reports(reports) => reports.iter().flat_map(|r| &r.attachments).map(copy).collect(),
            Summary::Private { .. } => Vec::new(),
        };
        let unique = unique_id();
        let date = jiff::Timestamp::now().strftime("%a, %d %b %Y %H:%M:%S +0000").to_string();
        let subject = args.subject.clone().unwrap_or_else(|| subject(&summary));
        let html = html_body(&summary, args.link.as_deref());
        let message = Mail {
            from,
            to: &args.to,
            subject: &subject,
            text: &text,
            html: &html,
            attachments: &attachments,
            date: &date,
            unique: &unique,
        }
        .to_bytes();
        let private = args.attach_private && matches!(summary, Summary::Reports(_));
        let route = mail::Route {
            server,
            login: login.as_ref(),
            roots: trust.root_store(),
            plaintext: mail::plaintext_allowed(server, args.smtp_allow_plaintext, login.is_some(), private),
        };
        match mail::deliver(route, from, &args.to, &message) {
            Ok(()) if !quiet => say!(
                "promnote: mailed to {} ({} attachments, {} KB)",
                args.to.join(", "),
                attachments.len(),
                message.len().div_ceil(1024)
            ),
            Ok(()) => {}
            Err(e) => {
                failures += 1;
                say!("promnote: the mail was not sent: {e}");
            }
        }
    }
    for url in &webhooks {
        deliveries += 1;
        let body = webhook_body(&summary, args.link.as_deref(), &text, args.webhook_format);
        match post_json(url, &body, &trust) {
            Ok(()) if !quiet => say!("promnote: posted to {}", shown_url(url)),
            Ok(()) => {}
            Err(e) => {
                failures += 1;
                say!("promnote: the message to {} was not posted: {e}", shown_url(url));
            }
        }
    }
    Ok(match failures {
        0 => Exit::Ok,
        n if n == deliveries => Exit::Unreachable,
        _ => Exit::Partial,
    })
}

/// The webhooks' addresses: as given, or `env:NAME` read from the variable NAME (an
/// address is a secret, better kept out of `ps` and shell history).
fn webhook_urls(given: &[String]) -> Result<Vec<String>, Fail> {
    given
        .iter()
        .map(|spec| {
            let url = match spec.strip_prefix("env:") {
                Some(name) => std::env::var(name).ok().filter(|u| !u.is_empty()).ok_or_else(|| {
                    Fail::input(format!("--webhook env:{name}: the variable {name} is not set"))
                })?,
                None => spec.clone(),
            };
            if url.starts_with("https://") || url.starts_with("http://") {
                Ok(url)
            } else {
                Err(Fail::input(format!("--webhook {}: give an http(s):// address", shown_url(&url))))
            }
        })
        .collect()
}

/// `SMTP_USER` and `SMTP_PASSWORD`: both, or neither.
fn smtp_login() -> Result<Option<Login>, Fail> {
    let user = std::env::var("SMTP_USER").ok().filter(|u| !u.is_empty());
    let password = std::env::var("SMTP_PASSWORD").ok().filter(|p| !p.is_empty());
    match (user, password) {
        (Some(user), Some(password)) => Ok(Some(Login { user, password })),
        (None, None) => Ok(None),
        (Some(_), None) => {
            Err(Fail::input("SMTP_USER is set but SMTP_PASSWORD is not: set both, or neither"))
        }
        (None, Some(_)) => {
            Err(Fail::input("SMTP_PASSWORD is set but SMTP_USER is not: set both, or neither"))
        }
    }
}

fn copy(a: &Attachment) -> Attachment {
    Attachment { name: a.name.clone(), mime: a.mime, bytes: a.bytes.clone() }
}

fn unique_id() -> String {
    let mut bytes = [0_u8; 12];
    let _ = SystemRandom::new().fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The snapshots folder of `site`: `site/snapshots` when the site's root is given.
fn snapshots_dir(site: &Path) -> PathBuf {
    let inner = site.join("snapshots");
    if inner.join(INDEX_FILE).exists() {
        inner
    } else {
        site.to_owned()
    }
}

/// What the site holds, as far as this delivery may say.
fn summarise(args: &SendArgs) -> Result<Summary, Fail> {
    let dir = snapshots_dir(&args.site);
    let index_path = dir.join(INDEX_FILE);
    let modified = std::fs::metadata(&index_path)
        .map_err(|_| {
            Fail::input(format!(
                "{} has no published snapshots ({INDEX_FILE} is missing)",
                args.site.display()
            ))
        })?
        .modified()
        .ok();
    let sealed = dir.join(SEAL_FILE).exists();
    if sealed && !args.attach_private {
        let published_at_ms = modified
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(0));
        return Ok(Summary::Private { published_at_ms });
    }
    if args.attach_private && !sealed {
        say!("promnote: warning: {} is not sealed: --attach-private changes nothing", dir.display());
    }
    let passphrase = if sealed {
        Some(passphrase(&SecretFiles::default(), args.passphrase_file.as_deref())?)
    } else {
        None
    };
    let site = Site::open(&dir, passphrase.as_deref())?;
    let index = site.read_index()?;
    if index.snapshots.is_empty() {
        return Err(Fail::input(format!("{} lists no snapshot", index_path.display())));
    }
    let mut reports = Vec::new();
    for entry in &index.snapshots {
        reports.push(report_summary(&site, entry)?);
    }
    Ok(Summary::Reports(reports))
}

/// One report's summary, worked out from its snapshot alone.
fn report_summary(site: &Site, entry: &SnapshotEntry) -> Result<ReportSummary, Fail> {
    let what = format!("the snapshot of {}", entry.id);
    let bytes = site.read(&entry.file, &what)?;
    let text = String::from_utf8(bytes).map_err(|_| Fail::input(format!("{what} is not text")))?;
    let snapshot = Snapshot::parse(&text).map_err(|e| Fail::input(format!("{what}: {e}")))?;
    let report = format::parse(&snapshot.report).map_err(|e| Fail::input(format!("{what}: {e}")))?;
    let values = snapshot_values(&snapshot, &report).map_err(|e| Fail::input(format!("{what}: {e}")))?;
    let lookup = |code: &str| values.get(code).cloned().unwrap_or_else(|| "—".to_owned());
    let headlines = report
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Prose(text) => Some(prose::headlines(text, &lookup)),
            Block::Cell(_) => None,
        })
        .flatten()
        .collect();
    let charts = report.cells().map(|c| c.title().to_owned()).collect();
    let mut attachments = Vec::new();
    for name in &entry.attachments {
        let (mime, extension) = if name.ends_with(".pdf") {
            ("application/pdf", "pdf")
        } else if name.ends_with(".csv") {
            ("text/csv", "csv")
        } else {
            continue;
        };
        let bytes = site.read(name, &format!("the {extension} of {}", entry.id))?;
        attachments.push(Attachment { name: format!("{}.{extension}", entry.title), mime, bytes });
    }
    Ok(ReportSummary {
        id: entry.id.clone(),
        title: entry.title.clone(),
        taken_at_ms: snapshot.taken_at_ms,
        headlines,
        charts,
        attachments,
    })
}

/// Each value in the prose of `report`, the snapshot's report (by its span's code), as
/// the page shows it, or why it has none.
fn snapshot_values(snapshot: &Snapshot, report: &Report) -> Result<BTreeMap<String, String>, String> {
    let session = Session::new(Transport::Replay(snapshot.recording.clone()), snapshot.taken_at_ms, 4);
    let conn = connect(&session).map_err(|f| f.message)?;
    let zone = zone(&snapshot.zone).map_err(|f| f.message)?;
    let mut given = BTreeMap::new();
    for variable in &report.front.variables {
        if let Some(values) = snapshot.variables.get(&variable.name) {
            let selection: Selection = variable.requested(values.clone())?;
            given.insert(variable.name.clone(), selection);
        }
    }
    let range = (snapshot.from.as_str(), snapshot.to.as_str());
    let window = var_rules::window(range, snapshot.taken_at_ms, &zone);
    let (_, bindings) = session.selections(&conn, report, &given, false, window);
    let scope = Scope { range, bindings: &bindings, zone: &zone, annotations: &report.front.annotations };
    Ok(session
        .run_values(&conn, report, &scope)
        .into_iter()
        .map(|run| {
            let text = match run.result {
                Ok(value) => value.text,
                Err(_) => "—".to_owned(),
            };
            (run.code, text)
        })
        .collect())
}

fn subject(summary: &Summary) -> String {
    match summary {
        Summary::Reports(reports) if reports.len() == 1 => {
            format!("{} — {}", reports[0].title, taken_at_text(reports[0].taken_at_ms))
        }
        Summary::Reports(reports) => format!(
            "{} reports — {}",
            reports.len(),
            reports.iter().map(|r| r.taken_at_ms).max().map_or_else(String::new, taken_at_text)
        ),
        Summary::Private { published_at_ms } => {
            format!("Private reports published {}", taken_at_text(*published_at_ms))
        }
    }
}

/// The link to one report on the site: `LINK#/<id>`.
fn report_link(link: &str, id: &str) -> String {
    format!(
        "{}#/{}",
        link.split('#').next().unwrap_or(link),
        promnote_core::api::encoding::encode_component(id)
    )
}

fn text_body(summary: &Summary, link: Option<&str>) -> String {
    let mut out = String::new();
    match summary {
        Summary::Private { published_at_ms } => {
            out.push_str(&format!(
                "The private reports were published again on {}. Open them with the passphrase you were given",
                taken_at_text(*published_at_ms)
            ));
            match link {
                Some(link) => out.push_str(&format!(":\n{link}\n")),
                None => out.push_str(".\n"),
            }
        }
        Summary::Reports(reports) => {
            for report in reports {
                out.push_str(&format!(
                    "{}\nSnapshot taken {}\n",
                    report.title,
                    taken_at_text(report.taken_at_ms)
                ));
                for line in &report.headlines {
                    out.push_str(&format!("  {line}\n"));
                }
                if !report.charts.is_empty() {
                    out.push_str(&format!("  Charts: {}\n", report.charts.join("; ")));
                }
                if let Some(link) = link {
                    out.push_str(&format!("  {}\n", report_link(link, &report.id)));
                }
                out.push('\n');
            }
        }
    }
    out
}

/// HTML-escapes untrusted text (titles and label values come from reports and servers).
fn escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '&' => "&amp;".to_owned(),
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&#39;".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

/// A link only when it is an absolute http(s) address, escaped.
fn html_link(url: &str, text: &str) -> String {
    match prose::safe_href(url) {
        Some(href) => format!("<a href=\"{}\">{}</a>", escape(&href), escape(text)),
        None => escape(text),
    }
}

fn html_body(summary: &Summary, link: Option<&str>) -> String {
    let mut out = String::from("<!doctype html><html><body style=\"font-family:sans-serif\">");
    match summary {
        Summary::Private { published_at_ms } => {
            out.push_str(&format!(
                "<p>The private reports were published again on {}. Open them with the passphrase you were given{}</p>",
                escape(&taken_at_text(*published_at_ms)),
                link.map_or_else(|| ".".to_owned(), |l| format!(": {}", html_link(l, l)))
            ));
        }
        Summary::Reports(reports) => {
            for report in reports {
                let title = match link {
                    Some(link) => html_link(&report_link(link, &report.id), &report.title),
                    None => escape(&report.title),
                };
                out.push_str(&format!(
                    "<h2>{title}</h2><p style=\"color:#555\">Snapshot taken {}</p>",
                    escape(&taken_at_text(report.taken_at_ms))
                ));
                for line in &report.headlines {
                    out.push_str(&format!("<p>{}</p>", escape(line)));
                }
                if !report.charts.is_empty() {
                    out.push_str("<ul>");
                    for chart in &report.charts {
                        out.push_str(&format!("<li>{}</li>", escape(chart)));
                    }
                    out.push_str("</ul>");
                }
            }
        }
    }
    out.push_str("</body></html>");
    out
}

/// Text for a Teams TextBlock, which reads Markdown: its marks escaped.
fn teams_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\`*_{}[]()#+-.!<>|~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The webhook's body in `format`.
fn webhook_body(summary: &Summary, link: Option<&str>, text: &str, format: WebhookFormat) -> String {
    match format {
        // Slack reads `&`, `<` and `>` as its controls (`<!channel>`, links): escaped as
        // plotly.js' are, so a title or a label value cannot mention or link.
        WebhookFormat::Slack => json!({ "text": escape_text(text) }).to_string(),
        WebhookFormat::Teams => {
            let title = teams_escape(&subject(summary));
            let mut body = vec![
                json!({ "type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium", "wrap": true }),
            ];
            body.extend(text.lines().filter(|l| !l.trim().is_empty()).map(|line| {
                json!({ "type": "TextBlock", "text": teams_escape(line.trim()), "wrap": true, "spacing": "Small" })
            }));
            let actions: Vec<_> = link
                .and_then(prose::safe_href)
                .map(|url| json!({ "type": "Action.OpenUrl", "title": "Open the reports", "url": url }))
                .into_iter()
                .collect();
            json!({
                "type": "message",
                "attachments": [{
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "content": {
                        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                        "type": "AdaptiveCard",
                        "version": "1.4",
                        "body": body,
                        "actions": actions,
                    },
                }],
            })
            .to_string()
        }
        WebhookFormat::Json => match summary {
            Summary::Private { published_at_ms } => {
                json!({ "private": true, "published_at": taken_at_text(*published_at_ms), "link": link })
                    .to_string()
            }
            Summary::Reports(reports) => json!({
                "private": false,
                "link": link,
                "reports": reports.iter().map(|r| json!({
                    "id": r.id,
                    "title": r.title,
                    "taken_at": taken_at_text(r.taken_at_ms),
                    "headlines": r.headlines,
                    "charts": r.charts,
                    "link": link.map(|l| report_link(l, &r.id)),
                })).collect::<Vec<_>>(),
            })
            .to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary() -> Summary {
        Summary::Reports(vec![ReportSummary {
            id: "hub-activity".into(),
            title: "Hub <b>activity</b>".into(),
            taken_at_ms: 1_796_104_800_000,
            headlines: vec!["312 people used <script>".into()],
            charts: vec!["Daily users".into()],
            attachments: Vec::new(),
        }])
    }

    #[test]
    fn html_escapes_every_text_and_links_only_http() {
        let html = html_body(&summary(), Some("https://example.org/kpi/"));
        assert!(
            html.contains(
                "<a href=\"https://example.org/kpi/#/hub-activity\">Hub &lt;b&gt;activity&lt;/b&gt;</a>"
            ),
            "{html}"
        );
        assert!(html.contains("312 people used &lt;script&gt;"));
        assert!(!html.contains("<script>"));
        let unsafe_link = html_body(&summary(), Some("javascript:alert(1)"));
        assert!(!unsafe_link.contains("href"), "{unsafe_link}");
    }

    #[test]
    fn a_private_summary_says_nothing_of_the_reports() {
        let private = Summary::Private { published_at_ms: 1_796_104_800_000 };
        let text = text_body(&private, Some("https://example.org/kpi/"));
        assert!(text.contains("2026-12-01 06:00 UTC") && text.contains("https://example.org/kpi/"));
        let json = webhook_body(&private, None, &text, WebhookFormat::Json);
        assert_eq!(serde_json::from_str::<serde_json::Value>(&json).unwrap()["private"], true);
    }

    #[test]
    fn webhook_addresses_are_shown_without_their_secret_path() {
        assert_eq!(shown_url("https://hooks.slack.com/services/T000/B000/XXXX"), "https://hooks.slack.com/…");
        assert_eq!(shown_url("https://user:pw@example.org/hook?key=1"), "https://example.org/…");
    }

    #[test]
    fn teams_and_slack_bodies_are_what_they_read() {
        let text = text_body(&summary(), None);
        let slack: serde_json::Value =
            serde_json::from_str(&webhook_body(&summary(), None, &text, WebhookFormat::Slack)).unwrap();
        assert!(slack["text"].as_str().unwrap().contains("312 people"));
        let teams: serde_json::Value = serde_json::from_str(&webhook_body(
            &summary(),
            Some("https://example.org/"),
            &text,
            WebhookFormat::Teams,
        ))
        .unwrap();
        assert_eq!(teams["attachments"][0]["content"]["type"], "AdaptiveCard");
        assert_eq!(teams["attachments"][0]["content"]["actions"][0]["url"], "https://example.org/");
        // Untrusted text makes no mention, link or markup in either.
        let hostile = Summary::Reports(vec![ReportSummary {
            id: "r".into(),
            title: "<!channel> [click](https://evil.example) *bold*".into(),
            taken_at_ms: 0,
            headlines: Vec::new(),
            charts: Vec::new(),
            attachments: Vec::new(),
        }]);
        let text = text_body(&hostile, None);
        let slack: serde_json::Value =
            serde_json::from_str(&webhook_body(&hostile, None, &text, WebhookFormat::Slack)).unwrap();
        assert!(slack["text"].as_str().unwrap().starts_with("&lt;!channel&gt;"));
        let teams: serde_json::Value =
            serde_json::from_str(&webhook_body(&hostile, None, &text, WebhookFormat::Teams)).unwrap();
        let first = teams["attachments"][0]["content"]["body"][1]["text"].as_str().unwrap();
        assert_eq!(first, r"\<\!channel\> \[click\]\(https://evil\.example\) \*bold\*");
    }
}
