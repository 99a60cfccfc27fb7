//! The command line's flags, as clap derives them: doc comments are the help text.
//! Raw text stays raw here; `main.rs` turns it into the core's checked types.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const EXAMPLES: &str = "\
Examples:
  export GRAFANA_TOKEN=glsa_...        # or --token-file ~/.config/promnote/token (- reads stdin)
  promnote --grafana https://grafana.example.org/ datasources
  promnote --grafana https://grafana.example.org/ query \\
      'max(jupyterhub_active_users{period=\"24h\"}) by (namespace)' \\
      --from now-1M --step 1d --legend '{{namespace}}' > hubs.csv
  promnote --grafana https://grafana.example.org/ run reports/hub-activity.md --var hub=prod,staging
  promnote --grafana https://grafana.example.org/ run reports/service-metrics.md --out out/
  promnote --grafana https://grafana.example.org/ snapshot reports/*.md --out dist/snapshots
  promnote --prometheus http://prometheus:9090/ query 'sum(up) by (job)' --from now-6h
  promnote --prometheus https://thanos.example.org/ --prometheus-token-file thanos.token \
           --prometheus https://vm.example.org/ --prometheus-user me --prometheus-password-file vm.pw \
           query 'sum(up) by (job)'
  promnote import-dashboard node-exporter-full.json > node.md
  promnote --grafana https://grafana.example.org/ import-dashboard --list
  promnote --grafana https://grafana.example.org/ import-dashboard --uid rYdddlPWk --out node.md

Exit codes:
  0  everything answered
  1  partial: some datasource failed (the rest is written; warnings on stderr)
  2  usage or input error (a flag, a time, a report that does not parse)
  3  nothing could be reached, or the token was refused

Environment:
  GRAFANA_TOKEN        the Grafana service-account token (or --token-file)
  PROMETHEUS_TOKEN     a bearer token for the one --prometheus server (with several,
                       give each its own --prometheus-token-file)
  PROMETHEUS_USER, PROMETHEUS_PASSWORD
                       HTTP Basic sign-in for the one --prometheus server
  HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY
                       an HTTP proxy, as curl reads them (lower-case names first)";

/// PromQL notebooks from the command line: query the Prometheus datasources Grafana knows
/// (or Prometheus servers directly), run report notebooks, and write CSV or JSON, or take
/// snapshots that a published promnote site draws without a token.
#[derive(Debug, Parser)]
#[command(name = "promnote", version, after_long_help = EXAMPLES, after_help = "See `promnote --help` for examples, exit codes and the environment.")]
pub struct Cli {
    /// Where to send queries.
    #[command(flatten)]
    pub connect: ConnectArgs,

    /// Print nothing on stderr but errors and warnings (no progress bar).
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Print every request on stderr, with its answer's status, size and time (never a
    /// credential).
    #[arg(short, long, global = true, conflicts_with = "quiet")]
    pub verbose: bool,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Where queries go: a Grafana, Prometheus servers called directly, or a recording.
#[derive(Debug, Args)]
pub struct ConnectArgs {
    /// Grafana's base address (with its sub-path, if any), e.g. https://grafana.example.org/.
    /// The token comes from GRAFANA_TOKEN or --token-file, and is sent only to this origin.
    #[arg(long, global = true, value_name = "URL")]
    pub grafana: Option<String>,

    /// A file that holds the Grafana token (instead of GRAFANA_TOKEN); `-` reads it from
    /// standard input. A token is never taken as a flag's value: it would show in `ps`
    /// and in shell history.
    #[arg(long, global = true, value_name = "PATH")]
    pub token_file: Option<PathBuf>,

    /// A Prometheus-compatible HTTP API to query directly, as one more datasource
    /// (repeatable): Prometheus, Thanos, Mimir (…/prometheus/), VictoriaMetrics. Its
    /// sign-in follows it (--prometheus-token-file, or --prometheus-user with
    /// --prometheus-password-file), or comes from PROMETHEUS_TOKEN, or PROMETHEUS_USER
    /// and PROMETHEUS_PASSWORD, when it is the only one.
    #[arg(long, global = true, value_name = "URL")]
    pub prometheus: Vec<String>,

    /// A file holding the bearer token of the --prometheus just before it (`-` reads
    /// standard input). Sent to that server only.
    #[arg(long, global = true, value_name = "PATH")]
    pub prometheus_token_file: Vec<PathBuf>,

