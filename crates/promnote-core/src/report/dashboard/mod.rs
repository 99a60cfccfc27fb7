//! Grafana dashboards as reports: [`convert`] turns a dashboard's JSON (as Grafana
//! exports it, as `/api/dashboards/uid/<uid>` answers it, current and old generations)
//! into a [`Report`](crate::report::format::Report) and a list of what it could not carry over. The page and the
//! command line (`promnote import-dashboard`) both call it; what converts is listed in
//! the README's "Grafana dashboards" section.
//!
//! - Panels become cells: each Prometheus target a query of the cell (A, B, … as
//!   ` ```promql+ ` fences), its `legendFormat` the query's legend, the panel's draw
//!   style and stacking the chart kind, `fieldConfig.defaults.unit` the unit (or the
//!   value axis' title when promnote does not format it), `timeFrom`/`timeShift` the
//!   cell's own range. Rows become headings, text panels prose (through the page's safe
//!   Markdown path: raw HTML stays text), descriptions a line before the cell; their
//!   text is data, never report source ([`text`]: a fence in it never becomes a cell).
//! - Variables keep their kind (query, custom, constant, text box, interval), choices,
//!   regex, "All" and current value; a datasource variable and `${DS_…}` inputs become
//!   "every Prometheus datasource", which is what a report's cells ask by default.
//! - Threshold steps, their lines and bands on time charts, and value mappings become
//!   `thresholds=`, `thresholds_style=` and `mappings=` where Grafana shows them ([`colours`]).
//! - What has no counterpart (other datasources' targets, transformations, overrides,
//!   thresholds in percent, links, alerts, unknown panel types) is listed at the top of the
//!   report and beside the panel it came from: nothing is dropped in silence.
//!
//! - A Grafana Notebook's Markdown export ([`notebook`]) is read as the dashboard it
//!   describes: its text as text panels, each ```` ```json ```` panel block as a panel.
//!
//! The JSON is untrusted: every field is read as what it should be or skipped with a
//! note; titles and text are kept as text (the page never renders them as markup).

mod colours;
mod convert;
mod notebook;
mod panels;
mod read;
#[cfg(test)]
mod tests;
mod text;
mod variables;

pub use convert::convert;
pub use notebook::is_notebook;
pub use read::{Conversion, DashboardError, Dropped, Known, MAX_DASHBOARD_BYTES, MAX_PANELS};
