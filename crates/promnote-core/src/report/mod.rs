//! Layer 3, report: the report format and everything written in it, with no knowledge of
//! how it runs. A report is Markdown with ` ```promql ` cells and YAML front matter.
//!
//! - [`format`]: reading and writing a report (prose and cells, in order);
//! - [`front`]: its front matter (title, range, variables) and a variable's checks;
//! - [`annotations`]: notes on the timeline (`at`, `from`/`to`) and the series they mask;
//! - [`options`]: a cell's options (`chart=`, `unit=`, `step=`, …);
//! - [`thresholds`]: colours from threshold steps, value mappings (`thresholds=`, `mappings=`);
//! - [`reducer`]: how a series becomes one number (`reduce=`), and a table's totals;
//! - [`error`]: why a report could not be read, by line;
//! - [`yaml`]: the YAML subset front matter is written in;
//! - [`prose`]: prose as a tree of known, inert node kinds;
//! - [`inline`]: values in prose (`` `{promql} EXPR` ``) and how they combine;
//! - [`references`]: where a query names variables;
//! - [`variables`]: variables' sources, choices, "All" and regex;
//! - [`substitute`]: variables and Grafana's macros written into queries;
//! - [`share`]: share links (report, range, variables, Grafana URL; never a token);
//! - [`complete`]: what the query editor completes at the cursor;
//! - [`dashboard`]: Grafana dashboards converted into reports.

pub mod annotations;
pub mod complete;
pub mod dashboard;
pub mod error;
pub mod format;
pub mod front;
pub mod inline;
pub mod options;
pub mod prose;
pub mod reducer;
pub mod references;
pub mod share;
pub mod substitute;
pub mod thresholds;
pub mod variables;
pub mod yaml;

pub use format::{parse, Block, Cell, Query, Report};
pub use front::{FrontMatter, Variable};
pub use options::{CellOptions, ChartKind, Scale, Unit};