    /// The user name of the --prometheus just before it (HTTP Basic, with
    /// --prometheus-password-file).
    #[arg(long, global = true, value_name = "NAME")]
    pub prometheus_user: Vec<String>,

    /// A file holding the password of the --prometheus just before it (`-` reads
    /// standard input).
    #[arg(long, global = true, value_name = "PATH")]
    pub prometheus_password_file: Vec<PathBuf>,

    /// Where each --prometheus and sign-in flag stood on the command line, which ties a
    /// sign-in to its server (read from clap's matches in `main.rs`).
    #[arg(skip)]
    pub positions: Positions,

    /// Answer from a recording or a snapshot file instead of any server (the site's
    /// demo-data/reports.json, or a snapshots/<report>.json): runs at its recorded time.
    #[arg(long, global = true, value_name = "FILE", conflicts_with_all = ["grafana", "prometheus"])]
    pub replay: Option<PathBuf>,

    /// Send a token or password over plain http:// to another machine. Without it such a
    /// credential is refused: it would cross the network unencrypted. Loopback addresses
    /// (localhost, 127.0.0.1, [::1]) need no flag.
    #[arg(long, global = true)]
    pub allow_http: bool,

    /// A PEM file of certificate authorities to trust besides the system's store and the
    /// bundled roots: a company CA, or a TLS-inspecting proxy's (SSL_CERT_FILE and
    /// SSL_CERT_DIR replace the system's store, as for curl).
    #[arg(long, global = true, value_name = "FILE")]
    pub cacert: Option<PathBuf>,

    /// A PEM client certificate (chain) presented to the Grafana origin, for servers that
    /// ask for one (mutual TLS). Its key is read from --client-key, else from this file.
    #[arg(long, global = true, value_name = "FILE")]
    pub client_cert: Option<PathBuf>,

    /// The PEM private key of --client-cert.
    #[arg(long, global = true, value_name = "FILE", requires = "client_cert")]
    pub client_key: Option<PathBuf>,

    /// A header sent with every request to the Grafana origin, and to no other server
    /// (repeatable): `--header 'Cf-Access-Token: …'` for an identity-aware proxy in
    /// front of Grafana. Never printed.
    #[arg(long, global = true, value_name = "'NAME: VALUE'")]
    pub header: Vec<String>,

    /// How long one request may take, in seconds.
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 60,
          value_parser = clap::value_parser!(u32).range(1..=3600))]
    pub timeout: u32,

    /// The largest answer read, in MB: a larger one fails with what to narrow (fewer
    /// series, a shorter range, a larger step). Each request in flight may hold one.
    #[arg(long, global = true, value_name = "MB", default_value_t = 256,
          value_parser = clap::value_parser!(u64).range(1..=16384))]
    pub max_answer_mb: u64,

    /// How many requests are in flight at once.
    #[arg(long, global = true, value_name = "N", default_value_t = 6,
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub parallel: u16,
}

/// The command-line positions of the flags that name direct servers and their sign-ins.
#[derive(Debug, Default, Clone)]
pub struct Positions {
    /// Each `--prometheus`.
    pub prometheus: Vec<usize>,
    /// Each `--prometheus-token-file`.
    pub token_file: Vec<usize>,
    /// Each `--prometheus-user`.
    pub user: Vec<usize>,
    /// Each `--prometheus-password-file`.
    pub password_file: Vec<usize>,
}

