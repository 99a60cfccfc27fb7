//! An HTTP answer as the core reads it, whatever its status ([`Reply`]), and what a
//! shell's transport gives back for one request ([`Sent`]): the answer, or why there was
//! none, already as an [`ApiError`].

use super::error::ApiError;

/// An HTTP answer, whatever its status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The body as text.
    pub body: String,
}

impl Reply {
    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// What a shell's transport gives back for one request: the answer, or the reason there
/// was none (nothing reachable, CORS, timed out, cancelled) already as an [`ApiError`].
pub type Sent = Result<Reply, ApiError>;

/// What [`ApiError::Status`] says of a request that the recording being replayed lacks.
pub const NOT_RECORDED: &str = "not part of the recorded data";
