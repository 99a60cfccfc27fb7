//! The command line's regex engine for variable regexes (Grafana's are JavaScript's; the
//! page uses the browser's `RegExp`): the `regex` crate.

use promnote_core::report::variables::{Found, RegexEngine};

/// The command line's regex engine for variable regexes: the `regex` crate, with
/// JavaScript's `i`, `m` and `s` flags as inline flags (Grafana's regexes are JavaScript's;
/// lookaround and backreferences, which this engine lacks, are refused with its message).
/// The last pattern is kept compiled: a variable applies one regex to all its values.
#[derive(Default)]
pub struct RustRegex {
    last: std::cell::RefCell<Option<(String, regex::Regex)>>,
}

impl RegexEngine for RustRegex {
    fn find(&self, pattern: &str, flags: &str, text: &str) -> Result<Option<Found>, String> {
        let inline: String = flags.chars().filter(|c| "ims".contains(*c)).collect();
        let pattern = if inline.is_empty() { pattern.to_owned() } else { format!("(?{inline}){pattern}") };
        let mut last = self.last.borrow_mut();
        if last.as_ref().is_none_or(|(p, _)| *p != pattern) {
            let compiled = regex::Regex::new(&pattern).map_err(|e| e.to_string())?;
            *last = Some((pattern, compiled));
        }
        let Some((_, re)) = last.as_ref() else { return Ok(None) };
        Ok(re.captures(text).map(|c| Found {
            group: c.get(1).map(|m| m.as_str().to_owned()),
            value: c.name("value").map(|m| m.as_str().to_owned()),
            text: c.name("text").map(|m| m.as_str().to_owned()),
        }))
    }
}