impl Positions {
    /// The positions clap recorded (global flags are gathered at the top level), checked
    /// against `raw`, the command line as typed: clap keeps a repeated global flag's
    /// values from one side of the command only, so servers given both before and after
    /// it are refused rather than some silently dropped.
    pub fn read(matches: &clap::ArgMatches, raw: &[std::ffi::OsString]) -> Result<Self, String> {
        let of = |id: &str| -> Result<Vec<usize>, String> {
            let flag = format!("--{}", id.replace('_', "-"));
            let typed = raw
                .iter()
                .filter_map(|a| a.to_str())
                .take_while(|a| *a != "--")
                .filter(|a| *a == flag || a.starts_with(&format!("{flag}=")))
                .count();
            let kept: Vec<usize> = matches.indices_of(id).map(Iterator::collect).unwrap_or_default();
            if kept.len() == typed {
                Ok(kept)
            } else {
                Err(format!(
                    "{flag} is given both before and after the command: write every {flag} on one side of it"
                ))
            }
        };
        Ok(Self {
            prometheus: of("prometheus")?,
            token_file: of("prometheus_token_file")?,
            user: of("prometheus_user")?,
            password_file: of("prometheus_password_file")?,
        })
    }
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the datasources: name, uid, type, route (proxy or /api/ds/query) and health.
    Datasources {
        /// How to print the list.
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Run one PromQL query on every Prometheus datasource and print the merged answer.
    ///
    /// Series are told apart by datasource and labels (two clusters' `staging` hubs stay
    /// two series); `--step 1d`, `1w`, `1M` and `1y` give whole calendar days, ISO weeks,
    /// months and years in `--tz`, each evaluated at the midnight that ends it.
    Query(QueryArgs),
    /// Run every cell of a report notebook (Markdown with ```promql cells).
    ///
    /// Without --out, prints the whole report's tidy CSV (what the page's "Report CSV"
    /// gives), or one cell's with --cell. With --out, writes one file per cell and
    /// report.csv.
    Run(RunArgs),
    /// Run reports and write snapshots that a published promnote site draws without a
    /// token: OUT/<report>.json and OUT/index.json. Put OUT at dist/snapshots.
    Snapshot(SnapshotArgs),
    /// Turn a Grafana dashboard into a report notebook: from its JSON file (Share → Export
    /// → Save to file), or from the Grafana of --grafana by its uid.
    ///
    /// Prints the report (Markdown) unless --out is given; what the report cannot hold
    /// (other datasources' queries, transformations, thresholds…) is listed at its top
    /// and on stderr.
    ImportDashboard(ImportArgs),
    /// Serve the site (built into this binary) on this computer and forward its Grafana
    /// requests to --grafana, from the page's own origin: the page reaches any stock
    /// Grafana with no CORS change and no admin. Open the printed address and paste your
    /// token: it stays in the page, and this server forwards it to that Grafana only.
    /// --prometheus servers are forwarded under /prometheus/N/ the same way.
    Serve(ServeArgs),
    /// Print a published site's snapshot index (opened, on a private site) as JSON: what
    /// it holds, for scripts.
    SiteIndex(SiteArgs),
    /// Send a published site's reports: by mail (a summary as text and HTML, each
    /// report's PDF and CSV attached) and to chat webhooks (Slack, Microsoft Teams, JSON).
    ///
    /// The summary holds each report's title, the sentences of its prose that hold values
    /// (with the values its snapshot answers), its charts' titles, when it was taken, and
    /// --link. The SMTP sign-in is SMTP_USER and SMTP_PASSWORD. A private (sealed) site's
    /// mail says only that it was published, unless --attach-private is given.
    Send(SendArgs),
    /// Attach files to a published snapshot, offered for download beside it: its PDF or
    /// report CSV, written as <snapshot>.pdf|.csv (sealed on a private site) and listed in
    /// the index.
    Attach(AttachArgs),
}

/// A published site's snapshots folder.
#[derive(Debug, Args)]
pub struct SiteArgs {
    /// The snapshots folder (e.g. dist/snapshots).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,

    /// The site is private (sealed): its passphrase is in PROMNOTE_PASSPHRASE or
    /// --passphrase-file.
    #[arg(long)]
    pub encrypt: bool,

    /// The file holding the passphrase (`-`: standard input), instead of
    /// PROMNOTE_PASSPHRASE.
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
}

/// `promnote send`.
#[derive(Debug, Args)]
pub struct SendArgs {
    /// The published site (its root, or its snapshots folder).
    #[arg(value_name = "SITE_DIR")]
    pub site: PathBuf,

    /// The site's address, linked from the summary (each report as LINK#/<report>).
    #[arg(long, value_name = "URL")]
    pub link: Option<String>,

    /// The SMTP server: smtp://host:port (STARTTLS, which it must offer unless it is this
    /// computer) or smtps://host:port (TLS).
    #[arg(long, value_name = "URL")]
    pub smtp: Option<String>,

    /// Send to an SMTP server that offers no STARTTLS in the clear, on a network you
    /// trust: never with SMTP_PASSWORD, nor with a private site's data.
    #[arg(long)]
    pub smtp_allow_plaintext: bool,

