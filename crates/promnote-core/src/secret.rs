//! Secrets: a Grafana token and the sign-in of a Prometheus called directly. Their
//! `Debug` never shows them and they have no `Display`, so they cannot end up in a log
//! line, a message or a file by accident; each shell adds them to a request only for the
//! origin they were typed for.

use std::fmt;

/// A Grafana service-account token. Its `Debug` never shows it and it has no `Display`,
/// so it cannot end up in a log line or a message by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Wraps a pasted token (surrounding whitespace and a `Bearer ` prefix removed).
    pub fn new(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        let raw = raw.strip_prefix("Bearer ").unwrap_or(raw).trim();
        (!raw.is_empty() && raw.chars().all(|c| c.is_ascii_graphic())).then(|| Self(raw.to_owned()))
    }

    /// The `Authorization` header value: `Bearer …`.
    pub fn header_value(&self) -> String {
        format!("Bearer {}", self.0)
    }

    /// Removes the token from a text that is about to be shown (defence in depth).
    pub fn redact(&self, text: &str) -> String {
        text.replace(&self.0, "[token]")
    }
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
            Credentials::Basic { user, password } => {
                Some(crate::grafana::basic_authorization(user, password))
            }
        }
    }

    /// Removes the secret from a text that is about to be shown.
    pub fn redact(&self, text: &str) -> String {
        match self {
            Credentials::Anonymous => text.to_owned(),
            Credentials::Bearer(token) => token.redact(text),
            Credentials::Basic { password, .. } => text.replace(password.as_str(), "[password]"),
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
        let basic = Credentials::basic("me", "pässword").unwrap();
        assert_eq!(format!("{basic:?}"), "Credentials::Basic([redacted])");
        assert!(basic.header_value().unwrap().starts_with("Basic "));
        assert_eq!(basic.redact("pässword!"), "[password]!");
        assert!(Credentials::basic("a:b", "x").is_err());
        assert_eq!(Credentials::Anonymous.header_value(), None);
    }
}
