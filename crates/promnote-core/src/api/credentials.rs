//! Secrets: a Grafana token and the sign-in of a Prometheus called directly. Their
//! `Debug` never shows them and they have no `Display`, so they cannot end up in a log
//! line, a message or a file by accident; [`mask`] hides one in a message from a server,
//! and [`Credentials::forms`] lists what a file must never contain.

use std::fmt;

use super::encoding::{base64url, basic_authorization};

/// A Grafana service-account token. Its `Debug` never shows it and it has no `Display`,
/// so it cannot end up in a log line or a message by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

/// Why a pasted or read text is not a token. Each says what is wrong without repeating
/// the text, which may be a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    /// Nothing but whitespace.
    Empty,
    /// It starts with a byte-order mark (an editor saved it as "UTF-8 with BOM").
    ByteOrderMark,
    /// A shell or `.env` line, `NAME=value` or `export NAME=value`, not the token alone.
    Assignment,
    /// More than one non-empty line.
    SeveralLines,
    /// Spaces, control characters or letters beyond ASCII inside it.
    NotPrintable,
}

impl fmt::Display for TokenProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "is empty",
            Self::ByteOrderMark => {
                "starts with a byte-order mark (an editor saved it as \"UTF-8 with BOM\"): save it as plain text"
            }
            Self::Assignment => {
                "holds a NAME=value line (a shell or .env file), not the token alone: keep only what follows the ="
            }
            Self::SeveralLines => "holds more than one line: keep only the token",
            Self::NotPrintable => "has spaces, control characters or non-ASCII letters in it",
        })
    }
}

impl Token {
    /// Wraps a pasted token (surrounding whitespace and a `Bearer ` prefix removed).
    pub fn new(raw: &str) -> Option<Self> {
        Self::parse(raw).ok()
    }

    /// Reads a pasted token or a token file's text: surrounding whitespace and a
    /// `Bearer ` prefix go; anything else that is not a token is said precisely.
    pub fn parse(raw: &str) -> Result<Self, TokenProblem> {
        if raw.starts_with('\u{feff}') {
            return Err(TokenProblem::ByteOrderMark);
        }
        let raw = raw.trim();
        let raw = raw.strip_prefix("Bearer ").unwrap_or(raw).trim();
        if raw.is_empty() {
            return Err(TokenProblem::Empty);
        }
        if raw.lines().filter(|l| !l.trim().is_empty()).count() > 1 {
            return Err(TokenProblem::SeveralLines);
        }
        if is_assignment(raw) {
            return Err(TokenProblem::Assignment);
        }
        if !raw.chars().all(|c| c.is_ascii_graphic()) {
            return Err(TokenProblem::NotPrintable);
        }
        Ok(Self(raw.to_owned()))
    }

    /// The `Authorization` header value: `Bearer …`.
    pub fn header_value(&self) -> String {
        format!("Bearer {}", self.0)
    }

    /// Hides the token in a text that is about to be shown (defence in depth): each
    /// whole occurrence becomes `[token]` ([`mask`]).
    pub fn redact(&self, text: &str) -> String {
        mask(text, &self.0, "[token]")
    }

    /// The texts the token could appear as in a file ([`forms_of`]).
    pub fn forms(&self) -> Vec<String> {
        forms_of(&self.0)
    }
}

/// Whether `line` reads as `NAME=value` or `export NAME=value`. Base64's padding
/// (`abc=`, `abc==`) is not: a name must be followed by `=` and a value that does not
/// start with `=`.
fn is_assignment(line: &str) -> bool {
    let line = line.strip_prefix("export ").map_or(line, str::trim_start);
    let Some((name, value)) = line.split_once('=') else { return false };
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !value.is_empty()
        && !value.starts_with('=')
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token([redacted])")
    }
}

/// How to sign in to a Prometheus called directly (not through Grafana). `Debug` shows no secret.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// No `Authorization` header.
    Anonymous,
    /// `Authorization: Bearer …`.
    Bearer(Token),
    /// HTTP Basic.
    Basic {
        /// The user name (no `:`).
        user: String,
        /// The password.
        password: String,
    },
}

impl Credentials {
    /// Basic credentials, checked: a user name without `:` and a password.
    pub fn basic(user: &str, password: &str) -> Result<Self, String> {
        let user = user.trim();
        if user.is_empty() || user.contains(':') || user.chars().any(char::is_control) {
            return Err("Type the user name for this Prometheus (it cannot contain a colon).".into());
        }
        if password.is_empty() || password.chars().any(char::is_control) {
            return Err("Type the password for this Prometheus.".into());
        }
        Ok(Self::Basic { user: user.to_owned(), password: password.to_owned() })
    }

    /// The `Authorization` header value, if any.
    pub fn header_value(&self) -> Option<String> {
        match self {
            Credentials::Anonymous => None,
            Credentials::Bearer(token) => Some(token.header_value()),
            Credentials::Basic { user, password } => Some(basic_authorization(user, password)),
        }
    }

    /// Hides the secret in a text that is about to be shown: each whole occurrence of
    /// it, or of the Basic header it makes, is masked ([`mask`]).
    pub fn redact(&self, text: &str) -> String {
        match self {
            Credentials::Anonymous => text.to_owned(),
            Credentials::Bearer(token) => token.redact(text),
            Credentials::Basic { user, password } => {
                let header = basic_authorization(user, password);
                let encoded = header.strip_prefix("Basic ").unwrap_or(&header);
                mask(&mask(text, encoded, "[password]"), password, "[password]")
            }
        }
    }

