//! The pure core of promnote: everything that can be decided without a browser or a
//! network. Five layers, each a folder; a layer uses only the layers above it in this
//! list (`tests/architecture.rs` keeps it so):
//!
//! 1. [`time`]: instants, ranges, steps, calendar days, zones;
//! 2. [`api`]: what goes on the wire: requests, answers, errors, credentials, replay;
//! 3. [`report`]: the report format: cells, front matter, variables, prose, share links,
//!    dashboard conversion;
//! 4. [`data`]: what answers become: the cell plan, tables, charts, CSV;
//! 5. [`run`]: the sans-IO machines both shells drive: connecting, cells, variables.
//!
//! Nothing here depends on leptos, web-sys or gloo; `cargo test` runs it natively.

pub mod api;
pub mod data;
pub mod report;
pub mod run;
pub mod time;
