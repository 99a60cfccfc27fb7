//! Layer 5, run: running reports, sans-IO. Everything here is plain data and small
//! state machines that take answers and say what to send next; there is no HTTP and no
//! clock inside. The page (fetch, browser timers) and the command line (a blocking
//! client, threads) each drive the same machines and only send, sleep and draw, so a
//! rule such as "502 is retried after 0.5 s, then 1.5 s" or "a proxy that refuses the
//! POST gets a GET" exists once.
//!
//! - [`accumulate`]: values kept past retention from an earlier snapshot (`--accumulate`);
//! - [`machine`]: a conversation with a server ([`Machine`]), one request's retries and
//!   fallbacks ([`Exchange`]);
//! - [`connect`]: the datasource list, which datasources a connection queries, their
//!   health checks and routes;
//! - [`cell`]: a cell prepared, its queries on one datasource, and what they come to;
//! - [`silent`]: datasources that timed out in a run, whose other queries fail at once;
//! - [`publish`]: what a published recording keeps of the variables' answers;
//! - [`repeat`]: one cell per value of a variable (`repeat=`): its values and bindings;
//! - [`value`]: a value in prose prepared, asked at the range's end, and combined;
//! - [`variables`]: variables' starting choices, load order, values and bindings.

pub mod accumulate;
pub mod cell;
pub mod connect;
pub mod machine;
pub mod publish;
pub mod repeat;
pub mod silent;
pub mod value;
pub mod variables;

pub use machine::{Exchange, Machine, Next};