    /// Every text the secret could appear as in a file: itself, JSON-escaped, and for
    /// Basic the header's base64 (standard and URL-safe).
    pub fn forms(&self) -> Vec<String> {
        match self {
            Credentials::Anonymous => Vec::new(),
            Credentials::Bearer(token) => token.forms(),
            Credentials::Basic { user, password } => {
                let header = basic_authorization(user, password);
                let standard = header.strip_prefix("Basic ").unwrap_or(&header).to_owned();
                let url_safe = base64url(format!("{user}:{password}").as_bytes());
                let mut forms = forms_of(password);
                forms.extend([standard, url_safe]);
                forms
            }
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Credentials::Anonymous => "Credentials::Anonymous",
            Credentials::Bearer(_) => "Credentials::Bearer([redacted])",
            Credentials::Basic { .. } => "Credentials::Basic([redacted])",
        })
    }
}

/// A secret as it could appear in a file: as itself and JSON-escaped (`"` as `\"`).
fn forms_of(secret: &str) -> Vec<String> {
    let escaped = serde_json::to_string(secret).unwrap_or_default();
    let escaped = escaped.trim_start_matches('"').trim_end_matches('"').to_owned();
    let mut forms = vec![secret.to_owned()];
    if escaped != secret {
        forms.push(escaped);
    }
    forms
}

/// Secrets shorter than this are not masked in messages: so short a text is part of
/// ordinary words, and masking it would rewrite them (a file holding one is refused by
/// `Servers::found_in` instead).
pub const MIN_MASKED_LEN: usize = 6;

/// `text` with each whole occurrence of `secret` replaced by `mask`: only where the
/// secret is neither preceded nor followed by a letter, digit or one of `_-.+/=`, so a
/// secret that is part of a longer word or identifier is never cut out of it, and only
/// for secrets of [`MIN_MASKED_LEN`] characters or more.
pub fn mask(text: &str, secret: &str, mask: &str) -> String {
    if secret.chars().count() < MIN_MASKED_LEN {
        return text.to_owned();
    }
    let joins = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || "_-.+/=".contains(c));
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (at, _) in text.match_indices(secret) {
        let end = at + secret.len();
        if joins(text[..at].chars().next_back()) || joins(text[end..].chars().next()) {
            continue;
        }
        out.push_str(&text[copied..at]);
        out.push_str(mask);
        copied = end;
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_show() {
        let token = Token::new("  Bearer glsa_abc  ").unwrap();
        assert_eq!(token.header_value(), "Bearer glsa_abc");
        assert_eq!(format!("{token:?}"), "Token([redacted])");
        assert_eq!(token.redact("x glsa_abc y"), "x [token] y");
        assert!(Token::new("two words").is_none());
        assert!(Token::new("").is_none());
    }

    #[test]
    fn a_token_file_s_mistakes_are_named() {
        assert!(Token::parse("glsa_abc\n").is_ok());
        assert!(Token::parse("\r\n  glsa_abc \r\n\n").is_ok());
        // Base64 padding is not an assignment.
        assert!(Token::parse("eyJrIjoiYWJj=").is_ok());
        assert!(Token::parse("eyJrIjoiYWJj==").is_ok());
        assert_eq!(Token::parse(" \n"), Err(TokenProblem::Empty));
        assert_eq!(Token::parse("\u{feff}glsa_abc"), Err(TokenProblem::ByteOrderMark));
        assert_eq!(Token::parse("GRAFANA_TOKEN=glsa_abc"), Err(TokenProblem::Assignment));
        assert_eq!(Token::parse("export GRAFANA_TOKEN=glsa_abc\n"), Err(TokenProblem::Assignment));
        assert_eq!(Token::parse("glsa_abc\nglsa_def"), Err(TokenProblem::SeveralLines));
        assert_eq!(Token::parse("glsa_abc\u{7}"), Err(TokenProblem::NotPrintable));
        assert_eq!(Token::parse("glsa_äbc"), Err(TokenProblem::NotPrintable));
        // No message repeats the text.
        for problem in [TokenProblem::Assignment, TokenProblem::NotPrintable] {
            assert!(!problem.to_string().contains("glsa"));
        }
        let basic = Credentials::basic("me", "pässword").unwrap();
        assert_eq!(format!("{basic:?}"), "Credentials::Basic([redacted])");
        assert!(basic.header_value().unwrap().starts_with("Basic "));
        assert_eq!(basic.redact("pässword!"), "[password]!");
        assert!(Credentials::basic("a:b", "x").is_err());
        assert_eq!(Credentials::Anonymous.header_value(), None);
    }

    #[test]
    fn messages_mask_whole_secrets_only() {
        let secret = "hunter22";
        assert_eq!(mask("a hunter22, b", secret, "[x]"), "a [x], b");
        assert_eq!(mask("\"hunter22\"", secret, "[x]"), "\"[x]\"");
        // Part of a longer word or identifier: left alone, never cut out of it.
        assert_eq!(
            mask("hunter222 xhunter22 hunter22_ hunter22.x", secret, "[x]"),
            "hunter222 xhunter22 hunter22_ hunter22.x"
        );
        assert_eq!(mask("hunter22hunter22 hunter22", secret, "[x]"), "hunter22hunter22 [x]");
        // Too short to mask without rewriting ordinary words.
        assert_eq!(mask("a b c", "a", "[x]"), "a b c");
        let basic = Credentials::basic("me", "s3cret-pass").unwrap();
        let header = basic.header_value().unwrap();
        let echoed = format!("bad header {header}");
        assert_eq!(basic.redact(&echoed), "bad header Basic [password]");
    }
}
