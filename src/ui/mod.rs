//! The page's screens, one file each: components that read narrow signals of the
//! [`crate::session::Connection`] and the [`crate::state::OpenReport`], and leave every
//! decision about data to the core.
//!
//! - [`connect`]: the connect form and the banner of what answered;
//! - [`cors_help`]: what to do when the browser withholds Grafana's answers;
//! - [`datasources`]: the datasource list with live badges;
//! - [`gallery`]: the reports to open, and what opens one;
//! - [`import`]: Grafana dashboards, pasted or picked from Grafana;
//! - [`published`]: a sealed site's unlock panel and Lock, a snapshot's files to download;
//! - [`report`]: the open report: toolbar, prose, cells;
//! - [`variables`]: the report's variables as controls;
//! - [`cell`]: one cell's result; [`cell_editor`]: its editor; [`tables`]: a cell drawn
//!   as numbers (a table with its totals, a stat's or summary's reducers);
//! - [`chart`]: the one place that hands figures to plotly.js;
//! - [`prose`]: report prose as elements and text nodes.

pub mod cell;
pub mod cell_editor;
pub mod chart;
pub mod connect;
pub mod cors_help;
pub mod datasources;
pub mod gallery;
pub mod import;
pub mod prose;
pub mod published;
pub mod report;
pub mod tables;
pub mod variables;
