//! The pure core of promnote: everything that can be decided without a browser.
//!
//! - [`grafana`]: the checked Grafana base URL, API requests, the datasource list;
//! - [`prom`]: Prometheus API answers decoded into samples;
//! - [`time`]: times and ranges as people type them (Grafana syntax, notebook words, ISO);
//! - [`step`]: Prometheus durations, `auto` steps, the 11,000-points limit;
//! - [`days`]: calendar-day buckets and when to evaluate them;
//! - [`table`]: the tidy table of series and its wide pivot: naming, ordering, top-N;
//! - [`csv`]: tidy and wide CSV, ISO 8601 times with offsets, formula-safe;
//! - [`frames`]: Grafana's `/api/ds/query` data frames, decoded like Prometheus answers;
//! - [`chart`]: tables turned into Plotly figures, as data;
//! - [`error`]: every failure a user can hit, with a message that says what to do;
//! - [`synthetic`]: answers of any size for benchmarks;
//! - [`report`]: a cell's query requests (calendar days or a fixed step) and the health check;
//! - [`notebook`]: the report format: Markdown with ` ```promql ` cells and YAML front matter;
//! - [`yaml`]: the YAML subset front matter is written in;
//! - [`markdown`]: report prose as a tree of known, inert node kinds;
//! - [`vars`]: `$variables`, `label_values(...)`, regex escaping;
//! - [`complete`]: what the query editor completes at the cursor;
//! - [`share`]: share links (report, range, variables, Grafana URL; never a token);
//! - [`run`]: running reports sans-IO: the machines both shells drive (retries, fallbacks,
//!   health checks, a cell's queries), cell preparation and variable rules;
//! - [`replay`]: recorded answers (the demo data) and report snapshots;
//! - [`secret`]: tokens and passwords that never show in a message or log.
//!
//! Nothing here depends on leptos, web-sys or gloo; `cargo test` runs it natively.

pub mod chart;
pub mod complete;
pub mod csv;
pub mod dashboard;
pub mod days;
pub mod error;
pub mod frames;
pub mod grafana;
pub mod markdown;
pub mod notebook;
pub mod prom;
pub mod replay;
pub mod report;
pub mod run;
pub mod secret;
pub mod share;
pub mod step;
pub mod synthetic;
pub mod table;
pub mod time;
pub mod vars;
pub mod yaml;