    /// The sender's address.
    #[arg(long, value_name = "ADDRESS")]
    pub from: Option<String>,

    /// A recipient's address (repeatable).
    #[arg(long, value_name = "ADDRESS")]
    pub to: Vec<String>,

    /// The mail's subject (default: the report's title, or the number of reports, and
    /// when they were taken).
    #[arg(long)]
    pub subject: Option<String>,

    /// A chat webhook to post the summary to (repeatable), or env:NAME to read its address
    /// from the variable NAME. The address is a secret: it is never printed beyond its host.
    #[arg(long = "webhook", value_name = "URL|env:NAME")]
    pub webhooks: Vec<String>,

    /// The webhooks' body: Slack's ({"text": …}, also Mattermost, Rocket.Chat, Discord's
    /// /slack), Microsoft Teams' (an Adaptive Card), or a plain JSON summary.
    #[arg(long, value_enum, default_value_t = WebhookFormat::Slack)]
    pub webhook_format: WebhookFormat,

    /// On a private (sealed) site, put its data in the delivery anyway: the summary's
    /// titles and values and the opened PDFs and CSVs (the passphrase is in
    /// PROMNOTE_PASSPHRASE or --passphrase-file).
    #[arg(long)]
    pub attach_private: bool,

    /// The file holding a sealed site's passphrase (`-`: standard input).
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
}

/// A chat webhook's body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WebhookFormat {
    /// Slack's incoming webhook: `{"text": …}`.
    Slack,
    /// A Microsoft Teams workflow: a message with an Adaptive Card.
    Teams,
    /// The summary as JSON: reports, titles, headlines, charts, links.
    Json,
}

/// `promnote attach`.
#[derive(Debug, Args)]
pub struct AttachArgs {
    /// The site.
    #[command(flatten)]
    pub site: SiteArgs,

    /// The snapshot's id, as the index lists it (`hub-activity`, `hub-activity--prod`).
    #[arg(value_name = "ID")]
    pub id: String,

    /// The files (.pdf, .csv).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// `promnote serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The port on 127.0.0.1 (0: any free port; the address is printed).
    #[arg(long, default_value_t = 8484)]
    pub port: u16,

    /// Listen on this address instead, e.g. 0.0.0.0:8484. Beyond loopback, anyone who can
    /// reach it can use this server to reach your Grafana (with their own token), and
    /// tokens typed into the page cross that network as plain http.
    #[arg(long, value_name = "ADDR:PORT")]
    pub listen: Option<String>,

    /// Another name this server answers to (repeatable), e.g. the machine's name on the
    /// network with --listen. Without it a request that names another host is refused,
    /// so that no web page can rebind a name of its own to this server.
    #[arg(long, value_name = "NAME")]
    pub allow_host: Vec<String>,
}

/// How `datasources` prints its list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// Aligned columns for people.
    Table,
    /// A JSON array.
    Json,
}

/// How query results are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Tidy CSV: one row per sample (time, datasource, labels…, value).
    Csv,
    /// Wide CSV: what the cell shows: one row per time, one column per series (the
    /// chart's table, with a table's totals); a stat's or summary's series and reducers.
    CsvWide,
    /// JSON: each cell's series with labels and samples, and its wide table.
    Json,
}

/// The time range and zone, as typed.
#[derive(Debug, Args)]
pub struct RangeArgs {
    /// Range start: Grafana's syntax (now-1M, now-7d/d), a date (2026-11-01), RFC 3339,
    /// unix seconds, or words (1 month ago). Default: the report's, or now-1M for a query.
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub from: Option<String>,

    /// Range end, in the same forms. Default: the report's, or now.
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub to: Option<String>,

    /// The IANA time zone whose midnights cut calendar days, weeks, months and years,
    /// and in which times are written, e.g. Europe/Berlin.
    #[arg(long, value_name = "ZONE", default_value = "UTC")]
    pub tz: String,
}

/// `promnote query`.
#[derive(Debug, Args)]
pub struct QueryArgs {
    /// The PromQL query.
    #[arg(value_name = "PROMQL")]
    pub query: String,

    /// The time range and zone.
    #[command(flatten)]
    pub range: RangeArgs,

    /// The step: 1d for calendar days, a Prometheus duration (5m, 1h), or auto.
    #[arg(long, default_value = "auto")]
    pub step: String,

