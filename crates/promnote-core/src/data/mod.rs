//! Layer 4, data: what a cell's answers become, as data. No HTTP, no browser.
//!
//! - [`series`]: the tidy table (one series per datasource × query × label set), and
//!   what one datasource contributed to a cell;
//! - [`plan`]: a cell's plan: calendar days or a fixed grid, its requests, its table;
//! - [`table`]: the wide pivot: naming, ordering, top-N and "other";
//! - [`chart`]: tables turned into Plotly figures, as data;
//! - [`csv`]: tidy and wide CSV, formula-safe;
//! - [`synthetic`]: answers of any size, for benchmarks (feature `test-support`).

pub mod chart;
pub mod csv;
pub mod plan;
pub mod series;
#[cfg(any(test, feature = "test-support"))]
pub mod synthetic;
pub mod table;
