//! Text that reaches a terminal. Datasource names, dashboard titles, label values and
//! servers' error texts are written by whoever runs the servers: an escape sequence in
//! one can retitle the window, rewrite earlier lines or hide text, and a bidirectional
//! override can make a line read as something else. Everything this command writes to
//! stderr goes through [`say!`] (the lint bans `eprintln!`), and stdout is escaped the
//! same way when it is a terminal; files and pipes get the bytes as they are.
//!
//! The rule: every control character except newline and tab, and every bidirectional
//! formatting character, is written as a visible escape (`\x1b`, `\u{202e}`).

use std::borrow::Cow;
use std::fmt::Write as _;

/// Writes a line to stderr with every control character escaped.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::term::stderr_line(&::std::format!($($arg)*))
    };
}
pub(crate) use say;

/// Writes `line` and a newline to stderr, escaped.
pub fn stderr_line(line: &str) {
    #[expect(clippy::disallowed_macros, reason = "the one place stderr is written, escaped")]
    {
        eprintln!("{}", escape(line));
    }
}

/// Whether `c` must not reach a terminal as it is.
fn is_unsafe(c: char) -> bool {
    match c {
        '\n' | '\t' => false,
        // C0, DEL and C1 controls (ESC, CR, BEL, CSI, OSC, …).
        c if c.is_control() => true,
        // Bidirectional marks, embeddings, overrides and isolates.
        '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => true,
        _ => false,
    }
}

/// `text` with every control character but newline and tab (and a carriage return just
/// before a newline: CSV's line end), and every bidirectional formatting character,
/// written as an escape; borrowed when there is none.
pub fn escape(text: &str) -> Cow<'_, str> {
    let unsafe_at = |i: usize, c: char| is_unsafe(c) && !(c == '\r' && text[i + 1..].starts_with('\n'));
    if !text.char_indices().any(|(i, c)| unsafe_at(i, c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for (i, c) in text.char_indices() {
        if !unsafe_at(i, c) {
            out.push(c);
        } else if u32::from(c) < 0x80 {
            let _ = write!(out, "\\x{:02x}", u32::from(c));
        } else {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn controls_and_bidi_overrides_are_written_visibly_and_plain_text_is_borrowed() {
        assert!(matches!(escape("cluster-north\tok\n"), std::borrow::Cow::Borrowed(_)));
        assert_eq!(escape("hub \u{1b}]0;owned\u{7}"), "hub \\x1b]0;owned\\x07");
        assert_eq!(escape("a\rb\u{7f}c\u{9b}2J"), "a\\x0db\\x7fc\\u{9b}2J");
        // CSV's line end stays one; a carriage return alone does not.
        assert!(matches!(escape("time,value\r\n1,2\r\n"), std::borrow::Cow::Borrowed(_)));
        assert_eq!(escape("a\r\r\n"), "a\\x0d\r\n");
        assert_eq!(escape("admin\u{202e}txt.exe"), "admin\\u{202e}txt.exe");
        // Text that only looks like an escape stays as it is; so do other scripts.
        assert_eq!(escape("\\x1b Zürich 東京"), "\\x1b Zürich 東京");
    }
}
