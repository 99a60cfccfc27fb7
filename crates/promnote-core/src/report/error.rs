//! Why a report could not be read: a line number and what is wrong there.

use std::fmt;

/// A report that could not be read: where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line in the file.
    pub line: usize,
    /// What is wrong and what to write instead.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

/// A [`ParseError`] at `line`.
pub fn error(line: usize, message: impl Into<String>) -> ParseError {
    ParseError { line, message: message.into() }
}