    /// How series are named, e.g. '{{namespace}}' or '{{datasource}} {{job}}' (csv-wide
    /// column names and JSON names).
    #[arg(long, value_name = "TEMPLATE")]
    pub legend: Option<String>,

    /// Evaluate once, at the range's end (an instant query); csv-wide is then Grafana's
    /// table: one row per series, its labels as columns, then its value.
    #[arg(long)]
    pub instant: bool,

    /// Only these datasources, by name or uid (repeatable; default: every Prometheus
    /// datasource).
    #[arg(long = "datasource", value_name = "NAME")]
    pub datasources: Vec<String>,

    /// The output format.
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    pub format: Format,
}

/// `promnote run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The report notebook (.md).
    #[arg(value_name = "REPORT.md")]
    pub report: PathBuf,

    /// A variable's values: NAME=VALUE[,VALUE…], or NAME=All where the report offers All
    /// (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUES")]
    pub vars: Vec<String>,

    /// The time range and zone.
    #[command(flatten)]
    pub range: RangeArgs,

    /// Only this cell: its number (1 is the first) or its title.
    #[arg(long, value_name = "N|TITLE")]
    pub cell: Option<String>,

    /// The output format (files under --out, or stdout).
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    pub format: Format,

    /// Write one file per cell (cell-01-<title>.csv …) and the whole report's tidy CSV
    /// (report.csv) into this folder instead of stdout.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// `promnote snapshot`.
#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// The report notebooks (.md); each is written to OUT/<file name>.json.
    #[arg(required = true, value_name = "REPORT.md")]
    pub reports: Vec<PathBuf>,

    /// The folder for the snapshots and their index (e.g. dist/snapshots).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,

    /// A variable's values, for every report that has it: NAME=VALUE[,VALUE…] or NAME=All.
    #[arg(long = "var", value_name = "NAME=VALUES")]
    pub vars: Vec<String>,

    /// One snapshot per value of this variable (every value it lists, or those --var
    /// picks), for each report that has it: OUT/<report>--<value>.json, listed together.
    #[arg(long, value_name = "VAR")]
    pub each: Option<String>,

    /// How the published snapshots name where they came from, e.g. "Our Grafana"
    /// (default: the Grafana's host; servers called directly are never named by address).
    #[arg(long, value_name = "NAME")]
    pub source_name: Option<String>,

    /// Run everything, write nothing: list on stdout what each snapshot would publish
    /// (its file and size, title, source, datasources, variables, answers, failures).
    #[arg(long)]
    pub dry_run: bool,

    /// Seal every published file (snapshots, report CSVs, the index) with a passphrase
    /// from PROMNOTE_PASSPHRASE or --passphrase-file: AES-256-GCM under a PBKDF2-SHA-256
    /// key. The page asks readers for the passphrase.
    #[arg(long)]
    pub encrypt: bool,

    /// The file holding the passphrase (`-`: standard input), instead of
    /// PROMNOTE_PASSPHRASE.
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,

    /// Also keep a dated copy of each snapshot in this folder (inside --out):
    /// DIR/2026-12-05/<report>.json, listed in the gallery as earlier snapshots.
    #[arg(long, value_name = "DIR")]
    pub history: Option<PathBuf>,

    /// Keep, per cell, datasource and series, the values of the snapshot this one
    /// replaces for the periods the servers no longer return (past Prometheus'
    /// retention, or a datasource that is gone), so a long report keeps growing.
    #[arg(long)]
    pub accumulate: bool,

    /// The time range and zone (default: each report's range, in UTC).
    #[command(flatten)]
    pub range: RangeArgs,
}

/// `promnote import-dashboard`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The dashboard's JSON file.
    #[arg(value_name = "DASHBOARD.json", conflicts_with_all = ["uid", "list"], required_unless_present_any = ["uid", "list"])]
    pub file: Option<PathBuf>,

    /// The dashboard's uid in the Grafana of --grafana (the part after /d/ in its address).
    #[arg(long, value_name = "UID", conflicts_with = "list")]
    pub uid: Option<String>,

    /// List the dashboards of the Grafana of --grafana (uid, folder, title) instead.
    #[arg(long)]
    pub list: bool,

    /// Write the report to this file instead of stdout.
    #[arg(long, value_name = "REPORT.md")]
    pub out: Option<PathBuf>,
}
