//! Layer 2, api: what goes on the wire, and nothing about reports. Requests as data,
//! answers decoded, every failure worded for people, secrets and where they may go.
//!
//! - [`url`]: the checked base URL a user typed (Grafana's, or a Prometheus API's);
//! - [`request`]: requests as data (Grafana, the datasource proxy, `/api/ds/query`,
//!   metadata) and where each goes;
//! - [`encoding`]: percent-encoding, forms, base64, answer bytes as text;
//! - [`datasource`]: the datasource list, and how a datasource is queried ([`Route`]);
//! - [`reply`]: an HTTP answer, or why there was none;
//! - [`prom`]: Prometheus answers decoded into samples;
//! - [`annotations`]: Grafana's own annotations, decoded;
//! - [`frames`]: Grafana's `/api/ds/query` data frames, decoded like Prometheus answers;
//! - [`error`]: every failure a user can hit, with a message that says what to do;
//! - [`form`]: the page's connect form, checked into servers;
//! - [`credentials`]: tokens and passwords that never show;
//! - [`servers`]: which server a request goes to, with which credential;
//! - [`replay`]: recorded answers (the demo data) and report snapshots;
//! - [`seal`]: private (sealed) sites: the file format, and why one does not open.

pub mod annotations;
pub mod credentials;
pub mod datasource;
pub mod encoding;
pub mod error;
pub mod form;
pub mod frames;
pub mod prom;
pub mod replay;
pub mod reply;
pub mod request;
pub mod seal;
pub mod servers;
pub mod url;

pub use datasource::{Datasource, Route};
pub use error::ApiError;
pub use reply::{Reply, Sent};
pub use request::{ApiRequest, Body};
pub use url::BaseUrl;
