//! What the query editor should complete at the cursor: a metric name, a label name
//! inside a selector's braces, or a label value inside its quotes. The page then asks
//! the datasource for the candidates (`/api/v1/label/__name__/values`, `/api/v1/series`
//! for one metric's labels, `/api/v1/label/<name>/values`).

/// The word being typed and what kind of name it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// Byte offset where the word starts (the completion replaces `start..cursor`).
    pub start: usize,
    /// What is typed so far.
    pub prefix: String,
    /// What kind of name.
    pub kind: Kind,
}

/// Kinds of completion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// A metric (or function) name.
    Metric,
    /// A label name in the braces of `metric` (if the selector names one).
    LabelName {
        /// The metric before the braces.
        metric: Option<String>,
    },
    /// A value of `label` inside quotes.
    LabelValue {
        /// The metric before the braces.
        metric: Option<String>,
        /// The label whose value is typed.
        label: String,
    },
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == ':'
}

/// The completion context at byte offset `cursor` of `query`; `None` where nothing is
/// completed (inside a number, a duration, a closed string, or past the text).
pub fn context(query: &str, cursor: usize) -> Option<Context> {
    if cursor > query.len() || !query.is_char_boundary(cursor) {
        return None;
    }
    let before = &query[..cursor];
    // Where are we: inside braces? inside a string?
    let (mut brace, mut quote, mut quote_start) = (None, None, 0);
    for (i, c) in before.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'' | '`') => {
                quote = Some(c);
                quote_start = i + 1;
            }
            (None, '{') => brace = Some(i),
            (None, '}') => brace = None,
            _ => {}
        }
    }
    let metric_before = |open: usize| {
        let head = query[..open].trim_end();
        let start = head.rfind(|c: char| !is_name_char(c)).map_or(0, |i| i + 1);
        let name = &head[start..];
        (!name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit())).then(|| name.to_owned())
    };
    if let (Some(open), Some(_)) = (brace, quote) {
        // `label="va|`: the label is the name before the operator before the quote.
        let head = query[open + 1..quote_start - 1].trim_end().trim_end_matches(['=', '~', '!']).trim_end();
        let start = head.rfind(|c: char| !is_name_char(c)).map_or(0, |i| i + 1);
        let label = &head[start..];
        if label.is_empty() {
            return None;
        }
        return Some(Context {
            start: quote_start,
            prefix: query[quote_start..cursor].to_owned(),
            kind: Kind::LabelValue { metric: metric_before(open), label: label.to_owned() },
        });
    }
    if quote.is_some() {
        return None;
    }
    let start = before.rfind(|c: char| !is_name_char(c)).map_or(0, |i| i + 1);
    let prefix = &before[start..];
    if prefix.starts_with(|c: char| c.is_ascii_digit()) || before[..start].ends_with('[') {
        return None;
    }
    let kind = match brace {
        Some(open) => Kind::LabelName { metric: metric_before(open) },
        None => Kind::Metric,
    };
    Some(Context { start, prefix: prefix.to_owned(), kind })
}

/// A text box's cursor (`selectionStart`, which counts UTF-16 code units) as a byte
/// offset into `text`, on a character boundary (the end, past the text).
pub fn byte_offset(text: &str, utf16: usize) -> usize {
    let mut seen = 0;
    let at = text.char_indices().find(|(_, c)| {
        seen += c.len_utf16();
        seen > utf16
    });
    at.map_or(text.len(), |(i, _)| i)
}

/// A byte offset into `text` as a text box's cursor (UTF-16 code units); past the text,
/// its end.
pub fn utf16_offset(text: &str, byte: usize) -> usize {
    let mut end = byte.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].encode_utf16().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_map_between_utf16_and_bytes() {
        // "é" is 2 bytes and 1 UTF-16 unit; "🚀" 4 bytes and 2 units.
        let text = "aé🚀b";
        let pairs = [(0, 0), (1, 1), (2, 3), (4, 7), (5, 8)];
        for (utf16, byte) in pairs {
            assert_eq!(byte_offset(text, utf16), byte, "{utf16}");
            assert_eq!(utf16_offset(text, byte), utf16, "{byte}");
        }
        // Inside the rocket's surrogate pair: the character's start.
        assert_eq!(byte_offset(text, 3), 3);
        assert_eq!(byte_offset(text, 99), text.len());
        assert_eq!(utf16_offset(text, 5), 2, "inside a character: its start");
        assert_eq!(utf16_offset(text, 99), 5);
    }

    fn at(query_with_bar: &str) -> Option<Context> {
        let cursor = query_with_bar.find('|').expect("cursor");
        context(&query_with_bar.replace('|', ""), cursor)
    }

    #[test]
    fn metric_label_name_and_value() {
        assert_eq!(
            at("sum(jupyterhub_ru|").unwrap(),
            Context { start: 4, prefix: "jupyterhub_ru".into(), kind: Kind::Metric }
        );
        assert_eq!(
            at("up{job=\"a\", ins|}").unwrap(),
            Context { start: 12, prefix: "ins".into(), kind: Kind::LabelName { metric: Some("up".into()) } }
        );
        assert_eq!(
            at("rate(requests_total{status=~\"5|\"}[5m])").unwrap(),
            Context {
                start: 29,
                prefix: "5".into(),
                kind: Kind::LabelValue { metric: Some("requests_total".into()), label: "status".into() }
            }
        );
        assert_eq!(
            at("{namespace!=\"|").unwrap().kind,
            Kind::LabelValue { metric: None, label: "namespace".into() }
        );
    }

    #[test]
    fn nothing_inside_numbers_durations_and_closed_strings() {
        assert_eq!(at("rate(x[5|m])"), None);
        assert_eq!(at("x > 10|"), None);
        assert_eq!(at("label_replace(x, \"a|\", \"b\")"), None);
        assert!(at("up{job=\"a\"} + s|").is_some_and(|c| c.kind == Kind::Metric));
        assert_eq!(context("ü", 1), None);
    }
}
