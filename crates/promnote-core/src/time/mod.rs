//! Layer 1, time: instants, ranges and steps, with no knowledge of servers or reports.
//!
//! - [`parse`]: times and ranges as people type them (Grafana syntax, words, ISO);
//! - [`zones`]: time-zone names, the native lookup, zones built from browser offsets;
//! - [`clock`]: instants written out (ISO 8601, RFC 3339, `HH:MM`, zone names);
//! - [`step`]: Prometheus durations, `auto` steps, the 11,000-points limit;
//! - [`periods`]: calendar days, weeks, months and years, and when Prometheus evaluates them.

pub mod clock;
pub mod parse;
pub mod periods;
pub mod step;
pub mod zones;

pub use clock::WallClock;
pub use parse::{Edge, TimeError, TimeRange};
pub use zones::zone;
