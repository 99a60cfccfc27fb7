//! Layer 4, data: what a cell's answers become, as data. No HTTP, no browser.
//!
//! - [`series`]: the tidy table (one series per datasource × query × label set), and
//!   what one datasource contributed to a cell;
//! - [`plan`]: a cell's plan: calendar days or a fixed grid, its requests, its table;
//! - [`table`]: the wide pivot: naming, ordering, top-N and "other";
//! - [`cells`]: a wide column's values, stored sparsely (only rows with a value);
//! - [`rows`]: Grafana's table of instant queries: a row per series, joined across queries;
//! - [`reduce`]: what a table adds: its `Total` column and row, and a summary's rows;
//! - [`chart`]: tables turned into Plotly figures, as data;
//! - [`histogram`]: series reduced to one number and counted per bin;
//! - [`heatmap`]: histogram buckets (`le`) over time, de-accumulated per bucket;
//! - [`csv`]: tidy and wide CSV, formula-safe;
//! - [`timeline`]: annotations at their times, and the values a masking span leaves out;
//! - [`units`]: one number written with its unit, for people (values in prose);
//! - [`synthetic`]: answers of any size, for benchmarks (feature `test-support`).

pub mod cells;
pub mod chart;
pub mod csv;
pub mod heatmap;
pub mod histogram;
pub mod plan;
pub mod reduce;
pub mod rows;
pub mod series;
#[cfg(any(test, feature = "test-support"))]
pub mod synthetic;
pub mod table;
pub mod timeline;
pub mod units;
